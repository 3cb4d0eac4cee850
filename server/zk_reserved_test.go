package server_test

import (
	"testing"
	"time"

	wire "github.com/paddockdb/paddock/zk"
)

// TestZKReservedNodes covers /zookeeper, /zookeeper/quota and
// /zookeeper/config as a standalone ZooKeeper 3.8 shows them.
func TestZKReservedNodes(t *testing.T) {
	addr := startServer(t)
	r := rawDial(t, addr, 4*time.Second)

	zero := wire.Stat{} // created "before time": every zxid and time is 0

	// /zookeeper: empty (not null) data, world:anyone ALL, children config
	// and quota. Its stored create count is 0 while it has 2 children, so
	// the cversion clients see (2*creates - numChildren) is -2.
	code, data, st := r.getData("/zookeeper", false)
	wantCode(t, "getData /zookeeper", code, 0)
	if data == nil || len(data) != 0 {
		t.Fatalf("/zookeeper data %q (nil %v), want empty non-null", data, data == nil)
	}
	if st.Czxid != 0 || st.Mzxid != 0 || st.Ctime != 0 || st.Mtime != 0 || st.Version != 0 ||
		st.Aversion != 0 || st.EphemeralOwner != 0 || st.DataLength != 0 {
		t.Fatalf("/zookeeper stat %+v", st)
	}
	// Tests never create under /zookeeper itself, so on a shared server
	// that has been used only by these tests the child part is pristine
	// exactly when pzxid is still 0.
	if !realZK() || st.Pzxid == 0 {
		t.Log("checking /zookeeper's pristine child fields")
		want := zero
		want.Cversion = -2
		want.NumChildren = 2
		if st != want {
			t.Fatalf("/zookeeper stat %+v, want %+v", st, want)
		}
	}
	code, kids := r.getChildren("/zookeeper", false)
	wantCode(t, "getChildren /zookeeper", code, 0)
	if !equalStrings(sorted(kids), []string{"config", "quota"}) {
		t.Fatalf("/zookeeper children %v", kids)
	}
	code, acl, _ := r.getACL("/zookeeper")
	wantCode(t, "getACL /zookeeper", code, 0)
	if aclString(acl) != "[31 world:anyone]" {
		t.Fatalf("/zookeeper ACL %s", aclString(acl))
	}

	// /zookeeper/quota: empty data, all zero, open ACL.
	code, data, st = r.getData("/zookeeper/quota", false)
	wantCode(t, "getData /zookeeper/quota", code, 0)
	if data == nil || len(data) != 0 {
		t.Fatalf("/zookeeper/quota data %q (nil %v)", data, data == nil)
	}
	if st.Czxid != 0 || st.Mzxid != 0 || st.Ctime != 0 || st.Mtime != 0 || st.Version != 0 || st.Aversion != 0 {
		t.Fatalf("/zookeeper/quota stat %+v", st)
	}
	if !realZK() || st.Pzxid == 0 {
		t.Log("checking /zookeeper/quota's pristine stat")
		if st != zero {
			t.Fatalf("/zookeeper/quota stat %+v, want all zero", st)
		}
	}
	code, acl, _ = r.getACL("/zookeeper/quota")
	wantCode(t, "getACL /zookeeper/quota", code, 0)
	if aclString(acl) != "[31 world:anyone]" {
		t.Fatalf("/zookeeper/quota ACL %s", aclString(acl))
	}

	// /zookeeper/config: empty data in standalone mode, world:anyone READ,
	// and aversion -1 (ZooKeeper sets its ACL with version -1 and stores
	// that as the aversion).
	code, data, st = r.getData("/zookeeper/config", false)
	wantCode(t, "getData /zookeeper/config", code, 0)
	if data == nil || len(data) != 0 {
		t.Fatalf("/zookeeper/config data %q (nil %v)", data, data == nil)
	}
	want := zero
	want.Aversion = -1
	if st != want {
		t.Fatalf("/zookeeper/config stat %+v, want %+v", st, want)
	}
	code, acl, _ = r.getACL("/zookeeper/config")
	wantCode(t, "getACL /zookeeper/config", code, 0)
	if aclString(acl) != "[1 world:anyone]" {
		t.Fatalf("/zookeeper/config ACL %s", aclString(acl))
	}
	code, kids = r.getChildren("/zookeeper/config", false)
	wantCode(t, "getChildren /zookeeper/config", code, 0)
	if len(kids) != 0 {
		t.Fatalf("/zookeeper/config children %v", kids)
	}
	// Its ACL makes it read-only.
	code, _ = r.setData("/zookeeper/config", []byte("x"), -1)
	wantCode(t, "setData /zookeeper/config", code, wire.CodeNoAuth)
	wantCode(t, "create under /zookeeper/config", r.createErr("/zookeeper/config/x", nil, openACL, 0), wire.CodeNoAuth)
	code, _ = r.setACL("/zookeeper/config", openACL, -1)
	wantCode(t, "setACL /zookeeper/config", code, wire.CodeNoAuth)

	// The root: czxid 0, ctime 0, world:anyone ALL.
	code, st = r.exists("/", false)
	wantCode(t, "exists /", code, 0)
	if st.Czxid != 0 || st.Ctime != 0 || st.EphemeralOwner != 0 {
		t.Fatalf("/ stat %+v", st)
	}
	if !realZK() || st.Pzxid == 0 {
		// A fresh root: empty data, and the "zookeeper" child was never
		// created by a transaction, so the stored create count is 0 and the
		// cversion clients see is 2*0 - 1 = -1. (A shared server's root has
		// been changed by every other test; pzxid 0 means it has not.)
		t.Log("checking the pristine root")
		code, data, st = r.getData("/", false)
		wantCode(t, "getData /", code, 0)
		if data == nil || len(data) != 0 {
			t.Fatalf("/ data %q (nil %v)", data, data == nil)
		}
		want := zero
		want.Cversion = -1
		want.NumChildren = 1
		if st != want {
			t.Fatalf("fresh / stat %+v, want %+v", st, want)
		}
	}
	code, acl, _ = r.getACL("/")
	wantCode(t, "getACL /", code, 0)
	if aclString(acl) != "[31 world:anyone]" {
		t.Fatalf("/ ACL %s", aclString(acl))
	}

	// Reserved nodes cannot be deleted or re-created.
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		wantCode(t, "delete "+p, r.delete(p, -1), wire.CodeBadArguments)
		wantCode(t, "create "+p, r.createErr(p, nil, openACL, 0), wire.CodeNodeExists)
	}
	// But /zookeeper itself is an ordinary open node otherwise: a client
	// may create (and delete) children in it (this changes its pzxid, so
	// the pristine checks above run first).
	wantCode(t, "create /zookeeper/paddock-test", r.createErr("/zookeeper/paddock-test", nil, openACL, 0), 0)
	wantCode(t, "delete /zookeeper/paddock-test", r.delete("/zookeeper/paddock-test", -1), 0)
}
