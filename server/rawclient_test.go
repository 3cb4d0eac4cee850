package server_test

// A minimal ZooKeeper wire client for the opcodes go-zookeeper lacks
// (create2, getChildren, getEphemerals, getAllChildrenNumber, whoAmI,
// multiRead, checkWatches, removeWatches, setWatches2, addWatch, ...) and
// for byte-exact checks (reply headers, error layouts, connect responses).
//
// It encodes with package zk's jute primitives only (zk.Append*, zk.Decoder),
// independently of zk's record methods, so these tests also cross-check the
// server's codec rather than sharing it.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	wire "github.com/paddockdb/paddock/zk"
)

// rawTimeout bounds every wait of the raw client.
const rawTimeout = 5 * time.Second

// rawReply is one reply frame: its header and the undecoded body.
type rawReply struct {
	Xid  int32
	Zxid int64
	Err  wire.Code
	Body []byte
	Seq  int64 // arrival order among all frames of the connection
}

// rawEvent is one watch notification (xid -1).
type rawEvent struct {
	Type  wire.EventType
	State wire.KeeperState
	Path  string
	Zxid  int64 // the reply header's zxid (ZooKeeper sends -1)
	Seq   int64
}

func (e rawEvent) String() string {
	return fmt.Sprintf("{type %d state %d path %q}", e.Type, e.State, e.Path)
}

// rawConnectResult is a decoded ConnectResponse.
type rawConnectResult struct {
	ProtocolVersion int32
	Timeout         int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// rawConn is one TCP connection carrying one session.
type rawConn struct {
	t       testing.TB
	addr    string
	c       net.Conn
	Connect rawConnectResult

	mu      sync.Mutex
	xid     int32
	pending map[int32]chan rawReply
	events  chan rawEvent
	seq     int64
	closed  chan struct{} // closed when the read loop ends
	readErr error
	wmu     sync.Mutex
}

// rawDialOpts selects the connect request's fields.
type rawDialOpts struct {
	Timeout   time.Duration // requested session timeout
	SessionID int64
	Passwd    []byte
	LastZxid  int64
	NoRO      bool // omit the trailing readOnly byte (as go-zookeeper does)
}

// rawDial opens a connection and a new session with the requested timeout.
func rawDial(t testing.TB, addr string, timeout time.Duration) *rawConn {
	t.Helper()
	r, err := rawDialOpt(t, addr, rawDialOpts{Timeout: timeout})
	if err != nil {
		t.Fatalf("raw connect to %s: %v", addr, err)
	}
	if r.Connect.SessionID == 0 {
		t.Fatalf("raw connect to %s: server answered session id 0", addr)
	}
	return r
}

// rawDialOpt connects with explicit connect-request fields. It returns the
// connection even when the server refused the session (session id 0), so
// callers can inspect the response; the connection is closed at test end.
func rawDialOpt(t testing.TB, addr string, o rawDialOpts) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", addr, rawTimeout)
	if err != nil {
		return nil, err
	}
	passwd := o.Passwd
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	var b []byte
	b = wire.AppendInt32(b, 0) // protocol version
	b = wire.AppendInt64(b, o.LastZxid)
	b = wire.AppendInt32(b, int32(o.Timeout/time.Millisecond))
	b = wire.AppendInt64(b, o.SessionID)
	b = wire.AppendBuffer(b, passwd)
	if !o.NoRO {
		b = wire.AppendBool(b, false)
	}
	_ = c.SetDeadline(time.Now().Add(rawTimeout))
	if err := writeFrame(c, b); err != nil {
		c.Close()
		return nil, err
	}
	body, err := readFrame(c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("reading connect response: %w", err)
	}
	_ = c.SetDeadline(time.Time{})
	d := wire.NewDecoder(body)
	var cr rawConnectResult
	cr.ProtocolVersion = d.Int32()
	cr.Timeout = d.Int32()
	cr.SessionID = d.Int64()
	cr.Passwd = append([]byte(nil), d.Buffer()...)
	if d.Remaining() > 0 {
		cr.HasReadOnly = true
		cr.ReadOnly = d.Bool()
	}
	if err := d.Finish(); err != nil {
		c.Close()
		return nil, fmt.Errorf("decoding connect response %x: %w", body, err)
	}
	r := &rawConn{
		t: t, addr: addr, c: c, Connect: cr,
		pending: make(map[int32]chan rawReply),
		events:  make(chan rawEvent, 1024),
		closed:  make(chan struct{}),
	}
	go r.readLoop()
	t.Cleanup(r.shutdown)
	return r, nil
}

