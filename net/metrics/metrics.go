package metrics

import (
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/paddockdb/paddock/zk"
)

// Names of Paddock's own histograms.
const (
	RequestLatency     = "paddock_request_latency_seconds"
	FsyncLatency       = "paddock_fsync_latency_seconds"
	CommitBatch        = "paddock_commit_batch_records"
	CheckpointDuration = "paddock_checkpoint_duration_seconds"
	ApplyLag           = "paddock_apply_lag_seconds"
)

// Names of the summaries kept as ZooKeeper 3.8's ServerMetrics names them.
const (
	ZKReadLatency        = "readlatency"
	ZKUpdateLatency      = "updatelatency"
	ZKFsyncTime          = "fsynctime"
	ZKBatchSize          = "sync_processor_batch_size"
	ZKSnapshotTime       = "snapshottime"
	ZKPropagationLatency = "propagation_latency"
	ZKElectionTime       = "election_time"
)

// Bucket upper bounds, in seconds or records.
var (
	// latencyBuckets suit requests that take 20 us to 100 ms, with room
	// on both sides.
	latencyBuckets = []float64{
		.00001, .000025, .00005, .0001, .00025, .0005,
		.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5,
	}
	// fsyncBuckets go from a fast NVMe flush to a struggling disk.
	fsyncBuckets = []float64{
		.00005, .0001, .00025, .0005, .001, .0025, .005,
		.01, .025, .05, .1, .25, .5, 1, 2.5, 5,
	}
	// batchBuckets are powers of two.
	batchBuckets = prometheus.ExponentialBuckets(1, 2, 13) // 1 .. 4096
	// checkpointBuckets go from a small tree to a large one.
	checkpointBuckets = []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}
)

// The op codes ObserveRequest resolves once each; others share "unknown".
const (
	minOp = int(zk.OpCloseSession) // -11
	maxOp = int(zk.OpWhoAmI)       // 107
)

// Metrics is the set of metrics Paddock exposes. It is safe for concurrent
// use, and its Observe methods neither allocate nor look anything up by
// name.
type Metrics struct {
	reg *prometheus.Registry

	requests      *prometheus.HistogramVec
	ops           [maxOp - minOp + 2]atomic.Pointer[opObservers] // the last is "unknown"
	readLatency   *zkSummary
	updateLatency *zkSummary

	fsync, batch, checkpoint, applyLag prometheus.Observer

	fsyncZK, batchZK, snapshotZK, propagationZK, electionZK *zkSummary
}

// opObservers are one op's histogram child and ZooKeeper summary.
type opObservers struct {
	latency prometheus.Observer // seconds
	zk      *zkSummary          // milliseconds
}

// New returns Metrics whose scrape-time values come from gauges, which is
// called once per scrape with an emit function: each emit(name, value)
// becomes one sample named name (a ZooKeeper mntr key without "zk_", e.g.
// "znode_count"), with TYPE counter if ZooKeeper 3.8 registers that name
// as a counter and gauge otherwise. emit must be called only during the
// call to gauges. A name emitted twice in one scrape keeps its first
// value; a name that is not a valid metric name or that one of the
// package's own metrics uses is dropped; a panic in gauges is recovered,
// and the samples emitted before it are kept. gauges may be nil.
func New(gauges func(emit func(name string, value float64))) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)

	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    RequestLatency,
		Help:    "Time from a request's arrival to its reply, by ZooKeeper op name.",
		Buckets: latencyBuckets,
	}, []string{"op"})
	m.reg.MustRegister(m.requests)
	m.fsync = m.histogram(FsyncLatency, "Time one fsync of the transaction log took.", fsyncBuckets)
	m.batch = m.histogram(CommitBatch, "Records written by one group commit.", batchBuckets)
	m.checkpoint = m.histogram(CheckpointDuration, "Time one checkpoint took.", checkpointBuckets)
	m.applyLag = m.histogram(ApplyLag, "Time from a transaction's proposal to its application.", latencyBuckets)

	m.readLatency = m.summary(ZKReadLatency, true)
	m.updateLatency = m.summary(ZKUpdateLatency, true)
	m.fsyncZK = m.summary(ZKFsyncTime, false)
	m.batchZK = m.summary(ZKBatchSize, false)
	m.snapshotZK = m.summary(ZKSnapshotTime, false)
	m.propagationZK = m.summary(ZKPropagationLatency, true)
	m.electionZK = m.summary(ZKElectionTime, false)

	summaries := []*zkSummary{m.readLatency, m.updateLatency, m.fsyncZK, m.batchZK, m.snapshotZK, m.propagationZK, m.electionZK}
	done := make(chan struct{})
	go ager(summaries, ageWidth, done)
	// The ager holds the summaries, not m: once m is gone, so is it.
	runtime.AddCleanup(m, func(done chan struct{}) { close(done) }, done)

	reserved := map[string]bool{}
	for _, n := range []string{RequestLatency, FsyncLatency, CommitBatch, CheckpointDuration, ApplyLag} {
		reserved[n], reserved[n+"_bucket"], reserved[n+"_count"], reserved[n+"_sum"] = true, true, true, true
	}
	if fams, err := m.reg.Gather(); err == nil {
		for _, f := range fams {
			n := f.GetName()
			reserved[n] = true
			switch f.GetType() {
			case dto.MetricType_SUMMARY, dto.MetricType_HISTOGRAM:
				reserved[n+"_bucket"], reserved[n+"_count"], reserved[n+"_sum"] = true, true, true
			}
		}
	}
	if gauges != nil {
		m.reg.MustRegister(&gaugeCollector{fn: gauges, reserved: reserved, descs: map[string]*prometheus.Desc{}})
	}
	return m
}

