package server_test

// Integration-test harness. Every TestZK* test drives a server through real
// clients: github.com/go-zookeeper/zk for everything it supports and the raw
// client in rawclient_test.go for the rest.
//
// By default each test starts its own Paddock server in-process. With
// PADDOCK_TEST_ZK_ADDR=host:port the tests run against a server started by
// hand instead, normally Apache ZooKeeper 3.8, to prove that every assertion
// encodes ZooKeeper's real behaviour. That server must be configured like
// the in-process one:
//
//	zoo.cfg:  tickTime=200            (min/max session timeout 400 ms / 4 s)
//	          extendedTypesEnabled=true
//	          4lw.commands.whitelist=*
//	          admin.enableServer=false
//	JVM:      -Dznode.container.checkIntervalMs=100   (reap containers/TTLs fast)
//	          -Dzookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=
//	          (the digest of super:test; optional, TestZKSuperDigest skips
//	          without it)
//
// The in-process server gets the same settings (see startServer).
//
// Optionally PADDOCK_TEST_ZK_NOTTL_ADDR names a second real server with
// extendedTypesEnabled=false for the TTL-disabled test.
//
// Against a shared real server, tests work under a unique root znode and
// delete it at the end; they never run in parallel.

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
	wire "github.com/paddockdb/paddock/zk"
)

// Settings shared by the in-process server and the reference ZooKeeper.
const (
	testTick              = 200 * time.Millisecond
	testMinSession        = 2 * testTick  // 400 ms
	testMaxSession        = 20 * testTick // 4 s
	testContainerCheck    = 100 * time.Millisecond
	superUser             = "super"
	superPassword         = "test"
	defaultMaxBuffer      = 0xfffff // jute.maxbuffer default
	envZKAddr             = "PADDOCK_TEST_ZK_ADDR"
	envZKNoTTLAddr        = "PADDOCK_TEST_ZK_NOTTL_ADDR"
	waitLong              = 10 * time.Second // bound for background work (reapers, expiry)
	defaultSessionTimeout = 4 * time.Second
)

// realZK reports whether the tests run against a server started by hand.
func realZK() bool { return os.Getenv(envZKAddr) != "" }

// startServer starts a Paddock server in-process on a free 127.0.0.1 port and
// returns its client address. If PADDOCK_TEST_ZK_ADDR is set, it returns that
// address instead (a real ZooKeeper started by hand), and tests that need
// server-specific settings (any opts) are skipped.
func startServer(t *testing.T, opts ...func(*server.Config)) string {
	t.Helper()
	if addr := os.Getenv(envZKAddr); addr != "" {
		if len(opts) > 0 {
			t.Skip("needs server-specific settings; skipped against " + envZKAddr)
		}
		return addr
	}
	cfg := server.DefaultConfig()
	cfg.ClientPort = 0
	cfg.ClientPortAddress = "127.0.0.1"
	dir := t.TempDir()
	cfg.DataDir = dir
	cfg.DataLogDir = dir
	cfg.TickTime = testTick
	// DefaultConfig derived the session bounds from its own tick; derive
	// them from ours (2 and 20 ticks, as ZooKeeper does).
	cfg.MinSessionTimeout = testMinSession
	cfg.MaxSessionTimeout = testMaxSession
	// Mirror the reference ZooKeeper's configuration (see the file comment).
	cfg.ContainerCheckInterval = testContainerCheck
	cfg.ExtendedTypesEnabled = true
	cfg.FourLetterWords = []string{"*"}
	cfg.SuperDigest = zkDigest(superUser, superPassword)
	cfg.AdminEnableServer = false // tests that want it turn it on, on port 0
	for _, o := range opts {
		o(&cfg)
	}
	lw := &testLogWriter{t: t}
	t.Cleanup(lw.stop) // runs last: no logging into a finished test
	lg := slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := server.New(cfg, lg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	running.Store(s.Addr().String(), s)
	t.Cleanup(func() { running.Delete(s.Addr().String()) })
	return s.Addr().String()
}

// running maps the address of each in-process server startServer started
// to the server.
var running sync.Map

// serverAt returns the in-process server at addr.
func serverAt(t *testing.T, addr string) *server.Server {
	t.Helper()
	s, ok := running.Load(addr)
	if !ok {
		t.Fatalf("no in-process server at %s", addr)
	}
	return s.(*server.Server)
}

// metricsAddr is the Prometheus metrics address of the server at addr.
func metricsAddr(t *testing.T, addr string) string {
	t.Helper()
	a := serverAt(t, addr).MetricsAddr()
	if a == nil {
		t.Fatal("the server serves no metrics")
	}
	return a.String()
}

// testLogWriter forwards server logs to t.Log until the test ends.
type testLogWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLogWriter) stop() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

// zkDigest returns ZooKeeper's digest id for user:password:
// user:base64(sha1("user:password")).
func zkDigest(user, password string) string {
	h := sha1.Sum([]byte(user + ":" + password))
	return user + ":" + base64.StdEncoding.EncodeToString(h[:])
}

// quietLogger drops go-zookeeper's chatter (set PADDOCK_TEST_ZKLOG=1 to see it).
type quietLogger struct{}

func (quietLogger) Printf(format string, a ...any) {
	if os.Getenv("PADDOCK_TEST_ZKLOG") != "" {
		fmt.Fprintf(os.Stderr, "go-zookeeper: "+format+"\n", a...)
	}
}

// client is a go-zookeeper connection with its session event channel.
type client struct {
	*zk.Conn
	Events <-chan zk.Event
}

