package server

import (
	"cmp"
	"net"
	"net/url"
	"os"
	"os/user"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paddockdb/paddock/net/zknet"
	"github.com/paddockdb/paddock/zk"
)

// The operator commands: what ZooKeeper's AdminServer commands
// (org.apache.zookeeper.server.admin.Commands) compute, as ordered fields,
// so the four-letter words (fourletter.go), the AdminServer's JSON and the
// Prometheus gauges all report the same figures. They run on the core
// goroutine, which owns everything they read.

// field is one key of a command's answer, in ZooKeeper's order.
type field struct {
	Key   string
	Value any
}

// fields is an ordered JSON object; values are nil, bool, integers,
// float64, string, fields, or slices of those.
type fields []field

func (f *fields) add(key string, v any) { *f = append(*f, field{key, v}) }

type connInfo = zknet.ConnStats

// syncedLag is how many entries behind the commit index a follower may be
// and still count as synced in mntr.
const syncedLag = 1000

// mode is what srvr prints after "Mode: " and mntr as zk_server_state.
func (k *core) mode() string {
	switch e := k.ens; {
	case e == nil:
		return "standalone"
	case e.isLeader():
		return "leader"
	case e.learner:
		return "observer"
	default:
		return "follower"
	}
}

// serving reports whether the server answers clients: always when
// standalone; in an ensemble while a leader is known, unless this server
// leads and leaderServes=no.
func (k *core) serving() bool {
	return k.ens == nil || k.ens.lead != 0 && k.ens.member && (k.s.cfg.LeaderServes || !k.ens.isLeader())
}

// outstanding is the number of requests received and not yet answered.
func (k *core) outstanding() int { return len(k.in) + len(k.inflight) }

// connections are the open client connections, by id.
func (k *core) connections() []connInfo {
	conns := k.s.net.Connections()
	out := make([]connInfo, 0, len(conns))
	for _, c := range conns {
		out = append(out, c.Stats())
	}
	return out
}

type sessionPaths struct {
	session zk.SessionID
	paths   []string
}

type pathSessions struct {
	path     string
	sessions []zk.SessionID
}

// watchesBySession is wchc's content: data-side watches per session
// (see engine.Watches.Summary for what ZooKeeper leaves out).
func (k *core) watchesBySession() []sessionPaths {
	var out []sessionPaths
	for wr, paths := range k.eng.Watches().ByWatcher() {
		cl, ok := wr.(*client)
		if !ok {
			continue
		}
		ps := slices.Clone(paths)
		slices.Sort(ps)
		out = append(out, sessionPaths{cl.session, ps})
	}
	slices.SortFunc(out, func(a, b sessionPaths) int { return cmp.Compare(a.session, b.session) })
	return out
}

// watchesByPath is wchp's content.
func (k *core) watchesByPath() []pathSessions {
	var out []pathSessions
	for p, wrs := range k.eng.Watches().ByPath() {
		e := pathSessions{path: p}
		for _, wr := range wrs {
			if cl, ok := wr.(*client); ok {
				e.sessions = append(e.sessions, cl.session)
			}
		}
		slices.Sort(e.sessions)
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b pathSessions) int { return cmp.Compare(a.path, b.path) })
	return out
}

// ephemeralsBySession lists the sessions owning ephemeral nodes and their
// paths.
func (k *core) ephemeralsBySession() []sessionPaths {
	var out []sessionPaths
	for s := range k.eng.Sessions() {
		if ps := k.eng.Ephemerals(s, ""); len(ps) > 0 {
			ps = slices.Clone(ps)
			slices.Sort(ps)
			out = append(out, sessionPaths{s, ps})
		}
	}
	slices.SortFunc(out, func(a, b sessionPaths) int { return cmp.Compare(a.session, b.session) })
	return out
}

func (k *core) logDir() string {
	if d := k.s.cfg.DataLogDir; d != "" {
		return d
	}
	return k.s.cfg.DataDir
}

// dirSizes are the bytes under dataDir and dataLogDir (the same directory
// counts twice, as in ZooKeeper).
func (k *core) dirSizes() (data, log int64) {
	return dirSize(k.s.cfg.DataDir), dirSize(k.logDir())
}