func (m *Metrics) histogram(name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	m.reg.MustRegister(h)
	return h
}

// summary builds one of ZooKeeper's summaries as PrometheusMetricsProvider
// configures it: HELP is the name, quantile 0.5, and for ADVANCED ones
// 0.9 and 0.99 too (see zkSummary).
func (m *Metrics) summary(name string, advanced bool) *zkSummary {
	quantiles := []float64{0.5}
	if advanced {
		quantiles = append(quantiles, 0.9, 0.99)
	}
	s := newZKSummary(name, quantiles)
	m.reg.MustRegister(s)
	return s
}

// Registry returns the registry behind Handler, for other collectors.
// Names registered there are not kept from the scrape-time gauges, so
// they should not be names the gauges emit.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func seconds(d time.Duration) float64 { return float64(d) / float64(time.Second) }

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ObserveRequest records one request of op that took d from arrival to
// reply: in paddock_request_latency_seconds{op=<op.String()>}, and in
// ZooKeeper's updatelatency when op writes (it has a txn header in
// ZooKeeper) or readlatency otherwise. Negative durations are dropped, as
// ZooKeeper drops them.
func (m *Metrics) ObserveRequest(op zk.OpCode, d time.Duration) {
	if d < 0 {
		return
	}
	o := m.forOp(op)
	o.latency.Observe(seconds(d))
	o.zk.Observe(millis(d))
}

func (m *Metrics) forOp(op zk.OpCode) *opObservers {
	i := int(op) - minOp
	if i < 0 || i >= len(m.ops)-1 {
		i = len(m.ops) - 1
	}
	if o := m.ops[i].Load(); o != nil {
		return o
	}
	return m.resolveOp(i, op)
}

// resolveOp builds the observers of slot i on its first use, so that ops
// never seen do not show up as empty series. Codes with no name share the
// last slot, labelled "unknown"; a nameless code's own slot then points
// there too.
func (m *Metrics) resolveOp(i int, op zk.OpCode) *opObservers {
	last := len(m.ops) - 1
	name := "unknown"
	if i != last {
		name = op.String()
	}
	var o *opObservers
	if i == last || strings.HasPrefix(name, "unknown") {
		o = m.ops[last].Load()
		if o == nil {
			m.ops[last].CompareAndSwap(nil, &opObservers{latency: m.requests.WithLabelValues("unknown"), zk: m.readLatency})
			o = m.ops[last].Load()
		}
	} else {
		o = &opObservers{latency: m.requests.WithLabelValues(name), zk: m.readLatency}
		if isWrite(op) {
			o.zk = m.updateLatency
		}
	}
	m.ops[i].CompareAndSwap(nil, o)
	return m.ops[i].Load()
}

// isWrite reports whether ZooKeeper's PrepRequestProcessor gives requests
// of op a txn header, which is what puts their latency in updatelatency
// rather than readlatency (ServerStats.updateLatency).
func isWrite(op zk.OpCode) bool {
	switch op {
	case zk.OpCreate, zk.OpCreate2, zk.OpCreateTTL, zk.OpCreateContainer,
		zk.OpDelete, zk.OpDeleteContainer, zk.OpSetData, zk.OpSetACL,
		zk.OpCheck, zk.OpMulti, zk.OpReconfig,
		zk.OpCreateSession, zk.OpCloseSession:
		return true
	}
	return false
}

// ObserveFsync records one fsync of the transaction log (and ZooKeeper's
// fsynctime).
func (m *Metrics) ObserveFsync(d time.Duration) {
	if d < 0 {
		return
	}
	m.fsync.Observe(seconds(d))
	m.fsyncZK.Observe(millis(d))
}

// ObserveBatch records the number of records one group commit wrote (and
// ZooKeeper's sync_processor_batch_size).
func (m *Metrics) ObserveBatch(records int) {
	if records < 0 {
		return
	}
	m.batch.Observe(float64(records))
	m.batchZK.Observe(float64(records))
}

// ObserveCheckpoint records one checkpoint (and ZooKeeper's snapshottime).
func (m *Metrics) ObserveCheckpoint(d time.Duration) {
	if d < 0 {
		return
	}
	m.checkpoint.Observe(seconds(d))
	m.snapshotZK.Observe(millis(d))
}

