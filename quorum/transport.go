package quorum

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

const (
	helloMagic   = "PDKQ"
	helloVersion = 1
	helloLen     = 4 + 4 + 8

	frameRaft = 1
	frameApp  = 2
	// A snapshot connection carries one frameSnap (the raft MsgSnap, its
	// Data empty), the stream in frameSnapChunk frames, one frameSnapEnd;
	// the receiver answers one byte, snapAck, once the stream is on disk.
	frameSnap      = 3
	frameSnapChunk = 4
	frameSnapEnd   = 5
	snapAck        = 'K'
	snapChunk      = 1 << 20
	// A probe connection carries one frameProbe; the receiver answers
	// probeAnswer and a byte, 1 if it runs an ensemble, and closes it.
	frameProbe  = 6
	probeAnswer = 'P'

	// maxFrame bounds a frame read from a peer: raft messages are capped
	// by MaxSizePerMsg, application messages by the client port's buffer.
	maxFrame = 128 << 20
	// peerQueue is how many frames wait for one peer before new ones are
	// dropped.
	peerQueue = 8192
)

// transport carries frames between servers: a listener for inbound
// connections and a sender per peer.
type transport struct {
	id     uint64
	lg     *slog.Logger
	ln     net.Listener
	recv   func(from uint64, kind byte, payload []byte) // called on reader goroutines
	down   func(to uint64)                              // a peer's outbound connection failed
	inDown func(from uint64)                            // a peer's inbound connection closed
	// recvSnap hands over a snapshot message whose stream is in the file
	// at path (in snapDir).
	recvSnap func(from uint64, msg []byte, path string) error
	snapDir  string
	// probe answers a starting server's probe: does this one run an
	// ensemble already?
	probe  func() bool
	mu     sync.Mutex
	peers  map[uint64]*peer
	conns  map[net.Conn]bool
	closed bool
	wg     sync.WaitGroup
}

// peer is the outbound side of one peer connection.
type peer struct {
	t    *transport
	id   uint64
	addr string
	q    chan []byte
	stop chan struct{}
}

func newTransport(id uint64, listen string, lg *slog.Logger) (*transport, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("quorum: listening on the quorum port %s: %w", listen, err)
	}
	return &transport{id: id, lg: lg, ln: ln, peers: make(map[uint64]*peer), conns: make(map[net.Conn]bool)}, nil
}

func (t *transport) start() {
	t.wg.Add(1)
	go t.accept()
}

func (t *transport) addPeer(id uint64, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.peers[id] != nil {
		return
	}
	p := &peer{t: t, id: id, addr: addr, q: make(chan []byte, peerQueue), stop: make(chan struct{})}
	t.peers[id] = p
	t.wg.Add(1)
	go p.run()
}

func (t *transport) removePeer(id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.peers[id]; p != nil {
		close(p.stop)
		delete(t.peers, id)
	}
}

// setPeers makes the outbound peers those of peers other than this one,
// at their addresses.
func (t *transport) setPeers(peers []Peer) {
	want := make(map[uint64]string)
	for _, p := range peers {
		if p.ID != t.id {
			want[p.ID] = p.Addr
		}
	}
	t.mu.Lock()
	var drop []uint64
	for id, p := range t.peers {
		if addr, ok := want[id]; !ok || addr != p.addr {
			drop = append(drop, id)
		}
	}
	t.mu.Unlock()
	for _, id := range drop {
		t.removePeer(id)
	}
	for id, addr := range want {
		t.addPeer(id, addr)
	}
}

// probePeers asks each peer, at once, whether it already runs an
// ensemble; it returns the id of one that does, or 0 if none answers so
// within a second (none is up: a new ensemble is starting).
func probePeers(self uint64, peers []Peer, lg *slog.Logger) uint64 {
	found := make(chan uint64, len(peers))
	var wg sync.WaitGroup
	for _, p := range peers {
		if p.ID == self {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := probe(self, p.Addr)
			if err != nil {
				lg.Debug("quorum: probing a peer", "peer", p.ID, "addr", p.Addr, "err", err)
			}
			if ok {
				found <- p.ID
			}
		}()
	}
	go func() {
		wg.Wait()
		close(found)
	}()
	for id := range found {
		return id
	}
	return 0
}

