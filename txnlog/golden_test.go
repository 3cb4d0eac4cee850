package txnlog

// The golden segment. testdata/golden.log is a small log segment written by
// this package; regenerate it with
//
//	go test ./txnlog -run TestGolden -rewrite
//
// and never edit it by hand. A change to it is a change of the on-disk
// format: old logs must still read (bump formatVersion instead).

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/golden.log")

const goldenFile = "testdata/golden.log"

// goldenRecords are the records of testdata/golden.log: every padding
// length, an empty record, binary data and an epoch change in the zxids.
func goldenRecords() []rec {
	return []rec{
		{1, []byte("")},
		{2, []byte("a")},
		{3, []byte("hello, paddock")},
		{4, []byte("12345678")},
		{0x100000001, []byte{0x00, 0xFF, 0x10, 0x80, 0x7F, 0x01, 0x02, 0x03, 0x04}},
		{0x100000002, bytes.Repeat([]byte("zk"), 40)},
	}
}

func TestGolden(t *testing.T) {
	m := newMemFS(t)
	writeLog(t, m, goldenRecords(), nil)
	segs := segmentFiles(t, m)
	if len(segs) != 1 {
		t.Fatalf("segments %v", segs)
	}
	got, err := m.ReadFile(filepath.Join(testDir, segs[0]))
	if err != nil {
		t.Fatal(err)
	}
	if *rewrite {
		if err := os.WriteFile(goldenFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", goldenFile, len(got))
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("segment bytes differ from %s:\n got %x\nwant %x", goldenFile, got, want)
	}
	// The header, spelled out: magic, version 1, first index 1.
	if string(want[:4]) != "PDKL" || le.Uint32(want[4:]) != 1 || le.Uint64(want[8:]) != 1 ||
		le.Uint32(want[16:]) != 0 || le.Uint32(want[20:]) != crcOf(want[:20]) {
		t.Fatalf("header %x", want[:headerSize])
	}
}

// TestGoldenReads: the golden bytes read back as the golden records.
func TestGoldenReads(t *testing.T) {
	b, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	m := memWithSegment(t, b, "log.0000000000000001")
	var got []rec
	var offs []int64
	err = ReadDir(m, testDir, func(seg string, off int64, index uint64, data []byte) error {
		if seg != "log.0000000000000001" {
			t.Errorf("segment %q", seg)
		}
		got = append(got, rec{index, bytes.Clone(data)})
		offs = append(offs, off)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, got, goldenRecords())
	// Frames are 8-byte aligned, each checked with the independent CRC.
	for i, off := range offs {
		r := goldenRecords()[i]
		f := b[off:]
		if off%8 != 0 || le.Uint32(f) != uint32(8+len(r.data)) || le.Uint32(f[4:]) != crcOf(f[8:16+len(r.data)]) {
			t.Fatalf("frame %d at %d: %x", i, off, f[:16])
		}
	}
	rep, err := Verify(m, testDir)
	if err != nil || rep.Records != 6 || rep.FirstIndex != 1 || rep.LastIndex != 0x100000002 || rep.TornTail != nil {
		t.Fatalf("Verify %+v, %v", rep, err)
	}
}
