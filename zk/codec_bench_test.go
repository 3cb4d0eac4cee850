package zk

import (
	"bytes"
	"fmt"
	"testing"
)

var benchSizes = []int{16, 1 << 10, 64 << 10}

func benchData(n int) []byte { return bytes.Repeat([]byte{'d'}, n) }

// The hot paths of a server: decoding getData and setData requests, and
// encoding their replies into a reused buffer, must not allocate.
func TestZeroAllocs(t *testing.T) {
	get := (&GetDataRequest{Path: "/bench/node-000042", Watch: true}).Append(nil)
	set := (&SetDataRequest{Path: "/bench/node-000042", Data: benchData(100), Version: -1}).Append(nil)
	getResp := &GetDataResponse{Data: benchData(100), Stat: testStat}
	setResp := &SetDataResponse{Stat: testStat}
	hdr := ReplyHeader{Xid: 7, Zxid: MakeZxid(1, 99)}
	buf := make([]byte, 0, 4096)
	var d Decoder
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"decode GetDataRequest", func() {
			var r GetDataRequest
			d.Reset(get)
			r.Decode(&d)
			if d.Finish() != nil {
				t.Fatal("decode")
			}
		}},
		{"decode SetDataRequest", func() {
			var r SetDataRequest
			d.Reset(set)
			r.Decode(&d)
			if d.Finish() != nil {
				t.Fatal("decode")
			}
		}},
		{"encode GetDataResponse", func() { buf = AppendReply(buf[:0], hdr, getResp) }},
		{"encode SetDataResponse", func() { buf = AppendReply(buf[:0], hdr, setResp) }},
		{"encode WatcherEvent", func() {
			buf = AppendWatcherEvent(buf[:0], &WatcherEvent{Type: EventNodeDataChanged, State: StateSyncConnected, Path: "/bench/node-000042"})
		}},
	} {
		if n := testing.AllocsPerRun(100, tc.fn); n != 0 {
			t.Errorf("%s: %v allocs, want 0", tc.name, n)
		}
	}
}

func BenchmarkDecodeGetDataRequest(b *testing.B) {
	in := (&GetDataRequest{Path: "/bench/node-000042", Watch: true}).Append(nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	var d Decoder
	for b.Loop() {
		var r GetDataRequest
		d.Reset(in)
		r.Decode(&d)
		if d.Finish() != nil {
			b.Fatal("decode")
		}
	}
}

func BenchmarkDecodeSetDataRequest(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("data=%d", size), func(b *testing.B) {
			in := (&SetDataRequest{Path: "/bench/node-000042", Data: benchData(size), Version: -1}).Append(nil)
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			var d Decoder
			for b.Loop() {
				var r SetDataRequest
				d.Reset(in)
				r.Decode(&d)
				if d.Finish() != nil {
					b.Fatal("decode")
				}
			}
		})
	}
}

func BenchmarkDecodeCreateRequest(b *testing.B) {
	in := (&CreateRequest{Path: "/bench/node-", Data: benchData(100), ACL: OpenACLUnsafe(), Flags: ModePersistentSequential}).Append(nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	var d Decoder
	for b.Loop() {
		var r CreateRequest
		d.Reset(in)
		r.Decode(&d)
		if d.Finish() != nil {
			b.Fatal("decode")
		}
	}
}

func BenchmarkEncodeGetDataResponse(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("data=%d", size), func(b *testing.B) {
			resp := &GetDataResponse{Data: benchData(size), Stat: testStat}
			hdr := ReplyHeader{Xid: 7, Zxid: MakeZxid(1, 99)}
			buf := make([]byte, 0, size+256)
			b.ReportAllocs()
			b.SetBytes(int64(len(AppendReply(nil, hdr, resp))))
			for b.Loop() {
				buf = AppendReply(buf[:0], hdr, resp)
			}
		})
	}
}

func BenchmarkEncodeSetDataResponse(b *testing.B) {
	resp := &SetDataResponse{Stat: testStat}
	hdr := ReplyHeader{Xid: 7, Zxid: MakeZxid(1, 99)}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendReply(buf[:0], hdr, resp)
	}
}

func BenchmarkEncodeCreate2Response(b *testing.B) {
	resp := &Create2Response{Path: "/bench/node-0000000042", Stat: testStat}
	hdr := ReplyHeader{Xid: 7, Zxid: MakeZxid(1, 99)}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendReply(buf[:0], hdr, resp)
	}
}

func BenchmarkEncodeWatcherEvent(b *testing.B) {
	ev := &WatcherEvent{Type: EventNodeDataChanged, State: StateSyncConnected, Path: "/bench/node-000042"}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendWatcherEvent(buf[:0], ev)
	}
}

func BenchmarkDecodeMultiRequest(b *testing.B) {
	var in []byte
	for _, tc := range codecCases() {
		if tc.name == "MultiRequest" {
			in = tc.rec.Append(nil)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	var d Decoder
	for b.Loop() {
		var r MultiRequest
		d.Reset(in)
		r.Decode(&d)
		if d.Finish() != nil {
			b.Fatal("decode")
		}
	}
}
