package zkclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paddockdb/paddock/zk"
)

// Defaults of Config.
const (
	// DefaultSessionTimeout is the session timeout asked for when
	// Config.SessionTimeout is 0 (zkCli.sh's default).
	DefaultSessionTimeout = 30 * time.Second
)

// Config configures Dial.
type Config struct {
	// Servers lists host:port addresses. The client starts at a random
	// one and moves to the next in the list after every failure, as the
	// Java client's StaticHostProvider does (but without shuffling).
	Servers []string
	// FirstServer, when set, makes the client start at Servers[0] instead
	// of a random one (a benchmark spreading its sessions evenly).
	FirstServer bool
	// SessionTimeout is the session timeout asked of the server; the
	// server may negotiate it into its [min, max] range. Default
	// DefaultSessionTimeout.
	SessionTimeout time.Duration
	// ConnectTimeout bounds Dial. Default SessionTimeout.
	ConnectTimeout time.Duration
	// Logger receives connection chatter (connects, losses); nil
	// discards it.
	Logger *slog.Logger
	// Events, if not nil, receives every watch event and state change,
	// on one goroutine, in order. It must not call Do, a typed helper or
	// Close (see the package doc); it may call Go.
	Events func(Event)
	// CanBeReadOnly lets the server accept the session while it is in
	// read-only mode (the connect request's readOnly flag).
	CanBeReadOnly bool
	// MaxBuffer is the largest reply frame accepted, in bytes; a longer
	// one drops the connection. Default zk.DefaultMaxBuffer, the Java
	// client's jute.maxbuffer.
	MaxBuffer int
}

// State is the client's state, as the Java client's ZooKeeper.States.
type State int32

// Client states.
const (
	// StateConnecting: no connection; requests wait for the next one.
	StateConnecting State = iota
	// StateConnected: a session on a read-write server.
	StateConnected
	// StateConnectedReadOnly: a session on a read-only server.
	StateConnectedReadOnly
	// StateAuthFailed: the server rejected an auth packet (terminal).
	StateAuthFailed
	// StateExpired: the session expired (terminal).
	StateExpired
	// StateClosed: Close was called (terminal).
	StateClosed
)

