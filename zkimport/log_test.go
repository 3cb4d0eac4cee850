package zkimport

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// fixtureLog is a log after fixtureSnapshot: a create with a digest, a
// multi, a setData, a 3.5 closeSession without body or digest, and a
// createSession.
func fixtureLog() []logRecord {
	open := zk.OpenACLUnsafe()
	return []logRecord{
		{txn: zk.Txn{Header: hdr(6, zk.OpCreate), Body: &zk.CreateTxn{Path: "/a/b", Data: []byte("b"), ACL: open, ParentCVersion: 2}},
			digest: &TxnDigest{Version: 2, Digest: 42}},
		{txn: zk.Txn{Header: hdr(7, zk.OpMulti), Body: &zk.MultiTxn{Txns: []zk.TxnOp{
			{Type: zk.OpSetData, Body: &zk.SetDataTxn{Path: "/a", Data: []byte("m"), Version: 1}},
			{Type: zk.OpDelete, Body: &zk.DeleteTxn{Path: "/t"}},
		}}}},
		{txn: zk.Txn{Header: hdr(8, zk.OpSetACL), Body: &zk.SetACLTxn{Path: "/a/b", ACL: readACL, Version: 1}}},
		{txn: zk.Txn{Header: hdr(9, zk.OpCloseSession), Body: &zk.CloseSessionTxn{}}, raw: hdrBytes(hdr(9, zk.OpCloseSession))},
		{txn: zk.Txn{Header: hdr(10, zk.OpCreateSession), Body: &zk.CreateSessionTxn{TimeOut: 4000}}},
	}
}

func hdrBytes(h zk.TxnHeader) []byte { return h.Append(nil) }

func readAll(t *testing.T, b []byte) ([]Entry, *LogReader, error) {
	t.Helper()
	lr, err := NewLogReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	var out []Entry
	for {
		e, err := lr.Next()
		if err == io.EOF {
			return out, lr, nil
		}
		if err != nil {
			return out, lr, err
		}
		out = append(out, e)
	}
}

func TestLogReader(t *testing.T) {
	recs := fixtureLog()
	for _, tc := range []struct {
		name string
		pad  int
		end  LogEnd
	}{
		{"preallocated", 4096, EndZeros},
		{"exact end", 0, EndEOF},
		{"a few zeros", 3, EndPartial},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := buildLog(recs, tc.pad)
			got, lr, err := readAll(t, b)
			if err != nil {
				t.Fatal(err)
			}
			if lr.Header() != (FileHeader{Magic: LogMagic, Version: 2, DBID: 7}) {
				t.Errorf("header %+v", lr.Header())
			}
			if lr.End() != tc.end {
				t.Errorf("end %s, want %s", lr.End(), tc.end)
			}
			if want := int64(len(b) - tc.pad); lr.Offset() != want {
				t.Errorf("offset %d, want %d", lr.Offset(), want)
			}
			if len(got) != len(recs) {
				t.Fatalf("%d records, want %d", len(got), len(recs))
			}
			for i, e := range got {
				if !reflect.DeepEqual(e.Txn, recs[i].txn) || !reflect.DeepEqual(e.Digest, recs[i].digest) {
					t.Errorf("record %d:\n got %+v %+v\nwant %+v %+v", i, e.Txn, e.Digest, recs[i].txn, recs[i].digest)
				}
			}
		})
	}
}

func TestLogReaderTornTail(t *testing.T) {
	recs := fixtureLog()
	full := buildLog(recs, 0)
	prev := buildLog(recs[:len(recs)-1], 0)
	// Every cut inside the last record drops it, and only it.
	for n := len(prev) + 1; n < len(full); n++ {
		got, lr, err := readAll(t, full[:n])
		if err != nil {
			t.Fatalf("cut at %d: %v", n, err)
		}
		if len(got) != len(recs)-1 || lr.End() != EndPartial || lr.Offset() != int64(len(prev)) {
			t.Fatalf("cut at %d: %d records, end %s at %d", n, len(got), lr.End(), lr.Offset())
		}
	}
	// A record whose 'B' is not there, followed by more bytes: partial.
	b := bytes.Clone(full)
	b[len(b)-1] = 0
	b = append(b, buildLog(recs, 0)[FileHeaderLen:]...)
	got, lr, err := readAll(t, b)
	if err != nil || len(got) != len(recs)-1 || lr.End() != EndPartial {
		t.Fatalf("record without 'B': %d records, end %s, %v", len(got), lr.End(), err)
	}
}

