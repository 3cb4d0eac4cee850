package bench

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockdb/paddock/zk"
)

// fanout is the state of one round of the watch workload.
type fanout struct {
	mu      sync.Mutex
	n       int // watchers
	armed   int // watchers whose watch is set, this round
	got     int // events received, this round
	armedCh chan struct{}
	gotCh   chan struct{}
	t0      time.Time // when the writer sent this round's setData
	measure bool      // this round's events are measured
}

// watch measures event delivery: one writer sets a znode that Watchers
// sessions watch; the latency of an event is from the writer sending its
// setData to the event's arrival at a watcher. Each watcher sets its watch
// again as soon as its event arrives, and the writer waits for every event
// and every new watch before the next round. The rounds started inside the
// measured window are measured, all their events.
func (b *Runner) watch(ctx context.Context, sp spec, res *Result, t0 time.Time) error {
	n := b.o.Watchers
	res.Watchers = n
	res.Clients, res.Outstanding = 1, 1
	node := b.path("watch")
	if err := b.ensure(b.o.Root, node); err != nil {
		return setupErr(sp.name, err)
	}
	b.logf("watch: connecting %d watching sessions", n)
	conns, err := dialMany(&b.o, n)
	if err != nil {
		return setupErr(sp.name, fmt.Errorf("%v (a server limits connections per client address with maxClientCnxns; 0 lifts the limit)", err))
	}
	defer closeMany(conns)

	f := &fanout{n: n, armedCh: make(chan struct{}), gotCh: make(chan struct{})}
	nsh := min(n, maxShards)
	shards := make([]*shard, nsh)
	for i := range shards {
		shards[i] = &shard{h: newHist()}
	}
	var armErrs atomic.Int64
	var arm func(i int)
	fire := func(i int) func() {
		return func() {
			now := time.Now()
			f.mu.Lock()
			lat, measure := now.Sub(f.t0), f.measure
			f.got++
			if f.got == f.n {
				close(f.gotCh)
			}
			f.mu.Unlock()
			if measure {
				shards[i%nsh].record(lat)
			}
			arm(i)
		}
	}
	arm = func(i int) {
		conns[i].getW(node, fire(i), func(err error) {
			if err != nil {
				armErrs.Add(1)
				if !conns[i].terminal(err) && armErrs.Load() < int64(10*n) {
					arm(i) // try again
				}
				return
			}
			f.mu.Lock()
			f.armed++
			if f.armed == f.n {
				close(f.armedCh)
			}
			f.mu.Unlock()
		})
	}
	for i := range conns {
		arm(i)
	}
	writer := b.admin()
	wait := func(ch chan struct{}) bool {
		tm := time.NewTimer(b.o.SessionTimeout)
		defer tm.Stop()
		select {
		case <-ch:
			return true
		case <-tm.C:
		case <-ctx.Done():
		}
		return false
	}
	f.mu.Lock()
	armedCh := f.armedCh
	f.mu.Unlock()
	if !wait(armedCh) {
		return setupErr(sp.name, fmt.Errorf("only %d of %d watches set within %v (%d failures)", f.armed, n, b.o.SessionTimeout, armErrs.Load()))
	}
	res.SetupS = time.Since(t0).Seconds()
	from, to := b.window()
	var start resourceSample
	measuring := false
	var setErrs int64
	var kinds = map[string]int64{}
	for time.Now().Before(to) && ctx.Err() == nil {
		if !measuring && !time.Now().Before(from) {
			start = b.monitor.sample()
			from = time.Now()
			measuring = true
		}
		f.mu.Lock()
		f.armed, f.got = 0, 0
		f.armedCh, f.gotCh = make(chan struct{}), make(chan struct{})
		armedCh, gotCh := f.armedCh, f.gotCh
		f.measure = measuring
		f.t0 = time.Now()
		f.mu.Unlock()
		if err := writer.set(node, b.value); err != nil {
			if measuring {
				setErrs++
				kinds[err.Error()]++
			}
			if writer.terminal(err) {
				break
			}
			continue
		}
		if !wait(gotCh) || !wait(armedCh) {
			f.mu.Lock()
			missing := int64(f.n - f.got)
			f.mu.Unlock()
			if missing > 0 {
				setErrs += missing
				kinds["watch event not delivered"] += missing
			} else {
				kinds["watch not set again"]++
				setErrs++
			}
			res.Notes = append(res.Notes, "stopped early: a round did not complete within the session timeout")
			break
		}
	}
	var st runStats
	if measuring {
		// The interval runs from the first measured round's start to the
		// end of the last one.
		st.res = diff(start, b.monitor.sample())
		st.elapsed = time.Since(from)
	}
	st.hist = newHist()
	for _, sh := range shards {
		sh.mu.Lock()
		st.hist.Merge(sh.h)
		st.ops += sh.ops
		sh.mu.Unlock()
	}
	st.errs = setErrs
	st.kinds = kinds
	res.fill(st)
	return ctx.Err()
}

