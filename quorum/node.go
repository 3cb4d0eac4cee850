package quorum

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// Peer is one member of the ensemble (a server.N line).
type Peer struct {
	ID uint64
	// Addr is the peer's quorum address as this server dials it; for this
	// server, the address it listens on.
	Addr string
	// Learner marks an observer: it replicates the log and serves
	// clients, but never votes.
	Learner bool
}

// Config configures a Node.
type Config struct {
	ID    uint64 // this server's myid
	Peers []Peer // every member, this one included
	// LogDir is where the raft log lives (dataLogDir).
	LogDir string
	// Tick is raft's tick; ElectionTicks and HeartbeatTicks are counted in
	// it.
	Tick           time.Duration
	ElectionTicks  int
	HeartbeatTicks int
	// NoSync (forceSync=no) writes the log without fsync.
	NoSync       bool
	PreAllocSize int64
	SegmentSize  int64 // of the log's segments; 0: txnlog's default
	SlowSync     time.Duration
	// OnBatch reports each group commit of the log: records and fsync time.
	OnBatch func(records int, sync time.Duration)
	// LogSlack is how many applied entries the in-memory log keeps for
	// followers that lag (0: DefaultLogSlack); on the leader, a live
	// follower up to 20 times that far behind holds compaction back.
	// Compaction never passes the last snapshot (Snapshotted): a follower
	// behind the start of the leader's log is sent the state machine's
	// snapshot instead.
	LogSlack int
	// SnapDir is where a snapshot streamed from the leader is spooled
	// before Handler.Restore installs it (dataDir); LogDir if empty.
	SnapDir string
	Logger  *slog.Logger
	Handler Handler
}

// Entry is a committed log entry. Data is nil for raft's own entries (a new
// leader's empty entry, membership changes), which the server skips.
type Entry struct {
	Index uint64
	Term  uint64
	Data  []byte
}

// Handler receives what a Node reports. Committed and LeaderChanged are
// called on the raft goroutine, in order; Message on transport goroutines.
// Committed may block (that is the server's backpressure); the others must
// not.
type Handler interface {
	// Committed hands over entries committed by a majority, in index
	// order. Every committed entry is handed over exactly once per
	// process: after a restart, from the log's start.
	Committed(ents []Entry)
	// LeaderChanged reports a new leader (0: none known) or term.
	LeaderChanged(lead, term uint64)
	// ReadIndex answers a ReadIndex call: once the entries up to index are
	// applied, a read reflects every write committed before the call.
	ReadIndex(ctx uint64, index uint64)
	// Message delivers an application message sent with Send.
	Message(from uint64, data []byte)
	// PeerDown reports that the connection to a peer broke: application
	// messages queued for it may be lost.
	PeerDown(id uint64)
	// Failed reports that the log could not be written or synced: the
	// node has stopped and nothing more may be acknowledged.
	Failed(err error)
	// Snapshot writes the state machine's latest durable snapshot to w
	// (the leader, for a follower behind the start of its log; on a
	// goroutine of its own). It must reflect at least every entry up to
	// the last index given to Node.Snapshotted.
	Snapshot(w io.Writer) error
	// Restore replaces the state machine with the snapshot in the file at
	// path (written by the leader's Snapshot), which reflects at least
	// every entry up to index; Committed then goes on from index+1, and
	// may hand over entries the snapshot already reflects. It is called
	// on the raft goroutine, which waits; the snapshot is durable in the
	// state machine when it returns. An error stops the node (Failed).
	Restore(index uint64, path string) error
}

// Status is a snapshot of the node's view of the ensemble.
type Status struct {
	ID      uint64
	Lead    uint64
	Term    uint64
	Commit  uint64
	Applied uint64
	Leader  bool
	Learner bool
	// SnapshotIndex is where the log starts: the last snapshot's index.
	SnapshotIndex uint64
	// Joining: the node started as a new member of a running ensemble and
	// has not yet received the leader's snapshot.
	Joining bool
	// Joint: the membership is changing (raft's joint configuration).
	Joint bool
	// Followers lists, on the leader, every other member and how far its
	// log matches the leader's.
	Followers []FollowerStatus
}

