package txnlog

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestAppendReplay(t *testing.T) {
	m := newMemFS(t)
	l, info := openLog(t, m, nil)
	if info != (RecoveryInfo{}) {
		t.Fatalf("empty log: %+v", info)
	}
	if got := replayAll(t, l, 0); len(got) != 0 {
		t.Fatalf("empty log replays %v", got)
	}
	recs := sampleRecords()
	for _, r := range recs {
		if err := l.Append(r.index, r.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Replay(0, func(uint64, []byte) error { return nil }); !errors.Is(err, ErrReplayAfterAppend) {
		t.Fatalf("Replay after Append: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(0x200000000, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if err := l.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	// Close made everything durable.
	l, info = openLog(t, m.Crash(), nil)
	defer l.Close()
	if info.FirstIndex != 1 || info.LastIndex != 0x100000002 || info.Records != int64(len(recs)) || info.Segments != 1 || info.TornTail {
		t.Fatalf("info %+v", info)
	}
	checkRecords(t, replayAll(t, l, 0), recs)
	for _, tc := range []struct {
		after uint64
		want  []rec
	}{
		{0, recs}, {1, recs[1:]}, {3, recs[3:]}, {4, recs[4:]}, {5, recs[4:]}, {0x100000001, recs[5:]}, {0x100000002, nil}, {^uint64(0), nil},
	} {
		t.Run(fmt.Sprint("after ", tc.after), func(t *testing.T) {
			checkRecords(t, replayAll(t, l, tc.after), tc.want)
		})
	}
	// fn's error stops the replay and comes back as is.
	stop := errors.New("stop")
	n := 0
	if err := l.Replay(0, func(uint64, []byte) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("Replay returned %v after %d calls", err, n)
	}
}

func TestAppendErrors(t *testing.T) {
	l, _ := openLog(t, newMemFS(t), nil)
	defer l.Close()
	if err := l.Append(0, nil); !errors.Is(err, ErrIndexOrder) {
		t.Fatalf("index 0: %v", err)
	}
	if err := l.Append(5, nil); err != nil {
		t.Fatal(err)
	}
	for _, idx := range []uint64{5, 4} {
		if err := l.Append(idx, nil); !errors.Is(err, ErrIndexOrder) {
			t.Fatalf("index %d after 5: %v", idx, err)
		}
	}
	if err := l.Append(6, make([]byte, MaxRecordSize+1)); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if err := l.WaitDurable(7); err == nil {
		t.Fatal("WaitDurable of an index never appended")
	}
	if err := l.WaitDurable(5); err != nil {
		t.Fatal(err)
	}
	if l.LastIndex() != 5 || l.DurableIndex() != 5 {
		t.Fatalf("LastIndex %d DurableIndex %d", l.LastIndex(), l.DurableIndex())
	}
}

// TestDataCopied: Append copies data before it returns.
func TestDataCopied(t *testing.T) {
	m := newMemFS(t)
	l, _ := openLog(t, m, nil)
	buf := []byte("original")
	l.Append(1, buf)
	copy(buf, "clobber!")
	l.Close()
	l, _ = openLog(t, m, nil)
	defer l.Close()
	checkRecords(t, replayAll(t, l, 0), []rec{{1, []byte("original")}})
}

// TestCrashLosesOnlyUnreported simulates power loss at random moments
// while appends stream in: every record OnDurable reported before the
// crash survives, and what survives is a prefix of what was appended.
func TestCrashLosesOnlyUnreported(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			m := newMemFS(t)
			tr := newTracker()
			l, _ := openLog(t, m, func(c *Config) {
				c.SegmentSize = int64(256 + rng.IntN(4096))
				c.OnDurable = tr.onDurable
				c.Logger = slog.New(slog.DiscardHandler)
			})
			var recs []rec
			crashAfter := 50 + rng.IntN(400)
			var crashed *MemFS
			var durableAtCrash uint64
			for i := uint64(1); i <= 600; i++ {
				r := rec{i, testData(i, rng.IntN(300))}
				if err := l.Append(r.index, r.data); err != nil {
					t.Fatal(err)
				}
				recs = append(recs, r)
				if rng.IntN(8) == 0 {
					time.Sleep(time.Duration(rng.IntN(50)) * time.Microsecond)
				}
				if int(i) == crashAfter {
					// NB: read what was reported before taking the snapshot.
					durableAtCrash, _ = tr.state()
					crashed = m.Crash()
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			tr.check(t)
			l2, info := openLog(t, crashed, func(c *Config) { c.Logger = slog.New(slog.DiscardHandler) })
			defer l2.Close()
			got := replayAll(t, l2, 0)
			if uint64(len(got)) < durableAtCrash {
				t.Fatalf("%d records survived, %d were reported durable", len(got), durableAtCrash)
			}
			checkRecords(t, got, recs[:len(got)])
			t.Logf("crash after %d appends: %d reported durable, %d survived, info %+v", crashAfter, durableAtCrash, len(got), info)
		})
	}
}

// TestFsyncErrorSticky: an fsync error reaches OnDurable once, Append fails
// from then on, and the error is not retried away.
func TestFsyncErrorSticky(t *testing.T) {
	for _, op := range []string{OpSync, OpWrite, OpSyncDir, OpRename} {
		t.Run(op, func(t *testing.T) {
			m := newMemFS(t)
			tr := newTracker()
			l, _ := openLog(t, m, func(c *Config) { c.OnDurable = tr.onDurable; c.SegmentSize = 300 })
			for i := uint64(1); i <= 10; i++ {
				l.Append(i, testData(i, 40))
				if err := l.WaitDurable(i); err != nil {
					t.Fatal(err)
				}
			}
			eio := syscall.EIO
			m.InjectError(op, "log", eio)
			var err error
			i := uint64(11)
			for ; i < 100 && err == nil; i++ {
				if err = l.Append(i, testData(i, 40)); err == nil {
					err = l.WaitDurable(i)
				}
			}
			if !errors.Is(err, eio) {
				t.Fatalf("append/wait: %v, want EIO", err)
			}
			_, derr := tr.state()
			if !errors.Is(derr, eio) {
				t.Fatalf("OnDurable error %v", derr)
			}
			// Even with the disk healthy again, the log stays failed.
			m.ClearErrors()
			if err := l.Append(1000, nil); !errors.Is(err, eio) {
				t.Fatalf("Append after the failure: %v", err)
			}
			if !errors.Is(l.Err(), eio) {
				t.Fatalf("Err() = %v", l.Err())
			}
			if err := l.Close(); !errors.Is(err, eio) {
				t.Fatalf("Close: %v", err)
			}
			tr.check(t)
			// Whatever was reported durable is there after a crash.
			durable, _ := tr.state()
			l2, _ := openLog(t, m.Crash(), nil)
			defer l2.Close()
			if got := l2.LastIndex(); got < durable {
				t.Fatalf("LastIndex %d after a crash, %d reported durable", got, durable)
			}
		})
	}
}

// TestPreallocFailureNotFatal: a failing background preallocation only
// makes the roll create its file inline.
func TestPreallocFailureNotFatal(t *testing.T) {
	m := newMemFS(t)
	m.InjectError(OpPreallocate, "prealloc", syscall.ENOSPC)
	l, _ := openLog(t, m, func(c *Config) { c.SegmentSize = 200 })
	for i := uint64(1); i <= 20; i++ {
		l.Append(i, testData(i, 50))
		if err := l.WaitDurable(i); err != nil {
			t.Fatal(err)
		}
	}
	st := l.Stats()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st.Rolls < 3 || st.RollsUnprepared != st.Rolls {
		t.Fatalf("stats %+v", st)
	}
}

func TestRollingAndReplay(t *testing.T) {
	m := newMemFS(t)
	l, _ := openLog(t, m, func(c *Config) { c.SegmentSize = 1024; c.PreAllocSize = 4096 })
	var recs []rec
	idx := uint64(0)
	for i := range 300 {
		idx += 1 + uint64(i%3) // gaps
		r := rec{idx, testData(idx, i%200)}
		recs = append(recs, r)
		if err := l.Append(r.index, r.data); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			l.WaitDurable(r.index)
		}
	}
	if err := l.WaitDurable(idx); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs := segmentFiles(t, m)
	if len(segs) < 5 || st.Rolls != uint64(len(segs)) || st.Segments != len(segs) {
		t.Fatalf("%d segments %v, stats %+v", len(segs), segs, st)
	}
	t.Logf("%d segments, stats %+v", len(segs), st)
	// Every segment is named after its first record, and was preallocated.
	for _, s := range segs {
		first, _ := parseSegmentName(s)
		var got uint64
		ReadDir(m, testDir, func(seg string, _ int64, index uint64, _ []byte) error {
			if seg == s && got == 0 {
				got = index
			}
			return nil
		})
		if got != first {
			t.Fatalf("segment %s starts with index %d", s, got)
		}
		if p := m.Preallocated(filepath.Join(testDir, s)); p != 4096 && st.RollsUnprepared == 0 {
			t.Fatalf("segment %s preallocated to %d", s, p)
		}
	}
	names, _ := m.ReadDir(testDir)
	for _, n := range names {
		if strings.HasSuffix(n, tmpSuffix) {
			t.Fatalf("%s left after Close", n)
		}
	}
	// Reopen (after a crash: Close made it all durable) and replay from
	// everywhere.
	l, info := openLog(t, m.Crash(), nil)
	defer l.Close()
	if info.Segments != len(segs) || info.Records != int64(len(recs)) || info.LastIndex != idx {
		t.Fatalf("info %+v", info)
	}
	for _, k := range []int{0, 1, 50, 133, 298, 299} {
		after := uint64(0)
		if k > 0 {
			after = recs[k-1].index
		}
		checkRecords(t, replayAll(t, l, after), recs[k:])
		checkRecords(t, replayAll(t, l, after+1), recsAfter(recs, after+1))
	}
	// Verify agrees.
	rep, err := Verify(m, testDir)
	if err != nil || rep.Records != int64(len(recs)) || rep.FirstIndex != 1 || rep.LastIndex != idx || len(rep.Segments) != len(segs) || rep.TornTail != nil {
		t.Fatalf("Verify: %+v, %v", rep, err)
	}
}

// TestNewSegmentPerOpen: appends after Open go to a new segment, and the
// index order is kept across opens.
func TestNewSegmentPerOpen(t *testing.T) {
	m := newMemFS(t)
	var all []rec
	for round := range uint64(3) {
		l, info := openLog(t, m, nil)
		if info.Segments != int(round) {
			t.Fatalf("round %d: %+v", round, info)
		}
		for i := range uint64(5) {
			r := rec{round<<32 | (i + 1), testData(i, 10)}
			all = append(all, r)
			if err := l.Append(r.index, r.data); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Append(round<<32, nil); !errors.Is(err, ErrIndexOrder) && round > 0 {
			t.Fatalf("stale index accepted: %v", err)
		}
		l.Close()
	}
	l, _ := openLog(t, m, nil)
	defer l.Close()
	checkRecords(t, replayAll(t, l, 0), all)
	// A log opened and closed without appends creates nothing.
	if len(segmentFiles(t, m)) != 3 {
		t.Fatalf("segments %v", segmentFiles(t, m))
	}
}

func TestPurgeBefore(t *testing.T) {
	m := newMemFS(t)
	l, _ := openLog(t, m, func(c *Config) { c.SegmentSize = 256 })
	var recs []rec
	for i := uint64(1); i <= 100; i++ {
		r := rec{i, testData(i, 40)}
		recs = append(recs, r)
		l.Append(r.index, r.data)
		l.WaitDurable(r.index) // one record per batch: segments of 4 records
	}
	segs := segmentFiles(t, m)
	firsts := make([]uint64, len(segs))
	for i, s := range segs {
		firsts[i], _ = parseSegmentName(s)
	}
	t.Logf("segments start at %v", firsts)
	if removed, err := l.PurgeBefore(firsts[1]); err != nil || len(removed) != 1 || removed[0] != filepath.Join(testDir, segs[0]) {
		t.Fatalf("PurgeBefore(%d) = %v, %v", firsts[1], removed, err)
	}
	// keep inside the third segment (now the second): only the one before it.
	if removed, err := l.PurgeBefore(firsts[2] + 1); err != nil || len(removed) != 1 || removed[0] != filepath.Join(testDir, segs[1]) {
		t.Fatalf("PurgeBefore = %v, %v", removed, err)
	}
	if removed, err := l.PurgeBefore(firsts[2]); err != nil || len(removed) != 0 {
		t.Fatalf("PurgeBefore again = %v, %v", removed, err)
	}
	// Purging past the end keeps the current segment.
	removed, err := l.PurgeBefore(^uint64(0))
	if err != nil || len(removed) != len(segs)-3 {
		t.Fatalf("PurgeBefore(max) = %d removed, %v", len(removed), err)
	}
	if got := segmentFiles(t, m); len(got) != 1 || got[0] != segs[len(segs)-1] {
		t.Fatalf("left %v", got)
	}
	if st := l.Stats(); st.Segments != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The log goes on, and a crash keeps the purge.
	l.Append(101, nil)
	l.Close()
	l, info := openLog(t, m.Crash(), nil)
	defer l.Close()
	last := firsts[len(firsts)-1]
	want := append(recs[last-1:], rec{101, nil})
	if info.FirstIndex != last {
		t.Fatalf("info %+v", info)
	}
	checkRecords(t, replayAll(t, l, 0), want)
	// Right after Open, the last recovered segment is never purged either.
	before := segmentFiles(t, l.fs)
	removed, err = l.PurgeBefore(^uint64(0))
	if err != nil || len(removed) != len(before)-1 {
		t.Fatalf("PurgeBefore after reopen = %v, %v (segments were %v)", removed, err, before)
	}
	if got := segmentFiles(t, l.fs); len(got) != 1 || got[0] != before[len(before)-1] {
		t.Fatalf("left %v of %v", got, before)
	}
}

func recsAfter(recs []rec, after uint64) []rec {
	var out []rec
	for _, r := range recs {
		if r.index > after {
			out = append(out, r)
		}
	}
	return out
}

func TestPurgeError(t *testing.T) {
	m := newMemFS(t)
	l, _ := openLog(t, m, func(c *Config) { c.SegmentSize = 100 })
	defer l.Close()
	for i := uint64(1); i <= 6; i++ {
		l.Append(i, testData(i, 80))
		l.WaitDurable(i)
	}
	segs := segmentFiles(t, m)
	m.InjectError(OpRemove, segs[1], syscall.EACCES)
	removed, err := l.PurgeBefore(6)
	if !errors.Is(err, syscall.EACCES) || len(removed) != 1 {
		t.Fatalf("PurgeBefore = %v, %v", removed, err)
	}
	m.ClearErrors()
	removed, err = l.PurgeBefore(6)
	if err != nil || len(removed) != len(segs)-2 {
		t.Fatalf("PurgeBefore = %v, %v", removed, err)
	}
}

// TestConcurrentAppends: many goroutines append (an outer mutex hands out
// the indexes, as the server's sequencer does), under -race.
func TestConcurrentAppends(t *testing.T) {
	m := newMemFS(t)
	tr := newTracker()
	l, _ := openLog(t, m, func(c *Config) {
		c.OnDurable = tr.onDurable
		c.SegmentSize = 16 << 10
		c.Logger = slog.New(slog.DiscardHandler)
	})
	const writers, each = 8, 300
	var seq sync.Mutex
	var next uint64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				seq.Lock()
				next++
				idx := next
				err := l.Append(idx, testData(idx, 64+w))
				seq.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
				if i%10 == 0 {
					if err := l.WaitDurable(idx); err != nil {
						t.Error(err)
						return
					}
				}
				_ = l.Stats()
			}
		}()
	}
	// Purge concurrently, keeping everything (nothing below index 1).
	wg.Add(1)
	go func() {
		defer wg.Done()
		if removed, err := l.PurgeBefore(1); err != nil || len(removed) != 0 {
			t.Errorf("PurgeBefore(1) = %v, %v", removed, err)
		}
	}()
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	tr.check(t)
	if last, _ := tr.state(); last != writers*each {
		t.Fatalf("OnDurable last %d, want %d", last, writers*each)
	}
	st := l.Stats()
	t.Logf("stats %+v", st)
	if st.Appends != writers*each || st.BatchRecords != writers*each || st.Batches > st.Appends {
		t.Fatalf("stats %+v", st)
	}
	l, info := openLog(t, m.Crash(), nil)
	defer l.Close()
	if info.Records != writers*each {
		t.Fatalf("info %+v", info)
	}
	i := uint64(0)
	l.Replay(0, func(index uint64, data []byte) error {
		i++
		if index != i || !bytes.Equal(data[:16], testData(index, 16)) {
			t.Fatalf("record %d: index %d", i, index)
		}
		return nil
	})
}

