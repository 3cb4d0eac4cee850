package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
	wire "github.com/paddockdb/paddock/zk"
)

// TestZKConnect covers the connect handshake.
func TestZKConnect(t *testing.T) {
	addr := startServer(t)
	a := rawDial(t, addr, 4*time.Second)
	b := rawDial(t, addr, 4*time.Second)
	for _, r := range []*rawConn{a, b} {
		cr := r.Connect
		if cr.ProtocolVersion != 0 || cr.Timeout != 4000 || cr.SessionID == 0 || len(cr.Passwd) != 16 ||
			bytes.Equal(cr.Passwd, make([]byte, 16)) || !cr.HasReadOnly || cr.ReadOnly {
			t.Fatalf("connect response %+v", cr)
		}
	}
	if a.Connect.SessionID == b.Connect.SessionID {
		t.Fatalf("two sessions share id %#x", a.Connect.SessionID)
	}
	// A client that omits the trailing readOnly byte (as go-zookeeper
	// does) gets a response without it.
	c, err := rawDialOpt(t, addr, rawDialOpts{Timeout: time.Second, NoRO: true})
	if err != nil || c.Connect.SessionID == 0 || c.Connect.HasReadOnly || c.Connect.Timeout != 1000 {
		t.Fatalf("connect without readOnly: %+v %v", c.Connect, err)
	}
	c.ping()
	// Ping: reply xid -2, err 0, the last zxid, no body.
	last := a.mustCall(wire.OpSync, encPath("/")).Zxid
	rep, err := a.callXid(wire.XidPing, wire.OpPing, nil)
	if err != nil || rep.Xid != wire.XidPing || rep.Err != 0 || rep.Zxid != last || len(rep.Body) != 0 {
		t.Fatalf("ping reply %+v %v, want xid -2 zxid %#x", rep, err, last)
	}
	// A client claiming to have seen a zxid the server has not reached is
	// refused: the server closes the connection without a response.
	if _, err := rawDialOpt(t, addr, rawDialOpts{Timeout: time.Second, LastZxid: last + 1000}); err == nil {
		t.Fatal("connect with a lastZxidSeen ahead of the server was answered")
	}
	// Seen exactly the server's last zxid: fine.
	d, err := rawDialOpt(t, addr, rawDialOpts{Timeout: time.Second, LastZxid: last})
	if err != nil || d.Connect.SessionID == 0 {
		t.Fatalf("connect with lastZxidSeen = last zxid: %+v %v", d, err)
	}
}

// TestZKSessionTimeoutNegotiation covers the clamp of the requested timeout
// to [minSessionTimeout, maxSessionTimeout] = [2, 20] ticks by default.
func TestZKSessionTimeoutNegotiation(t *testing.T) {
	addr := startServer(t)
	for _, tc := range []struct{ ask, want time.Duration }{
		{0, testMinSession},
		{time.Millisecond, testMinSession},
		{testMinSession - time.Millisecond, testMinSession},
		{testMinSession + time.Millisecond, testMinSession + time.Millisecond},
		{time.Second, time.Second},
		{testMaxSession, testMaxSession},
		{testMaxSession + time.Millisecond, testMaxSession},
		{time.Hour, testMaxSession},
	} {
		r := rawDial(t, addr, tc.ask)
		if got := time.Duration(r.Connect.Timeout) * time.Millisecond; got != tc.want {
			t.Fatalf("asked %v, negotiated %v, want %v", tc.ask, got, tc.want)
		}
		r.closeSession()
	}
}

// TestZKSessionTimeoutConfig covers explicit min/max session timeouts.
func TestZKSessionTimeoutConfig(t *testing.T) {
	addr := startServer(t, func(c *server.Config) {
		c.MinSessionTimeout = time.Second
		c.MaxSessionTimeout = 2 * time.Second
	})
	for _, tc := range []struct{ ask, want time.Duration }{
		{10 * time.Millisecond, time.Second},
		{1500 * time.Millisecond, 1500 * time.Millisecond},
		{time.Minute, 2 * time.Second},
	} {
		r := rawDial(t, addr, tc.ask)
		if got := time.Duration(r.Connect.Timeout) * time.Millisecond; got != tc.want {
			t.Fatalf("asked %v, negotiated %v, want %v", tc.ask, got, tc.want)
		}
	}
}