// FollowerStatus is the leader's view of one other member.
type FollowerStatus struct {
	ID      uint64
	Learner bool
	Match   uint64
	Active  bool
}

// Node is one server's raft member.
type Node struct {
	cfg  Config
	lg   *slog.Logger
	rn   *raft.RawNode
	ms   *raft.MemoryStorage
	disk *diskLog
	tr   *transport

	recvc  chan raftpb.Message
	propc  chan proposal
	readc  chan uint64
	unreac chan uint64
	lostc  chan uint64 // a connection to or from this peer broke
	stop   chan struct{}
	done   chan struct{}

	mu     sync.Mutex
	status Status

	lead, term uint64 // last reported to the handler

	applied     uint64           // last entry handed to Handler.Committed
	compactedAt uint64           // applied at the last compaction
	snapIndex   uint64           // the log's start: the last snapshot's index
	confState   raftpb.ConfState // as of applied
	// snapConf is the membership at snapIndex, and confHist the changes
	// applied since, by index: a snapshot records the membership as of
	// its own index.
	snapConf raftpb.ConfState
	confHist []confAt
	// confPending is the index of the last membership change this leader
	// appended (maxIndex while one is being proposed): raft refuses
	// another until it is applied.
	confPending uint64
	// joining: the log was empty at Open and a peer already runs an
	// ensemble, so this server waits for the leader to add it and send it
	// a snapshot, rather than start from the configured membership.
	joining bool

	wasActive map[uint64]bool // RecentActive at the last status update

	snapc    chan uint64     // Snapshotted
	reportc  chan snapReport // outcomes of snapshot transfers
	snapSent map[uint64]snapSent
}

// proposal is what Propose and ProposeConfChange queue for the raft
// goroutine, on one channel so that the log keeps their order.
type proposal struct {
	data [][]byte             // txns; for a membership change, its fallback
	cc   *raftpb.ConfChangeV2 // the target membership, as AddNode and AddLearnerNode changes
}

type confAt struct {
	index uint64
	cs    raftpb.ConfState
}

type snapReport struct {
	to, index uint64
	status    raft.SnapshotStatus
}

// snapSent is the last snapshot sent to a follower: its index and when it
// was acknowledged. For snapHold after that, the leader keeps the entries
// after it in memory, as for a live follower: installing a large snapshot
// on a busy machine takes seconds, while the log moves on.
type snapSent struct {
	index uint64
	at    time.Time
}

const snapHold = time.Minute

// DefaultLogSlack is Config.LogSlack's default.
const DefaultLogSlack = 50_000