// TestGroupCommit: appends queued while the disk is busy share one write
// and one fsync.
func TestGroupCommit(t *testing.T) {
	m := newMemFS(t)
	gate := make(chan struct{})
	var once sync.Once
	first := make(chan struct{})
	tr := newTracker()
	var batches []int // OnBatch's record counts; read after WaitDurable
	var batchMu sync.Mutex
	l, _ := openLog(t, m, func(c *Config) {
		c.OnBatch = func(records int, sync time.Duration) {
			batchMu.Lock()
			batches = append(batches, records)
			batchMu.Unlock()
		}
		c.OnDurable = func(index uint64, err error) {
			tr.onDurable(index, err)
			if index == 1 {
				once.Do(func() { close(first) })
				<-gate // hold the pipeline while more appends queue
			}
		}
	})
	l.Append(1, nil)
	<-first
	for i := uint64(2); i <= 101; i++ {
		l.Append(i, testData(i, 20))
	}
	close(gate)
	if err := l.WaitDurable(101); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	l.Close()
	if st.Batches != 2 || st.Syncs != 2 || st.MaxBatchRecords != 100 || st.LastBatchRecords != 100 {
		t.Fatalf("stats %+v", st)
	}
	batchMu.Lock()
	if fmt.Sprint(batches) != "[1 100]" {
		t.Errorf("OnBatch saw batches %v, want [1 100]", batches)
	}
	batchMu.Unlock()
	tr.check(t)
}

