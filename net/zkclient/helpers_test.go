package zkclient_test

// Test harness: in-process Paddock servers, clients that record their
// events, and a TCP proxy that can cut, stall and refuse connections.

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/server"
	"github.com/paddockdb/paddock/server/servertest"
	"github.com/paddockdb/paddock/zk"
)

const (
	testTick = 100 * time.Millisecond // sessions of 200 ms .. 2 s
	waitLong = 10 * time.Second       // bound for anything asynchronous
)

// startServer starts a Paddock server on dir listening on 127.0.0.1:port
// (0: any free port) and returns it; it is closed when the test ends
// unless the test closed it.
func startServer(t testing.TB, dir string, port int) *server.Server {
	t.Helper()
	cfg := servertest.Config(dir)
	cfg.ClientPort = port
	cfg.TickTime = testTick
	cfg.MinSessionTimeout = 2 * testTick
	cfg.MaxSessionTimeout = 20 * testTick
	cfg.ExtendedTypesEnabled = true
	cfg.ContainerCheckInterval = 100 * time.Millisecond
	return servertest.Start(t, cfg)
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// events records a client's events.
type events struct {
	mu  sync.Mutex
	all []zkclient.Event
	ch  chan zkclient.Event
}

func newEvents() *events { return &events{ch: make(chan zkclient.Event, 100000)} }

func (e *events) fn(ev zkclient.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
	e.ch <- ev
}

// snapshot returns the events so far.
func (e *events) snapshot() []zkclient.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]zkclient.Event(nil), e.all...)
}

// next waits for the next event.
func (e *events) next(t testing.TB) zkclient.Event {
	t.Helper()
	select {
	case ev := <-e.ch:
		return ev
	case <-time.After(waitLong):
		t.Fatalf("no event within %v", waitLong)
		return zkclient.Event{}
	}
}

// want waits for the next event and checks it.
func (e *events) want(t testing.TB, typ zk.EventType, state zk.KeeperState, path string) {
	t.Helper()
	ev := e.next(t)
	if ev != (zkclient.Event{Type: typ, State: state, Path: path}) {
		t.Fatalf("event %+v, want {Type:%d State:%d Path:%q}", ev, typ, state, path)
	}
}

// none checks that no event is waiting.
func (e *events) none(t testing.TB) {
	t.Helper()
	select {
	case ev := <-e.ch:
		t.Fatalf("unexpected event %+v", ev)
	default:
	}
}

// dial connects a client to addrs with a 2 s session and records its
// events; the first (SyncConnected) event is consumed. The client is
// closed when the test ends.
func dial(t testing.TB, addrs []string, opts ...func(*zkclient.Config)) (*zkclient.Client, *events) {
	t.Helper()
	ev := newEvents()
	cfg := zkclient.Config{Servers: addrs, SessionTimeout: 2 * time.Second, Events: ev.fn}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := zkclient.Dial(cfg)
	if err != nil {
		t.Fatalf("Dial %v: %v", addrs, err)
	}
	t.Cleanup(func() { c.Close() })
	if cfg.Events != nil {
		ev.want(t, zk.EventNone, zk.StateSyncConnected, "")
	}
	return c, ev
}

// proxy forwards TCP connections to a target and lets a test break them.
type proxy struct {
	t      testing.TB
	ln     net.Listener
	target string

	mu     sync.Mutex
	conns  []net.Conn
	refuse bool // close new connections at once
	stall  bool // stop forwarding server-to-client bytes
	stalls []chan struct{}
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, target: target}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() {
			io.Copy(s, c)
			s.Close()
			c.Close()
		}()
		go p.down(s, c)
	}
}

// down copies server-to-client bytes, holding them while stalled.
func (p *proxy) down(s, c net.Conn) {
	defer c.Close()
	defer s.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			p.mu.Lock()
			var wait chan struct{}
			if p.stall {
				wait = make(chan struct{})
				p.stalls = append(p.stalls, wait)
			}
			p.mu.Unlock()
			if wait != nil {
				<-wait
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// cut closes every forwarded connection.
func (p *proxy) cut() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	stalls := p.stalls
	p.stalls = nil
	p.stall = false
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	for _, w := range stalls {
		close(w)
	}
}

func (p *proxy) setRefuse(v bool) {
	p.mu.Lock()
	p.refuse = v
	p.mu.Unlock()
}

func (p *proxy) setStall(v bool) {
	p.mu.Lock()
	p.stall = v
	stalls := p.stalls
	if !v {
		p.stalls = nil
	}
	p.mu.Unlock()
	if !v {
		for _, w := range stalls {
			close(w)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
