package engine

import (
	"errors"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// TestPrepReconfig: the checks in ZooKeeper's order (session, then the
// caller's own, then WRITE on /zookeeper/config), and the applied txn:
// the config's data, mzxid = the txn's zxid, data version -1.
func TestPrepReconfig(t *testing.T) {
	h := newHarness(t, Config{})
	h.e.SetConfigNode([]byte("server.1=a:1:2:participant;3\nversion=0"), 0, h.now)
	world := []zk.Id{{Scheme: "ip", ID: "127.0.0.1"}}
	super := []zk.Id{{Scheme: SchemeSuper}}
	next := func(z zk.Zxid) ([]byte, error) {
		return []byte("server.1=a:1:2:participant;3\nversion=" + z.String()), nil
	}
	prep := func(s zk.SessionID, auth []zk.Id, skip bool, next func(zk.Zxid) ([]byte, error)) *zk.Txn {
		h.now++
		return h.e.PrepReconfig(&Request{Session: s, Xid: 7, Op: zk.OpReconfig, Auth: auth, Time: h.now}, skip, next)
	}
	tests := []struct {
		name string
		sess zk.SessionID
		auth []zk.Id
		skip bool
		next func(zk.Zxid) ([]byte, error)
		want zk.Code
	}{
		{"no session", 12345, super, false, next, zk.CodeSessionExpired},
		{"the caller's check first", h.sess, world, false, func(zk.Zxid) ([]byte, error) { return nil, zk.CodeBadVersion }, zk.CodeBadVersion},
		{"world may not write", h.sess, world, false, next, zk.CodeNoAuth},
		{"skipACL", h.sess, world, true, next, zk.CodeOK},
		{"super", h.sess, super, false, next, zk.CodeOK},
	}
	for _, tt := range tests {
		txn := prep(tt.sess, tt.auth, tt.skip, tt.next)
		if got := TxnError(txn); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			continue
		}
		res := h.e.Apply(txn)
		if tt.want != zk.CodeOK {
			continue
		}
		if txn.Header.Type != zk.OpReconfig {
			t.Errorf("%s: txn type %v", tt.name, txn.Header.Type)
		}
		data, st, err := h.e.GetData(ConfigZookeeper, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := "server.1=a:1:2:participant;3\nversion=" + txn.Header.Zxid.String()
		if string(data) != want || st.Mzxid != txn.Header.Zxid || st.Version != -1 || res.Stat != st {
			t.Errorf("%s: /zookeeper/config %q %+v (result %+v), want %q, mzxid %d, version -1", tt.name, data, st, res.Stat, want, txn.Header.Zxid)
		}
	}
	// An error from next that is not a code is a system error.
	txn := prep(h.sess, super, false, func(zk.Zxid) ([]byte, error) { return nil, errors.New("boom") })
	if got := TxnError(txn); got != zk.CodeSystemError {
		t.Errorf("plain error: %v", got)
	}
}
