package server_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	wire "github.com/paddockdb/paddock/zk"
)

func mkACL(perms int32, scheme, id string) wire.ACL {
	return wire.ACL{Perms: perms, ID: wire.Id{Scheme: scheme, ID: id}}
}

func aclString(acl []wire.ACL) string {
	s := ""
	for _, a := range acl {
		s += fmt.Sprintf("[%d %s:%s]", a.Perms, a.ID.Scheme, a.ID.ID)
	}
	return s
}

// sortedACL orders ACLs by scheme and id (ZooKeeper keeps the order of an
// explicit list, but the expansion of "auth" follows its internal set order).
func sortedACL(acl []wire.ACL) []wire.ACL {
	out := append([]wire.ACL{}, acl...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID.Scheme != out[j].ID.Scheme {
			return out[i].ID.Scheme < out[j].ID.Scheme
		}
		return out[i].ID.ID < out[j].ID.ID
	})
	return out
}

// TestZKDigestHelper pins the digest format used throughout.
func TestZKDigestHelper(t *testing.T) {
	// Value printed by ZooKeeper's DigestAuthenticationProvider for super:test.
	if got := zkDigest("super", "test"); got != "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" {
		t.Fatalf("zkDigest(super, test) = %q", got)
	}
	if got, want := zkDigest("alice", "pw"), zk.DigestACL(zk.PermAll, "alice", "pw")[0].ID; got != want {
		t.Fatalf("zkDigest = %q, go-zookeeper's DigestACL = %q", got, want)
	}
}

