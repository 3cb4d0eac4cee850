package zknet

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockdb/paddock/zk"
)

// Errors given to Handler.Closed as the reason a connection ended. They are
// wrapped with %w and context (remote address, length, session).
var (
	// ErrServerClosed: Server.Close closed the connection.
	ErrServerClosed = errors.New("zknet: server closed")
	// ErrClosed: Conn.Close was called with a nil reason.
	ErrClosed = errors.New("zknet: connection closed")
	// ErrEndOfStream: the client closed its side between two frames.
	ErrEndOfStream = errors.New("zknet: client closed the connection")
	// ErrTruncated: the stream ended inside a frame.
	ErrTruncated = errors.New("zknet: truncated frame")
	// ErrLenError: a frame length was negative or above Config.MaxBuffer.
	ErrLenError = errors.New("zknet: Len error")
	// ErrBadConnect: the first frame is not a ConnectRequest.
	ErrBadConnect = errors.New("zknet: malformed connect request")
	// ErrBadHeader: a frame after the handshake is shorter than a
	// RequestHeader.
	ErrBadHeader = errors.New("zknet: malformed request header")
	// ErrSessionRefused: Handler.Connect answered with keepOpen false.
	ErrSessionRefused = errors.New("zknet: session refused")
	// ErrFourLetter: the connection carried a four-letter word and was
	// answered (ZooKeeper's DisconnectReason "info_probe").
	ErrFourLetter = errors.New("zknet: responded to four-letter word")
	// ErrExpired: nothing arrived within the session timeout, or within
	// Config.SessionlessTimeout before the handshake ("connection_expired").
	ErrExpired = errors.New("zknet: connection expired")
	// ErrOutputOverflow: a client did not read its output and more than
	// Config.MaxPendingOutput bytes were queued for it.
	ErrOutputOverflow = errors.New("zknet: pending output over limit")
	// ErrWrite: writing to the socket failed.
	ErrWrite = errors.New("zknet: write failed")
)

// Defaults for the zero values of Config.
const (
	// DefaultSessionlessTimeout is zookeeper.nio.sessionlessCnxnTimeout.
	DefaultSessionlessTimeout = 10 * time.Second
	// DefaultFlushTimeout bounds the flush of queued output on close.
	DefaultFlushTimeout = 2 * time.Second
	// DefaultLingerTimeout bounds the wait for the client's FIN after a
	// half-close.
	DefaultLingerTimeout = 250 * time.Millisecond
	// DefaultMaxPendingOutput bounds the output queued for one connection.
	DefaultMaxPendingOutput = 64 << 20
	// readBufferSize is the size of each connection's bufio.Reader.
	readBufferSize = 64 << 10
)