// TestZKSessionExpiry lets a session expire and checks its ephemerals are
// deleted in one transaction, other sessions' watches fire and the session
// cannot be re-attached.
func TestZKSessionExpiry(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	obs := dial(t, addr)
	mustCreate(t, obs, root+"/p", nil)

	e := rawDial(t, addr, testMinSession)
	if e.Connect.Timeout != int32(testMinSession/time.Millisecond) {
		t.Fatalf("negotiated %d ms", e.Connect.Timeout)
	}
	wantCode(t, "create ephemeral", e.createErr(root+"/p/e1", []byte("1"), openACL, wire.ModeEphemeral), 0)
	_, seqPath, _ := e.create2(root+"/p/e-", nil, openACL, wire.ModeEphemeralSequential)
	before := mustStat(t, obs, root+"/p")

	_, _, e1Ch, err := obs.ExistsW(root + "/p/e1")
	wantErr(t, "ExistsW", err, nil)
	_, _, seqCh, err := obs.GetW(seqPath)
	wantErr(t, "GetW", err, nil)
	_, _, kidsCh, err := obs.ChildrenW(root + "/p")
	wantErr(t, "ChildrenW", err, nil)

	// The session's last contact: it now goes silent (no pings).
	t0 := time.Now()
	e.ping()
	if !e.Closed(waitLong) {
		t.Fatal("the server did not close the expired session's connection")
	}
	elapsed := time.Since(t0)
	if elapsed < testMinSession {
		t.Fatalf("session expired after %v, before its %v timeout", elapsed, testMinSession)
	}
	if elapsed > testMinSession+testTick+3*time.Second {
		t.Fatalf("session took %v to expire (timeout %v)", elapsed, testMinSession)
	}
	waitWatch(t, e1Ch, zk.EventNodeDeleted, root+"/p/e1")
	waitWatch(t, seqCh, zk.EventNodeDeleted, seqPath)
	waitWatch(t, kidsCh, zk.EventNodeChildrenChanged, root+"/p")
	after := mustStat(t, obs, root+"/p")
	// Both deletes are one closeSession transaction: a single new pzxid;
	// cversion counts both deletes.
	if after.NumChildren != 0 || after.Cversion != before.Cversion+2 || after.Pzxid <= before.Pzxid || after.Mzxid != before.Mzxid {
		t.Fatalf("parent after expiry %+v (before %+v)", after, before)
	}
	for _, p := range []string{root + "/p/e1", seqPath} {
		if ok, _, _ := obs.Exists(p); ok {
			t.Fatalf("%s survived its session", p)
		}
	}
	// Re-attaching an expired session: timeout 0, session id 0, a zero
	// password, then the connection is closed.
	r, err := rawDialOpt(t, addr, rawDialOpts{Timeout: time.Second, SessionID: e.Connect.SessionID, Passwd: e.Connect.Passwd})
	if err != nil {
		t.Fatalf("re-attach: %v", err)
	}
	if r.Connect.SessionID != 0 || r.Connect.Timeout != 0 || !bytes.Equal(r.Connect.Passwd, make([]byte, 16)) {
		t.Fatalf("re-attach of an expired session answered %+v", r.Connect)
	}
	if !r.Closed(rawTimeout) {
		t.Fatal("connection kept open after refusing an expired session")
	}
}

// TestZKSessionExpiryGoClient expires a go-zookeeper session by holding its
// reconnection back; on reconnecting it learns it expired (StateExpired) and
// gets a new session.
func TestZKSessionExpiryGoClient(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	obs := dial(t, addr)
	g := newGate(addr)
	c := connect(t, addr, time.Second, withGate(g))
	old := c.SessionID()
	if _, err := c.Create(root+"/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, _, ch, err := obs.ExistsW(root + "/eph")
	wantErr(t, "ExistsW", err, nil)
	g.cut()
	waitWatch(t, ch, zk.EventNodeDeleted, root+"/eph")
	g.release()
	c.waitSessionEvent(t, zk.StateExpired, 3*rawTimeout)
	c.waitSessionEvent(t, zk.StateHasSession, 3*rawTimeout)
	if c.SessionID() == old || c.SessionID() == 0 {
		t.Fatalf("session after expiry %#x (old %#x)", c.SessionID(), old)
	}
	if _, err := c.Create(root+"/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create with the new session: %v", err)
	}
}

