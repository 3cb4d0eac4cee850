package quorum

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a Handler that keeps what it is told. Its state machine is
// the list of committed entries; checkpoint makes it "durable" (it
// survives a restart of the node, see cluster.start), and it is what
// Snapshot sends and Restore installs.
type recorder struct {
	mu           sync.Mutex
	committed    []Entry
	last         uint64 // the last index applied (or restored)
	durable      []Entry
	durIndex     uint64
	restores     int
	lostLeader   int // times it went from knowing a leader to none
	restoreDelay time.Duration
	lead         uint64
	reads        map[uint64]uint64
	msgs         []string
	failed       error
}

func (r *recorder) Committed(ents []Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range ents {
		if e.Index <= r.last {
			continue // the snapshot has it
		}
		r.last = e.Index
		if e.Data != nil {
			r.committed = append(r.committed, e)
		}
	}
}

// checkpoint makes the state durable and returns its index.
func (r *recorder) checkpoint() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.durable, r.durIndex = slices.Clone(r.committed), r.last
	return r.last
}

func (r *recorder) Snapshot(w io.Writer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.durable {
		if _, err := fmt.Fprintf(w, "%d %d %s\n", e.Index, e.Term, e.Data); err != nil {
			return err
		}
	}
	return nil
}

func (r *recorder) Restore(index uint64, path string) error {
	time.Sleep(r.restoreDelay)
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var ents []Entry
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var e Entry
		var data string
		if _, err := fmt.Sscanf(line, "%d %d %s", &e.Index, &e.Term, &data); err != nil {
			return fmt.Errorf("line %q: %w", line, err)
		}
		e.Data = []byte(data)
		ents = append(ents, e)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.committed, r.durable = ents, slices.Clone(ents)
	r.last = index
	if n := len(ents); n > 0 {
		r.last = max(r.last, ents[n-1].Index)
	}
	r.durIndex = r.last
	r.restores++
	return nil
}
func (r *recorder) LeaderChanged(lead, term uint64) {
	r.mu.Lock()
	if r.lead != 0 && lead == 0 {
		r.lostLeader++
	}
	r.lead = lead
	r.mu.Unlock()
}
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
	t       *testing.T
	segSize int64
	slack   int
	delay   map[int]time.Duration // Restore's delay, by node
	peers   []Peer
	dirs    []string
	nodes   []*Node
	recs    []*recorder
}

func newCluster(t *testing.T, n int) *cluster { return newClusterSeg(t, n, 0, 0) }

