package zkclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/paddockdb/paddock/zk"
)

// readBufSize is the size of a connection's read buffer; replies that fit
// are decoded in place.
const readBufSize = 64 << 10

// errProtocol wraps every reply the client cannot make sense of; the
// connection is dropped.
var errProtocol = errors.New("zkclient: protocol error")

// conn is one TCP connection to a server.
type conn struct {
	nc      net.Conn
	br      *bufio.Reader
	timeout time.Duration // negotiated session timeout
	maxBuf  int
	big     []byte // frames longer than the read buffer
	discard int    // bytes of the last frame still in br

	once sync.Once
	dead chan struct{} // closed by kill
}

func newConn(nc net.Conn, maxBuf int) *conn {
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, readBufSize), maxBuf: maxBuf, dead: make(chan struct{})}
}

// kill closes the connection; the first call wins.
func (cn *conn) kill(error) {
	cn.once.Do(func() {
		close(cn.dead)
		cn.nc.Close()
	})
}

// readFrame returns the payload of the next frame. It stays valid until
// the next readFrame. Before any read that may block, the read deadline is
// set to timeout from now: a server silent that long is taken as gone.
func (cn *conn) readFrame(timeout time.Duration) ([]byte, error) {
	if cn.discard > 0 {
		cn.br.Discard(cn.discard)
		cn.discard = 0
	}
	if cn.br.Buffered() < 4 {
		cn.nc.SetReadDeadline(time.Now().Add(timeout))
	}
	hdr, err := cn.br.Peek(4)
	if err != nil {
		return nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr)))
	if n < 0 || n > cn.maxBuf {
		return nil, fmt.Errorf("%w: packet length %d out of range", errProtocol, n)
	}
	cn.br.Discard(4)
	if n <= cn.br.Size() {
		if cn.br.Buffered() < n {
			cn.nc.SetReadDeadline(time.Now().Add(timeout))
		}
		b, err := cn.br.Peek(n)
		if err != nil {
			return nil, err
		}
		cn.discard = n
		return b, nil
	}
	if cap(cn.big) < n {
		cn.big = make([]byte, n)
	}
	cn.nc.SetReadDeadline(time.Now().Add(timeout))
	b := cn.big[:n]
	if _, err := io.ReadFull(cn.br, b); err != nil {
		return nil, err
	}
	return b, nil
}

