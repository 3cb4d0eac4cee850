package server_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
	wire "github.com/paddockdb/paddock/zk"
)

// jute.maxbuffer bounds the length of a whole request frame (the 4-byte
// length prefix excluded), not the data: a request whose frame is longer
// than jute.maxbuffer makes ZooKeeper close that connection (no reply, the
// session survives). So the largest znode data depends on the request:
//
//	setData: frame = xid 4 + type 4 + path (4+len) + data (4+n) + version 4
//	create:  frame = 8 + path (4+len) + data (4+n) + ACL vector + flags 4
//	         (world:anyone: 4 + 4 + (4+5) + (4+6) = 27 bytes)
func maxSetData(maxBuffer int, path string) int { return maxBuffer - 20 - len(path) }

func maxCreateData(maxBuffer int, path string) int { return maxBuffer - 8 - 4 - len(path) - 4 - 27 - 4 }

// TestZKMaxBuffer probes the exact boundary with the default
// jute.maxbuffer (0xfffff).
func TestZKMaxBuffer(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	probeMaxBuffer(t, addr, root, defaultMaxBuffer)
}

// TestZKMaxBufferConfig probes it with a small configured limit.
func TestZKMaxBufferConfig(t *testing.T) {
	addr := startServer(t, func(c *server.Config) { c.JuteMaxBuffer = 4096 })
	root := testRoot(t, addr)
	probeMaxBuffer(t, addr, root, 4096)
}

func probeMaxBuffer(t *testing.T, addr, root string, maxBuffer int) {
	other := rawDial(t, addr, 4*time.Second) // must be unaffected throughout
	p := root + "/big"
	wantCode(t, "create", other.createErr(p, nil, openACL, 0), 0)

	n := maxSetData(maxBuffer, p)
	big := bytes.Repeat([]byte{'x'}, n+1)
	a := rawDial(t, addr, 4*time.Second)
	rep, err := a.call(wire.OpSetData, encSetData(p, big[:n], -1))
	if err != nil || rep.Err != 0 {
		t.Fatalf("setData of %d bytes (a %d-byte frame): %+v %v, want ok", n, maxBuffer, rep, err)
	}
	code, data, st := other.getData(p, false)
	if code != 0 || len(data) != n || int(st.DataLength) != n || st.Version != 1 {
		t.Fatalf("getData: %v, %d bytes, %+v", code, len(data), st)
	}
	// One byte more: the connection is closed, nothing is answered or
	// written.
	b := rawDial(t, addr, 4*time.Second)
	if rep, err := b.call(wire.OpSetData, encSetData(p, big[:n+1], -1)); err == nil {
		t.Fatalf("setData of %d bytes (a %d-byte frame) answered %+v, want the connection closed", n+1, maxBuffer+1, rep)
	}
	if !b.Closed(rawTimeout) {
		t.Fatal("connection still open")
	}
	other.ping()
	a.ping()
	if _, st := other.exists(p, false); st.Version != 1 {
		t.Fatalf("the oversized setData was applied: %+v", st)
	}
	// The session of the closed connection is alive.
	b2, err := rawDialOpt(t, addr, rawDialOpts{Timeout: 4 * time.Second, SessionID: b.Connect.SessionID, Passwd: b.Connect.Passwd})
	if err != nil || b2.Connect.SessionID != b.Connect.SessionID {
		t.Fatalf("re-attach after an oversized frame: %+v %v", b2, err)
	}

	// create: same rule, with its own overhead.
	cp := root + "/c"
	m := maxCreateData(maxBuffer, cp)
	cbig := bytes.Repeat([]byte{'y'}, m+1)
	if code := a.createErr(cp, cbig[:m], openACL, 0); code != 0 {
		t.Fatalf("create with %d bytes: %v", m, code)
	}
	wantCode(t, "delete", a.delete(cp, -1), 0)
	c := rawDial(t, addr, 4*time.Second)
	if rep, err := c.call(wire.OpCreate, encCreate(cp, cbig, openACL, 0)); err == nil {
		t.Fatalf("create with %d bytes answered %+v, want the connection closed", m+1, rep)
	}
	if code, _ := other.exists(cp, false); code != wire.CodeNoNode {
		t.Fatal("the oversized create was applied")
	}

	// A frame announcing a huge length is refused as soon as the length is
	// read (no need to send the body).
	d := rawDial(t, addr, 4*time.Second)
	hdr := []byte{0x7f, 0xff, 0xff, 0xff}
	if _, err := d.c.Write(hdr); err != nil {
		t.Fatal(err)
	}
	if !d.Closed(rawTimeout) {
		t.Fatal("connection open after announcing a 2 GiB frame")
	}
	// A negative length likewise.
	e := rawDial(t, addr, 4*time.Second)
	if _, err := e.c.Write([]byte{0xff, 0xff, 0xff, 0xfe}); err != nil {
		t.Fatal(err)
	}
	if !e.Closed(rawTimeout) {
		t.Fatal("connection open after announcing a negative frame length")
	}
	other.ping()
}

// TestZKMaxBufferGoClient: the same through go-zookeeper, which reconnects
// to its session after the server drops the connection.
func TestZKMaxBufferGoClient(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	p := root + "/big"
	mustCreate(t, c, p, nil)
	sid := c.SessionID()
	n := maxSetData(defaultMaxBuffer, p)
	st, err := c.Set(p, bytes.Repeat([]byte{'z'}, n), -1)
	wantErr(t, "Set max", err, nil)
	if int(st.DataLength) != n {
		t.Fatalf("dataLength %d", st.DataLength)
	}
	data, _, err := c.Get(p)
	if err != nil || len(data) != n {
		t.Fatalf("Get: %d bytes, %v", len(data), err)
	}
	_, err = c.Set(p, bytes.Repeat([]byte{'z'}, n+1), -1)
	if err == nil {
		t.Fatal("Set of one byte more succeeded")
	}
	c.waitSessionEvent(t, zk.StateHasSession, 3*rawTimeout)
	if c.SessionID() != sid {
		t.Fatalf("session changed from %#x to %#x", sid, c.SessionID())
	}
	_, st2, err := c.Get(p)
	if err != nil || st2.Version != 1 {
		t.Fatalf("after the oversized Set: %+v %v", st2, err)
	}
}
