package txnlog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampleRecords has bodies of every padding length and an index gap (a
// new epoch), like a zxid sequence.
func sampleRecords() []rec {
	return []rec{
		{1, nil},
		{2, testData(2, 1)},
		{3, testData(3, 7)},
		{4, testData(4, 8)},
		{0x100000001, testData(5, 9)},
		{0x100000002, testData(6, 100)},
	}
}

// sampleSegment writes sampleRecords with the real Log and returns the one
// segment's bytes.
func sampleSegment(t *testing.T) []byte {
	t.Helper()
	m := newMemFS(t)
	writeLog(t, m, sampleRecords(), nil)
	segs := segmentFiles(t, m)
	if len(segs) != 1 || segs[0] != "log.0000000000000001" {
		t.Fatalf("segments %v", segs)
	}
	b, err := m.ReadFile(filepath.Join(testDir, segs[0]))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// memWithSegment returns a MemFS whose log directory holds seg (named after
// the first index in its header) and any extra segments before it.
func memWithSegment(t *testing.T, seg []byte, name string) *MemFS {
	t.Helper()
	m := newMemFS(t)
	if err := m.WriteFile(filepath.Join(testDir, name), seg); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTornTailEveryOffset cuts the segment at every byte offset: the
// records wholly before the cut replay, a cut inside a record is reported
// as a torn tail (with a .broken copy of the cut bytes), and the log
// accepts new appends after.
func TestTornTailEveryOffset(t *testing.T) {
	seg := sampleSegment(t)
	recs := sampleRecords()
	offs := frameOffsets(t, seg)
	ends := make([]int64, len(offs))
	for i := range offs {
		ends[i] = offs[i] + int64(frameSize(len(recs[i].data)))
	}
	if ends[len(ends)-1] != int64(len(seg)) {
		t.Fatalf("frames end at %d, segment is %d bytes", ends[len(ends)-1], len(seg))
	}
	const name = "log.0000000000000001"
	for cut := 0; cut <= len(seg); cut++ {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			m := memWithSegment(t, seg[:cut], name)
			var whole []rec
			tornAt := int64(-1) // where a torn record starts, if the cut is inside one
			switch {
			case cut < headerSize:
				tornAt = 0 // a header cut short, even an empty file
			default:
				for i, r := range recs {
					if ends[i] <= int64(cut) {
						whole = append(whole, r)
					} else if offs[i] < int64(cut) {
						tornAt = offs[i]
					}
				}
			}
			l, info := openLog(t, m, nil)
			checkRecords(t, replayAll(t, l, 0), whole)
			if got, want := info.TornTail, tornAt >= 0; got != want {
				t.Fatalf("TornTail = %v, want %v (info %+v)", got, want, info)
			}
			if tornAt >= 0 {
				if info.TruncatedAt != tornAt || info.TruncatedFile != filepath.Join(testDir, name) {
					t.Fatalf("truncated %s at %d, want %d", info.TruncatedFile, info.TruncatedAt, tornAt)
				}
				if cut > 0 {
					b, err := m.ReadFile(info.BrokenCopy)
					if err != nil || !bytes.Equal(b, seg[tornAt:cut]) {
						t.Fatalf("broken copy %s: %x, %v; want %x", info.BrokenCopy, b, err, seg[tornAt:cut])
					}
				} else if info.BrokenCopy != "" {
					t.Fatalf("BrokenCopy %q for an empty file", info.BrokenCopy)
				}
			}
			var last uint64
			if len(whole) > 0 {
				last = whole[len(whole)-1].index
			}
			if info.LastIndex != last || l.LastIndex() != last {
				t.Fatalf("LastIndex %d / %d, want %d", info.LastIndex, l.LastIndex(), last)
			}
			// The segment is either truncated to its whole records or gone.
			if len(whole) == 0 {
				if segs := segmentFiles(t, m); len(segs) != 0 {
					t.Fatalf("segments %v left with no record", segs)
				}
			} else if b, _ := m.ReadFile(filepath.Join(testDir, name)); int64(len(b)) != ends[len(whole)-1] && (tornAt >= 0) {
				t.Fatalf("segment is %d bytes after repair, want %d", len(b), ends[len(whole)-1])
			}
			// The log accepts appends, and the repair and the new record
			// survive a crash.
			next := rec{0x200000001, []byte("after the repair")}
			if err := l.Append(next.index, next.data); err != nil {
				t.Fatal(err)
			}
			if err := l.WaitDurable(next.index); err != nil {
				t.Fatal(err)
			}
			l2, info2 := openLog(t, m.Crash(), nil)
			if info2.TornTail {
				t.Fatalf("torn again after the repair: %+v", info2)
			}
			checkRecords(t, replayAll(t, l2, 0), append(whole, next))
			l2.Close()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestTornTailAppendAfter reopens a repaired log and checks that the records
// appended after the repair replay after the old ones.
func TestTornTailAppendAfter(t *testing.T) {
	seg := sampleSegment(t)
	recs := sampleRecords()
	offs := frameOffsets(t, seg)
	for _, cut := range []int{headerSize + 3, int(offs[2]) + 5, len(seg) - 1} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			m := memWithSegment(t, seg[:cut], "log.0000000000000001")
			l, info := openLog(t, m, nil)
			if !info.TornTail {
				t.Fatalf("no torn tail: %+v", info)
			}
			var want []rec
			for i, r := range recs {
				if offs[i]+int64(frameSize(len(r.data))) <= int64(cut) {
					want = append(want, r)
				}
			}
			more := []rec{{0x300000001, []byte("x")}, {0x300000002, testData(9, 300)}}
			for _, r := range more {
				if err := l.Append(r.index, r.data); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l, info = openLog(t, m.Crash(), nil)
			defer l.Close()
			if info.TornTail {
				t.Fatalf("torn tail again: %+v", info)
			}
			checkRecords(t, replayAll(t, l, 0), append(want, more...))
		})
	}
}

// TestBitFlip flips one bit in every byte of the segment: before the last
// record, Open refuses with the file, offset and last good index; in the
// last record, it is a torn tail and the other records replay.
func TestBitFlip(t *testing.T) {
	seg := sampleSegment(t)
	recs := sampleRecords()
	offs := frameOffsets(t, seg)
	lastOff := offs[len(offs)-1]
	const name = "log.0000000000000001"
	path := filepath.Join(testDir, name)
	for pos := range seg {
		bad := bytes.Clone(seg)
		bad[pos] ^= 1 << (pos % 8)
		// The record holding pos, and the last index before it.
		rec := -1
		for i := range offs {
			if int64(pos) >= offs[i] {
				rec = i
			}
		}
		t.Run(fmt.Sprint(pos), func(t *testing.T) {
			m := memWithSegment(t, bad, name)
			l, info, err := Open(Config{Dir: testDir, FS: m, Logger: testLogger(t)})
			if int64(pos) >= lastOff {
				if err != nil {
					t.Fatalf("flip in the last record: %v", err)
				}
				defer l.Close()
				if !info.TornTail || info.TruncatedAt != lastOff {
					t.Fatalf("info %+v, want a torn tail at %d", info, lastOff)
				}
				checkRecords(t, replayAll(t, l, 0), recs[:len(recs)-1])
				return
			}
			if err == nil {
				l.Close()
				t.Fatalf("flip at %d opened: %+v", pos, info)
			}
			var ce *CorruptionError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) || ce.Torn {
				t.Fatalf("error %v (%T), want a *CorruptionError wrapping ErrCorrupt", err, err)
			}
			wantOff, wantLast := int64(0), uint64(0)
			if rec >= 0 {
				wantOff = offs[rec]
				if rec > 0 {
					wantLast = recs[rec-1].index
				}
			}
			if ce.File != path || ce.Offset != wantOff || ce.LastIndex != wantLast {
				t.Fatalf("error at %s:%d after %d, want %s:%d after %d: %v", ce.File, ce.Offset, ce.LastIndex, path, wantOff, wantLast, err)
			}
			msg := err.Error()
			for _, want := range []string{path, fmt.Sprintf("offset %d", wantOff), "paddock log verify"} {
				if !strings.Contains(msg, want) {
					t.Fatalf("message %q lacks %q", msg, want)
				}
			}
			if wantLast != 0 && !strings.Contains(msg, fmt.Sprintf("index %d", wantLast)) {
				t.Fatalf("message %q lacks the last good index %d", msg, wantLast)
			}
			// Nothing was changed.
			if b, _ := m.ReadFile(path); !bytes.Equal(b, bad) {
				t.Fatal("Open changed a corrupt segment")
			}
			// Verify says the same.
			if _, verr := Verify(m, testDir); !errors.Is(verr, ErrCorrupt) {
				t.Fatalf("Verify: %v", verr)
			}
		})
	}
}

// TestTails covers the tail shapes one by one.
func TestTails(t *testing.T) {
	seg := sampleSegment(t)
	recs := sampleRecords()
	offs := frameOffsets(t, seg)
	lastOff := offs[len(offs)-1]
	const name = "log.0000000000000001"
	garbage := bytes.Repeat([]byte{0xA5}, 40)
	tests := []struct {
		name    string
		seg     []byte
		want    int // records that replay
		torn    bool
		tornAt  int64
		corrupt bool
	}{
		{"clean", seg, len(recs), false, 0, false},
		{"preallocated zeros", append(bytes.Clone(seg), make([]byte, 4096)...), len(recs), false, 0, false},
		{"three zero bytes", append(bytes.Clone(seg), 0, 0, 0), len(recs), false, 0, false},
		{"garbage after the last record", append(bytes.Clone(seg), garbage...), len(recs), true, int64(len(seg)), false},
		{"zero length then garbage", append(append(bytes.Clone(seg), make([]byte, 16)...), garbage...), len(recs), true, int64(len(seg)), false},
		{"last record zeroed", append(bytes.Clone(seg[:lastOff]), make([]byte, len(seg)-int(lastOff))...), len(recs) - 1, false, 0, false},
		{"last record's tail zeroed", append(bytes.Clone(seg[:lastOff+20]), make([]byte, len(seg)-int(lastOff)-20)...), len(recs) - 1, true, lastOff, false},
		{"bad record then a valid one", func() []byte {
			b := bytes.Clone(seg)
			b[offs[3]+16] ^= 0xFF
			return b
		}(), 0, false, 0, true},
		{"zeroed record then a valid one", func() []byte {
			b := bytes.Clone(seg)
			clear(b[offs[2]:offs[3]])
			return b
		}(), 0, false, 0, true},
		{"valid record appended after garbage", append(append(bytes.Clone(seg), garbage...), appendFrame(nil, 0x100000009, []byte("late"))...), 0, false, 0, true},
		{"index out of order", append(bytes.Clone(seg), appendFrame(nil, 3, []byte("old"))...), 0, false, 0, true},
		{"duplicate index", append(bytes.Clone(seg), appendFrame(nil, recs[len(recs)-1].index, nil)...), 0, false, 0, true},
		{"header zeroed", append(make([]byte, headerSize), seg[headerSize:]...), 0, false, 0, true},
		{"header only zeros, no records", make([]byte, 4096), 0, true, 0, false},
		{"first record index differs from the name", func() []byte {
			b := appendHeader(nil, 1)
			return appendFrame(b, 2, nil)
		}(), 0, false, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := memWithSegment(t, tt.seg, name)
			rep, verr := Verify(m, testDir)
			l, info, err := Open(Config{Dir: testDir, FS: m, Logger: testLogger(t)})
			if tt.corrupt {
				if err == nil {
					l.Close()
					t.Fatalf("opened: %+v", info)
				}
				if !errors.Is(err, ErrCorrupt) || !errors.Is(verr, ErrCorrupt) {
					t.Fatalf("Open: %v; Verify: %v", err, verr)
				}
				t.Log(err)
				return
			}
			if err != nil || verr != nil {
				t.Fatalf("Open: %v; Verify: %v", err, verr)
			}
			defer l.Close()
			if (rep.TornTail != nil) != tt.torn {
				t.Fatalf("Verify torn tail %v, want %v", rep.TornTail, tt.torn)
			}
			if info.TornTail != tt.torn || (tt.torn && info.TruncatedAt != tt.tornAt) {
				t.Fatalf("info %+v, want torn=%v at %d", info, tt.torn, tt.tornAt)
			}
			checkRecords(t, replayAll(t, l, 0), recs[:tt.want])
		})
	}
}

// TestCorruptionInEarlierSegment: a torn-looking tail in a segment that is
// not the last is corruption.
func TestCorruptionInEarlierSegment(t *testing.T) {
	m := newMemFS(t)
	var recs []rec
	for i := uint64(1); i <= 60; i++ {
		recs = append(recs, rec{i, testData(i, 50)})
	}
	l, _ := openLog(t, m, func(c *Config) { c.SegmentSize = 512 })
	for _, r := range recs {
		l.Append(r.index, r.data)
		l.WaitDurable(r.index) // one batch per record: deterministic segments
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs := segmentFiles(t, m)
	if len(segs) < 3 {
		t.Fatalf("segments %v", segs)
	}
	path := filepath.Join(testDir, segs[0])
	b, _ := m.ReadFile(path)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"cut short", b[:len(b)-3]},
		{"garbage after the end", append(bytes.Clone(b), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)},
		{"header torn", b[:10]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := m.Crash()
			c.WriteFile(path, tc.b)
			_, _, err := Open(Config{Dir: testDir, FS: c})
			var ce *CorruptionError
			if !errors.As(err, &ce) || ce.Torn || ce.File != path || !strings.Contains(err.Error(), "not in the last segment") {
				t.Fatalf("Open: %v", err)
			}
			if err := ReadDir(c, testDir, func(string, int64, uint64, []byte) error { return nil }); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ReadDir: %v", err)
			}
		})
	}
	// Overlapping segments: a later segment starting below the end of the
	// one before it.
	t.Run("overlap", func(t *testing.T) {
		c := m.Crash()
		seg := appendFrame(appendHeader(nil, 5), 5, nil)
		c.WriteFile(filepath.Join(testDir, segmentName(5)), seg)
		// log.5 sorts between log.1 and the next one, whose first index is
		// above 5, and starts inside log.1's range.
		_, _, err := Open(Config{Dir: testDir, FS: c})
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("unsupported version", func(t *testing.T) {
		c := m.Crash()
		b2 := bytes.Clone(b)
		le.PutUint32(b2[4:], 9)
		le.PutUint32(b2[20:], crcOf(b2[:20]))
		c.WriteFile(path, b2)
		_, _, err := Open(Config{Dir: testDir, FS: c})
		if !errors.Is(err, ErrUnsupportedVersion) || !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open: %v", err)
		}
	})
}

