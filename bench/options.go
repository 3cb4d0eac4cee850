package bench

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Client kinds.
const (
	ClientNative = "native" // Paddock's net/zkclient
	ClientGozk   = "gozk"   // github.com/go-zookeeper/zk
)

// Options configures Run.
type Options struct {
	// Servers is the connect string of the system under test: one
	// server, or every member of an ensemble.
	Servers []string
	// Label names the system in results ("zookeeper", "paddock").
	Label string
	// Client is ClientNative or ClientGozk.
	Client string
	// Clients is the number of load sessions (and of lock contenders
	// and churning sessions).
	Clients int
	// Outstanding is the number of requests each load session keeps in
	// flight.
	Outstanding int
	// ValueSize is the size in bytes of the data written by setData and
	// create.
	ValueSize int
	// Keys is the number of znodes setData, getData, exists and the
	// mixes pick from (uniformly), and the number the load workload
	// creates.
	Keys int
	// Duration is the measured time of each workload; Warmup runs the
	// same load before it, unmeasured.
	Duration time.Duration
	Warmup   time.Duration
	// Workloads are workload names (see Workloads).
	Workloads []string
	// PIDs are the server processes whose CPU time and memory are
	// reported; nil finds them from the sockets listening on the
	// servers' ports when the servers are on this machine.
	PIDs []int
	// Watchers is the number of watching sessions of the watch workload.
	Watchers int
	// RampSteps are the requests outstanding per session at each step of
	// the ramp; RampOp is the workload whose requests the ramp sends.
	RampSteps []int
	RampOp    string
	// Root is the znode under which every workload works; it is deleted
	// before the run and after each workload.
	Root string
	// SessionTimeout is asked for by every session.
	SessionTimeout time.Duration
	// Keep leaves the load workload's znodes in place.
	Keep bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// MaxOutstanding is the most requests a session may keep in flight.
const MaxOutstanding = gozkQueue / 2

// DefaultOptions returns the defaults of paddock bench's flags.
func DefaultOptions() Options {
	return Options{
		Servers:        []string{"127.0.0.1:2181"},
		Label:          "server",
		Client:         ClientNative,
		Clients:        8,
		Outstanding:    16,
		ValueSize:      100,
		Keys:           10000,
		Duration:       10 * time.Second,
		Warmup:         2 * time.Second,
		Workloads:      Workloads,
		Watchers:       1000,
		RampSteps:      []int{1, 2, 4, 8, 16, 32, 64, 128},
		RampOp:         "mixed90",
		Root:           "/paddock-bench",
		SessionTimeout: 30 * time.Second,
	}
}

// Workloads are the workloads "all" stands for, in the order they run.
// The families take a number: getChildren<N> lists a parent with N
// children (10k, 100k; k and m suffixes allowed), mixed<P> sends P% getData
// and the rest setData. "load" (a bulk load of Keys znodes) runs only when
// named.
var Workloads = []string{
	"setData", "getData", "exists", "create", "delete",
	"getChildren10k", "getChildren100k",
	"mixed0", "mixed50", "mixed90", "mixed99",
	"watch", "churn", "lock", "ramp",
}

// kind is how a workload runs.
type kind int

const (
	kindSteady kind = iota // a closed loop of one op mix over the load sessions
	kindWatch
	kindChurn
	kindLock
	kindRamp
	kindLoad
)

// spec is a parsed workload name.
type spec struct {
	name     string
	kind     kind
	op       opKind // kindSteady, when readPct < 0
	readPct  int    // mixed<P>: P; -1 otherwise
	children int    // getChildren<N>: N
}

// parseSpec parses a workload name.
func parseSpec(name string) (spec, error) {
	sp := spec{name: name, kind: kindSteady, readPct: -1}
	switch name {
	case "setData":
		sp.op = opSetData
	case "getData":
		sp.op = opGetData
	case "exists":
		sp.op = opExists
	case "create":
		sp.op = opCreate
	case "delete":
		sp.op = opDelete
	case "watch":
		sp.kind = kindWatch
	case "churn":
		sp.kind = kindChurn
	case "lock":
		sp.kind = kindLock
	case "ramp":
		sp.kind = kindRamp
	case "load":
		sp.kind = kindLoad
	default:
		if n, ok := strings.CutPrefix(name, "getChildren"); ok {
			c, err := parseCount(n)
			if err != nil || c < 1 {
				return sp, fmt.Errorf("bench: workload %q: want getChildren<N> with N >= 1 (10k, 100000, ...)", name)
			}
			sp.op, sp.children = opChildren, c
			return sp, nil
		}
		if n, ok := strings.CutPrefix(name, "mixed"); ok {
			p, err := strconv.Atoi(n)
			if err != nil || p < 0 || p > 100 {
				return sp, fmt.Errorf("bench: workload %q: want mixed<P> with P a read percentage 0..100", name)
			}
			sp.readPct = p
			return sp, nil
		}
		return sp, fmt.Errorf("bench: unknown workload %q (known: %s, load)", name, strings.Join(Workloads, ", "))
	}
	return sp, nil
}

// parseCount parses 10000, 10k or 1m.
func parseCount(s string) (int, error) {
	mul := 1
	switch {
	case strings.HasSuffix(s, "k"):
		mul, s = 1000, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mul, s = 1000000, strings.TrimSuffix(s, "m")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, err
	}
	return n * mul, nil
}

// ParseWorkloads expands a comma-separated list ("all" for Workloads) and
// checks every name.
func ParseWorkloads(list string) ([]string, error) {
	var out []string
	for _, w := range strings.Split(list, ",") {
		w = strings.TrimSpace(w)
		switch w {
		case "":
			continue
		case "all":
			out = append(out, Workloads...)
			continue
		}
		if _, err := parseSpec(w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return nil, errors.New("bench: no workloads")
	}
	return out, nil
}

// Validate checks o and fills in defaults for zero values (Run does it too).
func (o *Options) Validate() error {
	d := DefaultOptions()
	if len(o.Servers) == 0 {
		return errors.New("bench: no servers")
	}
	if o.Client == "" {
		o.Client = d.Client
	}
	if o.Client != ClientNative && o.Client != ClientGozk {
		return fmt.Errorf("bench: client %q: want %s or %s", o.Client, ClientNative, ClientGozk)
	}
	if o.Label == "" {
		o.Label = d.Label
	}
	if o.Clients < 1 || o.Outstanding < 1 || o.Outstanding > MaxOutstanding {
		return fmt.Errorf("bench: clients must be at least 1 and outstanding between 1 and %d", MaxOutstanding)
	}
	if o.ValueSize < 0 || o.Keys < 1 {
		return errors.New("bench: value size must be >= 0 and keys >= 1")
	}
	if o.Duration <= 0 || o.Warmup < 0 {
		return errors.New("bench: duration must be > 0 and warmup >= 0")
	}
	if len(o.Workloads) == 0 {
		o.Workloads = d.Workloads
	}
	for _, w := range o.Workloads {
		if _, err := parseSpec(w); err != nil {
			return err
		}
	}
	if o.Watchers < 1 {
		o.Watchers = d.Watchers
	}
	if len(o.RampSteps) == 0 {
		o.RampSteps = d.RampSteps
	}
	for _, s := range o.RampSteps {
		if s < 1 || s > MaxOutstanding {
			return fmt.Errorf("bench: ramp steps must be between 1 and %d", MaxOutstanding)
		}
	}
	if o.RampOp == "" {
		o.RampOp = d.RampOp
	}
	if sp, err := parseSpec(o.RampOp); err != nil || sp.kind != kindSteady {
		return fmt.Errorf("bench: ramp op %q: want a steady workload (setData, getData, mixed90, ...)", o.RampOp)
	}
	if o.Root == "" {
		o.Root = d.Root
	}
	if !strings.HasPrefix(o.Root, "/") || o.Root == "/" || strings.HasSuffix(o.Root, "/") {
		return fmt.Errorf("bench: root %q: want an absolute znode path other than /", o.Root)
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = d.SessionTimeout
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return nil
}
