package server_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	wire "github.com/paddockdb/paddock/zk"
)

// TestZKGetSetData covers getData/setData/exists with versions and the exact
// Stat transitions.
func TestZKGetSetData(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	p := root + "/data"
	mustCreate(t, c, p, []byte("v0"))
	st0 := mustStat(t, c, p)

	t.Run("SetBumpsVersionAndMzxid", func(t *testing.T) {
		time.Sleep(5 * time.Millisecond) // so mtime can differ from ctime
		before := nowMs()
		st1, err := c.Set(p, []byte("v1-longer"), 0)
		after := nowMs()
		wantErr(t, "set version 0", err, nil)
		if st1.Version != 1 || st1.Mzxid <= st0.Mzxid || st1.Czxid != st0.Czxid || st1.Pzxid != st0.Pzxid ||
			st1.Ctime != st0.Ctime || st1.Cversion != 0 || st1.Aversion != 0 || st1.DataLength != 9 || st1.NumChildren != 0 {
			t.Fatalf("after set: %+v (before %+v)", st1, st0)
		}
		checkTime(t, "mtime", st1.Mtime, before, after)
		// The returned stat is the node's stat.
		data, st2, err := c.Get(p)
		wantErr(t, "get", err, nil)
		if string(data) != "v1-longer" || *st2 != *st1 {
			t.Fatalf("get after set = %q %+v, want %q %+v", data, st2, "v1-longer", st1)
		}
	})

	t.Run("Versions", func(t *testing.T) {
		_, err := c.Set(p, []byte("x"), 0)
		wantErr(t, "set stale version", err, zk.ErrBadVersion)
		_, err = c.Set(p, []byte("x"), 7)
		wantErr(t, "set future version", err, zk.ErrBadVersion)
		st, err := c.Set(p, []byte("v2"), -1)
		wantErr(t, "set version -1", err, nil)
		if st.Version != 2 {
			t.Fatalf("version %d after second set, want 2", st.Version)
		}
		st, err = c.Set(p, []byte("v2"), 2)
		wantErr(t, "set matching version", err, nil)
		if st.Version != 3 {
			t.Fatalf("version %d, want 3 (same data still counts)", st.Version)
		}
		data, _, _ := c.Get(p)
		if string(data) != "v2" {
			t.Fatalf("failed sets changed the data to %q", data)
		}
		// Other versions than -1 that are negative are just mismatches.
		_, err = c.Set(p, nil, -2)
		wantErr(t, "set version -2", err, zk.ErrBadVersion)
	})

	t.Run("SetZxidInReply", func(t *testing.T) {
		rep := r.mustCall(wire.OpSetData, encSetData(p, []byte("z"), -1))
		wantCode(t, "setData", rep.Err, 0)
		d := wire.NewDecoder(rep.Body)
		st := decStat(&d)
		finish(t, "setData response", &d)
		if int64(st.Mzxid) != rep.Zxid {
			t.Fatalf("setData stat mzxid %#x, reply zxid %#x: want equal", st.Mzxid, rep.Zxid)
		}
		// A read's reply header carries the server's last zxid.
		g := r.mustCall(wire.OpGetData, encPathWatch(p, false))
		if g.Zxid != rep.Zxid {
			t.Fatalf("getData reply zxid %#x, want the last write's %#x", g.Zxid, rep.Zxid)
		}
	})

	t.Run("NoNode", func(t *testing.T) {
		_, err := c.Set(root+"/missing", nil, -1)
		wantErr(t, "set missing", err, zk.ErrNoNode)
		_, _, err = c.Get(root + "/missing")
		wantErr(t, "get missing", err, zk.ErrNoNode)
		ok, _, err := c.Exists(root + "/missing")
		if ok || err != nil {
			t.Fatalf("exists missing = %v, %v", ok, err)
		}
		code, _ := r.exists(root+"/missing", false)
		wantCode(t, "raw exists missing", code, wire.CodeNoNode)
		// The NoNode error reply has no body.
		rep := r.mustCall(wire.OpGetData, encPathWatch(root+"/missing", false))
		if rep.Err != wire.CodeNoNode || len(rep.Body) != 0 {
			t.Fatalf("getData missing: err %v body %x, want NoNode and an empty body", rep.Err, rep.Body)
		}
	})

	t.Run("ChildChangesParentStat", func(t *testing.T) {
		par := root + "/par"
		mustCreate(t, c, par, []byte("pp"))
		a := mustStat(t, c, par)
		mustCreate(t, c, par+"/x", []byte("x"))
		mustCreate(t, c, par+"/y", nil)
		b := mustStat(t, c, par)
		xs := mustStat(t, c, par+"/x")
		ys := mustStat(t, c, par+"/y")
		if b.Cversion != 2 || b.NumChildren != 2 || b.Pzxid != ys.Czxid || b.Mzxid != a.Mzxid || b.Version != 0 ||
			b.Mtime != a.Mtime || b.DataLength != 2 {
			t.Fatalf("parent after 2 creates: %+v (before %+v)", b, a)
		}
		if ys.Czxid <= xs.Czxid {
			t.Fatalf("zxids not increasing: %#x then %#x", xs.Czxid, ys.Czxid)
		}
		// setData on a child does not touch the parent.
		if _, err := c.Set(par+"/x", []byte("xx"), -1); err != nil {
			t.Fatal(err)
		}
		if s := mustStat(t, c, par); *s != *b {
			t.Fatalf("child setData changed parent stat: %+v -> %+v", b, s)
		}
		// Deleting a child bumps cversion and pzxid and numChildren.
		if err := c.Delete(par+"/x", -1); err != nil {
			t.Fatal(err)
		}
		d := mustStat(t, c, par)
		if d.Cversion != 3 || d.NumChildren != 1 || d.Pzxid <= b.Pzxid || d.Mzxid != a.Mzxid || d.Version != 0 {
			t.Fatalf("parent after delete: %+v (before %+v)", d, b)
		}
		// Setting the parent's data does not touch pzxid or cversion.
		s, err := c.Set(par, []byte("q"), -1)
		wantErr(t, "set parent", err, nil)
		if s.Pzxid != d.Pzxid || s.Cversion != d.Cversion || s.Version != 1 || s.Mzxid <= d.Pzxid {
			t.Fatalf("parent after its own setData: %+v (before %+v)", s, d)
		}
	})
}

