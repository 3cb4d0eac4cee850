package engine

import "github.com/paddockdb/paddock/zk"

// PrepReconfig turns a reconfig request into a txn, as ZooKeeper's
// PrepRequestProcessor does on the leader: the session is checked, next
// builds the new content of /zookeeper/config for the txn's zxid (the
// config's version), or fails with a code; then the caller needs WRITE on
// /zookeeper/config (only a super user has it: its ACL is world READ),
// unless skipACL. The txn has type OpReconfig and a SetDataTxn body of
// version -1, which is what the node's data version becomes, as in
// ZooKeeper. A failure is an ErrorTxn, as for Prep.
func (e *Engine) PrepReconfig(r *Request, skipACL bool, next func(zxid zk.Zxid) ([]byte, error)) *zk.Txn {
	e.nextZxid++
	zxid := e.nextZxid
	hdr := zk.TxnHeader{ClientID: r.Session, Cxid: r.Xid, Zxid: zxid, Time: r.Time, Type: zk.OpReconfig}
	body, err := e.prepReconfig(r, skipACL, zxid, next)
	if err != nil {
		hdr.Type = zk.OpError
		return &zk.Txn{Header: hdr, Body: &zk.ErrorTxn{Err: codeOf(err)}}
	}
	return &zk.Txn{Header: hdr, Body: body}
}

func (e *Engine) prepReconfig(r *Request, skipACL bool, zxid zk.Zxid, next func(zk.Zxid) ([]byte, error)) (zk.Record, error) {
	if err := e.checkSession(r.Session); err != nil {
		return nil, err
	}
	data, err := next(zxid)
	if err != nil {
		return nil, err
	}
	n, err := e.record(ConfigZookeeper)
	if err != nil {
		return nil, err
	}
	if !skipACL && !CheckACL(n.acl, zk.PermWrite, r.Auth) {
		return nil, zk.CodeNoAuth
	}
	c := n.dup(zxid)
	c.version = -1
	c.dataLen = len(data)
	e.pending.add(c)
	return &zk.SetDataTxn{Path: ConfigZookeeper, Data: data, Version: -1}, nil
}
