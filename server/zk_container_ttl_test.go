package server_test

import (
	"os"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
	wire "github.com/paddockdb/paddock/zk"
)

// Containers and TTL nodes are deleted by a background reaper. ZooKeeper
// runs it every znode.container.checkIntervalMs (default one minute; the
// reference server for these tests runs it every 100 ms); the tests allow
// waitLong.

// TestZKContainer covers container nodes: created with createContainer,
// reported with ephemeralOwner 0, deleted by the reaper once their last child
// is gone, never before they had a child.
func TestZKContainer(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	r := rawDial(t, addr, 4*time.Second)

	got, err := c.CreateContainer(root+"/never", nil, zk.FlagContainer, zk.WorldACL(zk.PermAll))
	wantErr(t, "CreateContainer", err, nil)
	if got != root+"/never" {
		t.Fatalf("CreateContainer returned %q", got)
	}
	// createContainer answers like create2: path and Stat.
	rep := r.mustCall(wire.OpCreateContainer, encCreate(root+"/box", []byte("b"), openACL, wire.ModeContainer))
	wantCode(t, "createContainer", rep.Err, 0)
	d := wire.NewDecoder(rep.Body)
	if p := d.String(); p != root+"/box" {
		t.Fatalf("createContainer path %q", p)
	}
	st := decStat(&d)
	finish(t, "createContainer response", &d)
	// The container marker (ephemeralOwner 0x8000000000000000 inside
	// ZooKeeper) is hidden from clients: they see 0.
	if int64(st.Czxid) != rep.Zxid || st.EphemeralOwner != 0 || st.DataLength != 1 || st.Version != 0 {
		t.Fatalf("container stat %+v", st)
	}
	// Containers can have children, including ephemeral ones.
	mustCreate(t, c, root+"/box/a", nil)
	if _, err := c.Create(root+"/box/e", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, c, root+"/box2", nil) // a plain node, for contrast
	wantErr(t, "delete a", c.Delete(root+"/box/a", -1), nil)
	// One child left: the container stays (checked after the next one
	// is reaped below).
	_, _, boxCh, err := c.ExistsW(root + "/box")
	wantErr(t, "ExistsW", err, nil)
	wantErr(t, "delete e", c.Delete(root+"/box/e", -1), nil)
	// Now empty with cversion > 0: reaped, with a NodeDeleted event.
	waitWatch2(t, boxCh, zk.EventNodeDeleted, root+"/box", waitLong)
	// A container that never had a child is not reaped (it had all the
	// time the other one needed), nor is a plain empty node.
	for _, p := range []string{root + "/never", root + "/box2"} {
		if ok, _, _ := c.Exists(p); !ok {
			t.Fatalf("%s was reaped", p)
		}
	}
	// A container is deleted like any node.
	wantErr(t, "delete container", c.Delete(root+"/never", -1), nil)

	// The op decides, not the mode: createContainer with mode persistent,
	// ephemeral or sequential makes a container (never an ephemeral; a
	// sequential mode still appends the suffix), while create/create2 with
	// the container mode (4) make a plain persistent node.
	for _, tc := range []struct {
		op   wire.OpCode
		mode int32
		name string
		path string
	}{
		{wire.OpCreateContainer, wire.ModePersistent, "m0", "m0"},
		{wire.OpCreateContainer, wire.ModeEphemeral, "m1", "m1"},
		{wire.OpCreateContainer, wire.ModePersistentSequential, "m2-", ""},
		{wire.OpCreate2, wire.ModeContainer, "plain4", "plain4"},
		{wire.OpCreate, wire.ModeContainer, "plain4b", "plain4b"},
	} {
		rep := r.mustCall(tc.op, encCreate(root+"/"+tc.name, nil, openACL, tc.mode))
		wantCode(t, "create "+tc.name, rep.Err, 0)
		d := wire.NewDecoder(rep.Body)
		p := d.String()
		if tc.path != "" && p != root+"/"+tc.path {
			t.Fatalf("%v mode %d created %q", tc.op, tc.mode, p)
		}
		if tc.path == "" && len(p) != len(root+"/"+tc.name)+10 {
			t.Fatalf("%v mode %d created %q, want a sequential name", tc.op, tc.mode, p)
		}
		_, st := r.exists(p, false)
		if st.EphemeralOwner != 0 {
			t.Fatalf("%s: ephemeralOwner %#x", p, st.EphemeralOwner)
		}
		mustCreate(t, c, p+"/k", nil)
		wantErr(t, "delete kid", c.Delete(p+"/k", -1), nil)
		if tc.op == wire.OpCreateContainer {
			waitFor(t, waitLong, "container "+p+" reaped", func() bool {
				ok, _, _ := c.Exists(p)
				return !ok
			})
		}
	}
	// By now the reaper has run after the plain nodes emptied.
	for _, p := range []string{root + "/plain4", root + "/plain4b"} {
		if ok, _, _ := c.Exists(p); !ok {
			t.Fatalf("%s (created with the container mode by a plain create) was reaped", p)
		}
	}
	if code, eph := r.getEphemerals("/"); code != 0 || len(eph) != 0 {
		t.Fatalf("createContainer with the ephemeral mode made an ephemeral: %v", eph)
	}
	// TTL modes through createContainer are refused.
	for _, mode := range []int32{wire.ModePersistentWithTTL, wire.ModePersistentSequentialWithTTL} {
		rep := r.mustCall(wire.OpCreateContainer, encCreate(root+"/badbox", nil, openACL, mode))
		wantCode(t, "createContainer with a TTL mode", rep.Err, wire.CodeBadArguments)
	}
}

