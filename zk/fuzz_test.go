package zk

// Fuzz targets for every decoder, seeded from the golden frames and the
// round-trip tables. Properties:
//
//  1. Decoding never panics.
//  2. When decoding succeeds (Finish returns nil), re-encoding reproduces
//     the input, except where jute has more than one encoding of a value:
//     - a boolean byte other than 0 or 1 decodes as true and re-encodes
//     as 1 (Java's readBoolean does the same);
//     - a null ustring (length -1) decodes as "" and re-encodes as
//     length 0;
//     - the header ending a multi request or response only needs Done set;
//     it re-encodes as {-1, true, -1};
//     - a closeSession txn without a body decodes as an empty
//     CloseSessionTxn and re-encodes with a null vector.
//     checkReencode accepts exactly these byte differences.
//  3. The re-encoding is a fixed point: it decodes and re-encodes to itself.

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// goldenSeeds returns every frame of testdata/*.golden.
func goldenSeeds(f *testing.F) []goldenFrame {
	files, _ := filepath.Glob("testdata/*.golden")
	var out []goldenFrame
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		ex, err := parseGolden(strings.TrimSuffix(filepath.Base(file), ".golden"), data)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, ex.Frames...)
	}
	return out
}

// checkReencode checks property 2. multiEnd allows the end header of a
// multi to differ.
func checkReencode(t *testing.T, in, enc []byte, multiEnd bool) {
	t.Helper()
	if bytes.Equal(in, enc) {
		return
	}
	if len(in) != len(enc) {
		t.Fatalf("re-encoding has %d bytes, input %d:\n in %x\nenc %x", len(enc), len(in), in, enc)
	}
	for i := range in {
		a, b := in[i], enc[i]
		switch {
		case a == b:
		case a > 1 && b == 1: // non-canonical boolean
		case a == 0xff && b == 0: // null string
		case multiEnd && b == 0xff: // end header type and err
		default:
			t.Fatalf("re-encoding differs at byte %d (%#x, want %#x):\n in %x\nenc %x", i, b, a, in, enc)
		}
	}
}

// checkFixpoint checks property 3 for a record re-encoded as enc.
func checkFixpoint(t *testing.T, r Record, enc []byte) {
	t.Helper()
	again := newLike(r)
	d := NewDecoder(enc)
	again.Decode(&d)
	if err := d.Finish(); err != nil {
		t.Fatalf("re-encoding does not decode: %v\n%x", err, enc)
	}
	if b := again.Append(nil); !bytes.Equal(b, enc) {
		t.Fatalf("re-encoding is not a fixed point:\n%x\n%x", enc, b)
	}
}

// fuzzRecord decodes in into r and checks the properties.
func fuzzRecord(t *testing.T, r Record, in []byte, multiEnd bool) {
	t.Helper()
	d := NewDecoder(in)
	r.Decode(&d)
	if d.Finish() != nil {
		return
	}
	enc := r.Append(nil)
	checkReencode(t, in, enc, multiEnd)
	checkFixpoint(t, r, enc)
}

func isMulti(r Record) bool {
	switch r.(type) {
	case *MultiRequest, *MultiResponse:
		return true
	}
	return false
}

func FuzzConnectRequest(f *testing.F) {
	for _, g := range goldenSeeds(f) {
		if g.FromClient && g.Name == "connect" {
			f.Add(g.Raw[4:])
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzRecord(t, new(ConnectRequest), in, false)
	})
}

func FuzzConnectResponse(f *testing.F) {
	for _, g := range goldenSeeds(f) {
		if !g.FromClient && g.Name == "connect" {
			f.Add(g.Raw[4:])
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzRecord(t, new(ConnectResponse), in, false)
	})
}

