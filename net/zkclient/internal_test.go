package zkclient

import (
	"bytes"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paddockdb/paddock/zk"
)

func TestValidatePath(t *testing.T) {
	for _, tc := range []struct {
		path string
		seq  bool
		want string // "" for valid
	}{
		{"/", false, ""},
		{"/a", false, ""},
		{"/a/b-c.d", false, ""},
		{"/a/", true, ""}, // sequential: checked as "/a/1"
		{"/...", false, ""},
		{"/a..b", false, ""},
		{"", false, "Path length must be > 0"},
		{"a", false, "Path must start with / character"},
		{"/a/", false, "Path must not end with / character"},
		{"//", false, "Path must not end with / character"},
		{"/a//b", false, `Invalid path string "/a//b" caused by empty node name specified @3`},
		{"/a/./b", false, `Invalid path string "/a/./b" caused by relative paths not allowed @3`},
		{"/a/..", false, `Invalid path string "/a/.." caused by relative paths not allowed @4`},
		{"/.", false, `Invalid path string "/." caused by relative paths not allowed @1`},
		{"/a\x00", false, `Invalid path string "/a` + "\x00" + `" caused by null character not allowed @2`},
		{"/a\x01", false, `Invalid path string "/a` + "\x01" + `" caused by invalid character @2`},
		{"/a\u0085", false, `Invalid path string "/a` + "\u0085" + `" caused by invalid character @2`},
		{"/é/\ue000", false, `Invalid path string "/é/` + "\ue000" + `" caused by invalid character @3`},
		{"/\U0001F600x/\x01", false, `Invalid path string "/` + "\U0001F600" + `x/` + "\x01" + `" caused by invalid character @1`},
		{"/\ufff0", false, `Invalid path string "/` + "\ufff0" + `" caused by invalid character @1`},
	} {
		err := ValidatePath(tc.path, tc.seq)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("ValidatePath(%q, %v) = %q, want %q", tc.path, tc.seq, got, tc.want)
		}
	}
}

func TestValidateTTL(t *testing.T) {
	for _, tc := range []struct {
		ttl int64
		ok  bool
	}{{1, true}, {MaxTTL, true}, {0, false}, {-1, false}, {MaxTTL + 1, false}} {
		if err := ValidateTTL(tc.ttl); (err == nil) != tc.ok {
			t.Errorf("ValidateTTL(%d) = %v", tc.ttl, err)
		}
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{
		StateConnecting: "CONNECTING", StateConnected: "CONNECTED", StateConnectedReadOnly: "CONNECTEDREADONLY",
		StateAuthFailed: "AUTH_FAILED", StateExpired: "EXPIRED", StateClosed: "CLOSED", State(42): "State(42)",
	} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", s, s.String(), want)
		}
	}
}

// TestWatchSetTrigger walks the registry through registrations and events,
// as ZKWatchManager.materialize decides who gets an event.
func TestWatchSetTrigger(t *testing.T) {
	type step struct {
		add   watchKind // register on path first (0: none)
		path  string
		event zk.EventType
		want  bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"data watch fires once", []step{
			{watchData, "/a", zk.EventNodeDataChanged, true},
			{0, "/a", zk.EventNodeDataChanged, false},
		}},
		{"exist watch fires on create", []step{
			{watchExist, "/a", zk.EventNodeCreated, true},
			{0, "/a", zk.EventNodeCreated, false},
		}},
		{"child watch ignores data events", []step{
			{watchChild, "/a", zk.EventNodeDataChanged, false},
			{0, "/a", zk.EventNodeChildrenChanged, true},
			{0, "/a", zk.EventNodeChildrenChanged, false},
		}},
		{"delete fires data and child together", []step{
			{watchData | watchChild, "/a", zk.EventNodeDeleted, true},
			{0, "/a", zk.EventNodeChildrenChanged, false},
		}},
		{"persistent stays", []step{
			{watchPersistent, "/a", zk.EventNodeDataChanged, true},
			{0, "/a", zk.EventNodeChildrenChanged, true},
			{0, "/a", zk.EventNodeDeleted, true},
			{0, "/a/b", zk.EventNodeCreated, false},
		}},
		{"recursive covers descendants", []step{
			{watchRecursive, "/a", zk.EventNodeCreated, true},
			{0, "/a/b/c", zk.EventNodeDataChanged, true},
			{0, "/ab", zk.EventNodeDataChanged, false},
			{0, "/", zk.EventNodeDataChanged, false},
		}},
		{"recursive on root", []step{
			{watchRecursive, "/", zk.EventNodeCreated, true},
			{0, "/x", zk.EventNodeDeleted, true},
		}},
		{"unknown event types are dropped", []step{
			{watchData, "/a", zk.EventDataWatchRemoved, false},
			{0, "/a", zk.EventNone, false},
		}},
	} {
		var w watchSet
		for i, s := range tc.steps {
			if s.add != 0 {
				w.add(s.path, s.add)
			}
			if got := w.trigger(s.event, s.path); got != s.want {
				t.Errorf("%s: step %d: trigger(%d, %s) = %v", tc.name, i, s.event, s.path, got)
			}
		}
	}
}

