package zkclient_test

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/zk"
)

var bg = context.Background()

func digest(user, pass string) string {
	h := sha1.Sum([]byte(user + ":" + pass))
	return user + ":" + base64.StdEncoding.EncodeToString(h[:])
}

func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Fatalf("%s: err %v, want %v", what, got, want)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestHelpers drives every typed helper against a server, checking results,
// Stats and server error codes.
func TestHelpers(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	c, _ := dial(t, []string{s.Addr().String()})
	open := zk.OpenACLUnsafe()

	// Create, Get, Set, Exists, Delete.
	p, st, err := c.Create(bg, "/h", []byte("v0"), open, zk.ModePersistent, 0)
	must(t, "create", err)
	if p != "/h" || st.Version != 0 || st.DataLength != 2 || st.Czxid == 0 || st.Czxid != st.Mzxid {
		t.Fatalf("create: %q %+v", p, st)
	}
	data, st2, err := c.Get(bg, "/h", false)
	must(t, "get", err)
	if string(data) != "v0" || st2 != st {
		t.Fatalf("get: %q %+v, want v0 %+v", data, st2, st)
	}
	st3, err := c.Set(bg, "/h", []byte("v1"), 0)
	must(t, "set", err)
	if st3.Version != 1 || st3.Mzxid <= st.Mzxid || st3.Czxid != st.Czxid {
		t.Fatalf("set: %+v", st3)
	}
	_, err = c.Set(bg, "/h", []byte("v2"), 0)
	wantErr(t, "set bad version", err, zk.CodeBadVersion)
	st4, ok, err := c.Exists(bg, "/h", false)
	must(t, "exists", err)
	if !ok || st4 != st3 {
		t.Fatalf("exists: %v %+v, want %+v", ok, st4, st3)
	}
	_, ok, err = c.Exists(bg, "/missing", false)
	if err != nil || ok {
		t.Fatalf("exists missing: %v %v", ok, err)
	}
	_, _, err = c.Get(bg, "/missing", false)
	wantErr(t, "get missing", err, zk.CodeNoNode)
	_, _, err = c.Create(bg, "/h", nil, open, zk.ModePersistent, 0)
	wantErr(t, "create existing", err, zk.CodeNodeExists)
	_, _, err = c.Create(bg, "/no/such", nil, open, zk.ModePersistent, 0)
	wantErr(t, "create without parent", err, zk.CodeNoNode)

	// Null data and empty data differ.
	_, _, err = c.Create(bg, "/h/null", nil, open, zk.ModePersistent, 0)
	must(t, "create null", err)
	if d, _, err := c.Get(bg, "/h/null", false); err != nil || d != nil {
		t.Fatalf("get null data: %q (nil %v) %v", d, d == nil, err)
	}
	_, _, err = c.Create(bg, "/h/empty", []byte{}, open, zk.ModePersistent, 0)
	must(t, "create empty", err)
	if d, _, err := c.Get(bg, "/h/empty", false); err != nil || d == nil || len(d) != 0 {
		t.Fatalf("get empty data: %q (nil %v) %v", d, d == nil, err)
	}

	// Sequential, ephemeral, container and TTL nodes.
	seq, _, err := c.Create(bg, "/h/s-", nil, open, zk.ModePersistentSequential, 0)
	must(t, "create sequential", err)
	if seq != "/h/s-0000000002" {
		t.Fatalf("sequential path %q", seq)
	}
	_, est, err := c.Create(bg, "/h/e", []byte("e"), open, zk.ModeEphemeral, 0)
	must(t, "create ephemeral", err)
	if est.EphemeralOwner != c.SessionID() {
		t.Fatalf("ephemeral owner %v, session %v", est.EphemeralOwner, c.SessionID())
	}
	_, _, err = c.Create(bg, "/h/e/child", nil, open, zk.ModePersistent, 0)
	wantErr(t, "child of ephemeral", err, zk.CodeNoChildrenForEphemerals)
	_, _, err = c.Create(bg, "/cont", nil, open, zk.ModeContainer, 0)
	must(t, "create container", err)
	_, tst, err := c.Create(bg, "/ttl", nil, open, zk.ModePersistentWithTTL, 60000)
	must(t, "create ttl", err)
	if tst.EphemeralOwner != 0 {
		t.Fatalf("ttl node's ephemeralOwner %v, want 0 as ZooKeeper reports it", tst.EphemeralOwner)
	}

	// Children, GetAllChildrenNumber, GetEphemerals.
	kids, pst, err := c.Children(bg, "/h", false)
	must(t, "children", err)
	slices.Sort(kids)
	if !slices.Equal(kids, []string{"e", "empty", "null", "s-0000000002"}) || pst.NumChildren != 4 {
		t.Fatalf("children %v %+v", kids, pst)
	}
	n, err := c.GetAllChildrenNumber(bg, "/h")
	must(t, "getAllChildrenNumber", err)
	if n != 4 {
		t.Fatalf("getAllChildrenNumber = %d", n)
	}
	eph, err := c.GetEphemerals(bg, "/")
	must(t, "getEphemerals", err)
	if !slices.Equal(eph, []string{"/h/e"}) {
		t.Fatalf("getEphemerals %v", eph)
	}
	eph, err = c.GetEphemerals(bg, "/x")
	must(t, "getEphemerals /x", err)
	if len(eph) != 0 {
		t.Fatalf("getEphemerals /x %v", eph)
	}

	// Delete.
	wantErr(t, "delete non-empty", c.Delete(bg, "/h", -1), zk.CodeNotEmpty)
	wantErr(t, "delete bad version", c.Delete(bg, "/h/null", 3), zk.CodeBadVersion)
	must(t, "delete", c.Delete(bg, "/h/null", 0))
	wantErr(t, "delete missing", c.Delete(bg, "/h/null", -1), zk.CodeNoNode)

	// ACLs and auth.
	acl, ast, err := c.GetACL(bg, "/h")
	must(t, "getACL", err)
	if !slices.Equal(acl, open) || ast.Aversion != 0 {
		t.Fatalf("getACL %v %+v", acl, ast)
	}
	ast, err = c.SetACL(bg, "/h", zk.ReadACLUnsafe(), 0)
	must(t, "setACL", err)
	if ast.Aversion != 1 {
		t.Fatalf("setACL stat %+v", ast)
	}
	_, err = c.SetACL(bg, "/h", open, 0)
	wantErr(t, "setACL without admin", err, zk.CodeNoAuth)
	_, err = c.Set(bg, "/h", []byte("x"), -1)
	wantErr(t, "set without write", err, zk.CodeNoAuth)
	_, err = c.SetACL(bg, "/h", nil, -1)
	wantErr(t, "setACL empty", err, zkclient.ErrEmptyACL)
	wantErr(t, "setACL empty is InvalidACL", err, zk.CodeInvalidACL)

	who, err := c.WhoAmI(bg)
	must(t, "whoAmI", err)
	if !slices.Equal(who, []zk.ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}) {
		t.Fatalf("whoAmI %v", who)
	}
	must(t, "addAuth", c.AddAuth(bg, "digest", []byte("u1:p1")))
	who, err = c.WhoAmI(bg)
	must(t, "whoAmI", err)
	if !slices.Contains(who, zk.ClientInfo{AuthScheme: "digest", User: "u1"}) {
		t.Fatalf("whoAmI after addauth %v", who)
	}
	u1 := []zk.ACL{{Perms: zk.PermAll, ID: zk.Id{Scheme: "digest", ID: digest("u1", "p1")}}}
	_, _, err = c.Create(bg, "/sec", []byte("s"), u1, zk.ModePersistent, 0)
	must(t, "create digest-protected", err)
	other, _ := dial(t, []string{s.Addr().String()})
	_, _, err = other.Get(bg, "/sec", false)
	wantErr(t, "get without auth", err, zk.CodeNoAuth)
	if d, _, err := c.Get(bg, "/sec", false); err != nil || string(d) != "s" {
		t.Fatalf("get with auth: %q %v", d, err)
	}

	// Sync, Multi.
	sp, err := c.Sync(bg, "/h")
	must(t, "sync", err)
	if sp != "/h" {
		t.Fatalf("sync path %q", sp)
	}
	res, err := c.Multi(bg,
		zk.MultiOp{Header: zk.MultiHeader{Type: zk.OpCreate}, Body: &zk.CreateRequest{Path: "/m", Data: []byte("m"), ACL: open}},
		zk.MultiOp{Header: zk.MultiHeader{Type: zk.OpSetData}, Body: &zk.SetDataRequest{Path: "/m", Data: []byte("m2"), Version: 0}},
		zk.MultiOp{Header: zk.MultiHeader{Type: zk.OpCheck}, Body: &zk.CheckVersionRequest{Path: "/m", Version: 1}},
	)
	must(t, "multi", err)
	if len(res) != 3 || res[0].Header.Type != zk.OpCreate || res[0].Body.(*zk.CreateResponse).Path != "/m" ||
		res[1].Body.(*zk.SetDataResponse).Stat.Version != 1 || res[2].Header.Type != zk.OpCheck {
		t.Fatalf("multi results %+v", res)
	}
	res, err = c.Multi(bg,
		zk.MultiOp{Header: zk.MultiHeader{Type: zk.OpDelete}, Body: &zk.DeleteRequest{Path: "/m", Version: -1}},
		zk.MultiOp{Header: zk.MultiHeader{Type: zk.OpDelete}, Body: &zk.DeleteRequest{Path: "/m", Version: -1}},
	)
	wantErr(t, "failing multi", err, zk.CodeNoNode)
	if len(res) != 2 || res[1].Header.Type != zk.OpError || res[1].Body.(*zk.ErrorResponse).Err != zk.CodeNoNode {
		t.Fatalf("failing multi results %+v", res)
	}
	if _, ok, _ := c.Exists(bg, "/m", false); !ok {
		t.Fatal("failed multi deleted /m")
	}
	res, err = c.Multi(bg,
		zk.MultiOp{Header: zk.MultiHeader{Type: zk.OpGetData}, Body: &zk.GetDataRequest{Path: "/m"}},
		zk.MultiOp{Header: zk.MultiHeader{Type: zk.OpGetChildren}, Body: &zk.GetChildrenRequest{Path: "/m"}},
	)
	must(t, "multiRead", err)
	if len(res) != 2 || string(res[0].Body.(*zk.GetDataResponse).Data) != "m2" {
		t.Fatalf("multiRead results %+v", res)
	}

	// Config and reconfig on a standalone server.
	cfgData, _, err := c.GetConfig(bg, false)
	must(t, "getConfig", err)
	_ = cfgData
	_, _, err = c.Reconfig(bg, "server.2=127.0.0.1:2888:3888;2182", "", "", -1)
	wantErr(t, "reconfig", err, zk.CodeReconfigDisabled)

	// Arguments rejected before sending.
	var ae *zkclient.ArgumentError
	for _, tc := range []struct {
		name string
		err  error
		msg  string
	}{
		{"relative path", err3(c.Get(bg, "h", false)), "Path must start with / character"},
		{"trailing slash", err3(c.Get(bg, "/h/", false)), "Path must not end with / character"},
		{"empty name", c.Delete(bg, "/h//x", -1), `Invalid path string "/h//x" caused by empty node name specified @3`},
		{"ttl out of range", err3(c.Create(bg, "/t", nil, open, zk.ModePersistentWithTTL, 0)), "ttl must be positive and cannot be larger than: 1099511627775"},
		{"ttl for persistent", err3(c.Create(bg, "/t", nil, open, zk.ModePersistent, 5)), "ttl not valid for mode: PERSISTENT"},
		{"bad mode", err3(c.Create(bg, "/t", nil, open, 9, 0)), "Received an invalid flag value: 9 to convert to a CreateMode"},
	} {
		if !errors.As(tc.err, &ae) || ae.Msg != tc.msg {
			t.Errorf("%s: err %v, want ArgumentError %q", tc.name, tc.err, tc.msg)
		}
	}
	_, _, err = c.Create(bg, "/t", nil, nil, zk.ModePersistent, 0)
	wantErr(t, "create empty ACL", err, zkclient.ErrEmptyACL)

	// An unknown auth scheme kills the client.
	err = c.AddAuth(bg, "nosuchscheme", []byte("x"))
	wantErr(t, "addAuth unknown scheme", err, zkclient.ErrAuthFailed)
	if st := c.State(); st != zkclient.StateAuthFailed || st.Alive() {
		t.Fatalf("state after failed auth: %v", st)
	}
	_, _, err = c.Get(bg, "/h", false)
	wantErr(t, "get after failed auth", err, zkclient.ErrAuthFailed)
}

