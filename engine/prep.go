package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/paddockdb/paddock/zk"
)

// change is what Prep knows of a node once the transactions still in flight
// are applied: ZooKeeper's ChangeRecord. A deleted node has deleted set.
type change struct {
	zxid           zk.Zxid
	path           string
	deleted        bool
	version        int32
	cversion       int32
	aversion       int32
	ephemeralOwner zk.SessionID
	childCount     int32
	acl            []zk.ACL
	dataLen        int
}

// pendingChanges holds the change records of prepared, unapplied txns in
// zxid order, and the newest one per path.
type pendingChanges struct {
	byPath map[string]*change
	list   []*change
	// created holds sessions whose createSession is prepped and not yet
	// applied, with its zxid: in an ensemble a follower may apply it and
	// forward the session's first write before the leader applies it, and
	// the leader's prep must know the session then (ZooKeeper's leader
	// adds a session to its tracker when it preps createSession).
	created map[zk.SessionID]zk.Zxid
}

func newPendingChanges() pendingChanges {
	return pendingChanges{byPath: make(map[string]*change)}
}

func (p *pendingChanges) add(c *change) {
	p.byPath[c.path] = c
	p.list = append(p.list, c)
}

// ResetPrep forgets every prepared, unapplied txn (a leader that lost its
// leadership: they may never commit) and makes the next zxid Prep assigns
// greater than both the last applied one and floor (a new leader's
// epoch<<32).
func (e *Engine) ResetPrep(floor zk.Zxid) {
	e.pending = newPendingChanges()
	e.nextZxid = max(e.lastZxid, floor)
}

// retire drops the records of txns with zxid <= z, once applied
// (FinalRequestProcessor's outstandingChanges cleanup).
func (p *pendingChanges) retire(z zk.Zxid) {
	for id, cz := range p.created {
		if cz <= z {
			delete(p.created, id)
		}
	}
	i := 0
	for ; i < len(p.list) && p.list[i].zxid <= z; i++ {
		c := p.list[i]
		if p.byPath[c.path] == c {
			delete(p.byPath, c.path)
		}
		p.list[i] = nil
	}
	p.list = p.list[i:]
	if len(p.list) == 0 {
		p.list = p.list[:0:0]
	}
}

// record returns the state of path as Prep must see it: the newest pending
// change, else the tree.
func (e *Engine) record(path string) (*change, error) {
	if c, ok := e.pending.byPath[path]; ok {
		if c.deleted {
			return nil, zk.CodeNoNode
		}
		return c, nil
	}
	n := e.tree.lookup(path)
	if n == nil {
		return nil, zk.CodeNoNode
	}
	return &change{
		zxid: n.mzxid, path: path, version: n.version, cversion: n.cversion,
		aversion: n.aversion, ephemeralOwner: n.ephemeralOwner,
		childCount: n.numChildren, acl: e.tree.acls.Get(n.acl), dataLen: len(n.data),
	}, nil
}

func (c *change) dup(z zk.Zxid) *change {
	d := *c
	d.zxid = z
	return &d
}

// isSpecialPath reports the paths that can never be deleted.
func isSpecialPath(p string) bool {
	return p == "/" || p == ProcZookeeper || p == QuotaZookeeper || p == ConfigZookeeper
}

// parentForDelete is PrepRequestProcessor.getParentPathAndValidate.
func parentForDelete(p string) (string, error) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 || strings.IndexByte(p, 0) >= 0 || isSpecialPath(p) {
		return "", zk.CodeBadArguments
	}
	if i == 0 {
		return "/", nil
	}
	return p[:i], nil
}

func (e *Engine) checkSession(s zk.SessionID) error {
	if _, ok := e.sessions[s]; !ok {
		if _, ok := e.pending.created[s]; !ok {
			return zk.CodeSessionExpired
		}
	}
	return nil
}

// Prep turns a write request into a transaction with the next zxid, checking
// it against the tree and every transaction still in flight, as ZooKeeper's
// PrepRequestProcessor does. Like ZooKeeper, a rejected request still
// becomes a transaction: an ErrorTxn (header type OpError) carrying the
// error code, or for a multi a MultiTxn whose failing op is an ErrorTxn. It
// uses up a zxid, goes through the log, and its reply carries that zxid, as
// ZooKeeper's does; applying it changes nothing. TxnError tells the code.
func (e *Engine) Prep(r *Request) *zk.Txn {
	e.nextZxid++
	zxid := e.nextZxid
	hdr := zk.TxnHeader{ClientID: r.Session, Cxid: r.Xid, Zxid: zxid, Time: r.Time, Type: r.Op}
	var body zk.Record
	var err error
	if r.Op == zk.OpMulti {
		body, err = e.prepMulti(r, zxid)
	} else {
		body, err = e.prepOne(r.Op, r.Body, r, zxid)
	}
	if err != nil {
		hdr.Type = zk.OpError
		body = &zk.ErrorTxn{Err: codeOf(err)}
	}
	return &zk.Txn{Header: hdr, Body: body}
}