// churn measures session churn: Clients goroutines each connect a new
// session, create an ephemeral znode and close the session, over and
// over. One operation is the whole cycle.
func (b *Runner) churn(ctx context.Context, sp spec, res *Result, t0 time.Time) error {
	res.Outstanding = 1
	dir := b.path("churn")
	if err := b.ensure(b.o.Root, dir); err != nil {
		return setupErr(sp.name, err)
	}
	res.SetupS = time.Since(t0).Seconds()
	from, to := b.window()
	return b.loops(ctx, res, from, to, func(sh *shard, rec func(time.Time, error) bool, seq func() int64) {
		for {
			start := time.Now()
			c, err := dial(&b.o)
			if err == nil {
				_, err = c.create(dir+"/"+strconv.FormatInt(seq(), 10), b.value, zk.ModeEphemeral)
				c.close()
			}
			if !rec(start, err) {
				return
			}
		}
	})
}

// loops runs Clients goroutines of body until the window closes and fills
// res. body calls rec after each operation with its start time and
// outcome; rec returns false when body must stop.
func (b *Runner) loops(ctx context.Context, res *Result, from, to time.Time,
	body func(sh *shard, rec func(time.Time, error) bool, seq func() int64)) error {
	n := b.o.Clients
	nsh := min(n, maxShards)
	shards := make([]*shard, nsh)
	for i := range shards {
		shards[i] = &shard{h: newHist()}
	}
	var mu sync.Mutex
	kinds := map[string]int64{}
	var seqN atomic.Int64
	seq := func() int64 { return seqN.Add(1) }
	var wg sync.WaitGroup
	for i := range n {
		sh := shards[i%nsh]
		wg.Add(1)
		go func() {
			defer wg.Done()
			inRow := 0
			rec := func(start time.Time, err error) bool {
				now := time.Now()
				if !now.Before(from) && now.Before(to) {
					if err == nil {
						sh.record(now.Sub(start))
					} else {
						sh.mu.Lock()
						sh.errs++
						sh.mu.Unlock()
						mu.Lock()
						kinds[err.Error()]++
						mu.Unlock()
					}
				}
				if err != nil {
					inRow++
				} else {
					inRow = 0
				}
				return now.Before(to) && ctx.Err() == nil && inRow < maxErrsInRow
			}
			body(sh, rec, seq)
		}()
	}
	start := resourceSample{}
	if d := time.Until(from); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	start = b.monitor.sample()
	if d := time.Until(to); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	end := b.monitor.sample()
	wg.Wait()
	st := runStats{res: diff(start, end), elapsed: to.Sub(from), hist: newHist(), kinds: kinds}
	for _, sh := range shards {
		sh.mu.Lock()
		st.hist.Merge(sh.h)
		st.ops += sh.ops
		st.errs += sh.errs
		sh.mu.Unlock()
	}
	res.fill(st)
	return ctx.Err()
}

// lock runs ZooKeeper's lock recipe with Clients contenders (each on its
// own load session): create an ephemeral sequential znode under the lock
// node, list the children, own the lock if ours is the lowest, otherwise
// watch the next lower one and look again when it goes. The lock is
// released (the znode deleted) as soon as it is held. One operation is one
// acquisition; its latency runs from the create being sent to holding
// the lock.
func (b *Runner) lock(ctx context.Context, sp spec, res *Result, t0 time.Time) error {
	res.Outstanding = 1
	dir := b.path("lock")
	if err := b.ensure(b.o.Root, dir); err != nil {
		return setupErr(sp.name, err)
	}
	res.SetupS = time.Since(t0).Seconds()
	from, to := b.window()
	var next atomic.Int64
	return b.loops(ctx, res, from, to, func(sh *shard, rec func(time.Time, error) bool, _ func() int64) {
		c := b.sessions[int(next.Add(1)-1)%len(b.sessions)].c
		for {
			start := time.Now()
			mine, err := b.acquire(ctx, c, dir, to)
			if err == nil {
				if derr := c.del(mine); derr != nil {
					err = fmt.Errorf("release: %w", derr)
				}
			}
			if !rec(start, err) {
				return
			}
		}
	})
}

// errGaveUp is acquire giving up at the end of the window.
var errGaveUp = errors.New("bench: lock not acquired before the end")

// acquire takes the lock under dir and returns the path of our znode.
func (b *Runner) acquire(ctx context.Context, c conn, dir string, deadline time.Time) (string, error) {
	mine, err := c.create(dir+"/lock-", nil, zk.ModeEphemeralSequential)
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	name := mine[strings.LastIndexByte(mine, '/')+1:]
	giveUp := func(err error) (string, error) {
		c.del(mine)
		return "", err
	}
	for {
		kids, err := c.children(dir)
		if err != nil {
			return giveUp(fmt.Errorf("children: %w", err))
		}
		sort.Strings(kids) // same prefix, ten-digit sequence numbers
		i := sort.SearchStrings(kids, name)
		if i == len(kids) || kids[i] != name {
			return giveUp(errors.New("our lock znode is gone"))
		}
		if i == 0 {
			return mine, nil
		}
		fired := make(chan struct{})
		var once sync.Once
		ok, err := c.existsW(dir+"/"+kids[i-1], func() { once.Do(func() { close(fired) }) })
		if err != nil {
			return giveUp(fmt.Errorf("exists: %w", err))
		}
		if !ok {
			continue // the predecessor went already: look again
		}
		// Past the window, give up (the others are giving up too).
		tm := time.NewTimer(time.Until(deadline) + b.o.SessionTimeout)
		select {
		case <-fired:
			tm.Stop()
		case <-tm.C:
			return giveUp(errGaveUp)
		case <-ctx.Done():
			tm.Stop()
			return giveUp(ctx.Err())
		}
	}
}

