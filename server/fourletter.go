package server

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Version is what Paddock reports as its ZooKeeper version in srvr, stat
// and mntr: the ZooKeeper release whose protocol it speaks, then Paddock's.
const Version = "3.8.4-paddock-0.1.0"

const buildDate = "2026-11-23 00:00 UTC"

// containerInterval is how often empty containers and expired TTL nodes
// are swept (znode.container.checkIntervalMs, default one minute).
func (s *Server) containerInterval() time.Duration {
	if s.cfg.ContainerCheckInterval > 0 {
		return s.cfg.ContainerCheckInterval
	}
	return time.Minute
}

// fourLetter answers a whitelisted four-letter word in ZooKeeper's format.
// Each renders the same figures as the admin command of the same meaning
// (commands.go), as text.
func (k *core) fourLetter(word string) (string, bool) {
	// ZooKeeper's FourLetterCommands: without a running ZooKeeperServer
	// (no leader in an ensemble) most words answer this.
	switch word {
	case "srvr", "stat", "mntr", "cons", "crst", "srst", "dump", "wchs", "wchc", "wchp", "dirs":
		if !k.serving() {
			return "This ZooKeeper instance is not currently serving requests\n", true
		}
	}
	switch word {
	case "ruok":
		return "imok", true
	case "isro":
		return "rw", true
	case "srvr":
		return k.srvr(false), true
	case "stat":
		return k.srvr(true), true
	case "mntr":
		var b strings.Builder
		k.monitor(func(key string, v any) {
			b.WriteString("zk_")
			b.WriteString(key)
			b.WriteByte('\t')
			b.WriteString(formatValue(v))
			b.WriteByte('\n')
		})
		return b.String(), true
	case "conf":
		var b strings.Builder
		for _, f := range k.conf4lw() {
			fmt.Fprintf(&b, "%s=%s\n", f.Key, formatValue(f.Value))
		}
		return b.String(), true
	case "envi":
		var b strings.Builder
		b.WriteString("Environment:\n")
		for _, f := range environment() {
			fmt.Fprintf(&b, "%s=%s\n", f.Key, formatValue(f.Value))
		}
		return b.String(), true
	case "cons":
		var b strings.Builder
		for _, st := range k.connections() {
			b.WriteString(consLine(st, true))
		}
		b.WriteString("\n")
		return b.String(), true
	case "wchs":
		ws := k.eng.Watches().Summary()
		return fmt.Sprintf("%d connections watching %d paths\nTotal watches:%d\n",
			ws.Watchers, ws.Paths, ws.Total), true
	case "wchc":
		var b strings.Builder
		for _, e := range k.watchesBySession() {
			b.WriteString(e.session.String() + "\n")
			for _, p := range e.paths {
				b.WriteString("\t" + p + "\n")
			}
		}
		b.WriteString("\n")
		return b.String(), true
	case "wchp":
		var b strings.Builder
		for _, e := range k.watchesByPath() {
			b.WriteString(e.path + "\n")
			for _, s := range e.sessions {
				b.WriteString("\t" + s.String() + "\n")
			}
		}
		b.WriteString("\n")
		return b.String(), true
	case "dirs":
		d, l := k.dirSizes()
		return fmt.Sprintf("datadir_size: %d\nlogdir_size: %d\n", d, l), true
	case "crst":
		k.resetConnectionStats()
		return "Connection stats reset.\n", true
	case "srst":
		k.resetServerStats()
		return "Server stats reset.\n", true
	case "dump":
		return k.dump(), true
	}
	return "", false
}

// formatValue prints a figure as ZooKeeper does in text: doubles with
// Java's Double.toString.
func formatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return javaDouble(x)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// consLine is ServerCnxn.dumpConnectionInfo: the brief form for stat, the
// full one for cons.
func consLine(st connInfo, full bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, " /%s[%d](queued=%d,recved=%d,sent=%d", st.Remote, st.InterestOps, st.Outstanding,
		st.PacketsReceived, st.PacketsSent)
	if full && st.SessionID != 0 {
		fmt.Fprintf(&b, ",sid=%s,lop=%s,est=%d,to=%d", st.SessionID, st.LastOp, st.Established.UnixMilli(), st.SessionTimeout)
		if st.LastCxid >= 0 {
			fmt.Fprintf(&b, ",lcxid=%#x", st.LastCxid)
		}
		fmt.Fprintf(&b, ",lzxid=%s,lresp=%d,llat=%d,minlat=%d,avglat=%d,maxlat=%d", st.LastZxid,
			lastResponseMs(st.LastResponse), st.LastLatency.Milliseconds(), st.MinLatency.Milliseconds(),
			st.AvgLatency.Milliseconds(), st.MaxLatency.Milliseconds())
	}
	b.WriteString(")\n")
	return b.String()
}

func lastResponseMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func (k *core) srvr(withClients bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Zookeeper version: %s, built on %s\n", Version, buildDate)
	if withClients {
		b.WriteString("Clients:\n")
		for _, st := range k.connections() {
			b.WriteString(consLine(st, false))
		}
		b.WriteString("\n")
	}
	st := k.s.net.Stats()
	fmt.Fprintf(&b, "Latency min/avg/max: %d/%s/%d\n", k.lat.minD.Milliseconds(), javaDouble(k.lat.avgMs()), k.lat.maxD.Milliseconds())
	fmt.Fprintf(&b, "Received: %d\n", st.PacketsReceived)
	fmt.Fprintf(&b, "Sent: %d\n", st.PacketsSent)
	fmt.Fprintf(&b, "Connections: %d\n", k.s.net.NumConnections())
	fmt.Fprintf(&b, "Outstanding: %d\n", k.outstanding())
	fmt.Fprintf(&b, "Zxid: %s\n", k.eng.LastZxid())
	fmt.Fprintf(&b, "Mode: %s\n", k.mode())
	fmt.Fprintf(&b, "Node count: %d\n", k.eng.Tree().NodeCount())
	return b.String()
}

// javaDate is java.util.Date.toString, which dump prints.
func javaDate(ms int64) string {
	return time.UnixMilli(ms).Format("Mon Jan 02 15:04:05 MST 2006")
}

// dump is the dump word: SessionTrackerImpl.dumpSessions, then
// DataTree.dumpEphemerals.
func (k *core) dump() string {
	var b strings.Builder
	b.WriteString("SessionTracker dump:\n")
	buckets := k.tracker.Buckets()
	fmt.Fprintf(&b, "Session Sets (%d)/(%d):\n", len(buckets), k.tracker.Len())
	for _, bk := range buckets {
		fmt.Fprintf(&b, "%d expire at %s:\n", len(bk.Sessions), javaDate(bk.Deadline))
		for _, s := range bk.Sessions {
			fmt.Fprintf(&b, "\t%s\n", s)
		}
	}
	b.WriteString("ephemeral nodes dump:\n")
	eph := k.ephemeralsBySession()
	fmt.Fprintf(&b, "Sessions with Ephemerals (%d):\n", len(eph))
	for _, e := range eph {
		fmt.Fprintf(&b, "%s:\n", e.session)
		for _, p := range e.paths {
			fmt.Fprintf(&b, "\t%s\n", p)
		}
	}
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

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