// TxnError returns the error a prepared txn carries: the code of an ErrorTxn,
// the first failure of a multi, or CodeOK.
func TxnError(t *zk.Txn) zk.Code {
	switch b := t.Body.(type) {
	case *zk.ErrorTxn:
		return b.Err
	case *zk.MultiTxn:
		for _, op := range b.Txns {
			if et, ok := op.Body.(*zk.ErrorTxn); ok && op.Type == zk.OpError {
				return et.Err
			}
		}
	}
	return zk.CodeOK
}

func codeOf(err error) zk.Code {
	if c, ok := err.(zk.Code); ok {
		return c
	}
	return zk.CodeSystemError
}

func (e *Engine) prepOne(op zk.OpCode, rec zk.Record, r *Request, zxid zk.Zxid) (zk.Record, error) {
	switch op {
	case zk.OpCreate, zk.OpCreate2, zk.OpCreateContainer, zk.OpCreateTTL:
		switch q := rec.(type) {
		case *zk.CreateRequest:
			return e.prepCreate(op, q.Path, q.Data, q.ACL, q.Flags, -1, r, zxid)
		case *zk.CreateTTLRequest:
			ttl := q.TTL
			if op != zk.OpCreateTTL {
				ttl = -1 // a TTL request demoted by its mode (multiOpType)
			}
			return e.prepCreate(op, q.Path, q.Data, q.ACL, q.Flags, ttl, r, zxid)
		}
		return nil, zk.CodeMarshallingError
	case zk.OpDelete:
		q, ok := rec.(*zk.DeleteRequest)
		if !ok {
			return nil, zk.CodeMarshallingError
		}
		return e.prepDelete(q.Path, q.Version, r, zxid)
	case zk.OpDeleteContainer:
		q, ok := rec.(*zk.DeleteRequest)
		if !ok {
			return nil, zk.CodeMarshallingError
		}
		return e.prepDeleteContainer(q.Path, zxid)
	case zk.OpSetData:
		q, ok := rec.(*zk.SetDataRequest)
		if !ok {
			return nil, zk.CodeMarshallingError
		}
		return e.prepSetData(q, r, zxid)
	case zk.OpSetACL:
		q, ok := rec.(*zk.SetACLRequest)
		if !ok {
			return nil, zk.CodeMarshallingError
		}
		return e.prepSetACL(q, r, zxid)
	case zk.OpCheck:
		q, ok := rec.(*zk.CheckVersionRequest)
		if !ok {
			return nil, zk.CodeMarshallingError
		}
		return e.prepCheck(q, r)
	case zk.OpCloseSession:
		return e.prepCloseSession(r.Session, zxid), nil
	}
	return nil, zk.CodeUnimplemented
}

func checkAndIncVersion(current, expected int32) (int32, error) {
	if expected != -1 && expected != current {
		return 0, zk.CodeBadVersion
	}
	next := current + 1
	if next == -1 { // ZOOKEEPER-4743: never hand out -1
		next = 0
	}
	return next, nil
}

