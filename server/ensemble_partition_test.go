package server_test

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
)

// Ensembles under faults: more members than a majority lost, and a leader
// cut off from the majority by a network partition. The partition is made
// with a TCP proxy on every directed quorum link: each server dials its
// peers at the quorum address in its own config, so server i's entry for
// server j points at the proxy of link i->j, which forwards to j's real
// quorum port.

// linkProxy is a minimal fault-injecting TCP proxy for one directed
// quorum link (bench/robust has a fuller one, but the server's tests do
// not import the benchmarks). Blocked, it forwards nothing: bytes already
// read, and connections accepted meanwhile, are held until unblock, and
// TCP flow control throttles the sender, as when a partition drops
// packets. The endpoints notice only through their own timeouts.
type linkProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	blocked bool
	gate    chan struct{} // closed while open
	closed  bool
	conns   map[net.Conn]bool
	done    chan struct{} // closed by close
	wg      sync.WaitGroup
}

func newLinkProxy(t *testing.T, target string) *linkProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	close(gate)
	p := &linkProxy{ln: ln, target: target, gate: gate, conns: make(map[net.Conn]bool), done: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p
}

func (p *linkProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *linkProxy) block() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.blocked {
		p.blocked = true
		p.gate = make(chan struct{})
	}
}

func (p *linkProxy) unblock() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.blocked {
		p.blocked = false
		close(p.gate)
	}
}

// wait blocks while the proxy is blocked; false once it is closed.
func (p *linkProxy) wait() bool {
	for {
		p.mu.Lock()
		closed, blocked, gate := p.closed, p.blocked, p.gate
		p.mu.Unlock()
		if closed {
			return false
		}
		if !blocked {
			return true
		}
		select {
		case <-gate:
		case <-p.done:
			return false
		}
	}
}

func (p *linkProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *linkProxy) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

func (p *linkProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer c.Close()
			if !p.wait() { // a blocked proxy does not even dial
				return
			}
			t, err := net.DialTimeout("tcp", p.target, time.Second)
			if err != nil {
				return
			}
			if !p.track(t) {
				return
			}
			defer t.Close()
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); p.pump(c, t) }()
			go func() { defer wg.Done(); p.pump(t, c) }()
			wg.Wait()
		}()
	}
}

