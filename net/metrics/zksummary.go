package metrics

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// zkSummary is one of ZooKeeper's summaries, exposed as ZooKeeper's
// provider exposes it: TYPE summary, the configured quantiles over a
// window of the last 10 minutes (5 age buckets of 2 minutes), and _count
// and _sum over the process's life.
//
// It does not use prometheus.Summary, whose Observe costs some 650 ns (a
// clock read, a mutex and five quantile streams). Observe here is a few
// atomic adds into a log-linear histogram of the current age bucket;
// quantiles are read off the histogram at scrape time, interpolating
// within a bucket, so a quantile is within one bucket width (1/16 of its
// power of two, about 6%) of the exact value. Age buckets move on every
// two minutes, by advance (see ager).
type zkSummary struct {
	desc      *prometheus.Desc
	quantiles []float64

	count   atomic.Uint64
	sumBits atomic.Uint64 // float64
	cur     atomic.Uint32 // index of the age bucket Observe writes
	ages    [ageBuckets]ageBucket

	mu sync.Mutex // serialises advance and snapshot
}

const (
	ageBuckets = 5
	maxAge     = 10 * time.Minute
	ageWidth   = maxAge / ageBuckets

	subBuckets = 16  // per power of two
	minExp     = -10 // values below 2^-10 (~0.001) share one bucket
	maxExp     = 30  // values from 2^30 (~1e9) up share one bucket
	// bucket 0 holds values <= 0, 1 holds (0, 2^minExp), then
	// subBuckets per power of two, then one for 2^maxExp and up.
	numBuckets = 2 + (maxExp-minExp)*subBuckets + 1
)

type ageBucket struct {
	counts [numBuckets]atomic.Uint64
}

func newZKSummary(name string, quantiles []float64) *zkSummary {
	return &zkSummary{
		desc:      prometheus.NewDesc(name, name, nil, nil),
		quantiles: quantiles,
	}
}

// bucketOf returns the index of the bucket holding v.
func bucketOf(v float64) int {
	switch {
	case !(v > 0): // also NaN
		return 0
	case v < 1.0/(1<<-minExp):
		return 1
	case v >= 1<<maxExp:
		return numBuckets - 1
	}
	frac, exp := math.Frexp(v) // v = frac * 2^exp, frac in [0.5, 1)
	sub := int((frac*2 - 1) * subBuckets)
	return 2 + (exp-1-minExp)*subBuckets + sub
}

// bounds returns the lower and upper bound of bucket i.
func bounds(i int) (lo, hi float64) {
	switch i {
	case 0:
		return 0, 0
	case 1:
		return 0, math.Ldexp(1, minExp)
	case numBuckets - 1:
		return math.Ldexp(1, maxExp), math.Ldexp(1, maxExp)
	}
	i -= 2
	base := math.Ldexp(1, minExp+i/subBuckets)
	sub := float64(i % subBuckets)
	return base * (1 + sub/subBuckets), base * (1 + (sub+1)/subBuckets)
}

// Observe records v. It neither allocates nor locks.
func (s *zkSummary) Observe(v float64) {
	s.ages[s.cur.Load()].counts[bucketOf(v)].Add(1)
	for {
		old := s.sumBits.Load()
		if s.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			break
		}
	}
	s.count.Add(1)
}

// advance moves Observe on to the oldest age bucket, emptied: what it held
// is now older than maxAge.
func (s *zkSummary) advance() {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := (s.cur.Load() + 1) % ageBuckets
	s.clear(int(next))
	s.cur.Store(next)
}

func (s *zkSummary) clear(i int) {
	for j := range s.ages[i].counts {
		s.ages[i].counts[j].Store(0)
	}
}

// snapshot returns the count and sum over the summary's life and the
// quantiles over the window.
func (s *zkSummary) snapshot() (count uint64, sum float64, quantiles map[float64]float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var merged [numBuckets]uint64
	var total uint64
	for i := range s.ages {
		for j := range s.ages[i].counts {
			c := s.ages[i].counts[j].Load()
			merged[j] += c
			total += c
		}
	}
	quantiles = make(map[float64]float64, len(s.quantiles))
	for _, q := range s.quantiles {
		quantiles[q] = quantileOf(&merged, total, q)
	}
	return s.count.Load(), math.Float64frombits(s.sumBits.Load()), quantiles
}

// quantileOf estimates the q-quantile of the histogram: the value of rank
// q*total, interpolated linearly within its bucket. It is NaN when the
// histogram is empty, as an empty summary's quantiles are.
func quantileOf(counts *[numBuckets]uint64, total uint64, q float64) float64 {
	if total == 0 {
		return math.NaN()
	}
	rank := q * float64(total)
	var cum float64
	for i, c := range counts {
		if c == 0 {
			continue
		}
		next := cum + float64(c)
		if next >= rank {
			lo, hi := bounds(i)
			return lo + (hi-lo)*math.Max(0, rank-cum)/float64(c)
		}
		cum = next
	}
	lo, _ := bounds(numBuckets - 1)
	return lo
}

func (s *zkSummary) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

func (s *zkSummary) Collect(ch chan<- prometheus.Metric) {
	count, sum, quantiles := s.snapshot()
	ch <- prometheus.MustNewConstSummary(s.desc, count, sum, quantiles)
}

// ager advances every summary once per ageWidth, until done is closed.
func ager(summaries []*zkSummary, every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			for _, s := range summaries {
				s.advance()
			}
		case <-done:
			return
		}
	}
}