// TestZKDelete covers delete with versions and the order of its checks.
func TestZKDelete(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	r := rawDial(t, addr, 4*time.Second)

	mustCreate(t, c, root+"/d", nil)
	if _, err := c.Set(root+"/d", []byte("1"), -1); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "delete stale version", c.Delete(root+"/d", 0), zk.ErrBadVersion)
	wantErr(t, "delete future version", c.Delete(root+"/d", 2), zk.ErrBadVersion)
	wantErr(t, "delete matching version", c.Delete(root+"/d", 1), nil)
	wantErr(t, "delete again", c.Delete(root+"/d", -1), zk.ErrNoNode)
	wantErr(t, "delete under missing parent", c.Delete(root+"/nope/x", -1), zk.ErrNoNode)

	mustCreate(t, c, root+"/full", nil)
	mustCreate(t, c, root+"/full/child", nil)
	wantErr(t, "delete non-empty", c.Delete(root+"/full", -1), zk.ErrNotEmpty)
	// The version is checked before emptiness.
	wantErr(t, "delete non-empty with a wrong version", c.Delete(root+"/full", 3), zk.ErrBadVersion)
	wantErr(t, "delete child", c.Delete(root+"/full/child", 0), nil)
	wantErr(t, "delete emptied", c.Delete(root+"/full", 0), nil)

	// The delete reply carries the delete's zxid and the parent's pzxid
	// becomes it; delete has no response body.
	mustCreate(t, c, root+"/z", nil)
	rep := r.mustCall(wire.OpDelete, encPathVersion(root+"/z", -1))
	if rep.Err != 0 || len(rep.Body) != 0 {
		t.Fatalf("delete: err %v body %x", rep.Err, rep.Body)
	}
	if st := mustStat(t, c, root); st.Pzxid != rep.Zxid {
		t.Fatalf("parent pzxid %#x, want the delete's zxid %#x", st.Pzxid, rep.Zxid)
	}

	// Reserved nodes cannot be deleted: BadArguments, even with children.
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		wantCode(t, "delete "+p, r.delete(p, -1), wire.CodeBadArguments)
	}
}

