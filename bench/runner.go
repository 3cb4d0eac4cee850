package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockdb/paddock/zk"
)

// Runner runs workloads against one system.
type Runner struct {
	o        Options
	monitor  *monitor
	machine  Machine
	sessions []*session // the load sessions
	value    []byte
	keys     []string // paths of the key space, once created
	notes    []string // notes for every result (how the server was found)
}

// ErrSetup wraps failures to prepare a workload (or to connect at all), as
// opposed to errors the workload's requests met.
var ErrSetup = errors.New("setup failed")

// Run connects to o.Servers and runs o.Workloads one after the other. It
// returns the results of the workloads that ran; the error wraps ErrSetup
// when a workload could not be prepared (the run stops there).
func Run(ctx context.Context, o Options) ([]Result, error) {
	b, err := NewRunner(o)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var out []Result
	for _, w := range b.o.Workloads {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		r, err := b.Workload(ctx, w)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// NewRunner checks o, finds the server processes and opens the load
// sessions.
func NewRunner(o Options) (*Runner, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	b := &Runner{o: o, machine: DescribeMachine(), monitor: &monitor{}}
	b.value = make([]byte, o.ValueSize)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range b.value {
		b.value[i] = byte('a' + rng.IntN(26))
	}
	switch {
	case len(o.PIDs) > 0:
		b.monitor.pids = o.PIDs
	default:
		pids, err := findServerPIDs(o.Servers)
		if err != nil {
			b.notes = append(b.notes, "server CPU and memory not measured: "+err.Error())
		} else {
			b.monitor.pids = pids
		}
	}
	b.logf("connecting %d %s sessions to %s", o.Clients, o.Client, strings.Join(o.Servers, ","))
	conns, err := dialMany(&b.o, o.Clients)
	if err != nil {
		return nil, fmt.Errorf("%w: connecting: %v", ErrSetup, err)
	}
	for _, c := range conns {
		b.sessions = append(b.sessions, &session{c: c})
	}
	if err := b.deleteTree(b.o.Root); err != nil {
		b.Close()
		return nil, fmt.Errorf("%w: removing %s left by an earlier run: %v", ErrSetup, b.o.Root, err)
	}
	return b, nil
}

// Close closes the load sessions.
func (b *Runner) Close() {
	closeMany(b.sessionConns())
	b.sessions = nil
}

func (b *Runner) sessionConns() []conn {
	cs := make([]conn, len(b.sessions))
	for i, s := range b.sessions {
		cs[i] = s.c
	}
	return cs
}

func (b *Runner) admin() conn { return b.sessions[0].c }

func (b *Runner) logf(format string, args ...any) {
	fmt.Fprintf(b.o.Log, "bench: "+format+"\n", args...)
}

// dialParallel bounds concurrent connection attempts.
const dialParallel = 32

// spread returns o with its server list rotated by i, so that session i
// starts on server i mod len(Servers): the sessions spread evenly over an
// ensemble (the clients would otherwise each pick one at random).
func spread(o *Options, i int) *Options {
	if len(o.Servers) < 2 {
		return o
	}
	c := *o
	k := i % len(o.Servers)
	c.Servers = append(append([]string{}, o.Servers[k:]...), o.Servers[:k]...)
	return &c
}

// dialMany opens n sessions, a few at a time; on failure it closes those
// it opened.
func dialMany(o *Options, n int) ([]conn, error) {
	conns := make([]conn, n)
	errs := make([]error, n)
	sem := make(chan struct{}, dialParallel)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			conns[i], errs[i] = dial(spread(o, i))
		}()
	}
	wg.Wait()
	var ok []conn
	var first error
	for i := range n {
		if errs[i] != nil {
			if first == nil {
				first = errs[i]
			}
			continue
		}
		ok = append(ok, conns[i])
	}
	if first != nil {
		closeMany(ok)
		return nil, fmt.Errorf("%d of %d sessions failed: %w", n-len(ok), n, first)
	}
	return conns, nil
}

// closeMany closes sessions, a few at a time.
func closeMany(conns []conn) {
	sem := make(chan struct{}, 2*dialParallel)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c.close()
		}()
	}
	wg.Wait()
}

// newResult starts a workload's result.
func (b *Runner) newResult(sp spec) Result {
	r := Result{
		Label: b.o.Label, Servers: strings.Join(b.o.Servers, ","), Workload: sp.name, Client: b.o.Client,
		Clients: b.o.Clients, Outstanding: b.o.Outstanding, ValueSize: b.o.ValueSize, Keys: b.o.Keys,
		Start: time.Now().UTC(), WarmupS: b.o.Warmup.Seconds(), ServerPIDs: b.monitor.pids,
		Children: sp.children, Machine: b.machine,
	}
	if r.ServerPIDs == nil {
		r.ServerPIDs = []int{}
	}
	if sp.readPct >= 0 {
		p := sp.readPct
		r.ReadPercent = &p
	}
	r.Notes = append(r.Notes, b.notes...)
	return r
}

