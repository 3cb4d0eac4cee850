package server_test

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
	"github.com/paddockdb/paddock/server/servertest"
)

// superDigest is DigestAuthenticationProvider.superDigest for super:secret.
func superDigest() string {
	h := sha1.Sum([]byte("super:secret"))
	return "super:" + base64.StdEncoding.EncodeToString(h[:])
}

// addServer makes room for a new server in e, not yet started: its config
// lists the members plus itself, as ZooKeeper asks of a joining server.
func (e *testEnsemble) addServer(role server.PeerRole) int {
	i := len(e.cfgs)
	spec := server.ServerSpec{
		ID:    int64(i + 1),
		Addrs: []server.PeerAddr{{Host: "127.0.0.1", QuorumPort: freePort(e.t), ElectionPort: freePort(e.t)}},
		Role:  role, ClientAddr: "127.0.0.1", ClientPort: freePort(e.t), SecureClientPort: -1,
	}
	cfg := e.cfgs[0]
	cfg.DataDir, cfg.DataLogDir = e.t.TempDir(), ""
	cfg.ClientPort = spec.ClientPort
	cfg.MyID = spec.ID
	cfg.Servers = append(append([]server.ServerSpec(nil), cfg.Servers...), spec)
	e.cfgs = append(e.cfgs, cfg)
	e.servers = append(e.servers, nil)
	return i
}

// line is server i's server.N line as ZooKeeper writes it, with role.
func (e *testEnsemble) line(i int, role string) string {
	a := e.cfgs[i].Servers[i].Addrs[0]
	return fmt.Sprintf("server.%d=127.0.0.1:%d:%d:%s;127.0.0.1:%d", i+1, a.QuorumPort, a.ElectionPort, role, e.cfgs[i].ClientPort)
}

// configOn reads /zookeeper/config on server i, after a sync.
func configOn(t *testing.T, addr string) (string, *gozk.Stat) {
	t.Helper()
	c := ensConnect(t, addr)
	defer c.Close()
	if _, err := c.Sync("/zookeeper/config"); err != nil {
		t.Fatal(err)
	}
	data, st, err := c.Get("/zookeeper/config")
	if err != nil {
		t.Fatal(err)
	}
	return string(data), st
}

func waitMode(t *testing.T, e *testEnsemble, i int, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); e.mode(i) != want; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("server %d: mode %q, want %q", i+1, e.mode(i), want)
		}
	}
}

