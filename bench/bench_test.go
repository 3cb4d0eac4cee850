package bench

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/server/servertest"
)

// startServer runs a Paddock server in-process on a free 127.0.0.1 port.
func startServer(t *testing.T) string {
	t.Helper()
	cfg := servertest.Config(t.TempDir())
	cfg.MaxClientCnxns = 0
	cfg.FourLetterWords = []string{"*"}
	return servertest.Start(t, cfg).Addr().String()
}

// small returns options for a short run against addr.
func small(addr, client string, workloads ...string) Options {
	o := DefaultOptions()
	o.Servers = []string{addr}
	o.Label = "paddock"
	o.Client = client
	o.Clients = 2
	o.Outstanding = 4
	o.Keys = 50
	o.Duration = 300 * time.Millisecond
	o.Warmup = 50 * time.Millisecond
	o.Watchers = 5
	o.RampSteps = []int{1, 4}
	o.Workloads = workloads
	o.SessionTimeout = 10 * time.Second
	return o
}

// rootGone checks that the run left nothing behind.
func rootGone(t *testing.T, addr, root string) {
	t.Helper()
	c, err := zkclient.Dial(zkclient.Config{Servers: []string{addr}, SessionTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, ok, err := c.Exists(context.Background(), root, false)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Errorf("%s still exists after the run", root)
	}
}

func checkResults(t *testing.T, res []Result, workloads []string) {
	t.Helper()
	if len(res) != len(workloads) {
		t.Fatalf("%d results for %d workloads", len(res), len(workloads))
	}
	for i, r := range res {
		if r.Workload != workloads[i] {
			t.Errorf("result %d is %q, want %q", i, r.Workload, workloads[i])
		}
		if r.Ops <= 0 || r.OpsPerSec <= 0 {
			t.Errorf("%s: ops %d, ops/s %v: want > 0", r.Workload, r.Ops, r.OpsPerSec)
		}
		if r.Errors != 0 {
			t.Errorf("%s: %d errors: %v", r.Workload, r.Errors, r.ErrorKinds)
		}
		if !(r.P50Ms > 0 && r.P50Ms <= r.P90Ms && r.P90Ms <= r.P99Ms && r.P99Ms <= r.P999Ms && r.P999Ms <= r.MaxMs) {
			t.Errorf("%s: percentiles not ordered: %v %v %v %v %v", r.Workload, r.P50Ms, r.P90Ms, r.P99Ms, r.P999Ms, r.MaxMs)
		}
		// The server runs in this process: it is found, and measured.
		if len(r.ServerPIDs) != 1 || r.ServerRSSBytes == nil || *r.ServerRSSBytes <= 0 || r.ServerCPUPerOpUs == nil {
			t.Errorf("%s: server figures missing: pids %v rss %v cpu/op %v", r.Workload, r.ServerPIDs, r.ServerRSSBytes, r.ServerCPUPerOpUs)
		}
	}
}

func TestEveryWorkloadNative(t *testing.T) {
	addr := startServer(t)
	wls := []string{"setData", "getData", "exists", "create", "delete", "getChildren20", "mixed50", "watch", "churn", "lock", "ramp", "load"}
	res, err := Run(context.Background(), small(addr, ClientNative, wls...))
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, res, wls)
	for _, r := range res {
		switch r.Workload {
		case "watch":
			if r.Watchers != 5 {
				t.Errorf("watch: watchers %d, want 5", r.Watchers)
			}
			if r.Ops%5 != 0 {
				t.Errorf("watch: %d events is not whole rounds of 5 watchers", r.Ops)
			}
		case "ramp":
			if len(r.Steps) != 2 || r.Knee == nil || r.KneeFound == nil {
				t.Errorf("ramp: steps %v knee %v", r.Steps, r.Knee)
			}
		case "load":
			if r.Ops != 50 {
				t.Errorf("load: %d creates, want 50", r.Ops)
			}
		case "getChildren20":
			if r.Children != 20 {
				t.Errorf("getChildren20: children %d", r.Children)
			}
		case "mixed50":
			if r.ReadPercent == nil || *r.ReadPercent != 50 {
				t.Errorf("mixed50: read_percent %v", r.ReadPercent)
			}
		}
	}
	rootGone(t, addr, "/paddock-bench")
}

func TestWorkloadsGozk(t *testing.T) {
	addr := startServer(t)
	wls := []string{"setData", "getData", "delete", "getChildren20", "mixed90", "watch", "churn", "lock"}
	res, err := Run(context.Background(), small(addr, ClientGozk, wls...))
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, res, wls)
	for _, r := range res {
		if r.Client != ClientGozk {
			t.Errorf("%s: client %q", r.Workload, r.Client)
		}
	}
	rootGone(t, addr, "/paddock-bench")
}

func TestKeepLoad(t *testing.T) {
	addr := startServer(t)
	o := small(addr, ClientNative, "load")
	o.Keys = 1500 // two parents
	o.Keep = true
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := WaitServing(ctx, addr, LoadPath(o.Root, o.Keys-1), 10*time.Millisecond); err != nil {
		t.Fatalf("the last loaded znode: %v", err)
	}
	mode, err := Srvr(addr, 5*time.Second)
	if err != nil || mode != "standalone" {
		t.Errorf("srvr mode %q, %v", mode, err)
	}
	// A znode that does not exist never becomes servable.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if _, err := WaitServing(ctx2, addr, LoadPath(o.Root, o.Keys), 10*time.Millisecond); err == nil {
		t.Error("WaitServing on a missing znode succeeded")
	}
}

func TestSetupFailure(t *testing.T) {
	o := small("127.0.0.1:1", ClientNative, "setData")
	o.SessionTimeout = 500 * time.Millisecond
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "setup failed") {
		t.Errorf("no server: err %v, want a setup failure", err)
	}
}