// Workload runs one workload by name.
func (b *Runner) Workload(ctx context.Context, name string) (Result, error) {
	sp, err := parseSpec(name)
	if err != nil {
		return Result{}, err
	}
	res := b.newResult(sp)
	t0 := time.Now()
	b.logf("%s: setting up", name)
	var run func(ctx context.Context, sp spec, res *Result, setupStart time.Time) error
	switch sp.kind {
	case kindSteady:
		run = b.steady
	case kindWatch:
		run = b.watch
	case kindChurn:
		run = b.churn
	case kindLock:
		run = b.lock
	case kindRamp:
		run = b.ramp
	case kindLoad:
		run = b.load
	}
	err = run(ctx, sp, &res, t0)
	if !(sp.kind == kindLoad && b.o.Keep) {
		if cerr := b.deleteTree(b.o.Root); cerr != nil && err == nil {
			err = fmt.Errorf("%w: %s: cleaning up: %v", ErrSetup, name, cerr)
		}
		b.keys = nil
	}
	if err != nil {
		return res, err
	}
	b.logf("%s: %.0f ops/s, p99 %s ms, %d errors", name, res.OpsPerSec, fmtMs(res.P99Ms), res.Errors)
	for _, k := range sortedKinds(res.ErrorKinds) {
		b.logf("%s:   %d x %s", name, res.ErrorKinds[k], k)
	}
	return res, nil
}

// setupErr wraps a setup failure of a workload.
func setupErr(name string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrSetup, name, err)
}

// window returns the warm-up start and measured window of a workload
// starting now.
func (b *Runner) window() (from, to time.Time) {
	from = time.Now().Add(b.o.Warmup)
	return from, from.Add(b.o.Duration)
}

// Paths of the layout under Root.
func (b *Runner) path(parts ...string) string { return b.o.Root + "/" + strings.Join(parts, "/") }

// ensure creates the persistent znodes paths (parents first), accepting
// those that exist.
func (b *Runner) ensure(paths ...string) error {
	for _, p := range paths {
		if _, err := b.admin().create(p, nil, zk.ModePersistent); err != nil && b.admin().code(err) != zk.CodeNodeExists {
			return fmt.Errorf("create %s: %w", p, err)
		}
	}
	return nil
}