// Config configures a Server. The zero value of each field means its
// default.
type Config struct {
	// Addr is the listen address "host:port"; port 0 picks a free one.
	Addr string
	// MaxClientCnxns limits open connections per client IP (maxClientCnxns);
	// 0 means unlimited. NB: ZooKeeper's zoo.cfg default is 60; the caller
	// applies it.
	MaxClientCnxns int
	// MaxCnxns limits open connections in total (zookeeper.maxCnxns); 0
	// means unlimited.
	MaxCnxns int
	// MaxBuffer is jute.maxbuffer: the largest frame length accepted. 0
	// means zk.DefaultMaxBuffer.
	MaxBuffer int
	// FourLetterWhitelist is 4lw.commands.whitelist, one entry or
	// comma-separated entries per element; "*" enables every word. "srvr"
	// is always enabled, as in ZooKeeper; nil enables only it.
	FourLetterWhitelist []string
	// ReadOnlyMode is readonlymode.enabled; it also enables "isro".
	ReadOnlyMode bool
	// SessionlessTimeout closes a connection that completes no handshake
	// within it; after the handshake the negotiated session timeout applies.
	SessionlessTimeout time.Duration
	// FlushTimeout bounds how long Close waits for queued output to leave.
	FlushTimeout time.Duration
	// LingerTimeout bounds how long a closing connection waits for the
	// client's FIN after its half-close, so unread input does not make the
	// kernel reset the connection before the client read its answer.
	// Negative means do not wait.
	LingerTimeout time.Duration
	// MaxPendingOutput bounds the output queued for one connection; a
	// client that lets more pile up is closed.
	MaxPendingOutput int
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// Handler serves the connections of a Server. Its methods are called from
// the connections' goroutines, concurrently for different connections.
type Handler interface {
	// Connect gets the decoded ConnectRequest of a new connection, on that
	// connection's reader goroutine; no later frame is read until it
	// returns (ZooKeeper's disableRecv during session setup), so it may
	// block, e.g. until a createSession txn commits. req.Passwd is a fresh
	// slice Connect may keep.
	//
	// It returns the response to send and whether the connection stays
	// open. keepOpen false sends the response, flushes and closes:
	// ZooKeeper answers an expired session or a wrong password with
	// InvalidSessionResponse and then closes. A non-nil error closes the
	// connection without an answer (ZooKeeper does so for a client whose
	// lastZxidSeen is ahead of the server, and for a client without the
	// read-only byte on a read-only server); it becomes the Closed reason.
	//
	// Nothing may be sent on c before Connect returns: it would precede the
	// response.
	//
	// NB: resp.HasReadOnly is overwritten with req.HasReadOnly, since
	// ZooKeeper writes the byte exactly to clients that sent it; resp.ReadOnly
	// says whether this server is read-only.
	Connect(c *Conn, req *zk.ConnectRequest) (resp zk.ConnectResponse, keepOpen bool, err error)
	// Request is one frame after the handshake: hdr decoded, body the rest
	// of the frame, a fresh slice the handler now owns. Requests of one
	// connection arrive in order, from its reader goroutine; while Request
	// runs, that connection reads nothing more, so it must not block for
	// long (queue the work), though blocking is how it can throttle.
	Request(c *Conn, hdr zk.RequestHeader, body []byte)
	// Closed is called exactly once when the connection ends, with the
	// reason, after its last Request returned and its socket closed. It is
	// called for every accepted connection, also those that never completed
	// a handshake (SessionID 0).
	Closed(c *Conn, reason error)
	// FourLetter returns the output of a whitelisted four-letter word, ok
	// false if it has none (the connection is then closed as ZooKeeper
	// does: the word is taken as a frame length and fails the length
	// check). It is not called for "stmk" (see TraceMaskSetter) or for
	// words off the whitelist.
	FourLetter(word string) (out string, ok bool)
}

// TraceMaskSetter may be implemented by a Handler to receive the argument
// of "stmk": the 8-byte big-endian mask following the word. The server
// answers stmk with the mask in decimal, as ZooKeeper's SetTraceMaskCommand
// does, whether or not the Handler implements this.
type TraceMaskSetter interface {
	SetTraceMask(mask int64)
}

// InvalidSessionResponse returns ZooKeeper's answer to a ConnectRequest for
// an expired or unknown session or with a wrong password
// (ZooKeeperServer.finishSessionInit with valid false): protocol version
// 0, timeout 0, session id 0 and 16 zero bytes of password. Connect returns
// it with keepOpen false.
func InvalidSessionResponse() zk.ConnectResponse {
	return zk.ConnectResponse{Passwd: make([]byte, zk.PasswordLen)}
}

// ServerStats are the packet counters of all connections, as ZooKeeper's
// ServerStats counts them for stat and mntr.
type ServerStats struct {
	PacketsReceived int64
	PacketsSent     int64
	BytesReceived   int64 // bytes read from clients (bytes_received_count)
	// Reply sizes in bytes (ZooKeeper's client_response_stats: the
	// serialized header and body, without the length prefix); -1 until the
	// first reply.
	LastResponseSize, MinResponseSize, MaxResponseSize int64
	Rejected                                           int64 // connections refused (maxClientCnxns, maxCnxns)
	ResponseBytes                                      int64 // bytes of all replies (response_bytes)
}

// Server is the client-port server. It is safe for concurrent use.
type Server struct {
	cfg       Config
	h         Handler
	lg        *slog.Logger
	whitelist map[string]bool
	stop      chan struct{}
	nextID    atomic.Uint64
	recv      atomic.Int64
	sent      atomic.Int64
	bytesIn   atomic.Int64
	rejected  atomic.Int64
	// reply sizes: respSeen is 0 until the first reply, then min/max/last
	// hold figures.
	respSeen                   atomic.Bool
	respLast, respMin, respMax atomic.Int64
	respBytes                  atomic.Int64
	rejectLog                  rateLogger
	wg                         sync.WaitGroup

	mu      sync.Mutex
	ln      net.Listener
	closed  bool
	conns   map[*Conn]struct{}
	perIP   map[netip.Addr]int
	started bool
}

// NewServer returns a Server for cfg that serves through h. It does not
// listen until Start.
//
// REQUIRES: h non-nil.
func NewServer(cfg Config, h Handler) (*Server, error) {
	if h == nil {
		return nil, errors.New("zknet: nil Handler")
	}
	if cfg.MaxBuffer < 0 || cfg.MaxClientCnxns < 0 || cfg.MaxCnxns < 0 || cfg.MaxPendingOutput < 0 {
		return nil, errors.New("zknet: negative limit in Config")
	}
	if cfg.MaxBuffer == 0 {
		cfg.MaxBuffer = zk.DefaultMaxBuffer
	}
	if cfg.SessionlessTimeout <= 0 {
		cfg.SessionlessTimeout = DefaultSessionlessTimeout
	}
	if cfg.FlushTimeout <= 0 {
		cfg.FlushTimeout = DefaultFlushTimeout
	}
	if cfg.LingerTimeout == 0 {
		cfg.LingerTimeout = DefaultLingerTimeout
	}
	if cfg.MaxPendingOutput == 0 {
		cfg.MaxPendingOutput = DefaultMaxPendingOutput
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Server{
		cfg:       cfg,
		h:         h,
		lg:        lg,
		whitelist: whitelist(cfg.FourLetterWhitelist, cfg.ReadOnlyMode),
		stop:      make(chan struct{}),
		conns:     make(map[*Conn]struct{}),
		perIP:     make(map[netip.Addr]int),
	}, nil
}

// Start listens on Config.Addr and starts accepting connections.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	if s.started {
		return errors.New("zknet: server already started")
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("zknet: listen: %w", err)
	}
	s.started = true
	s.ln = ln
	s.lg.Info("binding to port", "addr", ln.Addr().String())
	s.wg.Add(1)
	go s.acceptLoop(ln)
	return nil
}