// Open recovers the raft log in cfg.LogDir (or starts one for the members
// in cfg.Peers), binds the quorum port and returns the node, not yet
// running.
func Open(cfg Config) (*Node, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Handler == nil {
		return nil, errors.New("quorum: no Handler")
	}
	var self *Peer
	for i := range cfg.Peers {
		if cfg.Peers[i].ID == cfg.ID {
			self = &cfg.Peers[i]
		}
	}
	if self == nil {
		return nil, fmt.Errorf("quorum: myid %d is not among the members", cfg.ID)
	}
	if cfg.LogSlack <= 0 {
		cfg.LogSlack = DefaultLogSlack
	}
	if cfg.SnapDir == "" {
		cfg.SnapDir = cfg.LogDir
	}
	removeSpooled(cfg.SnapDir, cfg.Logger)
	disk, rec, err := openLog(logConfig{
		Dir: cfg.LogDir, NoSync: cfg.NoSync, PreAllocSize: cfg.PreAllocSize, SegmentSize: cfg.SegmentSize,
		SlowSync: cfg.SlowSync, Logger: cfg.Logger, OnBatch: cfg.OnBatch,
	})
	if err != nil {
		return nil, err
	}
	if rec.info.TornTail {
		cfg.Logger.Warn("raft log: a torn write at the end of the log was cut off",
			"file", rec.info.TruncatedFile, "offset", rec.info.TruncatedAt, "copy", rec.info.BrokenCopy)
	}
	ms := raft.NewMemoryStorage()
	joining := false
	if raft.IsEmptySnap(rec.snap) {
		// Never started, or started as a joiner and not yet sent a
		// snapshot (its term and vote may be recorded).
		joining = !raft.IsEmptyHardState(rec.hs) || len(rec.entries) > 0
		if !joining {
			if by := probePeers(cfg.ID, cfg.Peers, cfg.Logger); by != 0 {
				cfg.Logger.Info("quorum: an ensemble is already running here; joining it as a new member",
					"peer", by, "myid", cfg.ID)
				joining = true
			}
		}
	}
	if joining {
		// The leader sends the state and membership once the ensemble
		// has this server among its members (reconfig -add, or the
		// configured membership of a new ensemble that elected without
		// it): the log records nothing until then.
	} else if raft.IsEmptySnap(rec.snap) {
		// A new ensemble: the log starts from the configured membership,
		// the same on every server, as if from a snapshot at index 1.
		cs := raftpb.ConfState{}
		for _, p := range cfg.Peers {
			if p.Learner {
				cs.Learners = append(cs.Learners, p.ID)
			} else {
				cs.Voters = append(cs.Voters, p.ID)
			}
		}
		rec.snap = raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: 1, Term: 1, ConfState: cs}}
		if err := disk.save(rec.snap, raftpb.HardState{}, nil, true); err != nil {
			disk.close()
			return nil, err
		}
	}
	if !joining {
		if err := ms.ApplySnapshot(rec.snap); err != nil {
			disk.close()
			return nil, err
		}
	}
	if err := ms.Append(rec.entries); err != nil {
		disk.close()
		return nil, err
	}
	if !raft.IsEmptyHardState(rec.hs) {
		last, _ := ms.LastIndex()
		if rec.hs.Commit > last {
			rec.hs.Commit = last
		}
		if err := ms.SetHardState(rec.hs); err != nil {
			disk.close()
			return nil, err
		}
	}
	rn, err := raft.NewRawNode(&raft.Config{
		ID:                        cfg.ID,
		ElectionTick:              cfg.ElectionTicks,
		HeartbeatTick:             cfg.HeartbeatTicks,
		Storage:                   ms,
		Applied:                   rec.snap.Metadata.Index,
		MaxSizePerMsg:             1 << 20,
		MaxInflightMsgs:           256,
		MaxUncommittedEntriesSize: 1 << 30,
		CheckQuorum:               true,
		PreVote:                   true,
		StepDownOnRemoval:         true,
		ReadOnlyOption:            raft.ReadOnlySafe,
		DisableProposalForwarding: true,
		Logger:                    raftLogger{cfg.Logger},
	})
	if err != nil {
		disk.close()
		return nil, err
	}
	tr, err := newTransport(cfg.ID, self.Addr, cfg.Logger)
	if err != nil {
		disk.close()
		return nil, err
	}
	n := &Node{
		cfg: cfg, lg: cfg.Logger, rn: rn, ms: ms, disk: disk, tr: tr,
		snapIndex: rec.snap.Metadata.Index, confState: rec.snap.Metadata.ConfState, applied: rec.snap.Metadata.Index,
		snapConf: rec.snap.Metadata.ConfState, joining: joining,
		snapc:     make(chan uint64, 16),
		reportc:   make(chan snapReport, 16),
		snapSent:  make(map[uint64]snapSent),
		wasActive: make(map[uint64]bool),
		recvc:     make(chan raftpb.Message, 4096),
		propc:     make(chan proposal, 4096),
		readc:     make(chan uint64, 1024),
		unreac:    make(chan uint64, 64),
		lostc:     make(chan uint64, 64),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	n.status = Status{ID: cfg.ID, Learner: self.Learner, SnapshotIndex: rec.snap.Metadata.Index, Joining: joining}
	tr.recv = n.receive
	tr.snapDir = cfg.SnapDir
	tr.recvSnap = n.receiveSnapshot
	tr.down = func(id uint64) {
		select {
		case n.unreac <- id:
		default:
		}
		n.lost(id)
		cfg.Handler.PeerDown(id)
	}
	tr.inDown = n.lost
	tr.probe = n.established
	for _, p := range cfg.Peers {
		if p.ID != cfg.ID {
			tr.addPeer(p.ID, p.Addr)
		}
	}
	cfg.Logger.Info("raft log recovered", "dir", cfg.LogDir, "snapshotIndex", rec.snap.Metadata.Index,
		"entries", len(rec.entries), "term", rec.hs.Term, "commit", rec.hs.Commit)
	return n, nil
}

