package engine

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// harness drives an Engine as the server does: prep then apply.
type harness struct {
	t    *testing.T
	e    *Engine
	sess zk.SessionID
	now  int64
}

func newHarness(t *testing.T, cfg Config) *harness {
	h := &harness{t: t, e: New(cfg), now: 1_700_000_000_000}
	h.e.InitSessionIDs(1, h.now)
	h.sess = h.newSession(30000)
	return h
}

func (h *harness) newSession(timeout int32) zk.SessionID {
	txn := h.e.PrepCreateSession(timeout, h.now)
	h.e.Apply(txn)
	return txn.Header.ClientID
}

func (h *harness) prep(s zk.SessionID, op zk.OpCode, body zk.Record) (*zk.Txn, error) {
	h.now++
	txn := h.e.Prep(&Request{Session: s, Op: op, Body: body, Auth: []zk.Id{{Scheme: "ip", ID: "127.0.0.1"}}, Time: h.now})
	if c := TxnError(txn); c != zk.CodeOK && op != zk.OpMulti {
		return txn, c
	}
	return txn, nil
}

// do preps and applies one request, returning the reply body or error code.
func (h *harness) do(op zk.OpCode, body zk.Record) (zk.Record, zk.Code) {
	h.t.Helper()
	txn, _ := h.prep(h.sess, op, body)
	return Response(op, h.e.Apply(txn))
}

func (h *harness) create(path, data string, flags int32) (string, zk.Code) {
	h.t.Helper()
	rec, code := h.do(zk.OpCreate, &zk.CreateRequest{Path: path, Data: []byte(data), ACL: zk.OpenACLUnsafe(), Flags: flags})
	if code != zk.CodeOK {
		return "", code
	}
	return rec.(*zk.CreateResponse).Path, code
}

func (h *harness) stat(path string) zk.Stat {
	h.t.Helper()
	st, err := h.e.Exists(path, nil, nil)
	if err != nil {
		h.t.Fatalf("exists %s: %v", path, err)
	}
	return st
}

func TestFreshTree(t *testing.T) {
	e := New(Config{})
	kids, st, err := e.GetChildren("/", nil, nil)
	if err != nil || !reflect.DeepEqual(kids, []string{"zookeeper"}) {
		t.Fatalf("children of / = %v, %v", kids, err)
	}
	if st.NumChildren != 1 || st.Cversion != -1 || st.Pzxid != 0 { // 2*0 - 1, as ZooKeeper shows it
		t.Fatalf("root stat %+v", st)
	}
	kids, _, _ = e.GetChildren("/zookeeper", nil, nil)
	if !reflect.DeepEqual(kids, []string{"config", "quota"}) {
		t.Fatalf("children of /zookeeper = %v", kids)
	}
	acl, _, _ := e.GetACL("/zookeeper/config", nil)
	if !reflect.DeepEqual(acl, zk.ReadACLUnsafe()) {
		t.Fatalf("config acl %v", acl)
	}
	if n, _ := e.AllChildrenNumber("/", nil); n != 3 {
		t.Fatalf("getAllChildrenNumber(/) = %d, want 3", n)
	}
}

func TestCreateStats(t *testing.T) {
	h := newHarness(t, Config{})
	if _, code := h.create("/a", "x", zk.ModePersistent); code != zk.CodeOK {
		t.Fatal(code)
	}
	a := h.stat("/a")
	if a.Czxid != a.Mzxid || a.Czxid != a.Pzxid || a.Version != 0 || a.DataLength != 1 || a.Ctime != a.Mtime {
		t.Fatalf("stat of /a: %+v", a)
	}
	root := h.stat("/")
	if root.Cversion != 0 || root.Pzxid != a.Czxid || root.NumChildren != 2 || root.Mzxid != 0 {
		t.Fatalf("root after create: %+v", root)
	}
	// A child bumps the parent's cversion and pzxid, not its mzxid.
	h.create("/a/b", "", zk.ModePersistent)
	a2 := h.stat("/a")
	b := h.stat("/a/b")
	if a2.Cversion != 1 || a2.Pzxid != b.Czxid || a2.Mzxid != a.Mzxid || a2.NumChildren != 1 {
		t.Fatalf("/a after child: %+v", a2)
	}
	// Delete bumps pzxid; the stored cversion stays, the shown one (creates
	// plus deletes) goes up.
	if _, code := h.do(zk.OpDelete, &zk.DeleteRequest{Path: "/a/b", Version: -1}); code != zk.CodeOK {
		t.Fatal(code)
	}
	a3 := h.stat("/a")
	if a3.Cversion != 2 || a3.Pzxid <= b.Czxid || a3.NumChildren != 0 {
		t.Fatalf("/a after delete: %+v", a3)
	}
	// setData bumps version and mzxid.
	rec, code := h.do(zk.OpSetData, &zk.SetDataRequest{Path: "/a", Data: []byte("yy"), Version: 0})
	if code != zk.CodeOK {
		t.Fatal(code)
	}
	st := rec.(*zk.SetDataResponse).Stat
	if st.Version != 1 || st.Mzxid <= a3.Pzxid || st.Pzxid != a3.Pzxid || st.DataLength != 2 {
		t.Fatalf("after setData: %+v", st)
	}
}

