package robust

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// BlockMode is how a blocked Proxy treats traffic.
type BlockMode uint8

const (
	// Open forwards everything (the state after NewProxy and Unblock).
	Open BlockMode = iota
	// Refuse closes every proxied connection (with a TCP reset) and resets
	// every new one as soon as it is accepted: the peer learns at once that
	// the other side is unreachable, as when a host is down.
	Refuse
	// Blackhole accepts connections but forwards nothing: bytes already
	// read and connections accepted meanwhile are held until Unblock, and
	// the sender is throttled by TCP flow control, as when packets are
	// dropped by a partition. Nothing is lost if the connection survives
	// the partition; the endpoints only notice through their own timeouts.
	Blackhole
)

func (m BlockMode) String() string {
	switch m {
	case Open:
		return "open"
	case Refuse:
		return "refuse"
	case Blackhole:
		return "blackhole"
	}
	return fmt.Sprintf("BlockMode(%d)", uint8(m))
}

// ErrProxyClosed is returned by the methods of a closed Proxy.
var ErrProxyClosed = errors.New("robust: proxy closed")

const (
	proxyBufSize   = 32 << 10
	proxyQueueLen  = 64
	proxyDialLimit = 5 * time.Second
)

// Proxy is a fault-injecting TCP proxy: it listens on 127.0.0.1 and
// forwards every accepted connection to one target address, unless Block
// tells it to refuse or blackhole traffic; SetLatency delays every chunk
// of bytes in each direction. Its methods are safe for concurrent use.
type Proxy struct {
	ln     net.Listener
	target string
	lg     *slog.Logger

	mu      sync.Mutex
	mode    BlockMode
	latency time.Duration
	// gate is closed while the proxy is Open; it is replaced by a fresh
	// channel when the proxy is blocked, so waiters learn of Unblock.
	gate   chan struct{}
	conns  map[*proxyConn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewProxy starts a Proxy on 127.0.0.1:0 forwarding to target (host:port).
// A nil logger discards.
func NewProxy(target string, lg *slog.Logger) (*Proxy, error) {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("robust: proxy to %s: %w", target, err)
	}
	gate := make(chan struct{})
	close(gate)
	p := &Proxy{
		ln:     ln,
		target: target,
		lg:     lg.With("proxy", ln.Addr().String(), "target", target),
		gate:   gate,
		conns:  make(map[*proxyConn]struct{}),
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the address the proxy listens on (127.0.0.1:port).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the port the proxy listens on.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Target is the address the proxy forwards to.
func (p *Proxy) Target() string { return p.target }

// Mode reports the current BlockMode.
func (p *Proxy) Mode() BlockMode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

// Block stops forwarding in the given mode (Refuse or Blackhole); Block(Open)
// is Unblock. Switching from Blackhole to Refuse resets the held
// connections.
func (p *Proxy) Block(mode BlockMode) {
	if mode == Open {
		p.Unblock()
		return
	}
	p.mu.Lock()
	if p.closed || p.mode == mode {
		p.mu.Unlock()
		return
	}
	if p.mode == Open {
		p.gate = make(chan struct{})
	}
	p.mode = mode
	var victims []*proxyConn
	if mode == Refuse {
		for c := range p.conns {
			victims = append(victims, c)
		}
	}
	p.mu.Unlock()
	for _, c := range victims {
		c.close(true)
	}
	p.lg.Debug("proxy blocked", "mode", mode, "reset", len(victims))
}

// Unblock resumes forwarding; a blackholed proxy delivers what it held.
func (p *Proxy) Unblock() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.mode == Open {
		return
	}
	p.mode = Open
	close(p.gate)
	p.lg.Debug("proxy unblocked")
}

// SetLatency delays every chunk of bytes, in each direction, by d (0 for
// none). Bytes keep their order; throughput is not limited.
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency = d
}

// Close stops listening, resets every connection and waits for the
// proxy's goroutines. It is idempotent.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.mode != Open {
		close(p.gate) // wake the waiters; they see closed
	}
	var victims []*proxyConn
	for c := range p.conns {
		victims = append(victims, c)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	for _, c := range victims {
		c.close(true)
	}
	p.wg.Wait()
	return err
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // listener closed
		}
		pc := &proxyConn{p: p, client: c, done: make(chan struct{})}
		p.mu.Lock()
		if p.closed || p.mode == Refuse {
			p.mu.Unlock()
			resetClose(c)
			continue
		}
		p.conns[pc] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go pc.run()
	}
}