func (n *Node) lost(id uint64) {
	select {
	case n.lostc <- id:
	default:
	}
}

// SnapshotIndex returns the index the log started from when the node was
// opened (1 for a new log): the state machine must already reflect every
// entry up to it.
func (n *Node) SnapshotIndex() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.status.SnapshotIndex
}

// Snapshotted tells the node that the state machine has made every entry
// up to index durable on its own: the log may be cut there (in memory,
// keeping some slack for followers that lag, and on disk), and a follower
// behind the cut gets Handler.Snapshot's stream instead.
//
// It never blocks: when reports pile up, it drops this one (a later one
// covers it).
func (n *Node) Snapshotted(index uint64) {
	select {
	case n.snapc <- index:
	default:
	}
}

// Addr returns the quorum address the node listens on.
func (n *Node) Addr() string { return n.tr.ln.Addr().String() }

// Start runs the node.
func (n *Node) Start() {
	n.tr.start()
	go n.run()
}

// Close stops the node and closes its log.
func (n *Node) Close() error {
	select {
	case <-n.stop:
	default:
		close(n.stop)
	}
	n.tr.close()
	<-n.done
	return n.disk.close()
}

// Propose queues txns for the log. They are dropped unless this node is
// the leader when the raft goroutine takes them; the server notices by the
// leader change.
func (n *Node) Propose(data [][]byte) {
	select {
	case n.propc <- proposal{data: data}:
	case <-n.stop:
	}
}

// ProposeConfChange proposes that the members become voters and learners,
// with the txn data: it is committed like a txn (Handler.Committed hands it
// over as an entry's Data), in its order among the txns Propose queued
// before and after it, and takes effect when applied, through joint
// consensus when more than one member changes (raft's ConfChangeV2,
// leaving the joint configuration automatically). If the membership does
// not change, data goes in the log as a plain txn. If an earlier change is
// not applied yet (or there is no voter), fallback goes in the log instead,
// in the same place. Like Propose's, it is dropped unless this node is the
// leader.
func (n *Node) ProposeConfChange(voters, learners []uint64, data, fallback []byte) {
	p := proposal{
		data: [][]byte{fallback},
		cc:   &raftpb.ConfChangeV2{Context: data},
	}
	for _, id := range voters {
		p.cc.Changes = append(p.cc.Changes, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeAddNode, NodeID: id})
	}
	for _, id := range learners {
		p.cc.Changes = append(p.cc.Changes, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeAddLearnerNode, NodeID: id})
	}
	select {
	case n.propc <- p:
	case <-n.stop:
	}
}

// SetPeers sets the addresses of the other members (a membership change,
// as the server learns it from its state): new peers are dialled, peers
// whose address changed are redialled, others are dropped.
func (n *Node) SetPeers(peers []Peer) {
	n.tr.setPeers(peers)
}

// established reports, for a peer's probe, whether this node runs an
// ensemble: it started from a membership and its log went past the start.
func (n *Node) established() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return !n.status.Joining && (n.status.Applied > 1 || n.status.SnapshotIndex > 1)
}

// ReadIndex asks for the commit index a linearizable read must wait for;
// Handler.ReadIndex answers with the same ctx (or never, if leadership
// changes meanwhile).
func (n *Node) ReadIndex(ctx uint64) {
	select {
	case n.readc <- ctx:
	case <-n.stop:
	}
}

// Send queues an application message for peer to; false if it could not
// be queued.
func (n *Node) Send(to uint64, data []byte) bool {
	return n.tr.send(to, frameApp, func(b []byte) []byte { return append(b, data...) })
}

// Status returns the node's current view.
func (n *Node) Status() Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.status
	s.Followers = slices.Clone(s.Followers)
	return s
}