func probe(self uint64, addr string) (bool, error) {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return false, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	var b [helloLen + 5]byte
	copy(b[:], helloMagic)
	binary.BigEndian.PutUint32(b[4:], helloVersion)
	binary.BigEndian.PutUint64(b[8:], self)
	binary.BigEndian.PutUint32(b[helloLen:], 1)
	b[helloLen+4] = frameProbe
	if _, err := c.Write(b[:]); err != nil {
		return false, err
	}
	var answer [2]byte
	if _, err := io.ReadFull(c, answer[:]); err != nil {
		return false, err
	}
	if answer[0] != probeAnswer {
		return false, fmt.Errorf("bad probe answer %q", answer[0])
	}
	return answer[1] == 1, nil
}

// send queues a frame for peer to; false if it was dropped.
func (t *transport) send(to uint64, kind byte, payload func([]byte) []byte) bool {
	t.mu.Lock()
	p := t.peers[to]
	t.mu.Unlock()
	if p == nil {
		return false
	}
	b := make([]byte, 5, 64)
	b[4] = kind
	b = payload(b)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	select {
	case p.q <- b:
		return true
	default:
		return false
	}
}

func (t *transport) sendRaft(m raftpb.Message) bool {
	return t.send(m.To, frameRaft, func(b []byte) []byte {
		n := m.Size()
		b = append(b, make([]byte, n)...)
		m.MarshalTo(b[len(b)-n:])
		return b
	})
}

func (t *transport) close() {
	t.mu.Lock()
	t.closed = true
	for id, p := range t.peers {
		close(p.stop)
		delete(t.peers, id)
	}
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.ln.Close()
	t.wg.Wait()
}

func (t *transport) track(c net.Conn, add bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if add {
		if t.closed {
			return false
		}
		t.conns[c] = true
	} else {
		delete(t.conns, c)
	}
	return true
}

func (t *transport) accept() {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			return
		}
		if !t.track(c, true) {
			c.Close()
			return
		}
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			defer t.track(c, false)
			defer c.Close()
			if err := t.read(c); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				t.lg.Debug("quorum: inbound peer connection closed", "remote", c.RemoteAddr().String(), "err", err)
			}
		}()
	}
}

// read serves one inbound connection: the hello, then frames.
func (t *transport) read(c net.Conn) error {
	r := bufio.NewReaderSize(c, 64<<10)
	var h [helloLen]byte
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return err
	}
	c.SetReadDeadline(time.Time{})
	if string(h[:4]) != helloMagic || binary.BigEndian.Uint32(h[4:]) != helloVersion {
		return fmt.Errorf("not a Paddock quorum peer (bad hello %q)", h[:8])
	}
	from := binary.BigEndian.Uint64(h[8:])
	snapshot := false // a snapshot connection's end says nothing of the peer
	if t.inDown != nil {
		defer func() {
			if !snapshot {
				t.inDown(from)
			}
		}()
	}
	var lb [4]byte
	for {
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(lb[:])
		if n < 1 || n > maxFrame {
			return fmt.Errorf("peer %d: bad frame length %d", from, n)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return err
		}
		switch b[0] {
		case frameSnap:
			snapshot = true
			return t.receiveSnapshot(c, r, from, b[1:])
		case frameProbe:
			snapshot = true
			answer := []byte{probeAnswer, 0}
			if t.probe != nil && t.probe() {
				answer[1] = 1
			}
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			_, err := c.Write(answer)
			return err
		}
		t.recv(from, b[0], b[1:])
	}
}

// receiveSnapshot spools the stream of a snapshot connection to a file,
// syncs it, acknowledges it and hands the message over.
func (t *transport) receiveSnapshot(c net.Conn, r *bufio.Reader, from uint64, msg []byte) error {
	if t.recvSnap == nil {
		return errors.New("snapshots are not accepted here")
	}
	path := filepath.Join(t.snapDir, fmt.Sprintf("%s%d", spoolPrefix, from))
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	size, err := t.spool(c, r, from, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("peer %d: receiving a snapshot: %w", from, err)
	}
	t.lg.Info("quorum: received a snapshot stream", "from", from, "bytes", size)
	if err := t.recvSnap(from, msg, path); err != nil {
		return fmt.Errorf("peer %d: %w", from, err)
	}
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Write([]byte{snapAck})
	return err
}

func (t *transport) spool(c net.Conn, r *bufio.Reader, from uint64, f *os.File) (int64, error) {
	var size int64
	var lb [4]byte
	for {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return size, err
		}
		n := binary.BigEndian.Uint32(lb[:])
		if n < 1 || n > snapChunk+1 {
			return size, fmt.Errorf("bad snapshot frame length %d", n)
		}
		kind, err := r.ReadByte()
		if err != nil {
			return size, err
		}
		switch kind {
		case frameSnapChunk:
			m, err := io.CopyN(f, r, int64(n-1))
			size += m
			if err != nil {
				return size, err
			}
		case frameSnapEnd:
			c.SetReadDeadline(time.Time{})
			return size, nil
		default:
			return size, fmt.Errorf("unexpected frame kind %d in a snapshot stream", kind)
		}
	}
}

