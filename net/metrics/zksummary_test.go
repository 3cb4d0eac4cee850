package metrics

import (
	"math"
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	for _, tc := range []struct {
		v      float64
		bucket int
	}{
		{0, 0},
		{-1, 0},
		{math.NaN(), 0},
		{1e-9, 1},
		{0.0009765624, 1},
		{0.0009765625, 2}, // 2^-10
		{1, 2 + 10*subBuckets},
		{1.0624, 2 + 10*subBuckets},
		{1.0625, 3 + 10*subBuckets},
		{1.999, 1 + 11*subBuckets},
		{2, 2 + 11*subBuckets},
		{1 << 30, numBuckets - 1},
		{math.Inf(1), numBuckets - 1},
	} {
		if got := bucketOf(tc.v); got != tc.bucket {
			t.Errorf("bucketOf(%v) = %d, want %d", tc.v, got, tc.bucket)
		}
	}
	// Buckets tile the range: each starts where the one before ends.
	for i := 2; i < numBuckets-1; i++ {
		_, prevHi := bounds(i - 1)
		lo, hi := bounds(i)
		if lo != prevHi || hi <= lo || bucketOf(lo) != i || bucketOf(math.Nextafter(hi, 0)) != i {
			t.Fatalf("bucket %d: [%v, %v), previous ends at %v", i, lo, hi, prevHi)
		}
	}
}

func FuzzBucketOf(f *testing.F) {
	for _, v := range []float64{0, 1e-4, 1, 1.5, 1000, 1e12} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		i := bucketOf(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketOf(%v) = %d", v, i)
		}
		lo, hi := bounds(i)
		switch {
		case i == 0:
			if v > 0 {
				t.Fatalf("bucketOf(%v) = 0", v)
			}
		case i == numBuckets-1:
			if !(v >= lo) {
				t.Fatalf("bucketOf(%v) = overflow, from %v", v, lo)
			}
		case !(v >= lo && v < hi):
			t.Fatalf("bucketOf(%v) = %d: [%v, %v)", v, i, lo, hi)
		}
	})
}

func TestQuantileAccuracy(t *testing.T) {
	s := newZKSummary("x", []float64{0.5, 0.9, 0.99})
	for i := 1; i <= 10000; i++ {
		s.Observe(float64(i) / 100) // 0.01 .. 100
	}
	count, sum, q := s.snapshot()
	if count != 10000 || math.Abs(sum-500050) > 1e-6 {
		t.Errorf("count %d sum %v", count, sum)
	}
	for quant, want := range map[float64]float64{0.5: 50, 0.9: 90, 0.99: 99} {
		if got := q[quant]; !near(got, want) {
			t.Errorf("quantile %v = %v, want %v within %v%%", quant, got, want, 100.0/subBuckets)
		}
	}
}

func TestEmptySummary(t *testing.T) {
	count, sum, q := newZKSummary("x", []float64{0.5}).snapshot()
	if count != 0 || sum != 0 || !math.IsNaN(q[0.5]) {
		t.Errorf("empty: %d %v %v", count, sum, q)
	}
}

func TestAgeBuckets(t *testing.T) {
	s := newZKSummary("x", []float64{0.5})
	s.Observe(100)
	if _, _, q := s.snapshot(); !near(q[0.5], 100) {
		t.Fatalf("median %v, want 100", q[0.5])
	}
	// 8 minutes on: the first value is still in the window.
	for range 4 {
		s.advance()
	}
	s.Observe(1)
	s.Observe(1)
	if _, _, q := s.snapshot(); !near(q[0.5], 1) {
		t.Fatalf("median %v, want 1", q[0.5])
	}
	// 10 minutes on: it has aged out, but count and sum keep it.
	s.advance()
	s.Observe(10)
	s.Observe(10)
	s.Observe(10)
	count, sum, q := s.snapshot()
	if count != 6 || sum != 132 {
		t.Errorf("count %d sum %v, want 6, 132", count, sum)
	}
	if !near(q[0.5], 10) { // 1, 1, 10, 10, 10
		t.Errorf("median %v, want 10", q[0.5])
	}
	// 10 more minutes: nothing left in the window.
	for range ageBuckets {
		s.advance()
	}
	if _, _, q := s.snapshot(); !math.IsNaN(q[0.5]) {
		t.Errorf("everything aged out, median %v", q[0.5])
	}
}

func TestAger(t *testing.T) {
	a, b := newZKSummary("a", []float64{0.5}), newZKSummary("b", []float64{0.5})
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() { ager([]*zkSummary{a, b}, time.Millisecond, done); close(finished) }()
	deadline := time.Now().Add(5 * time.Second)
	for a.cur.Load() == 0 || b.cur.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("ager did not advance the summaries")
		}
		time.Sleep(time.Millisecond)
	}
	close(done)
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("ager did not stop")
	}
}
