package server

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/quorum"
	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/zk"
)

// The ensemble path (ARCHITECTURE.md, "Sessions in an ensemble"). Every
// server keeps the whole tree and answers reads from it. Writes go to the
// leader: a follower or observer forwards the request over the quorum
// connection, on one ordered stream per server; the leader preps it into a
// txn exactly as a standalone server does and proposes it to raft. Every
// server applies committed txns in log order, and the server the client is
// connected to answers the request when it applies the txn that carries
// the client's session and xid. So a client's reads never overtake its own
// writes, and watch events precede the replies that reflect them.
//
// Leader changes: a new leader preps nothing until it has applied every
// entry of earlier terms (raft commits them with its first, empty entry),
// so prep always sees the whole history; the txns an old leader prepared
// but did not commit are forgotten (engine.ResetPrep). Every server fails
// the writes and syncs it has in flight when the leader or term changes,
// by closing their connections (ZooKeeper closes every connection then):
// the client reconnects and learns what committed, and since the forward
// stream restarts with a new epoch, no later write of the session can
// overtake a lost earlier one.
//
// Sessions are global: createSession and closeSession are txns; every
// server tracks sessions from the log, followers send the sessions they
// serve to the leader each tick, and only the leader expires sessions, and
// only after it has heard from everyone for a full timeout.

// Application messages between servers (quorum.Node.Send).
const (
	msgForward byte = 1 // a client's write, follower -> leader
	msgTouch   byte = 2 // sessions with live connections, follower -> leader
	msgRefuse  byte = 3 // leader -> follower: a forwarded write was dropped
)

type ensEventKind uint8

const (
	evCommitted ensEventKind = iota
	evLeader
	evReadIndex
	evMessage
	evPeerDown
	evFailed
	evRestore
)

type ensEvent struct {
	kind       ensEventKind
	ents       []quorum.Entry
	lead, term uint64
	ctx, index uint64
	from       uint64
	data       []byte
	err        error
	path       string     // evRestore: the spooled snapshot stream
	reply      chan error // evRestore
}

// ensHandler is the quorum.Handler: it hands everything to the core,
// except the leader's snapshot stream, which it exports from the
// checkpoint store on the sender's goroutine.
type ensHandler struct {
	ch    chan ensEvent
	stop  <-chan struct{}
	store *atomic.Pointer[snapshot.Store]
}

func (h *ensHandler) put(ev ensEvent) {
	select {
	case h.ch <- ev:
	case <-h.stop:
	}
}

func (h *ensHandler) Committed(ents []quorum.Entry) { h.put(ensEvent{kind: evCommitted, ents: ents}) }
func (h *ensHandler) LeaderChanged(lead, term uint64) {
	h.put(ensEvent{kind: evLeader, lead: lead, term: term})
}
func (h *ensHandler) ReadIndex(ctx, index uint64) {
	h.put(ensEvent{kind: evReadIndex, ctx: ctx, index: index})
}
func (h *ensHandler) Message(from uint64, data []byte) {
	h.put(ensEvent{kind: evMessage, from: from, data: data})
}
func (h *ensHandler) PeerDown(id uint64) { h.put(ensEvent{kind: evPeerDown, from: id}) }
func (h *ensHandler) Failed(err error)   { h.put(ensEvent{kind: evFailed, err: err}) }

// Snapshot exports the last checkpoint: it reflects at least every entry
// the core reported with Snapshotted, since it reports only durable ones.
func (h *ensHandler) Snapshot(w io.Writer) error {
	st := h.store.Load()
	if st == nil {
		return errors.New("no checkpoint store")
	}
	_, err := st.Export(w)
	return err
}

// Restore has the core install the leader's snapshot, and waits.
func (h *ensHandler) Restore(index uint64, path string) error {
	reply := make(chan error, 1)
	h.put(ensEvent{kind: evRestore, index: index, path: path, reply: reply})
	select {
	case err := <-reply:
		return err
	case <-h.stop:
		return errServerStopping
	}
}

// waiter is a write (or a new session) waiting for its txn to be applied.
type waiter struct {
	xid  int32
	op   zk.OpCode
	cl   *client // nil for a session being created
	done func(engine.Result)
	fail func()
}

// parked is a write or sync that arrived while no leader was known.
type parked struct {
	r    *fwdReq // nil: a sync
	cl   *client
	q    *queued // a sync's queue entry
	done func(engine.Result)
	fail func()
}

