package zknet

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddockdb/paddock/zk"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHandshake(t *testing.T) {
	ab16 := strings.Repeat("ab", 16)
	tests := []struct {
		name     string
		req      zk.ConnectRequest
		readOnly bool // the server's answer
		want     string
	}{
		{
			name: "with read-only byte",
			req:  zk.ConnectRequest{LastZxidSeen: 5, TimeOut: 30000, Passwd: make([]byte, 16), HasReadOnly: true},
			want: "00000025 00000000 00007530 0000000000001001 00000010" + ab16 + "00",
		},
		{
			name: "without read-only byte (old client, go-zookeeper)",
			req:  zk.ConnectRequest{LastZxidSeen: 5, TimeOut: 30000, Passwd: make([]byte, 16)},
			want: "00000024 00000000 00007530 0000000000001001 00000010" + ab16,
		},
		{
			name:     "read-only server, client sent the byte",
			req:      zk.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16), HasReadOnly: true, ReadOnly: true},
			readOnly: true,
			want:     "00000025 00000000 00000fa0 0000000000001001 00000010" + ab16 + "01",
		},
		{
			name:     "read-only server, client without the byte",
			req:      zk.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)},
			readOnly: true,
			want:     "00000024 00000000 00000fa0 0000000000001001 00000010" + ab16,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFake()
			h.connect = func(c *Conn, req *zk.ConnectRequest) (zk.ConnectResponse, bool, error) {
				return zk.ConnectResponse{
					TimeOut: req.TimeOut, SessionID: 0x1001, Passwd: testPasswd(),
					ReadOnly: tt.readOnly, HasReadOnly: !req.HasReadOnly, // overridden by the server
				}, true, nil
			}
			s := startServer(t, Config{}, h)
			c := dial(t, s)
			c.write(frame(connectPayload(tt.req)))
			got := c.mustReadFrame()
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("response\n got % x\nwant % x", got, want)
			}
			h.mu.Lock()
			gotReq := h.connects[0]
			h.mu.Unlock()
			if gotReq.LastZxidSeen != tt.req.LastZxidSeen || gotReq.TimeOut != tt.req.TimeOut ||
				gotReq.HasReadOnly != tt.req.HasReadOnly || gotReq.ReadOnly != tt.req.ReadOnly ||
				!bytes.Equal(gotReq.Passwd, tt.req.Passwd) {
				t.Fatalf("handler got %+v, want %+v", gotReq, tt.req)
			}
			// The connection is now open for requests.
			c.write(requestFrame(-2, zk.OpPing, nil))
			if r := c.mustReadFrame(); replyXid(r) != -2 {
				t.Fatalf("ping reply xid %d", replyXid(r))
			}
			conns := s.Connections()
			if len(conns) != 1 || conns[0].SessionID() != 0x1001 || conns[0].SessionTimeout() != tt.req.TimeOut {
				t.Fatalf("connection state: %+v", conns[0].Stats())
			}
		})
	}
}

func TestInvalidSession(t *testing.T) {
	for _, hasRO := range []bool{true, false} {
		t.Run(fmt.Sprintf("readOnlyByte=%v", hasRO), func(t *testing.T) {
			h := newFake()
			h.connect = func(*Conn, *zk.ConnectRequest) (zk.ConnectResponse, bool, error) {
				return InvalidSessionResponse(), false, nil
			}
			s := startServer(t, Config{}, h)
			c := dial(t, s)
			req := zk.ConnectRequest{TimeOut: 30000, SessionID: 0x55, Passwd: testPasswd(), HasReadOnly: hasRO}
			// A request pipelined behind the connect must never reach Request.
			c.write(append(frame(connectPayload(req)), requestFrame(1, zk.OpExists, []byte("xx"))...))
			want := "00000024 00000000 00000000 0000000000000000 00000010" + strings.Repeat("00", 16)
			if hasRO {
				want = "00000025 00000000 00000000 0000000000000000 00000010" + strings.Repeat("00", 17)
			}
			if got := c.readAll(); !bytes.Equal(got, unhex(t, want)) {
				t.Fatalf("got % x\nwant %s", got, want)
			}
			_, reason := h.waitClosed(t)
			if !errors.Is(reason, ErrSessionRefused) {
				t.Fatalf("reason %v", reason)
			}
			if n := h.numRequests(); n != 0 {
				t.Fatalf("%d requests reached the handler", n)
			}
		})
	}
}

