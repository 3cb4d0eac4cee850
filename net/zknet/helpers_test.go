package zknet

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockdb/paddock/zk"
)

// fakeHandler is a Handler whose behaviour tests set through its fields.
// By default Connect accepts (session 0x1000+conn ID, the requested timeout,
// password 16 bytes of 0xab) and Request answers every request with a bare
// ReplyHeader{xid, zxid 7, err 0}.
type fakeHandler struct {
	connect func(c *Conn, req *zk.ConnectRequest) (zk.ConnectResponse, bool, error)
	request func(c *Conn, hdr zk.RequestHeader, body []byte)
	words   map[string]string

	mu       sync.Mutex
	connects []zk.ConnectRequest
	requests []recordedRequest
	closed   map[*Conn][]error
	mask     int64
	closedCh chan *Conn
}

type recordedRequest struct {
	hdr  zk.RequestHeader
	body []byte
}

func newFake() *fakeHandler {
	return &fakeHandler{
		closed:   make(map[*Conn][]error),
		closedCh: make(chan *Conn, 1024),
		words:    map[string]string{"srvr": "Zookeeper version: fake\n", "ruok": "imok", "stat": "stat output\n"},
	}
}

func testPasswd() []byte { return bytes.Repeat([]byte{0xab}, 16) }

func (f *fakeHandler) Connect(c *Conn, req *zk.ConnectRequest) (zk.ConnectResponse, bool, error) {
	f.mu.Lock()
	f.connects = append(f.connects, *req)
	f.mu.Unlock()
	if f.connect != nil {
		return f.connect(c, req)
	}
	return zk.ConnectResponse{
		TimeOut:   req.TimeOut,
		SessionID: zk.SessionID(0x1000 + c.ID()),
		Passwd:    testPasswd(),
	}, true, nil
}

func (f *fakeHandler) Request(c *Conn, hdr zk.RequestHeader, body []byte) {
	if f.request != nil {
		f.request(c, hdr, body)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, recordedRequest{hdr, body})
	f.mu.Unlock()
	c.SendReply(zk.ReplyHeader{Xid: hdr.Xid, Zxid: 7}, nil)
}

func (f *fakeHandler) Closed(c *Conn, reason error) {
	f.mu.Lock()
	f.closed[c] = append(f.closed[c], reason)
	f.mu.Unlock()
	f.closedCh <- c
}

func (f *fakeHandler) FourLetter(word string) (string, bool) {
	out, ok := f.words[word]
	return out, ok
}

func (f *fakeHandler) SetTraceMask(mask int64) {
	f.mu.Lock()
	f.mask = mask
	f.mu.Unlock()
}

func (f *fakeHandler) numConnects() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.connects)
}

func (f *fakeHandler) numRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// waitClosed waits for the next Closed call and returns its reason.
func (f *fakeHandler) waitClosed(t testing.TB) (*Conn, error) {
	t.Helper()
	select {
	case c := <-f.closedCh:
		f.mu.Lock()
		defer f.mu.Unlock()
		rs := f.closed[c]
		if len(rs) != 1 {
			t.Fatalf("Closed called %d times for conn %d", len(rs), c.ID())
		}
		return c, rs[0]
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for Handler.Closed")
		return nil, nil
	}
}

// startServer starts a server on a loopback port and closes it, checking
// that every goroutine it started has exited, when the test ends.
func startServer(t testing.TB, cfg Config, h Handler) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := NewServer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		checkGoroutines(t)
	})
	return s
}

// serverGoroutines are the functions at the root of every goroutine the
// package starts.
var serverGoroutines = []string{
	"zknet.(*Conn).readLoop",
	"zknet.(*Conn).writeLoop",
	"zknet.(*Server).acceptLoop",
}

// checkGoroutines waits until no goroutine of the package is left.
func checkGoroutines(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		leaked := ""
		for _, g := range serverGoroutines {
			if strings.Contains(stacks, g) {
				leaked = g
			}
		}
		if leaked == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutine leak: %s still running\n%s", leaked, stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// client is the test's side of a connection.
type client struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, s *Server) *client {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

func (c *client) write(b []byte) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// readFrame reads one length-framed packet, length included.
func (c *client) readFrame() ([]byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var l [4]byte
	if _, err := io.ReadFull(c.br, l[:]); err != nil {
		return nil, err
	}
	b := make([]byte, 4+binary.BigEndian.Uint32(l[:]))
	copy(b, l[:])
	if _, err := io.ReadFull(c.br, b[4:]); err != nil {
		return nil, err
	}
	return b, nil
}

func (c *client) mustReadFrame() []byte {
	c.t.Helper()
	b, err := c.readFrame()
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	return b
}

// readAll reads until the server closes the connection, then closes the
// client's side as a client such as nc does.
func (c *client) readAll() []byte {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c.br)
	c.nc.Close()
	if err != nil && !isReset(err) {
		c.t.Fatalf("read until close: %v", err)
	}
	return b
}

// expectClosed checks that the server closed the connection without
// sending anything more.
func (c *client) expectClosed() {
	c.t.Helper()
	if b := c.readAll(); len(b) != 0 {
		c.t.Fatalf("got %d bytes (% x) before close, want none", len(b), b)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// connectPayload encodes a ConnectRequest with or without the read-only
// byte.
func connectPayload(req zk.ConnectRequest) []byte {
	b := zk.AppendInt32(nil, req.ProtocolVersion)
	b = zk.AppendInt64(b, int64(req.LastZxidSeen))
	b = zk.AppendInt32(b, req.TimeOut)
	b = zk.AppendInt64(b, int64(req.SessionID))
	b = zk.AppendBuffer(b, req.Passwd)
	if req.HasReadOnly {
		b = zk.AppendBool(b, req.ReadOnly)
	}
	return b
}

func defaultConnect() zk.ConnectRequest {
	return zk.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16), HasReadOnly: true}
}

// handshake connects with the default request and returns the response.
func (c *client) handshake() []byte {
	c.t.Helper()
	c.write(frame(connectPayload(defaultConnect())))
	return c.mustReadFrame()
}

func requestFrame(xid int32, op zk.OpCode, body []byte) []byte {
	p := zk.AppendInt32(nil, xid)
	p = zk.AppendInt32(p, int32(op))
	return frame(append(p, body...))
}

func replyXid(b []byte) int32 { return int32(binary.BigEndian.Uint32(b[4:])) }

// echoHandler is a stateless Handler for fuzzing and benchmarks: it accepts
// every session and answers every request with a bare ReplyHeader.
type echoHandler struct{}

func (echoHandler) Connect(c *Conn, req *zk.ConnectRequest) (zk.ConnectResponse, bool, error) {
	return zk.ConnectResponse{TimeOut: req.TimeOut, SessionID: zk.SessionID(c.ID()), Passwd: make([]byte, 16)}, true, nil
}

func (echoHandler) Request(c *Conn, hdr zk.RequestHeader, body []byte) {
	c.SendReply(zk.ReplyHeader{Xid: hdr.Xid, Zxid: 1}, nil)
}

func (echoHandler) Closed(*Conn, error) {}

func (echoHandler) FourLetter(word string) (string, bool) { return word + " output\n", word != "dump" }
