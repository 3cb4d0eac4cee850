package quorum

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// recorder is a Handler that keeps what it is told.
type recorder struct {
	mu        sync.Mutex
	committed []Entry
	lead      uint64
	reads     map[uint64]uint64
	msgs      []string
	failed    error
}

func (r *recorder) Committed(ents []Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range ents {
		if e.Data != nil {
			r.committed = append(r.committed, e)
		}
	}
}
func (r *recorder) LeaderChanged(lead, term uint64) { r.mu.Lock(); r.lead = lead; r.mu.Unlock() }
func (r *recorder) ReadIndex(ctx, index uint64) {
	r.mu.Lock()
	if r.reads == nil {
		r.reads = map[uint64]uint64{}
	}
	r.reads[ctx] = index
	r.mu.Unlock()
}
func (r *recorder) Message(from uint64, data []byte) {
	r.mu.Lock()
	r.msgs = append(r.msgs, fmt.Sprintf("%d:%s", from, data))
	r.mu.Unlock()
}
func (r *recorder) PeerDown(uint64)  {}
func (r *recorder) Failed(err error) { r.mu.Lock(); r.failed = err; r.mu.Unlock() }

func (r *recorder) data() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.committed {
		out = append(out, string(e.Data))
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type cluster struct {
	t     *testing.T
	peers []Peer
	dirs  []string
	nodes []*Node
	recs  []*recorder
}

func newCluster(t *testing.T, n int) *cluster {
	c := &cluster{t: t}
	for i := 1; i <= n; i++ {
		c.peers = append(c.peers, Peer{ID: uint64(i), Addr: freeAddr(t)})
		c.dirs = append(c.dirs, t.TempDir())
	}
	c.nodes = make([]*Node, n)
	c.recs = make([]*recorder, n)
	for i := range c.peers {
		c.start(i)
	}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			if nd != nil {
				nd.Close()
			}
		}
	})
	return c
}

func (c *cluster) start(i int) {
	c.recs[i] = &recorder{}
	nd, err := Open(Config{
		ID: c.peers[i].ID, Peers: c.peers, LogDir: c.dirs[i],
		Tick: 10 * time.Millisecond, ElectionTicks: 10, HeartbeatTicks: 1,
		PreAllocSize: -1, Handler: c.recs[i],
	})
	if err != nil {
		c.t.Fatal(err)
	}
	nd.Start()
	c.nodes[i] = nd
}

func (c *cluster) stop(i int) {
	c.nodes[i].Close()
	c.nodes[i] = nil
}

// leader waits for one node (among those running) to lead.
func (c *cluster) leader() int {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, nd := range c.nodes {
			if nd != nil && nd.Status().Leader {
				return i
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatal("no leader elected")
	return -1
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func equal(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func TestReplicateFailoverRecover(t *testing.T) {
	c := newCluster(t, 3)
	l := c.leader()
	c.nodes[l].Propose([][]byte{[]byte("a"), []byte("b")})
	c.nodes[l].Propose([][]byte{[]byte("c")})
	want := []string{"a", "b", "c"}
	for i := range c.nodes {
		waitFor(t, fmt.Sprintf("node %d to commit", i+1), func() bool { return equal(c.recs[i].data(), want) })
	}
	// A follower's proposals are dropped: writes go through the leader.
	f := (l + 1) % 3
	c.nodes[f].Propose([][]byte{[]byte("lost")})

	// The leader dies; the other two elect one and go on.
	c.stop(l)
	l2 := c.leader()
	if l2 == l {
		t.Fatal("stopped node still leads")
	}
	c.nodes[l2].Propose([][]byte{[]byte("d")})
	want = append(want, "d")
	for i := range c.nodes {
		if i != l {
			waitFor(t, fmt.Sprintf("node %d to commit d", i+1), func() bool { return equal(c.recs[i].data(), want) })
		}
	}
	// The old leader comes back: it replays its log from the start and
	// catches up.
	c.start(l)
	waitFor(t, "restarted node to catch up", func() bool { return equal(c.recs[l].data(), want) })

	// ReadIndex answers with an index covering everything committed.
	c.nodes[f].ReadIndex(42)
	waitFor(t, "read index", func() bool {
		c.recs[f].mu.Lock()
		defer c.recs[f].mu.Unlock()
		_, ok := c.recs[f].reads[42]
		return ok
	})
	// Application messages reach the peer.
	f = l
	if !c.nodes[f].Send(uint64(l2+1), []byte("hello")) {
		t.Fatal("Send refused")
	}
	waitFor(t, "message", func() bool {
		c.recs[l2].mu.Lock()
		defer c.recs[l2].mu.Unlock()
		return len(c.recs[l2].msgs) > 0 && c.recs[l2].msgs[0] == fmt.Sprintf("%d:hello", f+1)
	})
}

func TestMinorityCannotCommit(t *testing.T) {
	c := newCluster(t, 3)
	l := c.leader()
	others := []int{(l + 1) % 3, (l + 2) % 3}
	c.stop(others[0])
	c.stop(others[1])
	// CheckQuorum: a leader without a majority steps down.
	waitFor(t, "leader to step down", func() bool { return !c.nodes[l].Status().Leader })
	c.nodes[l].Propose([][]byte{[]byte("x")})
	time.Sleep(200 * time.Millisecond)
	if got := c.recs[l].data(); len(got) != 0 {
		t.Fatalf("a lone server committed %v", got)
	}
}
