package zkimport

import (
	"bytes"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/zk"
)

// fixtureDir writes fixtureSnapshot as snapshot.5 and its log as log.3
// (holding txns 3 to 10, three of them already in the snapshot), and
// returns the directory.
func fixtureDir(t *testing.T, recs []logRecord) string {
	t.Helper()
	dir := t.TempDir()
	open := zk.OpenACLUnsafe()
	early := []logRecord{
		{txn: zk.Txn{Header: hdr(3, zk.OpCreate), Body: &zk.CreateTxn{Path: "/a/e", ACL: open, Ephemeral: true, ParentCVersion: 1}}},
		{txn: zk.Txn{Header: hdr(4, zk.OpCreateTTL), Body: &zk.CreateTTLTxn{Path: "/t", Data: []byte("ttl"), ACL: open, ParentCVersion: 2, TTL: 3600000}}},
		{txn: zk.Txn{Header: hdr(5, zk.OpError), Body: &zk.ErrorTxn{Err: zk.CodeNodeExists}}},
	}
	writeZK(t, dir, map[string][]byte{
		"snapshot.0": (&snapSpec{nodes: fixtureSnapshot().nodes[:4]}).bytes(),
		"snapshot.5": fixtureSnapshot().bytes(),
		"log.3":      buildLog(append(early, recs...), 1024),
	})
	return dir
}

