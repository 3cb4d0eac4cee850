package txnlog

// Fuzz targets for the decoders. Properties:
//
//  1. Reading never panics, and never allocates much more than the input
//     holds, whatever its length fields claim.
//  2. ReadDir and Verify agree; records come out with increasing indexes.
//  3. Open either refuses with ErrCorrupt (or ErrUnsupportedVersion), or
//     recovers; a recovered log replays exactly what ReadDir read before
//     the bad spot, and opening it again finds a clean log.
//  4. A frame that decodes re-encodes to the same bytes.

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func segmentSeeds(f *testing.F) {
	golden, err := os.ReadFile(goldenFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte{})
	f.Add(golden[:headerSize])
	f.Add(golden[:len(golden)-3])
	f.Add(append(bytes.Clone(golden), make([]byte, 64)...))
	flipped := bytes.Clone(golden)
	flipped[50] ^= 4
	f.Add(flipped)
	huge := appendHeader(nil, 1)
	huge = append(huge, 0xF8, 0xFF, 0xFF, 0x03, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0) // a max-size length
	f.Add(huge)
}

func FuzzRecordReader(f *testing.F) {
	segmentSeeds(f)
	f.Fuzz(func(t *testing.T, seg []byte) {
		const name = "log.0000000000000001"
		m := NewMemFS()
		m.MkdirAll(testDir, 0o755)
		m.WriteFile(filepath.Join(testDir, name), seg)

		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		var read []rec
		rerr := ReadDir(m, testDir, func(_ string, _ int64, index uint64, data []byte) error {
			if n := len(read); n > 0 && index <= read[n-1].index {
				t.Fatalf("index %d after %d", index, read[n-1].index)
			}
			read = append(read, rec{index, bytes.Clone(data)})
			return nil
		})
		runtime.ReadMemStats(&ms)
		// The window is at most the file; records are cloned above; the
		// rest is small change.
		if alloc := ms.TotalAlloc - before; alloc > uint64(4*len(seg))+64<<10 {
			t.Fatalf("reading %d bytes allocated %d", len(seg), alloc)
		}

		rep, verr := Verify(m, testDir)
		if (verr == nil) != (rerr == nil || errors.Is(rerr, ErrTornTail)) {
			t.Fatalf("ReadDir: %v; Verify: %v", rerr, verr)
		}
		if verr == nil && rep.Records != int64(len(read)) {
			t.Fatalf("Verify counted %d records, ReadDir read %d", rep.Records, len(read))
		}

		l, info, err := Open(Config{Dir: testDir, FS: m, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedVersion) {
				t.Fatalf("Open: %v", err)
			}
			if verr == nil {
				t.Fatalf("Open refused (%v), Verify did not", err)
			}
			return
		}
		if verr != nil {
			t.Fatalf("Verify refused (%v), Open did not", verr)
		}
		if info.TornTail != (rep.TornTail != nil) {
			t.Fatalf("info %+v, Verify torn %v", info, rep.TornTail)
		}
		var got []rec
		l.Replay(0, func(index uint64, data []byte) error {
			got = append(got, rec{index, bytes.Clone(data)})
			return nil
		})
		l.Close()
		checkRecords(t, got, read)
		l, info, err = Open(Config{Dir: testDir, FS: m.Crash(), Logger: slog.New(slog.DiscardHandler)})
		if err != nil || info.TornTail || info.Records != int64(len(read)) {
			t.Fatalf("second Open: %+v, %v", info, err)
		}
		l.Close()
	})
}

func FuzzDecodeFrame(f *testing.F) {
	f.Add(appendFrame(nil, 1, nil))
	f.Add(appendFrame(nil, 0x100000001, []byte("hello, paddock")))
	f.Add([]byte{9, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		index, data, size, st, _ := decodeFrame(b)
		if st != frameOK {
			return
		}
		if size > len(b) || size%frameAlign != 0 {
			t.Fatalf("size %d of %d bytes", size, len(b))
		}
		if re := appendFrame(nil, index, data); !bytes.Equal(re, b[:size]) {
			t.Fatalf("re-encoded %x, decoded %x", re, b[:size])
		}
	})
}