func writeFrame(w io.Writer, body []byte) error {
	f := make([]byte, 4, 4+len(body))
	binary.BigEndian.PutUint32(f, uint32(len(body)))
	_, err := w.Write(append(f, body...))
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(l[:]))
	if n < 0 || n > 64<<20 {
		return nil, fmt.Errorf("bad frame length %d", n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}

func (r *rawConn) readLoop() {
	defer close(r.closed)
	for {
		b, err := readFrame(r.c)
		if err != nil {
			r.mu.Lock()
			r.readErr = err
			r.mu.Unlock()
			return
		}
		d := wire.NewDecoder(b)
		xid := d.Int32()
		zxid := d.Int64()
		code := wire.Code(d.Int32())
		if d.Err() != nil {
			r.mu.Lock()
			r.readErr = fmt.Errorf("short reply header %x", b)
			r.mu.Unlock()
			return
		}
		r.mu.Lock()
		r.seq++
		seq := r.seq
		r.mu.Unlock()
		if xid == wire.XidWatchEvent {
			ev := rawEvent{Zxid: zxid, Seq: seq}
			ev.Type = wire.EventType(d.Int32())
			ev.State = wire.KeeperState(d.Int32())
			ev.Path = d.String()
			if err := d.Finish(); err != nil {
				r.mu.Lock()
				r.readErr = fmt.Errorf("bad watcher event %x: %w", b, err)
				r.mu.Unlock()
				return
			}
			ev.Path = string([]byte(ev.Path))
			r.events <- ev
			continue
		}
		rep := rawReply{Xid: xid, Zxid: zxid, Err: code, Body: b[16:], Seq: seq}
		r.mu.Lock()
		ch := r.pending[xid]
		delete(r.pending, xid)
		r.mu.Unlock()
		if ch != nil {
			ch <- rep
		}
	}
}

// shutdown closes the session (best effort, so it does not linger on a
// shared server and expire in the middle of a later test) and the
// connection. When the server already closed the connection, the session
// may still be alive: it re-attaches on a new connection to close it.
func (r *rawConn) shutdown() {
	if r.Connect.SessionID == 0 {
		r.c.Close()
		return
	}
	select {
	case <-r.closed:
		r.c.Close()
		closeSessionBestEffort(r.addr, r.Connect.SessionID, r.Connect.Passwd)
	default:
		if ch, err := r.send(r.nextXid(), wire.OpCloseSession, nil); err == nil {
			select {
			case <-ch:
			case <-r.closed:
			case <-time.After(time.Second):
			}
		}
		r.c.Close()
	}
}

// closeSessionBestEffort re-attaches to a session and closes it; a dead
// session is answered with id 0 and left alone.
func closeSessionBestEffort(addr string, sid int64, passwd []byte) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	var b []byte
	b = wire.AppendInt32(b, 0)
	b = wire.AppendInt64(b, 0)
	b = wire.AppendInt32(b, 4000)
	b = wire.AppendInt64(b, sid)
	b = wire.AppendBuffer(b, passwd)
	b = wire.AppendBool(b, false)
	if writeFrame(c, b) != nil {
		return
	}
	body, err := readFrame(c)
	if err != nil {
		return
	}
	d := wire.NewDecoder(body)
	d.Int32()
	d.Int32()
	if d.Int64() == 0 {
		return
	}
	var req []byte
	req = wire.AppendInt32(req, 1)
	req = wire.AppendInt32(req, int32(wire.OpCloseSession))
	if writeFrame(c, req) != nil {
		return
	}
	_, _ = readFrame(c)
}

// Closed reports whether the server closed the connection (the read loop
// ended), waiting up to d.
func (r *rawConn) Closed(d time.Duration) bool {
	select {
	case <-r.closed:
		return true
	case <-time.After(d):
		return false
	}
}

// send writes one request frame and returns the channel its reply arrives on.
func (r *rawConn) send(xid int32, op wire.OpCode, body []byte) (chan rawReply, error) {
	ch := make(chan rawReply, 1)
	r.mu.Lock()
	r.pending[xid] = ch
	r.mu.Unlock()
	var b []byte
	b = wire.AppendInt32(b, xid)
	b = wire.AppendInt32(b, int32(op))
	b = append(b, body...)
	r.wmu.Lock()
	_ = r.c.SetWriteDeadline(time.Now().Add(rawTimeout))
	err := writeFrame(r.c, b)
	r.wmu.Unlock()
	return ch, err
}