func (n *Node) receive(from uint64, kind byte, payload []byte) {
	switch kind {
	case frameRaft:
		var m raftpb.Message
		if err := m.Unmarshal(payload); err != nil {
			n.lg.Warn("quorum: bad raft message", "from", from, "err", err)
			return
		}
		select {
		case n.recvc <- m:
		case <-n.stop:
		}
	case frameApp:
		n.cfg.Handler.Message(from, payload)
	}
}

func (n *Node) run() {
	defer close(n.done)
	tick := time.NewTicker(n.cfg.Tick)
	defer tick.Stop()
	statusEvery := 0
	var campaign <-chan time.Time // a campaign after losing the leader
	for {
		select {
		case <-n.stop:
			return
		case <-tick.C:
			n.rn.Tick()
			if statusEvery++; statusEvery%4 == 0 {
				n.updateStatus()
			}
		case m := <-n.recvc:
			n.rn.Step(m)
		drainRecv:
			for i := 0; i < 256; i++ {
				select {
				case m := <-n.recvc:
					n.rn.Step(m)
				default:
					break drainRecv
				}
			}
		case p := <-n.propc:
			var ents []raftpb.Entry
			for {
				if p.cc != nil {
					// Keep the log's order: the txns before it first.
					n.propose(ents)
					ents = nil
					n.proposeConfChange(p)
				} else {
					for _, d := range p.data {
						ents = append(ents, raftpb.Entry{Data: d})
					}
				}
				if len(ents) >= 4096 {
					break
				}
				select {
				case p = <-n.propc:
					continue
				default:
				}
				break
			}
			n.propose(ents)
		case ctx := <-n.readc:
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], ctx)
			n.rn.ReadIndex(b[:])
		case id := <-n.unreac:
			n.rn.ReportUnreachable(id)
		case index := <-n.snapc:
			if !n.snapshotted(index) {
				return
			}
		case r := <-n.reportc:
			n.rn.ReportSnapshot(r.to, r.status)
			if r.status == raft.SnapshotFinish {
				n.snapSent[r.to] = snapSent{index: r.index, at: time.Now()}
			}
		case id := <-n.lostc:
			st := n.rn.BasicStatus()
			if id == st.Lead && st.RaftState == raft.StateFollower && !n.status.Learner {
				// The leader's connection broke: likely it died. Forget it
				// now, so that this server grants another's (pre)vote
				// rather than wait out its lease, and stand for election
				// after a delay by rank (see campaignDelay) instead of an
				// election timeout: failover in milliseconds, as ZooKeeper
				// notices a dead leader by its socket. PreVote keeps this
				// harmless if the leader is alive: the others, still
				// hearing from it, refuse.
				d := n.campaignDelay(id)
				n.lg.Info("quorum: lost the connection to the leader; campaigning", "leader", id, "term", st.Term, "in", d)
				n.rn.ForgetLeader()
				campaign = time.After(d)
			}
		case <-campaign:
			campaign = nil
			if st := n.rn.BasicStatus(); st.Lead == 0 && st.RaftState == raft.StateFollower {
				n.rn.Campaign()
			}
		}
		for n.rn.HasReady() {
			if !n.ready() {
				return
			}
		}
	}
}

func (n *Node) propose(ents []raftpb.Entry) {
	if len(ents) == 0 {
		return
	}
	if err := n.rn.Step(raftpb.Message{Type: raftpb.MsgProp, From: n.cfg.ID, Entries: ents}); err != nil {
		n.lg.Debug("quorum: proposals dropped", "count", len(ents), "err", err)
	}
}

