package server

import (
	"errors"
	"time"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/zk"
)

// isWrite reports the ops that become txns.
func isWrite(op zk.OpCode) bool {
	switch op {
	case zk.OpCreate, zk.OpCreate2, zk.OpCreateContainer, zk.OpCreateTTL,
		zk.OpDelete, zk.OpSetData, zk.OpSetACL, zk.OpCheck, zk.OpMulti, zk.OpCloseSession:
		return true
	}
	return false
}

// reconfigurable reports a reconfig that becomes a txn: in an ensemble,
// with reconfigEnabled.
func (k *core) reconfigurable(op zk.OpCode) bool {
	return op == zk.OpReconfig && k.ens != nil && k.s.cfg.ReconfigEnabled
}

// request serves one decoded request, as ZooKeeper's request processors
// (prep, sync, final) do for a standalone server. A write is prepped at
// once (prep sees the txns in flight) and answered when its txn is durable
// and applied. Anything else is answered at once unless the client has
// writes in flight, in which case it waits behind them in the client's
// queue: a client never sees its reads overtake its writes (FIFO order).
func (k *core) request(it *item) {
	cl := k.clients[it.conn]
	if cl == nil {
		return // the connection went away (or re-attached elsewhere) meanwhile
	}
	nowMs := time.Now().UnixMilli()
	hdr := it.hdr
	if hdr.Type != zk.OpAuth && !k.tracker.Touch(cl.session, nowMs) {
		k.reply(it, zk.CodeSessionExpired, nil)
		return
	}
	if k.ens != nil && hdr.Type == zk.OpSync {
		// Linearizable: wait for the leader's commit index (ReadIndex).
		q := &queued{it: it, write: true}
		cl.queue = append(cl.queue, q)
		if !k.ensembleSync(cl, q) {
			cl.conn.Close(errNoLeader)
			k.detach(cl)
		}
		return
	}
	if !isWrite(hdr.Type) && !k.reconfigurable(hdr.Type) {
		if len(cl.queue) > 0 {
			cl.queue = append(cl.queue, &queued{it: it})
			return
		}
		k.answer(cl, it)
		return
	}
	if k.ens != nil {
		if hdr.Type == zk.OpCloseSession {
			k.tracker.SetClosing(cl.session)
		}
		q := &queued{it: it, write: true}
		cl.queue = append(cl.queue, q)
		r := &fwdReq{session: cl.session, xid: hdr.Xid, op: hdr.Type, auth: cl.auth, rec: it.rec}
		if !k.ensembleWrite(r, cl, func(res engine.Result) {
			q.applied, q.res = true, res
			k.drain(cl)
		}, nil) {
			cl.conn.Close(errNoLeader)
			k.detach(cl)
		}
		return
	}
	var txn *zk.Txn
	if hdr.Type == zk.OpCloseSession {
		k.tracker.SetClosing(cl.session)
		txn = k.eng.PrepCloseSession(cl.session, hdr.Xid, nowMs)
	} else {
		start := time.Now()
		txn = k.eng.Prep(&engine.Request{
			Session: cl.session, Xid: hdr.Xid, Op: hdr.Type, Body: it.rec, Auth: cl.auth, Time: nowMs,
		})
		k.stats.prepTime.addDuration(time.Since(start))
	}
	q := &queued{it: it, write: true}
	cl.queue = append(cl.queue, q)
	k.submit(txn, func(res engine.Result) {
		q.applied, q.res = true, res
		k.drain(cl)
	})
}

