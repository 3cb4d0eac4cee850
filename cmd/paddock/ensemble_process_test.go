package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// TestEnsembleProcesses runs a three-server ensemble of the real binary,
// each process with its own zoo.cfg, myid, dataDir and dataLogDir, kills
// the leader with SIGKILL and checks failover from a client's point of
// view: a new leader among the survivors, the session (and its ephemeral)
// kept on another server by the same *zk.Conn, every acknowledged write
// still there; then restarts the killed server on its data and checks
// that it catches up.
func TestEnsembleProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "paddock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const n = 3
	ens := &procEnsemble{t: t, bin: bin, dir: t.TempDir()}
	var servers strings.Builder
	for i := range n {
		cp := freePort(t)
		ens.addrs = append(ens.addrs, net.JoinHostPort("127.0.0.1", strconv.Itoa(cp)))
		ens.clientPorts = append(ens.clientPorts, cp)
		fmt.Fprintf(&servers, "server.%d=127.0.0.1:%d:%d;127.0.0.1:%d\n", i+1, freePort(t), freePort(t), cp)
	}
	for i := range n {
		sdir := filepath.Join(ens.dir, fmt.Sprintf("s%d", i+1))
		data, log := filepath.Join(sdir, "data"), filepath.Join(sdir, "log")
		for _, d := range []string{data, log} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(data, "myid"), []byte(fmt.Sprintf("%d\n", i+1)), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(sdir, "zoo.cfg")
		text := fmt.Sprintf("tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir=%s\ndataLogDir=%s\n"+
			"clientPort=%d\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nadmin.enableServer=false\n%s",
			data, log, ens.clientPorts[i], servers.String())
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		ens.cfgs = append(ens.cfgs, cfg)
	}
	ens.procs, ens.exited = make([]*exec.Cmd, n), make([]chan struct{}, n)
	t.Cleanup(ens.cleanup)
	started := time.Now()
	for i := range n {
		ens.start(i)
	}
	all := []int{0, 1, 2}
	l := ens.leader(all, 20*time.Second)
	t.Logf("3 processes up, server %d leads, after %v", l+1, time.Since(started))

	// One client per server, and an owner whose session lives on the
	// leader first (then on the others, in order, as it fails over).
	order := []string{ens.addrs[l]}
	for i := range n {
		if i != l {
			order = append(order, ens.addrs[i])
		}
	}
	owner := procConnect(t, order, &orderedHosts{servers: order})
	if owner.Server() != ens.addrs[l] {
		t.Fatalf("owner connected to %s, want the leader %s", owner.Server(), ens.addrs[l])
	}
	sid := owner.SessionID()
	if _, err := owner.Create("/eph", []byte("mine"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	acked := map[string]string{}
	clients := make([]*zk.Conn, n)
	for i := range n {
		clients[i] = procConnect(t, []string{ens.addrs[i]}, nil)
		for j := range 5 {
			p, data := fmt.Sprintf("/p-%d-%d", i+1, j), fmt.Sprintf("server %d, #%d", i+1, j)
			if _, err := clients[i].Create(p, []byte(data), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatalf("create %s through server %d: %v", p, i+1, err)
			}
			acked[p] = data
		}
	}
	if _, err := owner.Create("/owner-before", []byte("ob"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	acked["/owner-before"] = "ob"

	// kill -9 the leader.
	killed := time.Now()
	ens.kill(l)
	var live []int
	for i := range n {
		if i != l {
			live = append(live, i)
		}
	}
	l2 := ens.leader(live, 15*time.Second)
	t.Logf("killed leader %d; server %d leads after %v", l+1, l2+1, time.Since(killed))

	// The same *zk.Conn goes on, on another server, with the same session:
	// the ephemeral is still there.
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _, err := owner.Get("/eph")
		if err == nil && string(data) == "mine" && owner.SessionID() == sid && owner.Server() != ens.addrs[l] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("session not kept: get /eph = %q, %v; session %#x (was %#x) on %s", data, err, owner.SessionID(), sid, owner.Server())
		}
		time.Sleep(20 * time.Millisecond)
	}
	procCreateRetry(t, owner, "/owner-after", "oa", 10*time.Second)
	acked["/owner-after"] = "oa"
	if owner.SessionID() != sid {
		t.Fatalf("session changed: %#x, was %#x", owner.SessionID(), sid)
	}
	t.Logf("owner's session %#x re-attached to %s; its write acknowledged %v after the kill", sid, owner.Server(), time.Since(killed))
	// A write while the killed server is down, through each survivor.
	for _, i := range live {
		p, data := fmt.Sprintf("/while-down-%d", i+1), fmt.Sprintf("wd%d", i+1)
		procCreateRetry(t, clients[i], p, data, 10*time.Second)
		acked[p] = data
	}
	for _, i := range live {
		ens.checkAcked(i, acked, "/eph")
	}

	// The killed server comes back on its data and catches up.
	restarted := time.Now()
	ens.start(l)
	if l3 := ens.leader(all, 20*time.Second); l3 == l {
		t.Logf("note: the restarted server %d leads again", l+1)
	}
	ens.checkAcked(l, acked, "/eph")
	t.Logf("server %d restarted and caught up in %v", l+1, time.Since(restarted))
	// The session is still one: closing it removes the ephemeral, as seen
	// through the restarted server.
	owner.Close()
	c := procConnect(t, []string{ens.addrs[l]}, nil)
	deadline = time.Now().Add(10 * time.Second)
	for {
		c.Sync("/")
		if ok, _, err := c.Exists("/eph"); err == nil && !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ephemeral of a closed session is still there")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// procEnsemble is an ensemble of paddock processes.
type procEnsemble struct {
	t           *testing.T
	bin, dir    string
	cfgs        []string
	addrs       []string
	clientPorts []int

	procs  []*exec.Cmd     // nil: not running
	exited []chan struct{} // of procs[i]: closed once it exited
	logs   []string        // every log, in start order
	waits  []chan struct{} // every process's exited, in start order
}

// start runs server i (`paddock server zoo.cfg`) without waiting for it.
func (e *procEnsemble) start(i int) {
	e.t.Helper()
	logPath := filepath.Join(e.dir, fmt.Sprintf("server-%d.%d.log", i+1, len(e.logs)))
	logf, err := os.Create(logPath)
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(e.bin, "server", e.cfgs[i])
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		e.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(done)
	}()
	e.procs[i], e.exited[i] = cmd, done
	e.logs = append(e.logs, logPath)
	e.waits = append(e.waits, done)
}

// kill sends SIGKILL to server i and waits for it to exit.
func (e *procEnsemble) kill(i int) {
	e.t.Helper()
	cmd := e.procs[i]
	if cmd == nil {
		return
	}
	e.procs[i] = nil
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		e.t.Fatal(err)
	}
	<-e.exited[i]
}

// cleanup kills every process, waits for it, and on failure shows the
// end of every log.
func (e *procEnsemble) cleanup() {
	for _, cmd := range e.procs {
		if cmd != nil {
			cmd.Process.Kill()
		}
	}
	for _, w := range e.waits {
		select {
		case <-w:
		case <-time.After(10 * time.Second):
			e.t.Errorf("a server process did not exit after SIGKILL")
		}
	}
	if e.t.Failed() {
		for _, p := range e.logs {
			b, _ := os.ReadFile(p)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			e.t.Logf("--- %s (end):\n%s", filepath.Base(p), b)
		}
	}
}

// mode returns the Mode line of server i's srvr ("" if none).
func (e *procEnsemble) mode(i int) string {
	c, err := net.DialTimeout("tcp", e.addrs[i], 500*time.Millisecond)
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write([]byte("srvr"))
	b, _ := io.ReadAll(c)
	for _, line := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(line, "Mode: "); ok {
			return m
		}
	}
	return ""
}

