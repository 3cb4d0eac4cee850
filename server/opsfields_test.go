package server_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The field-by-field comparison of operator answers (see opsgolden_test.go).
// A rule says what Paddock's value of a field must be, given ZooKeeper's.

type rule func(want, got string) error

var (
	reInt    = regexp.MustCompile(`^-?\d+$`)
	reHex    = regexp.MustCompile(`^0x[0-9a-f]+$`)
	reDouble = regexp.MustCompile(`^(-?\d+\.\d+(E-?\d+)?|NaN)$`)
	reMB     = regexp.MustCompile(`^\d+MB$`)
	reVer    = regexp.MustCompile(`^\d+\.\d+\.\d+[^,]*, built on .+$`)
	reSID    = regexp.MustCompile(`0x[0-9a-f]{6,16}`)
	reDate   = regexp.MustCompile(`[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d [A-Z]+ \d{4}`)
)

// exact: the same value.
func exact(want, got string) error {
	if want != got {
		return fmt.Errorf("%q, ZooKeeper %q", got, want)
	}
	return nil
}

// like: a value of the same form (it legitimately differs: a time, an id,
// a port, a count of packets or bytes, a path).
func like(re *regexp.Regexp) rule {
	return func(want, got string) error {
		if !re.MatchString(want) {
			return fmt.Errorf("ZooKeeper's value %q is not of the form %s (fix the rule)", want, re)
		}
		if !re.MatchString(got) {
			return fmt.Errorf("%q is not of the form %s (ZooKeeper %q)", got, re, want)
		}
		return nil
	}
}

func any_(string, string) error { return nil }

// kvs is an answer split into ordered key/value fields.
type kvs struct {
	keys []string
	vals map[string]string
}

func splitKV(text, sep string) kvs {
	out := kvs{vals: map[string]string{}}
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		k, v, ok := strings.Cut(line, sep)
		if !ok {
			k, v = line, ""
		}
		out.keys = append(out.keys, k)
		out.vals[k] = v
	}
	return out
}

// compareKV checks every field ZooKeeper prints: Paddock prints it (unless
// absent lists it, with the reason) and it satisfies its rule (exact unless
// rules says otherwise). Fields only Paddock prints must be in extra.
// ordered also checks that the shared keys come in ZooKeeper's order.
func compareKV(t *testing.T, what string, want, got kvs, rules map[string]rule, absent, extra map[string]string, ordered bool) {
	t.Helper()
	var shared []string
	for _, k := range want.keys {
		g, ok := got.vals[k]
		if !ok {
			if _, excused := absent[k]; !excused {
				t.Errorf("%s: %s missing (ZooKeeper prints %q)", what, k, want.vals[k])
			}
			continue
		}
		shared = append(shared, k)
		r := rules[k]
		if r == nil {
			r = exact
		}
		if err := r(want.vals[k], g); err != nil {
			t.Errorf("%s: %s: %v", what, k, err)
		}
	}
	var order []string
	for _, k := range got.keys {
		if _, ok := want.vals[k]; ok {
			order = append(order, k)
			continue
		}
		if _, ok := extra[k]; !ok {
			t.Errorf("%s: %s=%q is not ZooKeeper's and not listed as Paddock's own", what, k, got.vals[k])
		}
	}
	if ordered && !slices.Equal(order, shared) {
		t.Errorf("%s: fields in order %v, ZooKeeper %v", what, order, shared)
	}
}