// drain answers the head of cl's queue: applied writes and the reads
// behind them, up to the first write still in flight.
func (k *core) drain(cl *client) {
	for len(cl.queue) > 0 {
		q := cl.queue[0]
		if q.write && !q.applied {
			return
		}
		cl.queue[0] = nil
		cl.queue = cl.queue[1:]
		if !q.write || q.it.hdr.Type == zk.OpSync {
			k.answer(cl, q.it)
			continue
		}
		if q.it.hdr.Type == zk.OpCloseSession {
			k.tracker.Remove(cl.session)
			cl.conn.SendReply(zk.ReplyHeader{Xid: q.it.hdr.Xid, Zxid: k.eng.LastZxid()}, nil)
			cl.conn.Close(errors.New("client closed its session"))
			k.detach(cl)
			return
		}
		body, code := engine.Response(q.it.hdr.Type, q.res)
		if q.it.hdr.Type == zk.OpReconfig && code == zk.CodeOK {
			// The new config, as ZooKeeper's FinalRequestProcessor answers.
			data, _, _ := k.eng.GetData(engine.ConfigZookeeper, nil, nil)
			body = &zk.GetDataResponse{Data: data, Stat: q.res.Stat}
		}
		k.reply(q.it, code, body)
	}
}

// answer serves a request that is not a txn, now.
func (k *core) answer(cl *client, it *item) {
	switch it.hdr.Type {
	case zk.OpPing:
		z := k.eng.LastZxid()
		cl.conn.SendReply(zk.ReplyHeader{Xid: zk.XidPing, Zxid: z}, nil)
		cl.conn.RecordResponse(int64(it.hdr.Xid), z, "PING", it.received, time.Now())
		return
	case zk.OpAuth:
		k.auth(it, cl)
		return
	}
	body, code := k.read(it, cl)
	if it.hdr.Type == zk.OpMultiRead {
		k.replyWithBody(it, code, body)
		return
	}
	k.reply(it, code, body)
}

// reply sends the answer to it with the current zxid, and records latency.
func (k *core) reply(it *item, code zk.Code, body zk.Record) {
	if code != zk.CodeOK {
		body = nil
	}
	k.replyWithBody(it, code, body)
}

// lastOp is the short name cons prints for an op (FinalRequestProcessor's
// lastOp).
var lastOp = map[zk.OpCode]string{
	zk.OpPing: "PING", zk.OpCreateSession: "SESS", zk.OpMulti: "MULT", zk.OpMultiRead: "MLTR",
	zk.OpCreate: "CREA", zk.OpCreate2: "CREA", zk.OpCreateTTL: "CREA", zk.OpCreateContainer: "CREA",
	zk.OpDelete: "DELE", zk.OpSetData: "SETD", zk.OpReconfig: "RECO", zk.OpSetACL: "SETA",
	zk.OpCloseSession: "CLOS", zk.OpSync: "SYNC", zk.OpCheck: "CHEC", zk.OpExists: "EXIS",
	zk.OpGetData: "GETD", zk.OpSetWatches: "SETW", zk.OpSetWatches2: "STW2", zk.OpAddWatch: "ADDW",
	zk.OpGetACL: "GETA", zk.OpGetChildren: "GETC", zk.OpGetChildren2: "GETC",
	zk.OpGetAllChildrenNumber: "GETACN", zk.OpCheckWatches: "CHKW", zk.OpRemoveWatches: "REMW",
	zk.OpWhoAmI: "HOMI", zk.OpGetEphemerals: "GETE",
}

// replyWithBody is reply for the one answer that carries a body with an
// error: a multiRead cut short by a non-read op.
func (k *core) replyWithBody(it *item, code zk.Code, body zk.Record) {
	z := k.eng.LastZxid()
	it.conn.SendReply(zk.ReplyHeader{Xid: it.hdr.Xid, Zxid: z, Err: code}, body)
	now := time.Now()
	d := now.Sub(it.received)
	k.lat.add(d)
	if isWrite(it.hdr.Type) {
		k.stats.updateLatency.addDuration(d)
	} else {
		k.stats.readLatency.addDuration(d)
	}
	if k.s.metrics != nil {
		k.s.metrics.ObserveRequest(it.hdr.Type, d)
	}
	it.conn.RecordResponse(int64(it.hdr.Xid), z, lastOp[it.hdr.Type], it.received, now)
}

