package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Result is the outcome of one workload against one system. Its JSON form
// (one object per line in a results file) is part of paddock bench's
// interface: field names do not change, new fields may be added. Latencies
// are in milliseconds; a figure that could not be measured is null.
type Result struct {
	Label       string    `json:"label"`       // the system: -label
	Servers     string    `json:"servers"`     // its connect string
	Workload    string    `json:"workload"`    // the workload's name
	Client      string    `json:"client"`      // native or gozk
	Clients     int       `json:"clients"`     // load sessions (lock contenders, churning sessions)
	Outstanding int       `json:"outstanding"` // requests in flight per session (ramp: at the knee)
	ValueSize   int       `json:"value_size"`  // bytes written per setData/create
	Keys        int       `json:"keys"`        // key space (load: znodes created)
	ReadPercent *int      `json:"read_percent"`
	Children    int       `json:"children,omitempty"` // getChildren<N>: N
	Watchers    int       `json:"watchers,omitempty"` // watch: watching sessions
	Start       time.Time `json:"start"`              // when the workload began (setup included)
	SetupS      float64   `json:"setup_s"`            // setup time, seconds
	WarmupS     float64   `json:"warmup_s"`           // unmeasured warm-up, seconds
	DurationS   float64   `json:"duration_s"`         // the measured interval, seconds

	Ops        int64            `json:"ops"`    // operations completed in the interval
	Errors     int64            `json:"errors"` // failed ones
	ErrorKinds map[string]int64 `json:"error_kinds,omitempty"`
	OpsPerSec  float64          `json:"ops_per_sec"`
	MeanMs     float64          `json:"mean_ms"`
	P50Ms      float64          `json:"p50_ms"`
	P90Ms      float64          `json:"p90_ms"`
	P99Ms      float64          `json:"p99_ms"`
	P999Ms     float64          `json:"p999_ms"`
	MaxMs      float64          `json:"max_ms"`

	ServerPIDs         []int    `json:"server_pids"`           // the processes measured (summed)
	ServerRSSBytes     *int64   `json:"server_rss_bytes"`      // VmRSS at the end of the interval
	ServerPeakRSSBytes *int64   `json:"server_peak_rss_bytes"` // VmHWM then
	ServerCPUS         *float64 `json:"server_cpu_s"`          // server CPU (user+system) in the interval
	ServerCPUPerOpUs   *float64 `json:"server_cpu_us_per_op"`  // server_cpu_s / ops, microseconds
	ClientCPUPerOpUs   *float64 `json:"client_cpu_us_per_op"`  // this process's CPU / ops, microseconds

	Steps []Step `json:"steps,omitempty"` // ramp: one per step
	Knee  *Step  `json:"knee,omitempty"`  // ramp: the knee step
	// KneeFound is false when latency never climbed steeply while
	// throughput stalled (knee then holds the last step).
	KneeFound *bool    `json:"knee_found,omitempty"`
	Notes     []string `json:"notes,omitempty"`

	Machine Machine `json:"machine"`
}

// Step is one step of the ramp.
type Step struct {
	Clients     int      `json:"clients"`
	Outstanding int      `json:"outstanding"` // per session
	InFlight    int      `json:"in_flight"`   // clients * outstanding
	Ops         int64    `json:"ops"`
	Errors      int64    `json:"errors"`
	OpsPerSec   float64  `json:"ops_per_sec"`
	P50Ms       float64  `json:"p50_ms"`
	P99Ms       float64  `json:"p99_ms"`
	P999Ms      float64  `json:"p999_ms"`
	CPUPerOpUs  *float64 `json:"server_cpu_us_per_op"`
	DurationS   float64  `json:"duration_s"`
}

// Machine describes the machine the benchmark ran on.
type Machine struct {
	NProc     int    `json:"nproc"`
	CPUModel  string `json:"cpu_model"`
	MemBytes  int64  `json:"mem_total_bytes"`
	Kernel    string `json:"kernel"`
	GoVersion string `json:"go_version"`
}