func TestWatchSetRemove(t *testing.T) {
	for _, tc := range []struct {
		name string
		have watchKind
		typ  int32
		has  bool
		evs  []zk.EventType
		left watchKind
	}{
		{"children", watchChild | watchData, zk.WatcherTypeChildren, true, []zk.EventType{zk.EventChildWatchRemoved}, watchData},
		{"data takes exist too", watchData | watchExist, zk.WatcherTypeData, true, []zk.EventType{zk.EventDataWatchRemoved}, 0},
		{"any", watchData | watchChild | watchRecursive, zk.WatcherTypeAny, true,
			[]zk.EventType{zk.EventChildWatchRemoved, zk.EventDataWatchRemoved, zk.EventPersistentWatchRemoved}, 0},
		{"persistent counts but stays for data", watchPersistent, zk.WatcherTypeData, true, nil, watchPersistent},
		{"nothing", 0, zk.WatcherTypeAny, false, nil, 0},
		{"children without child watch", watchData, zk.WatcherTypeChildren, false, nil, watchData},
	} {
		var w watchSet
		if tc.have != 0 {
			w.add("/p", tc.have)
		}
		if got := w.has("/p", tc.typ); got != tc.has {
			t.Errorf("%s: has = %v", tc.name, got)
		}
		if got := w.remove("/p", tc.typ); !slices.Equal(got, tc.evs) {
			t.Errorf("%s: remove = %v, want %v", tc.name, got, tc.evs)
		}
		if got := w.m["/p"]; got != tc.left {
			t.Errorf("%s: left %b, want %b", tc.name, got, tc.left)
		}
	}
	var w watchSet
	w.add("/r", watchRecursive)
	w.remove("/r", zk.WatcherTypeAny)
	if w.nRecursive != 0 || w.trigger(zk.EventNodeCreated, "/r/x") {
		t.Fatalf("recursive watch survived removal: %d", w.nRecursive)
	}
}

// TestSetWatchesRecords: batches of about 128 KiB of paths, data then
// exist then child then persistent lists; setWatches2 only for batches
// with persistent watches.
func TestSetWatchesRecords(t *testing.T) {
	if got := setWatchesRecords(watchLists{}, 5); len(got) != 0 {
		t.Fatalf("no watches: %d packets", len(got))
	}
	small := setWatchesRecords(watchLists{data: []string{"/a"}, child: []string{"/b"}}, 9)
	if len(small) != 1 || small[0].op != zk.OpSetWatches {
		t.Fatalf("small: %+v", small)
	}
	sw := small[0].rec.(*zk.SetWatches)
	if sw.RelativeZxid != 9 || !slices.Equal(sw.DataWatches, []string{"/a"}) || sw.ExistWatches == nil || len(sw.ExistWatches) != 0 {
		t.Fatalf("small record %+v", sw)
	}
	long := "/" + strings.Repeat("x", 1023)
	var l watchLists
	for i := 0; i < 200; i++ {
		l.data = append(l.data, long)
	}
	l.recursive = []string{"/r"}
	pk := setWatchesRecords(l, 1)
	if len(pk) != 2 || pk[0].op != zk.OpSetWatches || pk[1].op != zk.OpSetWatches2 {
		t.Fatalf("long: %d packets", len(pk))
	}
	if n := len(pk[0].rec.(*zk.SetWatches).DataWatches); n != 128 {
		t.Fatalf("first batch has %d paths, want 128", n)
	}
	sw2 := pk[1].rec.(*zk.SetWatches2)
	if len(sw2.DataWatches) != 72 || !slices.Equal(sw2.PersistentRecursiveWatches, []string{"/r"}) {
		t.Fatalf("second batch %d data, recursive %v", len(sw2.DataWatches), sw2.PersistentRecursiveWatches)
	}
}