// resetConnectionStats is crst / connection_stat_reset.
func (k *core) resetConnectionStats() {
	for _, c := range k.s.net.Connections() {
		c.ResetStats()
	}
}

// resetServerStats is srst / stat_reset: ServerStats.reset, which zeroes
// the latency, packet and response-size figures.
func (k *core) resetServerStats() {
	k.lat = latency{}
	k.s.net.ResetStats()
}

// monitor reports mntr's figures (the monitor command, and the Prometheus
// gauges), keys without "zk_". Where ZooKeeper has the figure, the key is
// ZooKeeper's; testdata/ops and opsfields_test.go list the ZooKeeper keys
// Paddock leaves out, and why.
func (k *core) monitor(kv func(key string, v any)) {
	net := k.s.net.Stats()
	w := k.eng.Watches()
	st := k.stats
	kv("version", Version+", built on "+buildDate)
	kv("server_state", k.mode())
	kv("ephemerals_count", k.eng.EphemeralCount())
	kv("num_alive_connections", k.s.net.NumConnections())
	kv("avg_latency", k.lat.avgMs())
	kv("outstanding_requests", k.outstanding())
	kv("znode_count", k.eng.Tree().NodeCount())
	kv("global_sessions", len(k.eng.Sessions()))
	kv("last_client_response_size", net.LastResponseSize)
	kv("packets_sent", net.PacketsSent)
	kv("packets_received", net.PacketsReceived)
	kv("max_client_response_size", net.MaxResponseSize)
	kv("watch_count", w.Count())
	kv("auth_failed_count", st.authFailed)
	kv("min_latency", k.lat.minD.Milliseconds())
	kv("max_file_descriptor_count", maxFDs())
	kv("approximate_data_size", k.eng.Tree().ApproximateDataSize())
	kv("open_file_descriptor_count", openFDs())
	kv("local_sessions", 0) // Paddock has no local sessions: every session is global
	kv("uptime", time.Since(k.s.start).Milliseconds())
	kv("max_latency", k.lat.maxD.Milliseconds())
	kv("min_client_response_size", net.MinResponseSize)
	if k.ens != nil && k.ens.isLeader() {
		kv("proposal_count", st.txnsLogged)
	} else {
		kv("proposal_count", 0) // only a leader proposes
	}
	if k.ens != nil && k.ens.isLeader() {
		// Leader.java's figures, from raft's progress of each member.
		q := k.ens.node.Status()
		var learners, synced, observers int
		for _, f := range q.Followers {
			learners++
			if f.Active && f.Match+syncedLag >= q.Commit {
				if f.Learner {
					observers++
				} else {
					synced++
				}
			}
		}
		kv("learners", learners)
		kv("synced_followers", synced)
		kv("synced_non_voting_followers", 0)
		kv("synced_observers", observers)
		kv("pending_syncs", len(k.ens.syncs))
	}
	kv("connection_rejected", net.Rejected)
	kv("bytes_received_count", net.BytesReceived)
	kv("response_bytes", net.ResponseBytes)
	kv("connection_request_count", st.connectRequests)
	kv("snap_count", st.checkpoints)
	kv("unrecoverable_error_count", st.fatalErrors)
	kv("stale_sessions_expired", st.sessionsExpired)
	kv("sync_processor_request_queued", st.txnsLogged)
	// Not in ZooKeeper 3.8's mntr (its AdminServer's stats has it): how
	// many fsyncs took longer than fsync.warningthresholdms.
	kv("fsync_threshold_exceed_count", k.slowSyncs())
	for _, s := range st.summaries() {
		s.emit(kv)
	}
}

// slowSyncs is the number of txn log fsyncs over the warning threshold.
func (k *core) slowSyncs() uint64 {
	if k.s.logStats == nil {
		return 0
	}
	return k.s.logStats().SlowSyncs
}

// conf4lw is the conf word (ZooKeeperServer.dumpConf).
func (k *core) conf4lw() fields {
	c := k.s.cfg
	d, l := k.dirSizes()
	var f fields
	f.add("clientPort", k.clientPort())
	f.add("secureClientPort", c.SecureClientPort)
	f.add("dataDir", c.DataDir)
	f.add("dataDirSize", d)
	f.add("dataLogDir", k.logDir())
	f.add("dataLogSize", l)
	f.add("tickTime", c.TickTime.Milliseconds())
	f.add("maxClientCnxns", c.MaxClientCnxns)
	f.add("minSessionTimeout", c.MinSessionTimeout.Milliseconds())
	f.add("maxSessionTimeout", c.MaxSessionTimeout.Milliseconds())
	f.add("clientPortListenBacklog", c.ClientPortListenBacklog)
	f.add("serverId", 0)
	return f
}

