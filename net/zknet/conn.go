package zknet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockdb/paddock/zk"
)

// closeMode says how a closing connection treats its queued output; a
// later Close may only raise it.
type closeMode uint8

const (
	// closeFlush writes what is queued, half-closes, and waits up to
	// Config.LingerTimeout for the client's FIN before closing.
	closeFlush closeMode = iota
	// closeNoLinger writes what is queued and closes (server shutdown).
	closeNoLinger
	// closeDiscard drops what is queued and closes at once.
	closeDiscard
)

// retainMax is the largest output buffer a connection keeps for reuse
// after a write; bigger ones, grown by a burst, go back to the GC.
const retainMax = 256 << 10

// Conn is one client connection. It is safe for concurrent use.
//
// Each Conn has two goroutines: the reader, which reads frames and calls
// the Handler, and the writer, which writes the queued output. Send,
// SendReply and SendEvent append to a pending buffer under a mutex and
// wake the writer, which swaps buffers and writes everything queued in one
// Write, so many replies share one syscall.
type Conn struct {
	srv         *Server
	nc          net.Conn
	id          uint64
	remote      net.Addr
	ip          netip.Addr
	established time.Time

	// Reader goroutine only.
	br        *bufio.Reader
	lenBuf    [4]byte
	connected bool

	sessionID      atomic.Int64
	sessionTimeout atomic.Int32 // ms; 0 until the handshake
	inFourLetter   atomic.Bool  // answering a four-letter word: not reading
	closingFlag    atomic.Bool  // mirrors closing, for the reader
	recv           atomic.Int64
	sent           atomic.Int64
	outstanding    atomic.Int64

	mu      sync.Mutex
	out     []byte // queued output
	spare   []byte // the writer's last buffer, for reuse
	closing bool
	mode    closeMode
	reason  error

	wake       chan struct{} // cap 1: output queued or closing
	readerDone chan struct{}
	done       chan struct{}

	statsMu sync.Mutex
	st      respStats
}

// respStats are the per-response figures of ZooKeeper's ServerCnxn
// (updateStatsForResponse), kept for cons.
type respStats struct {
	lastOp                              string
	lastCxid                            int64
	lastZxid                            zk.Zxid
	lastResponse                        time.Time
	lastLatency, minLatency, maxLatency time.Duration
	totalLatency                        time.Duration
	count                               int64
}

func (st *respStats) reset() {
	*st = respStats{lastOp: "NA", lastCxid: -1, lastZxid: -1, minLatency: math.MaxInt64}
}

func newConn(s *Server, nc net.Conn, ip netip.Addr) *Conn {
	c := &Conn{
		srv:         s,
		nc:          nc,
		id:          s.nextID.Add(1),
		remote:      nc.RemoteAddr(),
		ip:          ip,
		established: time.Now(),
		wake:        make(chan struct{}, 1),
		readerDone:  make(chan struct{}),
		done:        make(chan struct{}),
	}
	c.br = bufio.NewReaderSize(&connReader{c: c}, readBufferSize)
	c.st.reset()
	return c
}

// ID returns the connection's number, unique within its Server.
func (c *Conn) ID() uint64 { return c.id }

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// Established returns when the connection was accepted (ZooKeeper's est).
func (c *Conn) Established() time.Time { return c.established }

// SetSessionID records the session the connection serves. The server sets
// it from the ConnectResponse of a successful handshake.
func (c *Conn) SetSessionID(id zk.SessionID) { c.sessionID.Store(int64(id)) }

// SessionID returns the session the connection serves, 0 if none.
func (c *Conn) SessionID() zk.SessionID { return zk.SessionID(c.sessionID.Load()) }

// SetSessionTimeout sets the negotiated session timeout in milliseconds.
// As in ZooKeeper's NIO connection expiry, a connection on which nothing
// arrives for that long is closed with ErrExpired. The server sets it from
// the ConnectResponse of a successful handshake.
func (c *Conn) SetSessionTimeout(ms int32) { c.sessionTimeout.Store(ms) }

// SessionTimeout returns the session timeout in milliseconds, 0 before the
// handshake.
func (c *Conn) SessionTimeout() int32 { return c.sessionTimeout.Load() }