func codeOf(err error) zk.Code {
	var c zk.Code
	if errors.As(err, &c) {
		return c
	}
	return zk.CodeSystemError
}

// auth handles an auth packet (ZooKeeperServer.processPacket): success
// answers with zxid 0; failure answers AuthFailed and closes.
func (k *core) auth(it *item, cl *client) {
	p, ok := it.rec.(*zk.AuthPacket)
	if !ok {
		return
	}
	ids, err := engine.Authenticate(p.Scheme, p.Auth, remoteIP(cl.conn.RemoteAddr()), k.s.cfg.SuperDigest)
	if err != nil {
		k.stats.authFailed++
		k.s.lg.Warn("Authentication failed", "scheme", p.Scheme, "session", cl.session.String())
		cl.conn.SendReply(zk.ReplyHeader{Xid: it.hdr.Xid, Err: zk.CodeAuthFailed}, nil)
		cl.conn.Close(errors.New("authentication failed"))
		k.detach(cl)
		return
	}
	// ZooKeeper keeps a connection's ids in a hash set: AddAuthInfo
	// reproduces its order, which whoAmI and auth: ACL expansion show.
	cl.auth = engine.AddAuthInfo(cl.auth, ids...)
	cl.conn.SendReply(zk.ReplyHeader{Xid: it.hdr.Xid}, nil)
}

// read answers every request that does not change the tree.
func (k *core) read(it *item, cl *client) (zk.Record, zk.Code) {
	e := k.eng
	watch := func(on bool) engine.Watcher {
		if on {
			return cl
		}
		return nil
	}
	switch r := it.rec.(type) {
	case *zk.GetDataRequest:
		data, stat, err := e.GetData(r.Path, cl.auth, watch(r.Watch))
		if err != nil {
			return nil, codeOf(err)
		}
		return &zk.GetDataResponse{Data: data, Stat: stat}, zk.CodeOK
	case *zk.ExistsRequest:
		stat, err := e.Exists(r.Path, cl.auth, watch(r.Watch))
		if err != nil {
			return nil, codeOf(err)
		}
		return &zk.ExistsResponse{Stat: stat}, zk.CodeOK
	case *zk.GetChildrenRequest:
		children, _, err := e.GetChildren(r.Path, cl.auth, watch(r.Watch))
		if err != nil {
			return nil, codeOf(err)
		}
		if enc := k.encodeChildren(r.Path, children); enc != nil {
			return &childrenBody{enc}, zk.CodeOK
		}
		return &zk.GetChildrenResponse{Children: children}, zk.CodeOK
	case *zk.GetChildren2Request:
		children, stat, err := e.GetChildren(r.Path, cl.auth, watch(r.Watch))
		if err != nil {
			return nil, codeOf(err)
		}
		if enc := k.encodeChildren(r.Path, children); enc != nil {
			return &children2Body{enc, stat}, zk.CodeOK
		}
		return &zk.GetChildren2Response{Children: children, Stat: stat}, zk.CodeOK
	case *zk.GetACLRequest:
		acl, stat, err := e.GetACL(r.Path, cl.auth)
		if err != nil {
			return nil, codeOf(err)
		}
		return &zk.GetACLResponse{ACL: acl, Stat: stat}, zk.CodeOK
	case *zk.GetAllChildrenNumberRequest:
		n, err := e.AllChildrenNumber(r.Path, cl.auth)
		if err != nil {
			return nil, codeOf(err)
		}
		return &zk.GetAllChildrenNumberResponse{TotalNumber: n}, zk.CodeOK
	case *zk.GetEphemeralsRequest:
		return &zk.GetEphemeralsResponse{Ephemerals: e.Ephemerals(cl.session, r.PrefixPath)}, zk.CodeOK
	case *zk.SyncRequest:
		return &zk.SyncResponse{Path: r.Path}, zk.CodeOK
	case *zk.SetWatches:
		e.Watches().Reattach(r.RelativeZxid, r.DataWatches, r.ExistWatches, r.ChildWatches, nil, nil, cl, e.NodeZxidsOf)
		return nil, zk.CodeOK
	case *zk.SetWatches2:
		e.Watches().Reattach(r.RelativeZxid, r.DataWatches, r.ExistWatches, r.ChildWatches,
			r.PersistentWatches, r.PersistentRecursiveWatches, cl, e.NodeZxidsOf)
		return nil, zk.CodeOK
	case *zk.AddWatchRequest:
		switch r.Mode {
		case zk.AddWatchModePersistent:
			e.Watches().AddPersistent(r.Path, cl, false)
		case zk.AddWatchModePersistentRecursive:
			e.Watches().AddPersistent(r.Path, cl, true)
		default:
			// AddWatchMode.fromValue throws: ZooKeeper answers MarshallingError.
			return nil, zk.CodeMarshallingError
		}
		return &zk.ErrorResponse{Err: zk.CodeOK}, zk.CodeOK
	case *zk.CheckWatchesRequest:
		if r.Type < zk.WatcherTypeChildren || r.Type > zk.WatcherTypePersistentRecursive {
			return nil, zk.CodeMarshallingError
		}
		if !e.Watches().Contains(r.Path, cl, r.Type) {
			return nil, zk.CodeNoWatcher
		}
		return nil, zk.CodeOK
	case *zk.RemoveWatchesRequest:
		if r.Type < zk.WatcherTypeChildren || r.Type > zk.WatcherTypePersistentRecursive {
			return nil, zk.CodeMarshallingError
		}
		if !e.Watches().Remove(r.Path, cl, r.Type) {
			return nil, zk.CodeNoWatcher
		}
		return nil, zk.CodeOK
	case *zk.MultiRequest: // multiRead
		return k.multiRead(r, cl)
	case *zk.ReconfigRequest:
		// An ensemble with reconfigEnabled makes it a write.
		if !k.s.cfg.ReconfigEnabled {
			return nil, zk.CodeReconfigDisabled
		}
		return nil, zk.CodeUnimplemented // standalone, as ZooKeeper
	}
	if it.hdr.Type == zk.OpWhoAmI {
		return &zk.WhoAmIResponse{ClientInfo: engine.ClientInfos(cl.auth)}, zk.CodeOK
	}
	return nil, zk.CodeUnimplemented
}