func (r *rawConn) nextXid() int32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.xid++
	return r.xid
}

// call sends one request and waits for its reply. An error means the
// connection failed (closed by the server, or no reply in time).
func (r *rawConn) call(op wire.OpCode, body []byte) (rawReply, error) {
	return r.callXid(r.nextXid(), op, body)
}

func (r *rawConn) callXid(xid int32, op wire.OpCode, body []byte) (rawReply, error) {
	ch, err := r.send(xid, op, body)
	if err != nil {
		return rawReply{}, err
	}
	select {
	case rep := <-ch:
		return rep, nil
	case <-r.closed:
		// The reply may have raced the close.
		select {
		case rep := <-ch:
			return rep, nil
		default:
		}
		return rawReply{}, errConnClosed
	case <-time.After(rawTimeout):
		return rawReply{}, fmt.Errorf("no reply to %v within %v", op, rawTimeout)
	}
}

var errConnClosed = errors.New("connection closed by server")

// mustCall is call that fails the test on a connection failure.
func (r *rawConn) mustCall(op wire.OpCode, body []byte) rawReply {
	r.t.Helper()
	rep, err := r.call(op, body)
	if err != nil {
		r.t.Fatalf("%v: %v", op, err)
	}
	return rep
}

// waitReply waits for a reply on a channel from send.
func waitReply(t testing.TB, ch chan rawReply) rawReply {
	t.Helper()
	select {
	case rep := <-ch:
		return rep
	case <-time.After(rawTimeout):
		t.Fatalf("no reply within %v", rawTimeout)
		return rawReply{}
	}
}

// ping sends a ping and waits for its reply (xid -2): a full round trip,
// so every event the server queued before it has been read.
func (r *rawConn) ping() {
	r.t.Helper()
	if _, err := r.callXid(wire.XidPing, wire.OpPing, nil); err != nil {
		r.t.Fatalf("ping: %v", err)
	}
}

// close sends closeSession and waits for the reply.
func (r *rawConn) closeSession() {
	r.t.Helper()
	rep, err := r.call(wire.OpCloseSession, nil)
	if err != nil {
		r.t.Fatalf("closeSession: %v", err)
	}
	if rep.Err != 0 {
		r.t.Fatalf("closeSession: %v", rep.Err)
	}
}

// nextEvent waits up to d for the next watch event.
func (r *rawConn) nextEvent(d time.Duration) (rawEvent, bool) {
	select {
	case ev := <-r.events:
		return ev, true
	case <-time.After(d):
		return rawEvent{}, false
	}
}

// pollEvent returns an event already received, if any.
func (r *rawConn) pollEvent() (rawEvent, bool) {
	select {
	case ev := <-r.events:
		return ev, true
	default:
		return rawEvent{}, false
	}
}

// mustEvent waits for the next event and checks it.
func (r *rawConn) mustEvent(typ wire.EventType, path string) rawEvent {
	r.t.Helper()
	ev, ok := r.nextEvent(rawTimeout)
	if !ok {
		r.t.Fatalf("no event, want type %d path %q", typ, path)
	}
	if ev.Type != typ || ev.Path != path || ev.State != wire.StateSyncConnected {
		r.t.Fatalf("event %v, want {type %d state 3 path %q}", ev, typ, path)
	}
	if ev.Zxid != -1 {
		r.t.Fatalf("event %v carries zxid %d in its reply header, want -1", ev, ev.Zxid)
	}
	return ev
}

// noEvents does a round trip and checks that no event arrived.
func (r *rawConn) noEvents() {
	r.t.Helper()
	r.ping()
	select {
	case ev := <-r.events:
		r.t.Fatalf("unexpected event %v", ev)
	default:
	}
}

// ---- request encoders ----

func encPath(path string) []byte { return wire.AppendString(nil, path) }

func encPathWatch(path string, watch bool) []byte {
	return wire.AppendBool(wire.AppendString(nil, path), watch)
}

func encPathVersion(path string, version int32) []byte {
	return wire.AppendInt32(wire.AppendString(nil, path), version)
}

func encPathInt(path string, v int32) []byte { return encPathVersion(path, v) }