func newClusterSeg(t *testing.T, n int, segSize int64, slack int) *cluster {
	c := &cluster{t: t, segSize: segSize, slack: slack}
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
	rec := &recorder{}
	if old := c.recs[i]; old != nil {
		// What it made durable survives.
		rec.committed, rec.durable = slices.Clone(old.durable), slices.Clone(old.durable)
		rec.last, rec.durIndex = old.durIndex, old.durIndex
	}
	rec.restoreDelay = c.delay[i]
	c.recs[i] = rec
	nd, err := Open(Config{
		ID: c.peers[i].ID, Peers: c.peers, LogDir: c.dirs[i],
		Tick: 10 * time.Millisecond, ElectionTicks: 10, HeartbeatTicks: 1,
		PreAllocSize: -1, SegmentSize: c.segSize, LogSlack: c.slack, Handler: c.recs[i],
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

// TestSnapshotCatchUp: a follower that was down while the others
// snapshotted and compacted their logs catches up from the leader's
// snapshot stream, then from the log; servers restarted after purging
// recover from their snapshot plus what the log kept.
func TestSnapshotCatchUp(t *testing.T) {
	c := newClusterSeg(t, 3, 4<<10, 10)
	l := c.leader()
	lag := (l + 1) % 3
	c.stop(lag)
	var want []string
	propose := func(from, to int) {
		for i := from; i < to; i++ {
			d := fmt.Sprintf("v%03d-%s", i, strings.Repeat("x", 100))
			want = append(want, d)
			c.nodes[l].Propose([][]byte{[]byte(d)})
			if i%20 == 19 {
				// Keep each batch within the leader's inflight limits.
				waitFor(t, "commit", func() bool { return len(c.recs[l].data()) == i+1 })
			}
		}
		for i, nd := range c.nodes {
			if nd != nil {
				waitFor(t, fmt.Sprintf("node %d to commit", i+1), func() bool { return equal(c.recs[i].data(), want) })
			}
		}
	}
	propose(0, 200)
	segsBefore := segments(t, c.dirs[l])
	for i, nd := range c.nodes {
		if nd != nil {
			idx := c.recs[i].checkpoint()
			nd.Snapshotted(idx)
			waitFor(t, "snapshot", func() bool { return nd.Status().SnapshotIndex == idx })
		}
	}
	if after := segments(t, c.dirs[l]); after >= segsBefore {
		t.Errorf("leader's log segments: %d before its snapshot, %d after: nothing purged", segsBefore, after)
	}
	// More entries, so that the leader compacts its memory up to the
	// snapshot, past what the stopped follower has.
	propose(200, 260)
	if first, _ := c.nodes[l].ms.FirstIndex(); first <= 2 {
		t.Fatalf("the leader's in-memory log still starts at %d", first)
	}
	// Its install is slow; meanwhile the others go on, snapshot and
	// compact: the leader keeps what it needs after the snapshot, so one
	// snapshot is enough.
	c.delay = map[int]time.Duration{lag: 300 * time.Millisecond}
	c.start(lag)
	waitFor(t, "the lagging follower to receive the snapshot", func() bool {
		_, err := os.Stat(filepath.Join(c.dirs[lag], fmt.Sprintf("raft-snapshot-%d", l+1)))
		return err == nil
	})
	for i := 260; i < 300; i++ {
		d := fmt.Sprintf("v%03d-%s", i, strings.Repeat("x", 100))
		want = append(want, d)
		c.nodes[l].Propose([][]byte{[]byte(d)})
		waitFor(t, "commit", func() bool { return len(c.recs[l].data()) == i+1 })
		if i%10 == 9 {
			for j, nd := range c.nodes {
				if j != lag {
					nd.Snapshotted(c.recs[j].checkpoint())
				}
			}
		}
	}
	if first, _ := c.nodes[l].ms.FirstIndex(); first > 262 {
		t.Errorf("the leader compacted its log to %d, past the snapshot it sent the lagging follower", first)
	}
	waitFor(t, "the lagging follower to catch up", func() bool { return equal(c.recs[lag].data(), want) })
	c.recs[lag].mu.Lock()
	restores := c.recs[lag].restores
	c.recs[lag].mu.Unlock()
	if restores != 1 {
		t.Errorf("the lagging follower installed %d snapshots, want 1", restores)
	}
	// The snapshot connection's end is not the leader's: the follower
	// keeps its leader (it used to campaign, dropping its clients).
	time.Sleep(100 * time.Millisecond)
	c.recs[lag].mu.Lock()
	lost := c.recs[lag].lostLeader
	c.recs[lag].mu.Unlock()
	if lost != 0 {
		t.Errorf("the lagging follower lost its leader %d times while catching up", lost)
	}
	propose(300, 310)

	// Everyone restarts: each recovers from its own durable state and
	// what its (purged) log holds after it.
	for i := range c.nodes {
		c.stop(i)
	}
	for i := range c.nodes {
		c.start(i)
	}
	l = c.leader()
	propose(310, 315)
	for i := range c.nodes {
		if st := c.nodes[i].Status(); st.SnapshotIndex < 2 {
			t.Errorf("node %d restarted with its log starting at %d", i+1, st.SnapshotIndex)
		}
	}
}

func segments(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "log.*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}