// clientPort is the port actually listened on (the configured one, unless
// it was 0).
func (k *core) clientPort() int {
	if a, ok := k.s.net.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return k.s.cfg.ClientPort
}

// environment is envi / environment (Environment.list): ZooKeeper's keys
// where they mean something outside a JVM, Go's where they do not.
func environment() fields {
	host, _ := os.Hostname()
	wd, _ := os.Getwd()
	var f fields
	f.add("zookeeper.version", Version+", built on "+buildDate)
	f.add("host.name", host)
	f.add("go.version", runtime.Version())
	if exe, err := os.Executable(); err == nil {
		f.add("go.executable", exe)
	}
	f.add("os.name", osName())
	f.add("os.arch", runtime.GOARCH)
	f.add("os.version", osVersion())
	if u, err := user.Current(); err == nil {
		f.add("user.name", u.Username)
		f.add("user.home", u.HomeDir)
	}
	f.add("user.dir", wd)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f.add("os.memory.free", strconv.FormatUint((ms.HeapIdle-ms.HeapReleased)>>20, 10)+"MB")
	// Java's max heap; for Go the soft memory limit (GOMEMLIMIT), or the
	// machine's memory when there is none.
	if lim := debug.SetMemoryLimit(-1); lim > 0 && lim < 1<<62 {
		f.add("os.memory.max", strconv.FormatInt(lim>>20, 10)+"MB")
	} else if total := memTotal(); total > 0 {
		f.add("os.memory.max", strconv.FormatInt(total>>20, 10)+"MB")
	}
	f.add("os.memory.total", strconv.FormatUint(ms.Sys>>20, 10)+"MB")
	f.add("go.maxprocs", runtime.GOMAXPROCS(0))
	return f
}

// memTotal is the machine's memory in bytes (/proc/meminfo), or 0.
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// osName is Java's os.name for the platforms Go names differently.
func osName() string {
	switch runtime.GOOS {
	case "linux":
		return "Linux"
	case "darwin":
		return "Mac OS X"
	case "windows":
		return "Windows"
	case "freebsd":
		return "FreeBSD"
	}
	return runtime.GOOS
}