func TestSequentialNames(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/q", "", zk.ModePersistent)
	p, _ := h.create("/q/n-", "", zk.ModePersistentSequential)
	if p != "/q/n-0000000000" {
		t.Fatalf("first sequential %q", p)
	}
	h.create("/q/plain", "", zk.ModePersistent) // uses up sequence 1
	p, _ = h.create("/q/n-", "", zk.ModeEphemeralSequential)
	if p != "/q/n-0000000002" {
		t.Fatalf("third sequential %q", p)
	}
	// A trailing slash is allowed for sequential nodes: the name is the number.
	p, code := h.create("/q/", "", zk.ModePersistentSequential)
	if code != zk.CodeOK || p != "/q/0000000003" {
		t.Fatalf("create -s /q/ = %q, %v", p, code)
	}
}

func TestCreateErrors(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/e", "", zk.ModeEphemeral)
	h.create("/p", "", zk.ModePersistent)
	for _, tc := range []struct {
		path  string
		flags int32
		want  zk.Code
	}{
		{"/p", zk.ModePersistent, zk.CodeNodeExists},
		{"/missing/x", zk.ModePersistent, zk.CodeNoNode},
		{"/e/child", zk.ModePersistent, zk.CodeNoChildrenForEphemerals},
		{"noslash", zk.ModePersistent, zk.CodeBadArguments},
		{"/p/", zk.ModePersistent, zk.CodeBadArguments},
		{"/p//x", zk.ModePersistent, zk.CodeNoNode}, // ZooKeeper looks up the parent "/p/" before validating
		{"/p/.", zk.ModePersistent, zk.CodeBadArguments},
		{"/p/x", 7, zk.CodeBadArguments},
		{"/p/ttl", zk.ModePersistentWithTTL, zk.CodeUnimplemented},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.path, tc.flags), func(t *testing.T) {
			if _, code := h.create(tc.path, "", tc.flags); code != tc.want {
				t.Fatalf("got %v, want %v", code, tc.want)
			}
		})
	}
	if _, code := h.do(zk.OpDelete, &zk.DeleteRequest{Path: "/zookeeper", Version: -1}); code != zk.CodeBadArguments {
		t.Fatalf("delete /zookeeper: %v", code)
	}
	h.create("/p/c", "", zk.ModePersistent)
	if _, code := h.do(zk.OpDelete, &zk.DeleteRequest{Path: "/p", Version: -1}); code != zk.CodeNotEmpty {
		t.Fatalf("delete non-empty: %v", code)
	}
	if _, code := h.do(zk.OpDelete, &zk.DeleteRequest{Path: "/p/c", Version: 3}); code != zk.CodeBadVersion {
		t.Fatalf("delete bad version: %v", code)
	}
	if _, code := h.do(zk.OpCreate, &zk.CreateRequest{Path: "/p/noacl", Flags: 0}); code != zk.CodeInvalidACL {
		t.Fatalf("create without ACL: %v", code)
	}
}

