package server_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
	"github.com/paddockdb/paddock/server/servertest"
)

// testEnsemble is an in-process ensemble on 127.0.0.1.
type testEnsemble struct {
	t       *testing.T
	cfgs    []server.Config
	servers []*server.Server // nil: stopped
}

func freePort(t *testing.T) int { return servertest.FreePort(t) }

// startEnsemble starts participants voters and observers observers.
func startEnsemble(t *testing.T, participants, observers int) *testEnsemble {
	return startEnsembleWith(t, participants, observers, nil)
}

// startEnsembleWith is startEnsemble with every server's config passed
// through tweak first.
func startEnsembleWith(t *testing.T, participants, observers int, tweak func(*server.Config)) *testEnsemble {
	n := participants + observers
	var specs []server.ServerSpec
	clientPorts := make([]int, n)
	for i := range n {
		clientPorts[i] = freePort(t)
		role := server.RoleParticipant
		if i >= participants {
			role = server.RoleObserver
		}
		specs = append(specs, server.ServerSpec{
			ID:    int64(i + 1),
			Addrs: []server.PeerAddr{{Host: "127.0.0.1", QuorumPort: freePort(t), ElectionPort: freePort(t)}},
			Role:  role, ClientAddr: "127.0.0.1", ClientPort: clientPorts[i], SecureClientPort: -1,
		})
	}
	e := &testEnsemble{t: t, servers: make([]*server.Server, n)}
	for i := range n {
		cfg := servertest.Config(t.TempDir())
		cfg.ClientPort = clientPorts[i]
		cfg.TickTime = 100 * time.Millisecond
		cfg.MinSessionTimeout, cfg.MaxSessionTimeout = 0, 0
		cfg.InitLimit, cfg.SyncLimit = 10, 5
		cfg.Servers = specs
		cfg.MyID = int64(i + 1)
		cfg.PreAllocSize = -1
		cfg.FourLetterWords = []string{"*"}
		if tweak != nil {
			tweak(&cfg)
		}
		e.cfgs = append(e.cfgs, cfg)
	}
	for i := range n {
		e.start(i)
	}
	t.Cleanup(func() {
		for i := range e.servers {
			e.stop(i)
		}
	})
	return e
}

func (e *testEnsemble) start(i int) {
	e.t.Helper()
	lg := slog.New(slog.DiscardHandler)
	if os.Getenv("PADDOCK_TEST_LOG") != "" {
		lg = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("myid", i+1)
	}
	s, err := server.New(e.cfgs[i], lg)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.servers[i] = s
}

func (e *testEnsemble) stop(i int) {
	if e.servers[i] != nil {
		e.servers[i].Close()
		e.servers[i] = nil
	}
}

func (e *testEnsemble) addr(i int) string {
	return fmt.Sprintf("127.0.0.1:%d", e.cfgs[i].ClientPort)
}

// fourLetter sends word to server i and returns the answer.
func (e *testEnsemble) fourLetter(i int, word string) string {
	c, err := net.DialTimeout("tcp", e.addr(i), time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write([]byte(word))
	b, _ := io.ReadAll(c)
	return string(b)
}

func (e *testEnsemble) mode(i int) string {
	for _, line := range strings.Split(e.fourLetter(i, "srvr"), "\n") {
		if m, ok := strings.CutPrefix(line, "Mode: "); ok {
			return m
		}
	}
	return ""
}

// leader waits until exactly one running server says it leads and every
// other running server serves, and returns the leader's index.
func (e *testEnsemble) leader() int {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		leader, serving := -1, 0
		running := 0
		for i, s := range e.servers {
			if s == nil {
				continue
			}
			running++
			switch e.mode(i) {
			case "leader":
				if leader >= 0 {
					leader = -2
				} else if leader == -1 {
					leader = i
				}
				serving++
			case "follower", "observer":
				serving++
			}
		}
		if leader >= 0 && serving == running {
			return leader
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatal("no leader elected")
	return -1
}

func ensConnect(t *testing.T, addrs ...string) *gozk.Conn {
	t.Helper()
	c, ev, err := gozk.Connect(addrs, 4*time.Second, gozk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for c.State() != gozk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatalf("no session with %v", addrs)
		}
	}
	t.Cleanup(c.Close)
	return c
}

func TestEnsembleReplicatesAndServesEverywhere(t *testing.T) {
	e := startEnsemble(t, 3, 1)
	l := e.leader()
	modes := map[string]int{}
	for i := range e.servers {
		modes[e.mode(i)]++
	}
	if modes["leader"] != 1 || modes["follower"] != 2 || modes["observer"] != 1 {
		t.Fatalf("modes = %v, want one leader, two followers, one observer", modes)
	}
	wantMntr := []string{"zk_server_state\tleader\n", "zk_learners\t3\n", "zk_synced_followers\t2\n", "zk_synced_observers\t1\n"}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mntr, missing := e.fourLetter(l, "mntr"), ""
		for _, want := range wantMntr {
			if !strings.Contains(mntr, want) {
				missing = want
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leader's mntr lacks %q:\n%s", missing, mntr)
		}
	}
	// Writes through every server, the observer included.
	var clients []*gozk.Conn
	for i := range e.servers {
		c := ensConnect(t, e.addr(i))
		clients = append(clients, c)
		if _, err := c.Create(fmt.Sprintf("/n%d", i), []byte{byte(i)}, 0, gozk.WorldACL(gozk.PermAll)); err != nil {
			t.Fatalf("create through server %d (leader %d): %v", i+1, l+1, err)
		}
	}
	// A client reads its own writes at once, and after sync, everyone's.
	for i, c := range clients {
		if _, err := c.Sync("/"); err != nil {
			t.Fatal(err)
		}
		kids, _, err := c.Children("/")
		if err != nil {
			t.Fatal(err)
		}
		if len(kids) != len(e.servers)+1 { // + zookeeper
			t.Fatalf("server %d after sync: children %v", i+1, kids)
		}
	}
	// Versions: a conditional write from one server, seen by another.
	if _, err := clients[1].Set("/n0", []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := clients[2].Set("/n0", []byte("y"), 0); err != gozk.ErrBadVersion {
		t.Fatalf("stale version through another server: %v, want ErrBadVersion", err)
	}
	// Sequential names are unique across servers.
	seen := map[string]bool{}
	for i := 0; i < 12; i++ {
		p, err := clients[i%len(clients)].Create("/seq-", nil, gozk.FlagSequence, gozk.WorldACL(gozk.PermAll))
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("sequential name %s given twice", p)
		}
		seen[p] = true
	}
	// Every server holds the same tree: same zxid for the same node.
	_, st0, err := clients[0].Get("/n0")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		c.Sync("/")
		_, st, err := c.Get("/n0")
		if err != nil || *st != *st0 {
			t.Fatalf("server %d: stat %+v, %v; want %+v", i+1, st, err, st0)
		}
	}
	if epoch := st0.Mzxid >> 32; epoch < 1 {
		t.Fatalf("mzxid %#x: epoch should be the raft term (>= 1)", st0.Mzxid)
	}
}

