package server_test

import (
	"strings"
	"testing"
	"time"

	wire "github.com/paddockdb/paddock/zk"
)

// TestZKQuota sets a quota the way zkCli's setquota does
// (SetQuotaCommand.createQuota): create /zookeeper/quota/<path>, then its
// zookeeper_limits child with the limits and its zookeeper_stats child with
// "count=0,bytes=0". Creating zookeeper_stats makes the server compute the
// subtree's real usage into it, and from then on every create, delete and
// setData below <path> updates it. Quotas are not enforced by default
// (zookeeper.enforceQuota=false): exceeding one only logs.
func TestZKQuota(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	r := rawDial(t, addr, 4*time.Second)
	q := root + "/q"
	qp := "/zookeeper/quota" + q
	if realZK() {
		t.Cleanup(func() { cleanupTree(addr, "/zookeeper/quota"+root) })
	}
	wantCode(t, "create", r.createErr(q, []byte("abc"), openACL, 0), 0)
	wantCode(t, "create", r.createErr(q+"/a", []byte("12345"), openACL, 0), 0)

	// Exactly what zkCli creates (it uses null data for the path nodes).
	cur := "/zookeeper/quota"
	for _, seg := range strings.Split(q[1:], "/") {
		cur += "/" + seg
		wantCode(t, "create "+cur, r.createErr(cur, nil, openACL, 0), 0)
	}
	wantCode(t, "create limits", r.createErr(qp+"/zookeeper_limits", []byte("count=3,bytes=100"), openACL, 0), 0)
	wantCode(t, "create stats", r.createErr(qp+"/zookeeper_stats", []byte("count=0,bytes=0"), openACL, 0), 0)

	stats := func() (string, wire.Stat) {
		t.Helper()
		code, data, st := r.getData(qp+"/zookeeper_stats", false)
		wantCode(t, "get stats", code, 0)
		return string(data), st
	}
	// The quota root itself counts: q ("abc") and q/a ("12345").
	got, st0 := stats()
	if got != "count=2,bytes=8" {
		t.Fatalf("initial stats %q, want count=2,bytes=8", got)
	}
	if st0.Version != 0 || st0.DataLength != int32(len(got)) || st0.Mzxid != st0.Czxid {
		t.Fatalf("stats node stat %+v", st0)
	}
	// Watches on the stats node never fire for these updates.
	r.getData(qp+"/zookeeper_stats", true)

	steps := []struct {
		what string
		do   func()
		want string
	}{
		{"create b", func() { r.createErr(q+"/b", []byte("xy"), openACL, 0) }, "count=3,bytes=10"},
		{"setData a", func() { r.setData(q+"/a", []byte("1"), -1) }, "count=3,bytes=6"},
		// Over the count limit of 3: allowed (not enforced).
		{"create c and c/d", func() {
			wantCode(t, "create over quota", r.createErr(q+"/c", nil, openACL, 0), 0)
			wantCode(t, "create over quota", r.createErr(q+"/c/d", []byte("zz"), openACL, 0), 0)
		}, "count=5,bytes=8"},
		{"delete b", func() { r.delete(q+"/b", -1) }, "count=4,bytes=6"},
		{"setData q to null", func() { r.setData(q, nil, -1) }, "count=4,bytes=3"},
		{"ephemeral", func() { r.createErr(q+"/e", []byte("123"), openACL, wire.ModeEphemeral) }, "count=5,bytes=6"},
		{"multi", func() {
			rep, _ := r.multi(wire.OpMulti,
				multiOp{wire.OpCreate, encCreate(q+"/m", []byte("mm"), openACL, 0)},
				multiOp{wire.OpSetData, encSetData(q+"/c/d", []byte("z"), -1)},
			)
			wantCode(t, "multi", rep.Err, 0)
		}, "count=6,bytes=7"},
		{"a node outside the quota", func() { r.createErr(root+"/qq", []byte("outside"), openACL, 0) }, "count=6,bytes=7"},
	}
	for _, s := range steps {
		s.do()
		got, st := stats()
		if got != s.want {
			t.Fatalf("after %s: stats %q, want %q", s.what, got, s.want)
		}
		// The server rewrites the data in place: version, mzxid and mtime
		// stay as created; only dataLength follows the new text.
		if st.Version != 0 || st.Mzxid != st0.Mzxid || st.Mtime != st0.Mtime || st.DataLength != int32(len(got)) {
			t.Fatalf("after %s: stats node stat %+v (created %+v)", s.what, st, st0)
		}
	}
	r.noEvents()
	code, data, _ := r.getData(qp+"/zookeeper_limits", false)
	if code != 0 || string(data) != "count=3,bytes=100" {
		t.Fatalf("limits %q %v", data, code)
	}
	// Deleting the limits node stops the accounting.
	wantCode(t, "delete limits", r.delete(qp+"/zookeeper_limits", -1), 0)
	r.createErr(q+"/after", []byte("1234"), openACL, 0)
	if got, _ := stats(); got != "count=6,bytes=7" {
		t.Fatalf("stats after removing the limits %q, want unchanged", got)
	}
}
