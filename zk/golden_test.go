package zk

// Golden wire tests. testdata/*.golden hold frames captured from a real
// Apache ZooKeeper 3.8 through a recording proxy; regenerate them with
//
//	PADDOCK_GOLDEN_ZK=127.0.0.1:PORT go test ./zk -run TestGolden -rewrite
//
// against a fresh standalone server started with extendedTypesEnabled=true
// (for TTL nodes). Never edit the files by hand.
//
// File format: '#' lines are comments; "> NAME" starts a client->server
// frame and "< NAME" a server->client frame, NAME being "connect", "event"
// or the op name (OpCode.String) of the request the frame is or answers;
// the hex lines that follow are the frame, 4-byte length prefix included.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"
)

var rewrite = flag.Bool("rewrite", false, "capture testdata/*.golden from the ZooKeeper at $"+goldenEnv)

const goldenEnv = "PADDOCK_GOLDEN_ZK"

type goldenFrame struct {
	FromClient bool
	Name       string // "connect", "event" or an op name
	Raw        []byte // the whole frame, length prefix included
}

type goldenExchange struct {
	Name    string
	Comment string
	Frames  []goldenFrame
}

// ---- File format ----

func formatGolden(ex *goldenExchange) []byte {
	var b bytes.Buffer
	for _, line := range strings.Split(ex.Comment, "\n") {
		fmt.Fprintf(&b, "# %s\n", line)
	}
	b.WriteString("# Captured from Apache ZooKeeper 3.8 by `go test ./zk -run TestGolden -rewrite`; do not edit.\n")
	for _, f := range ex.Frames {
		dir := "<"
		if f.FromClient {
			dir = ">"
		}
		fmt.Fprintf(&b, "\n%s %s\n", dir, f.Name)
		for off := 0; off < len(f.Raw); off += 32 {
			line := f.Raw[off:min(off+32, len(f.Raw))]
			for w := 0; w < len(line); w += 4 {
				if w > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(hex.EncodeToString(line[w:min(w+4, len(line))]))
			}
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func parseGolden(name string, data []byte) (*goldenExchange, error) {
	ex := &goldenExchange{Name: name}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "> ") || strings.HasPrefix(line, "< "):
			ex.Frames = append(ex.Frames, goldenFrame{FromClient: line[0] == '>', Name: line[2:]})
		default:
			if len(ex.Frames) == 0 {
				return nil, fmt.Errorf("%s:%d: bytes before the first frame", name, n)
			}
			b, err := hex.DecodeString(strings.ReplaceAll(line, " ", ""))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, n, err)
			}
			f := &ex.Frames[len(ex.Frames)-1]
			f.Raw = append(f.Raw, b...)
		}
	}
	return ex, sc.Err()
}

func opByName(name string) (OpCode, bool) {
	for op, s := range opNames {
		if s == name {
			return op, true
		}
	}
	return 0, false
}

// ---- Decoding and re-encoding ----

type decodedFrame struct {
	goldenFrame
	Req   RequestHeader // client frames other than connect
	Reply ReplyHeader   // server frames other than connect
	Body  Record        // nil when the frame has no body
}

// decodeGolden decodes f and checks that encoding the result gives f.Raw.
func decodeGolden(f goldenFrame) (decodedFrame, error) {
	df := decodedFrame{goldenFrame: f}
	if len(f.Raw) < 4 || int(binary.BigEndian.Uint32(f.Raw)) != len(f.Raw)-4 {
		return df, fmt.Errorf("bad length prefix")
	}
	d := NewDecoder(f.Raw[4:])
	var enc []byte
	switch {
	case f.Name == "connect" && f.FromClient:
		r := new(ConnectRequest)
		r.Decode(&d)
		df.Body = r
		enc = AppendFrame(nil, r)
	case f.Name == "connect":
		r := new(ConnectResponse)
		r.Decode(&d)
		df.Body = r
		enc = AppendFrame(nil, r)
	case f.FromClient:
		df.Req.Decode(&d)
		if d.Err() == nil && df.Req.Type.String() != f.Name {
			return df, fmt.Errorf("request type %s, annotated %s", df.Req.Type, f.Name)
		}
		body, ok := NewRequest(df.Req.Type)
		if !ok {
			return df, fmt.Errorf("NewRequest(%s) not known", df.Req.Type)
		}
		if body != nil {
			body.Decode(&d)
		}
		df.Body = body
		enc = AppendRequest(nil, df.Req, body)
	case f.Name == "event":
		df.Reply.Decode(&d)
		ev := new(WatcherEvent)
		ev.Decode(&d)
		df.Body = ev
		enc = AppendWatcherEvent(nil, ev)
	default:
		df.Reply.Decode(&d)
		op, ok := opByName(f.Name)
		if !ok {
			return df, fmt.Errorf("unknown op name %q", f.Name)
		}
		if d.Err() == nil && d.Remaining() > 0 {
			body, ok := NewResponse(op)
			if !ok || body == nil {
				return df, fmt.Errorf("%d body bytes after a %s reply", d.Remaining(), op)
			}
			body.Decode(&d)
			df.Body = body
		}
		enc = AppendReply(nil, df.Reply, df.Body)
	}
	if err := d.Finish(); err != nil {
		return df, err
	}
	if !bytes.Equal(enc, f.Raw) {
		return df, fmt.Errorf("re-encoding differs:\n got %x\nwant %x", enc, f.Raw)
	}
	return df, nil
}

