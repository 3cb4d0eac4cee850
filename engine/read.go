package engine

import (
	"strings"

	"github.com/paddockdb/paddock/zk"
)

// The read side, as ZooKeeper's FinalRequestProcessor answers reads: the
// order of checks (NoNode before NoAuth, watch registration only once the
// checks pass, except exists which watches a missing node too) is
// ZooKeeper's.

// GetData answers getData. A non-nil w sets a data watch.
func (e *Engine) GetData(path string, auth []zk.Id, w Watcher) ([]byte, zk.Stat, error) {
	n := e.tree.lookup(path)
	if n == nil {
		return nil, zk.Stat{}, zk.CodeNoNode
	}
	if !CheckACL(e.tree.acls.Get(n.acl), zk.PermRead, auth) {
		return nil, zk.Stat{}, zk.CodeNoAuth
	}
	if w != nil {
		e.watches.AddData(path, w)
	}
	return n.data, n.stat(), nil
}

// Exists answers exists. A non-nil w sets a data watch, even on a missing
// node (it then fires NodeCreated).
func (e *Engine) Exists(path string, auth []zk.Id, w Watcher) (zk.Stat, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return zk.Stat{}, zk.CodeBadArguments
	}
	n := e.tree.lookup(path)
	if n != nil && !CheckACL(e.tree.acls.Get(n.acl), zk.PermRead, auth) {
		return zk.Stat{}, zk.CodeNoAuth
	}
	if w != nil {
		e.watches.AddData(path, w)
	}
	if n == nil {
		return zk.Stat{}, zk.CodeNoNode
	}
	return n.stat(), nil
}

// GetChildren answers getChildren and getChildren2. A non-nil w sets a
// child watch. Names come sorted.
func (e *Engine) GetChildren(path string, auth []zk.Id, w Watcher) ([]string, zk.Stat, error) {
	n := e.tree.lookup(path)
	if n == nil {
		return nil, zk.Stat{}, zk.CodeNoNode
	}
	if !CheckACL(e.tree.acls.Get(n.acl), zk.PermRead, auth) {
		return nil, zk.Stat{}, zk.CodeNoAuth
	}
	children := e.tree.children(path)
	if w != nil {
		e.watches.AddChild(path, w)
	}
	return children, n.stat(), nil
}

// GetACL answers getACL: it needs READ or ADMIN, and without ADMIN the
// digest ids come back with their hash replaced by "x" (ZOOKEEPER-1392).
func (e *Engine) GetACL(path string, auth []zk.Id) ([]zk.ACL, zk.Stat, error) {
	n := e.tree.lookup(path)
	if n == nil {
		return nil, zk.Stat{}, zk.CodeNoNode
	}
	acl := e.tree.acls.Get(n.acl)
	if !CheckACL(acl, zk.PermRead|zk.PermAdmin, auth) {
		return nil, zk.Stat{}, zk.CodeNoAuth
	}
	if !CheckACL(acl, zk.PermAdmin, auth) {
		red := make([]zk.ACL, len(acl))
		for i, a := range acl {
			red[i] = a
			if a.ID.Scheme == "digest" {
				if user, _, ok := strings.Cut(a.ID.ID, ":"); ok {
					red[i].ID.ID = user + ":x"
				}
			}
		}
		acl = red
	}
	return acl, n.stat(), nil
}

// AllChildrenNumber answers getAllChildrenNumber: the number of nodes below
// path (for "/", every node but the root, /zookeeper's included).
func (e *Engine) AllChildrenNumber(path string, auth []zk.Id) (int32, error) {
	n := e.tree.lookup(path)
	if n == nil {
		return 0, zk.CodeNoNode
	}
	if !CheckACL(e.tree.acls.Get(n.acl), zk.PermRead, auth) {
		return 0, zk.CodeNoAuth
	}
	return int32(e.tree.descendants(path)), nil
}

// Ephemerals answers getEphemerals: session s's ephemeral paths starting
// with prefix (all of them for "" or "/").
func (e *Engine) Ephemerals(s zk.SessionID, prefix string) []string {
	all := e.tree.ephemeralsOf(s)
	prefix = strings.TrimSpace(prefix)
	if prefix == "" || prefix == "/" {
		return all
	}
	out := all[:0]
	for _, p := range all {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// EphemeralCount returns how many ephemeral nodes exist (mntr's
// zk_ephemerals_count).
func (e *Engine) EphemeralCount() int {
	n := 0
	for _, m := range e.tree.ephemerals {
		n += len(m)
	}
	return n
}

// NodeZxidsOf returns what setWatches needs to know of path.
func (e *Engine) NodeZxidsOf(path string) NodeZxids {
	n := e.tree.lookup(path)
	if n == nil {
		return NodeZxids{}
	}
	return NodeZxids{Exists: true, Czxid: n.czxid, Mzxid: n.mzxid, Pzxid: n.pzxid}
}

// ExpiredTTLAndContainers returns the container and TTL nodes that the
// sweeper should delete at time now (ContainerManager.getCandidates): empty
// containers that once had a child (cversion > 0), and childless TTL nodes
// whose TTL has passed since their last modification.
func (e *Engine) ExpiredTTLAndContainers(nowMs int64) []string {
	var out []string
	for p := range e.tree.containers {
		n := e.tree.lookup(p)
		if n != nil && n.numChildren == 0 && n.cversion > 0 {
			out = append(out, p)
		}
	}
	if e.cfg.ExtendedTypes {
		for p := range e.tree.ttls {
			n := e.tree.lookup(p)
			if n != nil && n.numChildren == 0 {
				if ttl := ttlOf(n.ephemeralOwner); ttl > 0 && nowMs-n.mtime > ttl {
					out = append(out, p)
				}
			}
		}
	}
	return out
}
