package txnlog

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestFrameEncode(t *testing.T) {
	tests := []struct {
		name  string
		index uint64
		data  []byte
		want  string // hex of the frame
	}{
		{"empty", 1, nil,
			"08000000" + crcHex(1, nil) + "0100000000000000"},
		{"one byte, seven of padding", 2, []byte{0xAB},
			"09000000" + crcHex(2, []byte{0xAB}) + "0200000000000000" + "ab" + "00000000000000"},
		{"eight bytes, no padding", 0x100000001, []byte("12345678"),
			"10000000" + crcHex(0x100000001, []byte("12345678")) + "0100000001000000" + hex.EncodeToString([]byte("12345678"))},
		{"nine bytes", 0xFFFFFFFFFFFFFFFF, []byte("123456789"),
			"11000000" + crcHex(0xFFFFFFFFFFFFFFFF, []byte("123456789")) + "ffffffffffffffff" + hex.EncodeToString([]byte("123456789")) + "00000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendFrame(nil, tt.index, tt.data)
			if h := hex.EncodeToString(got); h != tt.want {
				t.Fatalf("frame\n got %s\nwant %s", h, tt.want)
			}
			if len(got) != frameSize(len(tt.data)) || len(got)%frameAlign != 0 {
				t.Fatalf("frame size %d, frameSize says %d", len(got), frameSize(len(tt.data)))
			}
			// Appending keeps what was there.
			prefix := []byte("prefix..")
			got2 := appendFrame(bytes.Clone(prefix), tt.index, tt.data)
			if !bytes.Equal(got2[:len(prefix)], prefix) || !bytes.Equal(got2[len(prefix):], got) {
				t.Fatalf("appendFrame with a prefix: %x", got2)
			}
			index, data, size, st, reason := decodeFrame(append(got, 0xEE, 0xEE))
			if st != frameOK || index != tt.index || !bytes.Equal(data, tt.data) || size != len(got) {
				t.Fatalf("decode: %d %x %d %v %q", index, data, size, st, reason)
			}
		})
	}
}

// crcHex is the little-endian hex of recordCRC, computed the slow way.
func crcHex(index uint64, data []byte) string {
	var b [4]byte
	var buf []byte
	buf = le.AppendUint64(buf, index)
	buf = append(buf, data...)
	le.PutUint32(b[:], crcOf(buf))
	return hex.EncodeToString(b[:])
}