// TestPendingChanges preps several txns before applying any, as the server
// will once the log sits between prep and apply: prep must see its own
// in-flight txns.
func TestPendingChanges(t *testing.T) {
	h := newHarness(t, Config{})
	var txns []*zk.Txn
	prep := func(op zk.OpCode, body zk.Record, want zk.Code) *zk.Txn {
		t.Helper()
		txn, err := h.prep(h.sess, op, body)
		if err == nil {
			err = zk.CodeOK
		}
		if err != want {
			t.Fatalf("prep %v: %v, want %v", op, err, want)
		}
		txns = append(txns, txn)
		return txn
	}
	prep(zk.OpCreate, &zk.CreateRequest{Path: "/x", ACL: zk.OpenACLUnsafe()}, zk.CodeOK)
	prep(zk.OpCreate, &zk.CreateRequest{Path: "/x", ACL: zk.OpenACLUnsafe()}, zk.CodeNodeExists)
	t2 := prep(zk.OpCreate, &zk.CreateRequest{Path: "/x/s-", ACL: zk.OpenACLUnsafe(), Flags: zk.ModePersistentSequential}, zk.CodeOK)
	if got := t2.Body.(*zk.CreateTxn).Path; got != "/x/s-0000000000" {
		t.Fatalf("sequential under in-flight parent: %s", got)
	}
	prep(zk.OpSetData, &zk.SetDataRequest{Path: "/x", Version: 0}, zk.CodeOK)
	prep(zk.OpSetData, &zk.SetDataRequest{Path: "/x", Version: 0}, zk.CodeBadVersion)
	prep(zk.OpDelete, &zk.DeleteRequest{Path: "/x", Version: -1}, zk.CodeNotEmpty)
	for i, txn := range txns {
		if i > 0 && txn.Header.Zxid != txns[i-1].Header.Zxid+1 {
			t.Fatalf("zxids not consecutive: every write, rejected or not, takes one")
		}
		r := h.e.Apply(txn)
		if r.Err != TxnError(txn) {
			t.Fatalf("apply %v: %v, prep said %v", txn.Header.Type, r.Err, TxnError(txn))
		}
	}
	if h.e.LastZxid() != txns[len(txns)-1].Header.Zxid {
		t.Fatalf("last zxid %s", h.e.LastZxid())
	}
	if len(h.e.pending.list) != 0 || len(h.e.pending.byPath) != 0 {
		t.Fatalf("pending changes left after apply: %d", len(h.e.pending.list))
	}
	if st := h.stat("/x"); st.Version != 1 || st.NumChildren != 1 {
		t.Fatalf("/x %+v", st)
	}
}

func TestMulti(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/m", "", zk.ModePersistent)
	ops := func(ops ...zk.MultiOp) *zk.MultiRequest { return &zk.MultiRequest{Ops: ops} }
	op := func(typ zk.OpCode, body zk.Record) zk.MultiOp {
		return zk.MultiOp{Header: zk.MultiHeader{Type: typ}, Body: body}
	}
	// Success: results per op.
	rec, code := h.do(zk.OpMulti, ops(
		op(zk.OpCreate, &zk.CreateRequest{Path: "/m/a", ACL: zk.OpenACLUnsafe()}),
		op(zk.OpCreate2, &zk.CreateRequest{Path: "/m/b", ACL: zk.OpenACLUnsafe()}),
		op(zk.OpSetData, &zk.SetDataRequest{Path: "/m/a", Data: []byte("1"), Version: 0}),
		op(zk.OpCheck, &zk.CheckVersionRequest{Path: "/m/a", Version: 1}),
		op(zk.OpDelete, &zk.DeleteRequest{Path: "/m/b", Version: 0}),
	))
	if code != zk.CodeOK {
		t.Fatal(code)
	}
	res := rec.(*zk.MultiResponse).Results
	// A create2 with a plain mode answers as create inside a multi.
	wantTypes := []zk.OpCode{zk.OpCreate, zk.OpCreate, zk.OpSetData, zk.OpCheck, zk.OpDelete}
	for i, r := range res {
		if r.Header.Type != wantTypes[i] || r.Header.Err != 0 {
			t.Fatalf("result %d: %+v", i, r.Header)
		}
	}
	a := h.stat("/m/a")
	if a.Version != 1 || a.Czxid != a.Mzxid {
		t.Fatalf("all ops of a multi share one zxid: %+v", a)
	}
	// Failure: nothing applies; codes 0, the failure, then -2.
	before := h.e.LastZxid()
	rec, _ = h.do(zk.OpMulti, ops(
		op(zk.OpCreate, &zk.CreateRequest{Path: "/m/c", ACL: zk.OpenACLUnsafe()}),
		op(zk.OpSetData, &zk.SetDataRequest{Path: "/m/a", Version: 7}),
		op(zk.OpDelete, &zk.DeleteRequest{Path: "/m/a", Version: -1}),
	))
	res = rec.(*zk.MultiResponse).Results
	want := []zk.Code{zk.CodeOK, zk.CodeBadVersion, zk.CodeRuntimeInconsistency}
	for i, r := range res {
		if r.Header.Type != zk.OpError || r.Header.Err != want[i] || r.Body.(*zk.ErrorResponse).Err != want[i] {
			t.Fatalf("failed multi result %d: %+v", i, r.Header)
		}
	}
	if _, err := h.e.Exists("/m/c", nil, nil); err != zk.CodeNoNode {
		t.Fatalf("/m/c exists after failed multi")
	}
	if h.e.LastZxid() != before+1 || len(h.e.pending.list) != 0 {
		t.Fatal("a failed multi takes one zxid and leaves no pending changes")
	}
}

