package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	wire "github.com/paddockdb/paddock/zk"
)

// TestZKMulti covers multi (14): per-op results, the all-or-nothing rule and
// the error layout.
func TestZKMulti(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	mustCreate(t, c, root+"/m", []byte("m0"))
	mustCreate(t, c, root+"/del", nil)

	t.Run("GoZookeeperSuccess", func(t *testing.T) {
		res, err := c.Multi(
			&zk.CreateRequest{Path: root + "/m/a", Data: []byte("a"), Acl: zk.WorldACL(zk.PermAll)},
			&zk.CreateRequest{Path: root + "/m/s-", Data: nil, Acl: zk.WorldACL(zk.PermAll), Flags: zk.FlagSequence},
			&zk.SetDataRequest{Path: root + "/m", Data: []byte("m1"), Version: 0},
			&zk.CheckVersionRequest{Path: root + "/m", Version: 1},
			&zk.DeleteRequest{Path: root + "/del", Version: 0},
		)
		wantErr(t, "Multi", err, nil)
		if len(res) != 5 {
			t.Fatalf("%d results, want 5", len(res))
		}
		for i, x := range res {
			if x.Error != nil {
				t.Fatalf("result %d error %v", i, x.Error)
			}
		}
		// The sequence number sees the create before it in the same multi.
		if res[0].String != root+"/m/a" || res[1].String != root+"/m/s-0000000001" {
			t.Fatalf("create results %q %q", res[0].String, res[1].String)
		}
		st := mustStat(t, c, root+"/m")
		if res[2].Stat == nil || *res[2].Stat != *st {
			t.Fatalf("setData result stat %+v, node stat %+v", res[2].Stat, st)
		}
		// Every op of a multi has the same zxid.
		as := mustStat(t, c, root+"/m/a")
		if st.Mzxid != as.Czxid || st.Pzxid != as.Czxid || st.Version != 1 || st.Cversion != 2 {
			t.Fatalf("parent %+v, child czxid %#x: one zxid for the whole multi", st, as.Czxid)
		}
		if ok, _, _ := c.Exists(root + "/del"); ok {
			t.Fatal("delete in multi did not happen")
		}
	})

	t.Run("FailureLayout", func(t *testing.T) {
		before := mustStat(t, c, root+"/m")
		rep, res := r.multi(wire.OpMulti,
			multiOp{wire.OpCreate, encCreate(root+"/m/new", nil, openACL, 0)},
			multiOp{wire.OpSetData, encSetData(root+"/m", []byte("x"), -1)},
			multiOp{wire.OpCheck, encPathVersion(root+"/m", 99)},
			multiOp{wire.OpDelete, encPathVersion(root+"/m/a", -1)},
			multiOp{wire.OpCreate, encCreate(root+"/m/a", nil, openACL, 0)},
		)
		// The reply header's err is 0 (ok); the failure is in the results.
		// A failed multi still uses up a zxid (it is logged as an error txn),
		// and the reply header carries it.
		wantCode(t, "failed multi reply header", rep.Err, 0)
		if rep.Zxid <= before.Mzxid {
			t.Fatalf("failed multi reply zxid %#x not after %#x", rep.Zxid, before.Mzxid)
		}
		// Ops before the failing one: error results with code 0; the
		// failing one its code; after it RuntimeInconsistency. The header's
		// err field of each result equals its body's code.
		want := []wire.Code{0, 0, wire.CodeBadVersion, wire.CodeRuntimeInconsistency, wire.CodeRuntimeInconsistency}
		if len(res) != len(want) {
			t.Fatalf("%d results, want %d", len(res), len(want))
		}
		for i, m := range res {
			if m.Type != wire.OpError || m.Err != want[i] || m.HdrErr != want[i] {
				t.Fatalf("result %d = {type %d hdrErr %d err %d}, want {type -1 err %d}", i, m.Type, m.HdrErr, m.Err, want[i])
			}
		}
		after := mustStat(t, c, root+"/m")
		if *after != *before {
			t.Fatalf("failed multi changed /m: %+v -> %+v", before, after)
		}
		if ok, _, _ := c.Exists(root + "/m/new"); ok {
			t.Fatal("failed multi created a node")
		}
		if ok, _, _ := c.Exists(root + "/m/a"); !ok {
			t.Fatal("failed multi deleted a node")
		}
		// The next write gets the next zxid after the failed multi's.
		st, err := c.Set(root+"/m", []byte("m1"), -1)
		wantErr(t, "set", err, nil)
		if st.Mzxid != rep.Zxid+1 {
			t.Fatalf("next write zxid %#x, want failed multi's %#x + 1", st.Mzxid, rep.Zxid)
		}
	})

	t.Run("FailureCodes", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			op   multiOp
			code wire.Code
		}{
			{"create existing", multiOp{wire.OpCreate, encCreate(root+"/m", nil, openACL, 0)}, wire.CodeNodeExists},
			{"create no parent", multiOp{wire.OpCreate, encCreate(root+"/nope/x", nil, openACL, 0)}, wire.CodeNoNode},
			{"create bad path", multiOp{wire.OpCreate, encCreate(root+"/m/", nil, openACL, 0)}, wire.CodeBadArguments},
			{"create invalid acl", multiOp{wire.OpCreate, encCreate(root+"/m/q", nil, []wire.ACL{}, 0)}, wire.CodeInvalidACL},
			{"delete missing", multiOp{wire.OpDelete, encPathVersion(root+"/nope", -1)}, wire.CodeNoNode},
			{"delete non-empty", multiOp{wire.OpDelete, encPathVersion(root+"/m", -1)}, wire.CodeNotEmpty},
			{"delete bad version", multiOp{wire.OpDelete, encPathVersion(root+"/m/a", 5)}, wire.CodeBadVersion},
			{"set missing", multiOp{wire.OpSetData, encSetData(root+"/nope", nil, -1)}, wire.CodeNoNode},
			{"set bad version", multiOp{wire.OpSetData, encSetData(root+"/m", nil, 77)}, wire.CodeBadVersion},
			{"check missing", multiOp{wire.OpCheck, encPathVersion(root+"/nope", -1)}, wire.CodeNoNode},
			{"check bad version", multiOp{wire.OpCheck, encPathVersion(root+"/m", 77)}, wire.CodeBadVersion},
		} {
			rep, res := r.multi(wire.OpMulti, tc.op, multiOp{wire.OpSetData, encSetData(root+"/m", nil, -1)})
			wantCode(t, tc.name+" reply header", rep.Err, 0)
			if len(res) != 2 || res[0].Type != wire.OpError || res[0].Err != tc.code ||
				res[1].Type != wire.OpError || res[1].Err != wire.CodeRuntimeInconsistency {
				t.Fatalf("%s: results %+v, want [%d, -2]", tc.name, res, tc.code)
			}
		}
		// go-zookeeper reports the first real error.
		_, err := c.Multi(
			&zk.SetDataRequest{Path: root + "/m", Data: nil, Version: -1},
			&zk.CreateRequest{Path: root + "/m", Acl: zk.WorldACL(zk.PermAll)},
		)
		wantErr(t, "Multi", err, zk.ErrNodeExists)
	})

	t.Run("OpsSeeEarlierOps", func(t *testing.T) {
		// Later ops see earlier ones: create then set then check then
		// delete of the same node, and a child under a node created earlier.
		rep, res := r.multi(wire.OpMulti,
			multiOp{wire.OpCreate, encCreate(root+"/chain", []byte("1"), openACL, 0)},
			multiOp{wire.OpCreate, encCreate(root+"/chain/kid", nil, openACL, 0)},
			multiOp{wire.OpSetData, encSetData(root+"/chain", []byte("2"), 0)},
			multiOp{wire.OpCheck, encPathVersion(root+"/chain", 1)},
			multiOp{wire.OpDelete, encPathVersion(root+"/chain/kid", 0)},
			multiOp{wire.OpDelete, encPathVersion(root+"/chain", 1)},
		)
		wantCode(t, "multi", rep.Err, 0)
		wantTypes := []wire.OpCode{wire.OpCreate, wire.OpCreate, wire.OpSetData, wire.OpCheck, wire.OpDelete, wire.OpDelete}
		for i, m := range res {
			if m.Type != wantTypes[i] || m.HdrErr != 0 {
				t.Fatalf("result %d = %+v, want type %d", i, m, wantTypes[i])
			}
		}
		if res[0].Path != root+"/chain" || res[1].Path != root+"/chain/kid" {
			t.Fatalf("create results %q %q", res[0].Path, res[1].Path)
		}
		// The setData result's stat is the node's stat at that point in the
		// multi (it had one child then).
		st := res[2].Stat
		if st == nil || st.Version != 1 || int64(st.Czxid) != rep.Zxid || int64(st.Mzxid) != rep.Zxid || int64(st.Pzxid) != rep.Zxid || st.NumChildren != 1 || st.Cversion != 1 || st.DataLength != 1 {
			t.Fatalf("setData result stat %+v, multi zxid %#x", st, rep.Zxid)
		}
		if ok, _, _ := c.Exists(root + "/chain"); ok {
			t.Fatal("/chain survived its multi")
		}
	})

	t.Run("CreateVariants", func(t *testing.T) {
		// Inside a multi a create op's result type follows its create mode,
		// not its op code: create2 with a plain mode answers like create
		// (path only); createContainer and createTTL answer like create2
		// (path and Stat).
		_, rst := r.exists(root, false)
		creates := (rst.Cversion + rst.NumChildren) / 2 // ZooKeeper's stored cversion
		rep, res := r.multi(wire.OpMulti,
			multiOp{wire.OpCreate2, encCreate(root+"/v2", []byte("x"), openACL, 0)},
			multiOp{wire.OpCreateContainer, encCreate(root+"/vc", []byte("xy"), openACL, wire.ModeContainer)},
			multiOp{wire.OpCreateTTL, encCreateTTL(root+"/vt", nil, openACL, wire.ModePersistentWithTTL, 60000)},
			multiOp{wire.OpCreate, encCreate(root+"/ve", nil, openACL, wire.ModeEphemeralSequential)},
		)
		wantCode(t, "multi", rep.Err, 0)
		if len(res) != 4 {
			t.Fatalf("results %+v", res)
		}
		if res[0].Type != wire.OpCreate || res[0].Path != root+"/v2" || res[0].Stat != nil {
			t.Fatalf("create2 result %+v, want a create result", res[0])
		}
		for i, want := range []string{root + "/vc", root + "/vt"} {
			m := res[i+1]
			if m.Type != wire.OpCreate2 || m.Path != want || m.Stat == nil {
				t.Fatalf("result %d = %+v, want a create2 result for %s", i+1, m, want)
			}
			// Containers and TTL nodes report ephemeralOwner 0 to clients.
			if int64(m.Stat.Czxid) != rep.Zxid || m.Stat.EphemeralOwner != 0 || m.Stat.Version != 0 {
				t.Fatalf("result %d stat %+v", i+1, m.Stat)
			}
		}
		if res[1].Stat.DataLength != 2 {
			t.Fatalf("container stat %+v", res[1].Stat)
		}
		ve := fmt.Sprintf("%s/ve%010d", root, creates+3)
		if res[3].Type != wire.OpCreate || res[3].Path != ve {
			t.Fatalf("ephemeral sequential result %+v, want path %s", res[3], ve)
		}
		_, st := r.exists(ve, false)
		if int64(st.EphemeralOwner) != r.Connect.SessionID {
			t.Fatalf("ephemeral created in a multi: owner %#x", st.EphemeralOwner)
		}
	})

	t.Run("ContainerModeInMulti", func(t *testing.T) {
		// Unlike a plain create, a create op with the container mode
		// (4) inside a multi makes a real container and answers like
		// create2 (ZooKeeper turns multi ops into Op objects by mode).
		rep, res := r.multi(wire.OpMulti,
			multiOp{wire.OpCreate, encCreate(root+"/mc", nil, openACL, wire.ModeContainer)},
			multiOp{wire.OpCreate, encCreate(root+"/mc/k", nil, openACL, 0)},
		)
		wantCode(t, "multi", rep.Err, 0)
		if len(res) != 2 || res[0].Type != wire.OpCreate2 || res[0].Path != root+"/mc" || res[0].Stat == nil ||
			res[1].Type != wire.OpCreate || res[1].Path != root+"/mc/k" {
			t.Fatalf("results %+v", res)
		}
		wantCode(t, "delete kid", r.delete(root+"/mc/k", -1), 0)
		waitFor(t, waitLong, root+"/mc reaped as a container", func() bool {
			code, _ := r.exists(root+"/mc", false)
			return code == wire.CodeNoNode
		})
		// A TTL mode on a create op in a multi cannot be decoded: the whole
		// multi fails with MarshallingError.
		rep = r.mustCall(wire.OpMulti, encMulti(multiOp{wire.OpCreate2, encCreate(root+"/mt", nil, openACL, wire.ModePersistentWithTTL)}))
		if rep.Err != wire.CodeMarshallingError || len(rep.Body) != 0 {
			t.Fatalf("create with a TTL mode in a multi: %+v", rep)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		// An empty multi succeeds with no results; it too uses a zxid.
		_, st := r.exists(root, false)
		last := r.mustCall(wire.OpSync, encPath("/")).Zxid
		rep, res := r.multi(wire.OpMulti)
		wantCode(t, "empty multi", rep.Err, 0)
		if len(res) != 0 {
			t.Fatalf("empty multi results %+v", res)
		}
		if rep.Zxid != last+1 {
			t.Fatalf("empty multi reply zxid %#x, want %#x", rep.Zxid, last+1)
		}
		_ = st
		res2, err := c.Multi()
		if err != nil || len(res2) != 0 {
			t.Fatalf("go-zookeeper empty Multi: %v %v", res2, err)
		}
	})

	t.Run("ReadOpsRejected", func(t *testing.T) {
		// A read op inside multi fails the whole request with
		// MarshallingError and no body.
		rep := r.mustCall(wire.OpMulti, encMulti(multiOp{wire.OpGetData, encPathWatch(root+"/m", false)}))
		if rep.Err != wire.CodeMarshallingError || len(rep.Body) != 0 {
			t.Fatalf("getData in multi: err %d body %x, want MarshallingError", rep.Err, rep.Body)
		}
		// multiRead fails the same way, but ZooKeeper still appends the
		// multi response it had started (here: just the done marker).
		rep = r.mustCall(wire.OpMultiRead, encMulti(multiOp{wire.OpCreate, encCreate(root+"/mr", nil, openACL, 0)}))
		if rep.Err != wire.CodeMarshallingError || len(decMulti(t, rep.Body)) != 0 {
			t.Fatalf("create in multiRead: err %d body %x, want MarshallingError and an empty multi response", rep.Err, rep.Body)
		}
		if code, _ := r.exists(root+"/mr", false); code != wire.CodeNoNode {
			t.Fatal("create inside multiRead happened")
		}
	})
}

