package zknet

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// benchClient connects to a server with echoHandler and completes the
// handshake.
func benchClient(b *testing.B) (net.Conn, *bufio.Reader) {
	s := startServer(b, Config{}, echoHandler{})
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { nc.Close() })
	br := bufio.NewReaderSize(nc, 64<<10)
	if _, err := nc.Write(frame(connectPayload(defaultConnect()))); err != nil {
		b.Fatal(err)
	}
	var resp [4 + 37]byte
	if _, err := io.ReadFull(br, resp[:]); err != nil {
		b.Fatal(err)
	}
	return nc, br
}

// BenchmarkRoundTrip sends one request and waits for its reply, through a
// real loopback connection: reader goroutine, Handler, SendReply, writer
// goroutine.
func BenchmarkRoundTrip(b *testing.B) {
	nc, br := benchClient(b)
	req := requestFrame(1, zk.OpGetData, []byte("/path"))
	var reply [4 + 16]byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint32(req[4:], uint32(i+1))
		if _, err := nc.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(br, reply[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPipelined sends batches of requests in one write and reads all
// the replies: the writer coalesces the replies into few syscalls. ns/op is
// per request.
func BenchmarkPipelined(b *testing.B) {
	for _, batch := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			nc, br := benchClient(b)
			one := requestFrame(1, zk.OpGetData, []byte("/path"))
			var reqs []byte
			for i := 0; i < batch; i++ {
				reqs = append(reqs, one...)
			}
			replies := make([]byte, batch*(4+16))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				if _, err := nc.Write(reqs); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(br, replies); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSendReply measures encoding a reply into the pending buffer
// while the writer drains it to a client that discards it.
func BenchmarkSendReply(b *testing.B) {
	ready := make(chan *Conn, 1)
	h := newFake()
	h.request = func(c *Conn, hdr zk.RequestHeader, body []byte) { ready <- c }
	s := startServer(b, Config{}, h)
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { nc.Close() })
	if _, err := nc.Write(append(frame(connectPayload(defaultConnect())), requestFrame(1, zk.OpPing, nil)...)); err != nil {
		b.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, nc) }()
	c := <-ready
	rec := &echoRecord{b: make([]byte, 64)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.SendReply(zk.ReplyHeader{Xid: -3, Zxid: zk.Zxid(i)}, rec)
	}
}