func TestConnectErrorClosesWithoutAnswer(t *testing.T) {
	h := newFake()
	errAhead := errors.New("Refusing session request for client as it has seen zxid 0x10 our last zxid is 0x5 client must try another server")
	h.connect = func(*Conn, *zk.ConnectRequest) (zk.ConnectResponse, bool, error) {
		return zk.ConnectResponse{}, false, errAhead
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	req := defaultConnect()
	req.LastZxidSeen = 0x10
	c.write(frame(connectPayload(req)))
	c.expectClosed()
	if _, reason := h.waitClosed(t); !errors.Is(reason, errAhead) {
		t.Fatalf("reason %v", reason)
	}
}

func TestBadFirstFrame(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty connect", frame(nil), ErrBadConnect},
		{"short connect", frame([]byte{0, 0, 0}), ErrBadConnect},
		{"passwd longer than frame", frame(append(make([]byte, 24), 0x7f, 0, 0, 0)), ErrBadConnect},
		{"negative passwd length", frame(append(make([]byte, 24), 0xff, 0xff, 0xff, 0xfe)), ErrBadConnect},
		{"unknown word", []byte("abcd"), ErrLenError},
		{"negative length", []byte{0x80, 0, 0, 0}, ErrLenError},
		{"truncated length", []byte{0, 0}, ErrTruncated},
		{"truncated payload", append([]byte{0, 0, 0, 100}, make([]byte, 10)...), ErrTruncated},
		{"eof before anything", nil, ErrEndOfStream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFake()
			s := startServer(t, Config{}, h)
			c := dial(t, s)
			if len(tt.input) > 0 {
				c.write(tt.input)
			}
			_ = c.nc.(interface{ CloseWrite() error }).CloseWrite()
			c.expectClosed()
			if _, reason := h.waitClosed(t); !errors.Is(reason, tt.want) {
				t.Fatalf("reason %v, want %v", reason, tt.want)
			}
			if n := h.numConnects(); n != 0 {
				t.Fatalf("Connect called %d times", n)
			}
		})
	}
}

func TestConnectIgnoresTrailingBytes(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	c.write(frame(append(connectPayload(defaultConnect()), 1, 2, 3)))
	c.mustReadFrame()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.connects[0].HasReadOnly {
		t.Fatal("read-only byte not seen")
	}
}