// TestZKMultiRead covers multiRead (22): independent per-op results, errors
// included.
func TestZKMultiRead(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	mustCreate(t, c, root+"/a", []byte("aa"))
	mustCreate(t, c, root+"/a/k1", nil)
	mustCreate(t, c, root+"/a/k2", nil)
	if _, err := c.Create(root+"/secret", []byte("s"), 0, zk.DigestACL(zk.PermAll, "alice", "pw")); err != nil {
		t.Fatal(err)
	}
	ast := mustStat(t, c, root+"/a")
	last := r.mustCall(wire.OpSync, encPath("/")).Zxid
	rep, res := r.multi(wire.OpMultiRead,
		multiOp{wire.OpGetData, encPathWatch(root+"/a", false)},
		multiOp{wire.OpGetData, encPathWatch(root+"/missing", false)},
		multiOp{wire.OpGetChildren, encPathWatch(root+"/a", false)},
		multiOp{wire.OpGetChildren, encPathWatch(root+"/missing", false)},
		multiOp{wire.OpGetData, encPathWatch(root+"/secret", false)},
		multiOp{wire.OpGetChildren, encPathWatch(root+"/a/k1", false)},
	)
	// No zxid is used; the header carries the last one.
	wantCode(t, "multiRead", rep.Err, 0)
	if rep.Zxid != last {
		t.Fatalf("multiRead reply zxid %#x, want %#x", rep.Zxid, last)
	}
	if len(res) != 6 {
		t.Fatalf("%d results", len(res))
	}
	if m := res[0]; m.Type != wire.OpGetData || m.HdrErr != 0 || string(m.Data) != "aa" || m.Stat == nil ||
		int64(m.Stat.Mzxid) != ast.Mzxid || m.Stat.NumChildren != 2 || m.Stat.DataLength != 2 {
		t.Fatalf("getData result %+v stat %+v", m, m.Stat)
	}
	for _, i := range []int{1, 3} {
		if m := res[i]; m.Type != wire.OpError || m.Err != wire.CodeNoNode || m.HdrErr != wire.CodeNoNode {
			t.Fatalf("result %d = %+v, want a NoNode error result", i, m)
		}
	}
	if m := res[2]; m.Type != wire.OpGetChildren || !equalStrings(sorted(m.Children), []string{"k1", "k2"}) {
		t.Fatalf("getChildren result %+v", m)
	}
	if m := res[4]; m.Type != wire.OpError || m.Err != wire.CodeNoAuth {
		t.Fatalf("result 4 = %+v, want NoAuth", m)
	}
	if m := res[5]; m.Type != wire.OpGetChildren || m.Children == nil || len(m.Children) != 0 {
		t.Fatalf("leaf getChildren result %+v", m)
	}
	// An empty multiRead.
	rep, res = r.multi(wire.OpMultiRead)
	if rep.Err != 0 || len(res) != 0 {
		t.Fatalf("empty multiRead: %+v %+v", rep, res)
	}
}
