package engine

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// store stands in for the checkpoint store: a map of path to record that
// captures are written into, as the snapshot package writes Pebble.
type store struct {
	nodes    map[string]NodeRecord
	sessions map[zk.SessionID]int32
	zxid     zk.Zxid
}

func (s *store) write(c *Capture) {
	if c.Full || s.nodes == nil {
		s.nodes = make(map[string]NodeRecord)
	}
	for _, n := range c.Nodes {
		s.nodes[n.Path] = n
	}
	for _, p := range c.Deleted {
		delete(s.nodes, p)
	}
	s.sessions, s.zxid = c.Sessions, c.Zxid
}

func (s *store) load(t *testing.T) *Engine {
	e := New(Config{ExtendedTypes: true})
	for _, n := range s.nodes {
		if err := e.Restore(n); err != nil {
			t.Fatal(err)
		}
	}
	e.FinishRestore(s.zxid, s.sessions)
	return e
}

// dump lists every node's client-visible state, for comparison.
func dump(e *Engine) []string {
	var out []string
	var walk func(p string)
	walk = func(p string) {
		data, st, _ := e.GetData(p, []zk.Id{{Scheme: "super"}}, nil)
		acl, _, _ := e.GetACL(p, []zk.Id{{Scheme: "super"}})
		out = append(out, fmt.Sprintf("%s %q %+v %v", p, data, st, acl))
		kids, _, _ := e.GetChildren(p, []zk.Id{{Scheme: "super"}}, nil)
		for _, k := range kids {
			if p == "/" {
				walk("/" + k)
			} else {
				walk(p + "/" + k)
			}
		}
	}
	walk("/")
	for id := range e.Sessions() {
		out = append(out, fmt.Sprintf("session %s eph %v", id, e.Ephemerals(id, "/")))
	}
	sort.Strings(out)
	return append(out, fmt.Sprintf("zxid %s count %d size %d", e.LastZxid(), e.Tree().NodeCount(), e.Tree().ApproximateDataSize()))
}

func TestCaptureRestore(t *testing.T) {
	h := newHarness(t, Config{ExtendedTypes: true})
	h.create("/a", "1", zk.ModePersistent)
	h.create("/a/b", "22", zk.ModePersistent)
	h.create("/a/e", "", zk.ModeEphemeral)
	h.create("/a/s-", "", zk.ModePersistentSequential)
	h.do(zk.OpCreateContainer, &zk.CreateRequest{Path: "/c", ACL: zk.OpenACLUnsafe(), Flags: zk.ModeContainer})
	h.do(zk.OpCreateTTL, &zk.CreateTTLRequest{Path: "/t", ACL: zk.OpenACLUnsafe(), Flags: zk.ModePersistentWithTTL, TTL: 1000})
	h.do(zk.OpSetACL, &zk.SetACLRequest{Path: "/a/b", ACL: []zk.ACL{{Perms: zk.PermRead, ID: zk.AnyoneID}}, Version: -1})
	h.create("/zookeeper/quota/a", "", zk.ModePersistent)
	h.create("/zookeeper/quota/a/zookeeper_limits", "count=10,bytes=-1", zk.ModePersistent)
	h.create("/zookeeper/quota/a/zookeeper_stats", "count=0,bytes=0", zk.ModePersistent)

	var st store
	c := h.e.Capture()
	if !c.Full {
		t.Fatal("first capture is not full")
	}
	st.write(c)
	r := st.load(t)
	if got, want := dump(r), dump(h.e); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored tree differs:\n got %v\nwant %v", got, want)
	}

	// Incremental: only what changed is captured, deletions as tombstones.
	if _, code := h.do(zk.OpSetData, &zk.SetDataRequest{Path: "/a", Data: []byte("333"), Version: -1}); code != 0 {
		t.Fatal(code)
	}
	if _, code := h.do(zk.OpDelete, &zk.DeleteRequest{Path: "/a/s-0000000002", Version: -1}); code != 0 {
		t.Fatal(code)
	}
	h.create("/a/new", "n", zk.ModePersistent)
	h.e.Apply(h.e.PrepCloseSession(h.sess, 0, h.now)) // its ephemeral /a/e goes
	c = h.e.Capture()
	if c.Full {
		t.Fatal("second capture is full")
	}
	paths := map[string]bool{}
	for _, n := range c.Nodes {
		paths[n.Path] = true
	}
	for _, p := range []string{"/a", "/a/new", "/zookeeper/quota/a/zookeeper_stats"} {
		if !paths[p] {
			t.Errorf("capture lacks changed node %s (has %v)", p, paths)
		}
	}
	if len(paths) > 3 {
		t.Errorf("capture holds unchanged nodes: %v", paths)
	}
	sort.Strings(c.Deleted)
	if !reflect.DeepEqual(c.Deleted, []string{"/a/e", "/a/s-0000000002"}) {
		t.Errorf("tombstones %v", c.Deleted)
	}
	st.write(c)
	r = st.load(t)
	if got, want := dump(r), dump(h.e); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored tree after an incremental capture differs:\n got %v\nwant %v", got, want)
	}
	// The restored engine goes on: new zxids above, sequential numbering kept.
	txn := r.Prep(&Request{Op: zk.OpCreate, Body: &zk.CreateRequest{Path: "/a/s-", ACL: zk.OpenACLUnsafe(), Flags: zk.ModePersistentSequential}, Time: 1})
	if TxnError(txn) != zk.CodeSessionExpired { // the session was closed
		t.Fatalf("prep on a closed session: %v", TxnError(txn))
	}
	if txn.Header.Zxid <= h.e.LastZxid() {
		t.Fatalf("zxid %s not above %s", txn.Header.Zxid, h.e.LastZxid())
	}
}