// TestZKChildren covers getChildren (8), getChildren2 (12) and
// getAllChildrenNumber (104).
func TestZKChildren(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	p := root + "/kids"
	mustCreate(t, c, p, []byte("data"))
	for _, n := range []string{"b", "a", "c"} {
		mustCreate(t, c, p+"/"+n, nil)
	}
	mustCreate(t, c, p+"/a/x", nil)
	mustCreate(t, c, p+"/a/x/y", nil)
	if _, err := c.Create(p+"/e", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}

	t.Run("GetChildren", func(t *testing.T) {
		code, kids := r.getChildren(p, false)
		wantCode(t, "getChildren", code, 0)
		if want := []string{"a", "b", "c", "e"}; !equalStrings(sorted(kids), want) {
			t.Fatalf("children %v, want %v (names only, any order)", kids, want)
		}
		code, kids = r.getChildren(p+"/c", false)
		wantCode(t, "getChildren leaf", code, 0)
		if kids == nil || len(kids) != 0 {
			t.Fatalf("leaf children %v (nil %v), want an empty non-null list", kids, kids == nil)
		}
		code, _ = r.getChildren(p+"/missing", false)
		wantCode(t, "getChildren missing", code, wire.CodeNoNode)
		code, kids = r.getChildren("/zookeeper", false)
		wantCode(t, "getChildren /zookeeper", code, 0)
		if want := []string{"config", "quota"}; !equalStrings(sorted(kids), want) {
			t.Fatalf("/zookeeper children %v, want %v", kids, want)
		}
		code, kids = r.getChildren("/", false)
		wantCode(t, "getChildren /", code, 0)
		found := map[string]bool{}
		for _, k := range kids {
			found[k] = true
		}
		if !found["zookeeper"] || !found[root[1:]] {
			t.Fatalf("root children %v lack zookeeper or %s", kids, root[1:])
		}
	})

	t.Run("GetChildren2", func(t *testing.T) {
		kids, st, err := c.Children(p)
		wantErr(t, "Children", err, nil)
		if want := []string{"a", "b", "c", "e"}; !equalStrings(sorted(kids), want) {
			t.Fatalf("children %v, want %v", kids, want)
		}
		st2 := mustStat(t, c, p)
		if *st != *st2 || st.NumChildren != 4 || st.Cversion != 4 || st.DataLength != 4 {
			t.Fatalf("getChildren2 stat %+v, exists stat %+v", st, st2)
		}
		code, kids, rst := r.getChildren2(p, false)
		wantCode(t, "raw getChildren2", code, 0)
		if len(kids) != 4 || rst.NumChildren != 4 || int64(rst.Pzxid) != st.Pzxid {
			t.Fatalf("raw getChildren2 %v %+v", kids, rst)
		}
		_, _, err = c.Children(p + "/missing")
		wantErr(t, "Children missing", err, zk.ErrNoNode)
	})

	t.Run("GetAllChildrenNumber", func(t *testing.T) {
		for path, want := range map[string]int32{
			p:                   6, // a b c e a/x a/x/y
			p + "/a":            2,
			p + "/a/x":          1,
			p + "/c":            0,
			"/zookeeper/config": 0,
		} {
			code, n := r.getAllChildrenNumber(path)
			wantCode(t, "getAllChildrenNumber "+path, code, 0)
			if n != want {
				t.Fatalf("getAllChildrenNumber(%s) = %d, want %d", path, n, want)
			}
		}
		code, _ := r.getAllChildrenNumber(p + "/missing")
		wantCode(t, "getAllChildrenNumber missing", code, wire.CodeNoNode)
		code, _ = r.getAllChildrenNumber("bad")
		wantCode(t, "getAllChildrenNumber without slash", code, wire.CodeNoNode)
		// For "/" it counts every node but the root, /zookeeper and its
		// children included: compare with a walk of the tree.
		code, n := r.getAllChildrenNumber("/")
		wantCode(t, "getAllChildrenNumber /", code, 0)
		if walked := countTree(t, r, "/") - 1; int(n) != walked {
			t.Fatalf("getAllChildrenNumber(/) = %d, a walk finds %d nodes below the root", n, walked)
		}
		// A prefix that is not a path component does not count.
		mustCreate(t, c, p+"x", nil)
		if _, n := r.getAllChildrenNumber(p); n != 6 {
			t.Fatalf("getAllChildrenNumber(%s) = %d after creating sibling %sx, want 6", p, n, p)
		}
	})
}