func err3[A, B any](_ A, _ B, err error) error { return err }

// TestEphemeralsGoWithClose checks Close closes the session at once.
func TestEphemeralsGoWithClose(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	c, ev := dial(t, []string{s.Addr().String()})
	o, _ := dial(t, []string{s.Addr().String()})
	_, _, err := c.Create(bg, "/e", nil, zk.OpenACLUnsafe(), zk.ModeEphemeral, 0)
	must(t, "create", err)
	must(t, "close", c.Close())
	ev.want(t, zk.EventNone, zk.StateClosed, "")
	if _, ok, err := o.Exists(bg, "/e", false); err != nil || ok {
		t.Fatalf("ephemeral after Close: %v %v", ok, err)
	}
	if st := c.State(); st != zkclient.StateClosed {
		t.Fatalf("state %v", st)
	}
	_, _, err = c.Get(bg, "/", false)
	wantErr(t, "get after close", err, zkclient.ErrClosed)
	done := make(chan error, 1)
	c.Go(zk.OpExists, &zk.ExistsRequest{Path: "/"}, nil, func(_ int64, err error) { done <- err })
	wantErr(t, "Go after close", <-done, zkclient.ErrClosed)
	must(t, "second close", c.Close())
	ev.none(t)
}

// TestDialFails: nothing listens, so Dial fails after one round.
func TestDialFails(t *testing.T) {
	addrs := []string{"127.0.0.1:" + itoa(freePort(t)), "127.0.0.1:" + itoa(freePort(t))}
	start := time.Now()
	_, err := zkclient.Dial(zkclient.Config{Servers: addrs, SessionTimeout: 2 * time.Second})
	if err == nil {
		t.Fatal("Dial succeeded with no server")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Dial took %v to fail", d)
	}
	for _, bad := range [][]string{nil, {"127.0.0.1"}, {"127.0.0.1:2181/chroot"}} {
		if _, err := zkclient.Dial(zkclient.Config{Servers: bad}); err == nil {
			t.Errorf("Dial(%q) succeeded", bad)
		}
	}
}