// TestBrokenCopyNames: a second torn tail of the same segment name keeps
// the first .broken copy.
func TestBrokenCopyNames(t *testing.T) {
	seg := sampleSegment(t)
	const name = "log.0000000000000001"
	m := memWithSegment(t, seg[:len(seg)-5], name)
	m.WriteFile(filepath.Join(testDir, name+".broken"), []byte("older"))
	l, info := openLog(t, m, nil)
	l.Close()
	if want := filepath.Join(testDir, name+".broken.1"); info.BrokenCopy != want {
		t.Fatalf("BrokenCopy %q, want %q", info.BrokenCopy, want)
	}
	if b, _ := m.ReadFile(filepath.Join(testDir, name+".broken")); string(b) != "older" {
		t.Fatal("older copy overwritten")
	}
}

// TestRecoverySyncs: what Open recovered survives a crash right after it,
// even when the previous process never synced (it died before its fsync,
// but the OS kept its writes).
func TestRecoverySyncs(t *testing.T) {
	seg := sampleSegment(t)
	m := newMemFS(t)
	f, err := m.OpenFile(filepath.Join(testDir, "log.0000000000000001"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(seg, 0)
	f.Close()
	l, info := openLog(t, m, nil)
	l.Close()
	if info.Records != int64(len(sampleRecords())) {
		t.Fatalf("info %+v", info)
	}
	l, info = openLog(t, m.Crash(), nil)
	defer l.Close()
	checkRecords(t, replayAll(t, l, 0), sampleRecords())
}

// TestLeftoversRemoved: prepared segment files from a dead process and an
// empty last segment are removed at Open.
func TestLeftoversRemoved(t *testing.T) {
	seg := sampleSegment(t)
	m := memWithSegment(t, seg, "log.0000000000000001")
	m.WriteFile(filepath.Join(testDir, "prealloc.3.tmp"), appendHeader(nil, 99))
	m.WriteFile(filepath.Join(testDir, segmentName(0x200000000)), appendHeader(nil, 0x200000000))
	m.WriteFile(filepath.Join(testDir, "log.0000000000000001.broken.tmp"), []byte("half a copy"))
	m.WriteFile(filepath.Join(testDir, "unrelated.txt"), []byte("keep me"))
	l, info := openLog(t, m, nil)
	defer l.Close()
	if info.Segments != 1 || info.TornTail || info.LastIndex != 0x100000002 {
		t.Fatalf("info %+v", info)
	}
	names, _ := m.ReadDir(testDir)
	for _, n := range names {
		if strings.HasSuffix(n, ".tmp") || n == segmentName(0x200000000) {
			t.Fatalf("%s left behind: %v", n, names)
		}
	}
	if _, err := m.ReadFile(filepath.Join(testDir, "unrelated.txt")); err != nil {
		t.Fatal(err)
	}
	// The log goes on from index 0x100000002, below the removed name.
	if err := l.Append(0x100000003, nil); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyReportString(t *testing.T) {
	seg := sampleSegment(t)
	m := memWithSegment(t, seg[:len(seg)-2], "log.0000000000000001")
	rep, err := Verify(m, testDir)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.String()
	t.Log(s)
	for _, want := range []string{"log.0000000000000001  records 5  indexes 0x1..0x100000001", "1 segments, 5 records", "torn tail in /data/log/log.0000000000000001 at offset 144"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