// ---- The test ----

func TestGolden(t *testing.T) {
	if *rewrite {
		addr := os.Getenv(goldenEnv)
		if addr == "" {
			t.Fatalf("-rewrite needs $%s=host:port of a running ZooKeeper 3.8", goldenEnv)
		}
		exchanges := captureGolden(t, addr)
		if t.Failed() {
			return
		}
		old, _ := filepath.Glob("testdata/*.golden")
		for _, f := range old {
			os.Remove(f)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		for _, ex := range exchanges {
			if err := os.WriteFile(filepath.Join("testdata", ex.Name+".golden"), formatGolden(ex), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	files, err := filepath.Glob("testdata/*.golden")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.golden (%v); capture them with -rewrite", err)
	}
	all := map[string][]decodedFrame{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".golden")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ex, err := parseGolden(name, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(ex.Frames) == 0 {
				t.Fatal("no frames")
			}
			var dfs []decodedFrame
			for i, f := range ex.Frames {
				df, err := decodeGolden(f)
				if err != nil {
					t.Errorf("frame %d (%s): %v", i, f.Name, err)
				}
				dfs = append(dfs, df)
			}
			all[name] = dfs
		})
	}
	t.Run("values", func(t *testing.T) { checkGoldenValues(t, all) })
}

// goldenBody returns frame i of exchange name, checking its direction and
// body type.
func goldenBody[T any](t *testing.T, all map[string][]decodedFrame, name string, i int, fromClient bool) (decodedFrame, T) {
	t.Helper()
	var zero T
	fs, ok := all[name]
	if !ok {
		t.Fatalf("missing testdata/%s.golden", name)
	}
	if i >= len(fs) {
		t.Fatalf("%s: no frame %d (have %d)", name, i, len(fs))
	}
	f := fs[i]
	if f.FromClient != fromClient {
		t.Fatalf("%s frame %d: FromClient = %v", name, i, f.FromClient)
	}
	if f.Body == nil {
		return f, zero
	}
	b, ok := f.Body.(T)
	if !ok {
		t.Fatalf("%s frame %d: body %T, want %T", name, i, f.Body, zero)
	}
	return f, b
}

func checkGoldenValues(t *testing.T, all map[string][]decodedFrame) {
	eq := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	sp := func(a ...any) string { return strings.TrimSuffix(fmt.Sprintln(a...), "\n") }
	openACL := sp(OpenACLUnsafe())

	// Connect without the read-only byte (go-zookeeper) and with it.
	_, creq := goldenBody[*ConnectRequest](t, all, "connect_old_client", 0, true)
	eq("go-zookeeper connect HasReadOnly", creq.HasReadOnly, false)
	eq("go-zookeeper connect passwd", len(creq.Passwd), PasswordLen)
	eq("go-zookeeper connect timeout", creq.TimeOut, 4000)
	_, cresp := goldenBody[*ConnectResponse](t, all, "connect_old_client", 1, false)
	eq("connect reply to old client HasReadOnly", cresp.HasReadOnly, false)
	eq("connect reply timeout", cresp.TimeOut, 4000)
	eq("connect reply passwd", len(cresp.Passwd), PasswordLen)
	goSession := cresp.SessionID
	if goSession == 0 {
		t.Error("connect reply session id 0")
	}
	_, creq = goldenBody[*ConnectRequest](t, all, "connect_read_only_byte", 0, true)
	eq("raw connect HasReadOnly", creq.HasReadOnly, true)
	_, cresp = goldenBody[*ConnectResponse](t, all, "connect_read_only_byte", 1, false)
	eq("connect reply HasReadOnly", cresp.HasReadOnly, true)
	eq("connect reply ReadOnly", cresp.ReadOnly, false)
	eq("connect reply timeout", cresp.TimeOut, 30000)
	rawSession := cresp.SessionID
	_, cresp = goldenBody[*ConnectResponse](t, all, "connect_invalid_session", 1, false)
	eq("invalid session reply", sp(cresp.SessionID, cresp.TimeOut, cresp.Passwd), sp(SessionID(0), 0, make([]byte, 16)))
	eq("invalid session reply HasReadOnly", cresp.HasReadOnly, true)

	// create: request and CreateResponse.
	f, cr := goldenBody[*CreateRequest](t, all, "create", 2, true)
	eq("create op", f.Req.Type, OpCreate)
	eq("create path", cr.Path, "/golden/a")
	eq("create data", string(cr.Data), "hello")
	eq("create ACL", sp(cr.ACL), openACL)
	eq("create flags", cr.Flags, ModePersistent)
	f, crr := goldenBody[*CreateResponse](t, all, "create", 3, false)
	eq("create reply path", crr.Path, "/golden/a")
	eq("create reply err", f.Reply.Err, CodeOK)

	_, cr = goldenBody[*CreateRequest](t, all, "create_ephemeral_sequential", 0, true)
	eq("create -e -s flags", cr.Flags, ModeEphemeralSequential)
	_, crr = goldenBody[*CreateResponse](t, all, "create_ephemeral_sequential", 1, false)
	eq("sequential path", crr.Path, "/golden/e-0000000001")

	f, _ = goldenBody[Record](t, all, "create_node_exists", 1, false)
	eq("create existing err", f.Reply.Err, CodeNodeExists)
	eq("create existing body", f.Body, nil)

	f, gd := goldenBody[*GetDataRequest](t, all, "get_data_watch", 0, true)
	eq("getData path/watch", sp(gd.Path, gd.Watch), "/golden/a true")
	_, gdr := goldenBody[*GetDataResponse](t, all, "get_data_watch", 1, false)
	eq("getData data", string(gdr.Data), "hello")
	eq("getData stat", sp(gdr.Stat.Version, gdr.Stat.DataLength, gdr.Stat.NumChildren, gdr.Stat.EphemeralOwner), "0 5 0 0x0")
	createZxid := gdr.Stat.Czxid

	// setData: the watch event precedes the reply.
	_, sd := goldenBody[*SetDataRequest](t, all, "set_data_watch_event", 0, true)
	eq("setData", sp(sd.Path, string(sd.Data), sd.Version), "/golden/a world 0")
	f, ev := goldenBody[*WatcherEvent](t, all, "set_data_watch_event", 1, false)
	eq("event header", sp(f.Reply.Xid, f.Reply.Zxid, f.Reply.Err), "-1 0xffffffffffffffff zk: ok")
	eq("event", sp(ev.Type, ev.State, ev.Path), sp(EventNodeDataChanged, StateSyncConnected, "/golden/a"))
	f, sdr := goldenBody[*SetDataResponse](t, all, "set_data_watch_event", 2, false)
	eq("setData stat version", sdr.Stat.Version, 1)
	eq("setData stat czxid", sdr.Stat.Czxid, createZxid)
	eq("setData stat mzxid is the reply zxid", sdr.Stat.Mzxid, f.Reply.Zxid)

	f, _ = goldenBody[Record](t, all, "set_data_bad_version", 1, false)
	eq("setData bad version", sp(f.Reply.Err, f.Body), sp(CodeBadVersion, nil))

	_, exr := goldenBody[*ExistsResponse](t, all, "exists", 1, false)
	eq("exists stat version", exr.Stat.Version, 1)
	_, exq := goldenBody[*ExistsRequest](t, all, "exists_no_node", 0, true)
	eq("exists watch", exq.Watch, true)
	f, _ = goldenBody[Record](t, all, "exists_no_node", 1, false)
	eq("exists no node", sp(f.Reply.Err, f.Body, len(f.Raw)), sp(CodeNoNode, nil, 20))

	f, _ = goldenBody[Record](t, all, "delete_bad_version", 1, false)
	eq("delete bad version", f.Reply.Err, CodeBadVersion)

	_, gc2 := goldenBody[*GetChildren2Response](t, all, "get_children2", 1, false)
	slices.Sort(gc2.Children)
	eq("getChildren2 children", gc2.Children, []string{"a", "e-0000000001"})
	eq("getChildren2 stat", sp(gc2.Stat.NumChildren, gc2.Stat.Cversion), "2 2")

	_, acl := goldenBody[*GetACLResponse](t, all, "get_acl", 1, false)
	eq("getACL", sp(acl.ACL), openACL)
	_, sacl := goldenBody[*SetACLRequest](t, all, "set_acl", 0, true)
	eq("setACL", sp(sacl.ACL, sacl.Version), sp([]ACL{{PermRead | PermWrite, AnyoneID}}, -1))
	_, saclr := goldenBody[*SetACLResponse](t, all, "set_acl", 1, false)
	eq("setACL aversion", saclr.Stat.Aversion, 1)

	// multi: success, then failure.
	_, mreq := goldenBody[*MultiRequest](t, all, "multi", 0, true)
	var types []OpCode
	for _, op := range mreq.Ops {
		types = append(types, op.Header.Type)
		eq("multi request op header", sp(op.Header.Done, op.Header.Err), sp(false, CodeSystemError))
	}
	eq("multi ops", types, []OpCode{OpCreate, OpSetData, OpCheck, OpDelete})
	f, mres := goldenBody[*MultiResponse](t, all, "multi", 1, false)
	eq("multi reply err", f.Reply.Err, CodeOK)
	types = types[:0]
	for _, r := range mres.Results {
		types = append(types, r.Header.Type)
		eq("multi result err", r.Header.Err, CodeOK)
	}
	eq("multi results", types, []OpCode{OpCreate, OpSetData, OpCheck, OpDelete})
	eq("multi create result", mres.Results[0].Body.(*CreateResponse).Path, "/golden/m")
	eq("multi setData version", mres.Results[1].Body.(*SetDataResponse).Stat.Version, 2)

	f, mres = goldenBody[*MultiResponse](t, all, "multi_failure", 1, false)
	eq("failed multi reply err", f.Reply.Err, CodeOK)
	var codes []Code
	for _, r := range mres.Results {
		eq("failed multi result type", r.Header.Type, OpError)
		eq("failed multi header err = body err", r.Header.Err, r.Body.(*ErrorResponse).Err)
		codes = append(codes, r.Body.(*ErrorResponse).Err)
	}
	eq("failed multi codes", codes, []Code{CodeOK, CodeBadVersion, CodeRuntimeInconsistency})

	_, syr := goldenBody[*SyncResponse](t, all, "sync", 1, false)
	eq("sync path", syr.Path, "/golden")

	f, _ = goldenBody[Record](t, all, "ping", 0, true)
	eq("ping request", sp(f.Req.Xid, f.Req.Type, len(f.Raw)), sp(XidPing, OpPing, 12))
	f, _ = goldenBody[Record](t, all, "ping", 1, false)
	eq("ping reply", sp(f.Reply.Xid, f.Reply.Err, len(f.Raw)), sp(XidPing, CodeOK, 20))

	f, _ = goldenBody[Record](t, all, "close_session", 0, true)
	eq("closeSession request", sp(f.Req.Type, len(f.Raw)), sp(OpCloseSession, 12))
	f, _ = goldenBody[Record](t, all, "close_session", 1, false)
	eq("closeSession reply", sp(f.Reply.Err, len(f.Raw)), sp(CodeOK, 20))

	// Hand-encoded requests for ops go-zookeeper lacks.
	f, _ = goldenBody[Record](t, all, "auth", 1, false)
	eq("auth reply", sp(f.Reply.Xid, f.Reply.Err), sp(XidAuth, CodeOK))
	_, c2 := goldenBody[*Create2Response](t, all, "create2", 1, false)
	eq("create2 path", c2.Path, "/golden/c2")
	eq("create2 stat", sp(c2.Stat.Version, c2.Stat.DataLength), "0 2")
	_, c2 = goldenBody[*Create2Response](t, all, "create_ttl", 1, false)
	eq("createTTL path", c2.Path, "/golden/ttl")
	// ZooKeeper stores a TTL or container marker in ephemeralOwner but shows
	// clients 0 (DataNode.getClientEphemeralOwner).
	eq("createTTL ephemeralOwner", c2.Stat.EphemeralOwner, SessionID(0))
	_, c2 = goldenBody[*Create2Response](t, all, "create_container", 1, false)
	eq("createContainer path", c2.Path, "/golden/container")
	eq("createContainer ephemeralOwner", c2.Stat.EphemeralOwner, SessionID(0))
	_, eph := goldenBody[*GetEphemeralsResponse](t, all, "get_ephemerals", 3, false)
	eq("getEphemerals", eph.Ephemerals, []string{"/golden/raw-eph"})
	_, c2 = goldenBody[*Create2Response](t, all, "get_ephemerals", 1, false)
	eq("ephemeral owner", c2.Stat.EphemeralOwner, rawSession)
	_, num := goldenBody[*GetAllChildrenNumberResponse](t, all, "get_all_children_number", 1, false)
	eq("getAllChildrenNumber", num.TotalNumber, 6)
	_, gcr := goldenBody[*GetChildrenResponse](t, all, "get_children", 1, false)
	eq("getChildren count", len(gcr.Children), 6)
	_, who := goldenBody[*WhoAmIResponse](t, all, "who_am_i", 1, false)
	eq("whoAmI", sp(who.ClientInfo), "[{digest golden} {ip 127.0.0.1}]")
	_, ck := goldenBody[*CheckVersionRequest](t, all, "check_no_reply", 0, true)
	eq("top-level check", sp(ck.Path, ck.Version, len(all["check_no_reply"])), "/golden/c2 0 1")

	_, mres = goldenBody[*MultiResponse](t, all, "multi_read", 1, false)
	types = types[:0]
	for _, r := range mres.Results {
		types = append(types, r.Header.Type)
	}
	eq("multiRead results", types, []OpCode{OpGetData, OpGetChildren, OpError})
	eq("multiRead data", string(mres.Results[0].Body.(*GetDataResponse).Data), "c2")
	eq("multiRead children", mres.Results[1].Body.(*GetChildrenResponse).Children, []string{})
	eq("multiRead error", sp(mres.Results[2].Header.Err, mres.Results[2].Body.(*ErrorResponse).Err), sp(CodeNoNode, CodeNoNode))

	_, aw := goldenBody[*ErrorResponse](t, all, "add_watch_event", 1, false)
	eq("addWatch reply body", aw.Err, CodeOK)
	_, ev = goldenBody[*WatcherEvent](t, all, "add_watch_event", 3, false)
	eq("persistent watch event", sp(ev.Type, ev.Path), sp(EventNodeDataChanged, "/golden/c2"))

	f, sw2 := goldenBody[*SetWatches2](t, all, "set_watches2", 0, true)
	eq("setWatches2 xid", f.Req.Xid, XidSetWatches)
	eq("setWatches2 data watches", sw2.DataWatches, []string{"/golden/c2"})
	n := len(all["set_watches2"])
	f, _ = goldenBody[Record](t, all, "set_watches2", n-1, false)
	eq("setWatches2 reply", sp(f.Reply.Xid, f.Reply.Err, f.Body), sp(XidSetWatches, CodeOK, nil))
	for _, ef := range all["set_watches2"][1 : n-1] {
		if ef.Name != "event" {
			t.Errorf("set_watches2: %s frame before the reply, want only events", ef.Name)
		}
	}
	f, _ = goldenBody[Record](t, all, "check_watches_no_watcher", 1, false)
	eq("checkWatches without watch", f.Reply.Err, CodeNoWatcher)
	f, _ = goldenBody[Record](t, all, "remove_watches", 1, false)
	eq("removeWatches", sp(f.Reply.Err, f.Body), sp(CodeOK, nil))
	_, cr = goldenBody[*CreateRequest](t, all, "create2_ephemeral_sequential", 0, true)
	eq("create2 -e -s flags", cr.Flags, ModeEphemeralSequential)
	_, c2 = goldenBody[*Create2Response](t, all, "create2_ephemeral_sequential", 1, false)
	eq("create2 -e -s path", strings.HasPrefix(c2.Path, "/golden/s-00000000") && len(c2.Path) == len("/golden/s-0000000000"), true)
	eq("create2 -e -s owner", c2.Stat.EphemeralOwner, rawSession)
	f, _ = goldenBody[Record](t, all, "reconfig_disabled", 1, false)
	eq("reconfig", f.Reply.Err, CodeReconfigDisabled)

	// The Java client sends the read-only byte and gets it back.
	_, creq = goldenBody[*ConnectRequest](t, all, "java_client", 0, true)
	eq("Java connect HasReadOnly", creq.HasReadOnly, true)
	_, cresp = goldenBody[*ConnectResponse](t, all, "java_client", 1, false)
	eq("Java connect reply HasReadOnly", cresp.HasReadOnly, true)
	_, gd = goldenBody[*GetDataRequest](t, all, "java_client", 2, true)
	eq("Java getData", sp(gd.Path, gd.Watch), "/golden/c2 false")
	_ = goSession
}

// ---- Capture ----

// recorder is a TCP proxy that records every frame into the current
// exchange. Pings go to their own exchange (the first request and reply of
// the first connection that pings) so that they never land between the
// frames of another exchange.
type recorder struct {
	upstream string
	ln       net.Listener

	mu       sync.Mutex
	cur      *goldenExchange
	ping     goldenExchange
	pingConn int
	nconn    int
}

func newRecorder(t *testing.T, upstream string) *recorder {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{upstream: upstream, ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.proxy(t, c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return r
}

func (r *recorder) addr() string { return r.ln.Addr().String() }

func (r *recorder) begin(name, comment string) {
	r.mu.Lock()
	r.cur = &goldenExchange{Name: name, Comment: comment}
	r.mu.Unlock()
}

func (r *recorder) end() *goldenExchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	ex := r.cur
	r.cur = nil
	return ex
}

func (r *recorder) pingFrames() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ping.Frames)
}