// mntrAbsent lists ZooKeeper 3.8's mntr keys Paddock does not print, with
// the reason. Patterns end in '*'.
var mntrAbsent = map[string]string{
	"zk_non_mtls_*":                                           "no TLS client port (secureClientPort) yet",
	"zk_outstanding_tls_handshake":                            "no TLS client port",
	"zk_tls_handshake_exceeded":                               "no TLS client port",
	"zk_insecure_admin_count":                                 "no TLS for the AdminServer",
	"zk_connection_drop_probability":                          "no connection throttling (zookeeper.connection_throttle_*)",
	"zk_connection_drop_count":                                "no connection throttling",
	"zk_connection_token_deficit":                             "no connection throttling",
	"zk_*connection_token_deficit":                            "no connection throttling",
	"zk_throttled_ops":                                        "no request throttling (RequestThrottler)",
	"zk_request_throttle_*":                                   "no request throttling",
	"zk_*request_throttle_queue_time_ms":                      "no request throttling",
	"zk_stale_requests*":                                      "no request throttling: nothing goes stale in a queue",
	"zk_stale_replies":                                        "no request throttling",
	"zk_large_requests_rejected":                              "no largeRequestMaxBytes: oversized requests close the connection (jute.maxbuffer)",
	"zk_watch_bytes":                                          "Paddock does not estimate watch memory",
	"zk_outstanding_changes_*":                                "ZooKeeper's outstandingChanges list; Paddock keeps in-flight changes per path in the engine",
	"zk_cnxn_closed_without_zk_server_running":                "connections are not accepted before the server runs",
	"zk_sessionless_connections_expired":                      "NIO connection expiry queue: connections without a session are closed on the handshake timeout",
	"zk_looking_count":                                        "leader election: the ensemble is not built yet (issue 4)",
	"zk_election_time":                                        "leader election (issue 4)",
	"zk_*election_time":                                       "leader election (issue 4)",
	"zk_dead_watchers_*":                                      "watches go with their connection at once: no dead-watcher cleaner",
	"zk_*dead_watchers_cleaner_latency":                       "no dead-watcher cleaner",
	"zk_add_dead_watcher_stall_time":                          "no dead-watcher cleaner",
	"zk_learner_*":                                            "ensemble (issue 4)",
	"zk_*learner_*":                                           "ensemble (issue 4)",
	"zk_digest_mismatches_count":                              "ZooKeeper's tree digest is not computed",
	"zk_response_packet_*":                                    "no response cache: replies are encoded once, into the connection's buffer",
	"zk_requests_not_forwarded_to_commit_processor":           "no CommitProcessor",
	"zk_*commit_proc*":                                        "no CommitProcessor",
	"zk_*commitproc*":                                         "no CommitProcessor",
	"zk_*commit_processor*":                                   "no CommitProcessor",
	"zk_ensemble_auth_*":                                      "ensemble (issue 4)",
	"zk_prep_processor_request_queued":                        "no PrepRequestProcessor queue: the core prepares at once",
	"zk_*prep_processor_queue*":                               "no PrepRequestProcessor queue",
	"zk_diff_count":                                           "ensemble (issue 4)",
	"zk_connection_revalidate_count":                          "ensemble (issue 4)",
	"zk_revalidate_count":                                     "ensemble (issue 4)",
	"zk_quit_leading_due_to_disloyal_voter":                   "ensemble (issue 4)",
	"zk_commit_count":                                         "the leader's commits: ensemble (issue 4)",
	"zk_*proposal*":                                           "ensemble (issue 4)",
	"zk_*quorum_ack_latency":                                  "ensemble (issue 4)",
	"zk_*propagation_latency":                                 "ensemble (issue 4)",
	"zk_*follower_sync_time":                                  "ensemble (issue 4)",
	"zk_*observer_sync_time":                                  "ensemble (issue 4)",
	"zk_*leader_unavailable_time":                             "ensemble (issue 4)",
	"zk_*unavailable_time":                                    "ensemble (issue 4)",
	"zk_*inflight_diff_count":                                 "ensemble (issue 4)",
	"zk_*inflight_snap_count":                                 "ensemble (issue 4)",
	"zk_*om_*":                                                "ensemble (issue 4): observer master",
	"zk_request_commit_queued":                                "no CommitProcessor",
	"zk_skip_learner_request_to_next_processor_count":         "ensemble (issue 4)",
	"zk_ensemble_auth_skip":                                   "ensemble (issue 4)",
	"zk_unsuccessful_handshake":                               "ZooKeeper counts failed SASL/TLS handshakes; Paddock has neither",
	"zk_*socket_closing_time":                                 "NIO-specific: connections close on their own goroutine",
	"zk_*session_queues_drained":                              "no CommitProcessor session queues",
	"zk_*reads_issued_from_session_queue":                     "no CommitProcessor session queues",
	"zk_*reads_after_write_in_session_queue":                  "no CommitProcessor session queues",
	"zk_*requests_in_session_queue":                           "no CommitProcessor session queues",
	"zk_*pending_session_queue_size":                          "no CommitProcessor session queues",
	"zk_*write_batch_time_in_commit_processor":                "no CommitProcessor",
	"zk_*sync_processor_queue_size":                           "the txn log has no request queue: group commit batches are the sync_processor_batch_size",
	"zk_*sync_processor_queue*time_ms":                        "the txn log has no request queue",
	"zk_*sync_process_time":                                   "the txn log has no request queue",
	"zk_*netty_queued_buffer_capacity":                        "no Netty",
	"zk_*jvm_pause_time_ms":                                   "no JVM (Go's GC pauses are in the Prometheus metrics)",
	"zk_*close_session_prep_time":                             "closeSession is prepared like any write (prep_process_time)",
	"zk_*local_write_committed_time_ms":                       "ensemble (issue 4)",
	"zk_*server_write_committed_time_ms":                      "ensemble (issue 4)",
	"zk_*write_final_proc_time_ms":                            "no FinalRequestProcessor: updatelatency covers it",
	"zk_*read_final_proc_time_ms":                             "no FinalRequestProcessor: readlatency covers it",
	"zk_*commit_process_time":                                 "no CommitProcessor",
	"zk_*node_created_watch_count":                            "watch fan-out per event is not counted yet",
	"zk_*node_deleted_watch_count":                            "watch fan-out per event is not counted yet",
	"zk_*node_changed_watch_count":                            "watch fan-out per event is not counted yet",
	"zk_*node_children_watch_count":                           "watch fan-out per event is not counted yet",
	"zk_*g_read_per_namespace":                                "per-namespace byte counters are not kept",
	"zk_*g_write_per_namespace":                               "per-namespace byte counters are not kept",
	"zk_*concurrent_request_processing_in_commit_processor":   "no CommitProcessor",
	"zk_*time_waiting_empty_pool_in_commit_processor_read_ms": "no CommitProcessor",
}