// sendSnapshot dials the peer on a connection of its own, sends the
// snapshot message m and the stream write produces, and waits until the
// peer has it on disk. It returns the stream's size.
func (t *transport) sendSnapshot(m raftpb.Message, write func(io.Writer) error) (int64, error) {
	t.mu.Lock()
	p := t.peers[m.To]
	t.mu.Unlock()
	if p == nil {
		return 0, fmt.Errorf("unknown peer %d", m.To)
	}
	c, err := net.DialTimeout("tcp", p.addr, time.Second)
	if err != nil {
		return 0, err
	}
	if !t.track(c, true) {
		c.Close()
		return 0, net.ErrClosed
	}
	defer t.track(c, false)
	defer c.Close()
	cw := &chunkWriter{c: c, w: bufio.NewWriterSize(c, 64<<10)}
	var h [helloLen]byte
	copy(h[:], helloMagic)
	binary.BigEndian.PutUint32(h[4:], helloVersion)
	binary.BigEndian.PutUint64(h[8:], t.id)
	msg, err := m.Marshal()
	if err != nil {
		return 0, err
	}
	cw.w.Write(h[:])
	cw.frame(frameSnap, msg)
	if err := write(cw); err != nil {
		return cw.size, err
	}
	if err := cw.frame(frameSnapEnd, nil); err != nil {
		return cw.size, err
	}
	if err := cw.w.Flush(); err != nil {
		return cw.size, err
	}
	// The peer syncs the file before it answers.
	c.SetReadDeadline(time.Now().Add(2 * time.Minute))
	var ack [1]byte
	if _, err := io.ReadFull(c, ack[:]); err != nil {
		return cw.size, fmt.Errorf("no acknowledgement: %w", err)
	}
	if ack[0] != snapAck {
		return cw.size, fmt.Errorf("bad acknowledgement %q", ack[0])
	}
	return cw.size, nil
}

// chunkWriter frames what is written to it as frameSnapChunk frames.
type chunkWriter struct {
	c    net.Conn
	w    *bufio.Writer
	size int64
	err  error
}

func (cw *chunkWriter) frame(kind byte, b []byte) error {
	if cw.err != nil {
		return cw.err
	}
	cw.c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	var h [5]byte
	binary.BigEndian.PutUint32(h[:], uint32(len(b)+1))
	h[4] = kind
	if _, err := cw.w.Write(h[:]); err != nil {
		cw.err = err
		return err
	}
	if _, err := cw.w.Write(b); err != nil {
		cw.err = err
	}
	return cw.err
}

func (cw *chunkWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := p[:min(len(p), snapChunk)]
		if err := cw.frame(frameSnapChunk, c); err != nil {
			return n, err
		}
		n += len(c)
		cw.size += int64(len(c))
		p = p[len(c):]
	}
	return n, nil
}

// run keeps a connection to the peer and writes its queue to it.
func (p *peer) run() {
	defer p.t.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err == nil {
			backoff = 50 * time.Millisecond
			if !p.t.track(c, true) {
				c.Close()
				return
			}
			err = p.write(c)
			p.t.track(c, false)
			c.Close()
		}
		if err != nil {
			p.t.lg.Debug("quorum: peer connection failed", "peer", p.id, "addr", p.addr, "err", err)
		}
		// Whatever was queued is stale by the time we reconnect.
		p.drain()
		if p.t.down != nil {
			p.t.down(p.id)
		}
		select {
		case <-p.stop:
			return
		case <-time.After(backoff):
		}
		if backoff < time.Second {
			backoff *= 2
		}
	}
}

func (p *peer) drain() {
	for {
		select {
		case <-p.q:
		default:
			return
		}
	}
}

func (p *peer) write(c net.Conn) error {
	w := bufio.NewWriterSize(c, 64<<10)
	var h [helloLen]byte
	copy(h[:], helloMagic)
	binary.BigEndian.PutUint32(h[4:], helloVersion)
	binary.BigEndian.PutUint64(h[8:], p.t.id)
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	// A reader goroutine notices the peer closing the connection.
	dead := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c)
		close(dead)
	}()
	for {
		var b []byte
		select {
		case <-p.stop:
			return net.ErrClosed
		case <-dead:
			return errors.New("closed by the peer")
		case b = <-p.q:
		}
		for {
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := w.Write(b); err != nil {
				return err
			}
			select {
			case b = <-p.q:
				continue
			default:
			}
			break
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
}