// osVersion is the kernel release, as Java's os.version.
func osVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// adminCommands are ZooKeeper 3.8's AdminServer commands: primary name,
// aliases (the four-letter word of the same meaning), and what computes
// the answer.
var adminCommands = []struct {
	name    string
	aliases []string
	run     func(k *core, params url.Values) fields
}{
	{"configuration", []string{"conf", "config"}, (*core).cmdConfiguration},
	{"connection_stat_reset", []string{"crst"}, func(k *core, _ url.Values) fields { k.resetConnectionStats(); return nil }},
	{"connections", []string{"cons"}, (*core).cmdConnections},
	{"dirs", nil, (*core).cmdDirs},
	{"dump", nil, (*core).cmdDump},
	{"environment", []string{"env", "envi"}, func(*core, url.Values) fields { return environment() }},
	{"get_trace_mask", []string{"gtmk"}, func(k *core, _ url.Values) fields { return fields{{"tracemask", k.traceMask}} }},
	{"hash", nil, func(*core, url.Values) fields { return fields{{"digests", []any{}}} }},
	{"initial_configuration", []string{"icfg"}, func(k *core, _ url.Values) fields {
		return fields{{"initial_configuration", k.s.cfg.Text}}
	}},
	{"is_read_only", []string{"isro"}, func(*core, url.Values) fields { return fields{{"read_only", false}} }},
	{"last_snapshot", []string{"lsnp"}, (*core).cmdLastSnapshot},
	{"leader", []string{"lead"}, (*core).cmdLeader},
	{"monitor", []string{"mntr"}, func(k *core, _ url.Values) fields {
		var f fields
		k.monitor(f.add)
		return f
	}},
	{"observer_connection_stat_reset", []string{"orst"}, func(*core, url.Values) fields { return nil }},
	{"observers", []string{"obsr"}, (*core).cmdObservers},
	{"ruok", nil, func(*core, url.Values) fields { return nil }},
	{"server_stats", []string{"srvr"}, func(k *core, _ url.Values) fields { return k.cmdStats(false) }},
	{"set_trace_mask", []string{"stmk"}, (*core).cmdSetTraceMask},
	{"stat_reset", []string{"srst"}, func(k *core, _ url.Values) fields { k.resetServerStats(); return nil }},
	{"stats", []string{"stat"}, func(k *core, _ url.Values) fields { return k.cmdStats(true) }},
	{"system_properties", []string{"sysp"}, func(*core, url.Values) fields { return systemProperties() }},
	{"voting_view", []string{"vots"}, (*core).cmdVotingView},
	{"watch_summary", []string{"wchs"}, func(k *core, _ url.Values) fields {
		ws := k.eng.Watches().Summary()
		return fields{{"num_connections", ws.Watchers}, {"num_paths", ws.Paths}, {"num_total_watches", ws.Total}}
	}},
	{"watches", []string{"wchc"}, func(k *core, _ url.Values) fields {
		var m fields
		for _, e := range k.watchesBySession() {
			m.add(strconv.FormatInt(int64(e.session), 10), e.paths)
		}
		return fields{{"session_id_to_watched_paths", m}}
	}},
	{"watches_by_path", []string{"wchp"}, func(k *core, _ url.Values) fields {
		var m fields
		for _, e := range k.watchesByPath() {
			ids := make([]int64, len(e.sessions))
			for i, s := range e.sessions {
				ids[i] = int64(s)
			}
			m.add(e.path, ids)
		}
		return fields{{"path_to_session_ids", m}}
	}},
	{"zabstate", nil, (*core).cmdZabState},
}

// command runs an admin command by name or alias.
func (k *core) command(name string, params url.Values) (fields, bool) {
	for _, c := range adminCommands {
		if c.name == name || slices.Contains(c.aliases, name) {
			return c.run(k, params), true
		}
	}
	return nil, false
}

// adminCommandNames are the primary names, as the AdminServer lists them.
func adminCommandNames() []string {
	out := make([]string, len(adminCommands))
	for i, c := range adminCommands {
		out[i] = c.name
	}
	return out
}

func (k *core) cmdConfiguration(url.Values) fields {
	c := k.s.cfg
	return fields{
		{"client_port", k.clientPort()},
		{"data_dir", c.DataDir},
		{"data_log_dir", k.logDir()},
		{"tick_time", c.TickTime.Milliseconds()},
		{"max_client_cnxns", c.MaxClientCnxns},
		{"min_session_timeout", c.MinSessionTimeout.Milliseconds()},
		{"max_session_timeout", c.MaxSessionTimeout.Milliseconds()},
		{"server_id", 0},
		{"client_port_listen_backlog", c.ClientPortListenBacklog},
	}
}

// connJSON is ServerCnxn.getConnectionInfo: brief for stats, full for
// connections.
func connJSON(st connInfo, full bool) fields {
	f := fields{
		{"remote_socket_address", st.Remote.String()},
		{"interest_ops", st.InterestOps},
		{"outstanding_requests", st.Outstanding},
		{"packets_received", st.PacketsReceived},
		{"packets_sent", st.PacketsSent},
	}
	if full && st.SessionID != 0 {
		f = append(f, fields{
			{"session_id", int64(st.SessionID)},
			{"last_operation", st.LastOp},
			{"established", st.Established.UnixMilli()},
			{"session_timeout", st.SessionTimeout},
			{"last_cxid", st.LastCxid},
			{"last_zxid", int64(st.LastZxid)},
			{"last_response_time", lastResponseMs(st.LastResponse)},
			{"last_latency", st.LastLatency.Milliseconds()},
			{"min_latency", st.MinLatency.Milliseconds()},
			{"avg_latency", st.AvgLatency.Milliseconds()},
			{"max_latency", st.MaxLatency.Milliseconds()},
		}...)
	}
	return f
}

