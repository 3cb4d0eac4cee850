package snapshot_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/zk"
)

var super = []zk.Id{{Scheme: "super"}}

// harness drives an engine as the server does: prep then apply.
type harness struct {
	t        testing.TB
	e        *engine.Engine
	sess     zk.SessionID   // the session requests come from
	sessions []zk.SessionID // other sessions, for ephemerals
	now      int64
}

func newHarness(t testing.TB) *harness {
	h := &harness{t: t, e: engine.New(engine.Config{ExtendedTypes: true}), now: 1_700_000_000_000}
	h.e.InitSessionIDs(1, h.now)
	h.sess = h.newSession(30000)
	return h
}

func (h *harness) newSession(timeout int32) zk.SessionID {
	h.now++
	txn := h.e.PrepCreateSession(timeout, h.now)
	h.e.Apply(txn)
	return txn.Header.ClientID
}

func (h *harness) closeSession(s zk.SessionID) {
	h.now++
	h.e.Apply(h.e.PrepCloseSession(s, 0, h.now))
}

// do preps and applies one request from session s, error txns included,
// and returns the result code.
func (h *harness) do(s zk.SessionID, op zk.OpCode, body zk.Record) zk.Code {
	h.now++
	txn := h.e.Prep(&engine.Request{Session: s, Op: op, Body: body, Auth: []zk.Id{{Scheme: "ip", ID: "127.0.0.1"}}, Time: h.now})
	if c := engine.TxnError(txn); c != zk.CodeOK {
		h.e.Apply(txn)
		return c
	}
	_, code := engine.Response(op, h.e.Apply(txn))
	return code
}

func (h *harness) must(s zk.SessionID, op zk.OpCode, body zk.Record) {
	h.t.Helper()
	if code := h.do(s, op, body); code != zk.CodeOK {
		h.t.Fatalf("%v %+v: %v", op, body, code)
	}
}

func (h *harness) create(path string, data []byte, flags int32) {
	h.t.Helper()
	h.must(h.sess, zk.OpCreate, &zk.CreateRequest{Path: path, Data: data, ACL: zk.OpenACLUnsafe(), Flags: flags})
}

// build creates nodes of every kind: persistent, sequential, ephemeral
// (of two sessions), container, TTL, null and empty data, large data,
// several ACLs, quota nodes, a non-ASCII path; and bumps versions.
func (h *harness) build() {
	h.t.Helper()
	other := h.newSession(10000)
	h.sessions = append(h.sessions, other)
	h.create("/app", []byte("hello"), zk.ModePersistent)
	h.create("/app/null", nil, zk.ModePersistent)
	h.create("/app/empty", []byte{}, zk.ModePersistent)
	for range 3 {
		h.create("/app/seq-", []byte("s"), zk.ModePersistentSequential)
	}
	h.create("/app/eph", []byte("e"), zk.ModeEphemeral)
	h.must(other, zk.OpCreate, &zk.CreateRequest{Path: "/app/eseq-", ACL: zk.OpenACLUnsafe(), Flags: zk.ModeEphemeralSequential})
	h.must(h.sess, zk.OpCreateContainer, &zk.CreateRequest{Path: "/c", ACL: zk.OpenACLUnsafe(), Flags: zk.ModeContainer})
	h.create("/c/k", nil, zk.ModePersistent)
	h.must(h.sess, zk.OpCreateContainer, &zk.CreateRequest{Path: "/c2", ACL: zk.OpenACLUnsafe(), Flags: zk.ModeContainer})
	h.create("/c2/gone", nil, zk.ModePersistent)
	h.must(h.sess, zk.OpDelete, &zk.DeleteRequest{Path: "/c2/gone", Version: -1})
	h.must(h.sess, zk.OpCreateTTL, &zk.CreateTTLRequest{Path: "/t", Data: []byte("ttl"), ACL: zk.OpenACLUnsafe(), Flags: zk.ModePersistentWithTTL, TTL: 1000})
	h.must(h.sess, zk.OpCreateTTL, &zk.CreateTTLRequest{Path: "/t/s-", ACL: zk.OpenACLUnsafe(), Flags: zk.ModePersistentSequentialWithTTL, TTL: 5000})
	acl := []zk.ACL{
		{Perms: zk.PermRead | zk.PermWrite, ID: zk.Id{Scheme: "ip", ID: "10.0.0.0/8"}},
		{Perms: zk.PermAll, ID: zk.Id{Scheme: "digest", ID: engine.Digest("bob:secret")}},
		{Perms: zk.PermRead, ID: zk.AnyoneID},
	}
	h.must(h.sess, zk.OpCreate, &zk.CreateRequest{Path: "/acl", Data: []byte("x"), ACL: acl, Flags: zk.ModePersistent})
	h.create("/big", bytes.Repeat([]byte("0123456789"), 10_000), zk.ModePersistent)
	h.create("/ünï", []byte("ç"), zk.ModePersistent)
	h.create("/ünï/ç", nil, zk.ModePersistent)
	h.must(h.sess, zk.OpSetData, &zk.SetDataRequest{Path: "/app", Data: []byte("hello again"), Version: -1})
	h.must(h.sess, zk.OpSetACL, &zk.SetACLRequest{Path: "/app/empty", ACL: zk.ReadACLUnsafe(), Version: -1})
	h.create("/zookeeper/quota/app", nil, zk.ModePersistent)
	h.create("/zookeeper/quota/app/zookeeper_limits", []byte("count=100,bytes=-1"), zk.ModePersistent)
	h.create("/zookeeper/quota/app/zookeeper_stats", []byte("count=0,bytes=0"), zk.ModePersistent)
}

