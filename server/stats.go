package server

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// summary is ZooKeeper's AvgMinMaxCounter, and with percentiles its
// AvgMinMaxPercentileCounter: the figures mntr prints as zk_avg_X,
// zk_min_X, zk_max_X, zk_cnt_X, zk_sum_X (and zk_p50_X ... zk_p999_X).
// Values are whole units (ms for times) as ZooKeeper records them. It is
// safe for concurrent use: the txn log's sync goroutine feeds some.
type summary struct {
	name string
	pct  bool

	mu                   sync.Mutex
	count, sum, min, max int64
	// reservoir is a uniform sample of the values (Vitter's algorithm R),
	// as ZooKeeper's ResettableUniformReservoir keeps for percentiles.
	reservoir []int64
}

const reservoirSize = 4096

// defaultTraceMask is ZooTrace's default mask (get_trace_mask).
const defaultTraceMask = 0b100110010

func newSummary(name string, pct bool) *summary { return &summary{name: name, pct: pct} }

func (s *summary) add(v int64) {
	s.mu.Lock()
	if s.count == 0 || v < s.min {
		s.min = v
	}
	if s.count == 0 || v > s.max {
		s.max = v
	}
	s.count++
	s.sum += v
	if s.pct {
		if len(s.reservoir) < reservoirSize {
			s.reservoir = append(s.reservoir, v)
		} else if i := rand.Int64N(s.count); i < reservoirSize {
			s.reservoir[i] = v
		}
	}
	s.mu.Unlock()
}

// addDuration records d in ms, ZooKeeper's unit for its time summaries.
func (s *summary) addDuration(d time.Duration) { s.add(d.Milliseconds()) }

func (s *summary) reset() {
	s.mu.Lock()
	s.count, s.sum, s.min, s.max = 0, 0, 0, 0
	s.reservoir = s.reservoir[:0]
	s.mu.Unlock()
}

// avg is AvgMinMaxCounter.getAvg: the mean rounded to 4 decimals.
func avg4(sum, count int64) float64 {
	if count == 0 {
		return 0
	}
	return math.Round(float64(sum)/float64(count)*10000) / 10000
}

// emit reports the summary's mntr keys (without "zk_") in ZooKeeper's
// order.
func (s *summary) emit(kv func(key string, v any)) {
	s.mu.Lock()
	count, sum, lo, hi := s.count, s.sum, s.min, s.max
	var sample []int64
	if s.pct {
		sample = slices.Clone(s.reservoir)
	}
	s.mu.Unlock()
	kv("avg_"+s.name, avg4(sum, count))
	kv("min_"+s.name, lo)
	kv("max_"+s.name, hi)
	kv("cnt_"+s.name, count)
	kv("sum_"+s.name, sum)
	if s.pct {
		slices.Sort(sample)
		kv("p50_"+s.name, quantile(sample, 0.5))
		kv("p95_"+s.name, quantile(sample, 0.95))
		kv("p99_"+s.name, quantile(sample, 0.99))
		kv("p999_"+s.name, quantile(sample, 0.999))
	}
}

// quantile is Dropwizard's UniformSnapshot.getValue truncated to a whole
// number, as ZooKeeper reports it: linear interpolation at q*(n+1).
func quantile(sorted []int64, q float64) int64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	pos := q * float64(n+1)
	idx := int(pos)
	if idx < 1 {
		return sorted[0]
	}
	if idx >= n {
		return sorted[n-1]
	}
	lower, upper := float64(sorted[idx-1]), float64(sorted[idx])
	return int64(lower + (pos-math.Floor(pos))*(upper-lower))
}

// latency is the server-wide request latency of srvr, stat and mntr
// (ServerStats): min/avg/max in ms over every answered request.
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

// avgMs is ServerStats.getAvgLatency: ms, rounded to 4 decimals.
func (l *latency) avgMs() float64 {
	if l.count == 0 {
		return 0
	}
	return math.Round(float64(l.total.Microseconds())/1000/float64(l.count)*10000) / 10000
}

// javaDouble formats f as Java's Double.toString does, which is how
// ZooKeeper prints its doubles: "0.0", "1.2381", "1.0E-4", "1.2345678E7".
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	// Computerized scientific notation: one digit before the point, at
	// least one after it, exponent without '+' or padding.
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// opStats are the server's counters and summaries beyond latency: what mntr,
// the monitor command and the Prometheus gauges report. Fields the core
// alone touches are plain; the summaries lock.
type opStats struct {
	readLatency, updateLatency *summary // ms per answered read / write
	fsync, batch               *summary // txn log: fdatasync ms, records per group commit
	snapshot                   *summary // checkpoint write time, ms
	dbInit                     *summary // startup: loading the whole database, ms
	startupTxnsLoaded          *summary // txns replayed from the log at startup
	startupTxnsLoadTime        *summary // ms to replay them
	startupSnapLoadTime        *summary // ms to load the checkpoint
	prepTime                   *summary // ms to prepare a write (PrepRequestProcessor)

	authFailed      int64 // addauth refused
	sessionsExpired int64 // stale_sessions_expired
	connectRequests int64 // connection_request_count
	checkpoints     int64 // snap_count
	commits         int64 // txns applied (commit_count)
	txnsLogged      int64 // sync_processor_request_queued
	fatalErrors     int64 // unrecoverable_error_count
}

func newOpStats() *opStats {
	return &opStats{
		readLatency:         newSummary("readlatency", true),
		updateLatency:       newSummary("updatelatency", true),
		fsync:               newSummary("fsynctime", false),
		batch:               newSummary("sync_processor_batch_size", false),
		snapshot:            newSummary("snapshottime", false),
		dbInit:              newSummary("dbinittime", false),
		startupTxnsLoaded:   newSummary("startup_txns_loaded", false),
		startupTxnsLoadTime: newSummary("startup_txns_load_time", false),
		startupSnapLoadTime: newSummary("startup_snap_load_time", false),
		prepTime:            newSummary("prep_process_time", false),
	}
}

// summaries lists the summaries in the order mntr prints them.
func (st *opStats) summaries() []*summary {
	return []*summary{st.fsync, st.batch, st.snapshot, st.dbInit, st.startupTxnsLoaded,
		st.startupTxnsLoadTime, st.startupSnapLoadTime, st.prepTime, st.updateLatency, st.readLatency}
}