func TestImport(t *testing.T) {
	dir := fixtureDir(t, fixtureLog())
	e, sum, err := Import(Config{SnapDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	v2 := filepath.Join(dir, VersionDir)
	if sum.SnapDir != v2 || sum.LogDir != v2 || sum.Snapshot != filepath.Join(v2, "snapshot.5") || sum.SnapshotZxid != 5 || sum.DBID != 7 {
		t.Errorf("summary: %+v", sum)
	}
	if sum.TxnsApplied != 5 || sum.FirstZxid != 6 || sum.LastZxid != 10 || sum.Zxid != 10 || e.LastZxid() != 10 {
		t.Errorf("applied %d txns, %s to %s; engine at %s", sum.TxnsApplied, sum.FirstZxid, sum.LastZxid, e.LastZxid())
	}
	if len(sum.Logs) != 1 || sum.Logs[0].Records != 8 || sum.Logs[0].Applied != 5 || sum.Logs[0].End != EndZeros ||
		sum.Logs[0].First != 3 || sum.Logs[0].Last != 10 {
		t.Errorf("logs: %+v", sum.Logs)
	}
	if sum.Nodes != 6 || sum.Sessions != 1 {
		t.Errorf("%d nodes, %d sessions", sum.Nodes, sum.Sessions)
	}
	// The digest of the first record is not checked: txns after it
	// changed the tree without recording one.
	if len(sum.Digests) != 0 {
		t.Errorf("digest checks: %+v", sum.Digests)
	}

	auth := []zk.Id{{Scheme: "digest", ID: digestACL[0].ID.ID}}
	data, st, err := e.GetData("/a", auth, nil)
	if err != nil || string(data) != "m" || st.Version != 1 || st.NumChildren != 1 || st.Cversion != 2*2-1 {
		t.Errorf("/a: %q %+v %v", data, st, err)
	}
	if acl, _, err := e.GetACL("/a", auth); err != nil || !reflect.DeepEqual(acl, digestACL) {
		t.Errorf("/a ACL: %v %v", acl, err)
	}
	if acl, st, err := e.GetACL("/a/b", nil); err != nil || !reflect.DeepEqual(acl, readACL) || st.Aversion != 1 || st.Czxid != 6 {
		t.Errorf("/a/b: %v %+v %v", acl, st, err)
	}
	// closeSession (3.5, without paths) deleted the session's ephemeral.
	if _, err := e.Exists("/a/e", auth, nil); !errors.Is(err, zk.CodeNoNode) {
		t.Errorf("/a/e: %v", err)
	}
	if _, err := e.Exists("/t", nil, nil); !errors.Is(err, zk.CodeNoNode) {
		t.Errorf("/t: %v", err)
	}
	if !reflect.DeepEqual(e.Sessions(), map[zk.SessionID]int32{fixtureSession: 4000}) {
		t.Errorf("sessions %v", e.Sessions())
	}
	// The root: cversion from the snapshot (/t's delete does not change
	// it), pzxid from the multi, the reserved nodes kept.
	if _, st, err := e.GetData("/", nil, nil); err != nil || st.NumChildren != 2 || st.Cversion != 2*2-2 || st.Pzxid != 7 {
		t.Errorf("/: %+v %v", st, err)
	}
	if acl, st, err := e.GetACL("/zookeeper/config", nil); err != nil || !reflect.DeepEqual(acl, readACL) || st.Aversion != -1 {
		t.Errorf("/zookeeper/config: %v %+v %v", acl, st, err)
	}
	// The next capture is full: it is what import-zk writes.
	if c := e.Capture(); !c.Full || len(c.Nodes) != 6 || c.Zxid != 10 {
		t.Errorf("capture: full %v, %d nodes at %s", c.Full, len(c.Nodes), c.Zxid)
	}
}

func TestImportTreeOfSnapshot(t *testing.T) {
	// A TTL node and an ephemeral restored from the snapshot keep their
	// raw ephemeralOwner; clients see 0 for the TTL node.
	dir := t.TempDir()
	writeZK(t, dir, map[string][]byte{"snapshot.5": fixtureSnapshot().bytes()})
	e, sum, err := Import(Config{SnapDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if sum.TxnsApplied != 0 || sum.Zxid != 5 || len(sum.Logs) != 0 {
		t.Errorf("summary %+v", sum)
	}
	if _, st, err := e.GetData("/a/e", []zk.Id{{Scheme: "digest", ID: digestACL[0].ID.ID}}, nil); err != nil || st.EphemeralOwner != fixtureSession || st.DataLength != 0 {
		t.Errorf("/a/e: %+v %v", st, err)
	}
	if _, st, err := e.GetData("/t", nil, nil); err != nil || st.EphemeralOwner != 0 {
		t.Errorf("/t: %+v %v", st, err)
	}
	c := e.Capture()
	i := slices.IndexFunc(c.Nodes, func(n engine.NodeRecord) bool { return n.Path == "/t" })
	if i < 0 || c.Nodes[i].EphemeralOwner != ttlOwnerHour {
		t.Errorf("/t record: %+v", c.Nodes)
	}
	if got := e.Ephemerals(fixtureSession, "/"); !slices.Equal(got, []string{"/a/e"}) {
		t.Errorf("ephemerals %v", got)
	}
}

func TestImportDigest(t *testing.T) {
	recs := fixtureLog()
	last := &recs[len(recs)-1]
	last.digest = &TxnDigest{Version: 2, Digest: 1}
	_, sum, err := Import(Config{SnapDir: fixtureDir(t, recs)})
	if !errors.Is(err, ErrDigestMismatch) || len(sum.Digests) != 1 || sum.Digests[0].Zxid != 10 {
		t.Fatalf("wrong digest: %v, checks %+v", err, sum.Digests)
	}
	got := sum.Digests[0].Got
	if _, sum, err := Import(Config{SnapDir: fixtureDir(t, recs), IgnoreDigest: true}); err != nil || sum.Digests[0].OK() {
		t.Fatalf("ignored digest: %v %+v", err, sum.Digests)
	}
	last.digest.Digest = got
	_, sum, err = Import(Config{SnapDir: fixtureDir(t, recs)})
	if err != nil || len(sum.Digests) != 1 || !sum.Digests[0].OK() {
		t.Fatalf("right digest: %v %+v", err, sum.Digests)
	}

	// A snapshot's digest is checked when the replay reaches its zxid. A
	// mismatch fails the import only if no txn follows: otherwise the
	// snapshot may have been written while they applied, and its digest
	// is advisory. A digest of zxid 0 (a new server's snapshot.0) is none.
	for _, tc := range []struct {
		name     string
		zxid     zk.Zxid
		recs     []logRecord
		checks   int
		advisory bool
		err      error
	}{
		{"no txn after it", 5, nil, 1, false, ErrDigestMismatch},
		{"txns after it", 5, noDigests(fixtureLog()[:1]), 1, true, nil},
		{"of a later txn", 6, noDigests(fixtureLog()[:2]), 1, true, nil},
		{"of the last txn", 6, fixtureLog()[:1], 2, false, ErrDigestMismatch}, // and its log digest
		{"zxid 0", 0, nil, 0, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := fixtureSnapshot()
			spec.digest = &ZxidDigest{Zxid: tc.zxid, Version: 2, Digest: 3}
			dir := fixtureDir(t, tc.recs)
			writeZK(t, dir, map[string][]byte{"snapshot.5": spec.bytes()})
			_, sum, err := Import(Config{SnapDir: dir})
			if !errors.Is(err, tc.err) || len(sum.Digests) != tc.checks {
				t.Fatalf("%v, checks %+v; want %v", err, sum.Digests, tc.err)
			}
			if tc.checks > 0 && (sum.Digests[0].Advisory != tc.advisory || sum.Digests[0].Zxid != tc.zxid) {
				t.Fatalf("check %+v", sum.Digests[0])
			}
		})
	}
}

func noDigests(recs []logRecord) []logRecord {
	out := slices.Clone(recs)
	for i := range out {
		out[i].digest = nil
	}
	return out
}

// TestImportMissingACL imports a fuzzy snapshot whose node refers to an
// ACL made after the ACL cache was written: the txn that made it must
// follow.
func TestImportMissingACL(t *testing.T) {
	spec := fixtureSnapshot()
	spec.nodes[4].ACLRef = 9 // /a
	setACL := logRecord{txn: zk.Txn{Header: hdr(6, zk.OpSetACL), Body: &zk.SetACLTxn{Path: "/a", ACL: readACL, Version: 1}}}
	deleteIt := logRecord{txn: zk.Txn{Header: hdr(6, zk.OpMulti), Body: &zk.MultiTxn{Txns: []zk.TxnOp{
		{Type: zk.OpDelete, Body: &zk.DeleteTxn{Path: "/a/e"}},
		{Type: zk.OpDelete, Body: &zk.DeleteTxn{Path: "/a"}},
	}}}}
	other := logRecord{txn: zk.Txn{Header: hdr(6, zk.OpSetACL), Body: &zk.SetACLTxn{Path: "/t", ACL: readACL, Version: 1}}}
	// /a made at 6, in the snapshot with the ACL its create made.
	created := fixtureSnapshot()
	created.nodes[4].ACLRef, created.nodes[4].Stat.Czxid, created.nodes[4].Stat.Aversion = 9, 6, 0
	create := logRecord{txn: zk.Txn{Header: hdr(6, zk.OpMulti), Body: &zk.MultiTxn{Txns: []zk.TxnOp{
		{Type: zk.OpCreate, Body: &zk.CreateTxn{Path: "/a", Data: []byte("data"), ACL: digestACL, ParentCVersion: 1}},
	}}}}
	for _, tc := range []struct {
		name     string
		snap     *snapSpec
		recs     []logRecord
		acl      []zk.ACL // /a's after the import
		aversion int32
		err      error
	}{
		{"set again", spec, []logRecord{setACL}, readACL, 1, nil},
		{"created again", created, []logRecord{create}, digestACL, 0, nil},
		{"deleted", spec, []logRecord{deleteIt}, nil, 0, nil},
		{"left unset", spec, []logRecord{other}, nil, 0, ErrCorrupt},
		{"created before the snapshot", spec, []logRecord{create}, nil, 0, ErrCorrupt},
		{"no txn", spec, nil, nil, 0, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := fixtureDir(t, tc.recs)
			writeZK(t, dir, map[string][]byte{"snapshot.5": tc.snap.bytes()})
			e, _, err := Import(Config{SnapDir: dir})
			if !errors.Is(err, tc.err) {
				t.Fatalf("got %v, want %v", err, tc.err)
			}
			if tc.acl == nil {
				return
			}
			acl, st, err := e.GetACL("/a", []zk.Id{{Scheme: engine.SchemeSuper}})
			if err != nil || !reflect.DeepEqual(acl, tc.acl) || st.Aversion != tc.aversion {
				t.Fatalf("/a: %v %+v %v", acl, st, err)
			}
		})
	}
}

// TestNodeDigest checks DigestCalculator's layout on one node.
func TestNodeDigest(t *testing.T) {
	n := engine.NodeRecord{Path: "/a", Data: []byte("x"), Czxid: 1, Mzxid: 2, Pzxid: 3, Ctime: 4, Mtime: 5,
		Version: 6, Cversion: 7, Aversion: 8, EphemeralOwner: 9}
	b := []byte("/ax")
	for _, v := range []int64{1, 2, 3, 4, 5} {
		b = zk.AppendInt64(b, v)
	}
	for _, v := range []int32{6, 7, 8} {
		b = zk.AppendInt32(b, v)
	}
	b = zk.AppendInt64(b, 9)
	if got, want := NodeDigest(&n), crc32.ChecksumIEEE(b); got != want {
		t.Errorf("digest %#x, want %#x", got, want)
	}
	root := n
	root.Path = "/"
	if got, want := NodeDigest(&root), crc32.ChecksumIEEE(b[2:]); got != want {
		t.Errorf("root digest %#x, want %#x (path \"\")", got, want)
	}
	q := n
	q.Path = "/zookeeper/quota"
	if NodeDigest(&q) != 0 {
		t.Error("/zookeeper/quota is digested")
	}
	if TreeDigest([]engine.NodeRecord{n, root, q}) != int64(NodeDigest(&n))+int64(NodeDigest(&root)) {
		t.Error("tree digest is not the sum")
	}
}

func TestImportFallsBack(t *testing.T) {
	dir := fixtureDir(t, fixtureLog())
	bad := fixtureSnapshot().bytes()
	bad[len(bad)-7] ^= 1 // the seal
	writeZK(t, dir, map[string][]byte{"snapshot.8": bad, "snapshot.9.gz": []byte("not a gzip stream")})
	e, sum, err := Import(Config{SnapDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Skipped) != 2 || !errors.Is(sum.Skipped[0].Err, ErrBadMagic) || !errors.Is(sum.Skipped[1].Err, ErrChecksum) ||
		sum.SnapshotZxid != 5 || e.LastZxid() != 10 {
		t.Fatalf("skipped %+v, used %s", sum.Skipped, sum.Snapshot)
	}
	// Without a readable snapshot, nothing is imported.
	for _, name := range []string{"snapshot.0", "snapshot.5"} {
		os.Remove(filepath.Join(dir, VersionDir, name))
	}
	if _, _, err := Import(Config{SnapDir: dir}); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("no valid snapshot: %v", err)
	}
	if _, _, err := Import(Config{SnapDir: fixtureDir(t, nil), LogDir: t.TempDir()}); err == nil {
		t.Fatal("a log dir without ZooKeeper files was accepted")
	}
}

func TestImportGap(t *testing.T) {
	recs := fixtureLog()
	for _, tc := range []struct {
		name string
		recs []logRecord
	}{
		{"missing txn", append(slices.Clone(recs[:2]), recs[3:]...)},
		{"out of order", []logRecord{recs[0], recs[2], recs[1]}},
		{"snapshot's next txn missing", recs[1:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Import(Config{SnapDir: fixtureDir(t, tc.recs)}); !errors.Is(err, ErrGap) {
				t.Fatalf("got %v, want ErrGap", err)
			}
		})
	}
	// A new epoch may start anywhere above the last zxid.
	next := recs[1]
	next.txn.Header.Zxid = zk.MakeZxid(1, 1)
	if _, sum, err := Import(Config{SnapDir: fixtureDir(t, []logRecord{recs[0], next})}); err != nil || sum.Zxid != zk.MakeZxid(1, 1) {
		t.Fatalf("new epoch: %v", err)
	}
}

// TestImportLogs checks which log files are read (FileTxnLog.getLogFiles)
// and that they continue one another.
func TestImportLogs(t *testing.T) {
	recs := fixtureLog()
	dir := fixtureDir(t, recs[:2]) // log.3: txns 3 to 7
	writeZK(t, dir, map[string][]byte{
		"log.8":       buildLog(recs[2:4], 100), // txns 8 and 9
		"log.a":       buildLog(recs[4:], 0),    // txn 10
		"log.1":       buildLog(nil, 10),        // before the snapshot's log: not read
		"log.b":       buildLog(nil, 0)[:5],     // created as ZooKeeper crashed
		"log.c.bak":   []byte("ignored"),
		"snapshot.zz": []byte("ignored"),
	})
	_, sum, err := Import(Config{SnapDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range sum.Logs {
		names = append(names, filepath.Base(l.Path)+":"+l.End.String())
	}
	if want := []string{"log.3:zero padding", "log.8:zero padding", "log.a:end of file", "log.b:partial record"}; !slices.Equal(names, want) {
		t.Errorf("logs read: %v, want %v", names, want)
	}
	if len(sum.Ignored) != 2 || sum.LastZxid != 10 {
		t.Errorf("ignored %v, last zxid %s", sum.Ignored, sum.LastZxid)
	}
}

func TestResolveDir(t *testing.T) {
	dir := t.TempDir()
	v2 := filepath.Join(dir, VersionDir)
	flat := t.TempDir()
	os.WriteFile(filepath.Join(flat, "log.1"), nil, 0o644)
	os.MkdirAll(v2, 0o755)
	for _, tc := range []struct{ in, want string }{
		{dir, v2},
		{v2, v2},
		{flat, flat},
	} {
		if got, err := ResolveDir(tc.in); err != nil || got != tc.want {
			t.Errorf("ResolveDir(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", t.TempDir(), filepath.Join(dir, "missing"), filepath.Join(flat, "log.1")} {
		if _, err := ResolveDir(bad); err == nil {
			t.Errorf("ResolveDir(%q) accepted", bad)
		}
	}
}

func TestSetupQuota(t *testing.T) {
	s := &Snapshot{Nodes: []Node{
		{Path: "/", NumChildren: 2},
		{Path: "/zookeeper", NumChildren: 1},
		{Path: "/zookeeper/quota", NumChildren: 1},
		{Path: "/zookeeper/quota/q", NumChildren: 2},
		{Path: "/zookeeper/quota/q/zookeeper_limits", Data: []byte("count=10,bytes=-1")},
		{Path: "/zookeeper/quota/q/zookeeper_stats", Data: []byte("count=99,bytes=99")},
		{Path: "/q", Data: []byte("abc"), NumChildren: 1},
		{Path: "/q/x", Data: []byte("de")},
		{Path: "/qq", Data: []byte("not below /q")},
	}}
	setupQuota(s)
	if got := string(s.Nodes[5].Data); got != "count=2,bytes=5" {
		t.Fatalf("stats %q", got)
	}
	if !bytes.Equal(s.Nodes[4].Data, []byte("count=10,bytes=-1")) {
		t.Fatal("limits changed")
	}
}