func TestRequestsFlowInOrder(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	c.handshake()
	c.write(requestFrame(-2, zk.OpPing, nil))
	c.write(requestFrame(1, zk.OpGetData, []byte("body-1")))
	c.write(requestFrame(2, zk.OpExists, []byte("body-2")))
	for _, want := range []int32{-2, 1, 2} {
		r := c.mustReadFrame()
		if len(r) != 4+16 || replyXid(r) != want {
			t.Fatalf("reply % x, want xid %d", r, want)
		}
		if z := int64(binary.BigEndian.Uint64(r[8:])); z != 7 {
			t.Fatalf("zxid %d", z)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	want := []recordedRequest{
		{zk.RequestHeader{Xid: -2, Type: zk.OpPing}, []byte{}},
		{zk.RequestHeader{Xid: 1, Type: zk.OpGetData}, []byte("body-1")},
		{zk.RequestHeader{Xid: 2, Type: zk.OpExists}, []byte("body-2")},
	}
	for i, w := range want {
		if g := h.requests[i]; g.hdr != w.hdr || !bytes.Equal(g.body, w.body) {
			t.Fatalf("request %d: got %+v, want %+v", i, g, w)
		}
	}
}

func TestPipelinedBurst(t *testing.T) {
	const n = 1000
	h := newFake()
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	c.handshake()
	var burst []byte
	for i := 1; i <= n; i++ {
		burst = append(burst, requestFrame(int32(i), zk.OpGetData, []byte("/some/path"))...)
	}
	go func() { _, _ = c.nc.Write(burst) }()
	for i := 1; i <= n; i++ {
		if x := replyXid(c.mustReadFrame()); x != int32(i) {
			t.Fatalf("reply %d has xid %d", i, x)
		}
	}
	st := s.Connections()[0].Stats()
	if st.PacketsReceived != n+1 || st.PacketsSent != n+1 || st.Outstanding != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLengthLimit(t *testing.T) {
	const maxBuf = 1024
	h := newFake()
	h.request = func(c *Conn, hdr zk.RequestHeader, body []byte) {
		c.SendReply(zk.ReplyHeader{Xid: hdr.Xid, Zxid: zk.Zxid(len(body))}, nil)
	}
	s := startServer(t, Config{MaxBuffer: maxBuf}, h)
	good := dial(t, s)
	good.handshake()
	bad := dial(t, s)
	bad.handshake()

	// Exactly MaxBuffer is accepted (ZooKeeper rejects len > jute.maxbuffer).
	good.write(requestFrame(1, zk.OpSetData, make([]byte, maxBuf-8)))
	if r := good.mustReadFrame(); replyXid(r) != 1 {
		t.Fatalf("reply % x", r)
	}
	// One more byte closes only that connection.
	bad.write(requestFrame(1, zk.OpSetData, make([]byte, maxBuf-7)))
	bad.expectClosed()
	_, reason := h.waitClosed(t)
	if !errors.Is(reason, ErrLenError) || !strings.Contains(reason.Error(), "advertised length of 1025") ||
		!strings.Contains(reason.Error(), "jute.maxbuffer=1024") {
		t.Fatalf("reason %v", reason)
	}
	good.write(requestFrame(2, zk.OpPing, nil))
	if r := good.mustReadFrame(); replyXid(r) != 2 {
		t.Fatalf("reply % x", r)
	}
	if n := s.NumConnections(); n != 1 {
		t.Fatalf("%d connections open", n)
	}
}

func TestShortRequestFrame(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	c.handshake()
	c.write(frame([]byte{0, 0, 0, 1}))
	c.expectClosed()
	if _, reason := h.waitClosed(t); !errors.Is(reason, ErrBadHeader) {
		t.Fatalf("reason %v", reason)
	}
}

func TestClientCloseAfterHandshake(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	c.handshake()
	c.nc.Close()
	conn, reason := h.waitClosed(t)
	if !errors.Is(reason, ErrEndOfStream) || conn.SessionID() != 0x1001 {
		t.Fatalf("reason %v, session %v", reason, conn.SessionID())
	}
}

func TestTruncatedAfterHandshake(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	c.handshake()
	c.write([]byte{0, 0, 0, 50, 1, 2, 3})
	c.nc.Close()
	if _, reason := h.waitClosed(t); !errors.Is(reason, ErrTruncated) {
		t.Fatalf("reason %v", reason)
	}
}

func TestFourLetterWords(t *testing.T) {
	tests := []struct {
		name      string
		whitelist []string
		input     string
		want      string // output; "" with wantLen means closed by the length check
		wantLen   bool
	}{
		{name: "srvr always enabled", input: "srvr", want: "Zookeeper version: fake\n"},
		{name: "ruok off the default whitelist", input: "ruok", want: "ruok is not executed because it is not in the whitelist.\n"},
		{name: "echo | nc style trailing newline", input: "ruok\n", want: "ruok is not executed because it is not in the whitelist.\n"},
		{name: "star enables all", whitelist: []string{"*"}, input: "ruok", want: "imok"},
		{name: "listed", whitelist: []string{" stat , ruok"}, input: "stat\n", want: "stat output\n"},
		{name: "not listed", whitelist: []string{"stat, ruok"}, input: "mntr", want: "mntr is not executed because it is not in the whitelist.\n"},
		{name: "whitelisted without output", whitelist: []string{"*"}, input: "wchc", wantLen: true},
		{name: "telnet close off the whitelist", input: "\xff\xf4\xff\xfd", want: "telnet close is not executed because it is not in the whitelist.\n"},
		{name: "telnet close whitelisted", whitelist: []string{"*"}, input: "\xff\xf4\xff\xfd", wantLen: true},
		{name: "stmk", whitelist: []string{"stmk"}, input: "stmk\x00\x00\x00\x00\x00\x00\x01\x02", want: "258"},
		{name: "unknown word", whitelist: []string{"*"}, input: "abcd", wantLen: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFake()
			s := startServer(t, Config{FourLetterWhitelist: tt.whitelist}, h)
			c := dial(t, s)
			c.write([]byte(tt.input))
			got := string(c.readAll())
			_, reason := h.waitClosed(t)
			if tt.wantLen {
				if got != "" || !errors.Is(reason, ErrLenError) {
					t.Fatalf("got %q, reason %v; want a Len error close", got, reason)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if !errors.Is(reason, ErrFourLetter) {
				t.Fatalf("reason %v", reason)
			}
		})
	}
	t.Run("stmk reaches the handler", func(t *testing.T) {
		h := newFake()
		s := startServer(t, Config{FourLetterWhitelist: []string{"*"}}, h)
		c := dial(t, s)
		c.write([]byte("stmk\xff\xff\xff\xff\xff\xff\xff\xfe"))
		if got := string(c.readAll()); got != "-2" {
			t.Fatalf("got %q", got)
		}
		h.waitClosed(t)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.mask != -2 {
			t.Fatalf("mask %d", h.mask)
		}
	})
	t.Run("only the first four bytes", func(t *testing.T) {
		h := newFake()
		s := startServer(t, Config{FourLetterWhitelist: []string{"*"}}, h)
		c := dial(t, s)
		c.handshake()
		c.write([]byte("ruok"))
		c.expectClosed()
		if _, reason := h.waitClosed(t); !errors.Is(reason, ErrLenError) {
			t.Fatalf("reason %v", reason)
		}
	})
}

func TestFourLetterWordCodes(t *testing.T) {
	// The codes are the words read as a big-endian int, as in
	// FourLetterCommands ("ruok" = 0x72756f6b).
	if got := fourLetterCode("ruok"); got != 0x72756f6b {
		t.Fatalf("ruok = %#x", got)
	}
	for _, w := range FourLetterWords() {
		code := uint32(telnetClose)
		if w != telnetCloseWord {
			code = fourLetterCode(w)
		}
		if got, ok := lookupFourLetter(code); !ok || got != w {
			t.Fatalf("lookup(%#x) = %q, %v; want %q", code, got, ok, w)
		}
	}
	if len(FourLetterWords()) != 19 {
		t.Fatalf("%d words", len(FourLetterWords()))
	}
	for _, w := range []string{"abcd", "RUOK", "ruo\x00", "\x00\x00\x00\x10"} {
		if _, ok := lookupFourLetter(fourLetterCode(w)); ok {
			t.Fatalf("%q known", w)
		}
	}
}

func TestWhitelistParsing(t *testing.T) {
	wl := whitelist(nil, false)
	if len(wl) != 1 || !wl["srvr"] {
		t.Fatalf("default whitelist %v", wl)
	}
	wl = whitelist(nil, true)
	if len(wl) != 2 || !wl["isro"] {
		t.Fatalf("read-only whitelist %v", wl)
	}
	wl = whitelist([]string{"ruok, ,stat", "mntr"}, false)
	for _, w := range []string{"ruok", "stat", "mntr", "srvr"} {
		if !wl[w] {
			t.Fatalf("%s missing from %v", w, wl)
		}
	}
	if len(wl) != 4 {
		t.Fatalf("whitelist %v", wl)
	}
	if wl = whitelist([]string{"*"}, false); len(wl) != len(FourLetterWords()) {
		t.Fatalf("star whitelist %v", wl)
	}
}

func TestMaxClientCnxns(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{MaxClientCnxns: 2}, h)
	a, b := dial(t, s), dial(t, s)
	a.handshake()
	b.handshake()
	expectRejected(t, s)
	if n := h.numConnects(); n != 2 {
		t.Fatalf("Connect called %d times", n)
	}
	if r := s.Stats().Rejected; r != 1 {
		t.Fatalf("Stats().Rejected = %d, want 1", r)
	}
	if n := s.NumConnections(); n != 2 {
		t.Fatalf("%d connections", n)
	}
	// Closing one makes room again.
	a.nc.Close()
	h.waitClosed(t)
	d := dial(t, s)
	d.handshake()
	b.write(requestFrame(3, zk.OpPing, nil))
	if r := b.mustReadFrame(); replyXid(r) != 3 {
		t.Fatalf("reply % x", r)
	}
}

// expectRejected dials s and checks the connection is reset or closed
// before it is served. The reset may already fail the dial.
func expectRejected(t *testing.T, s *Server) {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		if !isReset(err) {
			t.Fatalf("dial: %v", err)
		}
		return
	}
	defer nc.Close()
	_, _ = nc.Write(frame(connectPayload(defaultConnect()))) // may meet the reset
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(nc)
	if len(b) != 0 || (err != nil && !isReset(err)) {
		t.Fatalf("rejected connection read %q, %v", b, err)
	}
}

func TestMaxClientCnxnsReleasedOnClose(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{MaxClientCnxns: 1, LingerTimeout: 5 * time.Second}, h)
	a := dial(t, s)
	a.write([]byte("srvr"))
	// Read the answer up to the server's FIN but keep our side open: the
	// server lingers, yet its slot is already free.
	_ = a.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if out, err := io.ReadAll(a.br); err != nil || string(out) != "Zookeeper version: fake\n" {
		t.Fatalf("srvr: %q, %v", out, err)
	}
	b := dial(t, s)
	b.handshake()
}

func TestMaxCnxns(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{MaxCnxns: 1}, h)
	a := dial(t, s)
	a.handshake()
	expectRejected(t, s)
}