// connect opens a connection to addr and establishes or re-attaches the
// session: the connect request, then the saved auths and the watches, as
// ClientCnxn.primeConnection does. It waits for the replies of those (the
// Java client does not), so the serving connection starts clean.
func (c *Client) connect(addr string, timeout time.Duration) (_ *conn, err error) {
	if timeout <= 0 {
		return nil, context.DeadlineExceeded
	}
	c.mu.Lock()
	req := zk.ConnectRequest{
		LastZxidSeen: c.lastZxid,
		TimeOut:      int32(c.cfg.SessionTimeout / time.Millisecond),
		SessionID:    c.sessionID,
		Passwd:       c.passwd,
		ReadOnly:     c.cfg.CanBeReadOnly,
		HasReadOnly:  true,
	}
	c.mu.Unlock()
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(c.ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(c.ctx, func() { nc.Close() })
	defer stop()
	cn := newConn(nc, c.cfg.MaxBuffer)
	ok := false
	defer func() {
		if !ok {
			cn.kill(nil)
		}
	}()
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := nc.Write(zk.AppendFrame(nil, &req)); err != nil {
		return nil, err
	}
	b, err := cn.readFrame(timeout)
	if err != nil {
		return nil, fmt.Errorf("reading connect response: %w", err)
	}
	var resp zk.ConnectResponse
	dec := zk.NewDecoder(b)
	resp.Decode(&dec)
	if err := dec.Err(); err != nil {
		return nil, fmt.Errorf("%w: connect response: %v", errProtocol, err)
	}
	if resp.TimeOut <= 0 {
		c.lg.Warn("zkclient: session expired", "server", addr, "session", req.SessionID)
		return nil, ErrSessionExpired
	}
	negotiated := time.Duration(resp.TimeOut) * time.Millisecond
	cn.timeout = negotiated
	state, ks := StateConnected, zk.StateSyncConnected
	if resp.ReadOnly {
		state, ks = StateConnectedReadOnly, zk.StateConnectedReadOnly
	}
	c.mu.Lock()
	c.sessionID = resp.SessionID
	c.passwd = bytes.Clone(resp.Passwd)
	c.timeout = negotiated
	c.state, c.server = state, addr
	rel := c.lastZxid
	auths := append([]authData(nil), c.authInfo...)
	c.mu.Unlock()
	c.lg.Info("zkclient: session established", "server", addr, "session", resp.SessionID, "timeout", negotiated, "readOnly", resp.ReadOnly)
	c.ev.push(Event{Type: zk.EventNone, State: ks})
	defer func() {
		// Connected, then lost while priming: say so, as after serving.
		if err != nil && !isTerminal(err) {
			c.mu.Lock()
			c.state = StateConnecting
			c.mu.Unlock()
			c.ev.push(Event{Type: zk.EventNone, State: zk.StateDisconnected})
		}
	}()

	// Prime the connection: auths first, then the watches.
	var out []byte
	for _, a := range auths {
		out = zk.AppendRequest(out, zk.RequestHeader{Xid: zk.XidAuth, Type: zk.OpAuth},
			&zk.AuthPacket{Scheme: a.scheme, Auth: a.auth})
	}
	pkts := setWatchesRecords(c.watches.lists(), rel)
	for _, p := range pkts {
		out = zk.AppendRequest(out, zk.RequestHeader{Xid: zk.XidSetWatches, Type: p.op}, p.rec)
	}
	if len(out) > 0 {
		nc.SetDeadline(time.Now().Add(negotiated))
		if _, err := nc.Write(out); err != nil {
			return nil, err
		}
		for expect := len(auths) + len(pkts); expect > 0; {
			b, err := cn.readFrame(negotiated * 2 / 3)
			if err != nil {
				return nil, err
			}
			var h zk.ReplyHeader
			dec := zk.NewDecoder(b)
			h.Decode(&dec)
			if dec.Err() != nil {
				return nil, fmt.Errorf("%w: reply header: %v", errProtocol, dec.Err())
			}
			switch h.Xid {
			case zk.XidWatchEvent:
				if err := c.event(&dec); err != nil {
					return nil, err
				}
			case zk.XidPing:
			case zk.XidAuth:
				if h.Err == zk.CodeAuthFailed {
					return nil, ErrAuthFailed
				}
				expect--
			case zk.XidSetWatches:
				c.seen(h.Zxid)
				expect--
			default:
				return nil, fmt.Errorf("%w: unexpected xid %d while priming the connection", errProtocol, h.Xid)
			}
		}
	}
	nc.SetDeadline(time.Time{})
	c.mu.Lock()
	c.cur = cn
	c.mu.Unlock()
	ok = true
	return cn, nil
}

// seen records a reply header's zxid.
func (c *Client) seen(zxid zk.Zxid) {
	if zxid > 0 {
		c.mu.Lock()
		if zxid > c.lastZxid {
			c.lastZxid = zxid
		}
		c.mu.Unlock()
	}
}

// serve runs the connection's writer and reads replies until the
// connection fails; it returns why.
func (c *Client) serve(cn *conn) error {
	wdone := make(chan struct{})
	go func() {
		defer close(wdone)
		c.writeLoop(cn)
	}()
	err := c.readLoop(cn)
	cn.kill(err)
	<-wdone
	c.mu.Lock()
	c.cur = nil
	c.mu.Unlock()
	return err
}

// writeLoop writes whatever is queued, in one Write per batch, and a ping
// when nothing was written for a third of the session timeout (the Java
// client's readTimeout/2).
func (c *Client) writeLoop(cn *conn) {
	pingEvery := cn.timeout / 3
	t := time.NewTimer(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-c.wake:
		case <-t.C:
			c.mu.Lock()
			c.out = zk.AppendRequest(c.out, zk.RequestHeader{Xid: zk.XidPing, Type: zk.OpPing}, nil)
			c.mu.Unlock()
		case <-cn.dead:
			return
		}
		c.mu.Lock()
		buf := c.out
		c.out, c.spare = c.spare[:0], nil
		c.mu.Unlock()
		if len(buf) > 0 {
			cn.nc.SetWriteDeadline(time.Now().Add(cn.timeout))
			if _, err := cn.nc.Write(buf); err != nil {
				cn.kill(err)
				return
			}
			t.Reset(pingEvery)
		}
		if cap(buf) <= retainMax {
			c.mu.Lock()
			if c.spare == nil {
				c.spare = buf[:0]
			}
			c.mu.Unlock()
		}
	}
}

// readLoop reads replies until the connection fails. A server silent for
// two thirds of the session timeout is taken as gone (the Java client's
// readTimeout).
func (c *Client) readLoop(cn *conn) error {
	readTimeout := cn.timeout * 2 / 3
	for {
		b, err := cn.readFrame(readTimeout)
		if err != nil {
			select {
			case <-cn.dead:
				return fmt.Errorf("%w: connection closed", ErrConnectionLoss)
			default:
			}
			return err
		}
		if err := c.reply(b); err != nil {
			return err
		}
	}
}

// reply handles one frame from the server.
func (c *Client) reply(b []byte) error {
	var h zk.ReplyHeader
	d := zk.NewDecoder(b)
	h.Decode(&d)
	if d.Err() != nil {
		return fmt.Errorf("%w: reply header: %v", errProtocol, d.Err())
	}
	switch h.Xid {
	case zk.XidWatchEvent:
		return c.event(&d)
	case zk.XidPing, zk.XidSetWatches:
		return nil
	case zk.XidAuth:
		c.mu.Lock()
		cl := c.auths.pop()
		c.mu.Unlock()
		if h.Err == zk.CodeAuthFailed {
			// Dead before the caller hears of it, as the Java client
			// sets AUTH_FAILED before the event and the callback.
			c.die(ErrAuthFailed, true)
			if cl != nil {
				c.fail(cl, ErrAuthFailed)
			}
			return ErrAuthFailed
		}
		if cl != nil {
			c.complete(cl, int64(h.Zxid), h.Err, nil)
		}
		return nil
	}
	c.mu.Lock()
	cl := c.pending.peek()
	if cl == nil || cl.xid != h.Xid {
		want := int32(0)
		if cl != nil {
			want = cl.xid
		}
		c.mu.Unlock()
		return fmt.Errorf("%w: reply xid %d, expected %d", errProtocol, h.Xid, want)
	}
	c.pending.pop()
	if h.Zxid > c.lastZxid {
		c.lastZxid = h.Zxid
	}
	c.mu.Unlock()
	c.complete(cl, int64(h.Zxid), h.Err, b[d.Offset():])
	return nil
}

