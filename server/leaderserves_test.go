package server_test

import (
	"strings"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
)

// TestEnsembleLeaderServesNo: with leaderServes=no the leader refuses
// clients (4lw say it is not serving, as ZooKeeper's leader does) and the
// followers serve them.
func TestEnsembleLeaderServesNo(t *testing.T) {
	e := startEnsembleWith(t, 3, 0, func(c *server.Config) { c.LeaderServes = false })
	l := -1
	deadline := time.Now().Add(15 * time.Second)
	for l < 0 && time.Now().Before(deadline) {
		followers := 0
		for i := range e.servers {
			if e.mode(i) == "follower" {
				followers++
			} else if strings.Contains(e.fourLetter(i, "srvr"), "not currently serving") {
				l = i
			}
		}
		if followers != 2 {
			l = -1
		}
		time.Sleep(20 * time.Millisecond)
	}
	if l < 0 {
		t.Fatal("no ensemble of two serving followers and a non-serving leader")
	}
	// A client that knows only the leader gets no session.
	c, _, err := gozk.Connect([]string{e.addr(l)}, 2*time.Second, gozk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if c.State() == gozk.StateHasSession {
		t.Fatal("the leader served a client with leaderServes=no")
	}
	c.Close()
	// Writes through a follower commit.
	f := ensConnect(t, e.addr((l+1)%3))
	if _, err := f.Create("/x", []byte("y"), 0, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatal(err)
	}
	g := ensConnect(t, e.addr((l+2)%3))
	g.Sync("/x")
	if d, _, err := g.Get("/x"); err != nil || string(d) != "y" {
		t.Fatalf("get /x on the other follower: %q %v", d, err)
	}
}