func (e *Engine) prepCreate(op zk.OpCode, path string, data []byte, acl []zk.ACL, flags int32, ttl int64, r *Request, zxid zk.Zxid) (zk.Record, error) {
	if flags < zk.ModePersistent || flags > zk.ModePersistentSequentialWithTTL {
		return nil, zk.CodeBadArguments
	}
	isTTL := flags == zk.ModePersistentWithTTL || flags == zk.ModePersistentSequentialWithTTL
	isSeq := flags == zk.ModePersistentSequential || flags == zk.ModeEphemeralSequential ||
		flags == zk.ModePersistentSequentialWithTTL
	isEph := flags == zk.ModeEphemeral || flags == zk.ModeEphemeralSequential
	isContainer := flags == zk.ModeContainer
	// validateCreateRequest
	if isTTL && !e.cfg.ExtendedTypes {
		return nil, zk.CodeUnimplemented
	}
	if isTTL {
		if ttl <= 0 || ttl > MaxTTL {
			return nil, zk.CodeBadArguments
		}
	} else if ttl >= 0 {
		return nil, zk.CodeBadArguments
	}
	if err := e.checkSession(r.Session); err != nil {
		return nil, err
	}
	// validatePathForCreate
	slash := strings.LastIndexByte(path, '/')
	if slash < 0 || strings.IndexByte(path, 0) >= 0 {
		return nil, zk.CodeBadArguments
	}
	parentPath := "/"
	if slash > 0 {
		parentPath = path[:slash]
	}
	fixed, err := FixupACL(acl, r.Auth)
	if err != nil {
		return nil, err
	}
	parent, err := e.record(parentPath)
	if err != nil {
		return nil, err
	}
	if !CheckACL(parent.acl, zk.PermCreate, r.Auth) {
		return nil, zk.CodeNoAuth
	}
	if isSeq {
		path += fmt.Sprintf("%010d", parent.cversion)
	}
	if ValidatePath(path) != nil {
		return nil, zk.CodeBadArguments
	}
	if _, err := e.record(path); err == nil {
		return nil, zk.CodeNodeExists
	}
	if classifyOwner(parent.ephemeralOwner, e.cfg.ExtendedTypes) == ephNormal {
		return nil, zk.CodeNoChildrenForEphemerals
	}
	newCversion := parent.cversion + 1
	if err := e.checkQuota(path, int64(len(data)), 1); err != nil {
		return nil, err
	}
	var body zk.Record
	switch op {
	case zk.OpCreateContainer:
		body = &zk.CreateContainerTxn{Path: path, Data: data, ACL: fixed, ParentCVersion: newCversion}
	case zk.OpCreateTTL:
		body = &zk.CreateTTLTxn{Path: path, Data: data, ACL: fixed, ParentCVersion: newCversion, TTL: ttl}
	default:
		body = &zk.CreateTxn{Path: path, Data: data, ACL: fixed, Ephemeral: isEph, ParentCVersion: newCversion}
	}
	var owner zk.SessionID
	switch {
	case isContainer:
		owner = ContainerOwner
	case isTTL:
		owner = ttlOwner(ttl)
	case isEph:
		owner = r.Session
	}
	p := parent.dup(zxid)
	p.childCount++
	p.cversion = newCversion
	e.pending.add(p)
	e.pending.add(&change{zxid: zxid, path: path, ephemeralOwner: owner, acl: fixed, dataLen: len(data)})
	return body, nil
}

func (e *Engine) prepDelete(path string, version int32, r *Request, zxid zk.Zxid) (zk.Record, error) {
	if err := e.checkSession(r.Session); err != nil {
		return nil, err
	}
	parentPath, err := parentForDelete(path)
	if err != nil {
		return nil, err
	}
	parent, err := e.record(parentPath)
	if err != nil {
		return nil, err
	}
	if !CheckACL(parent.acl, zk.PermDelete, r.Auth) {
		return nil, zk.CodeNoAuth
	}
	n, err := e.record(path)
	if err != nil {
		return nil, err
	}
	if _, err := checkAndIncVersion(n.version, version); err != nil {
		return nil, err
	}
	if n.childCount > 0 {
		return nil, zk.CodeNotEmpty
	}
	e.pendDelete(parent, path, zxid)
	return &zk.DeleteTxn{Path: path}, nil
}

func (e *Engine) pendDelete(parent *change, path string, zxid zk.Zxid) {
	p := parent.dup(zxid)
	p.childCount--
	e.pending.add(p)
	e.pending.add(&change{zxid: zxid, path: path, deleted: true})
}

func (e *Engine) prepDeleteContainer(path string, zxid zk.Zxid) (zk.Record, error) {
	parentPath, err := parentForDelete(path)
	if err != nil {
		return nil, err
	}
	n, err := e.record(path)
	if err != nil {
		return nil, err
	}
	if n.childCount > 0 {
		return nil, zk.CodeNotEmpty
	}
	if classifyOwner(n.ephemeralOwner, e.cfg.ExtendedTypes) == ephNormal {
		return nil, zk.CodeBadVersion
	}
	parent, err := e.record(parentPath)
	if err != nil {
		return nil, err
	}
	e.pendDelete(parent, path, zxid)
	return &zk.DeleteTxn{Path: path}, nil
}