func TestSessionlessTimeout(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{SessionlessTimeout: 100 * time.Millisecond}, h)
	c := dial(t, s)
	start := time.Now()
	c.expectClosed()
	if _, reason := h.waitClosed(t); !errors.Is(reason, ErrExpired) {
		t.Fatalf("reason %v", reason)
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("closed after %v", d)
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	h := newFake()
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	req := defaultConnect()
	req.TimeOut = 300
	c.write(frame(connectPayload(req)))
	c.mustReadFrame()
	// Pings within the timeout keep it open.
	for i := 0; i < 3; i++ {
		time.Sleep(100 * time.Millisecond)
		c.write(requestFrame(-2, zk.OpPing, nil))
		c.mustReadFrame()
	}
	c.expectClosed()
	if _, reason := h.waitClosed(t); !errors.Is(reason, ErrExpired) {
		t.Fatalf("reason %v", reason)
	}
}

func TestSendEventBytes(t *testing.T) {
	h := newFake()
	h.request = func(c *Conn, hdr zk.RequestHeader, body []byte) {
		c.SendEvent(zk.WatcherEvent{Type: zk.EventNodeDataChanged, State: zk.StateSyncConnected, Path: "/a"})
		c.SendReplyBytes(zk.ReplyHeader{Xid: hdr.Xid, Zxid: 0x100000002, Err: zk.Code(-101)}, []byte{9, 9})
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	c.handshake()
	c.write(requestFrame(4, zk.OpGetData, nil))
	want := "0000001e ffffffff ffffffffffffffff 00000000 00000003 00000003 00000002 2f61"
	if got := c.mustReadFrame(); !bytes.Equal(got, unhex(t, want)) {
		t.Fatalf("event\n got % x\nwant %s", got, want)
	}
	want = "00000012 00000004 0000000100000002 ffffff9b 0909"
	if got := c.mustReadFrame(); !bytes.Equal(got, unhex(t, want)) {
		t.Fatalf("reply\n got % x\nwant %s", got, want)
	}
}

// echoRecord is a zk.Record for tests.
type echoRecord struct{ b []byte }

func (r *echoRecord) Append(dst []byte) []byte { return zk.AppendBuffer(dst, r.b) }
func (r *echoRecord) Decode(d *zk.Decoder)     { r.b = d.Buffer() }

func TestCloseFlushesQueuedOutput(t *testing.T) {
	h := newFake()
	h.request = func(c *Conn, hdr zk.RequestHeader, body []byte) {
		// closeSession: reply, then close, as ZooKeeper sends closeConn.
		c.SendReply(zk.ReplyHeader{Xid: hdr.Xid, Zxid: 9}, &echoRecord{body})
		c.Close(nil)
		c.SendReply(zk.ReplyHeader{Xid: 99}, nil) // dropped
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	c.handshake()
	c.write(requestFrame(5, zk.OpCloseSession, []byte("bye")))
	want := frame(append(unhex(t, "00000005 0000000000000009 00000000 00000003"), "bye"...))
	if got := c.readAll(); !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
	if _, reason := h.waitClosed(t); !errors.Is(reason, ErrClosed) {
		t.Fatalf("reason %v", reason)
	}
}

func TestConcurrentSendReply(t *testing.T) {
	const senders, each = 8, 300
	h := newFake()
	ready := make(chan *Conn, 1)
	h.request = func(c *Conn, hdr zk.RequestHeader, body []byte) { ready <- c }
	s := startServer(t, Config{}, h)
	cl := dial(t, s)
	cl.handshake()
	cl.write(requestFrame(-2, zk.OpPing, nil))
	conn := <-ready

	var wg sync.WaitGroup
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := &echoRecord{b: []byte{byte(g)}}
			for i := 0; i < each; i++ {
				// xid = sender<<16 | sequence
				conn.SendReply(zk.ReplyHeader{Xid: int32(g<<16 | i), Zxid: zk.Zxid(i)}, rec)
				if i%50 == 0 {
					_ = conn.Stats()
				}
			}
		}()
	}
	next := make([]int, senders)
	for n := 0; n < senders*each; n++ {
		r := cl.mustReadFrame()
		x := replyXid(r)
		g, i := int(x>>16), int(x&0xffff)
		if g >= senders || i != next[g] || r[len(r)-1] != byte(g) {
			t.Fatalf("reply %d: sender %d seq %d, want seq %d", n, g, i, next[g])
		}
		next[g]++
	}
	wg.Wait()
}

