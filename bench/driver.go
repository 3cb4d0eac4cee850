package bench

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/paddockdb/paddock/zk"
)

// opKind is the request a slot sends.
type opKind uint8

const (
	opGetData opKind = iota
	opSetData
	opExists
	opCreate
	opDelete
	opChildren
)

// Histogram range: 1 µs to 100 s, three significant digits.
const (
	histMin     = 1
	histMax     = 100_000_000
	histSigFigs = 3
	maxShards   = 16 // histograms per run (each ~150 KB)
)

func newHist() *hdr.Histogram { return hdr.New(histMin, histMax, histSigFigs) }

// shard is a latency histogram and its counters, shared by a few
// sessions.
type shard struct {
	mu   sync.Mutex
	h    *hdr.Histogram
	ops  int64
	errs int64
}

func (sh *shard) record(d time.Duration) {
	us := d.Microseconds()
	if us < histMin {
		us = histMin
	}
	if us > histMax {
		us = histMax
	}
	sh.mu.Lock()
	sh.h.RecordValue(us)
	sh.ops++
	sh.mu.Unlock()
}

// session is one load session.
type session struct {
	c conn
}

// slot is one outstanding request of a session: it issues the next
// request from the completion of the previous one (a closed loop).
type slot struct {
	run   *run
	sess  *session
	shard *shard
	rng   *rand.Rand

	// The request being sent.
	op   opKind
	path string
	data []byte
	mode int32
	t0   time.Time

	errsInRow int

	// Records reused by the native client, one request at a time.
	getReq       zk.GetDataRequest
	getResp      zk.GetDataResponse
	setReq       zk.SetDataRequest
	setResp      zk.SetDataResponse
	existsReq    zk.ExistsRequest
	existsResp   zk.ExistsResponse
	createReq    zk.CreateRequest
	deleteReq    zk.DeleteRequest
	childrenReq  zk.GetChildren2Request
	childrenResp zk.GetChildren2Response
	cb           func(int64, error)
}

// maxErrsInRow stops a slot that keeps failing (its session is in
// trouble; carrying on would only spin).
const maxErrsInRow = 1000

// run is one execution of a request stream over a set of sessions.
type run struct {
	gen func(s *slot) bool // prepares s's next request; false: none left
	// onError, if not nil, sees every failed request; it returns true
	// when the failure is expected (not counted as an error).
	onError func(s *slot, code zk.Code) bool
	from    time.Time // completions in [from, to) are measured
	to      time.Time
	stop    atomic.Bool
	wg      sync.WaitGroup
	shards  []*shard

	mu    sync.Mutex
	kinds map[string]int64 // measured errors by message
	first error            // the first measured error
}

// finish is a request's completion: it is measured, and the slot's next
// request is sent unless the run is over.
func (s *slot) finish(err error) {
	r := s.run
	now := time.Now()
	if err != nil && r.onError != nil && r.onError(s, s.sess.c.code(err)) {
		err = nil
	}
	if !now.Before(r.from) && now.Before(r.to) {
		if err == nil {
			s.shard.record(now.Sub(s.t0))
		} else {
			s.shard.mu.Lock()
			s.shard.errs++
			s.shard.mu.Unlock()
			r.mu.Lock()
			r.kinds[err.Error()]++
			if r.first == nil {
				r.first = err
			}
			r.mu.Unlock()
		}
	}
	if err != nil {
		s.errsInRow++
	} else {
		s.errsInRow = 0
	}
	if (err != nil && s.sess.c.terminal(err)) || s.errsInRow >= maxErrsInRow ||
		r.stop.Load() || !now.Before(r.to) || !r.gen(s) {
		r.wg.Done()
		return
	}
	s.t0 = time.Now()
	s.sess.c.start(s)
}

// runStats is what a finished run measured.
type runStats struct {
	ops, errs int64
	kinds     map[string]int64
	first     error
	hist      *hdr.Histogram
	elapsed   time.Duration // the measured interval (shorter when the stream ran dry)
	res       resources     // server and client CPU and memory over it
	timedOut  bool          // requests were still outstanding at the grace deadline
}

// drainGrace is how long a run waits past its end for outstanding
// requests.
const drainGrace = 60 * time.Second

// execute runs gen's requests over sessions with perSession requests
// outstanding on each, measuring completions between from and to; it
// returns when every slot has stopped (or ctx ends).
func (b *Runner) execute(ctx context.Context, sessions []*session, perSession int, gen func(*slot) bool,
	from, to time.Time, onError func(*slot, zk.Code) bool) runStats {
	r := &run{gen: gen, onError: onError, from: from, to: to, kinds: map[string]int64{}}
	nsh := min(len(sessions), maxShards)
	for range nsh {
		r.shards = append(r.shards, &shard{h: newHist()})
	}
	var slots []*slot
	for i, se := range sessions {
		if g, ok := se.c.(*gozkConn); ok {
			g.ensureWorkers(perSession)
		}
		for j := range perSession {
			s := &slot{run: r, sess: se, shard: r.shards[i%nsh],
				rng: rand.New(rand.NewPCG(uint64(i)+1, uint64(j)+1))}
			s.cb = func(_ int64, err error) { s.finish(err) }
			slots = append(slots, s)
		}
	}
	done := make(chan struct{})
	// Count every slot before any starts: a fast completion must not
	// bring the count to zero early.
	r.wg.Add(len(slots))
	for _, s := range slots {
		if !gen(s) {
			r.wg.Done()
			continue
		}
		s.t0 = time.Now()
		s.sess.c.start(s)
	}
	go func() {
		r.wg.Wait()
		close(done)
	}()

	var st runStats
	// waitUntil returns false when the run ended (or ctx did) first.
	waitUntil := func(t time.Time) bool {
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
			return true
		case <-done:
			return false
		case <-ctx.Done():
			r.stop.Store(true)
			return false
		}
	}
	if waitUntil(from) {
		start := b.monitor.sample()
		end := to
		if !waitUntil(to) {
			end = time.Now() // the stream ran dry: the interval ends here
		}
		st.res = diff(start, b.monitor.sample())
		st.elapsed = end.Sub(from)
	}
	select {
	case <-done:
	default:
		// Past the end: let outstanding requests finish.
		tm := time.NewTimer(drainGrace)
		select {
		case <-done:
		case <-tm.C:
			st.timedOut = true
			r.stop.Store(true)
		case <-ctx.Done():
			r.stop.Store(true)
		}
		tm.Stop()
	}

	st.hist = newHist()
	for _, sh := range r.shards {
		sh.mu.Lock()
		st.hist.Merge(sh.h)
		st.ops += sh.ops
		st.errs += sh.errs
		sh.mu.Unlock()
	}
	r.mu.Lock()
	st.kinds, st.first = r.kinds, r.first
	r.mu.Unlock()
	return st
}