// syncWait is a sync waiting for raft's read index, then for the apply.
type syncWait struct {
	cl    *client
	q     *queued
	index uint64 // 0 until the read index is known
}

// fwdReq is a write as forwarded to the leader.
type fwdReq struct {
	session zk.SessionID
	xid     int32
	op      zk.OpCode
	timeout int32 // createSession
	auth    []zk.Id
	rec     zk.Record
}

// stream is the leader's position in one follower's forward stream.
type stream struct{ epoch, next uint64 }

// ensemble is the core's replication state; only the core goroutine
// touches it.
type ensemble struct {
	node    *quorum.Node
	store   *atomic.Pointer[snapshot.Store] // the checkpoint store, for ensHandler
	id      uint64
	learner bool
	events  chan ensEvent

	// members is the ensemble as /zookeeper/config holds it, at version;
	// member is whether this server is among them.
	members []ServerSpec
	version zk.Zxid
	member  bool
	// reconfigZxid is the zxid of the reconfig this leader proposed and
	// has not applied yet (0: none).
	reconfigZxid zk.Zxid

	lead, term uint64
	ready      bool      // leader: every earlier-term entry applied; prep may run
	held       []*fwdReq // leader, not ready yet: writes to prep once it is
	applied    uint64    // raft index of the last applied entry

	noLeaderSince time.Time // when the leader was lost (lead == 0)
	parked        []parked  // writes and syncs waiting for a leader

	waiters map[zk.SessionID][]*waiter
	syncs   map[uint64]*syncWait
	syncSeq uint64

	fwdEpoch, fwdSeq uint64             // follower: its stream to the leader
	streams          map[uint64]*stream // leader: each follower's stream
	buf              []byte
}

func newEnsemble(id uint64) *ensemble {
	return &ensemble{
		id:       id,
		events:   make(chan ensEvent, 1024),
		waiters:  make(map[zk.SessionID][]*waiter),
		syncs:    make(map[uint64]*syncWait),
		streams:  make(map[uint64]*stream),
		fwdEpoch: uint64(time.Now().UnixNano()),
	}
}

func (e *ensemble) isLeader() bool { return e.lead == e.id && e.lead != 0 }

var (
	errNoLeader       = errors.New("this server is not currently serving requests: no leader")
	errLeaderServesNo = errors.New("this server leads and leaderServes=no: it serves no clients")
)

// ensembleEvent handles one report of the quorum node.
func (k *core) ensembleEvent(ev ensEvent) {
	e := k.ens
	switch ev.kind {
	case evCommitted:
		for _, ent := range ev.ents {
			k.applyEntry(ent)
		}
		k.completeSyncs()
	case evLeader:
		k.leaderChanged(ev.lead, ev.term)
	case evReadIndex:
		if w := e.syncs[ev.ctx]; w != nil {
			w.index = ev.index
			k.completeSyncs()
		}
	case evMessage:
		k.peerMessage(ev.from, ev.data)
	case evPeerDown:
		if ev.from == e.lead && !e.isLeader() {
			// Forwarded writes queued for the leader may be lost.
			k.failInFlight("the connection to the leader broke")
		}
	case evFailed:
		k.fatal(ev.err)
	case evRestore:
		err := k.restoreSnapshot(ev.index, ev.path)
		if err != nil {
			k.fatal(fmt.Errorf("installing the leader's snapshot: %w", err))
		}
		ev.reply <- err
	}
}

// applyEntry applies one committed entry.
func (k *core) applyEntry(ent quorum.Entry) {
	e := k.ens
	e.applied = ent.Index
	if ent.Data != nil {
		txn, err := zk.DecodeTxn(ent.Data)
		if err != nil {
			k.fatal(fmt.Errorf("raft entry %d: %w", ent.Index, err))
			return
		}
		if txn.Header.Zxid > k.eng.LastZxid() { // else in the checkpoint already
			k.applyTxn(&txn)
		}
	}
	if e.isLeader() && !e.ready && ent.Term >= e.term {
		// This term's first entry: the history before it is applied.
		e.ready = true
		k.eng.ResetPrep(zk.Zxid(e.term << 32))
		k.s.lg.Info("leading", "term", e.term, "lastZxid", k.eng.LastZxid().String(), "held", len(e.held))
		held := e.held
		e.held = nil
		for _, r := range held {
			k.prepAndPropose(r)
		}
	}
}