// proposeConfChange turns the target membership of p.cc into the changes
// from the current one, and proposes them (or p's txn alone, if there are
// none; or p's fallback, if raft would refuse them).
func (n *Node) proposeConfChange(p proposal) {
	if n.rn.BasicStatus().RaftState != raft.StateLeader {
		return
	}
	pending := len(n.confState.VotersOutgoing) > 0 || n.confPending > n.applied
	noVoter := !slices.ContainsFunc(p.cc.Changes, func(c raftpb.ConfChangeSingle) bool { return c.Type == raftpb.ConfChangeAddNode })
	if pending || noVoter {
		n.lg.Warn("quorum: membership change refused", "pending", pending, "noVoter", noVoter)
		n.propose([]raftpb.Entry{{Data: p.data[0]}})
		return
	}
	voters := make(map[uint64]bool)
	for _, c := range p.cc.Changes {
		voters[c.NodeID] = c.Type == raftpb.ConfChangeAddNode
	}
	cur := make(map[uint64]bool)
	for _, id := range n.confState.Voters {
		cur[id] = true
	}
	for _, id := range n.confState.Learners {
		cur[id] = false
	}
	var changes []raftpb.ConfChangeSingle
	for _, id := range slices.Sorted(maps.Keys(voters)) {
		if v, ok := cur[id]; !ok || v != voters[id] {
			typ := raftpb.ConfChangeAddLearnerNode
			if voters[id] {
				typ = raftpb.ConfChangeAddNode
			}
			changes = append(changes, raftpb.ConfChangeSingle{Type: typ, NodeID: id})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(cur)) {
		if _, ok := voters[id]; !ok {
			changes = append(changes, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeRemoveNode, NodeID: id})
		}
	}
	if len(changes) == 0 {
		n.propose([]raftpb.Entry{{Data: p.cc.Context}})
		return
	}
	cc := raftpb.ConfChangeV2{Transition: raftpb.ConfChangeTransitionAuto, Changes: changes, Context: p.cc.Context}
	data, err := cc.Marshal()
	if err != nil {
		n.lg.Error("quorum: encoding a membership change", "err", err)
		n.propose([]raftpb.Entry{{Data: p.data[0]}})
		return
	}
	if err := n.rn.Step(raftpb.Message{Type: raftpb.MsgProp, From: n.cfg.ID,
		Entries: []raftpb.Entry{{Type: raftpb.EntryConfChangeV2, Data: data}}}); err != nil {
		n.lg.Debug("quorum: membership change dropped", "err", err)
		return
	}
	n.confPending = math.MaxUint64 // until ready sees its index
	n.lg.Info("quorum: proposed a membership change", "changes", raftpb.ConfChangesToString(changes))
}

// campaignStep separates the campaigns of the voters that lose the same
// leader at once, so that one wins its election before the next stands:
// all campaigning together split the vote (with 5 servers most failovers
// waited for an election timeout).
const campaignStep = 5 * time.Millisecond

// campaignDelay is when this server campaigns after losing the leader
// lead: its rank among the other voters, by id, times campaignStep.
func (n *Node) campaignDelay(lead uint64) time.Duration {
	rank := 0
	for _, id := range n.confState.Voters {
		if id != lead && id < n.cfg.ID {
			rank++
		}
	}
	return time.Duration(rank) * campaignStep
}