func TestCloseSessionDeletesEphemerals(t *testing.T) {
	h := newHarness(t, Config{})
	other := h.newSession(10000)
	h.create("/d", "", zk.ModePersistent)
	for _, p := range []string{"/d/e1", "/d/e2"} {
		txn, err := h.prep(other, zk.OpCreate, &zk.CreateRequest{Path: p, ACL: zk.OpenACLUnsafe(), Flags: zk.ModeEphemeral})
		if err != nil {
			t.Fatal(err)
		}
		h.e.Apply(txn)
	}
	if got := h.e.Ephemerals(other, "/d"); !reflect.DeepEqual(got, []string{"/d/e1", "/d/e2"}) {
		t.Fatalf("ephemerals %v", got)
	}
	if st := h.stat("/d/e1"); st.EphemeralOwner != other {
		t.Fatalf("owner %v", st.EphemeralOwner)
	}
	txn := h.e.PrepCloseSession(other, 0, h.now)
	if got := txn.Body.(*zk.CloseSessionTxn).Paths2Delete; !reflect.DeepEqual(got, []string{"/d/e1", "/d/e2"}) {
		t.Fatalf("paths2Delete %v", got)
	}
	h.e.Apply(txn)
	if kids, _, _ := h.e.GetChildren("/d", nil, nil); len(kids) != 0 {
		t.Fatalf("children left %v", kids)
	}
	if _, ok := h.e.HasSession(other); ok {
		t.Fatal("session still open")
	}
	if _, err := h.prep(other, zk.OpCreate, &zk.CreateRequest{Path: "/d/x", ACL: zk.OpenACLUnsafe()}); err != zk.CodeSessionExpired {
		t.Fatalf("write on closed session: %v", err)
	}
}

func TestContainersAndTTL(t *testing.T) {
	h := newHarness(t, Config{ExtendedTypes: true})
	rec, code := h.do(zk.OpCreateContainer, &zk.CreateRequest{Path: "/c", ACL: zk.OpenACLUnsafe(), Flags: zk.ModeContainer})
	if code != zk.CodeOK || rec.(*zk.Create2Response).Stat.EphemeralOwner != 0 {
		t.Fatalf("container: %v %+v", code, rec)
	}
	if got := h.e.ExpiredTTLAndContainers(h.now); len(got) != 0 {
		t.Fatalf("never-used container is a candidate: %v", got)
	}
	h.create("/c/x", "", zk.ModePersistent)
	h.do(zk.OpDelete, &zk.DeleteRequest{Path: "/c/x", Version: -1})
	if got := h.e.ExpiredTTLAndContainers(h.now); !reflect.DeepEqual(got, []string{"/c"}) {
		t.Fatalf("candidates %v", got)
	}
	txn := h.e.PrepDeleteContainer("/c", h.now)
	if TxnError(txn) != zk.CodeOK {
		t.Fatal(TxnError(txn))
	}
	h.e.Apply(txn)
	if _, err := h.e.Exists("/c", nil, nil); err != zk.CodeNoNode {
		t.Fatal("container survived")
	}
	rec, code = h.do(zk.OpCreateTTL, &zk.CreateTTLRequest{Path: "/t", ACL: zk.OpenACLUnsafe(), Flags: zk.ModePersistentWithTTL, TTL: 500})
	if code != zk.CodeOK {
		t.Fatal(code)
	}
	mtime := rec.(*zk.Create2Response).Stat.Mtime
	if got := h.e.ExpiredTTLAndContainers(mtime + 500); len(got) != 0 {
		t.Fatalf("TTL node expired early: %v", got)
	}
	if got := h.e.ExpiredTTLAndContainers(mtime + 501); !reflect.DeepEqual(got, []string{"/t"}) {
		t.Fatalf("TTL candidates %v", got)
	}
	if _, code := h.do(zk.OpCreateTTL, &zk.CreateTTLRequest{Path: "/t2", ACL: zk.OpenACLUnsafe(), Flags: zk.ModePersistentWithTTL, TTL: 0}); code != zk.CodeBadArguments {
		t.Fatalf("ttl 0: %v", code)
	}
}