func TestCallQueue(t *testing.T) {
	var q callQueue
	var calls []*call
	for i := 0; i < 100; i++ {
		calls = append(calls, &call{xid: int32(i)})
	}
	next := 0
	for i, c := range calls {
		q.push(c)
		if i%3 == 2 { // interleave pops to wrap the ring
			if got := q.pop(); got != calls[next] {
				t.Fatalf("pop %d: xid %d", next, got.xid)
			}
			next++
		}
	}
	if q.peek() != calls[next] {
		t.Fatal("peek")
	}
	rest := q.drain(nil)
	if !slices.Equal(rest, calls[next:]) || q.len() != 0 || q.pop() != nil || q.peek() != nil {
		t.Fatalf("drain: %d left", q.len())
	}
}

// fakeConn is a net.Conn reading from a byte slice.
type fakeConn struct{ r *bytes.Reader }

func (f *fakeConn) Read(b []byte) (int, error)       { return f.r.Read(b) }
func (f *fakeConn) Write(b []byte) (int, error)      { return len(b), nil }
func (f *fakeConn) Close() error                     { return nil }
func (f *fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (f *fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// replayServerBytes feeds input to a client's reader as if a server sent
// it, with one pending call per response type, and returns how often each
// call completed (after the stream, the rest fail as at a connection
// loss).
func replayServerBytes(input []byte, maxBuf int) []int {
	c := &Client{ev: newDispatcher(nil), lg: nil}
	resps := []zk.Record{
		new(zk.GetDataResponse), new(zk.Create2Response), new(zk.GetChildren2Response),
		new(zk.GetACLResponse), new(zk.MultiResponse), new(zk.WhoAmIResponse), new(zk.SetDataResponse), nil,
	}
	counts := make([]int, len(resps)+1)
	for i, r := range resps {
		i := i
		cl := getCall()
		cl.op, cl.resp = zk.OpGetData, r
		cl.done = func(int64, error) { counts[i]++ }
		if i == 0 {
			cl.reg, cl.path = regExists, "/a"
		}
		if i == 1 {
			cl.op = zk.OpMulti
		}
		c.submitLocked(cl, &zk.GetDataRequest{Path: "/a"}, 0)
	}
	auth := getCall()
	auth.op = zk.OpAuth
	auth.done = func(int64, error) { counts[len(resps)]++ }
	c.submitLocked(auth, nil, zk.XidAuth)
	c.watches.add("/a", watchRecursive)
	cn := newConn(&fakeConn{r: bytes.NewReader(input)}, maxBuf)
	for {
		b, err := cn.readFrame(time.Second)
		if err != nil {
			break
		}
		if c.reply(b) != nil {
			break
		}
	}
	c.failQueued(ErrConnectionLoss)
	return counts
}

// frame is a test helper: a length-prefixed reply.
func frame(h zk.ReplyHeader, body zk.Record) []byte { return zk.AppendReply(nil, h, body) }

func TestReplayServerBytes(t *testing.T) {
	var in []byte
	in = append(in, frame(zk.ReplyHeader{Xid: zk.XidWatchEvent, Zxid: -1}, &zk.WatcherEvent{Type: zk.EventNodeCreated, State: 3, Path: "/a/b"})...)
	in = append(in, frame(zk.ReplyHeader{Xid: 1, Zxid: 7}, &zk.GetDataResponse{Data: []byte("d")})...)
	in = append(in, frame(zk.ReplyHeader{Xid: zk.XidPing, Zxid: 7}, nil)...)
	in = append(in, frame(zk.ReplyHeader{Xid: 2, Zxid: 8, Err: zk.CodeNoNode}, nil)...)
	in = append(in, frame(zk.ReplyHeader{Xid: 9, Zxid: 8}, nil)...) // out of order: connection dropped
	counts := replayServerBytes(in, 1<<20)
	for i, n := range counts {
		if n != 1 {
			t.Errorf("call %d completed %d times", i, n)
		}
	}
	// A frame longer than the limit drops the connection before decoding.
	if counts := replayServerBytes(frame(zk.ReplyHeader{Xid: 1}, &zk.GetDataResponse{Data: make([]byte, 100)}), 50); counts[0] != 1 {
		t.Errorf("oversized frame: %v", counts)
	}
}

func TestErrEmptyACL(t *testing.T) {
	if !errors.Is(ErrEmptyACL, zk.CodeInvalidACL) {
		t.Fatal("ErrEmptyACL does not wrap CodeInvalidACL")
	}
}