// Done returns a channel closed after Handler.Closed has returned.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Send queues one already-length-framed packet. It never blocks on the
// network; after Close it drops the packet. frame is copied.
func (c *Conn) Send(frame []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	wasEmpty := len(c.out) == 0
	c.out = append(c.out, frame...)
	over := len(c.out) > c.srv.cfg.MaxPendingOutput
	c.mu.Unlock()
	c.queued(wasEmpty, over)
}

// SendReply queues a reply: length prefix, ReplyHeader, then body (none if
// body is nil), encoded straight into the pending buffer, so in steady state
// it allocates nothing. A reply to a request with xid > 0 lowers the
// outstanding-request count, as in ZooKeeper's sendResponse.
//
// NB: body.Append runs under the connection's lock; it must not call back
// into c.
func (c *Conn) SendReply(h zk.ReplyHeader, body zk.Record) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	wasEmpty := len(c.out) == 0
	start := len(c.out)
	b := appendReplyHeader(append(c.out, 0, 0, 0, 0), h)
	if body != nil {
		b = body.Append(b)
	}
	size := len(b) - start - 4
	binary.BigEndian.PutUint32(b[start:], uint32(size))
	c.out = b
	over := len(b) > c.srv.cfg.MaxPendingOutput
	c.mu.Unlock()
	if h.Xid > 0 {
		c.outstanding.Add(-1)
	}
	c.srv.recordResponseSize(int64(size))
	c.queued(wasEmpty, over)
}

// SendReplyBytes is SendReply with a body already encoded (for example a
// cached response).
func (c *Conn) SendReplyBytes(h zk.ReplyHeader, body []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	wasEmpty := len(c.out) == 0
	b := zk.AppendInt32(c.out, int32(replyHeaderLen+len(body)))
	b = appendReplyHeader(b, h)
	c.out = append(b, body...)
	over := len(c.out) > c.srv.cfg.MaxPendingOutput
	c.mu.Unlock()
	if h.Xid > 0 {
		c.outstanding.Add(-1)
	}
	c.srv.recordResponseSize(int64(replyHeaderLen + len(body)))
	c.queued(wasEmpty, over)
}

// SendEvent queues a watch notification: a ReplyHeader with xid -1, zxid -1
// and err 0, then the event, as ZooKeeper's NIOServerCnxn.process sends it.
func (c *Conn) SendEvent(ev zk.WatcherEvent) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	wasEmpty := len(c.out) == 0
	start := len(c.out)
	b := appendReplyHeader(append(c.out, 0, 0, 0, 0), zk.ReplyHeader{Xid: -1, Zxid: -1})
	b = zk.AppendInt32(b, int32(ev.Type))
	b = zk.AppendInt32(b, int32(ev.State))
	b = zk.AppendString(b, ev.Path)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	c.out = b
	over := len(b) > c.srv.cfg.MaxPendingOutput
	c.mu.Unlock()
	c.queued(wasEmpty, over)
}

// replyHeaderLen is the encoded size of a ReplyHeader.
const replyHeaderLen = 4 + 8 + 4

func appendReplyHeader(b []byte, h zk.ReplyHeader) []byte {
	b = zk.AppendInt32(b, h.Xid)
	b = zk.AppendInt64(b, int64(h.Zxid))
	return zk.AppendInt32(b, int32(h.Err))
}

// sendRaw queues unframed bytes (four-letter-word output): Send does not
// care about framing.
func (c *Conn) sendRaw(s string) { c.Send([]byte(s)) }

// queued finishes a send: counts the packet and wakes the writer.
//
// NB: only a send that finds the buffer empty signals. The writer empties
// the buffer only by swapping it out after taking a signal, so whenever the
// buffer is non-empty a signal is pending or the writer will look again.
func (c *Conn) queued(wasEmpty, over bool) {
	if over {
		c.srv.lg.Warn("Closing connection: client does not read its output",
			"remote", c.remote.String(), "session", c.SessionID().String(),
			"limit", c.srv.cfg.MaxPendingOutput)
		c.shutdown(fmt.Errorf("%w (%d bytes) for %s", ErrOutputOverflow, c.srv.cfg.MaxPendingOutput, c.remote), closeDiscard)
		return
	}
	c.sent.Add(1)
	c.srv.sent.Add(1)
	if wasEmpty {
		c.signal()
	}
}