// countTree counts path and all its descendants.
func countTree(t *testing.T, r *rawConn, path string) int {
	code, kids := r.getChildren(path, false)
	if code != 0 {
		return 0
	}
	n := 1
	for _, k := range kids {
		n += countTree(t, r, strings.TrimSuffix(path, "/")+"/"+k)
	}
	return n
}

// TestZKGetEphemerals covers getEphemerals (103): the session's own
// ephemerals, filtered by a plain string prefix.
func TestZKGetEphemerals(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	other := rawDial(t, addr, 4*time.Second)

	code, eph := r.getEphemerals("/")
	wantCode(t, "getEphemerals none", code, 0)
	if eph == nil || len(eph) != 0 {
		t.Fatalf("no ephemerals: got %v (nil %v), want an empty non-null list", eph, eph == nil)
	}
	wantCode(t, "create", r.createErr(root+"/app", nil, openACL, 0), 0)
	for _, p := range []string{root + "/app/e1", root + "/app/e2", root + "/apple", root + "/b"} {
		wantCode(t, "create "+p, r.createErr(p, nil, openACL, wire.ModeEphemeral), 0)
	}
	wantCode(t, "other's ephemeral", other.createErr(root+"/app/o", nil, openACL, wire.ModeEphemeral), 0)
	wantCode(t, "persistent", r.createErr(root+"/app/p", nil, openACL, 0), 0)

	all := []string{root + "/app/e1", root + "/app/e2", root + "/apple", root + "/b"}
	for prefix, want := range map[string][]string{
		"/":                all,
		"":                 all,
		"   ":              all, // blank means everything too
		root:               all,
		root + "/app":      {root + "/app/e1", root + "/app/e2", root + "/apple"}, // a string prefix, not a path prefix
		root + "/app/":     {root + "/app/e1", root + "/app/e2"},
		root + "/app/e1":   {root + "/app/e1"},
		root + "/nothing":  {},
		"noslash":          {},
		root + "/b/deeper": {},
	} {
		code, eph := r.getEphemerals(prefix)
		wantCode(t, "getEphemerals "+prefix, code, 0)
		if !equalStrings(sorted(eph), want) {
			t.Fatalf("getEphemerals(%q) = %v, want %v", prefix, sorted(eph), want)
		}
	}
	code, eph = other.getEphemerals("/")
	wantCode(t, "other getEphemerals", code, 0)
	if !equalStrings(eph, []string{root + "/app/o"}) {
		t.Fatalf("other session's ephemerals %v", eph)
	}
}

// TestZKSync covers sync: it answers with the path it was given, whether or
// not the node exists, and the reply header carries the last zxid.
func TestZKSync(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	mustCreate(t, c, root+"/s", nil)
	got, err := c.Sync(root + "/s")
	wantErr(t, "sync", err, nil)
	if got != root+"/s" {
		t.Fatalf("sync returned %q", got)
	}
	got, err = c.Sync(root + "/missing")
	wantErr(t, "sync missing", err, nil)
	if got != root+"/missing" {
		t.Fatalf("sync missing returned %q", got)
	}
	set := r.mustCall(wire.OpSetData, encSetData(root+"/s", []byte("x"), -1))
	for _, p := range []string{root + "/s", "/", "nonsense"} {
		rep := r.mustCall(wire.OpSync, encPath(p))
		wantCode(t, "sync "+p, rep.Err, 0)
		d := wire.NewDecoder(rep.Body)
		if s := d.String(); s != p {
			t.Fatalf("sync(%q) answered %q", p, s)
		}
		finish(t, "sync response", &d)
		if rep.Zxid != set.Zxid {
			t.Fatalf("sync reply zxid %#x, want last zxid %#x", rep.Zxid, set.Zxid)
		}
	}
	// A sync is ordered with the session's other requests: a write
	// pipelined before it is visible after it.
	ch1, _ := r.send(1001, wire.OpSetData, encSetData(root+"/s", []byte("pipelined"), -1))
	ch2, _ := r.send(1002, wire.OpSync, encPath(root+"/s"))
	a, b := waitReply(t, ch1), waitReply(t, ch2)
	if a.Err != 0 || b.Err != 0 || a.Seq > b.Seq {
		t.Fatalf("pipelined set/sync: %+v %+v", a, b)
	}
	_, data, _ := r.getData(root+"/s", false)
	if !bytes.Equal(data, []byte("pipelined")) {
		t.Fatalf("data %q after set+sync", data)
	}
}