func appendACLs(b []byte, acl []wire.ACL) []byte {
	if acl == nil {
		return wire.AppendInt32(b, -1)
	}
	b = wire.AppendInt32(b, int32(len(acl)))
	for _, a := range acl {
		b = wire.AppendInt32(b, a.Perms)
		b = wire.AppendString(b, a.ID.Scheme)
		b = wire.AppendString(b, a.ID.ID)
	}
	return b
}

var openACL = []wire.ACL{{Perms: wire.PermAll, ID: wire.Id{Scheme: "world", ID: "anyone"}}}

func encCreate(path string, data []byte, acl []wire.ACL, flags int32) []byte {
	var b []byte
	b = wire.AppendString(b, path)
	b = wire.AppendBuffer(b, data)
	b = appendACLs(b, acl)
	return wire.AppendInt32(b, flags)
}

func encCreateTTL(path string, data []byte, acl []wire.ACL, flags int32, ttl int64) []byte {
	return wire.AppendInt64(encCreate(path, data, acl, flags), ttl)
}

func encSetData(path string, data []byte, version int32) []byte {
	var b []byte
	b = wire.AppendString(b, path)
	b = wire.AppendBuffer(b, data)
	return wire.AppendInt32(b, version)
}

func encSetACL(path string, acl []wire.ACL, version int32) []byte {
	return wire.AppendInt32(appendACLs(wire.AppendString(nil, path), acl), version)
}

func encAuth(scheme string, auth []byte) []byte {
	var b []byte
	b = wire.AppendInt32(b, 0)
	b = wire.AppendString(b, scheme)
	return wire.AppendBuffer(b, auth)
}

func encSetWatches(rel int64, data, exist, child []string) []byte {
	var b []byte
	b = wire.AppendInt64(b, rel)
	b = wire.AppendStrings(b, nonNil(data))
	b = wire.AppendStrings(b, nonNil(exist))
	return wire.AppendStrings(b, nonNil(child))
}

func encSetWatches2(rel int64, data, exist, child, persistent, recursive []string) []byte {
	b := encSetWatches(rel, data, exist, child)
	b = wire.AppendStrings(b, nonNil(persistent))
	return wire.AppendStrings(b, nonNil(recursive))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// multiOp is one op of a multi or multiRead request.
type multiOp struct {
	Op   wire.OpCode
	Body []byte
}

func encMulti(ops ...multiOp) []byte {
	var b []byte
	for _, o := range ops {
		b = wire.AppendInt32(b, int32(o.Op))
		b = wire.AppendBool(b, false)
		b = wire.AppendInt32(b, -1)
		b = append(b, o.Body...)
	}
	b = wire.AppendInt32(b, -1)
	b = wire.AppendBool(b, true)
	return wire.AppendInt32(b, -1)
}

// ---- response decoders ----

func decStat(d *wire.Decoder) wire.Stat {
	var s wire.Stat
	s.Czxid = wire.Zxid(d.Int64())
	s.Mzxid = wire.Zxid(d.Int64())
	s.Ctime = d.Int64()
	s.Mtime = d.Int64()
	s.Version = d.Int32()
	s.Cversion = d.Int32()
	s.Aversion = d.Int32()
	s.EphemeralOwner = wire.SessionID(d.Int64())
	s.DataLength = d.Int32()
	s.NumChildren = d.Int32()
	s.Pzxid = wire.Zxid(d.Int64())
	return s
}

func decACLs(d *wire.Decoder) []wire.ACL {
	n := d.VectorLen(12)
	if n < 0 {
		return nil
	}
	acl := make([]wire.ACL, n)
	for i := range acl {
		acl[i].Perms = d.Int32()
		acl[i].ID.Scheme = string([]byte(d.String()))
		acl[i].ID.ID = string([]byte(d.String()))
	}
	return acl
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string([]byte(v))
	}
	return out
}

// finish checks the decoder consumed the whole body.
func finish(t testing.TB, what string, d *wire.Decoder) {
	t.Helper()
	if err := d.Finish(); err != nil {
		t.Fatalf("decoding %s: %v", what, err)
	}
}

// multiResult is one decoded result of a multi or multiRead reply.
type multiResult struct {
	Type     wire.OpCode
	Done     bool
	HdrErr   wire.Code // the MultiHeader's err field
	Err      wire.Code // ErrorResult's body
	Path     string
	Stat     *wire.Stat
	Data     []byte
	Children []string
}

