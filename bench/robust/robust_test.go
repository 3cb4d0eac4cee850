package robust

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// The robustness and failover tests start real servers and run for a
// while, so they only run when asked:
//
//	ROBUST_ZK=1                  run against Debian's Apache ZooKeeper 3.8
//	ROBUST_PADDOCK_BIN=bin/paddock  run against Paddock (absolute or relative to this directory)
//
// and are tuned by:
//
//	ROBUST_DURATION=30s        how long the workload and nemesis run
//	ROBUST_N=3                 servers (3 or 5)
//	ROBUST_CLIENTS=8           concurrent clients
//	ROBUST_TICK=               tickTime (default 500ms for ZooKeeper, 200ms for Paddock)
//	ROBUST_FAULT_DURATION=3s   how long each fault lasts
//	ROBUST_INTERVAL=2s         quiet time between faults
//	ROBUST_ISOLATE_MODE=blackhole  how Paddock's Isolate cuts peers: blackhole or refuse
//	ROBUST_FAULTS=             comma-separated subset of kill-leader,kill-follower,pause,isolate-leader,pause-leader
//	ROBUST_SEED=               random seed (default: the time)
//	ROBUST_CHECK_TIMEOUT=5m    porcupine's time limit
//	ROBUST_FAILOVER_RUNS=5     leader kills per failover test
//	ROBUST_OUT=                where run directories go (default $TMPDIR/paddock-robust)
//	ROBUST_KEEP=1              keep the run directory (and history.json) of a passing run
type options struct {
	duration, tick, fault, interval, checkTimeout time.Duration
	n, clients, failoverRuns                      int
	faults                                        []Fault
	seed                                          uint64
	isolateMode                                   BlockMode
	out                                           string
	keep                                          bool
}

func loadOptions(t *testing.T) options {
	t.Helper()
	o := options{
		duration:     envDuration(t, "ROBUST_DURATION", 30*time.Second),
		tick:         envDuration(t, "ROBUST_TICK", 0),
		fault:        envDuration(t, "ROBUST_FAULT_DURATION", 3*time.Second),
		interval:     envDuration(t, "ROBUST_INTERVAL", 2*time.Second),
		checkTimeout: envDuration(t, "ROBUST_CHECK_TIMEOUT", 5*time.Minute),
		n:            envInt(t, "ROBUST_N", 3),
		clients:      envInt(t, "ROBUST_CLIENTS", 8),
		failoverRuns: envInt(t, "ROBUST_FAILOVER_RUNS", 5),
		seed:         uint64(envInt(t, "ROBUST_SEED", int(time.Now().UnixNano()%1e9))),
		faults:       AllFaults,
		out:          os.Getenv("ROBUST_OUT"),
		keep:         os.Getenv("ROBUST_KEEP") != "",
	}
	if o.out == "" {
		o.out = filepath.Join(os.TempDir(), "paddock-robust")
	}
	switch s := os.Getenv("ROBUST_ISOLATE_MODE"); s {
	case "", "blackhole":
		o.isolateMode = Blackhole
	case "refuse":
		o.isolateMode = Refuse
	default:
		t.Fatalf("ROBUST_ISOLATE_MODE=%q: want blackhole or refuse", s)
	}
	if s := os.Getenv("ROBUST_FAULTS"); s != "" {
		o.faults = nil
		for _, f := range strings.Split(s, ",") {
			f := Fault(strings.TrimSpace(f))
			if !slices.Contains(AllFaults, f) {
				t.Fatalf("ROBUST_FAULTS: unknown fault %q (want some of %v)", f, AllFaults)
			}
			o.faults = append(o.faults, f)
		}
	}
	return o
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return d
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return n
}

// starter starts a cluster in dir.
type starter func(ctx context.Context, o options, dir string, lg *slog.Logger) (Cluster, error)

func startZooKeeper(ctx context.Context, o options, dir string, lg *slog.Logger) (Cluster, error) {
	return StartZooKeeper(ctx, ZooKeeperConfig{Dir: dir, N: o.n, TickTime: o.tick, Logger: lg})
}