// waitWatch2 is waitWatch with an explicit bound.
func waitWatch2(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string, d time.Duration) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Fatalf("watch event %+v, want %v on %s", ev, typ, path)
		}
	case <-time.After(d):
		t.Fatalf("no %v event on %s within %v", typ, path, d)
	}
}

// TestZKTTL covers TTL nodes (extendedTypesEnabled): deleted by the reaper
// once mtime+ttl has passed and they have no children.
func TestZKTTL(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	const ttl = 300 * time.Millisecond

	// A TTL node with a child is never reaped; create it first so its TTL
	// runs out before the other's.
	if _, err := c.CreateTTL(root+"/parent", nil, zk.FlagTTL, zk.WorldACL(zk.PermAll), ttl); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, c, root+"/parent/kid", nil)

	created := time.Now()
	got, err := c.CreateTTL(root+"/t", []byte("x"), zk.FlagTTL, zk.WorldACL(zk.PermAll), ttl)
	wantErr(t, "CreateTTL", err, nil)
	if got != root+"/t" {
		t.Fatalf("CreateTTL returned %q", got)
	}
	st := mustStat(t, c, root+"/t")
	// The TTL lives in ephemeralOwner inside ZooKeeper; clients see 0.
	if st.EphemeralOwner != 0 || st.DataLength != 1 || st.Czxid != st.Mzxid {
		t.Fatalf("TTL node stat %+v", st)
	}
	_, _, ch, err := c.ExistsW(root + "/t")
	wantErr(t, "ExistsW", err, nil)
	waitWatch2(t, ch, zk.EventNodeDeleted, root+"/t", waitLong)
	if lived := time.Since(created); lived < ttl {
		t.Fatalf("TTL node deleted after %v, before its TTL %v", lived, ttl)
	}
	if ok, _, _ := c.Exists(root + "/parent"); !ok {
		t.Fatal("a TTL node with a child was reaped")
	}

	// Sequential TTL.
	got, err = c.CreateTTL(root+"/s-", nil, zk.FlagPersistentSequentialWithTTL, zk.WorldACL(zk.PermAll), time.Hour)
	wantErr(t, "CreateTTL sequential", err, nil)
	if len(got) != len(root+"/s-")+10 {
		t.Fatalf("sequential TTL path %q", got)
	}
	// createTTL answers like create2.
	rep := r.mustCall(wire.OpCreateTTL, encCreateTTL(root+"/raw", nil, openACL, wire.ModePersistentWithTTL, 3600000))
	wantCode(t, "createTTL", rep.Err, 0)
	d := wire.NewDecoder(rep.Body)
	if p := d.String(); p != root+"/raw" {
		t.Fatalf("createTTL path %q", p)
	}
	rst := decStat(&d)
	finish(t, "createTTL response", &d)
	if int64(rst.Czxid) != rep.Zxid || rst.EphemeralOwner != 0 {
		t.Fatalf("createTTL stat %+v", rst)
	}
	// TTL bounds: 1 ms .. 2^40-1 ms; and only the two TTL modes.
	for _, tc := range []struct {
		mode int32
		ttl  int64
		want wire.Code
	}{
		{wire.ModePersistentWithTTL, 0, wire.CodeBadArguments},
		{wire.ModePersistentWithTTL, -1, wire.CodeBadArguments},
		{wire.ModePersistentWithTTL, 1<<40 - 1, 0},
		{wire.ModePersistentWithTTL, 1 << 40, wire.CodeBadArguments},
		{wire.ModePersistent, 1000, wire.CodeBadArguments},
		{wire.ModeEphemeral, 1000, wire.CodeBadArguments},
		{wire.ModePersistentSequential, 1000, wire.CodeBadArguments},
		{wire.ModeContainer, 1000, wire.CodeBadArguments},
		{7, 1000, wire.CodeBadArguments},
	} {
		rep := r.mustCall(wire.OpCreateTTL, encCreateTTL(root+"/bounds", nil, openACL, tc.mode, tc.ttl))
		if rep.Err != tc.want {
			t.Fatalf("createTTL mode %d ttl %d: %v, want %v", tc.mode, tc.ttl, rep.Err, tc.want)
		}
		if rep.Err == 0 {
			r.delete(root+"/bounds", -1)
		}
	}
	// go-zookeeper itself refuses a TTL mode in Create.
	if _, err := c.Create(root+"/x", nil, zk.FlagTTL, zk.WorldACL(zk.PermAll)); err == nil {
		t.Fatal("go-zookeeper Create with FlagTTL succeeded")
	}
}

