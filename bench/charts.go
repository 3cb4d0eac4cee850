package bench

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/paddockdb/paddock/bench/chart"
)

// WriteCharts draws results into dir (created if need be) and returns the
// files written:
//
//	throughput.png         ops/s per workload, one bar per system (log scale)
//	latency-<wl>.png       p50, p90, p99, p99.9 and max of one workload, one bar per system (log scale)
//	p99.png                p99 per workload, one bar per system (log scale)
//	server-cpu.png         server CPU µs per operation per workload, when measured (log scale)
//	server-rss.png         server RSS MB per workload (when measured)
//	ramp-throughput.png    ops/s against requests in flight, one line per system
//	ramp-p99.png           p99 against requests in flight, one line per system
func WriteCharts(dir string, results []Result) ([]string, error) {
	if len(results) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string

	ls := labels(results)
	wls := workloadOrder(results)
	perWorkload := func(get func(*Result) (float64, bool)) ([]chart.Series, bool) {
		any := false
		var ss []chart.Series
		for _, l := range ls {
			s := chart.Series{Name: l}
			for _, w := range wls {
				v := math.NaN()
				if r := find(results, w, l); r != nil {
					if x, ok := get(r); ok {
						v, any = x, true
					}
				}
				s.Values = append(s.Values, v)
			}
			ss = append(ss, s)
		}
		return ss, any
	}
	type job struct {
		name string
		bars *chart.Bars
		line *chart.Lines
	}
	var jobs []job
	if ss, ok := perWorkload(figures[0].get); ok {
		jobs = append(jobs, job{"throughput.png", &chart.Bars{Title: "Throughput per workload", YLabel: "operations per second (log scale)",
			Categories: wls, Series: ss, LogY: true}, nil})
	}
	if ss, ok := perWorkload(figures[2].get); ok {
		jobs = append(jobs, job{"p99.png", &chart.Bars{Title: "p99 latency per workload", YLabel: "p99 latency, ms (log scale)",
			Categories: wls, Series: ss, LogY: true}, nil})
	}
	if ss, ok := perWorkload(figures[4].get); ok {
		jobs = append(jobs, job{"server-cpu.png", &chart.Bars{Title: "Server CPU time per operation", YLabel: "server CPU us per operation (log scale)",
			Categories: wls, Series: ss, LogY: true}, nil})
	}
	if ss, ok := perWorkload(figures[5].get); ok {
		jobs = append(jobs, job{"server-rss.png", &chart.Bars{Title: "Server resident memory at the end of each workload", YLabel: "RSS, MB",
			Categories: wls, Series: ss}, nil})
	}
	pct := []string{"p50", "p90", "p99", "p99.9", "max"}
	for _, w := range wls {
		var ss []chart.Series
		for _, l := range ls {
			r := find(results, w, l)
			if r == nil || r.Ops == 0 {
				continue
			}
			ss = append(ss, chart.Series{Name: l, Values: []float64{r.P50Ms, r.P90Ms, r.P99Ms, r.P999Ms, r.MaxMs}})
		}
		if len(ss) == 0 {
			continue
		}
		jobs = append(jobs, job{"latency-" + fileSafe(w) + ".png", &chart.Bars{Title: w + ": latency percentiles", YLabel: "latency, ms (log scale)",
			Categories: pct, Series: ss, LogY: true}, nil})
	}
	var thr, p99 []chart.XY
	for _, l := range ls {
		r := find(results, "ramp", l)
		if r == nil || len(r.Steps) == 0 {
			continue
		}
		t, p := chart.XY{Name: l}, chart.XY{Name: l}
		for _, s := range r.Steps {
			t.X, t.Y = append(t.X, float64(s.InFlight)), append(t.Y, s.OpsPerSec)
			p.X, p.Y = append(p.X, float64(s.InFlight)), append(p.Y, s.P99Ms)
		}
		if r.Knee != nil {
			t.Name = fmt.Sprintf("%s (knee at %d)", l, r.Knee.InFlight)
			p.Name = t.Name
		}
		thr, p99 = append(thr, t), append(p99, p)
	}
	if len(thr) > 0 {
		jobs = append(jobs,
			job{"ramp-throughput.png", nil, &chart.Lines{Title: "Ramp: throughput against load", XLabel: "requests in flight (sessions x outstanding)",
				YLabel: "operations per second", Series: thr, LogX: true}},
			job{"ramp-p99.png", nil, &chart.Lines{Title: "Ramp: p99 latency against load", XLabel: "requests in flight (sessions x outstanding)",
				YLabel: "p99 latency, ms (log scale)", Series: p99, LogX: true, LogY: true}})
	}
	for _, j := range jobs {
		var err error
		path := filepath.Join(dir, j.name)
		if j.bars != nil {
			img, e := j.bars.Image()
			if err = e; err == nil {
				err = chart.WritePNG(path, img)
			}
		} else {
			img, e := j.line.Image()
			if err = e; err == nil {
				err = chart.WritePNG(path, img)
			}
		}
		if err != nil {
			return files, fmt.Errorf("%s: %w", j.name, err)
		}
		files = append(files, path)
	}
	return files, nil
}

// fileSafe makes a workload name usable in a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