// existingFor runs the checks setData and check share, in ZooKeeper's
// order: session, path, existence, then perm on the node's ACL.
func (e *Engine) existingFor(path string, perm int32, r *Request) (*change, error) {
	if err := e.checkSession(r.Session); err != nil {
		return nil, err
	}
	if ValidatePath(path) != nil {
		return nil, zk.CodeBadArguments
	}
	n, err := e.record(path)
	if err != nil {
		return nil, err
	}
	if !CheckACL(n.acl, perm, r.Auth) {
		return nil, zk.CodeNoAuth
	}
	return n, nil
}

func (e *Engine) prepSetData(q *zk.SetDataRequest, r *Request, zxid zk.Zxid) (zk.Record, error) {
	n, err := e.existingFor(q.Path, zk.PermWrite, r)
	if err != nil {
		return nil, err
	}
	if err := e.checkQuota(q.Path, int64(len(q.Data)-n.dataLen), 0); err != nil {
		return nil, err
	}
	v, err := checkAndIncVersion(n.version, q.Version)
	if err != nil {
		return nil, err
	}
	c := n.dup(zxid)
	c.version = v
	c.dataLen = len(q.Data)
	e.pending.add(c)
	return &zk.SetDataTxn{Path: q.Path, Data: q.Data, Version: v}, nil
}

func (e *Engine) prepSetACL(q *zk.SetACLRequest, r *Request, zxid zk.Zxid) (zk.Record, error) {
	if err := e.checkSession(r.Session); err != nil {
		return nil, err
	}
	if ValidatePath(q.Path) != nil {
		return nil, zk.CodeBadArguments
	}
	fixed, err := FixupACL(q.ACL, r.Auth)
	if err != nil {
		return nil, err
	}
	n, err := e.record(q.Path)
	if err != nil {
		return nil, err
	}
	if !CheckACL(n.acl, zk.PermAdmin, r.Auth) {
		return nil, zk.CodeNoAuth
	}
	v, err := checkAndIncVersion(n.aversion, q.Version)
	if err != nil {
		return nil, err
	}
	c := n.dup(zxid)
	c.aversion = v
	c.acl = fixed
	e.pending.add(c)
	return &zk.SetACLTxn{Path: q.Path, ACL: fixed, Version: v}, nil
}

func (e *Engine) prepCheck(q *zk.CheckVersionRequest, r *Request) (zk.Record, error) {
	n, err := e.existingFor(q.Path, zk.PermRead, r)
	if err != nil {
		return nil, err
	}
	v, err := checkAndIncVersion(n.version, q.Version)
	if err != nil {
		return nil, err
	}
	return &zk.CheckVersionTxn{Path: q.Path, Version: v}, nil
}

// prepMulti preps every op of a multi under one zxid. On the first failure
// the multi's pending changes are rolled back and, as in ZooKeeper, the
// failing op becomes ErrorTxn(code) and every later one
// ErrorTxn(RuntimeInconsistency); the ops before it keep their txns, which
// apply as errors too (DataTree.processTxn's multi rule).
func (e *Engine) prepMulti(r *Request, zxid zk.Zxid) (zk.Record, error) {
	q, ok := r.Body.(*zk.MultiRequest)
	if !ok {
		return nil, zk.CodeMarshallingError
	}
	for _, op := range q.Ops {
		switch op.Header.Type {
		case zk.OpCreate, zk.OpCreate2, zk.OpCreateTTL, zk.OpCreateContainer,
			zk.OpDelete, zk.OpSetData, zk.OpCheck:
		default:
			return nil, zk.CodeMarshallingError
		}
		// A plain create request in a TTL mode becomes a TTL create
		// without its TTL record, which ZooKeeper's prep cannot cast: the
		// whole multi fails with MarshallingError.
		if c, ok := op.Body.(*zk.CreateRequest); ok &&
			(c.Flags == zk.ModePersistentWithTTL || c.Flags == zk.ModePersistentSequentialWithTTL) {
			return nil, zk.CodeMarshallingError
		}
	}
	savedPaths := maps.Clone(e.pending.byPath)
	savedLen := len(e.pending.list)
	txns := make([]zk.TxnOp, 0, len(q.Ops))
	failed := false
	for _, op := range q.Ops {
		if failed {
			txns = append(txns, zk.TxnOp{Type: zk.OpError, Body: &zk.ErrorTxn{Err: zk.CodeRuntimeInconsistency}})
			continue
		}
		typ := multiOpType(op)
		body, err := e.prepOne(typ, op.Body, r, zxid)
		if err != nil {
			failed = true
			txns = append(txns, zk.TxnOp{Type: zk.OpError, Body: &zk.ErrorTxn{Err: codeOf(err)}})
			for j := savedLen; j < len(e.pending.list); j++ {
				e.pending.list[j] = nil
			}
			e.pending.list = e.pending.list[:savedLen]
			e.pending.byPath = savedPaths
			continue
		}
		txns = append(txns, zk.TxnOp{Type: typ, Body: body})
	}
	return &zk.MultiTxn{Txns: txns}, nil
}