func TestEnsembleFailoverKeepsSessionsAndData(t *testing.T) {
	e := startEnsemble(t, 3, 0)
	l := e.leader()
	f := (l + 1) % 3
	// A client on the leader (with the others as fallbacks) owns an
	// ephemeral; a client on a follower writes.
	owner := ensConnect(t, e.addr(l), e.addr(f))
	if _, err := owner.Create("/eph", []byte("mine"), gozk.FlagEphemeral, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatal(err)
	}
	sid := owner.SessionID()
	writer := ensConnect(t, e.addr(f))
	for i := 0; i < 20; i++ {
		if _, err := writer.Create(fmt.Sprintf("/before-%d", i), nil, 0, gozk.WorldACL(gozk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}

	killed := time.Now()
	e.stop(l)
	l2 := e.leader()
	if l2 == l {
		t.Fatal("stopped server leads")
	}
	// Writes go on: time the first one acknowledged after the kill.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := writer.Create("/after", nil, 0, gozk.WorldACL(gozk.PermAll))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no write acknowledged after failover: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("failover: first write acknowledged %v after stopping the leader", time.Since(killed))

	// The owner's client re-attaches its session to the survivor; the
	// ephemeral is still there.
	deadline = time.Now().Add(10 * time.Second)
	for {
		data, _, err := owner.Get("/eph")
		if err == nil && string(data) == "mine" && owner.SessionID() == sid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("session not re-attached: %v (session %#x, was %#x)", err, owner.SessionID(), sid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Nothing acknowledged was lost.
	for i := 0; i < 20; i++ {
		if ok, _, err := writer.Exists(fmt.Sprintf("/before-%d", i)); err != nil || !ok {
			t.Fatalf("/before-%d lost: %v", i, err)
		}
	}
	// The old leader comes back and catches up from the log.
	e.start(l)
	e.leader()
	c := ensConnect(t, e.addr(l))
	deadline = time.Now().Add(10 * time.Second)
	for {
		if _, err := c.Sync("/"); err == nil {
			if ok, _, _ := c.Exists("/after"); ok {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("restarted server did not catch up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Closing the session through another server removes the ephemeral
	// everywhere.
	owner.Close()
	deadline = time.Now().Add(10 * time.Second)
	for {
		c.Sync("/")
		if ok, _, _ := c.Exists("/eph"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ephemeral of a closed session still there")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEnsembleExpiresSessionsOnTheLeaderOnly(t *testing.T) {
	e := startEnsemble(t, 3, 0)
	l := e.leader()
	f := (l + 1) % 3
	c, _, err := gozk.Connect([]string{e.addr(f)}, 600*time.Millisecond, gozk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.State() != gozk.StateHasSession {
		if time.Now().After(deadline) {
			t.Fatal("no session")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := c.Create("/short", nil, gozk.FlagEphemeral, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatal(err)
	}
	// The follower forwards the session's pings as touches: it outlives
	// several timeouts.
	time.Sleep(2 * time.Second)
	if ok, _, err := c.Exists("/short"); err != nil || !ok {
		t.Fatalf("live session's ephemeral gone: %v", err)
	}
	// Once the client goes silent, the leader expires it.
	other := ensConnect(t, e.addr(l))
	e.stop(f)
	deadline = time.Now().Add(10 * time.Second)
	for {
		if ok, _, _ := other.Exists("/short"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ephemeral of an expired session still there")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