func (r *recorder) add(conn int, f goldenFrame, ping bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ping {
		if r.pingConn == 0 {
			r.pingConn = conn
		}
		if conn == r.pingConn && len(r.ping.Frames) < 2 && (len(r.ping.Frames) == 0) == f.FromClient {
			r.ping.Frames = append(r.ping.Frames, f)
		}
		return
	}
	if r.cur != nil {
		r.cur.Frames = append(r.cur.Frames, f)
	}
}

func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > 4<<20 {
		return nil, fmt.Errorf("frame of %d bytes", size)
	}
	b := make([]byte, 4+size)
	copy(b, n[:])
	_, err := io.ReadFull(r, b[4:])
	return b, err
}

func (r *recorder) proxy(t *testing.T, client net.Conn) {
	server, err := net.Dial("tcp", r.upstream)
	if err != nil {
		t.Errorf("proxy: %v", err)
		client.Close()
		return
	}
	r.mu.Lock()
	r.nconn++
	id := r.nconn
	r.mu.Unlock()

	var xmu sync.Mutex
	xids := map[int32]OpCode{}
	pump := func(src, dst net.Conn, fromClient bool) {
		defer src.Close()
		defer dst.Close()
		for first := true; ; first = false {
			b, err := readFrame(src)
			if err != nil {
				return
			}
			f := goldenFrame{FromClient: fromClient, Raw: b}
			ping := false
			switch {
			case first:
				f.Name = "connect"
			case len(b) < 12:
				f.Name = "short"
			case fromClient:
				xid, op := int32(binary.BigEndian.Uint32(b[4:])), OpCode(binary.BigEndian.Uint32(b[8:]))
				xmu.Lock()
				xids[xid] = op
				xmu.Unlock()
				f.Name, ping = op.String(), op == OpPing
			default:
				xid := int32(binary.BigEndian.Uint32(b[4:]))
				xmu.Lock()
				op, ok := xids[xid]
				delete(xids, xid)
				xmu.Unlock()
				switch {
				case xid == XidWatchEvent:
					f.Name = "event"
				case ok:
					f.Name, ping = op.String(), op == OpPing
				default:
					f.Name = "unknown"
				}
			}
			r.add(id, f, ping)
			if _, err := dst.Write(b); err != nil {
				return
			}
		}
	}
	go pump(client, server, true)
	pump(server, client, false)
}

