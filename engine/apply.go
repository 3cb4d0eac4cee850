package engine

import (
	"bytes"
	"strings"

	"github.com/paddockdb/paddock/zk"
)

// Result is the outcome of applying one transaction: ZooKeeper's
// ProcessTxnResult.
type Result struct {
	Err   zk.Code
	Path  string
	Stat  zk.Stat
	Multi []SubResult // for a multi: one result per op
}

// SubResult is one op's result inside a multi.
type SubResult struct {
	Type zk.OpCode // the op's type, or OpError
	Err  zk.Code
	Path string
	Stat zk.Stat
}

// Apply applies a committed transaction to the tree and session table,
// firing the watches it triggers, and retires its pending changes. Txns must
// be applied in zxid order. Apply never fails as a whole: a txn that cannot
// apply (as when a log is replayed over a fuzzy snapshot) reports its error
// in the Result, as ZooKeeper's DataTree.processTxn does.
func (e *Engine) Apply(t *zk.Txn) Result {
	h := &t.Header
	var res Result
	switch h.Type {
	case zk.OpCreateSession:
		timeout := int32(0)
		if b, ok := t.Body.(*zk.CreateSessionTxn); ok {
			timeout = b.TimeOut
		}
		e.sessions[h.ClientID] = timeout
	case zk.OpCloseSession:
		var paths []string
		if b, ok := t.Body.(*zk.CloseSessionTxn); ok && b.Paths2Delete != nil {
			paths = b.Paths2Delete
		} else {
			paths = e.tree.ephemeralsOf(h.ClientID)
		}
		for _, p := range paths {
			e.deleteNode(p, h.Zxid)
		}
		delete(e.tree.ephemerals, h.ClientID)
		delete(e.sessions, h.ClientID)
	case zk.OpMulti:
		res = e.applyMulti(h, t.Body)
	default:
		res = e.applyOne(h, h.Type, t.Body)
	}
	if h.Zxid > e.lastZxid {
		e.lastZxid = h.Zxid
	}
	if e.nextZxid < e.lastZxid {
		e.nextZxid = e.lastZxid
	}
	e.pending.retire(h.Zxid)
	return res
}

func (e *Engine) applyMulti(h *zk.TxnHeader, body zk.Record) Result {
	m, ok := body.(*zk.MultiTxn)
	if !ok {
		return Result{Err: zk.CodeMarshallingError}
	}
	failed := false
	for _, op := range m.Txns {
		if op.Type == zk.OpError {
			failed = true
			break
		}
	}
	res := Result{Multi: make([]SubResult, 0, len(m.Txns))}
	postFailed := false
	for _, op := range m.Txns {
		var sub Result
		typ := op.Type
		switch {
		case typ == zk.OpError:
			postFailed = true
			if et, ok := op.Body.(*zk.ErrorTxn); ok {
				sub.Err = et.Err
			}
		case failed:
			typ = zk.OpError
			if postFailed {
				sub.Err = zk.CodeRuntimeInconsistency
			}
		default:
			sub = e.applyOne(h, typ, op.Body)
		}
		if sub.Err != zk.CodeOK && res.Err == zk.CodeOK {
			res.Err = sub.Err
		}
		res.Multi = append(res.Multi, SubResult{Type: typ, Err: sub.Err, Path: sub.Path, Stat: sub.Stat})
	}
	return res
}

func (e *Engine) applyOne(h *zk.TxnHeader, typ zk.OpCode, body zk.Record) Result {
	switch b := body.(type) {
	case *zk.CreateTxn:
		var owner zk.SessionID
		if b.Ephemeral {
			owner = h.ClientID
		}
		return e.createNode(b.Path, b.Data, b.ACL, owner, b.ParentCVersion, h.Zxid, h.Time)
	case *zk.CreateContainerTxn:
		return e.createNode(b.Path, b.Data, b.ACL, ContainerOwner, b.ParentCVersion, h.Zxid, h.Time)
	case *zk.CreateTTLTxn:
		return e.createNode(b.Path, b.Data, b.ACL, ttlOwner(b.TTL), b.ParentCVersion, h.Zxid, h.Time)
	case *zk.DeleteTxn:
		return Result{Path: b.Path, Err: e.deleteNode(b.Path, h.Zxid)}
	case *zk.SetDataTxn:
		return e.setData(b.Path, b.Data, b.Version, h.Zxid, h.Time)
	case *zk.SetACLTxn:
		return e.setACL(b.Path, b.ACL, b.Version)
	case *zk.CheckVersionTxn:
		return Result{Path: b.Path}
	case *zk.ErrorTxn:
		return Result{Err: b.Err}
	}
	return Result{Err: zk.CodeMarshallingError}
}