// String returns the Java client's name for the state (ZooKeeper.States),
// and EXPIRED for StateExpired, which Java folds into CLOSED.
func (s State) String() string {
	switch s {
	case StateConnecting:
		return "CONNECTING"
	case StateConnected:
		return "CONNECTED"
	case StateConnectedReadOnly:
		return "CONNECTEDREADONLY"
	case StateAuthFailed:
		return "AUTH_FAILED"
	case StateExpired:
		return "EXPIRED"
	case StateClosed:
		return "CLOSED"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Alive reports whether the client can still serve requests (Java's
// States.isAlive).
func (s State) Alive() bool { return s <= StateConnectedReadOnly }

// retainMax is the largest output buffer kept for reuse after a write.
const retainMax = 256 << 10

// authData is one AddAuth, replayed on every new connection.
type authData struct {
	scheme string
	auth   []byte
}

// Client is one ZooKeeper session. Its methods are safe for concurrent use.
type Client struct {
	cfg     Config
	lg      *slog.Logger
	servers []string
	ev      *dispatcher
	watches watchSet

	ctx      context.Context // cancelled by Close and by a failed Dial
	cancel   context.CancelFunc
	loopDone chan struct{}
	wake     chan struct{} // cap 1: output is queued
	closeMu  sync.Mutex    // serializes Close
	rdec     zk.Decoder    // the reader goroutine's, for reply bodies

	mu        sync.Mutex
	state     State
	termErr   error // the terminal error, once the client is dead
	closing   bool  // Close has begun: no new requests, no reconnect
	reported  bool  // the terminal event has been delivered
	cur       *conn // the serving connection, nil while connecting
	server    string
	out       []byte // encoded frames waiting for the writer
	spare     []byte
	pending   callQueue // requests with normal xids, in xid order
	auths     callQueue // AddAuth requests awaiting their -4 replies
	xid       int32
	lastZxid  zk.Zxid
	sessionID zk.SessionID
	passwd    []byte
	timeout   time.Duration // negotiated (requested until the first connect)
	authInfo  []authData
	next      int // index in servers of the next connection attempt
}

// Dial connects to one of cfg.Servers and returns once a session is
// established. It fails when every server has been tried once without
// success, or after cfg.ConnectTimeout.
func Dial(cfg Config) (*Client, error) {
	if len(cfg.Servers) == 0 {
		return nil, errors.New("zkclient: no servers")
	}
	for _, s := range cfg.Servers {
		if strings.Contains(s, "/") {
			return nil, fmt.Errorf("zkclient: server %q: chroot paths are not supported", s)
		}
		if _, _, err := net.SplitHostPort(s); err != nil {
			return nil, fmt.Errorf("zkclient: server %q: %w", s, err)
		}
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = cfg.SessionTimeout
	}
	if cfg.MaxBuffer <= 0 {
		cfg.MaxBuffer = zk.DefaultMaxBuffer
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		cfg:      cfg,
		lg:       lg,
		servers:  append([]string(nil), cfg.Servers...),
		ev:       newDispatcher(cfg.Events),
		loopDone: make(chan struct{}),
		wake:     make(chan struct{}, 1),
		passwd:   make([]byte, zk.PasswordLen),
		timeout:  cfg.SessionTimeout,
		next:     rand.IntN(len(cfg.Servers)),
	}
	if cfg.FirstServer {
		c.next = 0
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	first := make(chan error, 1)
	deadline := time.Now().Add(cfg.ConnectTimeout)
	go c.loop(first, deadline)
	if err := <-first; err != nil {
		c.cancel()
		<-c.loopDone
		<-c.ev.done
		return nil, err
	}
	return c, nil
}

// State returns the client's state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// SessionID returns the session's id (0 before the first connect).
func (c *Client) SessionID() zk.SessionID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID
}

// SessionTimeout returns the session timeout the server negotiated.
func (c *Client) SessionTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timeout
}

// Server returns the address of the server the client is connected to, or
// "" while it is not connected.
func (c *Client) Server() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != StateConnected && c.state != StateConnectedReadOnly {
		return ""
	}
	return c.server
}

// LastZxid returns the highest zxid seen in a reply header.
func (c *Client) LastZxid() zk.Zxid {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastZxid
}

// Err returns the terminal error (ErrClosed, ErrSessionExpired,
// ErrAuthFailed) once the client is dead, else nil.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.termErr
}

// DrainEvents returns once every event received so far has been handed to
// Config.Events and returned. Like Do, it must not be called from Events.
func (c *Client) DrainEvents() { c.ev.wait(c.ev.mark()) }

// Go sends a request asynchronously. req is encoded before Go returns (the
// caller may reuse it); resp, if not nil, receives the reply body and must
// stay untouched until done is called. done is called exactly once, with
// the reply header's zxid and nil or the error: a zk.Code from the server,
// ErrConnectionLoss, or the client's terminal error. done runs on the
// connection's reader goroutine (or, for a client already dead, on the
// caller's before Go returns): it must not block.
//
// Watches asked for by the request (GetDataRequest.Watch, ...) and by
// addWatch are registered when the reply arrives, and removeWatches
// requests remove them, as the typed helpers do.
//
// NB: ZooKeeper answers a multi that failed with error 0 in the reply
// header and error results in the body: done gets nil and the failure is
// in resp (Multi turns it into an error). A reply with a non-zero error
// and a body (a multi) has the body decoded too.
func (c *Client) Go(op zk.OpCode, req, resp zk.Record, done func(zxid int64, err error)) {
	cl := getCall()
	cl.op, cl.resp, cl.done = op, resp, done
	cl.classify(req)
	c.submit(cl, req, 0)
}