// multiOpType is the type ZooKeeper gives a create inside a multi: it
// rebuilds each one with Op.create from its flags (MultiOperationRecord), so
// the type follows the create mode, not the op code: a create2 with a plain
// mode is a create, a create with the container mode a createContainer, and
// a createTTL whose mode is not a TTL mode a plain create.
func multiOpType(op zk.MultiOp) zk.OpCode {
	var flags int32
	switch b := op.Body.(type) {
	case *zk.CreateRequest:
		flags = b.Flags
	case *zk.CreateTTLRequest:
		flags = b.Flags
	default:
		return op.Header.Type
	}
	switch flags {
	case zk.ModePersistentWithTTL, zk.ModePersistentSequentialWithTTL:
		return zk.OpCreateTTL // prepMulti refused a CreateRequest in this mode
	case zk.ModeContainer:
		return zk.OpCreateContainer
	}
	return zk.OpCreate
}

// PrepCreateSession returns the createSession transaction of a new session
// with the given negotiated timeout, and its id.
func (e *Engine) PrepCreateSession(timeoutMs int32, nowMs int64) *zk.Txn {
	return e.PrepCreateSessionID(e.NewSessionID(), timeoutMs, nowMs)
}

// NewSessionID returns the next session id of this server (see
// InitSessionIDs). In an ensemble the server a client connects to picks
// the id and the leader preps its txn (PrepCreateSessionID).
func (e *Engine) NewSessionID() zk.SessionID {
	id := zk.SessionID(e.nextSID)
	e.nextSID++
	if zk.SessionID(e.nextSID) == ContainerOwner {
		e.nextSID++
	}
	return id
}

// PrepCreateSessionID returns the createSession transaction of session id.
func (e *Engine) PrepCreateSessionID(id zk.SessionID, timeoutMs int32, nowMs int64) *zk.Txn {
	e.nextZxid++
	if e.pending.created == nil {
		e.pending.created = make(map[zk.SessionID]zk.Zxid)
	}
	e.pending.created[id] = e.nextZxid
	return &zk.Txn{
		Header: zk.TxnHeader{ClientID: id, Zxid: e.nextZxid, Time: nowMs, Type: zk.OpCreateSession},
		Body:   &zk.CreateSessionTxn{TimeOut: timeoutMs},
	}
}

// PrepCloseSession returns the closeSession transaction of session s (a
// client's close or an expiry), listing the ephemerals to delete as they
// will be once the txns in flight are applied.
func (e *Engine) PrepCloseSession(s zk.SessionID, xid int32, nowMs int64) *zk.Txn {
	e.nextZxid++
	z := e.nextZxid
	return &zk.Txn{
		Header: zk.TxnHeader{ClientID: s, Cxid: xid, Zxid: z, Time: nowMs, Type: zk.OpCloseSession},
		Body:   e.prepCloseSession(s, z),
	}
}

func (e *Engine) prepCloseSession(s zk.SessionID, zxid zk.Zxid) *zk.CloseSessionTxn {
	set := make(map[string]bool)
	for p := range e.tree.ephemerals[s] {
		set[p] = true
	}
	for _, c := range e.pending.list {
		if c.deleted {
			delete(set, c.path)
		} else if c.ephemeralOwner == s {
			set[c.path] = true
		}
	}
	paths := make([]string, 0, len(set))
	for p := range set {
		paths = append(paths, p)
	}
	// Ephemerals have no children, so any order works; a sorted one keeps
	// the log deterministic.
	slices.Sort(paths)
	for _, p := range paths {
		if parent, err := e.record(parentOf(p)); err == nil {
			e.pendDelete(parent, p, zxid)
		}
	}
	return &zk.CloseSessionTxn{Paths2Delete: paths}
}

// PrepDeleteContainer returns the deleteContainer txn the container and TTL
// sweeper submits (an ErrorTxn if the node no longer qualifies).
func (e *Engine) PrepDeleteContainer(path string, nowMs int64) *zk.Txn {
	return e.Prep(&Request{Op: zk.OpDeleteContainer, Body: &zk.DeleteRequest{Path: path, Version: -1}, Time: nowMs})
}