func TestQuotaStats(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/qa", "12345", zk.ModePersistent)
	h.create("/zookeeper/quota/qa", "", zk.ModePersistent)
	h.create("/zookeeper/quota/qa/zookeeper_limits", "count=2,bytes=-1", zk.ModePersistent)
	h.create("/zookeeper/quota/qa/zookeeper_stats", "count=0,bytes=0", zk.ModePersistent)
	get := func() string {
		d, _, err := h.e.GetData("/zookeeper/quota/qa/zookeeper_stats", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(d)
	}
	if got := get(); got != "count=1,bytes=5" {
		t.Fatalf("stats after setquota: %q", got)
	}
	h.create("/qa/b", "xy", zk.ModePersistent)
	h.do(zk.OpSetData, &zk.SetDataRequest{Path: "/qa", Data: []byte("1"), Version: -1})
	if got := get(); got != "count=2,bytes=3" {
		t.Fatalf("stats: %q", got)
	}
	h.do(zk.OpDelete, &zk.DeleteRequest{Path: "/qa/b", Version: -1})
	if got := get(); got != "count=1,bytes=1" {
		t.Fatalf("stats after delete: %q", got)
	}
	// Without enforcement, limits never refuse a write.
	for i := range 3 {
		if _, code := h.create(fmt.Sprintf("/qa/n%d", i), "", zk.ModePersistent); code != zk.CodeOK {
			t.Fatalf("create past a soft limit, not enforced: %v", code)
		}
	}
}

func TestQuotaEnforced(t *testing.T) {
	h := newHarness(t, Config{EnforceQuota: true})
	h.create("/q", "", zk.ModePersistent)
	h.create("/zookeeper/quota/q", "", zk.ModePersistent)
	// As zkCli's "setquota -N 3 -B 10 /q" writes it (3.7+ hard limits).
	h.create("/zookeeper/quota/q/zookeeper_limits", "count=-1,bytes=-1=;byteHardLimit=10;countHardLimit=3", zk.ModePersistent)
	h.create("/zookeeper/quota/q/zookeeper_stats", "count=0,bytes=0", zk.ModePersistent)
	h.create("/q/a", "12345", zk.ModePersistent)
	if _, code := h.create("/q/b", "123456", zk.ModePersistent); code != zk.CodeQuotaExceeded {
		t.Fatalf("create past byteHardLimit: %v", code)
	}
	h.create("/q/b", "", zk.ModePersistent) // count 3 of 3
	if _, code := h.create("/q/c", "", zk.ModePersistent); code != zk.CodeQuotaExceeded {
		t.Fatalf("create past countHardLimit: %v", code)
	}
	if _, code := h.do(zk.OpSetData, &zk.SetDataRequest{Path: "/q/a", Data: []byte("12345678901"), Version: -1}); code != zk.CodeQuotaExceeded {
		t.Fatalf("setData past byteHardLimit: %v", code)
	}
	if _, code := h.do(zk.OpSetData, &zk.SetDataRequest{Path: "/q/a", Data: []byte("1"), Version: -1}); code != zk.CodeOK {
		t.Fatalf("setData shrinking: %v", code)
	}
	// A soft limit only warns.
	h.do(zk.OpSetData, &zk.SetDataRequest{Path: "/zookeeper/quota/q/zookeeper_limits", Data: []byte("count=1,bytes=-1"), Version: -1})
	if _, code := h.create("/q/c", "", zk.ModePersistent); code != zk.CodeOK {
		t.Fatalf("create past a soft limit: %v", code)
	}
}

func TestStatsTrackFormat(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"count=1,bytes=5", "count=1,bytes=5"},
		{"count=4,bytes=5=;countHardLimit=10;byteHardLimit=10", "count=4,bytes=5=;byteHardLimit=10;countHardLimit=10"},
		{"bytes=3", "count=-1,bytes=3"},
		{"", "count=-1,bytes=-1"},
	} {
		if got := parseStats([]byte(tc.in)).String(); got != tc.out {
			t.Errorf("StatsTrack(%q) = %q, want %q", tc.in, got, tc.out)
		}
	}
}