// ready handles one Ready: persist, send, hand over, advance.
func (n *Node) ready() bool {
	rd := n.rn.Ready()
	leader := n.rn.BasicStatus().RaftState == raft.StateLeader
	if leader {
		// The leader may write its log while followers write theirs
		// (Raft thesis 10.2.1): its own entry counts only once persisted.
		n.send(rd.Messages)
	}
	if !raft.IsEmptySnap(rd.Snapshot) {
		// The leader's snapshot: the state machine installs it before the
		// log records that it starts there.
		m := rd.Snapshot.Metadata
		path := string(rd.Snapshot.Data)
		rd.Snapshot.Data = nil
		n.lg.Info("quorum: installing the leader's snapshot", "index", m.Index, "term", m.Term)
		if err := n.cfg.Handler.Restore(m.Index, path); err != nil {
			n.lg.Error("quorum: installing the leader's snapshot failed; stopping", "index", m.Index, "err", err)
			n.cfg.Handler.Failed(err)
			return false
		}
	}
	if err := n.disk.save(rd.Snapshot, rd.HardState, rd.Entries, rd.MustSync); err != nil {
		n.lg.Error("quorum: writing the raft log failed; stopping", "err", err)
		n.cfg.Handler.Failed(err)
		return false
	}
	if !raft.IsEmptySnap(rd.Snapshot) {
		n.ms.ApplySnapshot(rd.Snapshot)
		m := rd.Snapshot.Metadata
		n.snapIndex, n.confState, n.applied, n.compactedAt = m.Index, m.ConfState, m.Index, m.Index
		n.snapConf, n.confHist = m.ConfState, nil
		if n.joining {
			n.joining = false
			n.lg.Info("quorum: joined the ensemble", "index", m.Index, "voters", m.ConfState.Voters, "learners", m.ConfState.Learners)
		}
		n.mu.Lock()
		n.status.Applied, n.status.SnapshotIndex, n.status.Joining = m.Index, m.Index, false
		n.mu.Unlock()
	}
	if !raft.IsEmptyHardState(rd.HardState) {
		n.ms.SetHardState(rd.HardState)
	}
	for i := range rd.Entries {
		if e := &rd.Entries[i]; e.Type != raftpb.EntryNormal && leader {
			n.confPending = e.Index
		}
	}
	n.ms.Append(rd.Entries)
	if !leader {
		n.send(rd.Messages)
	}
	n.reportLeader()
	for _, rs := range rd.ReadStates {
		if len(rs.RequestCtx) == 8 {
			n.cfg.Handler.ReadIndex(binary.BigEndian.Uint64(rs.RequestCtx), rs.Index)
		}
	}
	if len(rd.CommittedEntries) > 0 {
		out := make([]Entry, 0, len(rd.CommittedEntries))
		for _, e := range rd.CommittedEntries {
			switch e.Type {
			case raftpb.EntryNormal:
				out = append(out, Entry{Index: e.Index, Term: e.Term, Data: e.Data})
			case raftpb.EntryConfChange:
				var cc raftpb.ConfChange
				if err := cc.Unmarshal(e.Data); err == nil {
					n.applyConfChange(e.Index, cc)
				}
				out = append(out, Entry{Index: e.Index, Term: e.Term})
			case raftpb.EntryConfChangeV2:
				var cc raftpb.ConfChangeV2
				ent := Entry{Index: e.Index, Term: e.Term}
				if err := cc.Unmarshal(e.Data); err == nil {
					n.applyConfChange(e.Index, cc)
					if len(cc.Context) > 0 {
						ent.Data = cc.Context
					}
				}
				out = append(out, ent)
			}
		}
		n.cfg.Handler.Committed(out)
		n.applied = rd.CommittedEntries[len(rd.CommittedEntries)-1].Index
		n.mu.Lock()
		n.status.Applied = n.applied
		n.mu.Unlock()
		n.maybeCompact()
	}
	n.rn.Advance(rd)
	return true
}

// applyConfChange applies a committed membership change.
func (n *Node) applyConfChange(index uint64, cc raftpb.ConfChangeI) {
	n.confState = *n.rn.ApplyConfChange(cc)
	n.confHist = append(n.confHist, confAt{index: index, cs: n.confState})
	n.lg.Info("quorum: membership changed", "index", index, "voters", n.confState.Voters,
		"outgoing", n.confState.VotersOutgoing, "learners", n.confState.Learners, "learnersNext", n.confState.LearnersNext)
}

// confAt returns the membership as of index (at least snapIndex).
func (n *Node) confAt(index uint64) raftpb.ConfState {
	cs := n.snapConf
	for _, h := range n.confHist {
		if h.index > index {
			break
		}
		cs = h.cs
	}
	return cs
}

func (n *Node) send(msgs []raftpb.Message) {
	for _, m := range msgs {
		if m.To == n.cfg.ID {
			n.rn.Step(m)
			continue
		}
		if m.Type == raftpb.MsgSnap {
			// The follower is behind the start of the log: stream it the
			// state machine's snapshot, on a connection of its own so
			// that heartbeats and appends to others go on meanwhile.
			go n.sendSnapshot(m)
			continue
		}
		if !n.tr.sendRaft(m) {
			n.rn.ReportUnreachable(m.To)
		}
	}
}

