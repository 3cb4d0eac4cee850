package metrics

import (
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/paddockdb/paddock/zk"
)

// scrape fetches the exposition from h and parses it.
func scrape(t *testing.T, h http.Handler, query string) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics"+query, nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("scrape: Content-Type %q", ct)
	}
	text := rec.Body.String()
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, text)
	}
	return text, fams
}

func family(t *testing.T, fams map[string]*dto.MetricFamily, name string, typ dto.MetricType) *dto.MetricFamily {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no family %s", name)
	}
	if f.GetType() != typ {
		t.Fatalf("%s: type %v, want %v", name, f.GetType(), typ)
	}
	return f
}

func labelled(f *dto.MetricFamily, name, value string) *dto.Metric {
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == name && l.GetValue() == value {
				return m
			}
		}
	}
	return nil
}

func bucket(h *dto.Histogram, le float64) uint64 {
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() == le {
			return b.GetCumulativeCount()
		}
	}
	return math.MaxUint64
}

func quantile(s *dto.Summary, q float64) float64 {
	for _, x := range s.GetQuantile() {
		if x.GetQuantile() == q {
			return x.GetValue()
		}
	}
	return math.NaN()
}

func TestGauges(t *testing.T) {
	calls := 0
	m := New(func(emit func(string, float64)) {
		calls++
		emit("znode_count", 5)
		emit("watch_count", 3)
		emit("num_alive_connections", 2)
		emit("outstanding_requests", 0)
		emit("avg_latency", 0.75)
		emit("commit_count", 42)
		emit("znode_count", 99)     // repeated: the first value stays
		emit("bad name", 1)         // not a metric name: dropped
		emit("fsynctime", 1)        // a summary of the package's own: dropped
		emit("fsynctime_count", 1)  // its sample name too
		emit(RequestLatency, 1)     // a histogram of the package's own
		emit("go_goroutines", 1)    // the Go collector's
		emit("process_open_fds", 1) // the process collector's
	})
	text, fams := scrape(t, m.Handler(), "")
	if calls != 1 {
		t.Errorf("gauges called %d times for one scrape", calls)
	}
	for name, want := range map[string]float64{
		"znode_count": 5, "watch_count": 3, "num_alive_connections": 2,
		"outstanding_requests": 0, "avg_latency": 0.75,
	} {
		f := family(t, fams, name, dto.MetricType_GAUGE)
		if got := f.GetMetric()[0].GetGauge().GetValue(); got != want || len(f.GetMetric()) != 1 {
			t.Errorf("%s = %v (%d samples), want %v", name, got, len(f.GetMetric()), want)
		}
		if f.GetHelp() != name {
			t.Errorf("%s: HELP %q; ZooKeeper's HELP is the name", name, f.GetHelp())
		}
	}
	if got := family(t, fams, "commit_count", dto.MetricType_COUNTER).GetMetric()[0].GetCounter().GetValue(); got != 42 {
		t.Errorf("commit_count = %v", got)
	}
	for _, line := range []string{"# TYPE znode_count gauge\n", "# TYPE commit_count counter\n", "\ncommit_count 42\n"} {
		if !strings.Contains(text, line) {
			t.Errorf("exposition lacks %q", line)
		}
	}
	if strings.Contains(text, "bad name") {
		t.Error("invalid name exposed")
	}
	// Names the package's own metrics use were dropped, so gathering
	// finds no collision.
	if _, err := m.Registry().Gather(); err != nil {
		t.Errorf("Gather: %v", err)
	}
	if n := len(family(t, fams, "go_goroutines", dto.MetricType_GAUGE).GetMetric()); n != 1 {
		t.Errorf("go_goroutines has %d samples", n)
	}
	if n := len(family(t, fams, ZKFsyncTime, dto.MetricType_SUMMARY).GetMetric()); n != 1 {
		t.Errorf("fsynctime has %d samples", n)
	}
	for _, name := range []string{"process_open_fds", "process_resident_memory_bytes", "go_memstats_alloc_bytes"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
}

func TestHistogramsAndSummaries(t *testing.T) {
	m := New(nil)
	m.ObserveRequest(zk.OpCreate, 100*time.Microsecond)
	m.ObserveRequest(zk.OpCreate, 3*time.Millisecond)
	m.ObserveRequest(zk.OpGetData, 20*time.Microsecond)
	m.ObserveRequest(zk.OpCloseSession, time.Millisecond)
	m.ObserveRequest(zk.OpCode(999), time.Millisecond) // outside the table
	m.ObserveRequest(zk.OpCode(10), time.Millisecond)  // unnamed code inside it
	m.ObserveRequest(zk.OpGetData, -time.Millisecond)  // dropped
	m.ObserveFsync(2 * time.Millisecond)
	m.ObserveFsync(4 * time.Millisecond)
	m.ObserveBatch(1)
	m.ObserveBatch(7)
	m.ObserveBatch(300)
	m.ObserveCheckpoint(1500 * time.Millisecond)
	m.ObserveApplyLag(250 * time.Microsecond)
	m.ObserveApplyLag(-time.Second) // clock drift: dropped
	m.ObserveElection(200 * time.Millisecond)
	_, fams := scrape(t, m.Handler(), "")

	req := family(t, fams, RequestLatency, dto.MetricType_HISTOGRAM)
	for _, tc := range []struct {
		op     string
		count  uint64
		sum    float64
		le     float64
		bucket uint64
	}{
		{"create", 2, 0.0031, 0.0001, 1},
		{"getData", 1, 0.00002, 0.000025, 1},
		{"closeSession", 1, 0.001, 0.0005, 0},
		{"unknown", 2, 0.002, 0.001, 2},
	} {
		s := labelled(req, "op", tc.op)
		if s == nil {
			t.Errorf("no %s{op=%q}", RequestLatency, tc.op)
			continue
		}
		h := s.GetHistogram()
		if h.GetSampleCount() != tc.count || math.Abs(h.GetSampleSum()-tc.sum) > 1e-12 || bucket(h, tc.le) != tc.bucket {
			t.Errorf("op %s: count %d sum %v bucket(le=%v) %d; want %d, %v, %d",
				tc.op, h.GetSampleCount(), h.GetSampleSum(), tc.le, bucket(h, tc.le), tc.count, tc.sum, tc.bucket)
		}
	}
	if n := len(req.GetMetric()); n != 4 {
		t.Errorf("%d op series, want 4 (ops never seen stay out)", n)
	}

	for _, tc := range []struct {
		name  string
		typ   dto.MetricType
		count uint64
		sum   float64
	}{
		{FsyncLatency, dto.MetricType_HISTOGRAM, 2, 0.006},
		{CommitBatch, dto.MetricType_HISTOGRAM, 3, 308},
		{CheckpointDuration, dto.MetricType_HISTOGRAM, 1, 1.5},
		{ApplyLag, dto.MetricType_HISTOGRAM, 1, 0.00025},
		// ZooKeeper's summaries, in milliseconds (or records).
		{ZKUpdateLatency, dto.MetricType_SUMMARY, 3, 0.1 + 3 + 1},
		{ZKReadLatency, dto.MetricType_SUMMARY, 3, 0.02 + 1 + 1},
		{ZKFsyncTime, dto.MetricType_SUMMARY, 2, 6},
		{ZKBatchSize, dto.MetricType_SUMMARY, 3, 308},
		{ZKSnapshotTime, dto.MetricType_SUMMARY, 1, 1500},
		{ZKPropagationLatency, dto.MetricType_SUMMARY, 1, 0.25},
		{ZKElectionTime, dto.MetricType_SUMMARY, 1, 200},
	} {
		f := family(t, fams, tc.name, tc.typ)
		var count uint64
		var sum float64
		if tc.typ == dto.MetricType_HISTOGRAM {
			count, sum = f.GetMetric()[0].GetHistogram().GetSampleCount(), f.GetMetric()[0].GetHistogram().GetSampleSum()
		} else {
			count, sum = f.GetMetric()[0].GetSummary().GetSampleCount(), f.GetMetric()[0].GetSummary().GetSampleSum()
		}
		if count != tc.count || math.Abs(sum-tc.sum) > 1e-9 {
			t.Errorf("%s: count %d sum %v, want %d, %v", tc.name, count, sum, tc.count, tc.sum)
		}
	}
	if b := bucket(fams[CommitBatch].GetMetric()[0].GetHistogram(), 8); b != 2 {
		t.Errorf("%s bucket le=8: %d, want 2", CommitBatch, b)
	}

	// Quantiles as ZooKeeper's provider configures them.
	// (estimated: within a bucket, 1/16 of a power of two, of the truth).
	adv := fams[ZKUpdateLatency].GetMetric()[0].GetSummary()
	if len(adv.GetQuantile()) != 3 || !near(quantile(adv, 0.5), 1) || !near(quantile(adv, 0.99), 3) {
		t.Errorf("updatelatency quantiles %v, want 0.5: 1, 0.99: 3", adv.GetQuantile())
	}
	basic := fams[ZKFsyncTime].GetMetric()[0].GetSummary()
	if len(basic.GetQuantile()) != 1 || math.IsNaN(quantile(basic, 0.5)) {
		t.Errorf("fsynctime quantiles %v", basic.GetQuantile())
	}
	if fams[ZKFsyncTime].GetHelp() != ZKFsyncTime {
		t.Errorf("fsynctime HELP %q", fams[ZKFsyncTime].GetHelp())
	}
}

// near reports whether got is within one bucket width of want.
func near(got, want float64) bool {
	return math.Abs(got-want) <= want/subBuckets
}

func TestIsWrite(t *testing.T) {
	writes := map[zk.OpCode]bool{
		zk.OpCreate: true, zk.OpCreate2: true, zk.OpCreateTTL: true, zk.OpCreateContainer: true,
		zk.OpDelete: true, zk.OpDeleteContainer: true, zk.OpSetData: true, zk.OpSetACL: true,
		zk.OpCheck: true, zk.OpMulti: true, zk.OpReconfig: true,
		zk.OpCreateSession: true, zk.OpCloseSession: true,
	}
	for op := zk.OpCode(minOp); op <= zk.OpCode(maxOp); op++ {
		if isWrite(op) != writes[op] {
			t.Errorf("isWrite(%v) = %v", op, isWrite(op))
		}
	}
	for _, op := range []zk.OpCode{zk.OpGetData, zk.OpExists, zk.OpSync, zk.OpPing, zk.OpMultiRead, zk.OpGetChildren2} {
		if isWrite(op) {
			t.Errorf("%v counted as a write", op)
		}
	}
}

func TestNameFilter(t *testing.T) {
	m := New(func(emit func(string, float64)) {
		emit("znode_count", 1)
		emit("watch_count", 2)
	})
	m.ObserveFsync(time.Millisecond)
	_, fams := scrape(t, m.Handler(), "?name[]=watch_count&name[]=fsynctime_sum")
	if len(fams) != 2 || fams["watch_count"] == nil || fams["fsynctime"] == nil {
		names := []string{}
		for n := range fams {
			names = append(names, n)
		}
		t.Errorf("filtered scrape has %v, want watch_count and fsynctime", names)
	}
}

func TestGaugePanic(t *testing.T) {
	var kept func(string, float64)
	m := New(func(emit func(string, float64)) {
		kept = emit
		emit("znode_count", 7)
		panic("broken gauge")
	})
	_, fams := scrape(t, m.Handler(), "")
	if f := fams["znode_count"]; f == nil || f.GetMetric()[0].GetGauge().GetValue() != 7 {
		t.Errorf("samples before the panic lost: %v", f)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("a panicking gauge spoiled the scrape")
	}
	kept("late", 1) // after the scrape: must do nothing (and not block)
}

func TestOpenMetrics(t *testing.T) {
	m := New(func(emit func(string, float64)) { emit("commit_count", 3) })
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=0.0.1")
	m.Handler().ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Fatalf("Content-Type %q", ct)
	}
	if body := rec.Body.String(); !strings.HasSuffix(body, "# EOF\n") || !strings.Contains(body, "commit_count") {
		t.Errorf("OpenMetrics body:\n%s", body)
	}
}

