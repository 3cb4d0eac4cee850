package server

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/net/zknet"
	"github.com/paddockdb/paddock/zk"
)

type itemKind uint8

const (
	itemConnect itemKind = iota
	itemRequest
	itemUnknownOp
	itemClosed
	itemFourLetter
	itemCommand // an AdminServer command: word is its name
)

// item is one unit of work for the core goroutine.
type item struct {
	kind     itemKind
	conn     *zknet.Conn
	hdr      zk.RequestHeader
	rec      zk.Record
	received time.Time
	connReq  *zk.ConnectRequest
	reply    chan connectResult
	word     string
	out      chan fourLetterResult
	params   url.Values
	cmdOut   chan fields
	failed   bool // the server had failed: no answer
}

type connectResult struct {
	resp     zk.ConnectResponse
	keepOpen bool
	err      error
}

type fourLetterResult struct {
	text string
	ok   bool
}

// client is the core's view of one connection: its session and the
// identities it has authenticated as. It is the engine.Watcher of the
// watches the connection sets, as in ZooKeeper, where watches belong to the
// connection and a reconnecting client re-sends them with setWatches.
type client struct {
	conn    *zknet.Conn
	session zk.SessionID
	auth    []zk.Id
	queue   []*queued // requests waiting behind this client's writes in flight
}

// Event delivers a watch event; it queues and never blocks.
func (cl *client) Event(ev zk.WatcherEvent, zxid zk.Zxid) { cl.conn.SendEvent(ev) }

// core owns the engine and everything it touches. Only its goroutine uses
// its fields, except in (the queue) and the stats read by four-letter
// words, which it also answers.
type core struct {
	s         *Server
	in        chan *item
	eng       *engine.Engine
	tracker   *engine.SessionTracker
	clients   map[*zknet.Conn]*client
	bySession map[zk.SessionID]*client
	lat       latency
	stats     *opStats
	childEnc  map[string]encodedChildren // see children.go
	traceMask int64                      // get_trace_mask / set_trace_mask (ZooTrace's mask; Paddock does not trace)

	lastCheckpoint   zk.Zxid   // the last durable checkpoint (last_snapshot)
	lastCheckpointAt time.Time // and when it finished

	log      wal // nil: in memory
	dur      *durability
	inflight []pending // txns appended, not yet applied, in zxid order
	buf      []byte    // txn encoding scratch
	failed   bool
	cp       *checkpointer // nil: no checkpoint store (tests with an injected log)
	ens      *ensemble     // nil: standalone
}

// newEngine makes the server's empty engine.
func newEngine(s *Server) *engine.Engine {
	eng := engine.New(engine.Config{ExtendedTypes: s.cfg.ExtendedTypesEnabled, EnforceQuota: s.cfg.EnforceQuota, Logger: s.lg})
	// ZOOKEEPER-4799: a watch event reaches a connection only if it may
	// read the node (for NodeChildrenChanged, the parent).
	eng.Watches().SetReadCheck(func(wr engine.Watcher, path string, acl []zk.ACL) bool {
		cl, ok := wr.(*client)
		return !ok || engine.CheckACL(acl, zk.PermRead, cl.auth)
	})
	return eng
}

func newCore(s *Server) *core {
	eng := newEngine(s)
	now := time.Now().UnixMilli()
	eng.InitSessionIDs(0, now)
	return &core{
		s:         s,
		in:        make(chan *item, 4096),
		eng:       eng,
		tracker:   engine.NewSessionTracker(s.cfg.TickTime.Milliseconds(), now),
		clients:   make(map[*zknet.Conn]*client),
		bySession: make(map[zk.SessionID]*client),
		dur:       newDurability(),
		stats:     newOpStats(),
		traceMask: defaultTraceMask,
	}
}