// clientConnections are the connections the admin commands list: those
// of clients, not four-letter words (which, over HTTP, there are none of
// in ZooKeeper either).
func (k *core) clientConnections(full bool) []any {
	out := []any{}
	for _, st := range k.connections() {
		if st.InterestOps == 0 {
			continue
		}
		out = append(out, connJSON(st, full))
	}
	return out
}

func (k *core) cmdConnections(url.Values) fields {
	return fields{{"connections", k.clientConnections(true)}, {"secure_connections", []any{}}}
}

func (k *core) cmdDirs(url.Values) fields {
	d, l := k.dirSizes()
	return fields{{"datadir_size", d}, {"logdir_size", l}}
}

func (k *core) cmdDump(url.Values) fields {
	var exp fields
	for _, b := range k.tracker.Buckets() {
		ids := make([]int64, len(b.Sessions))
		for i, s := range b.Sessions {
			ids[i] = int64(s)
		}
		exp.add(strconv.FormatInt(b.Deadline, 10), ids)
	}
	var eph fields
	for _, e := range k.ephemeralsBySession() {
		eph.add(strconv.FormatInt(int64(e.session), 10), e.paths)
	}
	return fields{{"expiry_time_to_session_ids", exp}, {"session_id_to_ephemeral_paths", eph}}
}

// cmdLastSnapshot reports the last checkpoint: its zxid in hex without
// "0x" (as ZooKeeper prints it) and when it was written, in seconds.
func (k *core) cmdLastSnapshot(url.Values) fields {
	return fields{{"zxid", strconv.FormatInt(int64(k.lastCheckpoint), 16)}, {"timestamp", k.lastCheckpointAt.Unix()}}
}

func (k *core) cmdSetTraceMask(params url.Values) fields {
	v := params.Get("traceMask")
	mask, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fields{{"error", "setTraceMask requires long traceMask parameter"}}
	}
	k.traceMask = mask
	return fields{{"tracemask", mask}}
}

// cmdStats is server_stats (srvr) and, with the connections, stats (stat).
func (k *core) cmdStats(withConns bool) fields {
	net := k.s.net.Stats()
	d, l := k.dirSizes()
	resp := fields{
		{"last_buffer_size", net.LastResponseSize},
		{"min_buffer_size", net.MinResponseSize},
		{"max_buffer_size", net.MaxResponseSize},
	}
	ss := fields{
		{"packets_sent", net.PacketsSent},
		{"packets_received", net.PacketsReceived},
		{"fsync_threshold_exceed_count", k.slowSyncs()},
		{"client_response_stats", resp},
		{"data_dir_size", d},
		{"log_dir_size", l},
		{"provider_null", false},
		{"server_state", k.mode()},
		{"last_processed_zxid", int64(k.eng.LastZxid())},
		{"outstanding_requests", k.outstanding()},
		{"avg_latency", k.lat.avgMs()},
		{"max_latency", k.lat.maxD.Milliseconds()},
		{"min_latency", k.lat.minD.Milliseconds()},
		{"num_alive_client_connections", len(k.clientConnections(false))},
		{"auth_failed_count", k.stats.authFailed},
		{"uptime", time.Since(k.s.start).Milliseconds()},
	}
	f := fields{
		{"version", Version + ", built on " + buildDate},
		{"read_only", false},
		{"server_stats", ss},
		{"client_response", resp},
		{"node_count", k.eng.Tree().NodeCount()},
	}
	if withConns {
		f = append(f, field{"connections", k.clientConnections(false)}, field{"secure_connections", []any{}})
	}
	return f
}

// systemProperties stands in for Java's system properties: the process's
// settings that play their part (Go runtime, paths), sorted by key.
func systemProperties() fields {
	wd, _ := os.Getwd()
	m := map[string]string{
		"file.separator": string(os.PathSeparator),
		"go.version":     runtime.Version(),
		"os.arch":        runtime.GOARCH,
		"os.name":        osName(),
		"os.version":     osVersion(),
		"user.dir":       wd,
		"GOMAXPROCS":     strconv.Itoa(runtime.GOMAXPROCS(0)),
	}
	for _, env := range []string{"GOGC", "GOMEMLIMIT", "GODEBUG", "TZ"} {
		if v, ok := os.LookupEnv(env); ok {
			m[env] = v
		}
	}
	var f fields
	for _, key := range sortedKeys(m) {
		f.add(key, m[key])
	}
	return f
}