func TestOutputOverflow(t *testing.T) {
	h := newFake()
	started := make(chan *Conn, 1)
	h.request = func(c *Conn, hdr zk.RequestHeader, body []byte) { started <- c }
	s := startServer(t, Config{MaxPendingOutput: 256 << 10}, h)
	cl := dial(t, s)
	cl.handshake()
	cl.write(requestFrame(1, zk.OpGetData, nil))
	conn := <-started
	// The client reads nothing; once the socket buffers are full the queue
	// grows past the limit.
	chunk := frame(make([]byte, 16<<10))
fill:
	for i := 0; i < 1<<14; i++ {
		select {
		case <-conn.Done():
			break fill
		default:
			conn.Send(chunk)
		}
	}
	_, reason := h.waitClosed(t)
	if !errors.Is(reason, ErrOutputOverflow) {
		t.Fatalf("reason %v", reason)
	}
}

func TestServerCloseNoLeaks(t *testing.T) {
	h := newFake()
	block := make(chan struct{})
	var busyDone atomic.Bool
	entered := make(chan struct{})
	h.request = func(c *Conn, hdr zk.RequestHeader, body []byte) {
		if hdr.Type == zk.OpSync {
			close(entered)
			<-block // a handler still busy when Close starts
			busyDone.Store(true)
		}
		c.SendReply(zk.ReplyHeader{Xid: hdr.Xid}, nil)
	}
	s, err := NewServer(Config{Addr: "127.0.0.1:0"}, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	var clients []*client
	for i := 0; i < 5; i++ {
		c := dial(t, s)
		c.handshake()
		clients = append(clients, c)
	}
	clients = append(clients, dial(t, s)) // no handshake yet
	half := dial(t, s)
	half.write([]byte{0, 0, 0, 40, 1}) // mid-frame
	clients[0].write(requestFrame(1, zk.OpSync, nil))
	<-entered
	for s.NumConnections() < 7 {
		time.Sleep(time.Millisecond)
	}
	time.AfterFunc(50*time.Millisecond, func() { close(block) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.NumConnections(); n != 0 {
		t.Fatalf("%d connections after Close", n)
	}
	h.mu.Lock()
	if len(h.closed) != 7 {
		t.Errorf("Closed called for %d connections, want 7", len(h.closed))
	}
	for c, rs := range h.closed {
		if len(rs) != 1 || !errors.Is(rs[0], ErrServerClosed) {
			t.Errorf("conn %d: reasons %v", c.ID(), rs)
		}
	}
	h.mu.Unlock()
	if !busyDone.Load() {
		t.Fatal("Close returned while a Handler.Request was running")
	}
	for _, c := range append(clients, half) {
		c.nc.Close()
	}
	checkGoroutines(t)
	if err := s.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	if err := s.Start(); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
}

func TestStats(t *testing.T) {
	h := newFake()
	h.request = func(c *Conn, hdr zk.RequestHeader, body []byte) {
		start := time.Now().Add(-3 * time.Millisecond)
		c.SendReply(zk.ReplyHeader{Xid: hdr.Xid, Zxid: 12}, nil)
		c.RecordResponse(int64(hdr.Xid), 12, "GETD", start, start.Add(3*time.Millisecond))
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	c.handshake()
	conn := s.Connections()[0]
	if st := conn.Stats(); st.LastOp != "NA" || st.LastCxid != -1 || st.LastZxid != -1 || st.MinLatency != 0 {
		t.Fatalf("initial stats %+v", st)
	}
	c.write(requestFrame(8, zk.OpGetData, nil))
	c.mustReadFrame()
	c.write(requestFrame(-2, zk.OpPing, nil))
	c.mustReadFrame()
	st := conn.Stats()
	if st.LastOp != "GETD" || st.LastCxid != 8 || st.LastZxid != 12 || st.PacketsReceived != 3 ||
		st.PacketsSent != 3 || st.MinLatency != 3*time.Millisecond || st.AvgLatency != 3*time.Millisecond ||
		st.Outstanding != 0 || st.SessionID != 0x1001 || st.SessionTimeout != 30000 {
		t.Fatalf("stats %+v", st)
	}
	if st.InterestOps != 1 {
		t.Errorf("InterestOps %d, want 1 for a client connection", st.InterestOps)
	}
	// Two 16-byte header-only replies; three frames in: the handshake
	// (4+44 bytes and more) and two 12-byte requests.
	if ss := s.Stats(); ss.PacketsReceived != 3 || ss.PacketsSent != 3 || ss.LastResponseSize != 16 ||
		ss.MinResponseSize != 16 || ss.MaxResponseSize != 16 || ss.ResponseBytes != 32 || ss.BytesReceived < 2*12+48 || ss.Rejected != 0 {
		t.Fatalf("server stats %+v", ss)
	}
	conn.ResetStats()
	s.ResetStats()
	if st := conn.Stats(); st.PacketsReceived != 0 || st.LastOp != "NA" {
		t.Fatalf("after reset %+v", st)
	}
	if ss := s.Stats(); ss.LastResponseSize != -1 || ss.MinResponseSize != -1 || ss.MaxResponseSize != -1 {
		t.Fatalf("server stats after reset %+v", ss)
	}
}

func TestNewServerRequiresHandler(t *testing.T) {
	if _, err := NewServer(Config{}, nil); err == nil {
		t.Fatal("nil handler accepted")
	}
}