// FuzzRequest decodes a request body through NewRequest, as a server does
// after reading the RequestHeader.
func FuzzRequest(f *testing.F) {
	for _, g := range goldenSeeds(f) {
		if g.FromClient && g.Name != "connect" {
			f.Add(int32(binary.BigEndian.Uint32(g.Raw[8:])), g.Raw[12:])
		}
	}
	for _, tc := range codecCases() {
		for op := OpCode(-20); op < 200; op++ {
			if r, ok := NewRequest(op); ok && r != nil && reflect.TypeOf(r) == reflect.TypeOf(tc.rec) {
				f.Add(int32(op), tc.rec.Append(nil))
			}
		}
	}
	f.Fuzz(func(t *testing.T, op int32, in []byte) {
		r, ok := NewRequest(OpCode(op))
		if !ok {
			if _, err := DecodeRequest(OpCode(op), in); err == nil {
				t.Fatal("DecodeRequest accepted an unknown op")
			}
			return
		}
		if r == nil {
			if _, err := DecodeRequest(OpCode(op), in); (err == nil) != (len(in) == 0) {
				t.Fatalf("bodiless op %d with %d bytes: %v", op, len(in), err)
			}
			return
		}
		fuzzRecord(t, r, in, isMulti(r))
	})
}

func FuzzMultiRequest(f *testing.F) {
	for _, g := range goldenSeeds(f) {
		if g.FromClient && (g.Name == "multi" || g.Name == "multiRead") {
			f.Add(g.Raw[12:])
		}
	}
	for _, tc := range codecCases() {
		if _, ok := tc.rec.(*MultiRequest); ok {
			f.Add(tc.rec.Append(nil))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzRecord(t, new(MultiRequest), in, true)
	})
}

// FuzzReply decodes a reply (header and body) to a request of type op, as a
// client does.
func FuzzReply(f *testing.F) {
	for _, g := range goldenSeeds(f) {
		if g.FromClient || g.Name == "connect" {
			continue
		}
		op, ok := opByName(g.Name)
		if g.Name == "event" {
			op, ok = OpNotification, true
		}
		if ok {
			f.Add(int32(op), g.Raw[4:])
		}
	}
	f.Fuzz(func(t *testing.T, op int32, in []byte) {
		d := NewDecoder(in)
		var h ReplyHeader
		h.Decode(&d)
		var body Record
		if h.Xid == XidWatchEvent {
			body = new(WatcherEvent)
		} else if d.Remaining() > 0 {
			var ok bool
			if body, ok = NewResponse(OpCode(op)); !ok || body == nil {
				return
			}
		}
		if body != nil {
			body.Decode(&d)
		}
		if d.Finish() != nil {
			return
		}
		enc := h.Append(nil)
		if body != nil {
			enc = body.Append(enc)
		}
		checkReencode(t, in, enc, isMulti(body))
		if body != nil {
			checkFixpoint(t, body, enc[16:])
		}
	})
}

// FuzzRecords decodes any record of the round-trip table, chosen by which.
func FuzzRecords(f *testing.F) {
	cases := codecCases()
	for i, tc := range cases {
		f.Add(uint16(i), tc.rec.Append(nil))
	}
	f.Fuzz(func(t *testing.T, which uint16, in []byte) {
		r := newLike(cases[int(which)%len(cases)].rec)
		fuzzRecord(t, r, in, isMulti(r))
	})
}

func FuzzTxn(f *testing.F) {
	hdr := TxnHeader{ClientID: 0x1000066e9900007, Cxid: 3, Zxid: MakeZxid(1, 0x42), Time: 1700000000000}
	for _, s := range txnSamples() {
		h := hdr
		h.Type = s.typ
		f.Add(AppendTxn(nil, &Txn{Header: h, Body: s.body}))
	}
	h := hdr
	h.Type = OpCloseSession
	f.Add(h.Append(nil))
	f.Fuzz(func(t *testing.T, in []byte) {
		txn, err := DecodeTxn(in)
		if err != nil {
			return
		}
		enc := AppendTxn(nil, &txn)
		if txn.Header.Type == OpCloseSession && len(in) == len(h.Append(nil)) {
			// An empty closeSession body re-encodes as a null vector.
			in = AppendInt32(bytes.Clone(in), -1)
		}
		checkReencode(t, in, enc, false)
		again, err := DecodeTxn(enc)
		if err != nil {
			t.Fatalf("re-encoding does not decode: %v", err)
		}
		if b := AppendTxn(nil, &again); !bytes.Equal(b, enc) {
			t.Fatalf("re-encoding is not a fixed point:\n%x\n%x", enc, b)
		}
	})
}