func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Close flushes what is queued (within Config.FlushTimeout), then closes
// the connection; Handler.Closed gets reason (ErrClosed if nil). Only the
// first reason counts; Close is idempotent and never blocks.
func (c *Conn) Close(reason error) { c.shutdown(reason, closeFlush) }

// shutdown starts closing c, or raises the mode of a close under way.
func (c *Conn) shutdown(reason error, mode closeMode) {
	if reason == nil {
		reason = ErrClosed
	}
	c.mu.Lock()
	if c.closing && mode <= c.mode {
		c.mu.Unlock()
		return
	}
	first := !c.closing
	if first {
		c.closing = true
		c.reason = reason
	}
	c.mode = mode
	if mode == closeDiscard {
		c.out, c.spare = nil, nil
	}
	c.mu.Unlock()
	c.closingFlag.Store(true)
	if first {
		// NB: as in ZooKeeper's close(), the connection stops counting
		// against MaxClientCnxns as soon as it starts closing, so a client
		// reconnecting at once is not refused while this one lingers.
		c.srv.releaseIP(c)
	}
	switch {
	case mode == closeDiscard:
		_ = c.nc.SetWriteDeadline(time.Now())
	case first:
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.FlushTimeout))
	}
	c.signal()
}

// writeLoop is the writer goroutine.
func (c *Conn) writeLoop() {
	defer c.srv.wg.Done()
	var werr error
	for range c.wake {
		c.mu.Lock()
		buf := c.out
		c.out, c.spare = c.spare[:0], nil
		c.mu.Unlock()
		if len(buf) > 0 {
			if _, werr = c.nc.Write(buf); werr != nil {
				break
			}
		}
		c.mu.Lock()
		if cap(buf) <= retainMax && c.mode != closeDiscard {
			c.spare = buf[:0]
		}
		done := c.closing && len(c.out) == 0
		c.mu.Unlock()
		if done {
			break
		}
	}
	c.teardown(werr)
}

// teardown closes the socket once output is written (or failed), waits for
// the reader, unregisters c and tells the Handler.
func (c *Conn) teardown(werr error) {
	if werr != nil {
		c.mu.Lock()
		wasClosing := c.closing
		c.mu.Unlock()
		if wasClosing {
			c.srv.lg.Debug("Output not flushed before close", "remote", c.remote.String(), "err", werr)
		} else {
			c.srv.lg.Warn("Close of session", "session", c.SessionID().String(), "remote", c.remote.String(), "err", werr)
		}
		c.shutdown(fmt.Errorf("%w to %s: %w", ErrWrite, c.remote, werr), closeDiscard)
	}
	c.mu.Lock()
	mode, reason := c.mode, c.reason
	c.out, c.spare = nil, nil
	c.mu.Unlock()

	if werr == nil && mode != closeDiscard {
		// Half-close first: the FIN follows our output, and waiting for
		// the client's own FIN keeps unread input (say the "\n" of
		// `echo ruok | nc`) from making the kernel reset the connection
		// before the client read its answer.
		if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		if linger := c.srv.cfg.LingerTimeout; mode == closeFlush && linger > 0 {
			_ = c.nc.SetReadDeadline(time.Now().Add(linger))
			t := time.NewTimer(linger)
			select {
			case <-c.readerDone:
			case <-t.C:
			}
			t.Stop()
		}
	}
	_ = c.nc.Close()
	<-c.readerDone
	c.srv.remove(c)
	if sid := c.SessionID(); sid != 0 {
		c.srv.lg.Debug("Closed socket connection for client", "remote", c.remote.String(), "session", sid.String(), "reason", reason)
	} else {
		c.srv.lg.Debug("Closed socket connection for client (no session established for client)", "remote", c.remote.String(), "reason", reason)
	}
	c.srv.h.Closed(c, reason)
	close(c.done)
}

// connReader feeds the bufio.Reader. Before each read it pushes the read
// deadline to the idle limit (the session timeout, or the sessionless
// timeout before the handshake), which is how ZooKeeper's
// cnxnExpiryQueue.touchCnxn behaves.
type connReader struct{ c *Conn }