// paddockBin returns the absolute path of $ROBUST_PADDOCK_BIN, skipping
// the test with why if it is unset.
func paddockBin(t *testing.T, why string) string {
	t.Helper()
	bin := os.Getenv("ROBUST_PADDOCK_BIN")
	if bin == "" {
		t.Skip("set ROBUST_PADDOCK_BIN=/path/to/paddock to " + why)
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func paddockStarter(t *testing.T) starter {
	bin := paddockBin(t, "run against a Paddock ensemble (bench/robust/run.sh does)")
	return func(ctx context.Context, o options, dir string, lg *slog.Logger) (Cluster, error) {
		// Frequent checkpoints and a short in-memory log, so that a
		// server that was down or cut off catches up from a snapshot.
		extra := "snapCount=2000\ncommitLogCount=500\n"
		return StartPaddock(ctx, PaddockConfig{Bin: bin, Dir: dir, N: o.n, TickTime: o.tick, IsolateMode: o.isolateMode, Extra: extra, Logger: lg})
	}
}

func skipUnlessZK(t *testing.T) {
	if os.Getenv("ROBUST_ZK") == "" {
		t.Skip("set ROBUST_ZK=1 to run against an Apache ZooKeeper 3.8 ensemble (Debian's zookeeper package)")
	}
}

func TestRobustZooKeeper(t *testing.T) {
	skipUnlessZK(t)
	runRobust(t, startZooKeeper)
}

func TestRobustPaddock(t *testing.T) {
	runRobust(t, paddockStarter(t))
}

func TestFailoverZooKeeper(t *testing.T) {
	skipUnlessZK(t)
	runFailover(t, startZooKeeper)
}

func TestFailoverPaddock(t *testing.T) {
	runFailover(t, paddockStarter(t))
}

// runDir makes the directory of one run and a logger writing everything
// to DIR/robust.log and Info and above to the test's output.
func runDir(t *testing.T, o options) (string, *slog.Logger) {
	t.Helper()
	dir := filepath.Join(o.out, fmt.Sprintf("%s-%s", t.Name(), time.Now().Format("20060102T150405")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "robust.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	lg := slog.New(slog.NewMultiHandler(
		slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}),
	))
	t.Cleanup(func() {
		switch {
		case t.Failed():
			t.Logf("run directory kept: %s", dir)
		case o.keep:
			t.Logf("run directory: %s", dir)
		default:
			os.RemoveAll(dir)
		}
	})
	return dir, lg
}

func startCluster(t *testing.T, start starter, o options, dir string, lg *slog.Logger) Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t0 := time.Now()
	c, err := start(ctx, o, filepath.Join(dir, "cluster"), lg)
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	// Registered after runDir's cleanup, so it runs first: the servers
	// stop before their directory goes.
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close cluster: %v", err)
		}
	})
	if _, err := WaitLeader(ctx, c, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d servers up in %v", c.N(), time.Since(t0).Round(time.Millisecond))
	return c
}