func TestSessionTracker(t *testing.T) {
	tr := NewSessionTracker(100, 1000)
	tr.Add(1, 250, 1000) // deadline roundUp(1250) = 1300
	tr.Add(2, 1000, 1000)
	if got := tr.Expired(1299); len(got) != 0 {
		t.Fatalf("expired early: %v", got)
	}
	tr.Add(3, 250, 1000)
	want := []ExpiryBucket{{1300, []zk.SessionID{1, 3}}, {2100, []zk.SessionID{2}}}
	if got := tr.Buckets(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Buckets() = %v, want %v", got, want)
	}
	tr.Remove(3)
	tr.Touch(2, 1200)
	if got := tr.Expired(1300); !reflect.DeepEqual(got, []zk.SessionID{1}) {
		t.Fatalf("expired at 1300: %v", got)
	}
	if tr.Touch(1, 1300) {
		t.Fatal("touch of an expiring session succeeded")
	}
	if got := tr.Expired(2299); len(got) != 0 {
		t.Fatalf("touched session expired early: %v", got)
	}
	if got := tr.Expired(2300); !reflect.DeepEqual(got, []zk.SessionID{2}) {
		t.Fatalf("expired at 2300: %v", got)
	}
}

func TestSessionPasswordMatchesJava(t *testing.T) {
	// java.util.Random(0x1234 ^ 0xB3415C00).nextBytes(16 bytes), computed
	// with OpenJDK 17.
	got := fmt.Sprintf("%x", SessionPassword(0x1234))
	if len(got) != 32 {
		t.Fatalf("password %s", got)
	}
	if got != javaPasswordFor0x1234 {
		t.Fatalf("password for 0x1234 = %s, want %s", got, javaPasswordFor0x1234)
	}
}

func TestValidatePath(t *testing.T) {
	for _, tc := range []struct {
		p  string
		ok bool
	}{
		{"/", true}, {"/a", true}, {"/a/b.c", true}, {"/a/..b", true}, {"/...", true},
		{"", false}, {"a", false}, {"/a/", false}, {"//a", false}, {"/a/./b", false},
		{"/a/..", false}, {"/a\x00b", false}, {"/a\x01", false}, {"/a\u007f", false},
		{"/\ufffe", false}, {"/\xff", false}, {"/日本", true}, {"/\U0001F600", false},
	} {
		if err := ValidatePath(tc.p); (err == nil) != tc.ok {
			t.Errorf("ValidatePath(%q) = %v", tc.p, err)
		}
	}
}