// ramp raises the requests outstanding per session step by step
// (RampSteps) under RampOp's request stream and reports throughput and
// latency per step, and the knee (see Knee): the step after which
// throughput stops growing while p99 climbs steeply. The result's
// top-level figures are the knee step's.
func (b *Runner) ramp(ctx context.Context, sp spec, res *Result, t0 time.Time) error {
	op, _ := parseSpec(b.o.RampOp)
	gen, err := b.setupSteady(ctx, op, res)
	if err != nil {
		return setupErr(sp.name, err)
	}
	if op.readPct >= 0 {
		p := op.readPct
		res.ReadPercent = &p
	}
	res.SetupS = time.Since(t0).Seconds()
	steps := b.o.RampSteps
	stepDur := max(b.o.Duration/time.Duration(len(steps)), time.Second)
	warm := min(b.o.Warmup, stepDur/4)
	res.WarmupS = warm.Seconds() * float64(len(steps))
	res.Notes = append(res.Notes, fmt.Sprintf("ramp of %s: %d steps of %v (+%v warm-up each)", b.o.RampOp, len(steps), stepDur, warm))
	var stats []runStats
	total := 0.0
	for _, out := range steps {
		if ctx.Err() != nil {
			break
		}
		from := time.Now().Add(warm)
		st := b.execute(ctx, b.sessions, out, gen, from, from.Add(stepDur), nil)
		var r Result
		r.fill(st)
		s := Step{Clients: len(b.sessions), Outstanding: out, InFlight: len(b.sessions) * out, Ops: r.Ops, Errors: r.Errors,
			OpsPerSec: r.OpsPerSec, P50Ms: r.P50Ms, P99Ms: r.P99Ms, P999Ms: r.P999Ms, CPUPerOpUs: r.ServerCPUPerOpUs,
			DurationS: r.DurationS}
		b.logf("ramp: %d in flight: %.0f ops/s, p99 %s ms", s.InFlight, s.OpsPerSec, fmtMs(s.P99Ms))
		res.Steps = append(res.Steps, s)
		stats = append(stats, st)
		total += r.DurationS
	}
	if len(stats) == 0 {
		return ctx.Err()
	}
	k, found := Knee(res.Steps)
	knee := res.Steps[k]
	res.Knee, res.KneeFound = &knee, &found
	// The top-level figures are the knee's; errors count every step.
	notes, steps2 := res.Notes, res.Steps
	res.fill(stats[k])
	res.Notes, res.Steps = notes, steps2
	res.Outstanding = knee.Outstanding
	var errs int64
	kinds := map[string]int64{}
	for _, st := range stats {
		errs += st.errs
		for k, v := range st.kinds {
			kinds[k] += v
		}
	}
	res.Errors = errs
	if len(kinds) > 0 {
		res.ErrorKinds = kinds
	}
	return ctx.Err()
}

// load creates Keys znodes of ValueSize bytes, 1,000 per parent, as fast
// as the pipelines go, and reports the create rate and the server's
// memory afterwards. With Keep the znodes stay (to time a restart); the
// last one is LoadPath(Keys-1).
func (b *Runner) load(ctx context.Context, sp spec, res *Result, t0 time.Time) error {
	n := b.o.Keys
	groups := (n + loadGroup - 1) / loadGroup
	if err := b.ensure(b.o.Root, b.path("load")); err != nil {
		return setupErr(sp.name, err)
	}
	if err := b.createMany(ctx, groups, func(g int) string { return b.path("load", "g"+strconv.Itoa(g)) }, nil); err != nil {
		return setupErr(sp.name, err)
	}
	res.SetupS = time.Since(t0).Seconds()
	res.WarmupS = 0
	b.logf("load: creating %d znodes of %d bytes", n, b.o.ValueSize)
	var next atomic.Int64
	gen := func(s *slot) bool {
		i := next.Add(1) - 1
		if i >= int64(n) {
			return false
		}
		s.op, s.path, s.data, s.mode = opCreate, LoadPath(b.o.Root, int(i)), b.value, zk.ModePersistent
		return true
	}
	now := time.Now()
	st := b.execute(ctx, b.sessions, b.o.Outstanding, gen, now, now.Add(24*time.Hour), nil)
	res.fill(st)
	res.Notes = append(res.Notes, "last znode: "+LoadPath(b.o.Root, n-1))
	return ctx.Err()
}

// loadGroup is the number of znodes per parent of the load workload.
const loadGroup = 1000

// LoadPath is the path of the load workload's znode i under root.
func LoadPath(root string, i int) string {
	return root + "/load/g" + strconv.Itoa(i/loadGroup) + "/" + strconv.Itoa(i%loadGroup)
}