// decMulti decodes a multi/multiRead reply body (ops until the done header).
func decMulti(t testing.TB, body []byte) []multiResult {
	t.Helper()
	d := wire.NewDecoder(body)
	var out []multiResult
	for {
		var m multiResult
		m.Type = wire.OpCode(d.Int32())
		m.Done = d.Bool()
		m.HdrErr = wire.Code(d.Int32())
		if d.Err() != nil {
			t.Fatalf("decoding multi reply %x: %v", body, d.Err())
		}
		if m.Done {
			if m.Type != -1 || m.HdrErr != -1 {
				t.Fatalf("multi done header = {type %d err %d}, want {-1 -1}", m.Type, m.HdrErr)
			}
			break
		}
		switch m.Type {
		case wire.OpError:
			m.Err = wire.Code(d.Int32())
		case wire.OpCreate:
			m.Path = string([]byte(d.String()))
		case wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL:
			m.Path = string([]byte(d.String()))
			s := decStat(&d)
			m.Stat = &s
		case wire.OpSetData:
			s := decStat(&d)
			m.Stat = &s
		case wire.OpDelete, wire.OpCheck:
		case wire.OpGetData:
			m.Data = append([]byte(nil), d.Buffer()...)
			s := decStat(&d)
			m.Stat = &s
		case wire.OpGetChildren:
			m.Children = cloneStrings(d.Strings())
		default:
			t.Fatalf("multi reply: unexpected result type %d", m.Type)
		}
		out = append(out, m)
	}
	finish(t, "multi reply", &d)
	return out
}

// ---- typed helpers ----

// create2 creates a node with op create2 and returns the reply, the path and
// the Stat (zero when the reply is an error).
func (r *rawConn) create2(path string, data []byte, acl []wire.ACL, flags int32) (rawReply, string, wire.Stat) {
	r.t.Helper()
	rep := r.mustCall(wire.OpCreate2, encCreate(path, data, acl, flags))
	if rep.Err != 0 {
		return rep, "", wire.Stat{}
	}
	d := wire.NewDecoder(rep.Body)
	p := string([]byte(d.String()))
	s := decStat(&d)
	finish(r.t, "create2 response", &d)
	return rep, p, s
}

// createErr creates with op create and returns only the error code.
func (r *rawConn) createErr(path string, data []byte, acl []wire.ACL, flags int32) wire.Code {
	r.t.Helper()
	return r.mustCall(wire.OpCreate, encCreate(path, data, acl, flags)).Err
}

func (r *rawConn) getData(path string, watch bool) (wire.Code, []byte, wire.Stat) {
	r.t.Helper()
	rep := r.mustCall(wire.OpGetData, encPathWatch(path, watch))
	if rep.Err != 0 {
		return rep.Err, nil, wire.Stat{}
	}
	d := wire.NewDecoder(rep.Body)
	data := d.Buffer()
	if data != nil {
		data = append([]byte{}, data...)
	}
	s := decStat(&d)
	finish(r.t, "getData response", &d)
	return 0, data, s
}

func (r *rawConn) exists(path string, watch bool) (wire.Code, wire.Stat) {
	r.t.Helper()
	rep := r.mustCall(wire.OpExists, encPathWatch(path, watch))
	if rep.Err != 0 {
		return rep.Err, wire.Stat{}
	}
	d := wire.NewDecoder(rep.Body)
	s := decStat(&d)
	finish(r.t, "exists response", &d)
	return 0, s
}

func (r *rawConn) setData(path string, data []byte, version int32) (wire.Code, wire.Stat) {
	r.t.Helper()
	rep := r.mustCall(wire.OpSetData, encSetData(path, data, version))
	if rep.Err != 0 {
		return rep.Err, wire.Stat{}
	}
	d := wire.NewDecoder(rep.Body)
	s := decStat(&d)
	finish(r.t, "setData response", &d)
	return 0, s
}

func (r *rawConn) delete(path string, version int32) wire.Code {
	r.t.Helper()
	return r.mustCall(wire.OpDelete, encPathVersion(path, version)).Err
}

// getChildren uses op getChildren (8), which returns no Stat.
func (r *rawConn) getChildren(path string, watch bool) (wire.Code, []string) {
	r.t.Helper()
	rep := r.mustCall(wire.OpGetChildren, encPathWatch(path, watch))
	if rep.Err != 0 {
		return rep.Err, nil
	}
	d := wire.NewDecoder(rep.Body)
	c := cloneStrings(d.Strings())
	finish(r.t, "getChildren response", &d)
	return 0, c
}