// Addr returns the address the server listens on, nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops accepting, closes every connection (flushing what is queued,
// within Config.FlushTimeout) and waits until all of the server's
// goroutines, Handler calls included, have returned. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	close(s.stop)
	ln := s.ln
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	var err error
	if ln != nil {
		if cerr := ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) {
			err = fmt.Errorf("zknet: close listener: %w", cerr)
		}
	}
	for _, c := range conns {
		c.shutdown(ErrServerClosed, closeNoLinger)
	}
	s.wg.Wait()
	return err
}

// NumConnections returns how many connections are open: not counting
// those being closed (flushing a last answer), which ZooKeeper has already
// dropped from its set.
func (s *Server) NumConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if !c.closingFlag.Load() {
			n++
		}
	}
	return n
}

// Connections returns a snapshot of the open connections (as
// NumConnections counts them), ordered by ID.
func (s *Server) Connections() []*Conn {
	s.mu.Lock()
	out := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		if !c.closingFlag.Load() {
			out = append(out, c)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b *Conn) int { return cmp.Compare(a.id, b.id) })
	return out
}

// Stats returns the server's packet counters.
func (s *Server) Stats() ServerStats {
	st := ServerStats{PacketsReceived: s.recv.Load(), PacketsSent: s.sent.Load(),
		BytesReceived: s.bytesIn.Load(), Rejected: s.rejected.Load(), ResponseBytes: s.respBytes.Load(),
		LastResponseSize: -1, MinResponseSize: -1, MaxResponseSize: -1}
	if s.respSeen.Load() {
		st.LastResponseSize, st.MinResponseSize, st.MaxResponseSize = s.respLast.Load(), s.respMin.Load(), s.respMax.Load()
	}
	return st
}