func runRobust(t *testing.T, start starter) {
	o := loadOptions(t)
	dir, lg := runDir(t, o)
	c := startCluster(t, start, o, dir, lg)
	t.Logf("seed %d, %d clients, %v of faults %v lasting %v", o.seed, o.clients, o.duration, o.faults, o.fault)

	var servers []string
	for i := range c.N() {
		servers = append(servers, c.ClientAddr(i))
	}
	w := NewWorkload(WorkloadConfig{Servers: servers, Clients: o.clients, Seed: o.seed, Logger: lg})
	bg := context.Background()
	if err := w.Setup(bg, time.Minute); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bg, o.duration)
	defer cancel()
	events := make(chan []NemesisEvent, 1)
	go func() {
		events <- RunNemesis(ctx, c, NemesisConfig{
			Faults: o.faults, FaultDuration: o.fault, Interval: o.interval, Seed: o.seed, Logger: lg,
		})
	}()
	if err := w.Run(ctx); err != nil {
		t.Errorf("workload: %v", err)
	}
	evs := <-events
	injected := 0
	for _, e := range evs {
		if e.Action == "inject" && e.Err == nil {
			injected++
		}
	}
	t.Logf("nemesis injected %d faults", injected)

	if err := c.Heal(); err != nil {
		t.Errorf("heal: %v", err)
	}
	if err := WaitHealthy(bg, c, 2*time.Minute); err != nil {
		t.Errorf("after the run: %v", err)
	}
	finals, err := w.FinalReads(bg, time.Minute)
	if err != nil {
		t.Errorf("final reads: %v", err)
	}
	h := w.History()
	t.Logf("history: %s", h.Summary())
	if n := h.Count(0, StatusOK); n < 50 {
		t.Errorf("only %d operations succeeded: the run checked nothing", n)
	}

	rep := Check(h, finals, o.checkTimeout)
	t.Logf("porcupine: %s on %d operations in %v; %d other problems", rep.Result, rep.Operations, rep.CheckTime.Round(time.Millisecond), len(rep.Problems))
	for i, p := range rep.Problems {
		if i == 20 {
			t.Errorf("... and %d more problems", len(rep.Problems)-i)
			break
		}
		t.Errorf("%s", p)
	}
	if o.keep || rep.Result != porcupine.Ok || len(rep.Problems) > 0 {
		writeHistory(t, filepath.Join(dir, "history.json"), h)
	}
	switch rep.Result {
	case porcupine.Illegal:
		path := filepath.Join(dir, "violation.html")
		if err := porcupine.VisualizePath(Model, rep.Info, path); err != nil {
			t.Fatalf("history is not linearizable; visualizing it failed: %v", err)
		}
		t.Fatalf("history is not linearizable: see %s", path)
	case porcupine.Unknown:
		t.Fatalf("porcupine gave up after %v; shorten ROBUST_DURATION or raise ROBUST_CHECK_TIMEOUT", o.checkTimeout)
	}
}

func writeHistory(t *testing.T, path string, h *History) {
	b, err := json.Marshal(h)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		t.Errorf("write history: %v", err)
		return
	}
	t.Logf("history written to %s", path)
}

func runFailover(t *testing.T, start starter) {
	o := loadOptions(t)
	dir, lg := runDir(t, o)
	c := startCluster(t, start, o, dir, lg)
	res, err := MeasureFailover(context.Background(), c, FailoverConfig{Runs: o.failoverRuns, Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (runs %v)", res, res.Runs)
}

// TestHarnessCatchesSplitBrain proves the whole harness can fail: three
// independent standalone Paddock servers, posing as an ensemble, must be
// caught by porcupine and by the final-state checks.
func TestHarnessCatchesSplitBrain(t *testing.T) {
	bin := paddockBin(t, "check that the harness catches a split brain")
	bg := context.Background()
	dir := t.TempDir()
	ports, err := freePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	var servers []string
	for k, port := range ports {
		d := filepath.Join(dir, fmt.Sprintf("s%d", k+1))
		for _, sub := range []string{"data", "log"} {
			if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cfg := fmt.Sprintf("tickTime=200\ndataDir=%s\ndataLogDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nadmin.enableServer=false\n",
			filepath.Join(d, "data"), filepath.Join(d, "log"), port)
		if err := os.WriteFile(filepath.Join(d, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		p := &process{name: filepath.Base(d), argv: []string{bin, "server", filepath.Join(d, "zoo.cfg")}, logPath: filepath.Join(d, "paddock.log")}
		if err := p.start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.stop() })
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if err := waitServing(bg, addr, p.exited(), 30*time.Second); err != nil {
			t.Fatalf("%v\n%s", err, tail(p.logPath, 20))
		}
		// Each server is its own world: set each one up.
		if err := NewWorkload(WorkloadConfig{Servers: []string{addr}}).Setup(bg, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		servers = append(servers, addr)
	}
	w := NewWorkload(WorkloadConfig{Servers: servers, Clients: 6})
	ctx, cancel := context.WithTimeout(bg, 3*time.Second)
	defer cancel()
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
	finals, err := w.FinalReads(bg, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rep := Check(w.History(), finals, time.Minute)
	t.Logf("porcupine: %s on %d operations; %d other problems", rep.Result, rep.Operations, len(rep.Problems))
	if rep.Result != porcupine.Illegal {
		t.Errorf("porcupine says %s about a split brain, want Illegal", rep.Result)
	}
	if len(rep.Problems) == 0 {
		t.Errorf("the final-state checks found nothing wrong with a split brain")
	}
}