func TestParseWorkloads(t *testing.T) {
	all, err := ParseWorkloads("all")
	if err != nil || len(all) != len(Workloads) {
		t.Fatalf("all: %v %v", all, err)
	}
	got, err := ParseWorkloads("setData, getChildren2k,mixed75,load")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "setData getChildren2k mixed75 load" {
		t.Errorf("got %v", got)
	}
	sp, _ := parseSpec("getChildren2k")
	if sp.children != 2000 {
		t.Errorf("getChildren2k: %d children", sp.children)
	}
	for _, bad := range []string{"", "setdata", "mixed101", "getChildren0", "getChildrenx"} {
		if _, err := ParseWorkloads(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestKnee(t *testing.T) {
	step := func(in int, ops, p99 float64) Step { return Step{InFlight: in, OpsPerSec: ops, P99Ms: p99} }
	steps := []Step{step(1, 1000, 1), step(2, 1900, 1.1), step(4, 3500, 1.3), step(8, 3600, 3), step(16, 3500, 8)}
	if k, ok := Knee(steps); !ok || k != 2 {
		t.Errorf("knee %d %v, want step 2 (4 in flight)", k, ok)
	}
	// Still scaling: no knee, the last step stands in.
	steps = []Step{step(1, 1000, 1), step(2, 2000, 1.1), step(4, 3900, 1.2)}
	if k, ok := Knee(steps); ok || k != 2 {
		t.Errorf("knee %d %v, want none (2)", k, ok)
	}
	// Saturated from the first step: throughput flat, p99 climbing.
	steps = []Step{step(1, 1000, 1), step(2, 1000, 1.2), step(4, 1050, 4)}
	if k, ok := Knee(steps); !ok || k != 0 {
		t.Errorf("knee %d %v, want 0", k, ok)
	}
	// A noisy dip early on is no knee: throughput grows again after it.
	steps = []Step{step(1, 1000, 1), step(2, 700, 3), step(4, 2000, 1.5), step(8, 2100, 5)}
	if k, ok := Knee(steps); !ok || k != 2 {
		t.Errorf("knee %d %v, want 2", k, ok)
	}
	// Throughput stalls but p99 stays put: no knee.
	steps = []Step{step(1, 1000, 1), step(2, 1900, 1.1), step(4, 2000, 1.2), step(8, 2000, 1.3)}
	if k, ok := Knee(steps); ok || k != 3 {
		t.Errorf("knee %d %v, want none (3)", k, ok)
	}
}

func TestJSONRatiosTableCharts(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	i := func(v int64) *int64 { return &v }
	res := []Result{
		{Label: "zookeeper", Workload: "setData", Ops: 1000, OpsPerSec: 100, P50Ms: 2, P90Ms: 3, P99Ms: 4, P999Ms: 5, MaxMs: 6,
			ServerCPUPerOpUs: f(50), ServerRSSBytes: i(200 << 20)},
		{Label: "paddock", Workload: "setData", Ops: 3000, OpsPerSec: 300, P50Ms: 1, P90Ms: 1.5, P99Ms: 2, P999Ms: 2.5, MaxMs: 3,
			ServerCPUPerOpUs: f(25), ServerRSSBytes: i(50 << 20)},
		{Label: "zookeeper", Workload: "ramp", Ops: 10, OpsPerSec: 10, P50Ms: 1, P99Ms: 2, P999Ms: 2, MaxMs: 2,
			Steps: []Step{{InFlight: 1, OpsPerSec: 5, P99Ms: 1}, {InFlight: 2, OpsPerSec: 10, P99Ms: 2}}},
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 3 {
		t.Errorf("%d JSON lines, want 3", n)
	}
	for _, field := range []string{`"label"`, `"workload"`, `"ops_per_sec"`, `"p99_ms"`, `"p999_ms"`, `"server_cpu_us_per_op"`, `"server_rss_bytes"`, `"machine"`} {
		if !strings.Contains(buf.String(), field) {
			t.Errorf("JSON lacks %s", field)
		}
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 || back[1].OpsPerSec != 300 || *back[1].ServerCPUPerOpUs != 25 || back[2].ServerRSSBytes != nil {
		t.Errorf("round trip: %+v", back)
	}

	var out bytes.Buffer
	if err := WriteRatios(&out, back, "zookeeper"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	want := map[string]string{"ops/s": "3.00", "p50 ms": "0.50", "p99 ms": "0.50", "srv CPU µs/op": "0.50", "srv RSS MB": "0.25"}
	for fig, ratio := range want {
		found := false
		for _, l := range lines {
			f := strings.Fields(l)
			if strings.Contains(l, fig) && len(f) > 0 && f[len(f)-1] == ratio && !strings.Contains(l, "n/a") {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s row with ratio %s in\n%s", fig, ratio, out.String())
		}
	}
	if !strings.Contains(out.String(), "n/a") {
		t.Errorf("ramp has no paddock result: want n/a in\n%s", out.String())
	}

	out.Reset()
	if err := WriteTable(&out, back); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ramp (zookeeper") {
		t.Errorf("table lacks the ramp steps:\n%s", out.String())
	}

	dir := t.TempDir()
	files, err := WriteCharts(dir, back)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range files {
		names[f[len(dir)+1:]] = true
	}
	for _, n := range []string{"throughput.png", "p99.png", "server-cpu.png", "server-rss.png", "latency-setData.png", "latency-ramp.png", "ramp-throughput.png", "ramp-p99.png"} {
		if !names[n] {
			t.Errorf("chart %s not written (got %v)", n, files)
		}
	}
	if g := geomean([]float64{1, 4, 0}); math.Abs(g-2) > 1e-9 {
		t.Errorf("geomean %v, want 2", g)
	}
}
