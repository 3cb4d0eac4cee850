package zkclient_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/zk"
)

// pipelined sends n setData requests through Go with at most window
// outstanding and waits for them all; it returns how many failed.
func pipelined(c *zkclient.Client, n, window int) int64 {
	sem := make(chan struct{}, window)
	var wg sync.WaitGroup
	var failed atomic.Int64
	req := zk.SetDataRequest{Path: "/bench", Data: make([]byte, 16), Version: -1}
	done := func(_ int64, err error) {
		if err != nil {
			failed.Add(1)
		}
		<-sem
		wg.Done()
	}
	wg.Add(n)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		c.Go(zk.OpSetData, &req, nil, done)
	}
	wg.Wait()
	return failed.Load()
}

// BenchmarkPipelinedSetData: setData through an in-process Paddock server
// with 256 requests outstanding. -benchmem counts the server's
// allocations too; BenchmarkPipelinedSetDataFake isolates the client's.
func BenchmarkPipelinedSetData(b *testing.B) {
	s := startServer(b, b.TempDir(), 0)
	c, _ := dial(b, []string{s.Addr().String()}, func(cfg *zkclient.Config) { cfg.Events = nil })
	if _, _, err := c.Create(bg, "/bench", nil, zk.OpenACLUnsafe(), zk.ModePersistent, 0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if n := pipelined(c, b.N, 256); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
}

// BenchmarkPipelinedSetDataFake: the same against a fake server that
// answers every request with a canned setData reply and allocates nothing
// per request, so -benchmem shows the client's own cost.
func BenchmarkPipelinedSetDataFake(b *testing.B) {
	c := dialFake(b)
	b.ReportAllocs()
	b.ResetTimer()
	if n := pipelined(c, b.N, 256); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
}

// TestGoAllocations keeps the client's per-request allocations near zero
// for setData through Go (pooled calls, reused buffers, in-place decoding
// of the reply's Stat).
func TestGoAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation measurement skipped in -short mode")
	}
	if raceEnabled {
		t.Skip("allocation measurement skipped under the race detector (sync.Pool drops items at random there)")
	}
	c := dialFake(t)
	pipelined(c, 1000, 64) // warm the pools and buffers
	var resp zk.SetDataResponse
	req := zk.SetDataRequest{Path: "/bench", Data: make([]byte, 16), Version: -1}
	const batch = 100
	var wg sync.WaitGroup
	done := func(int64, error) { wg.Done() }
	allocs := testing.AllocsPerRun(20, func() {
		wg.Add(batch)
		for i := 0; i < batch; i++ {
			c.Go(zk.OpSetData, &req, &resp, done)
		}
		wg.Wait()
	})
	if per := allocs / batch; per > 0.2 {
		t.Fatalf("%.2f allocations per request, want about 0", per)
	}
	if resp.Stat.Version != 7 {
		t.Fatalf("decoded Stat %+v, want the fake's version 7", resp.Stat)
	}
}

// dialFake starts the fake server and connects a client without events.
func dialFake(tb testing.TB) *zkclient.Client {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	go fakeServer(ln, false)
	c, err := zkclient.Dial(zkclient.Config{Servers: []string{ln.Addr().String()}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// fakeServer accepts connections and answers: the connect request with a
// session (in read-only mode if readOnly), closeSession and ping with an
// empty reply, anything else with a setData reply whose Stat has version
// 7. Replies are flushed when no more input is buffered, so they coalesce
// as requests do.
func fakeServer(ln net.Listener, readOnly bool) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer nc.Close()
			br := bufio.NewReaderSize(nc, 64<<10)
			bw := bufio.NewWriterSize(nc, 64<<10)
			frame := make([]byte, 1<<20)
			read := func() ([]byte, bool) {
				if _, err := io.ReadFull(br, frame[:4]); err != nil {
					return nil, false
				}
				n := int(binary.BigEndian.Uint32(frame))
				if n > len(frame) {
					return nil, false
				}
				if _, err := io.ReadFull(br, frame[:n]); err != nil {
					return nil, false
				}
				return frame[:n], true
			}
			if _, ok := read(); !ok {
				return
			}
			resp := zk.ConnectResponse{TimeOut: 30000, SessionID: 1, Passwd: make([]byte, 16), ReadOnly: readOnly, HasReadOnly: true}
			bw.Write(zk.AppendFrame(nil, &resp))
			bw.Flush()
			var out []byte
			stat := zk.SetDataResponse{Stat: zk.Stat{Version: 7, Mzxid: 5}}
			for zxid := int64(1); ; zxid++ {
				b, ok := read()
				if !ok || len(b) < 8 {
					return
				}
				xid := int32(binary.BigEndian.Uint32(b))
				op := zk.OpCode(binary.BigEndian.Uint32(b[4:]))
				h := zk.ReplyHeader{Xid: xid, Zxid: zk.Zxid(zxid)}
				out = out[:0]
				if op == zk.OpPing || op == zk.OpCloseSession {
					out = zk.AppendReply(out, h, nil)
				} else {
					out = zk.AppendReply(out, h, &stat)
				}
				bw.Write(out)
				if op == zk.OpCloseSession {
					bw.Flush()
					return
				}
				if br.Buffered() == 0 {
					if bw.Flush() != nil {
						return
					}
				}
			}
		}()
	}
}
