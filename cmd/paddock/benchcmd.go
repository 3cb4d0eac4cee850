package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paddockdb/paddock/bench"
)

const benchUsage = `usage: paddock bench [flags]                 load a server and measure it
       paddock bench report [flags] FILE...    tables, ratios and charts from -json files
       paddock bench wait -server ADDR [-path P] wait until a server serves (srvr Mode, then getData P)

Workloads (-workloads, comma-separated; "all" = every one but load):
  setData getData exists create delete   one request type over -keys znodes (create and delete: new znodes)
  getChildren10k getChildren100k         getChildren on a parent with that many children (any getChildren<N>)
  mixed0 mixed50 mixed90 mixed99         getData/setData mix, the number being the read percentage
  watch      one writer, -watchers watching sessions: latency from setData sent to each event
  churn      -clients loops of connect, create an ephemeral znode, close
  lock       ZooKeeper's lock recipe with -clients contenders
  ramp       -ramp outstanding steps of -ramp-op; reports each step and the knee
  load       create -keys znodes of -value-size bytes (with -keep they stay)

Exit status: 0; 1 when setup fails or a workload's error rate exceeds -max-error-rate; 2 for bad usage.

Flags:
`

// runBench is `paddock bench`: the load generator of package bench.
func runBench(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "report":
			return runBenchReport(args[1:], stdout, stderr)
		case "wait":
			return runBenchWait(args[1:], stdout, stderr)
		}
	}
	d := bench.DefaultOptions()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	servers := fs.String("server", strings.Join(d.Servers, ","), "the system's connect string: host:port[,host:port...]")
	label := fs.String("label", d.Label, "name of the system in the results (zookeeper, paddock, ...)")
	client := fs.String("client", d.Client, "client library: native (Paddock's pipelined client) or gozk (github.com/go-zookeeper/zk)")
	clients := fs.Int("clients", d.Clients, "load sessions (lock contenders, churning loops)")
	outstanding := fs.Int("outstanding", d.Outstanding, "requests in flight per session")
	valueSize := fs.Int("value-size", d.ValueSize, "bytes written per setData and create")
	keys := fs.Int("keys", d.Keys, "key space of setData/getData/exists/mixed; znodes created by load")
	duration := fs.Duration("duration", d.Duration, "measured time per workload (ramp: all its steps)")
	warmup := fs.Duration("warmup", d.Warmup, "unmeasured load before each workload's measured time")
	workloads := fs.String("workloads", "all", "comma-separated workloads, or all")
	pids := fs.String("pid", "", "server process id(s), comma-separated; default: found from the port's listening socket when the server is local")
	jsonFile := fs.String("json", "", "write the results to FILE as JSON lines (one object per workload)")
	charts := fs.String("charts", "", "write PNG charts of the results into DIR")
	watchers := fs.Int("watchers", d.Watchers, "watching sessions of the watch workload")
	ramp := fs.String("ramp", joinInts(d.RampSteps), "requests outstanding per session at each ramp step")
	rampOp := fs.String("ramp-op", d.RampOp, "the steady workload the ramp sends (setData, getData, mixed90, ...)")
	root := fs.String("root", d.Root, "znode the benchmark works under (deleted before and after)")
	sessionTimeout := fs.Duration("session-timeout", d.SessionTimeout, "session timeout asked for")
	maxErr := fs.Float64("max-error-rate", 0.001, "fail (exit 1) when a workload's failed fraction of operations exceeds this")
	keep := fs.Bool("keep", false, "leave the znodes of the load workload in place")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	list := fs.Bool("list", false, "print the workloads -workloads names, one a line, and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "paddock bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o := d
	o.Servers = splitList(*servers)
	o.Label, o.Client, o.Clients, o.Outstanding = *label, *client, *clients, *outstanding
	o.ValueSize, o.Keys, o.Duration, o.Warmup = *valueSize, *keys, *duration, *warmup
	o.Watchers, o.RampOp, o.Root, o.SessionTimeout, o.Keep = *watchers, *rampOp, *root, *sessionTimeout, *keep
	var err error
	if o.Workloads, err = bench.ParseWorkloads(*workloads); err != nil {
		fmt.Fprintln(stderr, "paddock", err)
		return 2
	}
	if o.RampSteps, err = parseInts(*ramp); err != nil {
		fmt.Fprintf(stderr, "paddock bench: -ramp: %v\n", err)
		return 2
	}
	if *list {
		for _, w := range o.Workloads {
			fmt.Fprintln(stdout, w)
		}
		return 0
	}
	if *pids != "" {
		if o.PIDs, err = parseInts(*pids); err != nil {
			fmt.Fprintf(stderr, "paddock bench: -pid: %v\n", err)
			return 2
		}
	}
	if !*quiet {
		o.Log = stderr
	}

	if err := o.Validate(); err != nil {
		fmt.Fprintln(stderr, "paddock", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results, runErr := bench.Run(ctx, o)
	code := 0
	if len(results) > 0 {
		if err := bench.WriteTable(stdout, results); err != nil {
			fmt.Fprintf(stderr, "paddock bench: %v\n", err)
			code = 1
		}
	}
	if *jsonFile != "" {
		if err := writeResults(*jsonFile, results); err != nil {
			fmt.Fprintf(stderr, "paddock bench: %v\n", err)
			code = 1
		}
	}
	if *charts != "" && len(results) > 0 {
		files, err := bench.WriteCharts(*charts, results)
		if err != nil {
			fmt.Fprintf(stderr, "paddock bench: charts: %v\n", err)
			code = 1
		} else if !*quiet {
			fmt.Fprintf(stderr, "bench: wrote %d charts into %s\n", len(files), *charts)
		}
	}
	for _, r := range results {
		if rate := r.ErrorRate(); rate > *maxErr {
			fmt.Fprintf(stderr, "paddock bench: %s: %d errors in %d operations (%.3g%% > -max-error-rate %.3g%%)\n",
				r.Workload, r.Errors, r.Ops+r.Errors, 100*rate, 100**maxErr)
			code = 1
		}
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "paddock bench: %v\n", runErr)
		code = 1
	}
	return code
}

// writeResults writes results as JSON lines into path.
func writeResults(path string, results []bench.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := bench.WriteJSON(f, results); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runBenchReport is `paddock bench report`: it reads -json files and
// prints their table and, with two or more systems, the ratio of each to
// -base; -charts draws them.
func runBenchReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "zookeeper", "label of the system the others are compared with")
	charts := fs.String("charts", "", "write PNG charts into DIR")
	table := fs.Bool("table", true, "print the results table")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: paddock bench report [-base LABEL] [-charts DIR] [-table=false] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	var results []bench.Result
	for _, p := range fs.Args() {
		f, err := os.Open(p)
		if err != nil {
			fmt.Fprintf(stderr, "paddock bench report: %v\n", err)
			return 1
		}
		rs, err := bench.ReadJSON(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "paddock bench report: %s: %v\n", p, err)
			return 1
		}
		results = append(results, rs...)
	}
	if len(results) == 0 {
		fmt.Fprintln(stderr, "paddock bench report: no results")
		return 1
	}
	if *table {
		if err := bench.WriteTable(stdout, results); err != nil {
			fmt.Fprintf(stderr, "paddock bench report: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout)
	}
	if err := bench.WriteRatios(stdout, results, *base); err != nil {
		fmt.Fprintf(stderr, "paddock bench report: %v\n", err)
		return 1
	}
	if *charts != "" {
		files, err := bench.WriteCharts(*charts, results)
		if err != nil {
			fmt.Fprintf(stderr, "paddock bench report: charts: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "\n%d charts in %s\n", len(files), *charts)
	}
	return 0
}

// runBenchWait is `paddock bench wait`: it polls a server until srvr
// answers with a Mode and a getData of -path succeeds, and prints how
// long that took.
func runBenchWait(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench wait", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("server", "127.0.0.1:2181", "host:port to poll")
	path := fs.String("path", "", "znode whose getData must succeed (none: srvr only)")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	poll := fs.Duration("poll", 50*time.Millisecond, "pause between attempts")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "paddock bench wait: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	took, err := bench.WaitServing(ctx, *addr, *path, *poll)
	if err != nil {
		fmt.Fprintf(stderr, "paddock bench wait: %s not serving after %v: %v\n", *addr, took.Round(time.Millisecond), err)
		return 1
	}
	fmt.Fprintf(stdout, "serving after %d ms\n", took.Milliseconds())
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