// multiRead answers each read op on its own; an error is that op's result.
// A non-read op ends the request with MarshallingError, and ZooKeeper still
// sends the results gathered before it, so the body comes with the error.
func (k *core) multiRead(m *zk.MultiRequest, cl *client) (zk.Record, zk.Code) {
	out := &zk.MultiResponse{Results: make([]zk.MultiResult, 0, len(m.Ops))}
	for _, op := range m.Ops {
		var res zk.MultiResult
		var err error
		switch r := op.Body.(type) {
		case *zk.GetChildrenRequest:
			// ZooKeeper ignores the watch flag of reads inside multiRead.
			var children []string
			children, _, err = k.eng.GetChildren(r.Path, cl.auth, nil)
			res.Header = zk.MultiHeader{Type: zk.OpGetChildren}
			res.Body = &zk.GetChildrenResponse{Children: children}
		case *zk.GetDataRequest:
			var data []byte
			var stat zk.Stat
			data, stat, err = k.eng.GetData(r.Path, cl.auth, nil)
			res.Header = zk.MultiHeader{Type: zk.OpGetData}
			res.Body = &zk.GetDataResponse{Data: data, Stat: stat}
		default:
			return out, zk.CodeMarshallingError
		}
		if err != nil {
			c := codeOf(err)
			res.Header = zk.MultiHeader{Type: zk.OpError, Err: c}
			res.Body = &zk.ErrorResponse{Err: c}
		}
		out.Results = append(out.Results, res)
	}
	return out, zk.CodeOK
}