// mntrExtra are the keys only Paddock prints.
var mntrExtra = map[string]string{
	"zk_fsync_threshold_exceed_count": "fsyncs over fsync.warningthresholdms, as in ZooKeeper's admin stats",
	"zk_connection_rejected":          "",
}

// matchAbsent expands the patterns of an absent list against keys.
func matchAbsent(pats map[string]string, keys []string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		for p, why := range pats {
			if ok, _ := matchGlob(p, k); ok {
				out[k] = why
				break
			}
		}
	}
	return out
}

// matchGlob matches '*' against any run of characters.
func matchGlob(pat, s string) (bool, error) {
	re, err := regexp.Compile("^" + strings.ReplaceAll(regexp.QuoteMeta(pat), `\*`, ".*") + "$")
	if err != nil {
		return false, err
	}
	return re.MatchString(s), nil
}

// mntrRules: the figures of the shared state are exact; the rest have
// ZooKeeper's form.
func mntrRule(key, zkValue string) rule {
	switch key {
	case "zk_server_state", "zk_ephemerals_count", "zk_num_alive_connections",
		"zk_znode_count", "zk_global_sessions", "zk_watch_count", "zk_approximate_data_size",
		"zk_local_sessions", "zk_auth_failed_count", "zk_unrecoverable_error_count", "zk_connection_rejected":
		return exact
	case "zk_version":
		return like(reVer)
	}
	if reDouble.MatchString(zkValue) {
		return like(reDouble)
	}
	return like(reInt)
}