// createNode is DataTree.createNode.
func (e *Engine) createNode(path string, data []byte, acl []zk.ACL, owner zk.SessionID, parentCVersion int32, zxid zk.Zxid, time int64) Result {
	t := e.tree
	parentPath, name := splitPath(path)
	parent := t.lookup(parentPath)
	if parent == nil {
		return Result{Err: zk.CodeNoNode}
	}
	if t.lookup(path) != nil {
		return Result{Err: zk.CodeNodeExists}
	}
	if parentCVersion == -1 {
		parentCVersion = parent.cversion + 1
	}
	// A replay over a fuzzy snapshot may see a create whose parent already
	// moved on: only move cversion and pzxid forward.
	if parentCVersion > parent.cversion {
		parent.cversion = parentCVersion
		parent.pzxid = zxid
	}
	parent.numChildren++
	t.touch(parent)
	n := &node{
		data:  cloneData(data),
		czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: time, mtime: time,
		ephemeralOwner: owner, acl: t.acls.Intern(acl),
	}
	n.setPath(strings.Clone(path))
	t.insert(n)
	t.touch(n)
	switch classifyOwner(owner, true) {
	case ephContainer:
		t.containers[n.path] = struct{}{}
	case ephTTL:
		t.ttls[n.path] = struct{}{}
	case ephNormal:
		m := t.ephemerals[owner]
		if m == nil {
			m = make(map[string]struct{})
			t.ephemerals[owner] = m
		}
		m[n.path] = struct{}{}
	}
	e.quotaCreated(n.path, parentPath, name, len(n.data))
	e.watches.Created(n.path, parentPath, acl, t.acls.Get(parent.acl), zxid)
	return Result{Path: n.path, Stat: n.stat()}
}

// deleteNode is DataTree.deleteNode.
func (e *Engine) deleteNode(path string, zxid zk.Zxid) zk.Code {
	t := e.tree
	if path == "/" {
		return zk.CodeBadArguments
	}
	parentPath, name := splitPath(path)
	parent := t.lookup(parentPath)
	if parent == nil {
		return zk.CodeNoNode
	}
	n := t.lookup(path)
	if zxid > parent.pzxid {
		parent.pzxid = zxid
		t.touch(parent)
	}
	if n == nil {
		return zk.CodeNoNode
	}
	parent.numChildren--
	t.touch(parent)
	t.remove(n)
	t.acls.Release(n.acl)
	switch classifyOwner(n.ephemeralOwner, true) {
	case ephContainer:
		delete(t.containers, path)
	case ephTTL:
		delete(t.ttls, path)
	case ephNormal:
		if m := t.ephemerals[n.ephemeralOwner]; m != nil {
			delete(m, path)
			if len(m) == 0 {
				delete(t.ephemerals, n.ephemeralOwner)
			}
		}
	}
	e.quotaDeleted(path, parentPath, name, len(n.data))
	e.watches.Deleted(path, parentPath, t.acls.Get(n.acl), t.acls.Get(parent.acl), zxid)
	return zk.CodeOK
}

func (e *Engine) setData(path string, data []byte, version int32, zxid zk.Zxid, time int64) Result {
	n := e.tree.lookup(path)
	if n == nil {
		return Result{Err: zk.CodeNoNode}
	}
	old := len(n.data)
	e.tree.dataSize += int64(len(data)-old) * e.tree.dataWeight(n)
	n.data = cloneData(data)
	e.tree.touch(n)
	n.mtime = time
	n.mzxid = zxid
	n.version = version
	e.quotaChanged(path, len(data)-old)
	e.watches.DataChanged(path, e.tree.acls.Get(n.acl), zxid)
	return Result{Path: path, Stat: n.stat()}
}

func (e *Engine) setACL(path string, acl []zk.ACL, version int32) Result {
	n := e.tree.lookup(path)
	if n == nil {
		return Result{Err: zk.CodeNoNode}
	}
	e.tree.acls.Release(n.acl)
	n.acl = e.tree.acls.Intern(acl)
	e.tree.touch(n)
	n.aversion = version
	return Result{Path: path, Stat: n.stat()}
}

// cloneData copies data out of a request or log buffer. ZooKeeper keeps a
// null data as null; a zero-length slice is kept non-nil so that getData
// answers an empty buffer rather than null, as ZooKeeper does for "".
func cloneData(b []byte) []byte {
	if b == nil {
		return nil
	}
	return bytes.Clone(b)
}