// rawConn is a hand-driven client speaking through Paddock's own encoder,
// for the requests go-zookeeper cannot send.
type rawConn struct {
	t   *testing.T
	c   net.Conn
	xid int32
}

func dialRaw(t *testing.T, addr string) *rawConn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c}
}

func (rc *rawConn) connect(req *ConnectRequest) *ConnectResponse {
	rc.t.Helper()
	rc.write(AppendFrame(nil, req))
	b := rc.read()
	var resp ConnectResponse
	d := NewDecoder(b[4:])
	resp.Decode(&d)
	if err := d.Finish(); err != nil {
		rc.t.Fatalf("connect response: %v", err)
	}
	return &resp
}

func (rc *rawConn) write(b []byte) {
	rc.t.Helper()
	if _, err := rc.c.Write(b); err != nil {
		rc.t.Fatal(err)
	}
}

func (rc *rawConn) read() []byte {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := readFrame(rc.c)
	if err != nil {
		rc.t.Fatalf("read: %v", err)
	}
	return b
}

// call sends a request with the next xid and waits for its reply, skipping
// events.
func (rc *rawConn) call(op OpCode, body Record) ReplyHeader {
	rc.t.Helper()
	rc.xid++
	return rc.callXid(rc.xid, op, body)
}

func (rc *rawConn) callXid(xid int32, op OpCode, body Record) ReplyHeader {
	rc.t.Helper()
	rc.write(AppendRequest(nil, RequestHeader{Xid: xid, Type: op}, body))
	for {
		b := rc.read()
		var h ReplyHeader
		d := NewDecoder(b[4:])
		h.Decode(&d)
		if h.Xid == xid {
			return h
		}
	}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

func captureGolden(t *testing.T, upstream string) []*goldenExchange {
	// Start from an empty /golden, without recording.
	setup, _, err := gozk.Connect([]string{upstream}, 10*time.Second, gozk.WithLogger(discardLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	deleteTree(t, setup, "/golden")
	setup.Close()

	rec := newRecorder(t, upstream)
	var out []*goldenExchange
	step := func(name, comment string, fn func()) {
		t.Helper()
		t.Logf("capturing %s", name)
		rec.begin(name, comment)
		fn()
		ex := rec.end()
		if len(ex.Frames) == 0 {
			t.Errorf("exchange %s recorded no frames", name)
		}
		out = append(out, ex)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	want := func(err, target error) {
		t.Helper()
		if err != target {
			t.Fatalf("got error %v, want %v", err, target)
		}
	}

	// go-zookeeper: a real client that omits the read-only byte.
	var conn *gozk.Conn
	step("connect_old_client", "go-zookeeper v1.0.4 connects with a 4 s session timeout; its ConnectRequest\n"+
		"omits the read-only byte, so ZooKeeper omits it from the ConnectResponse.", func() {
		c, events, err := gozk.Connect([]string{rec.addr()}, 4*time.Second, gozk.WithLogger(discardLogger{}))
		must(err)
		conn = c
		deadline := time.After(10 * time.Second)
		for connected := false; !connected; {
			select {
			case ev := <-events:
				connected = ev.State == gozk.StateHasSession
			case <-deadline:
				t.Fatal("go-zookeeper did not connect")
			}
		}
		go func() {
			for range events {
			}
		}()
	})
	open := gozk.WorldACL(gozk.PermAll)
	step("create", "go-zookeeper Create of /golden and /golden/a, persistent, world:anyone:cdrwa.", func() {
		_, err := conn.Create("/golden", []byte("root"), 0, open)
		must(err)
		_, err = conn.Create("/golden/a", []byte("hello"), 0, open)
		must(err)
	})
	step("create_ephemeral_sequential", "go-zookeeper Create with flags ephemeral|sequential (op create, not create2);\n"+
		"the suffix comes from the parent's cversion.", func() {
		_, err := conn.Create("/golden/e-", []byte("eph"), gozk.FlagEphemeral|gozk.FlagSequence, open)
		must(err)
	})
	step("create_node_exists", "Create of an existing node: error reply without a body.", func() {
		_, err := conn.Create("/golden/a", nil, 0, open)
		want(err, gozk.ErrNodeExists)
	})
	var watch <-chan gozk.Event
	step("get_data_watch", "getData with a watch.", func() {
		var err error
		_, _, watch, err = conn.GetW("/golden/a")
		must(err)
	})
	step("set_data_watch_event", "setData of the watched node: ZooKeeper sends the watch event\n"+
		"(xid -1, zxid -1) before the reply on the same connection.", func() {
		_, err := conn.Set("/golden/a", []byte("world"), 0)
		must(err)
		<-watch
	})
	step("set_data_bad_version", "setData with a wrong version.", func() {
		_, err := conn.Set("/golden/a", []byte("x"), 7)
		want(err, gozk.ErrBadVersion)
	})
	step("exists", "exists of an existing node.", func() {
		_, _, err := conn.Exists("/golden/a")
		must(err)
	})
	step("exists_no_node", "exists with a watch on a missing node: error -101 and no body\n"+
		"(the exist watch stays set).", func() {
		ok, _, _, err := conn.ExistsW("/golden/missing")
		must(err)
		if ok {
			t.Fatal("/golden/missing exists")
		}
	})
	step("delete_bad_version", "delete with a wrong version.", func() {
		want(conn.Delete("/golden/a", 5), gozk.ErrBadVersion)
	})
	step("get_children2", "go-zookeeper Children uses getChildren2.", func() {
		_, _, err := conn.Children("/golden")
		must(err)
	})
	step("get_acl", "getACL.", func() {
		_, _, err := conn.GetACL("/golden/a")
		must(err)
	})
	step("set_acl", "setACL to world:anyone:rw, any version.", func() {
		_, err := conn.SetACL("/golden/a", gozk.WorldACL(gozk.PermRead|gozk.PermWrite), -1)
		must(err)
	})
	step("multi", "A successful multi: create, setData, check, delete.", func() {
		_, err := conn.Multi(
			&gozk.CreateRequest{Path: "/golden/m", Data: []byte("m"), Acl: open},
			&gozk.SetDataRequest{Path: "/golden/a", Data: []byte("multi"), Version: -1},
			&gozk.CheckVersionRequest{Path: "/golden/a", Version: 2},
			&gozk.DeleteRequest{Path: "/golden/m", Version: -1},
		)
		must(err)
	})
	step("multi_failure", "A failed multi: every result is an error result (type -1); the ops before\n"+
		"the failing one carry 0, the failing one its code, the ones after -2.", func() {
		_, err := conn.Multi(
			&gozk.CreateRequest{Path: "/golden/m2", Data: []byte("m2"), Acl: open},
			&gozk.CheckVersionRequest{Path: "/golden/a", Version: 99},
			&gozk.SetDataRequest{Path: "/golden/a", Data: []byte("no"), Version: -1},
		)
		if err == nil {
			t.Fatal("failing multi succeeded")
		}
	})
	step("sync", "sync.", func() {
		_, err := conn.Sync("/golden")
		must(err)
	})
	step("ping", "The first ping of a go-zookeeper connection (xid -2) and its reply.", func() {
		for deadline := time.Now().Add(10 * time.Second); rec.pingFrames() < 2; {
			if time.Now().After(deadline) {
				t.Fatal("no ping")
			}
			time.Sleep(50 * time.Millisecond)
		}
		rec.mu.Lock()
		rec.cur.Frames = append(rec.cur.Frames, rec.ping.Frames...)
		rec.mu.Unlock()
	})

	// Hand-encoded requests, for what go-zookeeper cannot send.
	raw := dialRaw(t, rec.addr())
	var rawSession *ConnectResponse
	step("connect_read_only_byte", "A hand-encoded ConnectRequest with the read-only byte (false) and a 30 s\n"+
		"timeout: ZooKeeper echoes the byte in its ConnectResponse.", func() {
		rawSession = raw.connect(&ConnectRequest{TimeOut: 30000, Passwd: make([]byte, PasswordLen), HasReadOnly: true})
	})
	if rawSession.SessionID == 0 {
		t.Fatal("raw connect failed")
	}
	rawStep := func(name, comment string, op OpCode, body Record, wantErr Code) {
		t.Helper()
		step(name, comment, func() {
			if h := raw.call(op, body); h.Err != wantErr {
				t.Errorf("%s: err %v, want %v", name, h.Err, wantErr)
			}
		})
	}
	step("auth", "Hand-encoded auth packet (xid -4), digest golden:secret.", func() {
		if h := raw.callXid(XidAuth, OpAuth, &AuthPacket{Scheme: "digest", Auth: []byte("golden:secret")}); h.Err != CodeOK {
			t.Fatalf("auth: %v", h.Err)
		}
	})
	openACL := OpenACLUnsafe()
	rawStep("create2", "Hand-encoded create2: the reply carries the path and the Stat.", OpCreate2,
		&CreateRequest{Path: "/golden/c2", Data: []byte("c2"), ACL: openACL, Flags: ModePersistent}, CodeOK)
	rawStep("create_ttl", "Hand-encoded createTTL (persistent with TTL 600000 ms): the reply is a\n"+
		"Create2Response; its Stat shows ephemeralOwner 0, not the stored TTL marker.", OpCreateTTL,
		&CreateTTLRequest{Path: "/golden/ttl", Data: []byte("ttl"), ACL: openACL, Flags: ModePersistentWithTTL, TTL: 600000}, CodeOK)
	rawStep("create_container", "Hand-encoded createContainer: a Create2Response; its Stat shows\n"+
		"ephemeralOwner 0, not the stored container marker.", OpCreateContainer,
		&CreateRequest{Path: "/golden/container", Data: []byte{}, ACL: openACL, Flags: ModeContainer}, CodeOK)
	step("get_ephemerals", "create2 of an ephemeral node, then getEphemerals of \"/\".", func() {
		if h := raw.call(OpCreate2, &CreateRequest{Path: "/golden/raw-eph", Data: []byte("e"), ACL: openACL, Flags: ModeEphemeral}); h.Err != 0 {
			t.Fatalf("create2 ephemeral: %v", h.Err)
		}
		if h := raw.call(OpGetEphemerals, &GetEphemeralsRequest{PrefixPath: "/"}); h.Err != 0 {
			t.Fatalf("getEphemerals: %v", h.Err)
		}
	})
	rawStep("get_all_children_number", "getAllChildrenNumber of /golden (all descendants).", OpGetAllChildrenNumber,
		&GetAllChildrenNumberRequest{Path: "/golden"}, CodeOK)
	rawStep("get_children", "getChildren (op 8) without a watch.", OpGetChildren,
		&GetChildrenRequest{Path: "/golden"}, CodeOK)
	rawStep("who_am_i", "whoAmI (no request body) after digest auth.", OpWhoAmI, nil, CodeOK)
	step("check_no_reply", "A top-level check (op 13) is accepted by ZooKeeper 3.8.0 but never answered:\n"+
		"FinalRequestProcessor builds a SetDataResponse with a null Stat and the\n"+
		"serializer throws (logged as \"Unexpected exception. Destruction averted.\").", func() {
		raw.xid++
		raw.write(AppendRequest(nil, RequestHeader{Xid: raw.xid, Type: OpCheck}, &CheckVersionRequest{Path: "/golden/c2", Version: 0}))
		raw.c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if b, err := readFrame(raw.c); err == nil {
			t.Errorf("top-level check answered: %x", b)
		}
	})
	rawStep("multi_read", "multiRead: getData, getChildren, and getData of a missing node, which gives\n"+
		"an error result while the others succeed; the reply header's err is 0.", OpMultiRead,
		&MultiRequest{Ops: []MultiOp{
			{Header: MultiHeader{Type: OpGetData, Err: -1}, Body: &GetDataRequest{Path: "/golden/c2"}},
			{Header: MultiHeader{Type: OpGetChildren, Err: -1}, Body: &GetChildrenRequest{Path: "/golden/c2"}},
			{Header: MultiHeader{Type: OpGetData, Err: -1}, Body: &GetDataRequest{Path: "/golden/nope"}},
		}}, CodeOK)
	step("add_watch_event", "addWatch (persistent recursive) on /golden/c2: the reply has an\n"+
		"ErrorResponse{0} body. Then setData of /golden/c2: event, then reply.", func() {
		if h := raw.call(OpAddWatch, &AddWatchRequest{Path: "/golden/c2", Mode: AddWatchModePersistentRecursive}); h.Err != 0 {
			t.Fatalf("addWatch: %v", h.Err)
		}
		if h := raw.call(OpSetData, &SetDataRequest{Path: "/golden/c2", Data: []byte("c2!"), Version: -1}); h.Err != 0 {
			t.Fatalf("setData: %v", h.Err)
		}
	})
	step("set_watches2", "setWatches2 (xid -8) with relativeZxid 1: watches on nodes changed since\n"+
		"fire at once, so the events come before the (bodiless) reply.", func() {
		if h := raw.callXid(XidSetWatches, OpSetWatches2, &SetWatches2{
			RelativeZxid:               1,
			DataWatches:                []string{"/golden/c2"},
			ExistWatches:               []string{"/golden/gone"},
			ChildWatches:               []string{"/golden"},
			PersistentWatches:          []string{},
			PersistentRecursiveWatches: []string{},
		}); h.Err != 0 {
			t.Fatalf("setWatches2: %v", h.Err)
		}
	})
	step("set_watches", "setWatches (xid -8), the pre-3.6 form, with a data watch on /golden/ttl.", func() {
		if h := raw.callXid(XidSetWatches, OpSetWatches, &SetWatches{
			RelativeZxid: 1,
			DataWatches:  []string{"/golden/ttl"},
			ExistWatches: []string{},
			ChildWatches: []string{},
		}); h.Err != 0 {
			t.Fatalf("setWatches: %v", h.Err)
		}
	})
	rawStep("check_watches_no_watcher", "checkWatches for a data watch that is not set: error -121.", OpCheckWatches,
		&CheckWatchesRequest{Path: "/golden/container", Type: WatcherTypeData}, CodeNoWatcher)
	rawStep("remove_watches", "removeWatches of every watch on /golden/c2 (the persistent recursive one).", OpRemoveWatches,
		&RemoveWatchesRequest{Path: "/golden/c2", Type: WatcherTypeAny}, CodeOK)
	rawStep("create2_ephemeral_sequential", "Hand-encoded create2 with flags ephemeral|sequential.", OpCreate2,
		&CreateRequest{Path: "/golden/s-", Data: []byte("s"), ACL: openACL, Flags: ModeEphemeralSequential}, CodeOK)
	rawStep("reconfig_disabled", "reconfig on a standalone server with reconfigEnabled=false.", OpReconfig,
		&ReconfigRequest{CurConfigID: -1}, CodeReconfigDisabled)

	step("connect_invalid_session", "Reconnect to an unknown session: ZooKeeper answers with timeout 0, session 0\n"+
		"and a zero password, then closes the connection.", func() {
		bad := dialRaw(t, rec.addr())
		resp := bad.connect(&ConnectRequest{TimeOut: 30000, SessionID: 0x7777, Passwd: make([]byte, PasswordLen), HasReadOnly: true})
		if resp.SessionID != 0 {
			t.Fatalf("unknown session accepted: %v", resp.SessionID)
		}
		bad.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := readFrame(bad.c); err == nil {
			t.Error("connection not closed after invalid session")
		}
	})

	// The Java client, when its CLI is installed.
	if cli := "/usr/share/zookeeper/bin/zkCli.sh"; fileExists(cli) {
		step("java_client", "zkCli.sh (the ZooKeeper 3.8 Java client) running `get /golden/c2`: connect\n"+
			"with the read-only byte, getData, closeSession.", func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, cli, "-server", rec.addr(), "get", "/golden/c2").CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("c2!")) {
				t.Errorf("zkCli.sh: %v\n%s", err, out)
			}
		})
	} else {
		t.Logf("%s not installed: no java_client exchange", cli)
	}

	step("close_session", "go-zookeeper Close: closeSession and its bodiless reply.", func() {
		conn.Close()
	})
	return out
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

func deleteTree(t *testing.T, c *gozk.Conn, path string) {
	children, _, err := c.Children(path)
	if err == gozk.ErrNoNode {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range children {
		deleteTree(t, c, path+"/"+ch)
	}
	if err := c.Delete(path, -1); err != nil && err != gozk.ErrNoNode {
		t.Fatal(err)
	}
}
