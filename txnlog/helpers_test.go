package txnlog

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
)

// crcOf is a bitwise CRC32C (reflected polynomial 0x82F63B78), independent
// of hash/crc32, so the format tests do not check the code with itself.
func crcOf(b []byte) uint32 {
	crc := ^uint32(0)
	for _, c := range b {
		crc ^= uint32(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x82F63B78
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

const testDir = "/data/log"

type rec struct {
	index uint64
	data  []byte
}

// testData returns a deterministic record body of n bytes.
func testData(index uint64, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(index*31 + uint64(i)*7 + 1)
	}
	return b
}

// durableTracker records what OnDurable reports.
type durableTracker struct {
	mu    sync.Mutex
	last  uint64
	calls int
	err   error
	errs  int
	bad   string // an ordering violation, if any
	ch    chan struct{}
}

func newTracker() *durableTracker { return &durableTracker{ch: make(chan struct{}, 1)} }

func (d *durableTracker) onDurable(index uint64, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if err != nil {
		d.errs++
		d.err = err
	} else {
		if index <= d.last && d.calls > 1 {
			d.bad = fmt.Sprintf("OnDurable(%d) after %d", index, d.last)
		}
		if d.errs > 0 {
			d.bad = fmt.Sprintf("OnDurable(%d) after an error", index)
		}
		d.last = index
	}
	select {
	case d.ch <- struct{}{}:
	default:
	}
}

func (d *durableTracker) state() (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last, d.err
}

func (d *durableTracker) check(t testing.TB) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bad != "" {
		t.Error(d.bad)
	}
	if d.errs > 1 {
		t.Errorf("OnDurable reported %d errors, want at most one", d.errs)
	}
}

// testLogger returns a logger writing into the test's log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// newMemFS returns a MemFS with testDir created.
func newMemFS(t testing.TB) *MemFS {
	m := NewMemFS()
	if err := m.MkdirAll(testDir, 0o755); err != nil {
		t.Fatal(err)
	}
	return m
}

// openLog opens a log in testDir of fs, failing the test on error.
func openLog(t testing.TB, fs FS, mod func(*Config)) (*Log, RecoveryInfo) {
	t.Helper()
	cfg := Config{Dir: testDir, FS: fs, Logger: testLogger(t), PreAllocSize: 1 << 20}
	if mod != nil {
		mod(&cfg)
	}
	l, info, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l, info
}

// appendAll appends the records, waits until they are durable and closes.
func writeLog(t testing.TB, fs FS, recs []rec, mod func(*Config)) {
	t.Helper()
	l, _ := openLog(t, fs, mod)
	for _, r := range recs {
		if err := l.Append(r.index, r.data); err != nil {
			t.Fatalf("Append(%d): %v", r.index, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// replayAll returns every record of an open log.
func replayAll(t testing.TB, l *Log, after uint64) []rec {
	t.Helper()
	var out []rec
	if err := l.Replay(after, func(index uint64, data []byte) error {
		out = append(out, rec{index, bytes.Clone(data)})
		return nil
	}); err != nil {
		t.Fatalf("Replay(%d): %v", after, err)
	}
	return out
}

func checkRecords(t testing.TB, got, want []rec) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d (got %v)", len(got), len(want), indexes(got))
	}
	for i := range got {
		if got[i].index != want[i].index || !bytes.Equal(got[i].data, want[i].data) {
			t.Fatalf("record %d: index %d (%d bytes), want %d (%d bytes)", i, got[i].index, len(got[i].data), want[i].index, len(want[i].data))
		}
	}
}

func indexes(rs []rec) []uint64 {
	out := make([]uint64, len(rs))
	for i, r := range rs {
		out[i] = r.index
	}
	return out
}

// segmentFiles returns the segment names in testDir.
func segmentFiles(t testing.TB, fs FS) []string {
	t.Helper()
	segs, _, err := listSegments(fs, testDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range segs {
		out = append(out, s.name)
	}
	return out
}

// frameOffsets returns the offset of every record in a segment's bytes.
func frameOffsets(t testing.TB, seg []byte) []int64 {
	t.Helper()
	m := newMemFS(t)
	if err := m.WriteFile(filepath.Join(testDir, segmentName(le.Uint64(seg[8:16]))), seg); err != nil {
		t.Fatal(err)
	}
	var offs []int64
	if err := ReadDir(m, testDir, func(_ string, off int64, _ uint64, _ []byte) error {
		offs = append(offs, off)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return offs
}