func compareOps(t *testing.T, word, want, got string) {
	t.Helper()
	switch word {
	case "ruok", "isro", "crst", "srst", "wchs":
		if err := exact(want, got); err != nil {
			t.Errorf("%s: %v", word, err)
		}
	case "mntr":
		w, g := splitKV(want, "\t"), splitKV(got, "\t")
		rules := map[string]rule{}
		for _, k := range w.keys {
			rules[k] = mntrRule(k, w.vals[k])
		}
		compareKV(t, word, w, g, rules, matchAbsent(mntrAbsent, w.keys), mntrExtra, false)
	case "conf":
		compareKV(t, word, splitKV(want, "="), splitKV(got, "="), map[string]rule{
			"clientPort": like(reInt), "dataDir": any_, "dataLogDir": any_,
			"dataDirSize": like(reInt), "dataLogSize": like(reInt),
		}, nil, nil, true)
	case "dirs":
		compareKV(t, word, splitKV(want, ": "), splitKV(got, ": "), map[string]rule{
			"datadir_size": like(reInt), "logdir_size": like(reInt),
		}, nil, nil, true)
	case "envi":
		w, g := splitKV(want, "="), splitKV(got, "=")
		absent := map[string]string{}
		for _, k := range w.keys {
			if strings.HasPrefix(k, "java.") {
				absent[k] = "no JVM: Paddock prints go.* keys instead"
			}
		}
		compareKV(t, word, w, g, map[string]rule{
			"zookeeper.version": like(reVer), "user.dir": any_,
			// Java prints the canonical name of the local address.
			"host.name":      any_,
			"os.memory.free": like(reMB), "os.memory.max": like(reMB), "os.memory.total": like(reMB),
		}, absent, map[string]string{"go.version": "", "go.executable": "", "go.maxprocs": ""}, true)
	case "srvr", "stat":
		compareSrvr(t, word, want, got)
	case "cons":
		compareConnLines(t, word, want, got)
	case "wchc", "wchp":
		if err := exact(maskBlocks(want), maskBlocks(got)); err != nil {
			t.Errorf("%s: %v", word, err)
		}
	case "dump":
		// ZooKeeper then dumps NIOServerCnxnFactory's connection expiry
		// queue; Paddock closes idle connections without one.
		want, _, _ = strings.Cut(want, "Connections dump:\n")
		if err := exact(maskDump(want), maskDump(got)); err != nil {
			t.Errorf("%s: %v", word, err)
		}
	default:
		t.Errorf("%s: no comparison rule", word)
	}
}

// reSessionSets is dump's "Session Sets (buckets)/(sessions):" line, and
// reEmptyBucket a bucket whose sessions moved on: ZooKeeper's ExpiryQueue
// keeps empty sets until their time passes, Paddock drops them; how many
// there are depends on when the sessions were touched.
var (
	reSessionSets = regexp.MustCompile(`Session Sets \(\d+\)`)
	reEmptyBucket = regexp.MustCompile(`(?m)^0 expire at DATE:\n`)
)

func maskDump(s string) string {
	s = reDate.ReplaceAllString(s, "DATE")
	s = reSessionSets.ReplaceAllString(s, "Session Sets (N)")
	return maskBlocks(reEmptyBucket.ReplaceAllString(s, ""))
}