func (r *connReader) Read(p []byte) (int, error) {
	c := r.c
	if !c.closingFlag.Load() {
		idle := c.srv.cfg.SessionlessTimeout
		if ms := c.sessionTimeout.Load(); ms > 0 {
			idle = time.Duration(ms) * time.Millisecond
		}
		_ = c.nc.SetReadDeadline(time.Now().Add(idle))
	}
	return c.nc.Read(p)
}

// readLoop is the reader goroutine.
func (c *Conn) readLoop() {
	defer c.srv.wg.Done()
	defer close(c.readerDone)
	if c.readFrames() {
		// Closing with the read side healthy: swallow input until the
		// client's FIN or the writer's linger deadline.
		_, _ = io.Copy(io.Discard, c.br)
	}
}

// readFrames reads and dispatches frames until the connection closes. It
// returns whether the read side is still healthy (worth draining).
func (c *Conn) readFrames() bool {
	first := true
	for {
		if c.closingFlag.Load() {
			return true
		}
		if _, err := io.ReadFull(c.br, c.lenBuf[:]); err != nil {
			c.readFailed(err, false)
			return false
		}
		n := int32(binary.BigEndian.Uint32(c.lenBuf[:]))
		if first {
			first = false
			// NB: as in NIOServerCnxn.readLength, only the first 4 bytes
			// of a connection may be a four-letter word.
			if word, ok := lookupFourLetter(uint32(n)); ok {
				if answered, healthy := c.fourLetter(word); answered {
					return healthy
				}
			}
		}
		if n < 0 || int(n) > c.srv.cfg.MaxBuffer {
			err := fmt.Errorf("%w. A message from %s with advertised length of %d is either a malformed message or too large to process (length is greater than jute.maxbuffer=%d)",
				ErrLenError, c.remote, n, c.srv.cfg.MaxBuffer)
			c.srv.lg.Warn("Close of session", "session", c.SessionID().String(), "remote", c.remote.String(), "err", err)
			c.shutdown(err, closeFlush)
			return true
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(c.br, payload); err != nil {
			c.readFailed(err, true)
			return false
		}
		c.recv.Add(1)
		c.srv.recv.Add(1)
		c.srv.bytesIn.Add(int64(n) + 4)
		if !c.connected {
			if !c.handshake(payload) {
				return true
			}
			continue
		}
		if len(payload) < 8 {
			err := fmt.Errorf("%w: %d-byte frame from %s", ErrBadHeader, len(payload), c.remote)
			c.srv.lg.Warn("Close of session", "session", c.SessionID().String(), "remote", c.remote.String(), "err", err)
			c.shutdown(err, closeFlush)
			return true
		}
		hdr := zk.RequestHeader{
			Xid:  int32(binary.BigEndian.Uint32(payload)),
			Type: zk.OpCode(int32(binary.BigEndian.Uint32(payload[4:]))),
		}
		if hdr.Xid > 0 {
			c.outstanding.Add(1)
		}
		c.srv.h.Request(c, hdr, payload[8:len(payload):len(payload)])
	}
}

// readFailed closes c after a read error; midFrame says whether part of a
// frame had been read.
func (c *Conn) readFailed(err error, midFrame bool) {
	if c.closingFlag.Load() {
		return // our own deadline or close; the reason is already set
	}
	sess := c.SessionID().String()
	var reason error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		reason = fmt.Errorf("%w: nothing from %s (session %s) within the timeout", ErrExpired, c.remote, sess)
		c.srv.lg.Info("Closing expired connection", "remote", c.remote.String(), "session", sess)
	case err == io.EOF && !midFrame:
		reason = fmt.Errorf("%w: Unable to read additional data from client, it probably closed the socket: address = %s, session = %s",
			ErrEndOfStream, c.remote, sess)
		c.srv.lg.Info("Unable to read additional data from client, it probably closed the socket",
			"remote", c.remote.String(), "session", sess)
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		reason = fmt.Errorf("%w from %s (session %s)", ErrTruncated, c.remote, sess)
		c.srv.lg.Warn("Close of session: stream ended inside a frame", "remote", c.remote.String(), "session", sess)
	default:
		reason = fmt.Errorf("zknet: read from %s (session %s): %w", c.remote, sess, err)
		c.srv.lg.Warn("Close of session", "remote", c.remote.String(), "session", sess, "err", err)
	}
	c.shutdown(reason, closeFlush)
}