// connect opens a go-zookeeper session (requesting timeout) and waits until
// it is established. The session is closed at test end.
func connect(t *testing.T, addr string, timeout time.Duration, opts ...func(*zk.Conn)) *client {
	t.Helper()
	all := func(c *zk.Conn) {
		for _, o := range opts {
			o(c)
		}
	}
	conn, events, err := zk.Connect([]string{addr}, timeout, zk.WithLogger(quietLogger{}), zk.WithLogInfo(false), all)
	if err != nil {
		t.Fatalf("zk.Connect(%s): %v", addr, err)
	}
	t.Cleanup(conn.Close)
	deadline := time.After(rawTimeout)
	for {
		select {
		case ev := <-events:
			if ev.Type == zk.EventSession && ev.State == zk.StateHasSession {
				return &client{Conn: conn, Events: events}
			}
		case <-deadline:
			t.Fatalf("no session with %s within %v (state %v)", addr, rawTimeout, conn.State())
		}
	}
}

// dial is connect with the default (maximum) session timeout.
func dial(t *testing.T, addr string) *client {
	t.Helper()
	return connect(t, addr, defaultSessionTimeout)
}

// waitSessionEvent waits for a session event with the given state.
func (c *client) waitSessionEvent(t *testing.T, state zk.State, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-c.Events:
			if !ok {
				t.Fatalf("event channel closed waiting for %v", state)
			}
			if ev.Type == zk.EventSession && ev.State == state {
				return
			}
		case <-deadline:
			t.Fatalf("no session event %v within %v (state %v)", state, d, c.State())
		}
	}
}

var nameSanitizer = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// testRoot creates a unique persistent root znode for the test and returns
// its path. Against a shared real server it is deleted, recursively, at the
// end of the test.
func testRoot(t *testing.T, addr string) string {
	t.Helper()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := nameSanitizer.ReplaceAllString(t.Name(), "_")
	root := "/" + name + "-" + hex.EncodeToString(rnd[:])
	c := dial(t, addr)
	if _, err := c.Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create test root %s: %v", root, err)
	}
	if realZK() {
		t.Cleanup(func() { cleanupTree(addr, root) })
	}
	return root
}

// cleanupTree deletes path and everything below it, best effort, as the
// super user when the server has one (tests set restrictive ACLs).
func cleanupTree(addr, path string) {
	conn, _, err := zk.Connect([]string{addr}, defaultSessionTimeout, zk.WithLogger(quietLogger{}), zk.WithLogInfo(false))
	if err != nil {
		return
	}
	defer conn.Close()
	_ = conn.AddAuth("digest", []byte(superUser+":"+superPassword))
	var del func(p string)
	del = func(p string) {
		children, _, err := conn.Children(p)
		if err != nil {
			return
		}
		for _, ch := range children {
			del(strings.TrimSuffix(p, "/") + "/" + ch)
		}
		_ = conn.Delete(p, -1)
	}
	del(path)
}

// waitFor polls cond every 20 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nowMs is the wall clock in ZooKeeper's ctime/mtime unit.
func nowMs() int64 { return time.Now().UnixMilli() }

// checkTime asserts before <= ms <= after (all wall-clock milliseconds).
func checkTime(t *testing.T, what string, ms, before, after int64) {
	t.Helper()
	if ms < before || ms > after {
		t.Fatalf("%s = %d, want within [%d, %d]", what, ms, before, after)
	}
}

// mustCreate creates a persistent open node with go-zookeeper.
func mustCreate(t *testing.T, c *client, path string, data []byte) {
	t.Helper()
	if _, err := c.Create(path, data, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
}

// mustStat returns the Stat of an existing node.
func mustStat(t *testing.T, c *client, path string) *zk.Stat {
	t.Helper()
	ok, st, err := c.Exists(path)
	if err != nil || !ok {
		t.Fatalf("exists %s = %v, %v; want an existing node", path, ok, err)
	}
	return st
}

// wantErr asserts err is want (nil for success).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) && err != want {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// wantCode asserts a raw reply code.
func wantCode(t *testing.T, what string, got, want wire.Code) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: code %d (%v), want %d (%v)", what, int32(got), got, int32(want), want)
	}
}

// sorted returns a sorted copy (ZooKeeper lists children in hash order).
func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// gate is a go-zookeeper Dialer whose connections the test can cut and
// whose reconnects it can hold back, to force a disconnection window.
type gate struct {
	addr  string
	mu    sync.Mutex
	open  bool
	cond  *sync.Cond
	conns []net.Conn
}

func newGate(addr string) *gate {
	g := &gate{addr: addr, open: true}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// dial is the zk.Dialer. While the gate is shut it blocks (up to 15 s).
func (g *gate) dial(network, _ string, timeout time.Duration) (net.Conn, error) {
	g.mu.Lock()
	deadline := time.Now().Add(15 * time.Second)
	for !g.open {
		if time.Now().After(deadline) {
			g.mu.Unlock()
			return nil, errors.New("gate shut")
		}
		g.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
		g.mu.Lock()
	}
	g.mu.Unlock()
	c, err := net.DialTimeout(network, g.addr, timeout)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.conns = append(g.conns, c)
	g.mu.Unlock()
	return c, nil
}

// cut shuts the gate and closes every connection made through it.
func (g *gate) cut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = false
	for _, c := range g.conns {
		c.Close()
	}
	g.conns = nil
}

// release opens the gate again.
func (g *gate) release() {
	g.mu.Lock()
	g.open = true
	g.mu.Unlock()
}

// withGate makes a go-zookeeper connection dial through g.
func withGate(g *gate) func(*zk.Conn) { return zk.WithDialer(g.dial) }