func (k *core) applyTxn(txn *zk.Txn) {
	e := k.ens
	h := &txn.Header
	res := k.eng.Apply(txn)
	k.stats.commits++
	now := time.Now().UnixMilli()
	if e.reconfigZxid != 0 && h.Zxid >= e.reconfigZxid {
		e.reconfigZxid = 0
	}
	switch h.Type {
	case zk.OpReconfig:
		k.reconfigApplied(txn)
	case zk.OpCreateSession:
		if b, ok := txn.Body.(*zk.CreateSessionTxn); ok {
			k.tracker.Add(h.ClientID, int64(b.TimeOut), now)
		}
	case zk.OpCloseSession:
		k.tracker.Remove(h.ClientID)
	}
	if ws := e.waiters[h.ClientID]; len(ws) > 0 && ws[0].xid == h.Cxid &&
		(ws[0].op == zk.OpCreateSession) == (h.Type == zk.OpCreateSession) {
		w := ws[0]
		ws[0] = nil
		if len(ws) == 1 {
			delete(e.waiters, h.ClientID)
		} else {
			e.waiters[h.ClientID] = ws[1:]
		}
		w.done(res)
	} else if h.Type == zk.OpCloseSession {
		// Expired (or closed through another server): drop our client.
		if cl := k.bySession[h.ClientID]; cl != nil {
			cl.conn.Close(fmt.Errorf("session %s closed", h.ClientID))
			k.detach(cl)
		}
	}
	k.countApplied()
}

// leaderChanged reacts to a new leader or term.
func (k *core) leaderChanged(lead, term uint64) {
	e := k.ens
	if lead == e.lead && term == e.term {
		return // already handled (see peerMessage)
	}
	was := e.isLeader()
	e.lead, e.term = lead, term
	k.failInFlight("the leader changed")
	e.ready = false
	e.reconfigZxid = 0
	e.streams = make(map[uint64]*stream)
	k.eng.ResetPrep(0)
	switch {
	case lead == 0:
		// Hold on to the clients for a while: an election usually ends
		// within an election timeout, and then their writes go on.
		k.s.lg.Warn("no leader: writes wait until one is elected", "term", term)
		e.noLeaderSince = time.Now()
		return
	case e.isLeader():
		// Sessions get a full timeout from now: the leader has not heard
		// the other servers' touches yet.
		now := time.Now().UnixMilli()
		for id := range k.eng.Sessions() {
			k.tracker.Touch(id, now)
		}
		k.s.lg.Info("elected leader", "term", term)
		if !k.s.cfg.LeaderServes {
			// As ZooKeeper's leader with leaderServes=no: its clients
			// move to the other servers.
			for _, cl := range k.clients {
				cl.conn.Close(errLeaderServesNo)
				k.detach(cl)
			}
			for _, p := range e.parked {
				if p.fail != nil {
					p.fail()
				}
			}
			e.parked = nil
			return
		}
	default:
		if was {
			k.s.lg.Info("no longer leading", "leader", lead, "term", term)
		} else {
			k.s.lg.Info("following", "leader", lead, "term", term)
		}
	}
	parked := e.parked
	e.parked = nil
	for _, p := range parked {
		if p.cl != nil && k.clients[p.cl.conn] != p.cl {
			continue // its connection went away meanwhile
		}
		if p.r == nil {
			k.ensembleSync(p.cl, p.q)
		} else {
			k.ensembleWrite(p.r, p.cl, p.done, p.fail)
		}
	}
}

// ensembleTick gives up on an election that takes too long: after
// syncLimit ticks without a leader (ZooKeeper's follower timeout) every
// client connection closes, so clients move to a server that has one.
func (k *core) ensembleTick(now time.Time) {
	e := k.ens
	if e.lead != 0 || e.noLeaderSince.IsZero() {
		return
	}
	if now.Sub(e.noLeaderSince) < time.Duration(max(k.s.cfg.SyncLimit, 1))*k.s.cfg.TickTime {
		return
	}
	e.noLeaderSince = time.Time{}
	k.s.lg.Warn("no leader for syncLimit ticks: closing client connections")
	for _, p := range e.parked {
		if p.fail != nil {
			p.fail()
		}
	}
	e.parked = nil
	for _, cl := range k.clients {
		cl.conn.Close(errNoLeader)
		k.detach(cl)
	}
}