// bulk sends n requests, prepared by prep(i, s), pipelined over the load
// sessions with at least 32 outstanding on each. onError may accept
// failures; the others make bulk fail.
func (b *Runner) bulk(ctx context.Context, n int, prep func(i int, s *slot), onError func(*slot, zk.Code) bool) (runStats, error) {
	var next atomic.Int64
	gen := func(s *slot) bool {
		i := next.Add(1) - 1
		if i >= int64(n) {
			return false
		}
		prep(int(i), s)
		return true
	}
	now := time.Now()
	st := b.execute(ctx, b.sessions, max(b.o.Outstanding, 32), gen, now, now.Add(24*time.Hour), onError)
	if st.errs > 0 {
		return st, fmt.Errorf("%d requests failed, first: %v", st.errs, st.first)
	}
	if st.timedOut {
		return st, errors.New("requests timed out")
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if st.ops != int64(n) {
		return st, fmt.Errorf("%d of %d requests completed", st.ops, n)
	}
	return st, nil
}

// createMany creates the persistent znodes path(i) for i < n with data.
func (b *Runner) createMany(ctx context.Context, n int, path func(int) string, data []byte) error {
	_, err := b.bulk(ctx, n, func(i int, s *slot) {
		s.op, s.path, s.data, s.mode = opCreate, path(i), data, zk.ModePersistent
	}, func(_ *slot, c zk.Code) bool { return c == zk.CodeNodeExists })
	return err
}

// deleteTree deletes path and everything under it, the children of each
// parent pipelined; a missing path is no error.
func (b *Runner) deleteTree(path string) error {
	kids, err := b.admin().children(path)
	if err != nil {
		if b.admin().code(err) == zk.CodeNoNode {
			return nil
		}
		return err
	}
	if len(kids) > 0 {
		var mu sync.Mutex
		var parents []string
		_, err := b.bulk(context.Background(), len(kids), func(i int, s *slot) {
			s.op, s.path = opDelete, path+"/"+kids[i]
		}, func(s *slot, c zk.Code) bool {
			switch c {
			case zk.CodeNoNode:
				return true
			case zk.CodeNotEmpty:
				mu.Lock()
				parents = append(parents, s.path)
				mu.Unlock()
				return true
			}
			return false
		})
		if err != nil {
			return fmt.Errorf("deleting the children of %s: %w", path, err)
		}
		for _, p := range parents {
			if err := b.deleteTree(p); err != nil {
				return err
			}
		}
	}
	if err := b.admin().del(path); err != nil && b.admin().code(err) != zk.CodeNoNode {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	return nil
}

// createKeys creates the key space (Keys znodes holding the value).
func (b *Runner) createKeys(ctx context.Context) error {
	if b.keys != nil {
		return nil
	}
	if err := b.ensure(b.o.Root, b.path("k")); err != nil {
		return err
	}
	keys := make([]string, b.o.Keys)
	for i := range keys {
		keys[i] = b.path("k", strconv.Itoa(i))
	}
	if err := b.createMany(ctx, len(keys), func(i int) string { return keys[i] }, b.value); err != nil {
		return err
	}
	b.keys = keys
	return nil
}

// steadyGen returns the request stream of a steady workload (its setup
// done).
func (b *Runner) steadyGen(sp spec) func(*slot) bool {
	keys, value := b.keys, b.value
	switch {
	case sp.readPct >= 0:
		pct := sp.readPct
		return func(s *slot) bool {
			s.path = keys[s.rng.IntN(len(keys))]
			if s.rng.IntN(100) < pct {
				s.op = opGetData
			} else {
				s.op, s.data = opSetData, value
			}
			return true
		}
	case sp.op == opGetData || sp.op == opSetData || sp.op == opExists:
		op := sp.op
		return func(s *slot) bool {
			s.op, s.path, s.data = op, keys[s.rng.IntN(len(keys))], value
			return true
		}
	case sp.op == opChildren:
		parent := b.path("w")
		return func(s *slot) bool {
			s.op, s.path = opChildren, parent
			return true
		}
	case sp.op == opCreate:
		var seq atomic.Int64
		prefix := b.path("c") + "/"
		return func(s *slot) bool {
			s.op, s.data, s.mode = opCreate, value, zk.ModePersistent
			s.path = prefix + strconv.FormatInt(seq.Add(1), 10)
			return true
		}
	}
	panic("bench: no request stream for " + sp.name)
}

// setupSteady prepares a steady workload's znodes.
func (b *Runner) setupSteady(ctx context.Context, sp spec, res *Result) (func(*slot) bool, error) {
	switch {
	case sp.readPct >= 0, sp.op == opGetData, sp.op == opSetData, sp.op == opExists:
		if err := b.createKeys(ctx); err != nil {
			return nil, err
		}
	case sp.op == opChildren:
		if err := b.ensure(b.o.Root, b.path("w")); err != nil {
			return nil, err
		}
		parent := b.path("w") + "/"
		if err := b.createMany(ctx, sp.children, func(i int) string { return parent + strconv.Itoa(i) }, nil); err != nil {
			return nil, err
		}
	case sp.op == opCreate:
		if err := b.ensure(b.o.Root, b.path("c")); err != nil {
			return nil, err
		}
	case sp.op == opDelete:
		return b.setupDelete(ctx, res)
	}
	return b.steadyGen(sp), nil
}

// Sizing of the delete workload's pool of znodes.
const (
	deleteProbe   = 5000      // created first, timed, to estimate the rate
	deleteMargin  = 1.5       // the pool covers the rate times this
	deleteMaxPool = 3_000_000 // never more than this
)

// setupDelete creates the znodes the delete workload deletes: enough, at
// the rate creates go, for warm-up plus duration with a margin. Should
// deletes be faster and use them up, the measured interval ends there.
func (b *Runner) setupDelete(ctx context.Context, res *Result) (func(*slot) bool, error) {
	if err := b.ensure(b.o.Root, b.path("d")); err != nil {
		return nil, err
	}
	prefix := b.path("d") + "/"
	name := func(i int) string { return prefix + strconv.Itoa(i) }
	t := time.Now()
	if err := b.createMany(ctx, deleteProbe, name, b.value); err != nil {
		return nil, err
	}
	rate := deleteProbe / time.Since(t).Seconds()
	pool := int(rate * (b.o.Warmup + b.o.Duration).Seconds() * deleteMargin)
	pool = max(min(pool, deleteMaxPool), deleteProbe)
	if pool > deleteProbe {
		b.logf("delete: creating %d znodes (creates ran at %.0f/s)", pool, rate)
		_, err := b.bulk(ctx, pool-deleteProbe, func(i int, s *slot) {
			s.op, s.path, s.data, s.mode = opCreate, name(deleteProbe+i), b.value, zk.ModePersistent
		}, nil)
		if err != nil {
			return nil, err
		}
	}
	res.Keys = pool
	var next atomic.Int64
	return func(s *slot) bool {
		i := next.Add(1) - 1
		if i >= int64(pool) {
			return false
		}
		s.op, s.path = opDelete, name(int(i))
		return true
	}, nil
}

// steady runs a closed-loop workload over the load sessions.
func (b *Runner) steady(ctx context.Context, sp spec, res *Result, t0 time.Time) error {
	gen, err := b.setupSteady(ctx, sp, res)
	if err != nil {
		return setupErr(sp.name, err)
	}
	res.SetupS = time.Since(t0).Seconds()
	from, to := b.window()
	st := b.execute(ctx, b.sessions, b.o.Outstanding, gen, from, to, nil)
	res.fill(st)
	if sp.op == opDelete && st.elapsed < b.o.Duration {
		res.Notes = append(res.Notes, fmt.Sprintf("the %d znodes ran out after %.1fs of the measured interval", res.Keys, st.elapsed.Seconds()))
	}
	return ctx.Err()
}