// TestZKCloseSession covers closeSession: ephemerals are gone when the reply
// arrives, watches fire, the connection is closed and the session is dead.
func TestZKCloseSession(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	obs := dial(t, addr)
	mustCreate(t, obs, root+"/p", nil)

	c := dial(t, addr)
	if _, err := c.Create(root+"/p/e", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, _, eCh, _ := obs.ExistsW(root + "/p/e")
	_, _, kCh, _ := obs.ChildrenW(root + "/p")
	c.Close()
	// No polling: once Close has its reply the node is gone.
	if ok, _, err := obs.Exists(root + "/p/e"); ok || err != nil {
		t.Fatalf("ephemeral still there after Close: %v %v", ok, err)
	}
	waitWatch(t, eCh, zk.EventNodeDeleted, root+"/p/e")
	waitWatch(t, kCh, zk.EventNodeChildrenChanged, root+"/p")

	// On the wire.
	r := rawDial(t, addr, 4*time.Second)
	wantCode(t, "create", r.createErr(root+"/p/r1", nil, openACL, wire.ModeEphemeral), 0)
	wantCode(t, "create", r.createErr(root+"/p/r2", nil, openACL, wire.ModeEphemeral), 0)
	rep, err := r.call(wire.OpCloseSession, nil)
	if err != nil || rep.Err != 0 || len(rep.Body) != 0 || rep.Xid <= 0 {
		t.Fatalf("closeSession reply %+v %v", rep, err)
	}
	// The reply carries the close transaction's zxid, which is the parent's
	// new pzxid (both deletes in one transaction).
	st := mustStat(t, obs, root+"/p")
	if st.Pzxid != rep.Zxid || st.NumChildren != 0 {
		t.Fatalf("parent %+v after closeSession with reply zxid %#x", st, rep.Zxid)
	}
	if !r.Closed(rawTimeout) {
		t.Fatal("connection open after closeSession")
	}
	x, err := rawDialOpt(t, addr, rawDialOpts{Timeout: time.Second, SessionID: r.Connect.SessionID, Passwd: r.Connect.Passwd})
	if err != nil || x.Connect.SessionID != 0 {
		t.Fatalf("re-attach of a closed session: %+v %v", x, err)
	}
	// Closing a session without ephemerals is still a transaction.
	q := rawDial(t, addr, 4*time.Second)
	last := q.mustCall(wire.OpSync, encPath("/")).Zxid
	rep, err = q.call(wire.OpCloseSession, nil)
	if err != nil || rep.Err != 0 || rep.Zxid != last+1 {
		t.Fatalf("closeSession reply %+v %v, want zxid %#x", rep, err, last+1)
	}
}

// TestZKSessionReattach moves a live session to a new connection.
func TestZKSessionReattach(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	a := rawDial(t, addr, 2*time.Second)
	sid := a.Connect.SessionID
	wantCode(t, "create", a.createErr(root+"/e", []byte("x"), openACL, wire.ModeEphemeral), 0)

	b, err := rawDialOpt(t, addr, rawDialOpts{Timeout: 3 * time.Second, SessionID: sid, Passwd: a.Connect.Passwd})
	if err != nil {
		t.Fatal(err)
	}
	// Same id and password; the newly requested timeout is granted.
	if b.Connect.SessionID != sid || !bytes.Equal(b.Connect.Passwd, a.Connect.Passwd) || b.Connect.Timeout != 3000 {
		t.Fatalf("re-attach answered %+v (session %#x)", b.Connect, sid)
	}
	// The old connection is closed by the server.
	if !a.Closed(rawTimeout) {
		t.Fatal("old connection still open after the session moved")
	}
	// The session and its ephemerals live on.
	code, eph := b.getEphemerals("/")
	if code != 0 || !equalStrings(eph, []string{root + "/e"}) {
		t.Fatalf("getEphemerals after re-attach: %v %v", code, eph)
	}
	_, st := b.exists(root+"/e", false)
	if int64(st.EphemeralOwner) != sid {
		t.Fatalf("owner %#x, want %#x", st.EphemeralOwner, sid)
	}
	wantCode(t, "create on the new connection", b.createErr(root+"/e2", nil, openACL, wire.ModeEphemeral), 0)
	_, st = b.exists(root+"/e2", false)
	if int64(st.EphemeralOwner) != sid {
		t.Fatalf("owner %#x, want %#x", st.EphemeralOwner, sid)
	}
}

// TestZKSessionWrongPassword re-attaches with a wrong password.
func TestZKSessionWrongPassword(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	a := rawDial(t, addr, 2*time.Second)
	sid := a.Connect.SessionID
	wantCode(t, "create", a.createErr(root+"/e", nil, openACL, wire.ModeEphemeral), 0)
	bad := append([]byte{}, a.Connect.Passwd...)
	bad[3] ^= 0x40
	b, err := rawDialOpt(t, addr, rawDialOpts{Timeout: 2 * time.Second, SessionID: sid, Passwd: bad})
	if err != nil {
		t.Fatal(err)
	}
	// Refused like an expired session: zeros, then closed.
	if b.Connect.SessionID != 0 || b.Connect.Timeout != 0 || !bytes.Equal(b.Connect.Passwd, make([]byte, 16)) {
		t.Fatalf("wrong password answered %+v", b.Connect)
	}
	if !b.Closed(rawTimeout) {
		t.Fatal("connection open after a wrong password")
	}
	// ZooKeeper quirk: before checking the password it disconnects the
	// session's current connection, so the rightful owner is cut off too.
	if !a.Closed(rawTimeout) {
		t.Fatal("ZooKeeper closes the session's existing connection on any re-attach attempt; this one stayed open")
	}
	// The session itself is unharmed: the right password re-attaches.
	c, err := rawDialOpt(t, addr, rawDialOpts{Timeout: 2 * time.Second, SessionID: sid, Passwd: a.Connect.Passwd})
	if err != nil || c.Connect.SessionID != sid {
		t.Fatalf("re-attach with the right password: %+v %v", c.Connect, err)
	}
	if code, st := c.exists(root+"/e", false); code != 0 || int64(st.EphemeralOwner) != sid {
		t.Fatalf("ephemeral after the wrong-password attempt: %v %+v", code, st)
	}
	// A made-up session id is refused the same way.
	d, err := rawDialOpt(t, addr, rawDialOpts{Timeout: 2 * time.Second, SessionID: 0x7fff_0000_0000_1234, Passwd: bad})
	if err != nil || d.Connect.SessionID != 0 || d.Connect.Timeout != 0 {
		t.Fatalf("unknown session: %+v %v", d, err)
	}
}

// TestZKUnknownOpcode: an unknown request type is answered Unimplemented
// (reply zxid -1) and the connection is closed; the session survives.
func TestZKUnknownOpcode(t *testing.T) {
	addr := startServer(t)
	r := rawDial(t, addr, 4*time.Second)
	rep, err := r.call(wire.OpCode(999), nil)
	if err != nil || rep.Err != wire.CodeUnimplemented || rep.Zxid != -1 || len(rep.Body) != 0 {
		t.Fatalf("op 999: %+v %v, want Unimplemented with zxid -1", rep, err)
	}
	if !r.Closed(rawTimeout) {
		t.Fatal("connection open after an unknown op")
	}
	x, err := rawDialOpt(t, addr, rawDialOpts{Timeout: 4 * time.Second, SessionID: r.Connect.SessionID, Passwd: r.Connect.Passwd})
	if err != nil || x.Connect.SessionID != r.Connect.SessionID {
		t.Fatalf("re-attach after an unknown op: %+v %v", x, err)
	}
	x.ping()
}

// TestFourLetterWordsReportLiveFigures: cons, stat and dirs print what the
// connections and directories really hold, not placeholders.
func TestFourLetterWordsReportLiveFigures(t *testing.T) {
	if realZK() {
		t.Skip("compares with in-process state")
	}
	addr := startServer(t)
	c := rawDial(t, addr, 4*time.Second)
	c.createErr("/fourletter", []byte("x"), openACL, 0)
	c.ping()
	word := func(w string) string {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write([]byte(w))
		out, _ := io.ReadAll(conn)
		return string(out)
	}
	cons := word("cons")
	if !strings.Contains(cons, fmt.Sprintf("sid=0x%x", c.Connect.SessionID)) || !strings.Contains(cons, "lop=PING") ||
		strings.Contains(cons, "recved=0,") {
		t.Fatalf("cons:\n%s", cons)
	}
	if dirs := word("dirs"); !strings.Contains(dirs, "logdir_size: ") || strings.Contains(dirs, "logdir_size: 0\n") {
		t.Fatalf("dirs:\n%s", dirs)
	}
	if st := word("stat"); !strings.Contains(st, "Mode: standalone") || !strings.Contains(st, "Clients:") {
		t.Fatalf("stat:\n%s", st)
	}
}