// failInFlight fails every write, new session and sync in flight: their
// connections close, and the forward stream starts a new epoch.
func (k *core) failInFlight(why string) {
	e := k.ens
	// Take everything first: closing a connection (detach) edits these.
	waiters, syncs, held := e.waiters, e.syncs, e.held
	e.waiters = make(map[zk.SessionID][]*waiter)
	e.syncs = make(map[uint64]*syncWait)
	e.held = nil
	e.fwdEpoch++
	e.fwdSeq = 0
	drop := func(cl *client) {
		if cl != nil && k.clients[cl.conn] == cl {
			cl.conn.Close(errors.New(why))
			k.detach(cl)
		}
	}
	for _, ws := range waiters {
		for _, w := range ws {
			if w.fail != nil {
				w.fail()
			} else {
				drop(w.cl)
			}
		}
	}
	for _, w := range syncs {
		drop(w.cl)
	}
	for _, r := range held {
		drop(k.bySession[r.session])
	}
}

// ensembleWrite sends a write on its way: prepped here on the leader,
// forwarded otherwise. done runs once its txn is applied here.
func (k *core) ensembleWrite(r *fwdReq, cl *client, done func(engine.Result), fail func()) bool {
	e := k.ens
	if e.lead == 0 {
		if e.noLeaderSince.IsZero() {
			return false
		}
		e.parked = append(e.parked, parked{r: r, cl: cl, done: done, fail: fail})
		return true
	}
	e.waiters[r.session] = append(e.waiters[r.session], &waiter{xid: r.xid, op: r.op, cl: cl, done: done, fail: fail})
	switch {
	case e.isLeader() && e.ready:
		k.prepAndPropose(r)
	case e.isLeader():
		e.held = append(e.held, r)
	default:
		e.buf = appendForward(e.buf[:0], e.fwdEpoch, e.fwdSeq, r)
		e.fwdSeq++
		if !e.node.Send(e.lead, e.buf) {
			k.failInFlight("the leader is unreachable")
		}
	}
	return true
}

// prepAndPropose turns a write into a txn and proposes it (leader only).
func (k *core) prepAndPropose(r *fwdReq) {
	now := time.Now().UnixMilli()
	var txn *zk.Txn
	switch r.op {
	case zk.OpCreateSession:
		txn = k.eng.PrepCreateSessionID(r.session, r.timeout, now)
	case zk.OpCloseSession:
		txn = k.eng.PrepCloseSession(r.session, r.xid, now)
	case zk.OpReconfig:
		k.prepReconfig(r, time.UnixMilli(now))
		return
	default:
		start := time.Now()
		txn = k.eng.Prep(&engine.Request{Session: r.session, Xid: r.xid, Op: r.op, Body: r.rec, Auth: r.auth, Time: now})
		k.stats.prepTime.addDuration(time.Since(start))
	}
	k.propose(txn)
}

func (k *core) propose(txn *zk.Txn) {
	k.stats.txnsLogged++
	k.ens.node.Propose([][]byte{zk.AppendTxn(nil, txn)})
}

// peerMessage handles an application message from another server.
func (k *core) peerMessage(from uint64, data []byte) {
	e := k.ens
	if len(data) == 0 {
		return
	}
	switch data[0] {
	case msgForward:
		epoch, seq, r, err := decodeForward(data[1:])
		if err != nil {
			k.s.lg.Warn("bad forwarded request", "from", from, "err", err)
			return
		}
		if !e.isLeader() {
			// Raft may have made us leader before its report reached
			// this goroutine (it shares the queue with peer messages).
			if q := e.node.Status(); q.Leader && q.Lead == e.id {
				k.leaderChanged(q.Lead, q.Term)
			}
		}
		if !e.isLeader() {
			k.refuseStream(from, epoch)
			return
		}
		st := e.streams[from]
		if st == nil || st.epoch != epoch {
			st = &stream{epoch: epoch}
			e.streams[from] = st
		}
		if seq != st.next {
			// A gap: something of this stream was lost, so nothing after
			// it may run (FIFO order); the follower restarts the stream.
			k.refuseStream(from, epoch)
			return
		}
		st.next++
		if e.ready {
			k.prepAndPropose(r)
		} else {
			e.held = append(e.held, r)
		}
	case msgRefuse:
		d := zk.NewDecoder(data[1:])
		if epoch := uint64(d.Int64()); d.Err() == nil && epoch == e.fwdEpoch && from == e.lead {
			k.failInFlight("the leader dropped a forwarded write")
		}
	case msgTouch:
		if !e.isLeader() {
			return
		}
		d := zk.NewDecoder(data[1:])
		n := d.VectorLen(8)
		now := time.Now().UnixMilli()
		for i := 0; i < n && d.Err() == nil; i++ {
			k.tracker.Touch(zk.SessionID(d.Int64()), now)
		}
	}
}