// TestDialStartsAnywhere: with one dead server listed, Dial still
// connects, whichever server it starts at.
func TestDialStartsAnywhere(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	dead := "127.0.0.1:" + itoa(freePort(t))
	for i := 0; i < 4; i++ {
		c, _ := dial(t, []string{dead, s.Addr().String()})
		if c.Server() != s.Addr().String() {
			t.Fatalf("connected to %q", c.Server())
		}
		c.Close()
	}
}

// TestDoContext: Do returns when its context ends, and the client stays
// usable.
func TestDoContext(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	p := newProxy(t, s.Addr().String())
	c, _ := dial(t, []string{p.addr()})
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, _, err := c.Get(ctx, "/", false); err != context.Canceled {
		t.Fatalf("cancelled context: %v", err)
	}
	p.setStall(true)
	ctx, cancel = context.WithTimeout(bg, 100*time.Millisecond)
	_, err := c.Set(ctx, "/", []byte("x"), -1)
	cancel()
	if err != context.DeadlineExceeded {
		t.Fatalf("stalled set: %v", err)
	}
	p.setStall(false)
	if _, _, err := c.Get(bg, "/", false); err != nil {
		t.Fatalf("get after stall: %v", err)
	}
}

// wantArgErr checks err is a *zkclient.ArgumentError.
func wantArgErr(t *testing.T, what string, err error) {
	t.Helper()
	var ae *zkclient.ArgumentError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: err %v, want an ArgumentError", what, err)
	}
}