// handshake decodes the ConnectRequest in payload, asks the Handler and
// queues the answer. It returns whether the connection stays open.
func (c *Conn) handshake(payload []byte) bool {
	var req zk.ConnectRequest
	if err := decodeConnect(payload, &req); err != nil {
		err = fmt.Errorf("%w from %s: %w", ErrBadConnect, c.remote, err)
		c.srv.lg.Warn("Close of session", "session", "0x0", "remote", c.remote.String(), "err", err)
		c.shutdown(err, closeFlush)
		return false
	}
	if !req.HasReadOnly {
		c.srv.lg.Debug("Connection request from old client; will be dropped if server is in r-o mode", "remote", c.remote.String())
	}
	resp, keepOpen, err := c.srv.h.Connect(c, &req)
	if err != nil {
		c.srv.lg.Info("Refusing session request", "remote", c.remote.String(), "err", err)
		c.shutdown(err, closeFlush)
		return false
	}
	resp.HasReadOnly = req.HasReadOnly
	if keepOpen {
		// Set before the response is queued, so a Closed racing with a
		// client that hangs up at once still sees the session.
		c.SetSessionID(resp.SessionID)
		c.SetSessionTimeout(resp.TimeOut)
	}
	c.sendConnectResponse(&resp)
	if !keepOpen {
		c.srv.lg.Info("Invalid session for client, probably expired",
			"session", req.SessionID.String(), "remote", c.remote.String())
		c.shutdown(fmt.Errorf("%w: session %s from %s", ErrSessionRefused, req.SessionID, c.remote), closeFlush)
		return false
	}
	c.connected = true
	return true
}

// decodeConnect decodes a ConnectRequest as ZooKeeper 3.8 does: the five
// fields of the jute record, then the read-only byte if any byte is left.
// Bytes after it are ignored, as ZooKeeper ignores them.
func decodeConnect(payload []byte, req *zk.ConnectRequest) error {
	d := zk.NewDecoder(payload)
	req.ProtocolVersion = d.Int32()
	req.LastZxidSeen = zk.Zxid(d.Int64())
	req.TimeOut = d.Int32()
	req.SessionID = zk.SessionID(d.Int64())
	req.Passwd = d.Buffer()
	if d.Err() == nil && d.Remaining() > 0 {
		req.ReadOnly = d.Bool()
		req.HasReadOnly = true
	}
	return d.Err()
}

// appendConnectResponse encodes resp as a frame onto b.
func appendConnectResponse(b []byte, resp *zk.ConnectResponse) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	b = zk.AppendInt32(b, resp.ProtocolVersion)
	b = zk.AppendInt32(b, resp.TimeOut)
	b = zk.AppendInt64(b, int64(resp.SessionID))
	b = zk.AppendBuffer(b, resp.Passwd)
	if resp.HasReadOnly {
		b = zk.AppendBool(b, resp.ReadOnly)
	}
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b
}

func (c *Conn) sendConnectResponse(resp *zk.ConnectResponse) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	wasEmpty := len(c.out) == 0
	c.out = appendConnectResponse(c.out, resp)
	over := len(c.out) > c.srv.cfg.MaxPendingOutput
	c.mu.Unlock()
	c.queued(wasEmpty, over)
}