// leader waits until exactly one of the servers idx says it leads and the
// others follow, and returns its index.
func (e *procEnsemble) leader(idx []int, within time.Duration) int {
	e.t.Helper()
	deadline := time.Now().Add(within)
	var modes []string
	for time.Now().Before(deadline) {
		modes = modes[:0]
		leader, followers := -1, 0
		for _, i := range idx {
			m := e.mode(i)
			modes = append(modes, fmt.Sprintf("%d:%q", i+1, m))
			switch m {
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
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("no single leader among servers %v within %v: modes %v", idx, within, modes)
	return -1
}

// checkAcked reads every acknowledged write (and the extra paths, which
// must exist) through a client on server i alone, after a sync.
func (e *procEnsemble) checkAcked(i int, acked map[string]string, extra ...string) {
	e.t.Helper()
	c := procConnect(e.t, []string{e.addrs[i]}, nil)
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
	for p, want := range acked {
		got, _, err := c.Get(p)
		if err != nil || string(got) != want {
			e.t.Fatalf("server %d after sync: %s = %q, %v; want %q (acknowledged)", i+1, p, got, err, want)
		}
	}
	for _, p := range extra {
		if ok, _, err := c.Exists(p); err != nil || !ok {
			e.t.Fatalf("server %d after sync: %s missing (%v)", i+1, p, err)
		}
	}
}

// procConnect opens a session with one of addrs (hosts nil: go-zookeeper's
// own host provider) and waits for it.
func procConnect(t *testing.T, addrs []string, hosts zk.HostProvider) *zk.Conn {
	t.Helper()
	if hosts == nil {
		hosts = &zk.DNSHostProvider{}
	}
	c, ev, err := zk.Connect(addrs, 4*time.Second, zk.WithLogInfo(false), zk.WithLogger(nopLogger{}), zk.WithHostProvider(hosts))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(15 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatalf("no session with %v", addrs)
		}
	}
	return c
}

// procCreateRetry creates path through c, retrying while the ensemble
// fails over; a retry that finds the node means an earlier attempt
// committed, and then the data must be ours.
func procCreateRetry(t *testing.T, c *zk.Conn, path, data string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for tries := 0; ; tries++ {
		_, err := c.Create(path, []byte(data), 0, zk.WorldACL(zk.PermAll))
		if err == nil {
			return
		}
		if errors.Is(err, zk.ErrNodeExists) {
			got, _, gerr := c.Get(path)
			if tries > 0 && gerr == nil && string(got) == data {
				return
			}
			t.Fatalf("create %s (try %d): exists, with %q (%v)", path, tries+1, got, gerr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("create %s: no acknowledgement within %v: %v", path, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// orderedHosts is a zk.HostProvider that tries its servers in the order
// given here (zk.Connect shuffles the list it hands to Init).
type orderedHosts struct {
	mu      sync.Mutex
	servers []string
	next    int
	tried   int
}

func (h *orderedHosts) Init(servers []string) error {
	if len(servers) != len(h.servers) {
		return fmt.Errorf("orderedHosts: %d servers, %d given to Connect", len(h.servers), len(servers))
	}
	return nil
}

func (h *orderedHosts) Len() int { return len(h.servers) }

func (h *orderedHosts) Next() (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.servers[h.next]
	h.next = (h.next + 1) % len(h.servers)
	retryStart := h.tried >= len(h.servers)
	if retryStart {
		h.tried = 0
	}
	h.tried++
	return s, retryStart
}

func (h *orderedHosts) Connected() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tried = 0
}