func (r *rawConn) getChildren2(path string, watch bool) (wire.Code, []string, wire.Stat) {
	r.t.Helper()
	rep := r.mustCall(wire.OpGetChildren2, encPathWatch(path, watch))
	if rep.Err != 0 {
		return rep.Err, nil, wire.Stat{}
	}
	d := wire.NewDecoder(rep.Body)
	c := cloneStrings(d.Strings())
	s := decStat(&d)
	finish(r.t, "getChildren2 response", &d)
	return 0, c, s
}

func (r *rawConn) getAllChildrenNumber(path string) (wire.Code, int32) {
	r.t.Helper()
	rep := r.mustCall(wire.OpGetAllChildrenNumber, encPath(path))
	if rep.Err != 0 {
		return rep.Err, 0
	}
	d := wire.NewDecoder(rep.Body)
	n := d.Int32()
	finish(r.t, "getAllChildrenNumber response", &d)
	return 0, n
}

func (r *rawConn) getEphemerals(prefix string) (wire.Code, []string) {
	r.t.Helper()
	rep := r.mustCall(wire.OpGetEphemerals, encPath(prefix))
	if rep.Err != 0 {
		return rep.Err, nil
	}
	d := wire.NewDecoder(rep.Body)
	c := cloneStrings(d.Strings())
	finish(r.t, "getEphemerals response", &d)
	return 0, c
}

func (r *rawConn) getACL(path string) (wire.Code, []wire.ACL, wire.Stat) {
	r.t.Helper()
	rep := r.mustCall(wire.OpGetACL, encPath(path))
	if rep.Err != 0 {
		return rep.Err, nil, wire.Stat{}
	}
	d := wire.NewDecoder(rep.Body)
	acl := decACLs(&d)
	s := decStat(&d)
	finish(r.t, "getACL response", &d)
	return 0, acl, s
}

func (r *rawConn) setACL(path string, acl []wire.ACL, version int32) (wire.Code, wire.Stat) {
	r.t.Helper()
	rep := r.mustCall(wire.OpSetACL, encSetACL(path, acl, version))
	if rep.Err != 0 {
		return rep.Err, wire.Stat{}
	}
	d := wire.NewDecoder(rep.Body)
	s := decStat(&d)
	finish(r.t, "setACL response", &d)
	return 0, s
}

// addAuth sends an auth packet. ZooKeeper answers it with the request's own
// xid (Java clients use -4; go-zookeeper a normal xid).
func (r *rawConn) addAuth(scheme string, auth []byte) (rawReply, error) {
	return r.callXid(wire.XidAuth, wire.OpAuth, encAuth(scheme, auth))
}

func (r *rawConn) whoAmI() []wire.ClientInfo {
	r.t.Helper()
	rep := r.mustCall(wire.OpWhoAmI, nil)
	if rep.Err != 0 {
		r.t.Fatalf("whoAmI: %v", rep.Err)
	}
	d := wire.NewDecoder(rep.Body)
	n := d.VectorLen(8)
	var out []wire.ClientInfo
	for i := 0; i < n; i++ {
		var ci wire.ClientInfo
		ci.AuthScheme = string([]byte(d.String()))
		ci.User = string([]byte(d.String()))
		out = append(out, ci)
	}
	finish(r.t, "whoAmI response", &d)
	return out
}

// addWatch sends addWatch (106); its success reply carries an
// ErrorResponse body {err: 0}.
func (r *rawConn) addWatch(path string, mode int32) rawReply {
	r.t.Helper()
	return r.mustCall(wire.OpAddWatch, encPathInt(path, mode))
}

func (r *rawConn) checkWatches(path string, typ int32) wire.Code {
	r.t.Helper()
	return r.mustCall(wire.OpCheckWatches, encPathInt(path, typ)).Err
}

func (r *rawConn) removeWatches(path string, typ int32) wire.Code {
	r.t.Helper()
	return r.mustCall(wire.OpRemoveWatches, encPathInt(path, typ)).Err
}

func (r *rawConn) multi(op wire.OpCode, ops ...multiOp) (rawReply, []multiResult) {
	r.t.Helper()
	rep := r.mustCall(op, encMulti(ops...))
	if len(rep.Body) == 0 {
		return rep, nil
	}
	return rep, decMulti(r.t, rep.Body)
}