// TestCloseWaitsForDurability: Close returns after queued records are
// durable; OnDurable saw them.
func TestCloseWaitsForDurability(t *testing.T) {
	m := newMemFS(t)
	tr := newTracker()
	l, _ := openLog(t, m, func(c *Config) { c.OnDurable = tr.onDurable })
	for i := uint64(1); i <= 1000; i++ {
		l.Append(i, testData(i, 30))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if last, err := tr.state(); last != 1000 || err != nil {
		t.Fatalf("OnDurable last %d, %v", last, err)
	}
	l, info := openLog(t, m.Crash(), nil)
	l.Close()
	if info.LastIndex != 1000 {
		t.Fatalf("info %+v", info)
	}
}

// TestNoSync: records are reported after the write, nothing is synced, and
// a crash may lose them (that is the trade).
func TestNoSync(t *testing.T) {
	m := newMemFS(t)
	tr := newTracker()
	l, _ := openLog(t, m, func(c *Config) { c.NoSync = true; c.OnDurable = tr.onDurable })
	for i := uint64(1); i <= 10; i++ {
		l.Append(i, nil)
	}
	if err := l.WaitDurable(10); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	l.Close()
	if st.Syncs != 0 || st.SyncDirs != 0 || st.DurableIndex != 10 {
		t.Fatalf("stats %+v", st)
	}
	l, info := openLog(t, m.Crash(), nil)
	l.Close()
	if info.Records != 0 {
		t.Fatalf("unsynced records survived a crash in the model: %+v", info)
	}
	// Without a crash they are all there.
	l, info = openLog(t, m, nil)
	l.Close()
	if info.Records != 10 {
		t.Fatalf("info %+v", info)
	}
}

// TestSlowSyncWarning: a slow fsync logs ZooKeeper's warning.
func TestSlowSyncWarning(t *testing.T) {
	var buf syncBuffer
	l, _ := openLog(t, newMemFS(t), func(c *Config) {
		c.SlowSync = time.Nanosecond
		c.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	})
	l.Append(1, []byte("x"))
	l.WaitDurable(1)
	st := l.Stats()
	l.Close()
	if st.SlowSyncs != 1 || st.Syncs != 1 || st.MaxSync <= 0 {
		t.Fatalf("stats %+v", st)
	}
	if !strings.Contains(buf.String(), "fsync-ing the write ahead log in SyncThread:0 took ") ||
		!strings.Contains(buf.String(), "ms which will adversely effect operation latency. File size is 48 bytes. See the ZooKeeper troubleshooting guide") {
		t.Fatalf("log: %s", buf.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOnDurableMayAppend: OnDurable runs on the pipeline but may append.
func TestOnDurableMayAppend(t *testing.T) {
	m := newMemFS(t)
	var l *Log
	done := make(chan struct{})
	l, _ = openLog(t, m, func(c *Config) {
		c.OnDurable = func(index uint64, err error) {
			if index < 50 {
				if err := l.Append(index+1, nil); err != nil {
					t.Error(err)
				}
			} else if index == 50 {
				close(done)
			}
		}
	})
	l.Append(1, nil)
	<-done
	l.Close()
}

func TestOSFS(t *testing.T) {
	dir := t.TempDir()
	recs := sampleRecords()
	cfg := Config{Dir: filepath.Join(dir, "log"), Logger: testLogger(t), SegmentSize: 128, PreAllocSize: 64 << 10}
	l, _, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := l.Append(r.index, r.data); err != nil {
			t.Fatal(err)
		}
		if err := l.WaitDurable(r.index); err != nil {
			t.Fatal(err)
		}
	}
	st := l.Stats()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st.Syncs != uint64(len(recs)) || st.Rolls < 2 {
		t.Fatalf("stats %+v", st)
	}
	// Preallocation keeps the size: segments end at their last record.
	rep, err := Verify(OSFS(), cfg.Dir)
	if err != nil || rep.Records != int64(len(recs)) {
		t.Fatalf("Verify %+v, %v", rep, err)
	}
	for _, s := range rep.Segments {
		if s.Size != s.End {
			t.Fatalf("segment %+v: size differs from its end", s)
		}
	}
	l, info, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if info.Records != int64(len(recs)) || info.TornTail {
		t.Fatalf("info %+v", info)
	}
	checkRecords(t, replayAll(t, l, 0), recs)
}

// waitPrepared waits until the background goroutine has a file ready.
func waitPrepared(t *testing.T, m *MemFS) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		names, _ := m.ReadDir(testDir)
		for _, n := range names {
			if strings.HasPrefix(n, preallocPrefix) {
				return n
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no prepared segment file")
	return ""
}

func TestPreallocation(t *testing.T) {
	for _, size := range []int64{4096, -1} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			m := newMemFS(t)
			l, _ := openLog(t, m, func(c *Config) { c.PreAllocSize = size; c.SegmentSize = 100 })
			for i := uint64(1); i <= 3; i++ {
				waitPrepared(t, m)
				// The goroutine publishes the file after Preallocate returns;
				// wait for take() to see it.
				for range 1000 {
					l.prealloc.mu.Lock()
					ready := l.prealloc.ready != nil
					l.prealloc.mu.Unlock()
					if ready {
						break
					}
					time.Sleep(time.Millisecond)
				}
				l.Append(i, testData(i, 100)) // each record fills a segment
				if err := l.WaitDurable(i); err != nil {
					t.Fatal(err)
				}
				seg := filepath.Join(testDir, segmentName(i))
				if got, want := m.Preallocated(seg), max(size, 0); got != want {
					t.Fatalf("%s preallocated to %d, want %d", seg, got, want)
				}
				if b, _ := m.ReadFile(seg); len(b) != headerSize+frameSize(100) {
					t.Fatalf("%s is %d bytes", seg, len(b))
				}
			}
			st := l.Stats()
			if st.Rolls != 3 || st.RollsUnprepared != 0 {
				t.Fatalf("stats %+v", st)
			}
			l.Close()
			names, _ := m.ReadDir(testDir)
			for _, n := range names {
				if strings.HasPrefix(n, preallocPrefix) {
					t.Fatalf("%s left after Close", n)
				}
			}
		})
	}
}

func TestOpenConfigErrors(t *testing.T) {
	if _, _, err := Open(Config{}); err == nil {
		t.Fatal("Open without a Dir")
	}
	m := NewMemFS()
	m.InjectError(OpMkdirAll, "data", syscall.EACCES)
	if _, _, err := Open(Config{Dir: testDir, FS: m}); !errors.Is(err, syscall.EACCES) {
		t.Fatalf("Open: %v", err)
	}
	m.ClearErrors()
	l, _ := openLog(t, m, nil) // creates the missing directories
	l.Close()
}

func TestReadDirStopsOnCallbackError(t *testing.T) {
	m := newMemFS(t)
	writeLog(t, m, sampleRecords(), nil)
	stop := errors.New("stop")
	n := 0
	err := ReadDir(m, testDir, func(seg string, off int64, index uint64, data []byte) error {
		n++
		if index == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Fatalf("ReadDir = %v after %d records", err, n)
	}
}

// TestFinishedSegmentsReleasePrealloc: a segment that will not be written
// again gives back its preallocated space (on roll, on Close, and for the
// segment a dead process left behind), so restarts do not pile up
// PreAllocSize each.
func TestFinishedSegmentsReleasePrealloc(t *testing.T) {
	fs := newMemFS(t)
	l, _ := openLog(t, fs, func(c *Config) { c.SegmentSize = 256 })
	for i := uint64(1); i <= 40; i++ {
		if err := l.Append(i, testData(i, 40)); err != nil {
			t.Fatal(err)
		}
		if err := l.WaitDurable(i); err != nil {
			t.Fatal(err)
		}
	}
	// A crash: the current segment keeps its preallocation on "disk".
	crashed := fs.Crash()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	check := func(fs *MemFS, when string) {
		t.Helper()
		names, err := fs.ReadDir(testDir)
		if err != nil {
			t.Fatal(err)
		}
		segs := 0
		for _, n := range names {
			if !strings.HasPrefix(n, "log.") {
				continue
			}
			segs++
			if p := fs.Preallocated(filepath.Join(testDir, n)); p != 0 {
				t.Errorf("%s: %s keeps %d bytes preallocated", when, n, p)
			}
		}
		if segs < 2 {
			t.Fatalf("%s: %d segments, want a roll", when, segs)
		}
	}
	check(fs, "after Close")
	l2, _ := openLog(t, crashed, func(c *Config) { c.SegmentSize = 256 })
	check(crashed, "after recovering a crash")
	l2.Close()
}