func BenchmarkGetData(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			h := newHarness(&testing.T{}, Config{})
			for i := range n {
				h.create(fmt.Sprintf("/n%07d", i), "0123456789", zk.ModePersistent)
			}
			paths := make([]string, 1024)
			for i := range paths {
				paths[i] = fmt.Sprintf("/n%07d", (i*7919)%n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := h.e.GetData(paths[i%len(paths)], nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSetData(b *testing.B) {
	h := newHarness(&testing.T{}, Config{})
	for i := range 10000 {
		h.create(fmt.Sprintf("/n%05d", i), "0123456789", zk.ModePersistent)
	}
	data := make([]byte, 100)
	reqs := make([]Request, 1024)
	for i := range reqs {
		reqs[i] = Request{Session: h.sess, Op: zk.OpSetData, Body: &zk.SetDataRequest{Path: fmt.Sprintf("/n%05d", (i*7919)%10000), Data: data, Version: -1}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.e.Apply(h.e.Prep(&reqs[i%len(reqs)]))
	}
}

func BenchmarkCreateDelete(b *testing.B) {
	h := newHarness(&testing.T{}, Config{})
	h.create("/p", "", zk.ModePersistent)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := "/p/c"
		if r := h.e.Apply(h.e.Prep(&Request{Session: h.sess, Op: zk.OpCreate, Body: &zk.CreateRequest{Path: p, Data: []byte("x"), ACL: zk.OpenACLUnsafe()}})); r.Err != 0 {
			b.Fatal(r.Err)
		}
		if r := h.e.Apply(h.e.Prep(&Request{Session: h.sess, Op: zk.OpDelete, Body: &zk.DeleteRequest{Path: p, Version: -1}})); r.Err != 0 {
			b.Fatal(r.Err)
		}
	}
}

func BenchmarkGetChildrenWide(b *testing.B) {
	h := newHarness(&testing.T{}, Config{})
	h.create("/w", "", zk.ModePersistent)
	for i := range 10000 {
		h.create(fmt.Sprintf("/w/c%05d", i), "", zk.ModePersistent)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := h.e.GetChildren("/w", nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// javaPasswordFor0x1234 is
// new java.util.Random(0x1234L ^ 0xB3415C00L).nextBytes(new byte[16]) in hex,
// printed by OpenJDK 17.
const javaPasswordFor0x1234 = "3c18abe05b0e6182741d625d127c15b0"

// TestApplyCopiesOutOfBuffers: decoded txns alias their buffer (a log
// read buffer is reused record after record); Apply must keep copies.
func TestApplyCopiesOutOfBuffers(t *testing.T) {
	h := newHarness(t, Config{})
	acl := []zk.ACL{{Perms: zk.PermAll, ID: zk.Id{Scheme: "digest", ID: "u:abc="}}}
	txn := h.e.Prep(&Request{Session: h.sess, Op: zk.OpCreate, Body: &zk.CreateRequest{Path: "/alias", Data: []byte("data"), ACL: acl}, Time: 1})
	buf := zk.AppendTxn(nil, txn)
	dec, err := zk.DecodeTxn(buf)
	if err != nil {
		t.Fatal(err)
	}
	h.e.Apply(&dec)
	for i := range buf {
		buf[i] = 'x'
	}
	data, _, err := h.e.GetData("/alias", []zk.Id{{Scheme: "digest", ID: "u:abc="}}, nil)
	if err != nil || string(data) != "data" {
		t.Fatalf("after the buffer was reused: %q, %v", data, err)
	}
	got, _, _ := h.e.GetACL("/alias", []zk.Id{{Scheme: "digest", ID: "u:abc="}})
	if len(got) != 1 || got[0].ID.ID != "u:abc=" || got[0].ID.Scheme != "digest" {
		t.Fatalf("ACL after the buffer was reused: %+v", got)
	}
	if kids, _, _ := h.e.GetChildren("/", nil, nil); len(kids) != 2 || kids[0] != "alias" {
		t.Fatalf("children after the buffer was reused: %v", kids)
	}
}

// TestQuotaPathOwned: the quota path kept by the tree must not alias the
// txn's buffer (a log reader reuses it).
func TestQuotaPathOwned(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/qp", "", zk.ModePersistent)
	h.create("/zookeeper/quota/qp", "", zk.ModePersistent)
	txn := h.e.Prep(&Request{Session: h.sess, Op: zk.OpCreate, Body: &zk.CreateRequest{Path: "/zookeeper/quota/qp/zookeeper_limits", Data: []byte("count=5,bytes=-1"), ACL: zk.OpenACLUnsafe()}, Time: 1})
	buf := zk.AppendTxn(nil, txn)
	dec, err := zk.DecodeTxn(buf)
	if err != nil {
		t.Fatal(err)
	}
	h.e.Apply(&dec)
	for i := range buf {
		buf[i] = 'x'
	}
	h.create("/zookeeper/quota/qp/zookeeper_stats", "count=0,bytes=0", zk.ModePersistent)
	h.create("/qp/child", "abc", zk.ModePersistent)
	data, _, _ := h.e.GetData("/zookeeper/quota/qp/zookeeper_stats", nil, nil)
	if string(data) != "count=2,bytes=3" {
		t.Fatalf("quota stats after the buffer was reused: %q", data)
	}
}

// TestApproximateDataSize: ZooKeeper's figure sums the path and data
// lengths of its node map, which holds the root under "" and "/": a fresh
// tree is 44 (1 + "/zookeeper" + "/zookeeper/quota" + "/zookeeper/config")
// and the root's data counts twice.
func TestApproximateDataSize(t *testing.T) {
	h := newHarness(t, Config{})
	size := func() int64 { return h.e.Tree().ApproximateDataSize() }
	if got := size(); got != 44 {
		t.Fatalf("fresh tree: %d, want 44", got)
	}
	h.create("/g", "hello", zk.ModePersistent)
	if got := size(); got != 44+2+5 {
		t.Fatalf("after /g: %d, want 51", got)
	}
	if _, code := h.do(zk.OpSetData, &zk.SetDataRequest{Path: "/", Data: []byte("abc"), Version: -1}); code != zk.CodeOK {
		t.Fatal(code)
	}
	if got := size(); got != 51+6 {
		t.Fatalf("after 3 bytes on the root: %d, want 57", got)
	}
	if _, code := h.do(zk.OpDelete, &zk.DeleteRequest{Path: "/g", Version: -1}); code != zk.CodeOK {
		t.Fatal(code)
	}
	if got := size(); got != 50 {
		t.Fatalf("after deleting /g: %d, want 50", got)
	}
}

// TestChildrenCache: a wide parent's cached listing follows creates and
// deletes of its children, and is not disturbed by a caller's append.
func TestChildrenCache(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/w", "", zk.ModePersistent)
	var want []string
	for i := range kidsCacheMin + 8 {
		name := fmt.Sprintf("c%03d", i)
		h.create("/w/"+name, "", zk.ModePersistent)
		want = append(want, name)
	}
	list := func() []string {
		t.Helper()
		c, _, err := h.e.GetChildren("/w", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("first listing %v", got)
	}
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("cached listing %v", got)
	}
	_ = append(list(), "intruder")
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a caller's append: %v", got)
	}
	h.create("/w/a-first", "", zk.ModePersistent)
	if got := list(); len(got) != len(want)+1 || got[0] != "a-first" {
		t.Fatalf("after a create: %v", got)
	}
	if _, code := h.do(zk.OpDelete, &zk.DeleteRequest{Path: "/w/c000", Version: -1}); code != zk.CodeOK {
		t.Fatal(code)
	}
	got := list()
	if len(got) != len(want) || got[0] != "a-first" || got[1] != "c001" {
		t.Fatalf("after a delete: %v", got)
	}
	// A grandchild does not change the listing, but its own parent's.
	h.create("/w/c001/g", "", zk.ModePersistent)
	if got2 := list(); !reflect.DeepEqual(got2, got) {
		t.Fatalf("after a grandchild: %v", got2)
	}
}

// TestPrepKnowsPreppedSessions: in an ensemble the leader may prep a
// session's first write before it applies the session's createSession (a
// follower applied it first and answered the client); prep knows the
// session from then, as ZooKeeper's leader tracks it from its prep. A
// reset prep (a new leader) forgets it with the txn.
func TestPrepKnowsPreppedSessions(t *testing.T) {
	e := New(Config{})
	id := zk.SessionID(0x0100000000000001)
	create := func() zk.Code {
		txn := e.Prep(&Request{Session: id, Op: zk.OpCreate, Body: &zk.CreateRequest{Path: "/x", ACL: zk.OpenACLUnsafe()}, Time: 1})
		return TxnError(txn)
	}
	if got := create(); got != zk.CodeSessionExpired {
		t.Fatalf("unknown session: %v, want SessionExpired", got)
	}
	e.ResetPrep(0)
	cs := e.PrepCreateSessionID(id, 10000, 1)
	if got := create(); got != 0 {
		t.Fatalf("session whose createSession is prepped: %v, want OK", got)
	}
	e.ResetPrep(0)
	if got := create(); got != zk.CodeSessionExpired {
		t.Fatalf("after a prep reset: %v, want SessionExpired", got)
	}
	cs = e.PrepCreateSessionID(id, 10000, 1)
	e.Apply(cs)
	if len(e.pending.created) != 0 {
		t.Fatalf("applied createSession still pending: %v", e.pending.created)
	}
	if got := create(); got != 0 {
		t.Fatalf("applied session: %v, want OK", got)
	}
}