func TestConcurrentObserve(t *testing.T) {
	m := New(nil)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				m.ObserveRequest(zk.OpCode(g+1), time.Duration(i)*time.Microsecond)
				m.ObserveBatch(i)
			}
		}()
	}
	wg.Wait()
	_, fams := scrape(t, m.Handler(), "")
	var total uint64
	for _, s := range fams[RequestLatency].GetMetric() {
		total += s.GetHistogram().GetSampleCount()
	}
	if total != 4000 || fams[CommitBatch].GetMetric()[0].GetHistogram().GetSampleCount() != 4000 {
		t.Errorf("lost observations: %d requests", total)
	}
}

func TestListen(t *testing.T) {
	m := New(func(emit func(string, float64)) { emit("znode_count", 5) })
	s, err := Listen("127.0.0.1:0", m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.Addr().String()
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/metrics", 200},
		{"HEAD", "/metrics", 200},
		{"POST", "/metrics", 200},
		{"PUT", "/metrics", 405},
		{"GET", "/", 404},
		{"GET", "/metrics/", 404},
		{"GET", "/other", 404},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		if tc.status == 200 && tc.method != "HEAD" && !strings.Contains(string(body), "\nznode_count 5\n") {
			t.Errorf("%s %s: body lacks znode_count", tc.method, tc.path)
		}
	}
	if _, err := Listen(s.Addr().String(), m, nil); err == nil {
		t.Error("Listen on a busy address succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := (&http.Client{Timeout: time.Second}).Get(base + "/metrics"); err == nil {
		t.Error("still serving after Close")
	}
	if _, err := Listen("127.0.0.1:0", nil, nil); err == nil {
		t.Error("Listen accepted nil Metrics")
	}
}

func BenchmarkObserveRequest(b *testing.B) {
	m := New(nil)
	ops := []zk.OpCode{zk.OpGetData, zk.OpCreate, zk.OpExists, zk.OpSetData}
	for _, op := range ops {
		m.ObserveRequest(op, time.Millisecond) // resolve outside the timing
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.ObserveRequest(ops[i&3], time.Duration(i&1023)*time.Microsecond)
	}
}

// Codes outside the table or without a name are resolved once, too.
func TestUnknownOpsDoNotAllocate(t *testing.T) {
	m := New(nil)
	for _, op := range []zk.OpCode{10, 999, -100} {
		m.ObserveRequest(op, time.Millisecond)
		if n := testing.AllocsPerRun(100, func() { m.ObserveRequest(op, time.Millisecond) }); n != 0 {
			t.Errorf("ObserveRequest(%d) allocates %v times", op, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { m.ObserveRequest(zk.OpGetData, time.Millisecond) }); n != 0 {
		t.Errorf("ObserveRequest(getData) allocates %v times after the first", n)
	}
}

func BenchmarkObserveRequestParallel(b *testing.B) {
	m := New(nil)
	m.ObserveRequest(zk.OpGetData, time.Millisecond)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			m.ObserveRequest(zk.OpGetData, time.Duration(i&1023)*time.Microsecond)
			i++
		}
	})
}

func BenchmarkObserveFsync(b *testing.B) {
	m := New(nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.ObserveFsync(time.Duration(i&1023) * time.Microsecond)
	}
}