// TestZKACL covers getACL/setACL, the world, auth, digest and ip schemes,
// NoAuth for every operation and InvalidACL.
func TestZKACL(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr)
	a := rawDial(t, addr, 4*time.Second) // authenticates as alice and bob
	n := rawDial(t, addr, 4*time.Second) // never authenticates
	alice := zkDigest("alice", "pw")
	bob := zkDigest("bob", "pw")

	t.Run("GetSetACL", func(t *testing.T) {
		p := root + "/acl"
		mustCreate(t, c, p, []byte("d"))
		acl, st, err := c.GetACL(p)
		wantErr(t, "GetACL", err, nil)
		if len(acl) != 1 || acl[0] != (zk.ACL{Perms: zk.PermAll, Scheme: "world", ID: "anyone"}) {
			t.Fatalf("default ACL %+v", acl)
		}
		st0 := mustStat(t, c, p)
		if *st != *st0 {
			t.Fatalf("GetACL stat %+v != exists stat %+v", st, st0)
		}
		adminACL := []zk.ACL{{Perms: zk.PermAll, Scheme: "world", ID: "anyone"}, {Perms: zk.PermAll, Scheme: "digest", ID: alice}}
		st1, err := c.SetACL(p, adminACL, 0)
		wantErr(t, "SetACL version 0", err, nil)
		// setACL bumps only aversion: no mzxid, version, mtime change.
		want := *st0
		want.Aversion = 1
		if *st1 != want {
			t.Fatalf("SetACL stat %+v, want %+v", st1, want)
		}
		_, err = c.SetACL(p, adminACL, 0)
		wantErr(t, "SetACL stale aversion", err, zk.ErrBadVersion)
		st2, err := c.SetACL(p, adminACL, -1)
		wantErr(t, "SetACL -1", err, nil)
		if st2.Aversion != 2 {
			t.Fatalf("aversion %d, want 2", st2.Aversion)
		}
		_, err = c.SetACL(root+"/missing", adminACL, -1)
		wantErr(t, "SetACL missing", err, zk.ErrNoNode)
		rwACL := []zk.ACL{{Perms: zk.PermRead | zk.PermWrite, Scheme: "world", ID: "anyone"}, {Perms: zk.PermAll, Scheme: "digest", ID: alice}}
		if _, err := c.SetACL(p, rwACL, 2); err != nil {
			t.Fatal(err)
		}
		// Now c lacks ADMIN: the ACL check comes before the version check.
		_, err = c.SetACL(p, rwACL, 0)
		wantErr(t, "SetACL without ADMIN and a stale version", err, zk.ErrNoAuth)
		got, st3, err := c.GetACL(p)
		wantErr(t, "GetACL", err, nil)
		if st3.Aversion != 3 {
			t.Fatalf("aversion %d, want 3", st3.Aversion)
		}
		// Without ADMIN, digest ids are masked (user:x); order is kept.
		wantList := []zk.ACL{{Perms: zk.PermRead | zk.PermWrite, Scheme: "world", ID: "anyone"}, {Perms: zk.PermAll, Scheme: "digest", ID: "alice:x"}}
		if len(got) != 2 || got[0] != wantList[0] || got[1] != wantList[1] {
			t.Fatalf("GetACL without ADMIN = %+v, want %+v", got, wantList)
		}
		_, _, err = c.GetACL(root + "/missing")
		wantErr(t, "GetACL missing", err, zk.ErrNoNode)
		// Duplicates are dropped.
		a.addAuth("digest", []byte("alice:pw"))
		code, _ := a.setACL(p, []wire.ACL{mkACL(31, "world", "anyone"), mkACL(31, "world", "anyone")}, -1)
		wantCode(t, "setACL with duplicates", code, 0)
		code, acl2, _ := a.getACL(p)
		wantCode(t, "getACL", code, 0)
		if aclString(acl2) != "[31 world:anyone]" {
			t.Fatalf("ACL after setting a duplicated entry: %s", aclString(acl2))
		}
	})

	t.Run("InvalidACL", func(t *testing.T) {
		for i, acl := range [][]wire.ACL{
			nil, // a null vector
			{},
			{mkACL(31, "auth", "")}, // no authenticated identity on this connection
			{mkACL(31, "digest", "alice")},
			{mkACL(31, "digest", "a:b:c")},
			{mkACL(31, "nosuchscheme", "x")},
			{mkACL(31, "world", "someone")},
			{mkACL(31, "super", "")},
			{mkACL(31, "ip", "1.2.3")},
			{mkACL(31, "ip", "1.2.3.256")},
			{mkACL(31, "ip", "127.0.0.1/33")},
			{mkACL(31, "ip", "127.0.0.1/x")},
			{mkACL(31, "ip", "::1")}, // ZooKeeper 3.8's ip provider is IPv4 only
			{mkACL(31, "world", "anyone"), mkACL(31, "digest", "bad")},
		} {
			p := fmt.Sprintf("%s/invalid%d", root, i)
			wantCode(t, "create with ACL "+aclString(acl), n.createErr(p, nil, acl, 0), wire.CodeInvalidACL)
			if code, _ := n.exists(p, false); code != wire.CodeNoNode {
				t.Fatalf("create with invalid ACL %s left %s behind", aclString(acl), p)
			}
		}
		code, _ := n.setACL(root, []wire.ACL{mkACL(31, "auth", "")}, -1)
		wantCode(t, "setACL auth without ids", code, wire.CodeInvalidACL)
		code, _ = n.setACL(root, []wire.ACL{}, -1)
		wantCode(t, "setACL empty", code, wire.CodeInvalidACL)
		// Accepted although odd: any perms bits, any well-formed digest id.
		for i, acl := range [][]wire.ACL{
			{mkACL(0, "world", "anyone")},
			{mkACL(64, "world", "anyone")},
			{mkACL(31, "digest", "x:not-a-real-hash")},
			{mkACL(31, "ip", "10.0.0.0/8")},
			{mkACL(31, "ip", "0.0.0.0/0")},
		} {
			p := fmt.Sprintf("%s/odd%d", root, i)
			wantCode(t, "create with ACL "+aclString(acl), n.createErr(p, nil, acl, 0), 0)
		}
		// InvalidACL comes before the parent's NoAuth.
		wantCode(t, "create", a.createErr(root+"/nocreate", nil, []wire.ACL{mkACL(wire.PermAll&^wire.PermCreate, "world", "anyone")}, 0), 0)
		wantCode(t, "invalid ACL under a no-create parent", n.createErr(root+"/nocreate/x", nil, []wire.ACL{mkACL(31, "bad", "x")}, 0), wire.CodeInvalidACL)
		wantCode(t, "create under a no-create parent", n.createErr(root+"/nocreate/x", nil, openACL, 0), wire.CodeNoAuth)
	})

	t.Run("AuthAndDigest", func(t *testing.T) {
		for _, u := range []string{"alice:pw", "bob:pw"} {
			rep, err := a.addAuth("digest", []byte(u))
			if err != nil || rep.Err != 0 || rep.Xid != wire.XidAuth || rep.Zxid != 0 || len(rep.Body) != 0 {
				t.Fatalf("addauth %s: %+v %v (want xid -4, zxid 0, ok, no body)", u, rep, err)
			}
		}
		// "auth" expands to every authenticated identity of the creator,
		// with the ACL's perms; the id in the "auth" entry is ignored.
		p := root + "/authnode"
		wantCode(t, "create with auth ACL", a.createErr(p, []byte("x"), []wire.ACL{mkACL(wire.PermAll, "auth", "ignored"), mkACL(wire.PermRead, "world", "anyone")}, 0), 0)
		code, acl, _ := a.getACL(p)
		wantCode(t, "getACL", code, 0)
		want := sortedACL([]wire.ACL{mkACL(31, "digest", alice), mkACL(31, "digest", bob), mkACL(1, "world", "anyone")})
		if aclString(sortedACL(acl)) != aclString(want) {
			t.Fatalf("auth ACL expanded to %s, want %s", aclString(acl), aclString(want))
		}
		// Without ADMIN the digest ids are masked.
		code, acl, _ = n.getACL(p)
		wantCode(t, "getACL unauthenticated", code, 0)
		want = sortedACL([]wire.ACL{mkACL(31, "digest", "alice:x"), mkACL(31, "digest", "bob:x"), mkACL(1, "world", "anyone")})
		if aclString(sortedACL(acl)) != aclString(want) {
			t.Fatalf("masked ACL %s, want %s", aclString(acl), aclString(want))
		}
		// go-zookeeper's AddAuth + DigestACL.
		g := dial(t, addr)
		wantErr(t, "AddAuth", g.AddAuth("digest", []byte("carol:secret")), nil)
		gp := root + "/carol"
		if _, err := g.Create(gp, []byte("c"), 0, zk.DigestACL(zk.PermAll, "carol", "secret")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := g.Get(gp); err != nil {
			t.Fatalf("carol reads her node: %v", err)
		}
		_, _, err := c.Get(gp)
		wantErr(t, "unauthenticated get", err, zk.ErrNoAuth)
		// A wrong password authenticates fine, as another identity.
		w := rawDial(t, addr, 4*time.Second)
		rep, err := w.addAuth("digest", []byte("carol:wrong"))
		if err != nil || rep.Err != 0 {
			t.Fatalf("addauth with a wrong password: %+v %v (want ok)", rep, err)
		}
		code, _, _ = w.getData(gp, false)
		wantCode(t, "get with a wrong password", code, wire.CodeNoAuth)
	})

	t.Run("NoAuth", func(t *testing.T) {
		p := root + "/secret"
		wantCode(t, "create", a.createErr(p, []byte("s"), []wire.ACL{mkACL(wire.PermAll, "digest", alice)}, 0), 0)
		wantCode(t, "create child", a.createErr(p+"/kid", nil, openACL, 0), 0)
		// exists needs no permission in 3.8.0-3.8.3; from 3.8.4, which
		// Paddock follows, it needs READ (ZOOKEEPER-2590).
		code, st := n.exists(p, false)
		if realZK() {
			wantCode(t, "exists", code, 0)
			if st.NumChildren != 1 || st.DataLength != 1 {
				t.Fatalf("exists stat %+v", st)
			}
		} else {
			wantCode(t, "exists", code, wire.CodeNoAuth)
		}
		code, _, _ = n.getData(p, false)
		wantCode(t, "getData", code, wire.CodeNoAuth)
		code, _ = n.getChildren(p, false)
		wantCode(t, "getChildren", code, wire.CodeNoAuth)
		code, _, _ = n.getChildren2(p, false)
		wantCode(t, "getChildren2", code, wire.CodeNoAuth)
		code, _ = n.getAllChildrenNumber(p)
		wantCode(t, "getAllChildrenNumber", code, wire.CodeNoAuth)
		code, _, _ = n.getACL(p)
		wantCode(t, "getACL", code, wire.CodeNoAuth)
		code, _ = n.setData(p, nil, -1)
		wantCode(t, "setData", code, wire.CodeNoAuth)
		code, _ = n.setACL(p, openACL, -1)
		wantCode(t, "setACL", code, wire.CodeNoAuth)
		wantCode(t, "create under", n.createErr(p+"/x", nil, openACL, 0), wire.CodeNoAuth)
		wantCode(t, "delete child", n.delete(p+"/kid", -1), wire.CodeNoAuth)
		// The parent's DELETE permission is checked before the child's
		// existence.
		wantCode(t, "delete missing child", n.delete(p+"/nochild", -1), wire.CodeNoAuth)
		// Deleting the node itself needs DELETE on its parent only.
		wantCode(t, "create", a.createErr(root+"/locked", nil, []wire.ACL{mkACL(wire.PermRead, "world", "anyone")}, 0), 0)
		wantCode(t, "delete a node without permissions on it", n.delete(root+"/locked", -1), 0)
		// The authorised session may do it all; a wrong version is then
		// BadVersion.
		code, _, _ = a.getData(p, false)
		wantCode(t, "alice getData", code, 0)
		code, _ = a.setData(p, nil, 9)
		wantCode(t, "alice setData wrong version", code, wire.CodeBadVersion)
		// Per-permission checks: ADMIN alone allows getACL (unmasked) but
		// not reads; WRITE alone does not allow getACL.
		wantCode(t, "create", a.createErr(root+"/adm", nil, []wire.ACL{mkACL(wire.PermAdmin, "world", "anyone")}, 0), 0)
		code, _, _ = n.getData(root+"/adm", false)
		wantCode(t, "getData with ADMIN only", code, wire.CodeNoAuth)
		code, acl, _ := n.getACL(root + "/adm")
		wantCode(t, "getACL with ADMIN only", code, 0)
		if aclString(acl) != "[16 world:anyone]" {
			t.Fatalf("getACL %s", aclString(acl))
		}
		wantCode(t, "create", a.createErr(root+"/wo", nil, []wire.ACL{mkACL(wire.PermWrite, "world", "anyone")}, 0), 0)
		code, _, _ = n.getACL(root + "/wo")
		wantCode(t, "getACL with WRITE only", code, wire.CodeNoAuth)
		code, _ = n.setData(root+"/wo", []byte("w"), -1)
		wantCode(t, "setData with WRITE only", code, 0)
		// Read-only via world: readable, ACL readable (masked), not writable.
		wantCode(t, "create", a.createErr(root+"/ro", nil, []wire.ACL{mkACL(wire.PermRead, "world", "anyone"), mkACL(31, "digest", alice)}, 0), 0)
		code, acl, _ = n.getACL(root + "/ro")
		wantCode(t, "getACL read-only", code, 0)
		if aclString(acl) != "[1 world:anyone][31 digest:alice:x]" {
			t.Fatalf("getACL %s", aclString(acl))
		}
		code, _ = n.setData(root+"/ro", nil, -1)
		wantCode(t, "setData read-only", code, wire.CodeNoAuth)
		// go-zookeeper sees the same.
		_, err := c.Set(root+"/ro", nil, -1)
		wantErr(t, "Set read-only", err, zk.ErrNoAuth)
	})

	t.Run("IP", func(t *testing.T) {
		// Clients connect from 127.0.0.1.
		for i, tc := range []struct {
			id   string
			want wire.Code
		}{
			{"127.0.0.1", 0},
			{"127.0.0.0/8", 0},
			{"127.0.0.0/24", 0},
			{"127.1.2.3/8", 0}, // the ACL address is masked too
			{"0.0.0.0/0", 0},
			{"127.0.0.1/32", 0},
			{"127.0.0.2", wire.CodeNoAuth},
			{"10.0.0.0/8", wire.CodeNoAuth},
			{"128.0.0.0/1", wire.CodeNoAuth},
		} {
			p := fmt.Sprintf("%s/ip%d", root, i)
			wantCode(t, "create", a.createErr(p, []byte("d"), []wire.ACL{mkACL(wire.PermRead, "ip", tc.id)}, 0), 0)
			code, _, _ := n.getData(p, false)
			wantCode(t, "getData with ip ACL "+tc.id, code, tc.want)
		}
	})
}