// Do sends a request and waits for its reply, or for ctx. See Go for req,
// resp and the errors. When ctx ends first Do returns ctx.Err(); the
// request may still be applied, and resp is not written to.
func (c *Client) Do(ctx context.Context, op zk.OpCode, req, resp zk.Record) (int64, error) {
	cl := getCall()
	cl.op, cl.resp = op, resp
	cl.classify(req)
	return c.wait(ctx, cl, req, 0)
}

// wait submits a synchronous call and waits for it.
func (c *Client) wait(ctx context.Context, cl *call, req zk.Record, xid int32) (int64, error) {
	if err := ctx.Err(); err != nil {
		putCall(cl)
		return 0, err
	}
	if cl.ch == nil {
		cl.ch = make(chan struct{}, 1)
	}
	c.submit(cl, req, xid)
	select {
	case <-cl.ch:
	case <-ctx.Done():
		if cl.state.CompareAndSwap(callPending, callAbandoned) {
			return 0, ctx.Err()
		}
		<-cl.ch
	}
	zxid, err, seq := cl.zxid, cl.err, cl.evSeq
	putCall(cl)
	c.ev.wait(seq)
	return zxid, err
}

// submit queues a call: it assigns the xid (or uses xid when not 0),
// encodes the frame into the output buffer and wakes the writer. A dead or
// closing client completes the call at once.
func (c *Client) submit(cl *call, req zk.Record, xid int32) {
	c.mu.Lock()
	if c.termErr != nil || c.closing {
		err := c.termErr
		if err == nil {
			err = ErrClosed
		}
		c.mu.Unlock()
		c.fail(cl, err)
		return
	}
	c.submitLocked(cl, req, xid)
	c.mu.Unlock()
	c.signal()
}

// submitLocked is submit's body. REQUIRES: c.mu held.
func (c *Client) submitLocked(cl *call, req zk.Record, xid int32) {
	q := &c.pending
	if xid == 0 {
		c.xid++
		if c.xid <= 0 {
			c.xid = 1
		}
		xid = c.xid
	} else if xid == zk.XidAuth {
		q = &c.auths
	}
	cl.xid = xid
	c.out = zk.AppendRequest(c.out, zk.RequestHeader{Xid: xid, Type: cl.op}, req)
	q.push(cl)
}

func (c *Client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Close closes the session (a closeSession request, if connected), stops
// every goroutine of the client and returns once the final Closed event
// has been delivered. Requests still pending fail with ErrClosed. Close is
// idempotent; on a client that already died it only waits.
func (c *Client) Close() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	c.mu.Lock()
	var cl *call
	if !c.closing && c.termErr == nil {
		c.closing = true
		if c.cur != nil {
			cl = getCall()
			cl.op = zk.OpCloseSession
			cl.ch = make(chan struct{}, 1)
			c.submitLocked(cl, nil, 0)
		}
	}
	timeout := c.timeout
	c.mu.Unlock()
	if cl != nil {
		c.signal()
		ctx, cancel := context.WithTimeout(context.Background(), min(timeout, 2*time.Second))
		select {
		case <-cl.ch:
			putCall(cl)
		case <-ctx.Done():
			if !cl.state.CompareAndSwap(callPending, callAbandoned) {
				<-cl.ch
				putCall(cl)
			}
		}
		cancel()
	}
	c.cancel()
	c.mu.Lock()
	cur := c.cur
	c.mu.Unlock()
	if cur != nil {
		cur.kill(ErrClosed)
	}
	<-c.loopDone
	<-c.ev.done
	return nil
}

