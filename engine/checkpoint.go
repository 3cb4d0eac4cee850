package engine

import (
	"fmt"
	"maps"
	"strings"

	"github.com/paddockdb/paddock/zk"
)

// Checkpoints (the snapshot package) store the tree incrementally: each one
// writes only the nodes changed since the previous one, and tombstones for
// the deleted ones, captured on the owner goroutine between two applies, so
// a capture is exact at its zxid and costs O(changes), not O(tree). Node
// data is never mutated in place (a write replaces the slice), so a capture
// shares data and ACL slices with the tree instead of copying them.

// NodeRecord is a znode as a checkpoint stores it: the persisted Stat
// (ZooKeeper's StatPersisted, with the stored cversion, the count of child
// creates), the raw ephemeralOwner (container and TTL markers included),
// the child count, the data and the ACL.
type NodeRecord struct {
	Path           string
	Data           []byte
	ACL            []zk.ACL
	Czxid          zk.Zxid
	Mzxid          zk.Zxid
	Pzxid          zk.Zxid
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner zk.SessionID
	NumChildren    int32
}

// Capture is what a checkpoint writes: as of Zxid, the nodes changed since
// the previous capture (all nodes when Full), the paths deleted since, and
// the whole session table (small: one entry per session).
type Capture struct {
	Zxid     zk.Zxid
	Full     bool
	Nodes    []NodeRecord
	Deleted  []string
	Sessions map[zk.SessionID]int32
}

func (e *Engine) nodeRecord(n *node) NodeRecord {
	return NodeRecord{
		Path: n.path, Data: n.data, ACL: e.tree.acls.Get(n.acl),
		Czxid: n.czxid, Mzxid: n.mzxid, Pzxid: n.pzxid, Ctime: n.ctime, Mtime: n.mtime,
		Version: n.version, Cversion: n.cversion, Aversion: n.aversion,
		EphemeralOwner: n.ephemeralOwner, NumChildren: n.numChildren,
	}
}

// Capture returns the changes since the previous Capture and starts
// tracking the next ones. The first Capture of an engine that was not
// restored from a checkpoint is Full. Owner goroutine only.
func (e *Engine) Capture() *Capture {
	t := e.tree
	c := &Capture{Zxid: e.lastZxid, Sessions: maps.Clone(e.sessions)}
	if t.dirty == nil {
		c.Full = true
		c.Nodes = make([]NodeRecord, 0, t.nodes.Len()+1)
		c.Nodes = append(c.Nodes, e.nodeRecord(t.root))
		t.nodes.Ascend(func(en entry) bool {
			c.Nodes = append(c.Nodes, e.nodeRecord(en.n))
			return true
		})
	} else {
		// Changed nodes still in the tree (remove drops deleted ones), then
		// deleted paths, unless a node was created there again since.
		c.Nodes = make([]NodeRecord, 0, len(t.dirty))
		for n := range t.dirty {
			c.Nodes = append(c.Nodes, e.nodeRecord(n))
		}
		for p := range t.gone {
			if t.lookup(p) == nil {
				c.Deleted = append(c.Deleted, p)
			}
		}
	}
	t.track()
	return c
}

// Restore loads one node of a checkpoint into a fresh engine (before any
// Apply): the reserved nodes are overwritten, others inserted. Parents need
// not come first. It keeps its own copies of what it stores.
func (e *Engine) Restore(r NodeRecord) error { return e.restore(r, false) }

// RestoreOwned is Restore for a record whose Path and Data the engine may
// keep as they are (nobody else holds or changes them): no copies.
func (e *Engine) RestoreOwned(r NodeRecord) error { return e.restore(r, true) }

func (e *Engine) restore(r NodeRecord, owned bool) error {
	if r.Path != "/" && ValidatePath(r.Path) != nil {
		return fmt.Errorf("engine: restore: bad path %q", r.Path)
	}
	t := e.tree
	// One B-tree operation per node: insert, and only if a node was there
	// already (the root and the reserved /zookeeper nodes) put it back and
	// overwrite it. (A lookup first would double the cost of a restart.)
	var n *node
	existed := true
	if r.Path == "/" {
		n = t.root
	} else {
		fresh := &node{}
		if owned {
			fresh.setPath(r.Path)
		} else {
			fresh.setPath(strings.Clone(r.Path))
		}
		if old, replaced := t.nodes.ReplaceOrInsert(entry{fresh}); replaced {
			t.nodes.ReplaceOrInsert(old)
			n = old.n
		} else {
			n, existed = fresh, false
			t.childrenChanged(n.path)
			t.dataSize += int64(len(n.path))
		}
	}
	if existed {
		t.dataSize -= int64(len(n.data)) * t.dataWeight(n)
		t.acls.Release(n.acl)
	}
	if owned {
		n.data = r.Data
	} else {
		n.data = cloneData(r.Data)
	}
	t.dataSize += int64(len(n.data)) * t.dataWeight(n)
	n.acl = t.acls.Intern(r.ACL)
	n.czxid, n.mzxid, n.pzxid = r.Czxid, r.Mzxid, r.Pzxid
	n.ctime, n.mtime = r.Ctime, r.Mtime
	n.version, n.cversion, n.aversion = r.Version, r.Cversion, r.Aversion
	n.ephemeralOwner, n.numChildren = r.EphemeralOwner, r.NumChildren
	switch classifyOwner(n.ephemeralOwner, true) {
	case ephContainer:
		t.containers[n.path] = struct{}{}
	case ephTTL:
		t.ttls[n.path] = struct{}{}
	case ephNormal:
		m := t.ephemerals[n.ephemeralOwner]
		if m == nil {
			m = make(map[string]struct{})
			t.ephemerals[n.ephemeralOwner] = m
		}
		m[n.path] = struct{}{}
	}
	if parent, name := splitPath(n.path); name == QuotaLimitNode && len(parent) > len(QuotaZookeeper) &&
		parent[:len(QuotaZookeeper)+1] == QuotaZookeeper+"/" {
		t.quotas[quotaRoot(parent)] = struct{}{}
	}
	return nil
}

// FinishRestore ends a restore: the session table and last zxid of the
// checkpoint are set, and change tracking starts (the checkpoint already
// holds everything loaded).
func (e *Engine) FinishRestore(zxid zk.Zxid, sessions map[zk.SessionID]int32) {
	for id, to := range sessions {
		e.sessions[id] = to
	}
	e.SetLastZxid(zxid)
	e.tree.track()
}

// ForgetCaptures makes the next Capture full: for when the changes of an
// earlier capture never reached the store (its write failed).
func (e *Engine) ForgetCaptures() { e.tree.dirty = nil }