// refuseStream tells a follower that its stream epoch lost a write: it
// fails what it has in flight and starts a new epoch.
func (k *core) refuseStream(to, epoch uint64) {
	b := zk.AppendInt64([]byte{msgRefuse}, int64(epoch))
	k.ens.node.Send(to, b)
}

// forgetClient drops what an ensemble tracks for a connection that went
// away: its writes and syncs in flight no longer wait for it (their txns
// still apply), and its parked ones never go out.
func (k *core) forgetClient(cl *client) {
	e := k.ens
	if ws := e.waiters[cl.session]; len(ws) > 0 {
		kept := ws[:0]
		for _, w := range ws {
			if w.cl != cl {
				kept = append(kept, w)
			}
		}
		if len(kept) == 0 {
			delete(e.waiters, cl.session)
		} else {
			e.waiters[cl.session] = kept
		}
	}
	for ctx, w := range e.syncs {
		if w.cl == cl {
			delete(e.syncs, ctx)
		}
	}
	kept := e.parked[:0]
	for _, p := range e.parked {
		if p.cl != cl {
			kept = append(kept, p)
		}
	}
	e.parked = kept
}

// sendTouches tells the leader which sessions this server serves.
func (k *core) sendTouches() {
	e := k.ens
	if e.lead == 0 || e.isLeader() {
		return
	}
	b := append(e.buf[:0], msgTouch)
	b = zk.AppendInt32(b, int32(len(k.bySession)))
	for id := range k.bySession {
		b = zk.AppendInt64(b, int64(id))
	}
	e.buf = b
	e.node.Send(e.lead, b)
}

// ensembleSync starts a sync: raft's ReadIndex, then the apply.
func (k *core) ensembleSync(cl *client, q *queued) bool {
	e := k.ens
	if e.lead == 0 {
		if e.noLeaderSince.IsZero() {
			return false
		}
		e.parked = append(e.parked, parked{cl: cl, q: q})
		return true
	}
	e.syncSeq++
	e.syncs[e.syncSeq] = &syncWait{cl: cl, q: q}
	e.node.ReadIndex(e.syncSeq)
	return true
}

func (k *core) completeSyncs() {
	e := k.ens
	for ctx, w := range e.syncs {
		if w.index != 0 && w.index <= e.applied {
			delete(e.syncs, ctx)
			w.q.applied = true
			k.drain(w.cl)
		}
	}
}

func appendForward(b []byte, epoch, seq uint64, r *fwdReq) []byte {
	b = append(b, msgForward)
	b = zk.AppendInt64(b, int64(epoch))
	b = zk.AppendInt64(b, int64(seq))
	b = zk.AppendInt64(b, int64(r.session))
	b = zk.AppendInt32(b, r.xid)
	b = zk.AppendInt32(b, int32(r.op))
	b = zk.AppendInt32(b, r.timeout)
	b = zk.AppendInt32(b, int32(len(r.auth)))
	for _, id := range r.auth {
		b = zk.AppendString(b, id.Scheme)
		b = zk.AppendString(b, id.ID)
	}
	if r.rec != nil {
		b = r.rec.Append(b)
	}
	return b
}

func decodeForward(b []byte) (epoch, seq uint64, r *fwdReq, err error) {
	d := zk.NewDecoder(b)
	epoch = uint64(d.Int64())
	seq = uint64(d.Int64())
	r = &fwdReq{session: zk.SessionID(d.Int64()), xid: d.Int32(), op: zk.OpCode(d.Int32()), timeout: d.Int32()}
	n := d.VectorLen(8)
	for i := 0; i < n && d.Err() == nil; i++ {
		r.auth = append(r.auth, zk.Id{Scheme: d.String(), ID: d.String()})
	}
	if err := d.Err(); err != nil {
		return 0, 0, nil, err
	}
	body := append([]byte(nil), b[d.Offset():]...)
	if r.op != zk.OpCreateSession && r.op != zk.OpCloseSession {
		r.rec, err = zk.DecodeRequest(r.op, body)
		if err != nil {
			return 0, 0, nil, err
		}
	}
	return epoch, seq, r, nil
}