// loop owns the connection: it connects, serves until the connection
// fails, and reconnects to the next server with the same session until the
// session expires, an auth fails or Close is called. first receives Dial's
// outcome.
func (c *Client) loop(first chan<- error, deadline time.Time) {
	defer close(c.loopDone)
	failed := 0 // consecutive failed attempts
	for {
		if c.stopped() {
			c.finish(ErrClosed, first == nil)
			if first != nil {
				first <- ErrClosed
			}
			return
		}
		c.mu.Lock()
		addr := c.servers[c.next]
		c.mu.Unlock()
		timeout := c.attemptTimeout()
		if first != nil {
			timeout = min(timeout, time.Until(deadline))
		}
		cn, err := c.connect(addr, timeout)
		if err != nil {
			if isTerminal(err) {
				c.finish(err, first == nil)
				if first != nil {
					first <- err
				}
				return
			}
			c.lg.Info("zkclient: connect failed", "server", addr, "err", err)
			c.failQueued(ErrConnectionLoss)
			c.advance()
			failed++
			if first != nil {
				if failed >= len(c.servers) || !time.Now().Before(deadline) {
					c.finish(ErrClosed, false)
					first <- fmt.Errorf("zkclient: could not connect to %s: %w", strings.Join(c.servers, ","), err)
					return
				}
				continue
			}
			if failed%len(c.servers) == 0 {
				// A full round failed: wait up to a second, as the Java
				// client's StaticHostProvider spins.
				select {
				case <-time.After(time.Duration(rand.Int64N(int64(time.Second)))):
				case <-c.ctx.Done():
				}
			}
			continue
		}
		failed = 0
		if first != nil {
			first <- nil
			first = nil
		}
		err = c.serve(cn)
		if isTerminal(err) {
			c.finish(err, true)
			return
		}
		if c.stopped() {
			c.finish(ErrClosed, true)
			return
		}
		c.lg.Info("zkclient: connection lost", "server", addr, "err", err)
		c.mu.Lock()
		c.state = StateConnecting
		c.mu.Unlock()
		c.ev.push(Event{Type: zk.EventNone, State: zk.StateDisconnected})
		c.failQueued(ErrConnectionLoss)
		c.advance()
	}
}

// stopped reports whether Close has begun.
func (c *Client) stopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing || c.ctx.Err() != nil
}

func (c *Client) advance() {
	c.mu.Lock()
	c.next = (c.next + 1) % len(c.servers)
	c.mu.Unlock()
}

// attemptTimeout is the time one connection attempt may take: the session
// timeout shared among the servers, as the Java client's connectTimeout.
func (c *Client) attemptTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(c.timeout/time.Duration(len(c.servers)), 100*time.Millisecond)
}

func isTerminal(err error) bool {
	return err != nil && (errors.Is(err, ErrSessionExpired) || errors.Is(err, ErrAuthFailed))
}

// die makes the client dead with err (unless it already is) and delivers
// the terminal event once, when report is set.
func (c *Client) die(err error, report bool) {
	c.mu.Lock()
	if c.termErr == nil {
		c.termErr = err
	}
	err = c.termErr
	var ks zk.KeeperState
	switch {
	case errors.Is(err, ErrSessionExpired):
		c.state, ks = StateExpired, zk.StateExpired
	case errors.Is(err, ErrAuthFailed):
		c.state, ks = StateAuthFailed, zk.StateAuthFailed
	default:
		c.state, ks = StateClosed, zk.StateClosed
	}
	report = report && !c.reported
	if report {
		c.reported = true
	}
	c.mu.Unlock()
	if report {
		c.ev.push(Event{Type: zk.EventNone, State: ks})
	}
}

// finish makes the client dead with err, fails every queued call with the
// terminal error, delivers the terminal event when report is set, and
// stops the event goroutine.
func (c *Client) finish(err error, report bool) {
	c.die(err, report)
	c.mu.Lock()
	err = c.termErr
	c.cur = nil
	c.mu.Unlock()
	c.failQueued(err)
	c.ev.stop()
	c.cancel()
}

// failQueued completes every queued call with err and drops the output not
// yet written.
func (c *Client) failQueued(err error) {
	c.mu.Lock()
	calls := c.pending.drain(nil)
	calls = c.auths.drain(calls)
	c.out = c.out[:0]
	c.mu.Unlock()
	for _, cl := range calls {
		c.fail(cl, err)
	}
}