// ResetStats zeroes the server's packet counters and reply sizes (srst).
func (s *Server) ResetStats() {
	s.recv.Store(0)
	s.sent.Store(0)
	s.respSeen.Store(false)
}

// recordResponseSize updates the reply-size figures with one reply of n
// bytes (ServerStats.updateClientResponseSize).
func (s *Server) recordResponseSize(n int64) {
	s.respLast.Store(n)
	s.respBytes.Add(n)
	if !s.respSeen.Load() {
		s.respMin.Store(n)
		s.respMax.Store(n)
		s.respSeen.Store(true)
		return
	}
	for v := s.respMin.Load(); n < v && !s.respMin.CompareAndSwap(v, n); v = s.respMin.Load() {
	}
	for v := s.respMax.Load(); n > v && !s.respMax.CompareAndSwap(v, n); v = s.respMax.Load() {
	}
}

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.stop:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Transient failures such as EMFILE: back off as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.lg.Warn("Error accepting new connection", "err", err, "retry_in", delay)
			select {
			case <-s.stop:
				return
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		s.serveConn(nc)
	}
}

// serveConn registers nc and starts its goroutines, or rejects it when a
// connection limit is reached, as NIOServerCnxnFactory.doAccept does.
func (s *Server) serveConn(nc net.Conn) {
	ip := remoteIP(nc.RemoteAddr())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	var reject string
	switch {
	case s.cfg.MaxCnxns > 0 && len(s.conns) >= s.cfg.MaxCnxns:
		reject = fmt.Sprintf("Too many connections max allowed is %d", s.cfg.MaxCnxns)
	case s.cfg.MaxClientCnxns > 0 && ip.IsValid() && s.perIP[ip] >= s.cfg.MaxClientCnxns:
		// NB: Java's InetAddress.toString prints an unresolved address
		// as "/ip".
		reject = fmt.Sprintf("Too many connections from /%s - max is %d", ip, s.cfg.MaxClientCnxns)
	}
	if reject != "" {
		s.mu.Unlock()
		s.rejected.Add(1)
		s.rejectLog.warn(s.lg, "Error accepting new connection: "+reject, "remote", nc.RemoteAddr().String())
		fastClose(nc)
		return
	}
	c := newConn(s, nc, ip)
	s.conns[c] = struct{}{}
	if ip.IsValid() {
		s.perIP[ip]++
	}
	s.wg.Add(2)
	s.mu.Unlock()
	go c.readLoop()
	go c.writeLoop()
}

// releaseIP stops counting c against MaxClientCnxns.
//
// REQUIRES: called once per Conn.
func (s *Server) releaseIP(c *Conn) {
	if !c.ip.IsValid() {
		return
	}
	s.mu.Lock()
	if n := s.perIP[c.ip] - 1; n > 0 {
		s.perIP[c.ip] = n
	} else {
		delete(s.perIP, c.ip)
	}
	s.mu.Unlock()
}

// remove unregisters c.
func (s *Server) remove(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// remoteIP is the key connections are counted by for MaxClientCnxns; the
// zero Addr for anything but TCP.
func remoteIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

// fastClose resets a rejected connection at once, as ZooKeeper's
// fastCloseSock does with SO_LINGER 0.
func fastClose(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = nc.Close()
}

// rateLogger logs a repeated warning at most once a second, then how many
// repeats it swallowed, like ZooKeeper's RateLogger for accept errors.
type rateLogger struct {
	mu         sync.Mutex
	last       string
	at         time.Time
	suppressed int
}

func (r *rateLogger) warn(lg *slog.Logger, msg string, args ...any) {
	now := time.Now()
	r.mu.Lock()
	if msg == r.last && now.Sub(r.at) < time.Second {
		r.suppressed++
		r.mu.Unlock()
		return
	}
	n, prev := r.suppressed, r.last
	r.last, r.at, r.suppressed = msg, now, 0
	r.mu.Unlock()
	if n > 0 {
		lg.Warn("Message: "+prev+" Last message repeated", "times", n)
	}
	lg.Warn(msg, args...)
}