// TestReconfig: ZooKeeper's reconfig through go-zookeeper on a 3-server
// ensemble: a fourth server, started with the members plus itself, joins
// when -add'ed and catches up; it becomes an observer and a participant
// again; a server is removed and stops serving; /zookeeper/config follows
// every step on every server (version = the reconfig's zxid, data version
// -1), and a restarted server keeps the reconfigured membership although
// its config file lists the old one. The checks fail as ZooKeeper's do:
// without super, with a stale version, and with malformed servers.
func TestReconfig(t *testing.T) {
	e := startEnsembleWith(t, 3, 0, func(c *server.Config) {
		c.ReconfigEnabled = true
		c.SuperDigest = superDigest()
	})
	l := e.leader()
	f := (l + 1) % 3
	admin := ensConnect(t, e.addr(f)) // through a follower: forwarded
	for i := range 20 {
		if _, err := admin.Create(fmt.Sprintf("/before%02d", i), []byte("x"), 0, gozk.WorldACL(gozk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	j := e.addServer(server.RoleParticipant)
	e.start(j)

	// Without super: NoAuth (after the other checks pass).
	if _, err := admin.IncrementalReconfig([]string{e.line(j, "participant")}, nil, -1); !errors.Is(err, gozk.ErrNoAuth) {
		t.Fatalf("reconfig without super: %v, want ErrNoAuth", err)
	}
	if err := admin.AddAuth("digest", []byte("super:secret")); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{{"server.4=127.0.0.1:1:2"}, {"nonsense"}, {"server.x=127.0.0.1:1:2;3"}} {
		if _, err := admin.IncrementalReconfig(bad, nil, -1); !errors.Is(err, gozk.ErrBadArguments) {
			t.Errorf("reconfig -add %v: %v, want ErrBadArguments", bad, err)
		}
	}
	if _, err := admin.IncrementalReconfig(nil, []string{"1", "2", "3"}, -1); !errors.Is(err, gozk.ErrBadArguments) {
		t.Errorf("removing every voter: %v, want ErrBadArguments", err)
	}
	if _, err := admin.IncrementalReconfig([]string{e.line(j, "participant")}, nil, 0x123); !errors.Is(err, gozk.ErrBadVersion) {
		t.Errorf("reconfig from a stale version: %v, want ErrBadVersion", err)
	}

	// -add server.4: it joins and catches up.
	st, err := admin.IncrementalReconfig([]string{e.line(j, "participant")}, nil, 0)
	if err != nil {
		t.Fatalf("reconfig -add: %v", err)
	}
	want := func(roles ...string) string {
		var b strings.Builder
		for i, r := range roles {
			if r != "" {
				b.WriteString(e.line(i, r) + "\n")
			}
		}
		return b.String()
	}
	version := st.Mzxid
	wantCfg := want("participant", "participant", "participant", "participant") + fmt.Sprintf("version=%x", version)
	if st.Version != -1 {
		t.Errorf("the reconfig's Stat: version %d, want -1", st.Version)
	}
	waitMode(t, e, j, "follower")
	for i := range e.servers {
		if got, gst := configOn(t, e.addr(i)); got != wantCfg || *gst != *st {
			t.Errorf("server %d: /zookeeper/config = %q %+v, want %q %+v", i+1, got, *gst, wantCfg, *st)
		}
	}
	compareTrees(t, e.addr(l), e.addr(j))
	fresh := ensConnect(t, e.addr(j))
	if _, err := fresh.Create("/via4", nil, 0, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatalf("a write through the new server: %v", err)
	}

	// Server 4 becomes an observer, then a participant again.
	if st, err = admin.IncrementalReconfig([]string{e.line(j, "observer")}, nil, version); err != nil {
		t.Fatalf("reconfig to observer: %v", err)
	}
	version = st.Mzxid
	waitMode(t, e, j, "observer")
	if _, err := fresh.Create("/via4-observer", nil, 0, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatalf("a write through the observer: %v", err)
	}
	if st, err = admin.IncrementalReconfig([]string{e.line(j, "participant")}, nil, -1); err != nil {
		t.Fatalf("reconfig back to participant: %v", err)
	}
	version = st.Mzxid
	waitMode(t, e, j, "follower")

	// Remove a follower other than the admin's server: it stops serving;
	// three voters go on.
	l = e.leader()
	gone := 0
	for gone == l || gone == f {
		gone++
	}
	if st, err = admin.IncrementalReconfig(nil, []string{fmt.Sprint(gone + 1)}, -1); err != nil {
		t.Fatalf("reconfig -remove: %v", err)
	}
	version = st.Mzxid
	roles := []string{"participant", "participant", "participant", "participant"}
	roles[gone] = ""
	wantCfg = want(roles...) + fmt.Sprintf("version=%x", version)
	for deadline := time.Now().Add(10 * time.Second); e.mode(gone) != ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the removed server still says %q", e.mode(gone))
		}
	}
	e.stop(gone)
	if _, err := admin.Create("/after-remove", nil, 0, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatal(err)
	}

	// A restart with the original config file keeps the new membership.
	e.stop(f)
	e.start(f)
	e.leader()
	for i := range e.servers {
		if e.servers[i] == nil {
			continue
		}
		if got, _ := configOn(t, e.addr(i)); got != wantCfg {
			t.Errorf("server %d after the restart of %d: /zookeeper/config = %q, want %q", i+1, f+1, got, wantCfg)
		}
	}
	// Non-incremental: the whole list, from the current version.
	members := strings.Split(strings.TrimSuffix(want(roles...), "\n"), "\n")
	c := ensConnect(t, e.addr(f))
	c.AddAuth("digest", []byte("super:secret"))
	if st, err = c.Reconfig(members, int64(version)); err != nil {
		t.Fatalf("reconfig -members: %v", err)
	}
	if got, _ := configOn(t, e.addr(j)); got != strings.Join(members, "\n")+"\n"+fmt.Sprintf("version=%x", st.Mzxid) {
		t.Errorf("after reconfig -members: %q", got)
	}
	compareTrees(t, e.addr(e.leader()), e.addr(j))
}

// TestReconfigDisabled: without reconfigEnabled, reconfig answers
// ReconfigDisabled (ensemble or not); standalone with it, Unimplemented.
func TestReconfigDisabled(t *testing.T) {
	e := startEnsemble(t, 3, 0)
	e.leader()
	c := ensConnect(t, e.addr(0))
	if _, err := c.IncrementalReconfig(nil, []string{"3"}, -1); !errors.Is(err, gozk.ErrReconfigDisabled) {
		t.Errorf("ensemble: %v, want ErrReconfigDisabled", err)
	}
	for _, enabled := range []bool{false, true} {
		cfg := servertest.Config(t.TempDir())
		cfg.ClientPort = freePort(t)
		cfg.ReconfigEnabled = enabled
		s, err := server.New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		c := ensConnect(t, fmt.Sprintf("127.0.0.1:%d", cfg.ClientPort))
		_, err = c.IncrementalReconfig(nil, []string{"3"}, -1)
		want := gozk.ErrReconfigDisabled.Error()
		if enabled {
			want = "unknown error: -6" // go-zookeeper's name for Unimplemented
		}
		if err == nil || err.Error() != want {
			t.Errorf("standalone, reconfigEnabled=%v: %v, want %v", enabled, err, want)
		}
		c.Close()
		s.Close()
	}
}