// TestZKWhoAmI covers whoAmI (107) and the auth packet's failure mode.
func TestZKWhoAmI(t *testing.T) {
	addr := startServer(t)
	r := rawDial(t, addr, 4*time.Second)
	info := func() string {
		var s []string
		for _, ci := range r.whoAmI() {
			s = append(s, ci.AuthScheme+"="+ci.User)
		}
		sort.Strings(s)
		return fmt.Sprint(s)
	}
	// Every connection starts with its ip identity.
	if got := info(); got != "[ip=127.0.0.1]" {
		t.Fatalf("whoAmI = %s", got)
	}
	if rep, err := r.addAuth("digest", []byte("alice:pw")); err != nil || rep.Err != 0 {
		t.Fatalf("addauth: %+v %v", rep, err)
	}
	if got := info(); got != "[digest=alice ip=127.0.0.1]" {
		t.Fatalf("whoAmI after addauth = %s", got)
	}
	// The same identity twice is kept once; "ip" re-adds the same ip id.
	r.addAuth("digest", []byte("alice:pw"))
	r.addAuth("ip", []byte("anything"))
	if got := info(); got != "[digest=alice ip=127.0.0.1]" {
		t.Fatalf("whoAmI after repeated addauth = %s", got)
	}
	// A digest without ':' is accepted: the whole string is the user.
	if rep, err := r.addAuth("digest", []byte("nocolon")); err != nil || rep.Err != 0 {
		t.Fatalf("addauth nocolon: %+v %v", rep, err)
	}
	if got := info(); got != "[digest=alice digest=nocolon ip=127.0.0.1]" {
		t.Fatalf("whoAmI = %s", got)
	}
	// An unknown scheme: AuthFailed answered with the request's xid, then
	// the server closes the connection.
	rep, err := r.addAuth("nosuchscheme", []byte("x"))
	if err != nil || rep.Err != wire.CodeAuthFailed || rep.Xid != wire.XidAuth {
		t.Fatalf("addauth unknown scheme: %+v %v, want AuthFailed", rep, err)
	}
	if !r.Closed(rawTimeout) {
		t.Fatal("connection still open after AuthFailed")
	}
	// The session itself survives: it can be re-attached.
	r2, err := rawDialOpt(t, addr, rawDialOpts{Timeout: 4 * time.Second, SessionID: r.Connect.SessionID, Passwd: r.Connect.Passwd})
	if err != nil || r2.Connect.SessionID != r.Connect.SessionID {
		t.Fatalf("re-attach after AuthFailed: %+v %v", r2.Connect, err)
	}
	// Identities belong to the connection, not the session.
	var s []string
	for _, ci := range r2.whoAmI() {
		s = append(s, ci.AuthScheme+"="+ci.User)
	}
	if fmt.Sprint(s) != "[ip=127.0.0.1]" {
		t.Fatalf("whoAmI on the re-attached connection = %v", s)
	}
}

