package server

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Version is what Paddock reports as its ZooKeeper version in srvr, stat
// and mntr: the ZooKeeper release whose protocol it speaks, then Paddock's.
const Version = "3.8.4-paddock-0.1.0"

// latency tracks request latency for srvr/stat/mntr, in ms as ZooKeeper
// prints it.
type latency struct {
	count             int64
	total, minD, maxD time.Duration
}

func (l *latency) add(d time.Duration) {
	if l.count == 0 || d < l.minD {
		l.minD = d
	}
	if d > l.maxD {
		l.maxD = d
	}
	l.total += d
	l.count++
}

func (l *latency) avgMs() float64 {
	if l.count == 0 {
		return 0
	}
	return float64(l.total.Microseconds()) / 1000 / float64(l.count)
}

// containerInterval is how often empty containers and expired TTL nodes
// are swept (znode.container.checkIntervalMs, default one minute).
func (s *Server) containerInterval() time.Duration {
	if s.cfg.ContainerCheckInterval > 0 {
		return s.cfg.ContainerCheckInterval
	}
	return time.Minute
}

// fourLetter answers a whitelisted four-letter word in ZooKeeper's format.
func (k *core) fourLetter(word string) (string, bool) {
	switch word {
	case "ruok":
		return "imok", true
	case "srvr":
		return k.srvr(false), true
	case "stat":
		return k.srvr(true), true
	case "isro":
		return "rw", true
	case "mntr":
		return k.mntr(), true
	case "conf":
		return k.conf(), true
	case "envi":
		return k.envi(), true
	case "cons":
		// ServerCnxn.dumpConnectionInfo, full form.
		var b strings.Builder
		for _, c := range k.s.net.Connections() {
			st := c.Stats()
			fmt.Fprintf(&b, " /%s[1](queued=%d,recved=%d,sent=%d", st.Remote, st.Outstanding, st.PacketsReceived, st.PacketsSent)
			if st.SessionID != 0 {
				fmt.Fprintf(&b, ",sid=%s,lop=%s,est=%d,to=%d", st.SessionID, st.LastOp, st.Established.UnixMilli(), st.SessionTimeout)
				if st.LastCxid >= 0 {
					fmt.Fprintf(&b, ",lcxid=%#x", st.LastCxid)
				}
				fmt.Fprintf(&b, ",lzxid=%s,lresp=%d,llat=%d,minlat=%d,avglat=%d,maxlat=%d", st.LastZxid,
					st.LastResponse.UnixMilli(), st.LastLatency.Milliseconds(), st.MinLatency.Milliseconds(),
					st.AvgLatency.Milliseconds(), st.MaxLatency.Milliseconds())
			}
			b.WriteString(")\n")
		}
		b.WriteString("\n")
		return b.String(), true
	case "wchs":
		ws := k.eng.Watches().Summary()
		return fmt.Sprintf("%d connections watching %d paths\nTotal watches:%d\n",
			ws.Watchers, ws.Paths, ws.Total), true
	case "dirs":
		logDir := k.s.cfg.DataLogDir
		if logDir == "" {
			logDir = k.s.cfg.DataDir
		}
		return fmt.Sprintf("datadir_size: %d\nlogdir_size: %d\n", dirSize(k.s.cfg.DataDir), dirSize(logDir)), true
	case "crst", "srst":
		k.lat = latency{}
		if word == "crst" {
			return "Connection stats reset.\n", true
		}
		return "Server stats reset.\n", true
	case "dump":
		var b strings.Builder
		b.WriteString("SessionTracker dump:\n")
		fmt.Fprintf(&b, "Session Sets (%d):\n", k.tracker.Len())
		b.WriteString("ephemeral nodes dump:\n")
		sessions := k.eng.Sessions()
		fmt.Fprintf(&b, "Sessions with Ephemerals (%d):\n", len(sessions))
		ids := make([]string, 0, len(sessions))
		for id := range sessions {
			ids = append(ids, id.String())
		}
		sort.Strings(ids)
		for _, id := range ids {
			b.WriteString(id + ":\n")
		}
		return b.String(), true
	}
	return "", false
}