func TestLogReaderErrors(t *testing.T) {
	valid := buildLog(fixtureLog(), 64)
	flip := func(off int) []byte {
		b := bytes.Clone(valid)
		b[off] ^= 1
		return b
	}
	// The second record's payload starts after the header, the first
	// record (8 + 4 + n + 1) and its own checksum and length.
	first := len(fixtureLog()[0].payload())
	second := FileHeaderLen + 8 + 4 + first + 1
	for _, tc := range []struct {
		name    string
		in      []byte
		want    error
		records int // read before the error
	}{
		{"empty", nil, ErrTruncated, 0},
		{"short header", valid[:10], ErrTruncated, 0},
		{"bad magic", flip(3), ErrBadMagic, 0},
		{"a snapshot, not a log", fixtureSnapshot().bytes(), ErrBadMagic, 0},
		{"bad version", flip(7), ErrBadVersion, 0},
		{"flipped checksum", flip(FileHeaderLen + 7), ErrChecksum, 0},
		{"flipped payload byte", flip(second + 8 + 4 + 3), ErrChecksum, 1},
		{"negative length", func() []byte {
			b := bytes.Clone(valid)
			copy(b[second+8:], []byte{0xff, 0xff, 0xff, 0xf0})
			return b
		}(), ErrCorrupt, 1},
		{"huge length", func() []byte {
			b := bytes.Clone(valid)
			copy(b[second+8:], []byte{0x7f, 0xff, 0xff, 0xf0})
			return b
		}(), ErrCorrupt, 1},
		{"unknown txn type", buildLog([]logRecord{{raw: hdrBytes(hdr(6, zk.OpGetData))}}, 0), ErrCorrupt, 0},
		{"body cut short", buildLog([]logRecord{{raw: hdrBytes(hdr(6, zk.OpCreate))}}, 0), ErrCorrupt, 0},
		{"bytes after the body", buildLog([]logRecord{{raw: append(zk.AppendTxn(nil, &fixtureLog()[2].txn), 1, 2, 3)}}, 0), ErrCorrupt, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := readAll(t, tc.in)
			if !errors.Is(err, tc.want) || len(got) != tc.records {
				t.Fatalf("%d records then %v; want %d then %v", len(got), err, tc.records, tc.want)
			}
		})
	}
}

func TestDecodeTxnCloseSession(t *testing.T) {
	h := hdr(9, zk.OpCloseSession)
	body := &zk.CloseSessionTxn{Paths2Delete: []string{"/abc"}} // 12 bytes, as a digest
	digest := zk.AppendInt64(zk.AppendInt32(nil, 2), 0x1234)
	for _, tc := range []struct {
		name   string
		in     []byte
		paths  []string
		digest *TxnDigest
	}{
		{"3.5: no body", hdrBytes(h), nil, nil},
		{"body of 12 bytes, digests off", body.Append(hdrBytes(h)), []string{"/abc"}, nil},
		{"closeSessionTxn off, digests on", append(hdrBytes(h), digest...), nil, &TxnDigest{Version: 2, Digest: 0x1234}},
		{"body and digest", append(body.Append(hdrBytes(h)), digest...), []string{"/abc"}, &TxnDigest{Version: 2, Digest: 0x1234}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			txn, d, err := DecodeTxn(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			cs, ok := txn.Body.(*zk.CloseSessionTxn)
			if !ok || !reflect.DeepEqual(cs.Paths2Delete, tc.paths) || !reflect.DeepEqual(d, tc.digest) {
				t.Fatalf("body %+v digest %+v", txn.Body, d)
			}
		})
	}
}