// raftTiming maps tickTime to raft's timing. ZooKeeper notices a dead
// leader when its socket closes and elects within ~200 ms; raft elects
// after an election timeout, so its tick is a tenth of tickTime, clamped
// to [10 ms, 100 ms]: heartbeats every tick, elections after 10-20 ticks
// (1-2 s with the default tickTime of 2 s). quorum also campaigns at once
// when the leader's connection breaks.
func raftTiming(tickTime time.Duration) (tick time.Duration, election, heartbeat int) {
	tick = min(max(tickTime/10, 10*time.Millisecond), 100*time.Millisecond)
	return tick, 10, 1
}

// openEnsemble recovers the tree from the checkpoint in dataDir and opens
// the raft log in dataLogDir: raft then hands over every committed entry
// from the log's start, and the core skips those the checkpoint holds.
func (s *Server) openEnsemble() error {
	k := s.core
	store, zxid, logDir, loaded, err := s.openCheckpoints()
	if err != nil {
		return err
	}
	k.stats.startupSnapLoadTime.addDuration(loaded)
	now := time.Now()
	k.eng.InitSessionIDs(s.cfg.MyID, now.UnixMilli())
	for id, timeout := range k.eng.Sessions() {
		k.tracker.Add(id, int64(timeout), now.UnixMilli())
	}
	members, version := s.membership(k.eng, now.UnixMilli())
	ens := newEnsemble(uint64(s.cfg.MyID))
	ens.store = new(atomic.Pointer[snapshot.Store])
	ens.store.Store(store)
	ens.members, ens.version = members, version
	peers := peersOf(members)
	for _, p := range peers {
		if p.ID == ens.id {
			ens.member, ens.learner = true, p.Learner
		}
	}
	if !ens.member {
		// Removed by a reconfig: it still listens on its quorum port,
		// and rejoins if a reconfig adds it back.
		s.lg.Warn("this server is not among the ensemble's members (a reconfig removed it): it serves no clients",
			"myid", s.cfg.MyID, "version", version.String())
		for _, p := range peersOf(s.cfg.Servers) {
			if p.ID == ens.id {
				peers = append(peers, p)
			}
		}
	}
	tick, election, heartbeat := raftTiming(s.cfg.TickTime)
	node, err := quorum.Open(quorum.Config{
		ID: uint64(s.cfg.MyID), Peers: peers, LogDir: logDir,
		Tick: tick, ElectionTicks: election, HeartbeatTicks: heartbeat,
		NoSync: !s.cfg.ForceSync, PreAllocSize: s.cfg.PreAllocSize, SlowSync: s.cfg.FsyncWarningThreshold,
		OnBatch: s.onBatch, SnapDir: s.cfg.DataDir, LogSlack: s.cfg.CommitLogCount,
		Logger:  s.lg,
		Handler: &ensHandler{ch: ens.events, stop: s.stop, store: ens.store},
	})
	if err != nil {
		store.Close()
		return err
	}
	if si := node.SnapshotIndex(); si > 1 && store.Meta().Checkpoints == 0 {
		node.Close()
		store.Close()
		return fmt.Errorf("the raft log in %s starts at index %d, after a snapshot, but dataDir %s holds no checkpoint: restore dataDir, or empty both directories to rejoin as a new member", logDir, si, s.cfg.DataDir)
	}
	ens.applied = node.SnapshotIndex()
	ens.node = node
	k.ens = ens
	if zxid > 0 {
		k.lastCheckpoint, k.lastCheckpointAt = zxid, time.Now()
	}
	k.cp = &checkpointer{store: store, every: snapEvery(s.cfg.SnapCount), done: make(chan checkpointDone, 1)}
	if zxid > 0 {
		k.cp.history = []zk.Zxid{zxid}
	}
	s.lg.Info("ensemble member", "myid", s.cfg.MyID, "role", map[bool]string{false: "participant", true: "observer"}[ens.learner],
		"quorumAddr", node.Addr(), "checkpoint", zxid.String(), "members", len(members), "configVersion", version.String(), "raftTick", tick)
	return nil
}