// TestZKTTLDisabled: with extendedTypesEnabled=false TTL creates are
// Unimplemented (a normal error reply; the connection stays).
func TestZKTTLDisabled(t *testing.T) {
	var addr string
	if realZK() {
		addr = os.Getenv(envZKNoTTLAddr)
		if addr == "" {
			t.Skip("set " + envZKNoTTLAddr + " to a ZooKeeper with extendedTypesEnabled=false")
		}
	} else {
		addr = startServer(t, func(c *server.Config) { c.ExtendedTypesEnabled = false })
	}
	root := testRoot(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	for _, tc := range []struct {
		op   wire.OpCode
		body []byte
	}{
		{wire.OpCreateTTL, encCreateTTL(root+"/t", nil, openACL, wire.ModePersistentWithTTL, 1000)},
		{wire.OpCreateTTL, encCreateTTL(root+"/t", nil, openACL, wire.ModePersistentSequentialWithTTL, 1000)},
		// Even an out-of-range TTL: the feature check comes first.
		{wire.OpCreateTTL, encCreateTTL(root+"/t", nil, openACL, wire.ModePersistentWithTTL, 0)},
		// And a TTL mode through plain create.
		{wire.OpCreate, encCreate(root+"/t", nil, openACL, wire.ModePersistentWithTTL)},
	} {
		rep := r.mustCall(tc.op, tc.body)
		if rep.Err != wire.CodeUnimplemented || len(rep.Body) != 0 {
			t.Fatalf("%v with TTLs disabled: %+v, want Unimplemented", tc.op, rep)
		}
	}
	// A non-TTL mode through createTTL is still BadArguments.
	rep := r.mustCall(wire.OpCreateTTL, encCreateTTL(root+"/t", nil, openACL, wire.ModePersistent, 1000))
	wantCode(t, "createTTL with mode 0", rep.Err, wire.CodeBadArguments)
	// Containers do not need extended types.
	rep = r.mustCall(wire.OpCreateContainer, encCreate(root+"/c", nil, openACL, wire.ModeContainer))
	wantCode(t, "createContainer", rep.Err, 0)
	r.ping()
}