func TestFrameDecode(t *testing.T) {
	good := appendFrame(nil, 7, []byte("hello"))
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name   string
		in     []byte
		st     frameStatus
		reason string // substring
	}{
		{"good", good, frameOK, ""},
		{"empty input", nil, frameShort, "header cut short"},
		{"three bytes", good[:3], frameShort, "header cut short"},
		{"zero length", make([]byte, 32), frameEnd, ""},
		{"length 7", mut(func(b []byte) []byte { le.PutUint32(b, 7); return b }), frameInvalid, "invalid length"},
		{"length above max", mut(func(b []byte) []byte { le.PutUint32(b, maxFrameLength+1); return b }), frameInvalid, "invalid length"},
		{"huge length", mut(func(b []byte) []byte { le.PutUint32(b, 0xFFFFFFFF); return b }), frameInvalid, "invalid length"},
		{"max length, short input", mut(func(b []byte) []byte { le.PutUint32(b, maxFrameLength); return b }), frameShort, "cut short"},
		{"cut in data", good[:18], frameShort, "cut short"},
		{"cut in padding", good[:len(good)-1], frameShort, "cut short"},
		{"bad crc", mut(func(b []byte) []byte { b[4] ^= 1; return b }), frameInvalid, "checksum"},
		{"flipped index", mut(func(b []byte) []byte { b[8] ^= 0x80; return b }), frameInvalid, "checksum"},
		{"flipped data", mut(func(b []byte) []byte { b[16] ^= 0x04; return b }), frameInvalid, "checksum"},
		{"non-zero padding", mut(func(b []byte) []byte { b[len(b)-1] = 1; return b }), frameInvalid, "padding"},
		{"shorter length", mut(func(b []byte) []byte { le.PutUint32(b, 12); return b }), frameInvalid, "checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, st, reason := decodeFrame(tt.in)
			if st != tt.st || !strings.Contains(reason, tt.reason) {
				t.Fatalf("decodeFrame = %v %q, want %v %q", st, reason, tt.st, tt.reason)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	good := appendHeader(nil, 0x1234)
	tests := []struct {
		name    string
		mutate  func(b []byte) []byte
		torn    bool
		sentErr error
		reason  string
	}{
		{"good", func(b []byte) []byte { return b }, false, nil, ""},
		{"short", func(b []byte) []byte { return b[:10] }, true, nil, "cut short"},
		{"zeros", func(b []byte) []byte { return make([]byte, headerSize) }, true, nil, "checksum"},
		{"flipped index", func(b []byte) []byte { b[9] ^= 1; return b }, true, nil, "checksum"},
		{"bad magic", func(b []byte) []byte { copy(b, "ZKLG"); return resum(b) }, false, nil, "magic"},
		{"version 2", func(b []byte) []byte { le.PutUint32(b[4:], 2); return resum(b) }, false, ErrUnsupportedVersion, "version 2"},
		{"reserved set", func(b []byte) []byte { b[16] = 1; return resum(b) }, false, nil, "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, herr := parseHeader(tt.mutate(bytes.Clone(good)))
			if tt.reason == "" {
				if herr != nil || first != 0x1234 {
					t.Fatalf("parseHeader = %d, %+v", first, herr)
				}
				return
			}
			if herr == nil || herr.torn != tt.torn || herr.err != tt.sentErr || !strings.Contains(herr.reason, tt.reason) {
				t.Fatalf("parseHeader error %+v, want torn=%v err=%v reason ~%q", herr, tt.torn, tt.sentErr, tt.reason)
			}
		})
	}
}

func resum(b []byte) []byte {
	le.PutUint32(b[20:], crcOf(b[:20]))
	return b
}

func TestSegmentName(t *testing.T) {
	tests := []struct {
		name  string
		first uint64
		ok    bool
	}{
		{"log.0000000000000001", 1, true},
		{"log.0000000100000001", 0x100000001, true},
		{"log.ffffffffffffffff", ^uint64(0), true},
		{"log.FFFFFFFFFFFFFFFF", 0, false},
		{"log.000000000000001", 0, false},
		{"log.00000000000000001", 0, false},
		{"log.0000000000000001.broken", 0, false},
		{"log.000000000000000g", 0, false},
		{"prealloc.0.tmp", 0, false},
		{"log.+000000000000001", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, ok := parseSegmentName(tt.name)
			if ok != tt.ok || first != tt.first {
				t.Fatalf("parseSegmentName = %d, %v", first, ok)
			}
			if ok && segmentName(first) != tt.name {
				t.Fatalf("segmentName(%d) = %s", first, segmentName(first))
			}
		})
	}
}

func TestCorruptionErrorMessage(t *testing.T) {
	e := &CorruptionError{File: "/d/log.0000000000000001", Offset: 1234, LastIndex: 0x100000005, Reason: "checksum mismatch"}
	msg := e.Error()
	for _, want := range []string{"/d/log.0000000000000001", "offset 1234", "index 4294967301 (0x100000005)", "checksum mismatch", "paddock log verify"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if !errors.Is(e, ErrCorrupt) || errors.Is(e, ErrTornTail) {
		t.Errorf("corruption unwraps wrong")
	}
	e.Torn = true
	if errors.Is(e, ErrCorrupt) || !errors.Is(e, ErrTornTail) || strings.Contains(e.Error(), "verify") {
		t.Errorf("torn tail: %v", e)
	}
}

func TestRecordCRC(t *testing.T) {
	for _, tc := range []struct {
		index uint64
		data  []byte
	}{{0, nil}, {1, nil}, {0x0102030405060708, []byte("x")}, {^uint64(0), bytes.Repeat([]byte{0xAA}, 1000)}} {
		buf := le.AppendUint64(nil, tc.index)
		if got, want := recordCRC(tc.index, tc.data), crcOf(append(buf, tc.data...)); got != want {
			t.Errorf("recordCRC(%#x, %d bytes) = %08x, want %08x", tc.index, len(tc.data), got, want)
		}
	}
	data := []byte("abc")
	if n := testing.AllocsPerRun(100, func() { recordCRC(7, data) }); n != 0 {
		t.Errorf("recordCRC allocates %v times", n)
	}
}