func (k *core) run(stop <-chan struct{}) {
	tick := time.NewTicker(k.s.cfg.TickTime)
	defer tick.Stop()
	sweep := time.NewTicker(k.s.containerInterval())
	defer sweep.Stop()
	var purge <-chan time.Time
	if iv := k.s.cfg.PurgeInterval; iv > 0 && k.cp != nil {
		t := time.NewTicker(iv)
		defer t.Stop()
		purge = t.C
	}
	for {
		select {
		case it := <-k.in:
			if k.failed {
				k.refuse(it)
				continue
			}
			k.handle(it)
		case <-k.dur.wake:
			k.onWake()
		case ev := <-k.ensembleEvents():
			if !k.failed {
				k.ensembleEvent(ev)
			}
		case now := <-tick.C:
			if k.ens != nil {
				k.sendTouches()
				k.ensembleTick(now)
			}
			k.expireSessions(now.UnixMilli())
		case now := <-sweep.C:
			k.sweepContainers(now.UnixMilli())
		case d := <-k.checkpointDone():
			k.checkpointed(d)
		case <-purge:
			k.purge()
		case <-stop:
			return
		}
	}
}

func (k *core) handle(it *item) {
	switch it.kind {
	case itemConnect:
		k.connect(it)
	case itemRequest:
		k.request(it)
	case itemUnknownOp:
		// ZooKeeper's UnimplementedRequestProcessor: answer, then close.
		k.s.lg.Warn("closing connection: unknown request type",
			"remote", it.conn.RemoteAddr().String(), "session", it.conn.SessionID().String(), "type", int32(it.hdr.Type))
		// Its zxid is the request's, -1 for anything that is not a txn.
		it.conn.SendReply(zk.ReplyHeader{Xid: it.hdr.Xid, Zxid: -1, Err: zk.CodeUnimplemented}, nil)
		it.conn.Close(fmt.Errorf("unknown request type %d", int32(it.hdr.Type)))
	case itemClosed:
		k.closed(it.conn)
	case itemFourLetter:
		text, ok := k.fourLetter(it.word)
		it.out <- fourLetterResult{text, ok}
	case itemCommand:
		f, _ := k.command(it.word, it.params)
		if f == nil {
			f = fields{}
		}
		it.cmdOut <- f
	}
}

// refuse answers an item once the server has failed: nothing more is
// served.
func (k *core) refuse(it *item) {
	switch it.kind {
	case itemConnect:
		it.reply <- connectResult{err: errServerStopping}
	case itemFourLetter:
		it.out <- fourLetterResult{}
	case itemCommand:
		it.failed = true
		it.cmdOut <- nil
	case itemRequest, itemUnknownOp:
		it.conn.Close(errServerStopping)
	case itemClosed:
		k.closed(it.conn)
	}
}

func remoteIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// connect is ZooKeeperServer.processConnectRequest. A new session is a
// createSession txn: the answer waits until it is durable and applied.
func (k *core) connect(it *item) {
	c, req := it.conn, it.connReq
	k.stats.connectRequests++
	answer := func(resp zk.ConnectResponse, keep bool, err error) {
		it.reply <- connectResult{resp, keep, err}
	}
	last := k.eng.LastZxid()
	if req.LastZxidSeen > last {
		msg := fmt.Sprintf("Refusing session request for client %s as it has seen zxid %s our last zxid is %s client must try another server",
			c.RemoteAddr(), req.LastZxidSeen, last)
		k.s.lg.Info(msg)
		answer(zk.ConnectResponse{}, false, errors.New(msg))
		return
	}
	timeout := int64(req.TimeOut)
	if minT := k.s.cfg.MinSessionTimeout.Milliseconds(); timeout < minT {
		timeout = minT
	}
	if maxT := k.s.cfg.MaxSessionTimeout.Milliseconds(); timeout > maxT {
		timeout = maxT
	}
	now := time.Now().UnixMilli()
	established := func(id zk.SessionID) {
		cl := &client{conn: c, session: id, auth: engine.AddAuthInfo(nil, engine.IPID(remoteIP(c.RemoteAddr())))}
		k.clients[c] = cl
		k.bySession[id] = cl
		answer(zk.ConnectResponse{TimeOut: int32(timeout), SessionID: id, Passwd: engine.SessionPassword(id)}, true, nil)
	}
	id := req.SessionID
	if k.ens != nil && k.ens.lead == 0 && id == 0 {
		answer(zk.ConnectResponse{}, false, errNoLeader)
		return
	}
	if k.ens != nil && !k.ens.member {
		answer(zk.ConnectResponse{}, false, errRemoved)
		return
	}
	if k.ens != nil && k.ens.isLeader() && !k.s.cfg.LeaderServes {
		answer(zk.ConnectResponse{}, false, errLeaderServesNo)
		return
	}
	if id == 0 && k.ens != nil {
		id = k.eng.NewSessionID()
		ok := k.ensembleWrite(&fwdReq{session: id, op: zk.OpCreateSession, timeout: int32(timeout)}, nil,
			func(engine.Result) {
				k.s.lg.Info("Established session", "session", id.String(), "timeout", timeout,
					"remote", c.RemoteAddr().String())
				established(id)
			},
			func() {
				answer(zk.ConnectResponse{}, false, errors.New("the leader changed while creating the session"))
			})
		if !ok {
			answer(zk.ConnectResponse{}, false, errNoLeader)
		}
		return
	}
	if id == 0 {
		txn := k.eng.PrepCreateSession(int32(timeout), now)
		id = txn.Header.ClientID
		k.tracker.Add(id, timeout, now)
		k.submit(txn, func(engine.Result) {
			k.s.lg.Info("Established session", "session", id.String(), "timeout", timeout,
				"remote", c.RemoteAddr().String())
			established(id)
		})
		return
	}
	// As ZooKeeper: first close any other connection of the session, then
	// check the password.
	if old := k.bySession[id]; old != nil && old.conn != c {
		old.conn.Close(errors.New("client reconnected on another connection"))
		k.detach(old)
	}
	if !bytes.Equal(req.Passwd, engine.SessionPassword(id)) {
		k.s.lg.Info(fmt.Sprintf("Incorrect password from %s for session %s", c.RemoteAddr(), id))
		answer(zknet.InvalidSessionResponse(), false, nil)
		return
	}
	if _, open := k.eng.HasSession(id); !open || !k.tracker.Touch(id, now) {
		k.s.lg.Info("Invalid session for client, probably expired", "session", id.String(),
			"remote", c.RemoteAddr().String())
		answer(zknet.InvalidSessionResponse(), false, nil)
		return
	}
	k.s.lg.Info("Re-established session", "session", id.String(), "timeout", timeout,
		"remote", c.RemoteAddr().String())
	established(id)
}

// detach forgets a connection: its watches and queued reads go, its
// session stays.
func (k *core) detach(cl *client) {
	if k.ens != nil {
		k.forgetClient(cl)
	}
	k.eng.Watches().RemoveWatcher(cl)
	cl.queue = nil
	delete(k.clients, cl.conn)
	if k.bySession[cl.session] == cl {
		delete(k.bySession, cl.session)
	}
}

func (k *core) closed(c *zknet.Conn) {
	if cl := k.clients[c]; cl != nil {
		k.detach(cl)
	}
}

func (k *core) expireSessions(now int64) {
	if k.ens != nil && !(k.ens.isLeader() && k.ens.ready) {
		return // only a leader expires sessions
	}
	for _, s := range k.tracker.Expired(now) {
		to, _ := k.tracker.Timeout(s)
		k.stats.sessionsExpired++
		k.s.lg.Info(fmt.Sprintf("Expiring session %s, timeout of %dms exceeded", s, to), "session", s.String())
		if cl := k.bySession[s]; cl != nil {
			cl.conn.Close(fmt.Errorf("session %s expired", s))
			k.detach(cl)
		}
		if k.ens != nil {
			k.propose(k.eng.PrepCloseSession(s, 0, now))
			continue
		}
		k.submit(k.eng.PrepCloseSession(s, 0, now), func(engine.Result) { k.tracker.Remove(s) })
	}
}

// sweepContainers deletes empty containers and expired TTL nodes, as
// ZooKeeper's ContainerManager does once a checkInterval.
func (k *core) sweepContainers(now int64) {
	if k.ens != nil && !(k.ens.isLeader() && k.ens.ready) {
		return
	}
	for _, p := range k.eng.ExpiredTTLAndContainers(now) {
		if k.ens != nil {
			k.propose(k.eng.PrepDeleteContainer(p, now))
			continue
		}
		k.submit(k.eng.PrepDeleteContainer(p, now), nil)
	}
}

// ensembleEvents is the channel of the quorum node's reports, nil (never
// ready) when standalone.
func (k *core) ensembleEvents() <-chan ensEvent {
	if k.ens == nil {
		return nil
	}
	return k.ens.events
}