func (k *core) srvr(withClients bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Zookeeper version: %s, built on %s\n", Version, buildDate)
	if withClients {
		b.WriteString("Clients:\n")
		for _, c := range k.s.net.Connections() {
			st := c.Stats() // the brief form of dumpConnectionInfo
			fmt.Fprintf(&b, " /%s[1](queued=%d,recved=%d,sent=%d)\n", st.Remote, st.Outstanding, st.PacketsReceived, st.PacketsSent)
		}
		b.WriteString("\n")
	}
	st := k.s.net.Stats()
	fmt.Fprintf(&b, "Latency min/avg/max: %d/%.4f/%d\n", k.lat.minD.Milliseconds(), k.lat.avgMs(), k.lat.maxD.Milliseconds())
	fmt.Fprintf(&b, "Received: %d\n", st.PacketsReceived)
	fmt.Fprintf(&b, "Sent: %d\n", st.PacketsSent)
	fmt.Fprintf(&b, "Connections: %d\n", k.s.net.NumConnections())
	fmt.Fprintf(&b, "Outstanding: %d\n", len(k.in)+len(k.inflight))
	fmt.Fprintf(&b, "Zxid: %s\n", k.eng.LastZxid())
	b.WriteString("Mode: standalone\n")
	fmt.Fprintf(&b, "Node count: %d\n", k.eng.Tree().NodeCount())
	return b.String()
}

const buildDate = "2026-11-23 00:00 UTC"

func (k *core) mntr() string {
	var b strings.Builder
	st := k.s.net.Stats()
	w := k.eng.Watches()
	kv := func(key string, v any) { fmt.Fprintf(&b, "%s\t%v\n", key, v) }
	kv("zk_version", Version+", built on "+buildDate)
	kv("zk_server_state", "standalone")
	kv("zk_avg_latency", fmt.Sprintf("%.4f", k.lat.avgMs()))
	kv("zk_max_latency", k.lat.maxD.Milliseconds())
	kv("zk_min_latency", k.lat.minD.Milliseconds())
	kv("zk_packets_received", st.PacketsReceived)
	kv("zk_packets_sent", st.PacketsSent)
	kv("zk_num_alive_connections", k.s.net.NumConnections())
	kv("zk_outstanding_requests", len(k.in)+len(k.inflight))
	kv("zk_znode_count", k.eng.Tree().NodeCount())
	kv("zk_watch_count", w.Count())
	kv("zk_ephemerals_count", k.eng.EphemeralCount())
	kv("zk_approximate_data_size", k.eng.Tree().ApproximateDataSize())
	kv("zk_open_file_descriptor_count", openFDs())
	kv("zk_max_file_descriptor_count", maxFDs())
	kv("zk_uptime", time.Since(k.s.start).Milliseconds())
	kv("zk_global_sessions", len(k.eng.Sessions()))
	kv("zk_local_sessions", 0)
	return b.String()
}

func (k *core) conf() string {
	c := k.s.cfg
	var b strings.Builder
	fmt.Fprintf(&b, "clientPort=%d\n", c.ClientPort)
	if c.ClientPortAddress != "" {
		fmt.Fprintf(&b, "clientPortAddress=%s\n", c.ClientPortAddress)
	}
	fmt.Fprintf(&b, "dataDir=%s\n", c.DataDir)
	fmt.Fprintf(&b, "dataLogDir=%s\n", c.DataLogDir)
	fmt.Fprintf(&b, "tickTime=%d\n", c.TickTime.Milliseconds())
	fmt.Fprintf(&b, "maxClientCnxns=%d\n", c.MaxClientCnxns)
	fmt.Fprintf(&b, "minSessionTimeout=%d\n", c.MinSessionTimeout.Milliseconds())
	fmt.Fprintf(&b, "maxSessionTimeout=%d\n", c.MaxSessionTimeout.Milliseconds())
	b.WriteString("clientPortListenBacklog=-1\nserverId=0\n")
	return b.String()
}

func (k *core) envi() string {
	host, _ := os.Hostname()
	wd, _ := os.Getwd()
	var b strings.Builder
	b.WriteString("Environment:\n")
	fmt.Fprintf(&b, "zookeeper.version=%s, built on %s\n", Version, buildDate)
	fmt.Fprintf(&b, "host.name=%s\n", host)
	fmt.Fprintf(&b, "go.version=%s\n", runtime.Version())
	fmt.Fprintf(&b, "os.name=%s\n", runtime.GOOS)
	fmt.Fprintf(&b, "os.arch=%s\n", runtime.GOARCH)
	fmt.Fprintf(&b, "user.dir=%s\n", wd)
	return b.String()
}

func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// dirSize is the total size of the files under dir (the dirs word).
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