// maybeCompact drops applied entries from the in-memory log, keeping
// LogSlack of them, and on the leader whatever a live follower still needs
// (unless it is more than 20*LogSlack behind); never past the last
// snapshot, so that the log and the snapshot always meet.
func (n *Node) maybeCompact() {
	slack := int64(n.cfg.LogSlack)
	if n.applied-n.compactedAt < uint64(max(slack/5, 1)) {
		return
	}
	n.compactedAt = n.applied
	target := min(int64(n.applied)-slack, int64(n.snapIndex))
	if n.rn.BasicStatus().RaftState == raft.StateLeader {
		floor := int64(n.applied) - 20*slack
		for id, pr := range n.rn.Status().Progress {
			if id == n.cfg.ID {
				continue
			}
			need, live := int64(pr.Match), pr.RecentActive
			if s, ok := n.snapSent[id]; ok && time.Since(s.at) < snapHold {
				// It is installing a snapshot (and answers nothing
				// meanwhile): keep what it needs after it, or it falls
				// behind again and gets another.
				need, live = max(need, int64(s.index)), true
			}
			if live && need > floor && need < target {
				target = need
			}
		}
	}
	first, _ := n.ms.FirstIndex()
	if target <= int64(first) {
		return
	}
	if err := n.ms.Compact(uint64(target)); err != nil {
		n.lg.Warn("quorum: compacting the in-memory log", "index", target, "err", err)
	}
}

func (n *Node) reportLeader() {
	st := n.rn.BasicStatus()
	if st.Lead != n.lead || st.Term != n.term {
		n.lead, n.term = st.Lead, st.Term
		n.confPending = 0 // a new term: raft itself waits for the old ones
		n.updateStatus()
		n.cfg.Handler.LeaderChanged(st.Lead, st.Term)
	}
}

func (n *Node) updateStatus() {
	st := n.rn.Status()
	s := Status{
		ID: n.cfg.ID, Lead: st.Lead, Term: st.Term, Commit: st.Commit, Applied: n.applied,
		SnapshotIndex: n.snapIndex, Joining: n.joining,
		Leader: st.RaftState == raft.StateLeader,
	}
	cfg := st.Config
	_, s.Learner = cfg.Learners[n.cfg.ID]
	s.Joint = len(cfg.Voters[1]) > 0
	if s.Leader {
		for id, pr := range st.Progress {
			if id == n.cfg.ID {
				continue
			}
			// raft clears RecentActive every election timeout (CheckQuorum)
			// and sets it again as answers come in: active means heard
			// from by this sample or the one before.
			active := pr.RecentActive || n.wasActive[id]
			n.wasActive[id] = pr.RecentActive
			s.Followers = append(s.Followers, FollowerStatus{ID: id, Learner: pr.IsLearner, Match: pr.Match, Active: active})
		}
		slices.SortFunc(s.Followers, func(a, b FollowerStatus) int { return int(a.ID) - int(b.ID) })
	}
	n.mu.Lock()
	n.status = s
	n.mu.Unlock()
}

// raftLogger sends raft's log lines to slog.
type raftLogger struct{ lg *slog.Logger }

func (l raftLogger) Debug(v ...interface{})                 { l.lg.Debug(fmt.Sprint(v...)) }
func (l raftLogger) Debugf(format string, v ...interface{}) { l.lg.Debug(fmt.Sprintf(format, v...)) }
func (l raftLogger) Info(v ...interface{})                  { l.lg.Info(fmt.Sprint(v...)) }
func (l raftLogger) Infof(format string, v ...interface{})  { l.lg.Info(fmt.Sprintf(format, v...)) }
func (l raftLogger) Warning(v ...interface{})               { l.lg.Warn(fmt.Sprint(v...)) }
func (l raftLogger) Warningf(format string, v ...interface{}) {
	l.lg.Warn(fmt.Sprintf(format, v...))
}
func (l raftLogger) Error(v ...interface{})                 { l.lg.Error(fmt.Sprint(v...)) }
func (l raftLogger) Errorf(format string, v ...interface{}) { l.lg.Error(fmt.Sprintf(format, v...)) }
func (l raftLogger) Fatal(v ...interface{})                 { l.lg.Error(fmt.Sprint(v...)); panic(fmt.Sprint(v...)) }
func (l raftLogger) Fatalf(format string, v ...interface{}) {
	panic(fmt.Sprintf(format, v...))
}
func (l raftLogger) Panic(v ...interface{})                 { panic(fmt.Sprint(v...)) }
func (l raftLogger) Panicf(format string, v ...interface{}) { panic(fmt.Sprintf(format, v...)) }