// fourLetter answers the four-letter word word, which arrived as the
// first 4 bytes of the connection, as NIOServerCnxn.checkFourLetterWord
// does. answered false means ZooKeeper would take the bytes as a frame
// length after all; healthy reports whether the read side still works.
func (c *Conn) fourLetter(word string) (answered, healthy bool) {
	if !c.srv.whitelist[word] {
		c.recv.Add(1)
		c.srv.recv.Add(1)
		c.srv.lg.Debug("Command is not executed because it is not in the whitelist.", "command", word, "remote", c.remote.String())
		c.sendRaw(notWhitelisted(word))
		c.shutdown(ErrFourLetter, closeFlush)
		return true, true
	}
	if word == telnetCloseWord {
		// ZooKeeper's CommandExecutor has no command for it.
		return false, true
	}
	c.recv.Add(1)
	c.srv.recv.Add(1)
	c.inFourLetter.Store(true)
	c.srv.lg.Info("Processing command", "command", word, "remote", c.remote.String())
	var out string
	if word == "stmk" {
		var arg [8]byte
		if _, err := io.ReadFull(c.br, arg[:]); err != nil {
			c.readFailed(err, true)
			return true, false
		}
		mask := int64(binary.BigEndian.Uint64(arg[:]))
		if ts, ok := c.srv.h.(TraceMaskSetter); ok {
			ts.SetTraceMask(mask)
		}
		out = strconv.FormatInt(mask, 10)
	} else {
		var ok bool
		if out, ok = c.srv.h.FourLetter(word); !ok {
			return false, true
		}
	}
	c.sendRaw(out)
	c.shutdown(ErrFourLetter, closeFlush)
	return true, true
}

// ConnStats are a connection's figures, as ZooKeeper's cons prints them.
type ConnStats struct {
	ID              uint64
	Remote          net.Addr
	SessionID       zk.SessionID
	SessionTimeout  int32 // ms
	Established     time.Time
	Outstanding     int64 // queued: requests with xid > 0 not yet answered
	PacketsReceived int64
	PacketsSent     int64
	// InterestOps is what ZooKeeper prints in brackets: 1 (reading) for a
	// client connection, 0 for one answering a four-letter word.
	InterestOps  int
	LastOp       string // "NA" until RecordResponse
	LastCxid     int64  // -1 until RecordResponse with a cxid >= 0
	LastZxid     zk.Zxid
	LastResponse time.Time // zero until RecordResponse
	LastLatency  time.Duration
	MinLatency   time.Duration // 0 if no response yet
	AvgLatency   time.Duration
	MaxLatency   time.Duration
}

// Stats returns a snapshot of c's figures.
func (c *Conn) Stats() ConnStats {
	s := ConnStats{
		ID:              c.id,
		Remote:          c.remote,
		SessionID:       c.SessionID(),
		SessionTimeout:  c.SessionTimeout(),
		Established:     c.established,
		Outstanding:     c.outstanding.Load(),
		PacketsReceived: c.recv.Load(),
		PacketsSent:     c.sent.Load(),
		InterestOps:     1,
	}
	if c.inFourLetter.Load() {
		s.InterestOps = 0
	}
	c.statsMu.Lock()
	st := c.st
	c.statsMu.Unlock()
	s.LastOp, s.LastCxid, s.LastZxid, s.LastResponse = st.lastOp, st.lastCxid, st.lastZxid, st.lastResponse
	s.LastLatency, s.MaxLatency = st.lastLatency, st.maxLatency
	if st.count > 0 {
		s.MinLatency = st.minLatency
		s.AvgLatency = st.totalLatency / time.Duration(st.count)
	}
	return s
}

// RecordResponse updates the per-response figures after a reply, as
// ZooKeeper's ServerCnxn.updateStatsForResponse: op is the short name cons
// prints ("PING", "GETD", ...); a negative cxid (a special xid) leaves
// LastCxid alone.
func (c *Conn) RecordResponse(cxid int64, zxid zk.Zxid, op string, start, end time.Time) {
	lat := end.Sub(start)
	c.statsMu.Lock()
	st := &c.st
	if cxid >= 0 {
		st.lastCxid = cxid
	}
	st.lastZxid, st.lastOp, st.lastResponse, st.lastLatency = zxid, op, end, lat
	st.minLatency = min(st.minLatency, lat)
	st.maxLatency = max(st.maxLatency, lat)
	st.count++
	st.totalLatency += lat
	c.statsMu.Unlock()
}

// ResetStats zeroes c's counters and per-response figures (crst).
func (c *Conn) ResetStats() {
	c.recv.Store(0)
	c.sent.Store(0)
	c.statsMu.Lock()
	c.st.reset()
	c.statsMu.Unlock()
}