// pump copies src to dst, holding what it read while blocked; when either
// side ends, both close.
func (p *linkProxy) pump(src, dst net.Conn) {
	defer src.Close()
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// proxiedEnsemble is a testEnsemble whose quorum links all go through
// proxies: link[i][j] carries what server i sends to server j.
type proxiedEnsemble struct {
	*testEnsemble
	link [][]*linkProxy
}

// startProxiedEnsemble starts n participants on 127.0.0.1 with a proxy on
// every directed quorum link. Like startEnsemble, with per-server peer
// lists.
func startProxiedEnsemble(t *testing.T, n int) *proxiedEnsemble {
	link := make([][]*linkProxy, n)
	e := startEnsembleWith(t, n, 0, func(c *server.Config) {
		i := int(c.MyID - 1)
		link[i] = make([]*linkProxy, n)
		specs := slices.Clone(c.Servers)
		for j := range specs {
			if j == i {
				continue
			}
			a := specs[j].Addrs[0]
			p := newLinkProxy(t, fmt.Sprintf("127.0.0.1:%d", a.QuorumPort))
			t.Cleanup(p.close) // runs after the servers stop (LIFO)
			link[i][j] = p
			a.QuorumPort = p.port()
			specs[j].Addrs = []server.PeerAddr{a}
		}
		c.Servers = specs
	})
	return &proxiedEnsemble{testEnsemble: e, link: link}
}

// isolate blocks (cut) or unblocks (!cut) every link to and from server i.
func (pe *proxiedEnsemble) isolate(i int, cut bool) {
	for j := range pe.link {
		if j == i {
			continue
		}
		for _, p := range []*linkProxy{pe.link[i][j], pe.link[j][i]} {
			if cut {
				p.block()
			} else {
				p.unblock()
			}
		}
	}
}

// leaderAmong waits until exactly one of the servers in idx leads and the
// others follow, and returns the leader's index.
func (e *testEnsemble) leaderAmong(idx []int, within time.Duration) int {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		leader, followers := -1, 0
		for _, i := range idx {
			switch e.mode(i) {
			case "leader":
				if leader == -1 {
					leader = i
				} else {
					leader = -2
				}
			case "follower":
				followers++
			}
		}
		if leader >= 0 && followers == len(idx)-1 {
			return leader
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("no single leader among servers %v within %v", idx, within)
	return -1
}

// waitMode waits until server i's srvr Mode satisfies ok.
func (e *testEnsemble) waitMode(i int, within time.Duration, what string, ok func(string) bool) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	var m string
	for time.Now().Before(deadline) {
		if m = e.mode(i); ok(m) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("server %d: Mode %q; want %s within %v", i+1, m, what, within)
}

// createRetry creates path with data through c, retrying while the
// ensemble fails over (the server closes the connection of a write in
// flight when the leader changes). A retry that finds the node means an
// earlier attempt committed; its data must then be ours.
func createRetry(t *testing.T, c *gozk.Conn, path string, data []byte, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var err error
	for tries := 0; ; tries++ {
		_, err = c.Create(path, data, 0, gozk.WorldACL(gozk.PermAll))
		if err == nil {
			return
		}
		if errors.Is(err, gozk.ErrNodeExists) && tries > 0 {
			got, _, gerr := c.Get(path)
			if gerr == nil && string(got) == string(data) {
				return
			}
			t.Fatalf("create %s: exists after a failed attempt, with %q (%v); want %q", path, got, gerr, data)
		}
		if errors.Is(err, gozk.ErrNodeExists) {
			t.Fatalf("create %s: %v", path, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("create %s: no acknowledgement within %v: %v", path, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkAcked connects to server i alone, syncs, and checks that every
// acknowledged write (path -> data) is there, and that none of absent is.
// It returns the stats it read, by path.
func (e *testEnsemble) checkAcked(i int, acked map[string]string, absent ...string) map[string]gozk.Stat {
	e.t.Helper()
	c := ensConnect(e.t, e.addr(i))
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := c.Sync("/")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("server %d: sync: %v", i+1, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stats := make(map[string]gozk.Stat, len(acked))
	for p, want := range acked {
		got, st, err := c.Get(p)
		if err != nil || string(got) != want {
			e.t.Fatalf("server %d after sync: %s = %q, %v; want %q (acknowledged)", i+1, p, got, err, want)
		}
		stats[p] = *st
	}
	for _, p := range absent {
		if ok, _, err := c.Exists(p); err != nil || ok {
			e.t.Fatalf("server %d: %s exists=%v (%v); it was never acknowledged and must not", i+1, p, ok, err)
		}
	}
	return stats
}

func sameStats(t *testing.T, stats []map[string]gozk.Stat) {
	t.Helper()
	for i := 1; i < len(stats); i++ {
		for p, st := range stats[0] {
			if stats[i][p] != st {
				t.Fatalf("%s: stat %+v on one server, %+v on another", p, st, stats[i][p])
			}
		}
	}
}

func TestEnsembleFiveServers(t *testing.T) {
	e := startEnsemble(t, 5, 0)
	l := e.leader()
	modes := map[string]int{}
	for i := range e.servers {
		modes[e.mode(i)]++
	}
	if modes["leader"] != 1 || modes["follower"] != 4 || len(modes) != 2 {
		t.Fatalf("modes = %v, want one leader and four followers", modes)
	}
	// Writes through every server.
	acked := map[string]string{}
	for i := range e.servers {
		c := ensConnect(t, e.addr(i))
		p, data := fmt.Sprintf("/five-%d", i), fmt.Sprintf("through %d", i+1)
		if _, err := c.Create(p, []byte(data), 0, gozk.WorldACL(gozk.PermAll)); err != nil {
			t.Fatalf("create through server %d (leader %d): %v", i+1, l+1, err)
		}
		acked[p] = data
	}
	for i := range e.servers {
		e.checkAcked(i, acked)
	}

	// Two of five down, the leader among them: the other three are a
	// majority, elect a leader and go on.
	f := (l + 1) % 5
	down := time.Now()
	e.stop(l)
	e.stop(f)
	var live []int
	for i := range e.servers {
		if i != l && i != f {
			live = append(live, i)
		}
	}
	l2 := e.leaderAmong(live, 10*time.Second)
	t.Logf("servers %d (leader) and %d stopped; server %d leads after %v", l+1, f+1, l2+1, time.Since(down))
	for _, i := range live {
		c := ensConnect(t, e.addr(i))
		p, data := fmt.Sprintf("/after-%d", i), fmt.Sprintf("after, through %d", i+1)
		createRetry(t, c, p, []byte(data), 10*time.Second)
		acked[p] = data
	}
	t.Logf("writes through every survivor acknowledged %v after the stop", time.Since(down))
	var stats []map[string]gozk.Stat
	for _, i := range live {
		stats = append(stats, e.checkAcked(i, acked))
	}
	sameStats(t, stats)
}

func TestEnsembleLeaderPartitionedFromMajority(t *testing.T) {
	e := startProxiedEnsemble(t, 3)
	l := e.leader()
	var majority []int
	for i := range 3 {
		if i != l {
			majority = append(majority, i)
		}
	}
	// A client on the leader alone, one on the majority's servers.
	old := ensConnect(t, e.addr(l))
	maj := ensConnect(t, e.addr(majority[0]), e.addr(majority[1]))
	acked := map[string]string{}
	createRetry(t, old, "/before-old", []byte("b-old"), 5*time.Second)
	acked["/before-old"] = "b-old"
	createRetry(t, maj, "/before-maj", []byte("b-maj"), 5*time.Second)
	acked["/before-maj"] = "b-maj"

	cut := time.Now()
	e.isolate(l, true)
	// A write on the isolated leader, which still thinks it leads: it
	// cannot commit, so it must never be acknowledged.
	isolated := []string{"/isolated-1", "/isolated-2"}
	res1 := make(chan error, 1)
	go func() {
		_, err := old.Create(isolated[0], []byte("x"), 0, gozk.WorldACL(gozk.PermAll))
		res1 <- err
	}()

	// The majority elects a leader of its own and commits.
	l2 := e.leaderAmong(majority, 10*time.Second)
	t.Logf("partitioned leader %d; server %d leads the majority after %v", l+1, l2+1, time.Since(cut))
	for i := range 10 {
		p, data := fmt.Sprintf("/maj-%d", i), fmt.Sprintf("m%d", i)
		createRetry(t, maj, p, []byte(data), 10*time.Second)
		acked[p] = data
	}
	t.Logf("majority: 10 writes acknowledged %v after the partition", time.Since(cut))

	// CheckQuorum: the isolated leader steps down.
	e.waitMode(l, 5*time.Second, "not leader", func(m string) bool { return m != "leader" })
	t.Logf("isolated server %d stopped leading %v after the partition (srvr Mode %q)", l+1, time.Since(cut), e.mode(l))

	select {
	case err := <-res1:
		if err == nil {
			t.Errorf("BUG: create %s through the isolated leader was acknowledged", isolated[0])
		} else {
			t.Logf("create through the isolated leader: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Logf("create through the isolated leader: no answer in 5 s (timed out)")
	}
	// Another try, now that it knows it does not lead.
	res2 := make(chan error, 1)
	go func() {
		_, err := old.Create(isolated[1], []byte("y"), 0, gozk.WorldACL(gozk.PermAll))
		res2 <- err
	}()
	select {
	case err := <-res2:
		if err == nil {
			t.Errorf("BUG: create %s through the isolated former leader was acknowledged", isolated[1])
		} else {
			t.Logf("second create through the isolated server: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Logf("second create through the isolated server: no answer in 2 s (timed out)")
	}
	// The client goes away before the partition heals, so nothing it
	// issued can be legitimately retried into the healed ensemble.
	old.Close()

	healed := time.Now()
	e.isolate(l, false)
	// The old leader rejoins as a follower of the majority's leader.
	e.waitMode(l, 10*time.Second, "follower", func(m string) bool { return m == "follower" })
	if l3 := e.leader(); l3 == l {
		t.Fatalf("the formerly isolated server %d leads again", l+1)
	}
	t.Logf("server %d follows again %v after the heal", l+1, time.Since(healed))

	// It has every write the majority committed, and nothing written on
	// the isolated side exists anywhere.
	var stats []map[string]gozk.Stat
	for _, i := range []int{l, majority[0], majority[1]} {
		stats = append(stats, e.checkAcked(i, acked, isolated...))
	}
	sameStats(t, stats)
	// And it takes writes again, through the new leader.
	back := ensConnect(t, e.addr(l))
	createRetry(t, back, "/after-heal", []byte("h"), 10*time.Second)
	if _, err := maj.Sync("/"); err != nil {
		t.Fatal(err)
	}
	if data, _, err := maj.Get("/after-heal"); err != nil || string(data) != "h" {
		t.Fatalf("/after-heal through the majority: %q, %v", data, err)
	}
}
