package zknet

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/paddockdb/paddock/zk"
)

// FuzzConnectFrame checks that decoding any first frame never panics, and
// that what decodes re-encodes to the same bytes (less any ignored tail).
func FuzzConnectFrame(f *testing.F) {
	f.Add(connectPayload(defaultConnect()))
	old := defaultConnect()
	old.HasReadOnly = false
	f.Add(connectPayload(old))
	f.Add([]byte{})
	f.Add(append(make([]byte, 24), 0xff, 0xff, 0xff, 0xff))
	f.Add(append(make([]byte, 24), 0x7f, 0xff, 0xff, 0xff))
	f.Fuzz(func(t *testing.T, data []byte) {
		var req zk.ConnectRequest
		if err := decodeConnect(data, &req); err != nil {
			return
		}
		enc := connectPayload(req)
		if req.HasReadOnly && data[len(enc)-1] != 0 {
			enc[len(enc)-1] = data[len(enc)-1] // any non-zero byte reads as true
		}
		if !bytes.HasPrefix(data, enc) {
			t.Fatalf("decoded %+v re-encodes to % x, input % x", req, enc, data)
		}
		if !req.HasReadOnly && len(enc) != len(data) {
			t.Fatalf("read-only byte missed: % x", data)
		}
	})
}

// FuzzFrames feeds arbitrary bytes into a connection of a live server and
// checks that the server closes it once the client's side ends, never
// panics, and keeps serving a fresh connection afterwards.
func FuzzFrames(f *testing.F) {
	connect := frame(connectPayload(defaultConnect()))
	f.Add(connect)
	f.Add(append(append([]byte{}, connect...), requestFrame(-2, zk.OpPing, nil)...))
	f.Add(append(append([]byte{}, connect...), requestFrame(1, zk.OpGetData, []byte("/a"))...))
	f.Add(append(append([]byte{}, connect...), 0, 0, 0, 3, 1, 2, 3))
	f.Add(append(append([]byte{}, connect...), 0x7f, 0xff, 0xff, 0xff))
	f.Add([]byte("ruok"))
	f.Add([]byte("stmk\x00\x00"))
	f.Add([]byte("dump\n"))
	f.Add([]byte{0xff, 0xf4, 0xff, 0xfd})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})

	s := startServer(f, Config{
		MaxBuffer:           4096,
		FourLetterWhitelist: []string{"*"},
		LingerTimeout:       20 * time.Millisecond,
	}, echoHandler{})
	f.Fuzz(func(t *testing.T, data []byte) {
		nc, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := nc.Write(data); err == nil {
			_ = nc.(*net.TCPConn).CloseWrite()
		}
		if _, err := io.Copy(io.Discard, nc); err != nil && !isReset(err) {
			t.Fatalf("server did not close the connection: %v", err)
		}
		nc.Close()

		c := dial(t, s)
		if r := c.handshake(); len(r) != 4+37 {
			t.Fatalf("handshake after fuzz input: % x", r)
		}
		c.write(requestFrame(-2, zk.OpPing, nil))
		if r := c.mustReadFrame(); replyXid(r) != -2 {
			t.Fatalf("ping after fuzz input: % x", r)
		}
	})
}