// event handles a watch notification: the registry decides whether a
// watch wants it (and drops the one-shot watches it fires).
func (c *Client) event(d *zk.Decoder) error {
	var we zk.WatcherEvent
	we.Decode(d)
	if err := d.Finish(); err != nil {
		return fmt.Errorf("%w: watch event: %v", errProtocol, err)
	}
	if c.watches.trigger(we.Type, we.Path) {
		c.ev.push(Event{Type: we.Type, State: we.State, Path: strings.Clone(we.Path)})
	}
	return nil
}

// complete finishes a call with its reply: watch bookkeeping, decoding of
// the body into resp, and the completion itself. It runs on the reader
// goroutine.
func (c *Client) complete(cl *call, zxid int64, code zk.Code, body []byte) {
	var err error
	if code != zk.CodeOK {
		err = code
	}
	if cl.reg != regNone {
		err = c.bookkeep(cl, code, err)
	}
	if !cl.state.CompareAndSwap(callPending, callClaimed) {
		putCall(cl) // Do gave up on it
		return
	}
	if cl.resp != nil && len(body) > 0 && (code == zk.CodeOK || cl.op == zk.OpMulti || cl.op == zk.OpMultiRead) {
		if !flat(cl.resp) {
			body = bytes.Clone(body)
		}
		// c.rdec, not a local: a Decoder passed to an interface method
		// would escape and cost an allocation per reply.
		d := &c.rdec
		d.Reset(body)
		cl.resp.Decode(d)
		if derr := d.Finish(); derr != nil && err == nil {
			err = fmt.Errorf("%w: %s reply: %v", errProtocol, cl.op, derr)
		}
	}
	c.finishCall(cl, zxid, err)
}

// fail completes a call without a reply.
func (c *Client) fail(cl *call, err error) {
	if cl.reg == regRemove {
		code := zk.CodeConnectionLoss
		if !errors.Is(err, ErrConnectionLoss) {
			code = zk.CodeSessionExpired // the Java client's code in the CLOSED state
		}
		err = c.bookkeep(cl, code, err)
	}
	if !cl.state.CompareAndSwap(callPending, callClaimed) {
		putCall(cl)
		return
	}
	c.finishCall(cl, 0, err)
}

func (c *Client) finishCall(cl *call, zxid int64, err error) {
	if done := cl.done; done != nil {
		putCall(cl)
		done(zxid, err)
		return
	}
	cl.zxid, cl.err, cl.evSeq = zxid, err, c.ev.mark()
	cl.ch <- struct{}{}
}

// flat reports whether a response record holds no strings or byte slices,
// so it may be decoded straight from the read buffer.
func flat(r zk.Record) bool {
	switch r.(type) {
	case *zk.SetDataResponse, *zk.ExistsResponse, *zk.SetACLResponse,
		*zk.GetAllChildrenNumberResponse, *zk.ErrorResponse:
		return true
	}
	return false
}

// bookkeep updates the watch registry for a completed call and returns
// the call's error, which removeWatches may change, as the Java client's
// WatchRegistration.register and WatchDeregistration.unregister do.
func (c *Client) bookkeep(cl *call, code zk.Code, err error) error {
	switch cl.reg {
	case regData:
		if code == zk.CodeOK {
			c.watches.add(cl.path, watchData)
		}
	case regExists:
		if code == zk.CodeOK {
			c.watches.add(cl.path, watchData)
		} else if code == zk.CodeNoNode {
			c.watches.add(cl.path, watchExist)
		}
	case regChild:
		if code == zk.CodeOK {
			c.watches.add(cl.path, watchChild)
		}
	case regAdd:
		if code == zk.CodeOK {
			c.watches.add(cl.path, cl.wkind)
		}
	case regRemove:
		if !c.watches.has(cl.path, cl.wtype) {
			return zk.CodeNoWatcher
		}
		if code != zk.CodeOK && !cl.local {
			return err
		}
		evs := c.watches.remove(cl.path, cl.wtype)
		if len(evs) == 0 {
			return zk.CodeNoWatcher
		}
		state := zk.StateSyncConnected
		if code == zk.CodeSessionExpired || code == zk.CodeConnectionLoss {
			state = zk.StateDisconnected
		}
		for _, t := range evs {
			c.ev.push(Event{Type: t, State: state, Path: cl.path})
		}
		return nil
	}
	return err
}