// wait blocks while the proxy is blackholed; it reports false if the
// proxy refuses, is closed, or pc has been closed.
func (p *Proxy) wait(pc *proxyConn) bool {
	for {
		p.mu.Lock()
		mode, gate, closed := p.mode, p.gate, p.closed
		p.mu.Unlock()
		switch {
		case closed || mode == Refuse:
			return false
		case mode == Open:
			return true
		}
		select {
		case <-gate:
		case <-pc.done:
			return false
		}
	}
}

func (p *Proxy) currentLatency() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latency
}

// proxyConn is one accepted connection and, once dialled, its target side.
type proxyConn struct {
	p      *Proxy
	client net.Conn
	once   sync.Once
	done   chan struct{}

	mu     sync.Mutex
	target net.Conn
}

type chunk struct {
	b  []byte
	at time.Time
}

func (c *proxyConn) run() {
	defer c.p.wg.Done()
	// NB: a blackholed proxy accepts but does not dial until Unblock, so
	// the target sees nothing of the connection meanwhile.
	if !c.p.wait(c) {
		c.close(true)
		return
	}
	t, err := net.DialTimeout("tcp", c.p.target, proxyDialLimit)
	if err != nil {
		c.p.lg.Debug("proxy dial failed", "err", err)
		c.close(true)
		return
	}
	c.mu.Lock()
	select {
	case <-c.done:
		c.mu.Unlock()
		resetClose(t)
		return
	default:
	}
	c.target = t
	c.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.pump(c.client, t) }()
	go func() { defer wg.Done(); c.pump(t, c.client) }()
	wg.Wait()
}

// pump copies src to dst through a queue, so that latency delays bytes
// without limiting throughput, and a blackhole holds them.
func (c *proxyConn) pump(src, dst net.Conn) {
	q := make(chan chunk, proxyQueueLen)
	go func() {
		defer close(q)
		buf := make([]byte, proxyBufSize)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				select {
				case q <- chunk{bytes.Clone(buf[:n]), time.Now()}:
				case <-c.done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for ch := range q {
		if !c.p.wait(c) {
			c.close(true)
			break
		}
		if d := c.p.currentLatency(); d > 0 {
			if wait := time.Until(ch.at.Add(d)); wait > 0 {
				select {
				case <-time.After(wait):
				case <-c.done:
				}
			}
		}
		if _, err := dst.Write(ch.b); err != nil {
			c.close(false)
			break
		}
	}
	// src reached EOF or failed, or the connection is being torn down:
	// close both sides (no half-close; ZooKeeper protocols do not use it).
	c.close(false)
	for range q { // let the reader goroutine finish
	}
}

// close closes both sides once; reset sends a TCP RST instead of a FIN.
func (c *proxyConn) close(reset bool) {
	c.once.Do(func() {
		close(c.done)
		c.mu.Lock()
		t := c.target
		c.mu.Unlock()
		if reset {
			resetClose(c.client)
			if t != nil {
				resetClose(t)
			}
		} else {
			c.client.Close()
			if t != nil {
				t.Close()
			}
		}
		c.p.mu.Lock()
		delete(c.p.conns, c)
		c.p.mu.Unlock()
	})
}

// resetClose closes c with SO_LINGER 0, so the peer gets a RST.
func resetClose(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

var _ io.Closer = (*Proxy)(nil)