// TestZKSuperDigest covers the super user (DigestAuthenticationProvider
// superDigest): it passes every ACL check and whoAmI shows "super".
func TestZKSuperDigest(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	a := rawDial(t, addr, 4*time.Second)
	a.addAuth("digest", []byte("alice:pw"))
	p := root + "/private"
	wantCode(t, "create", a.createErr(p, []byte("s"), []wire.ACL{mkACL(wire.PermAll, "digest", zkDigest("alice", "pw"))}, 0), 0)

	s := rawDial(t, addr, 4*time.Second)
	if rep, err := s.addAuth("digest", []byte(superUser+":"+superPassword)); err != nil || rep.Err != 0 {
		t.Fatalf("addauth super: %+v %v", rep, err)
	}
	if code, _, _ := s.getData(p, false); code == wire.CodeNoAuth && realZK() {
		t.Skip("the reference ZooKeeper was not started with the super digest of super:test")
	}
	var ids []string
	for _, ci := range s.whoAmI() {
		ids = append(ids, ci.AuthScheme+"="+ci.User)
	}
	sort.Strings(ids)
	// super has an empty user name; the digest identity is kept as well.
	if fmt.Sprint(ids) != "[digest=super ip=127.0.0.1 super=]" {
		t.Fatalf("whoAmI as super = %v", ids)
	}
	code, data, _ := s.getData(p, false)
	wantCode(t, "super getData", code, 0)
	if string(data) != "s" {
		t.Fatalf("data %q", data)
	}
	code, acl, _ := s.getACL(p)
	wantCode(t, "super getACL", code, 0)
	if aclString(acl) != "[31 digest:"+zkDigest("alice", "pw")+"]" {
		t.Fatalf("super sees ACL %s (unmasked expected)", aclString(acl))
	}
	code, _ = s.setData(p, []byte("t"), -1)
	wantCode(t, "super setData", code, 0)
	wantCode(t, "super create child", s.createErr(p+"/c", nil, openACL, 0), 0)
	wantCode(t, "super delete child", s.delete(p+"/c", -1), 0)
	code, _ = s.setACL(p, openACL, -1)
	wantCode(t, "super setACL", code, 0)
	// The ACL check is skipped, not the other checks.
	code, _ = s.setData(p, nil, 42)
	wantCode(t, "super setData wrong version", code, wire.CodeBadVersion)
	// "super" is not a scheme one can put in an ACL.
	wantCode(t, "super ACL", s.createErr(root+"/x", nil, []wire.ACL{mkACL(31, "super", "")}, 0), wire.CodeInvalidACL)
}
