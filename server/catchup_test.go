package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
)

// TestEnsembleFollowerCatchesUpFromSnapshot: a follower that was down
// while the others checkpointed and cut their logs past what it has gets
// the leader's checkpoint as a snapshot stream, installs it, and then
// follows the log; it keeps the installed state across a restart.
func TestEnsembleFollowerCatchesUpFromSnapshot(t *testing.T) {
	e := startEnsembleWith(t, 3, 0, func(c *server.Config) {
		c.SnapCount = 40     // a checkpoint every 21-40 txns
		c.CommitLogCount = 5 // and little kept in memory behind it
	})
	l := e.leader()
	f := (l + 1) % 3
	e.stop(f)

	writer := ensConnect(t, e.addr(l))
	if _, err := writer.Create("/eph", []byte("owned"), gozk.FlagEphemeral, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatal(err)
	}
	const n = 400
	for i := range n {
		if _, err := writer.Create(fmt.Sprintf("/n%03d", i), []byte(fmt.Sprintf("data-%d", i)), 0, gozk.WorldACL(gozk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i += 3 {
		if _, err := writer.Set(fmt.Sprintf("/n%03d", i), []byte("changed"), 0); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := writer.Delete(fmt.Sprintf("/n%03d", i), 1); err != nil {
				t.Fatal(err)
			}
		}
	}

	e.start(f)
	e.leader()
	spooled := filepath.Join(e.cfgs[f].DataDir, fmt.Sprintf("raft-snapshot-%d", l+1))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, err := os.Stat(spooled)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted follower did not receive a snapshot stream from the leader: %v", err)
		}
	}
	compareTrees(t, e.addr(l), e.addr(f))

	// It follows the log from there, and keeps it all across a restart.
	for i := range 50 {
		if _, err := writer.Create(fmt.Sprintf("/after%02d", i), nil, 0, gozk.WorldACL(gozk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	compareTrees(t, e.addr(l), e.addr(f))
	e.stop(f)
	e.start(f)
	e.leader()
	compareTrees(t, e.addr(l), e.addr(f))

	// /zookeeper/config lists the members, on every server, installed
	// snapshot or not (ZooKeeper sets it at start and after a snapshot).
	for _, i := range []int{l, f} {
		c := ensConnect(t, e.addr(i))
		data, st, err := c.Get("/zookeeper/config")
		if err != nil {
			t.Fatal(err)
		}
		want := ""
		for j, cfg := range e.cfgs {
			a := cfg.Servers[j].Addrs[0]
			want += fmt.Sprintf("server.%d=127.0.0.1:%d:%d:participant;127.0.0.1:%d\n", j+1, a.QuorumPort, a.ElectionPort, cfg.ClientPort)
		}
		want += "version=0"
		if string(data) != want || st.Version != -1 || st.Mzxid != 0 {
			t.Errorf("server %d: /zookeeper/config = %q (version %d, mzxid %#x), want %q (version -1, mzxid 0)", i+1, data, st.Version, st.Mzxid, want)
		}
		c.Close()
	}
}

// compareTrees checks that the server at got holds the same znodes, data
// and Stats as the one at want, after a sync.
func compareTrees(t *testing.T, want, got string) {
	t.Helper()
	a, b := ensConnect(t, want), ensConnect(t, got)
	defer a.Close()
	defer b.Close()
	if _, err := b.Sync("/"); err != nil {
		t.Fatal(err)
	}
	var walk func(path string) int
	walk = func(path string) int {
		da, sa, err := a.Get(path)
		if err != nil {
			t.Fatalf("%s on %s: %v", path, want, err)
		}
		db, sb, err := b.Get(path)
		if err != nil {
			t.Fatalf("%s on %s: %v", path, got, err)
		}
		if string(da) != string(db) || *sa != *sb {
			t.Fatalf("%s differs: %q %+v on %s, %q %+v on %s", path, da, *sa, want, db, *sb, got)
		}
		ka, _, err := a.Children(path)
		if err != nil {
			t.Fatal(err)
		}
		kb, _, err := b.Children(path)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ka)
		slices.Sort(kb)
		if fmt.Sprint(ka) != fmt.Sprint(kb) {
			t.Fatalf("children of %s differ: %d on %s, %d on %s", path, len(ka), want, len(kb), got)
		}
		count := 1
		for _, k := range ka {
			if path == "/" && k == "zookeeper" {
				continue
			}
			count += walk(filepath.Join(path, k))
		}
		return count
	}
	if count := walk("/"); count < 2 {
		t.Fatalf("only %d znodes compared", count)
	}
}
