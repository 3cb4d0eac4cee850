package zkclient

import (
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// FuzzServerBytes feeds arbitrary bytes to the client's reply decoding as
// if a server sent them. Properties: nothing panics, and every pending
// request completes exactly once (by a reply, or with connection loss
// when the stream ends or turns out malformed).
func FuzzServerBytes(f *testing.F) {
	var in []byte
	in = append(in, frame(zk.ReplyHeader{Xid: zk.XidWatchEvent, Zxid: -1}, &zk.WatcherEvent{Type: zk.EventNodeDataChanged, State: 3, Path: "/a"})...)
	in = append(in, frame(zk.ReplyHeader{Xid: 1, Zxid: 2}, &zk.GetDataResponse{Data: []byte("x")})...)
	in = append(in, frame(zk.ReplyHeader{Xid: 2, Zxid: 3}, &zk.MultiResponse{Results: []zk.MultiResult{
		{Header: zk.MultiHeader{Type: zk.OpError, Err: zk.CodeNoNode}, Body: &zk.ErrorResponse{Err: zk.CodeNoNode}},
	}})...)
	in = append(in, frame(zk.ReplyHeader{Xid: 3, Zxid: 4}, &zk.GetChildren2Response{Children: []string{"a", "b"}})...)
	in = append(in, frame(zk.ReplyHeader{Xid: zk.XidAuth, Zxid: 4}, nil)...)
	in = append(in, frame(zk.ReplyHeader{Xid: 4, Zxid: 4}, &zk.GetACLResponse{ACL: zk.OpenACLUnsafe()})...)
	f.Add(in)
	f.Add(frame(zk.ReplyHeader{Xid: zk.XidAuth, Err: zk.CodeAuthFailed}, nil))
	f.Add(frame(zk.ReplyHeader{Xid: 1, Err: zk.CodeNoNode}, nil))
	f.Add([]byte{0, 0, 0, 3, 1, 2, 3})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		for i, n := range replayServerBytes(b, 1<<16) {
			if n != 1 {
				t.Fatalf("call %d completed %d times", i, n)
			}
		}
	})
}