// ObserveApplyLag records the time from a transaction's proposal to its
// application (and ZooKeeper's propagation_latency, which is the same
// thing measured from the txn header's time). A negative lag, from clock
// drift, is dropped, as ZooKeeper drops it.
func (m *Metrics) ObserveApplyLag(d time.Duration) {
	if d < 0 {
		return
	}
	m.applyLag.Observe(seconds(d))
	m.propagationZK.Observe(millis(d))
}

// ObserveElection records how long a leader election took (ZooKeeper's
// election_time).
func (m *Metrics) ObserveElection(d time.Duration) {
	if d < 0 {
		return
	}
	m.electionZK.Observe(millis(d))
}

// Handler serves the exposition: Prometheus text format 0.0.4, or
// OpenMetrics when the scraper asks for it, gzipped when it accepts gzip.
// Like the Java client's MetricsServlet it honours name[] query
// parameters: with any, only the families so named (or whose _count,
// _sum or _bucket samples are so named) are served.
func (m *Metrics) Handler() http.Handler {
	opts := promhttp.HandlerOpts{EnableOpenMetrics: true, ErrorHandling: promhttp.ContinueOnError}
	all := promhttp.HandlerFor(m.reg, opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		names := r.URL.Query()["name[]"]
		if len(names) == 0 {
			all.ServeHTTP(w, r)
			return
		}
		want := make(map[string]bool, len(names))
		for _, n := range names {
			want[n] = true
		}
		promhttp.HandlerFor(filtered{m.reg, want}, opts).ServeHTTP(w, r)
	})
}

// filtered gathers only the families named in want.
type filtered struct {
	g    prometheus.Gatherer
	want map[string]bool
}

func (f filtered) Gather() ([]*dto.MetricFamily, error) {
	fams, err := f.g.Gather()
	out := fams[:0]
	for _, fam := range fams {
		n := fam.GetName()
		if f.want[n] || f.want[n+"_count"] || f.want[n+"_sum"] || f.want[n+"_bucket"] {
			out = append(out, fam)
		}
	}
	return out, err
}

// gaugeCollector turns the scrape-time callback into samples. It describes
// nothing (an unchecked collector): the names are known only when it runs.
type gaugeCollector struct {
	fn       func(emit func(name string, value float64))
	reserved map[string]bool

	mu    sync.Mutex
	descs map[string]*prometheus.Desc
}

func (c *gaugeCollector) Describe(chan<- *prometheus.Desc) {}

func (c *gaugeCollector) Collect(ch chan<- prometheus.Metric) {
	seen := map[string]bool{}
	var done atomic.Bool // emit kept past the call does nothing
	defer func() {
		done.Store(true)
		recover() // a broken gauge must not take the server down with a scrape
	}()
	c.fn(func(name string, value float64) {
		if done.Load() || seen[name] || c.reserved[name] {
			return
		}
		seen[name] = true
		typ := prometheus.GaugeValue
		if zkCounters[name] {
			typ = prometheus.CounterValue
		}
		if m, err := prometheus.NewConstMetric(c.desc(name), typ, value); err == nil {
			ch <- m
		}
	})
}

func (c *gaugeCollector) desc(name string) *prometheus.Desc {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.descs[name]
	if !ok {
		d = prometheus.NewDesc(name, name, nil, nil)
		c.descs[name] = d
	}
	return d
}

// zkCounters are the names ZooKeeper 3.8's ServerMetrics registers with
// getCounter; its Prometheus provider (simpleclient 0.9, which adds no
// _total suffix) exports them as counters under these very names.
var zkCounters = map[string]bool{
	"looking_count": true, "diff_count": true, "snap_count": true, "commit_count": true,
	"connection_request_count": true, "connection_rejected": true, "bytes_received_count": true,
	"unrecoverable_error_count": true, "add_dead_watcher_stall_time": true,
	"dead_watchers_queued": true, "dead_watchers_cleared": true,
	"response_packet_cache_hits": true, "response_packet_cache_misses": true,
	"response_packet_get_children_cache_hits": true, "response_packet_get_children_cache_misses": true,
	"ensemble_auth_success": true, "ensemble_auth_fail": true, "ensemble_auth_skip": true,
	"prep_processor_request_queued": true, "outstanding_changes_queued": true,
	"outstanding_changes_removed": true, "revalidate_count": true, "connection_drop_count": true,
	"connection_revalidate_count": true, "sessionless_connections_expired": true,
	"stale_sessions_expired": true, "request_commit_queued": true, "throttled_ops": true,
	"learner_proposal_received_count": true, "learner_commit_received_count": true,
	"sync_processor_request_queued": true, "proposal_count": true,
	"quit_leading_due_to_disloyal_voter": true, "stale_requests": true,
	"stale_requests_dropped": true, "stale_replies": true, "request_throttle_wait_count": true,
	"large_requests_rejected": true, "digest_mismatches_count": true, "unsuccessful_handshake": true,
	"insecure_admin_count": true, "tls_handshake_exceeded": true,
	"cnxn_closed_without_zk_server_running": true, "skip_learner_request_to_next_processor_count": true,
	"requests_not_forwarded_to_commit_processor": true, "response_bytes": true, "watch_bytes": true,
}