// maskBlocks masks session ids and dates, and sorts the tab-indented lines
// under each heading and the headed blocks of each section (ZooKeeper
// prints hash-map order).
func maskBlocks(s string) string {
	s = reDate.ReplaceAllString(s, "DATE")
	s = reSID.ReplaceAllString(s, "SID")
	var blocks []string
	var sections []string
	var cur []string
	flushBlock := func() {
		if len(cur) > 0 {
			slices.Sort(cur[1:])
			blocks = append(blocks, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	flushSection := func() {
		flushBlock()
		slices.Sort(blocks)
		sections = append(sections, blocks...)
		blocks = nil
	}
	for _, line := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(line, "\t"):
			cur = append(cur, line)
		case strings.HasSuffix(line, "dump:") || strings.Contains(line, "(") || line == "":
			flushSection()
			sections = append(sections, line)
		default:
			flushBlock()
			cur = []string{line}
		}
	}
	flushSection()
	return strings.Join(sections, "\n")
}

var reConnLine = regexp.MustCompile(`^ /(\d+\.\d+\.\d+\.\d+):(\d+)\[(\d)\]\((.*)\)$`)

// connFields parses a cons/stat client line into its fields.
func connFields(line string) (kvs, error) {
	m := reConnLine.FindStringSubmatch(line)
	if m == nil {
		return kvs{}, fmt.Errorf("not a connection line: %q", line)
	}
	out := kvs{vals: map[string]string{}}
	add := func(k, v string) { out.keys = append(out.keys, k); out.vals[k] = v }
	add("ip", m[1])
	add("port", m[2])
	add("interest", m[3])
	for _, kv := range strings.Split(m[4], ",") {
		k, v, _ := strings.Cut(kv, "=")
		add(k, v)
	}
	return out, nil
}

var connRules = map[string]rule{
	"port": like(reInt), "recved": like(reInt), "sent": like(reInt), "sid": like(reHex),
	"queued": like(reInt), // requests of the connection in the pipeline right then
	"est":    like(reInt), "lcxid": like(reHex), "lzxid": like(reHex), "lresp": like(reInt),
	"llat": like(reInt), "minlat": like(reInt), "avglat": like(reInt), "maxlat": like(reInt),
	// The last op of a session depends on what go-zookeeper sent last
	// (a ping or the scenario's last request).
	"lop": like(regexp.MustCompile(`^[A-Z]{4}$`)),
}

// compareConnLines compares connection lines as a set: each ZooKeeper line
// is matched with Paddock's line of the same kind (the 4lw connection, or
// a session's), sorted by kind.
func compareConnLines(t *testing.T, what, want, got string) {
	t.Helper()
	parse := func(text string) []kvs {
		var out []kvs
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(line, " /") {
				continue
			}
			f, err := connFields(line)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			out = append(out, f)
		}
		slices.SortFunc(out, func(a, b kvs) int {
			return strings.Compare(a.vals["interest"]+a.vals["lop"], b.vals["interest"]+b.vals["lop"])
		})
		return out
	}
	w, g := parse(want), parse(got)
	if len(w) != len(g) {
		t.Errorf("%s: %d connection lines, ZooKeeper %d:\n%s\nZooKeeper:\n%s", what, len(g), len(w), got, want)
		return
	}
	for i := range w {
		compareKV(t, fmt.Sprintf("%s line %d", what, i), w[i], g[i], connRules, nil, nil, true)
	}
}

// compareSrvr compares srvr and stat: the header, the client lines (stat),
// then the "Key: value" lines.
func compareSrvr(t *testing.T, what, want, got string) {
	t.Helper()
	split := func(text string) (header, clients string, rest kvs) {
		header, body, _ := strings.Cut(text, "\n")
		if c, r, ok := strings.Cut(body, "\n\n"); ok && strings.HasPrefix(body, "Clients:") {
			clients, body = c, r
		}
		return header, clients, splitKV(body, ": ")
	}
	wh, wc, wr := split(want)
	gh, gc, gr := split(got)
	if err := like(regexp.MustCompile(`^Zookeeper version: \d+\.\d+\.\d+[^,]*, built on .+$`))(wh, gh); err != nil {
		t.Errorf("%s: header: %v", what, err)
	}
	if (wc == "") != (gc == "") {
		t.Errorf("%s: clients section %q, ZooKeeper %q", what, gc, wc)
	}
	compareConnLines(t, what+" clients", wc, gc)
	compareKV(t, what, wr, gr, map[string]rule{
		"Latency min/avg/max": like(regexp.MustCompile(`^\d+/\d+\.\d+(E-?\d+)?/\d+$`)),
		"Received":            like(reInt), "Sent": like(reInt), "Zxid": like(reHex),
		// Requests in the pipeline right then: a client's ping may be.
		"Outstanding": like(reInt),
	}, nil, nil, true)
}
