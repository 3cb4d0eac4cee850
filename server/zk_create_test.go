package server_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	wire "github.com/paddockdb/paddock/zk"
)

// TestZKCreate covers create in every mode through go-zookeeper, and create2
// through the raw client for the exact returned Stat and reply zxid.
func TestZKCreate(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	r := rawDial(t, addr, 4*time.Second)

	t.Run("Persistent", func(t *testing.T) {
		p := root + "/persistent"
		before := nowMs()
		got, err := c.Create(p, []byte("hello"), 0, zk.WorldACL(zk.PermAll))
		after := nowMs()
		wantErr(t, "create", err, nil)
		if got != p {
			t.Fatalf("create returned %q, want %q", got, p)
		}
		st := mustStat(t, c, p)
		if st.Czxid == 0 || st.Czxid != st.Mzxid || st.Czxid != st.Pzxid {
			t.Fatalf("new node: czxid %#x mzxid %#x pzxid %#x, want all equal and non-zero", st.Czxid, st.Mzxid, st.Pzxid)
		}
		checkTime(t, "ctime", st.Ctime, before, after)
		if st.Mtime != st.Ctime {
			t.Fatalf("mtime %d != ctime %d on a new node", st.Mtime, st.Ctime)
		}
		if st.Version != 0 || st.Cversion != 0 || st.Aversion != 0 || st.EphemeralOwner != 0 ||
			st.DataLength != 5 || st.NumChildren != 0 {
			t.Fatalf("new node stat %+v, want versions 0, owner 0, dataLength 5, numChildren 0", st)
		}
		data, st2, err := c.Get(p)
		wantErr(t, "get", err, nil)
		if string(data) != "hello" || *st2 != *st {
			t.Fatalf("get = %q %+v, want %q %+v", data, st2, "hello", st)
		}
	})

	t.Run("Create2ReturnsStat", func(t *testing.T) {
		p := root + "/create2"
		before := nowMs()
		rep, path, st := r.create2(p, []byte("abc"), openACL, wire.ModePersistent)
		after := nowMs()
		wantCode(t, "create2", rep.Err, 0)
		if path != p {
			t.Fatalf("create2 path %q, want %q", path, p)
		}
		// The reply header carries the zxid of the create itself.
		if int64(st.Czxid) != rep.Zxid || st.Mzxid != st.Czxid || st.Pzxid != st.Czxid {
			t.Fatalf("create2 stat %+v with reply zxid %#x: want czxid=mzxid=pzxid=reply zxid", st, rep.Zxid)
		}
		checkTime(t, "ctime", st.Ctime, before, after)
		if st.Mtime != st.Ctime || st.Version != 0 || st.Cversion != 0 || st.Aversion != 0 ||
			st.EphemeralOwner != 0 || st.DataLength != 3 || st.NumChildren != 0 {
			t.Fatalf("create2 stat %+v", st)
		}
		code, st2 := r.exists(p, false)
		wantCode(t, "exists", code, 0)
		if st2 != st {
			t.Fatalf("exists stat %+v != create2 stat %+v", st2, st)
		}
		// The parent's child-related fields moved to the create's zxid.
		_, pst := r.exists(root, false)
		if pst.Pzxid != st.Czxid {
			t.Fatalf("parent pzxid %#x, want the child's czxid %#x", pst.Pzxid, st.Czxid)
		}
		// Plain create (op 1) returns only the path: nothing after it.
		rep = r.mustCall(wire.OpCreate, encCreate(p+"x", nil, openACL, 0))
		wantCode(t, "create", rep.Err, 0)
		d := wire.NewDecoder(rep.Body)
		if got := d.String(); got != p+"x" {
			t.Fatalf("create path %q", got)
		}
		finish(t, "create response", &d)
	})

	t.Run("ParentStat", func(t *testing.T) {
		p := root + "/parent"
		mustCreate(t, c, p, []byte("pp"))
		st0 := mustStat(t, c, p)
		_, _, cst := r.create2(p+"/a", nil, openACL, 0)
		st1 := mustStat(t, c, p)
		// A child create bumps the parent's cversion, numChildren and pzxid
		// but neither its version nor its mzxid/mtime.
		if st1.Cversion != 1 || st1.NumChildren != 1 || st1.Pzxid != int64(cst.Czxid) ||
			st1.Version != 0 || st1.Mzxid != st0.Mzxid || st1.Mtime != st0.Mtime || st1.Czxid != st0.Czxid {
			t.Fatalf("parent after child create: %+v (before %+v, child czxid %#x)", st1, st0, cst.Czxid)
		}
		// The child's create zxid is newer than anything on the parent.
		if int64(cst.Czxid) <= st0.Mzxid {
			t.Fatalf("child czxid %#x not after parent mzxid %#x", cst.Czxid, st0.Mzxid)
		}
	})

	t.Run("Ephemeral", func(t *testing.T) {
		p := root + "/ephemeral"
		got, err := c.Create(p, []byte("e"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
		wantErr(t, "create", err, nil)
		if got != p {
			t.Fatalf("create returned %q", got)
		}
		st := mustStat(t, c, p)
		if st.EphemeralOwner != c.SessionID() || st.EphemeralOwner == 0 {
			t.Fatalf("ephemeralOwner %#x, want session id %#x", st.EphemeralOwner, c.SessionID())
		}
		// Seen the same way from another session.
		_, rst := r.exists(p, false)
		if int64(rst.EphemeralOwner) != c.SessionID() {
			t.Fatalf("ephemeralOwner via raw client %#x, want %#x", rst.EphemeralOwner, c.SessionID())
		}
	})

	t.Run("NoChildrenForEphemerals", func(t *testing.T) {
		p := root + "/eph-parent"
		_, err := c.Create(p, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
		wantErr(t, "create", err, nil)
		_, err = c.Create(p+"/child", nil, 0, zk.WorldACL(zk.PermAll))
		wantErr(t, "create child of ephemeral", err, zk.ErrNoChildrenForEphemerals)
		_, err = c.Create(p+"/child", nil, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
		wantErr(t, "create sequential ephemeral child of ephemeral", err, zk.ErrNoChildrenForEphemerals)
		wantCode(t, "raw create child of ephemeral", r.createErr(p+"/x", nil, openACL, 0), wire.CodeNoChildrenForEphemerals)
		// NodeExists is checked before the ephemeral parent.
		wantCode(t, "re-create the ephemeral", r.createErr(p, nil, openACL, 0), wire.CodeNodeExists)
		st := mustStat(t, c, p)
		if st.NumChildren != 0 || st.Cversion != 0 {
			t.Fatalf("ephemeral parent stat changed: %+v", st)
		}
	})

	t.Run("Sequential", func(t *testing.T) {
		p := root + "/seq"
		mustCreate(t, c, p, nil)
		seq := func(mode int32) string {
			t.Helper()
			got, err := c.Create(p+"/n-", nil, mode, zk.WorldACL(zk.PermAll))
			wantErr(t, "sequential create", err, nil)
			return got
		}
		if got := seq(zk.FlagSequence); got != p+"/n-0000000000" {
			t.Fatalf("first sequential child %q, want suffix 0000000000", got)
		}
		// A plain child uses up a sequence number (the suffix is the
		// parent's create count).
		mustCreate(t, c, p+"/plain", nil)
		if got := seq(zk.FlagSequence); got != p+"/n-0000000002" {
			t.Fatalf("sequential child after a plain child %q, want suffix 0000000002", got)
		}
		// Deletes do NOT give numbers back and do not use one up, although
		// they do bump the cversion clients see: ZooKeeper stores the count
		// of creates and reports cversion = 2*creates - numChildren.
		if err := c.Delete(p+"/plain", -1); err != nil {
			t.Fatal(err)
		}
		st := mustStat(t, c, p)
		if st.Cversion != 4 || st.NumChildren != 2 {
			t.Fatalf("parent after 3 creates + 1 delete: cversion %d numChildren %d, want 4 and 2", st.Cversion, st.NumChildren)
		}
		if got := seq(zk.FlagSequence); got != p+"/n-0000000003" {
			t.Fatalf("sequential child after a delete %q, want suffix 0000000003 (not the cversion 4)", got)
		}
		st = mustStat(t, c, p)
		if st.Cversion != 5 || st.NumChildren != 3 {
			t.Fatalf("parent: cversion %d numChildren %d, want 5 and 3", st.Cversion, st.NumChildren)
		}
		// Ephemeral sequential: both properties.
		got := seq(zk.FlagEphemeral | zk.FlagSequence)
		if got != p+"/n-0000000004" {
			t.Fatalf("ephemeral sequential %q, want suffix 0000000004", got)
		}
		if est := mustStat(t, c, got); est.EphemeralOwner != c.SessionID() {
			t.Fatalf("ephemeral sequential owner %#x, want %#x", est.EphemeralOwner, c.SessionID())
		}
		// The suffix is appended to whatever the name is, even an empty one
		// (the path may end in '/' for sequential creates).
		_, err := c.Create(p+"/", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
		wantErr(t, "sequential create of parent+/", err, nil)
		children, _, err := c.Children(p)
		wantErr(t, "children", err, nil)
		want := []string{"0000000005", "n-0000000000", "n-0000000002", "n-0000000003", "n-0000000004"}
		if !equalStrings(sorted(children), want) {
			t.Fatalf("children %v, want %v", sorted(children), want)
		}
		// Protected ephemeral sequential (go-zookeeper's recipe) is an
		// ephemeral sequential create of _c_<guid>-name.
		pes, err := c.CreateProtectedEphemeralSequential(p+"/lock-", nil, zk.WorldACL(zk.PermAll))
		wantErr(t, "CreateProtectedEphemeralSequential", err, nil)
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(p) + `/_c_[0-9a-f]{32}-lock-0000000006$`).MatchString(pes) {
			t.Fatalf("protected ephemeral sequential path %q", pes)
		}
	})

	t.Run("SequentialPadding", func(t *testing.T) {
		// Ten digits, zero padded, for any count.
		p := root + "/pad"
		mustCreate(t, c, p, nil)
		for i := 0; i < 12; i++ {
			got, err := c.Create(p+"/s", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
			wantErr(t, "create", err, nil)
			if want := fmt.Sprintf("%s/s%010d", p, i); got != want {
				t.Fatalf("create #%d = %q, want %q", i, got, want)
			}
		}
	})

	t.Run("NilAndEmptyData", func(t *testing.T) {
		// Data sent as a null buffer comes back as a null buffer; empty data
		// comes back empty. Both have dataLength 0.
		wantCode(t, "create nil", r.createErr(root+"/nil", nil, openACL, 0), 0)
		wantCode(t, "create empty", r.createErr(root+"/empty", []byte{}, openACL, 0), 0)
		code, data, st := r.getData(root+"/nil", false)
		wantCode(t, "get nil", code, 0)
		if data != nil || st.DataLength != 0 {
			t.Fatalf("node created with null data: data %v (nil %v) dataLength %d, want a null buffer", data, data == nil, st.DataLength)
		}
		code, data, st = r.getData(root+"/empty", false)
		wantCode(t, "get empty", code, 0)
		if data == nil || len(data) != 0 || st.DataLength != 0 {
			t.Fatalf("node created with empty data: data %v (nil %v), want an empty non-null buffer", data, data == nil)
		}
	})

	t.Run("NodeExistsAndNoParent", func(t *testing.T) {
		p := root + "/exists"
		mustCreate(t, c, p, nil)
		_, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll))
		wantErr(t, "create twice", err, zk.ErrNodeExists)
		_, err = c.Create(p, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
		wantErr(t, "create ephemeral over persistent", err, zk.ErrNodeExists)
		_, err = c.Create(root+"/missing/child", nil, 0, zk.WorldACL(zk.PermAll))
		wantErr(t, "create under missing parent", err, zk.ErrNoNode)
		_, err = c.Create(root+"/missing/child", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
		wantErr(t, "sequential create under missing parent", err, zk.ErrNoNode)
		wantCode(t, "create /", r.createErr("/", nil, openACL, 0), wire.CodeNodeExists)
		wantCode(t, "create /zookeeper", r.createErr("/zookeeper", nil, openACL, 0), wire.CodeNodeExists)
	})

	t.Run("InvalidFlags", func(t *testing.T) {
		for _, f := range []int32{7, -1, 100} {
			wantCode(t, fmt.Sprintf("create flags %d", f), r.createErr(root+fmt.Sprintf("/flags%d", f), nil, openACL, f), wire.CodeBadArguments)
		}
		// TTL modes through plain create (no TTL field, so ttl -1).
		for _, f := range []int32{wire.ModePersistentWithTTL, wire.ModePersistentSequentialWithTTL} {
			wantCode(t, fmt.Sprintf("create flags %d", f), r.createErr(root+fmt.Sprintf("/flags%d", f), nil, openACL, f), wire.CodeBadArguments)
		}
		children, _, _ := c.Children(root)
		for _, ch := range children {
			if strings.HasPrefix(ch, "flags") {
				t.Fatalf("a create with bad flags left %q behind", ch)
			}
		}
	})
}

// TestZKPathValidation encodes which requests validate paths and with which
// code. ZooKeeper is uneven here: create validates after looking up the
// parent and checking its ACL (so a bad path under a missing parent is
// NoNode), setData validates first, delete only rejects a path without '/',
// with a NUL, or a reserved path, and reads never validate (they look the
// path up and answer NoNode; "" is even an alias of the root).
func TestZKPathValidation(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	const (
		ok  = wire.CodeOK
		bad = wire.CodeBadArguments
		nn  = wire.CodeNoNode
		ex  = wire.CodeNodeExists
	)
	type want struct{ create, createSeq, del, set, get, exists, children wire.Code }
	cases := []struct {
		path string
		want want
	}{
		{"", want{bad, bad, bad, bad, ok, ok, ok}}, // reads of "" see the root
		{"noslash", want{bad, bad, bad, bad, nn, nn, nn}},
		{root + "/", want{bad, ok, nn, bad, nn, nn, nn}},
		{root + "//x", want{nn, nn, nn, bad, nn, nn, nn}},
		{root + "/./x", want{nn, nn, nn, bad, nn, nn, nn}},
		{root + "/../x", want{nn, nn, nn, bad, nn, nn, nn}},
		{root + "/.", want{bad, ok, nn, bad, nn, nn, nn}},
		{root + "/..", want{bad, ok, nn, bad, nn, nn, nn}},
		{root + "/a\x00b", want{bad, bad, bad, bad, nn, bad, nn}}, // exists alone rejects NUL
		{root + "/a\x01b", want{bad, bad, nn, bad, nn, nn, nn}},
		{root + "/a\x7fb", want{bad, bad, nn, bad, nn, nn, nn}},
		{root + "/a\u0085b", want{bad, bad, nn, bad, nn, nn, nn}},
		{root + "/\U0001F600", want{bad, bad, nn, bad, nn, nn, nn}}, // UTF-16 surrogates are refused
		{root + "/\uf8ff", want{bad, bad, nn, bad, nn, nn, nn}},
		{root + "/\ufff0", want{bad, bad, nn, bad, nn, nn, nn}},
		{root + "/a\xffb", want{bad, bad, nn, bad, nn, nn, nn}}, // invalid UTF-8 decodes to U+FFFD
		{"/nonexistent-parent/", want{nn, nn, nn, bad, nn, nn, nn}},
		// Valid but unusual names.
		{root + "/é", want{ok, ok, ok, nn, nn, nn, nn}},
		{root + "/...", want{ok, ok, ok, nn, nn, nn, nn}},
		{root + "/.x", want{ok, ok, ok, nn, nn, nn, nn}},
		{root + "/a\u00a0b", want{ok, ok, ok, nn, nn, nn, nn}},
		{root + "/zookeeper", want{ok, ok, ok, nn, nn, nn, nn}},
	}
	for _, tc := range cases {
		var got want
		got.create = r.createErr(tc.path, nil, openACL, 0)
		got.createSeq = r.createErr(tc.path, nil, openACL, wire.ModePersistentSequential)
		// delete runs after the creates: for valid names it deletes the
		// plain node (the sequential one has a suffix).
		got.del = r.delete(tc.path, -1)
		got.set, _ = r.setData(tc.path, nil, -1)
		got.get, _, _ = r.getData(tc.path, false)
		got.exists, _ = r.exists(tc.path, false)
		got.children, _ = r.getChildren(tc.path, false)
		if got != tc.want {
			t.Errorf("path %q: got %+v\n want %+v", tc.path, got, tc.want)
		}
	}
	// Root: setData and reads work, delete is refused, create is NodeExists,
	// and a sequential create of "/" makes a top-level child /NNNNNNNNNN.
	code, st := r.setData("/", nil, 5)
	wantCode(t, "setData / with a wrong version", code, wire.CodeBadVersion)
	_ = st
	wantCode(t, "delete /", r.delete("/", -1), bad)
	wantCode(t, "create /", r.createErr("/", nil, openACL, 0), ex)
}