// DescribeMachine reads the machine's description from /proc.
func DescribeMachine() Machine {
	m := Machine{NProc: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var kb int64
			if n, _ := fmt.Sscanf(line, "MemTotal: %d kB", &kb); n == 1 {
				m.MemBytes = kb << 10
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// ErrorRate is the fraction of failed operations.
func (r *Result) ErrorRate() float64 {
	if r.Ops+r.Errors == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Ops+r.Errors)
}

func ms(us int64) float64 { return float64(us) / 1000 }

// fill records a run's measurements in r.
func (r *Result) fill(st runStats) {
	r.DurationS = st.elapsed.Seconds()
	r.Ops, r.Errors = st.ops, st.errs
	if len(st.kinds) > 0 {
		r.ErrorKinds = st.kinds
	}
	if r.DurationS > 0 {
		r.OpsPerSec = float64(r.Ops) / r.DurationS
	}
	r.setLatency(st.hist)
	if st.timedOut {
		r.Notes = append(r.Notes, "requests were still outstanding "+drainGrace.String()+" after the end")
	}
	if st.res.serverOK {
		rss, peak, cpu := st.res.serverRSS, st.res.serverPeak, st.res.serverCPU.Seconds()
		r.ServerRSSBytes, r.ServerPeakRSSBytes, r.ServerCPUS = &rss, &peak, &cpu
		if r.Ops > 0 {
			per := cpu * 1e6 / float64(r.Ops)
			r.ServerCPUPerOpUs = &per
		}
	}
	if st.res.clientOK && r.Ops > 0 {
		per := st.res.clientCPU.Seconds() * 1e6 / float64(r.Ops)
		r.ClientCPUPerOpUs = &per
	}
}

func (r *Result) setLatency(h *hdr.Histogram) {
	if h == nil || h.TotalCount() == 0 {
		return
	}
	r.MeanMs = h.Mean() / 1000
	r.P50Ms = ms(h.ValueAtQuantile(50))
	r.P90Ms = ms(h.ValueAtQuantile(90))
	r.P99Ms = ms(h.ValueAtQuantile(99))
	r.P999Ms = ms(h.ValueAtQuantile(99.9))
	r.MaxMs = ms(h.Max())
}

// WriteJSON writes results as JSON lines, one object per result.
func WriteJSON(w io.Writer, results []Result) error {
	enc := json.NewEncoder(w)
	for i := range results {
		if err := enc.Encode(&results[i]); err != nil {
			return err
		}
	}
	return nil
}

// ReadJSON reads results written by WriteJSON (or a JSON array of them).
func ReadJSON(rd io.Reader) ([]Result, error) {
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var out []Result
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	var out []Result
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r Result
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

func fmtMs(v float64) string {
	switch {
	case v == 0:
		return "-"
	case v < 10:
		return fmt.Sprintf("%.3f", v)
	case v < 1000:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func fmtOpt(p *float64, format string) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf(format, *p)
}

func fmtMB(p *int64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(*p)/(1<<20))
}

// WriteTable prints results as a table, and each ramp's steps after it.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tsystem\tops/s\tp50 ms\tp90 ms\tp99 ms\tp99.9 ms\tmax ms\terrors\tsrv CPU µs/op\tsrv RSS MB\tcli CPU µs/op\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n",
			r.Workload, r.Label, r.OpsPerSec, fmtMs(r.P50Ms), fmtMs(r.P90Ms), fmtMs(r.P99Ms),
			fmtMs(r.P999Ms), fmtMs(r.MaxMs), r.Errors, fmtOpt(r.ServerCPUPerOpUs, "%.1f"),
			fmtMB(r.ServerRSSBytes), fmtOpt(r.ClientCPUPerOpUs, "%.1f"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if len(r.Steps) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nramp (%s, %s): knee marked *\n", r.Label, r.Client)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "\tin flight\tclients\toutstanding\tops/s\tp50 ms\tp99 ms\tp99.9 ms\terrors\tsrv CPU µs/op\t")
		for _, s := range r.Steps {
			mark := ""
			if r.Knee != nil && s.InFlight == r.Knee.InFlight {
				mark = "*"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%d\t%s\t\n", mark, s.InFlight, s.Clients, s.Outstanding,
				s.OpsPerSec, fmtMs(s.P50Ms), fmtMs(s.P99Ms), fmtMs(s.P999Ms), s.Errors, fmtOpt(s.CPUPerOpUs, "%.1f"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if r.KneeFound != nil && !*r.KneeFound {
			fmt.Fprintln(w, "no knee within the steps: p99 never climbed steeply while throughput stalled")
		}
	}
	return nil
}

// Knee thresholds: the knee is the first step after which throughput
// never again grows by kneeGain or more while p99 does climb by more than
// kneeClimb.
const (
	kneeGain  = 1.10
	kneeClimb = 1.5
)

// Knee returns the index of the ramp's knee and whether one was found (if
// not, the last step's index): the first step k such that no later step
// reaches kneeGain times k's throughput and some later step's p99 exceeds
// kneeClimb times k's. Comparing with every later step, not only the next,
// keeps one noisy step from passing for the knee.
func Knee(steps []Step) (int, bool) {
	for k := 0; k < len(steps)-1; k++ {
		c := steps[k]
		if c.OpsPerSec <= 0 || c.P99Ms <= 0 {
			continue
		}
		grows, climbs := false, false
		for _, l := range steps[k+1:] {
			grows = grows || l.OpsPerSec >= kneeGain*c.OpsPerSec
			climbs = climbs || l.P99Ms > kneeClimb*c.P99Ms
		}
		if !grows && climbs {
			return k, true
		}
	}
	return len(steps) - 1, false
}

// figure is one compared quantity of a result.
type figure struct {
	name string
	get  func(*Result) (float64, bool)
}

var figures = []figure{
	{"ops/s", func(r *Result) (float64, bool) { return r.OpsPerSec, r.Ops > 0 }},
	{"p50 ms", func(r *Result) (float64, bool) { return r.P50Ms, r.Ops > 0 }},
	{"p99 ms", func(r *Result) (float64, bool) { return r.P99Ms, r.Ops > 0 }},
	{"p99.9 ms", func(r *Result) (float64, bool) { return r.P999Ms, r.Ops > 0 }},
	{"srv CPU µs/op", func(r *Result) (float64, bool) {
		if r.ServerCPUPerOpUs == nil {
			return 0, false
		}
		return *r.ServerCPUPerOpUs, true
	}},
	{"srv RSS MB", func(r *Result) (float64, bool) {
		if r.ServerRSSBytes == nil {
			return 0, false
		}
		return float64(*r.ServerRSSBytes) / (1 << 20), true
	}},
}

// labels returns the distinct labels of results, in order of appearance.
func labels(results []Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range results {
		if !seen[r.Label] {
			seen[r.Label] = true
			out = append(out, r.Label)
		}
	}
	return out
}

// workloadOrder returns the distinct workloads of results, in order of
// appearance.
func workloadOrder(results []Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range results {
		if !seen[r.Workload] {
			seen[r.Workload] = true
			out = append(out, r.Workload)
		}
	}
	return out
}

// find returns the last result of a workload and label.
func find(results []Result, workload, label string) *Result {
	for i := len(results) - 1; i >= 0; i-- {
		if results[i].Workload == workload && results[i].Label == label {
			return &results[i]
		}
	}
	return nil
}

func fmtFig(v float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// WriteRatios prints, per workload and figure, every system's value and
// its ratio to base's (other / base). A ratio above 1 is better for ops/s
// and worse for the other figures.
func WriteRatios(w io.Writer, results []Result, base string) error {
	ls := labels(results)
	var others []string
	for _, l := range ls {
		if l != base {
			others = append(others, l)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	hdrLine := "workload\tfigure\t" + base + "\t"
	for _, o := range others {
		hdrLine += o + "\t" + o + "/" + base + "\t"
	}
	fmt.Fprintln(tw, hdrLine)
	for _, wl := range workloadOrder(results) {
		b := find(results, wl, base)
		for fi, f := range figures {
			name := ""
			if fi == 0 {
				name = wl
			}
			bv, bok := 0.0, false
			if b != nil {
				bv, bok = f.get(b)
			}
			line := name + "\t" + f.name + "\t" + fmtFig(bv, bok) + "\t"
			for _, o := range others {
				r := find(results, wl, o)
				ov, ook := 0.0, false
				if r != nil {
					ov, ook = f.get(r)
				}
				ratio := "n/a"
				if bok && ook && bv > 0 {
					ratio = fmt.Sprintf("%.2f", ov/bv)
				}
				line += fmtFig(ov, ook) + "\t" + ratio + "\t"
			}
			fmt.Fprintln(tw, line)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, o := range others {
		var rs []float64
		for _, wl := range workloadOrder(results) {
			b, r := find(results, wl, base), find(results, wl, o)
			if b != nil && r != nil && b.Ops > 0 && r.Ops > 0 {
				rs = append(rs, r.OpsPerSec/b.OpsPerSec)
			}
		}
		if len(rs) > 0 {
			fmt.Fprintf(w, "%s / %s ops/s, geometric mean over %d workloads: %.2f\n", o, base, len(rs), geomean(rs))
		}
	}
	if len(others) > 0 {
		fmt.Fprintf(w, "ratio = %s / %s: above 1 is better for ops/s, below 1 is better for the others.\n", others[0], base)
	}
	return nil
}

// geomean returns the geometric mean of the positive values.
func geomean(vs []float64) float64 {
	s, n := 0.0, 0
	for _, v := range vs {
		if v > 0 {
			s += math.Log(v)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Exp(s / float64(n))
}

// sortedKinds returns error kinds, most frequent first.
func sortedKinds(m map[string]int64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return m[ks[i]] > m[ks[j]] || (m[ks[i]] == m[ks[j]] && ks[i] < ks[j]) })
	return ks
}