// mutate applies n random requests under /r: creates, deletes, data and
// ACL changes, ephemerals, sessions opened and closed.
func (h *harness) mutate(rng *rand.Rand, n int) {
	h.do(h.sess, zk.OpCreate, &zk.CreateRequest{Path: "/r", ACL: zk.OpenACLUnsafe()})
	path := func() string {
		p := fmt.Sprintf("/r/%d", rng.IntN(40))
		if rng.IntN(3) == 0 {
			p += fmt.Sprintf("/%d", rng.IntN(5))
		}
		return p
	}
	for range n {
		switch rng.IntN(10) {
		case 0, 1, 2:
			var data []byte
			if rng.IntN(4) > 0 {
				data = make([]byte, rng.IntN(200))
				for i := range data {
					data[i] = byte(rng.Uint32())
				}
			}
			h.do(h.sess, zk.OpCreate, &zk.CreateRequest{Path: path(), Data: data, ACL: zk.OpenACLUnsafe()})
		case 3, 4:
			h.do(h.sess, zk.OpDelete, &zk.DeleteRequest{Path: path(), Version: -1})
		case 5:
			h.do(h.sess, zk.OpSetData, &zk.SetDataRequest{Path: path(), Data: []byte(fmt.Sprint(rng.Uint32())), Version: -1})
		case 6:
			h.do(h.sess, zk.OpSetACL, &zk.SetACLRequest{Path: path(), ACL: []zk.ACL{{Perms: zk.PermAll, ID: zk.Id{Scheme: "ip", ID: fmt.Sprintf("10.0.0.%d", rng.IntN(3))}}, {Perms: zk.PermAll, ID: zk.AnyoneID}}, Version: -1})
		case 7:
			if len(h.sessions) > 0 {
				s := h.sessions[rng.IntN(len(h.sessions))]
				h.do(s, zk.OpCreate, &zk.CreateRequest{Path: path(), ACL: zk.OpenACLUnsafe(), Flags: zk.ModeEphemeral})
			}
		case 8:
			h.sessions = append(h.sessions, h.newSession(int32(5000+rng.IntN(10000))))
		case 9:
			if len(h.sessions) > 0 {
				i := rng.IntN(len(h.sessions))
				h.closeSession(h.sessions[i])
				h.sessions = slices.Delete(h.sessions, i, i+1)
			}
		}
	}
}

// dump lists every node's client-visible state and the engine's indexes,
// for comparison.
func dump(e *engine.Engine) []string {
	var out []string
	var walk func(p string)
	walk = func(p string) {
		data, st, err := e.GetData(p, super, nil)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", p, err))
			return
		}
		acl, _, _ := e.GetACL(p, super)
		out = append(out, fmt.Sprintf("%s null=%v %q %+v %v", p, data == nil, data, st, acl))
		kids, _, _ := e.GetChildren(p, super, nil)
		for _, k := range kids {
			if p == "/" {
				walk("/" + k)
			} else {
				walk(p + "/" + k)
			}
		}
	}
	walk("/")
	for id, to := range e.Sessions() {
		out = append(out, fmt.Sprintf("session %s timeout %d eph %v", id, to, e.Ephemerals(id, "/")))
	}
	sweep := e.ExpiredTTLAndContainers(1 << 62)
	sort.Strings(sweep)
	out = append(out, "sweep "+strings.Join(sweep, ","))
	sort.Strings(out)
	return append(out, fmt.Sprintf("zxid %s count %d size %d ephemerals %d", e.LastZxid(), e.Tree().NodeCount(),
		e.Tree().ApproximateDataSize(), e.EphemeralCount()))
}

func sameDump(t testing.TB, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("%s: trees differ at line %d:\n got %.300s\nwant %.300s", what, i, g, w)
		}
	}
}

// load loads st into a fresh engine.
func load(t testing.TB, st *snapshot.Store) (*engine.Engine, zk.Zxid) {
	t.Helper()
	e := engine.New(engine.Config{ExtendedTypes: true})
	z, err := st.Load(e)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return e, z
}

func openStore(t testing.TB, cfg snapshot.Config) *snapshot.Store {
	t.Helper()
	st, err := snapshot.Open(cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return st
}

func memConfig(fs vfs.FS) snapshot.Config {
	return snapshot.WithFS(snapshot.Config{Dir: "/data"}, fs)
}

func write(t testing.TB, st *snapshot.Store, c *engine.Capture) {
	t.Helper()
	if err := st.Write(c); err != nil {
		t.Fatalf("write at %s: %v", c.Zxid, err)
	}
}

// storedNodes is how many nodes the store holds for e's tree: NodeCount
// counts the root twice, as ZooKeeper does.
func storedNodes(e *engine.Engine) int64 { return int64(e.Tree().NodeCount() - 1) }

// records lists a store's nodes and sessions exactly as stored.
func records(t testing.TB, st *snapshot.Store) []string {
	t.Helper()
	var out []string
	err := st.Walk(func(n engine.NodeRecord) error {
		out = append(out, fmt.Sprintf("%s null=%v %q aclnull=%v %v %d %d %d %d %d %d %d %d %d %d", n.Path, n.Data == nil, n.Data, n.ACL == nil, n.ACL,
			n.Czxid, n.Mzxid, n.Pzxid, n.Ctime, n.Mtime, n.Version, n.Cversion, n.Aversion, n.EphemeralOwner, n.NumChildren))
		return nil
	}, func(id zk.SessionID, to int32) error {
		out = append(out, fmt.Sprintf("session %s %d", id, to))
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return out
}
