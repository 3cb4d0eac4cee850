package engine

import (
	"sort"
	"strings"

	"github.com/google/btree"

	"github.com/paddockdb/paddock/zk"
)

// Reserved paths (ZooKeeper's Quotas.procZookeeper, quotaZookeeper and
// ZooDefs.CONFIG_NODE).
const (
	ProcZookeeper   = "/zookeeper"
	QuotaZookeeper  = "/zookeeper/quota"
	ConfigZookeeper = "/zookeeper/config"
	// Quota node names under /zookeeper/quota/<path>/.
	QuotaLimitNode = "zookeeper_limits"
	QuotaStatNode  = "zookeeper_stats"
)

// Special ephemeralOwner values (EphemeralType).
const (
	// ContainerOwner marks a container node.
	ContainerOwner zk.SessionID = -1 << 63
	ttlMask        int64        = -0x0100000000000000 // 0xff00000000000000
	ttlReserved    int64        = 0x00ffff0000000000
	// MaxTTL is the largest TTL a node can have, in milliseconds.
	MaxTTL int64 = 0xffffffffff
)

// node is one znode. Its fields are the persisted Stat (StatPersisted)
// plus the child count; the ACL is a reference into the tree's ACLCache.
type node struct {
	path           string
	data           []byte
	czxid          zk.Zxid
	mzxid          zk.Zxid
	pzxid          zk.Zxid
	ctime          int64
	mtime          int64
	ephemeralOwner zk.SessionID
	version        int32
	cversion       int32
	aversion       int32
	numChildren    int32
	acl            uint32
	// sep is the index of path's last '/': the B-tree compares (parent,
	// name) without searching for it. removedSep once the node has left
	// the tree. (Here, not after path, so the struct stays 112 bytes.)
	sep int32
}

// stat is the Stat clients see (DataNode.copyStat): the stored cversion
// counts creates of children, and clients are shown creates plus deletes,
// 2*cversion - numChildren (so a fresh root shows -1); container and TTL
// markers in ephemeralOwner show as 0.
func (n *node) stat() zk.Stat {
	owner := n.ephemeralOwner
	if classifyOwner(owner, true) != ephNormal {
		owner = 0
	}
	return zk.Stat{
		Czxid: n.czxid, Mzxid: n.mzxid, Ctime: n.ctime, Mtime: n.mtime,
		Version: n.version, Cversion: n.cversion*2 - n.numChildren, Aversion: n.aversion,
		EphemeralOwner: owner, DataLength: int32(len(n.data)),
		NumChildren: n.numChildren, Pzxid: n.pzxid,
	}
}

// splitPath returns the parent and the last component of a valid, non-root
// path: "/a" gives ("/", "a"), "/a/b" gives ("/a", "b").
func splitPath(p string) (parent, name string) {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/", p[i+1:]
	}
	return p[:i], p[i+1:]
}

// parentOf returns the parent path of a non-root path.
func parentOf(p string) string {
	parent, _ := splitPath(p)
	return parent
}

// entry is the B-tree item. Entries are ordered by (parent path, name), so
// the children of a node are one contiguous range: getChildren is a range
// scan, and the listing comes out sorted.
type entry struct{ n *node }

type probe = entry

func entryLess(a, b entry) bool {
	ap, an := a.n.split()
	bp, bn := b.n.split()
	if ap != bp {
		return ap < bp
	}
	return an < bn
}

// setPath sets n's path and the split point the B-tree order uses.
func (n *node) setPath(p string) {
	n.path = p
	n.sep = int32(strings.LastIndexByte(p, '/'))
}

// removedSep marks a node deleted from the tree (see Capture).
const removedSep = -2

// split is splitPath(n.path) from the stored split point.
func (n *node) split() (parent, name string) {
	i := int(n.sep)
	if i <= 0 {
		return "/", n.path[i+1:]
	}
	return n.path[:i], n.path[i+1:]
}

// Tree is the DataTree: every znode, kept in a B-tree, plus the indexes the
// server needs (ephemerals by session, containers, TTL nodes) and quota
// accounting.
//
// A Tree is not safe for concurrent use; the engine's owner goroutine drives
// it.
type Tree struct {
	root       *node
	nodes      *btree.BTreeG[entry]
	acls       *ACLCache
	ephemerals map[zk.SessionID]map[string]struct{}
	containers map[string]struct{}
	ttls       map[string]struct{}
	quotas     map[string]struct{} // paths with a zookeeper_limits node
	dirty      map[*node]struct{}  // nodes changed since the last Capture (nil: not tracking)
	gone       map[string]struct{} // paths deleted since the last Capture
	dataSize   int64
	scratch    node // probe for lookups; owner goroutine only
	// kids caches the listings of wide parents (see children): parent path
	// to its sorted child names, dropped when a child comes or goes.
	kids map[string][]string
}

// kidsCacheMin is the fewest children a listing needs to be cached: below
// it a range scan is as cheap as the cache.
const kidsCacheMin = 32

// NewTree returns a tree holding the root and the reserved /zookeeper,
// /zookeeper/quota and /zookeeper/config nodes, as a fresh ZooKeeper has.
func NewTree() *Tree {
	t := &Tree{
		root:       &node{path: "/", data: []byte{}}, // sep 0
		nodes:      btree.NewG[entry](32, entryLess),
		acls:       NewACLCache(),
		ephemerals: make(map[zk.SessionID]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		quotas:     make(map[string]struct{}),
	}
	open := t.acls.Intern(zk.OpenACLUnsafe())
	t.root.acl = open
	// ZooKeeper adds these without touching cversion or pzxid.
	for _, p := range []string{ProcZookeeper, QuotaZookeeper, ConfigZookeeper} {
		n := &node{data: []byte{}, acl: t.acls.Intern(zk.OpenACLUnsafe())}
		n.setPath(p)
		if p == ConfigZookeeper {
			// DataTree.addConfigNode: setACL(READ_ACL_UNSAFE, version -1).
			t.acls.Release(n.acl)
			n.acl = t.acls.Intern(zk.ReadACLUnsafe())
			n.aversion = -1
		}
		t.nodes.ReplaceOrInsert(entry{n})
		t.lookup(parentOf(p)).numChildren++
		t.dataSize += int64(len(p))
	}
	// ZooKeeper's node map holds the root under "" and "/": its path
	// counts once (1 byte), its data twice (see rootDataSize).
	t.dataSize++
	return t
}

// lookup returns the node at path p, or nil.
//
// NB: "" is the root too: ZooKeeper's node map holds the root under both
// keys, so reads of "" see it.
func (t *Tree) lookup(p string) *node {
	if p == "/" || p == "" {
		return t.root
	}
	t.scratch.setPath(p)
	e, ok := t.nodes.Get(entry{&t.scratch})
	t.scratch.path = ""
	if !ok {
		return nil
	}
	return e.n
}

// NodeCount returns the node count ZooKeeper reports (srvr's "Node count",
// mntr's zk_znode_count): every znode with the root counted twice, as
// ZooKeeper's node map holds it under both "" and "/" (a fresh server
// reports 5).
func (t *Tree) NodeCount() int { return t.nodes.Len() + 2 }

// ApproximateDataSize is the sum of path and data lengths, as ZooKeeper's
// DataTree.approximateDataSize.
// A fresh tree's is 44, as ZooKeeper's.
func (t *Tree) ApproximateDataSize() int64 { return t.dataSize }

// dataWeight is how many times n's data counts in ApproximateDataSize:
// twice for the root, which ZooKeeper's node map holds under two keys.
func (t *Tree) dataWeight(n *node) int64 {
	if n == t.root {
		return 2
	}
	return 1
}

// children returns the sorted names of p's children. The result is shared
// with the tree's cache: callers must not modify it.
//
// A wide parent's listing is cached until one of its children is created
// or deleted, so listing it again costs nothing but encoding the reply (as
// ZooKeeper keeps each node's children in a set). The names are substrings
// of the children's paths: the cache holds slice headers, not copies.
func (t *Tree) children(p string) []string {
	if p == "" {
		p = "/"
	}
	if c, ok := t.kids[p]; ok {
		return c
	}
	out := make([]string, 0, 4)
	if p == "/" {
		t.scratch.setPath("/")
	} else {
		t.scratch.setPath(p + "/")
	}
	// The smallest possible child key is (p, ""): path p+"/" splits into
	// parent p and name "".
	t.nodes.AscendGreaterOrEqual(entry{&t.scratch}, func(e entry) bool {
		parent, name := e.n.split()
		if parent != p {
			return false
		}
		if name != "" {
			out = append(out, name)
		}
		return true
	})
	t.scratch.path = ""
	if len(out) >= kidsCacheMin {
		if t.kids == nil {
			t.kids = make(map[string][]string)
		}
		out = out[:len(out):len(out)] // a caller's append copies
		t.kids[strings.Clone(p)] = out
	}
	return out
}

// childrenChanged drops the cached listing of the parent of path.
func (t *Tree) childrenChanged(path string) {
	if len(t.kids) > 0 {
		delete(t.kids, parentOf(path))
	}
}

// descendants counts the nodes below p (getAllChildrenNumber).
func (t *Tree) descendants(p string) int {
	if p == "/" {
		return t.nodes.Len()
	}
	n := 0
	var walk func(string)
	walk = func(q string) {
		for _, c := range t.children(q) {
			n++
			walk(q + "/" + c)
		}
	}
	walk(p)
	return n
}

// ephemeralsOf returns session s's ephemeral paths, sorted.
func (t *Tree) ephemeralsOf(s zk.SessionID) []string {
	m := t.ephemerals[s]
	out := make([]string, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ephemeralType classifies an ephemeralOwner as EphemeralType.get does.
type ephemeralType int

const (
	ephVoid ephemeralType = iota
	ephNormal
	ephContainer
	ephTTL
)

func classifyOwner(owner zk.SessionID, extended bool) ephemeralType {
	o := int64(owner)
	if extended && o&ttlMask == ttlMask && (o&ttlReserved)>>40 == 0 {
		return ephTTL
	}
	switch {
	case owner == ContainerOwner:
		return ephContainer
	case owner == 0:
		return ephVoid
	}
	return ephNormal
}

// ttlOwner encodes a TTL as an ephemeralOwner (EphemeralType.TTL).
func ttlOwner(ttl int64) zk.SessionID { return zk.SessionID(ttlMask | ttl) }

// ttlOf decodes the TTL of a TTL node's ephemeralOwner.
func ttlOf(owner zk.SessionID) int64 { return int64(owner) & MaxTTL }

// track starts recording changes for the next capture.
func (t *Tree) track() {
	t.dirty = make(map[*node]struct{})
	t.gone = make(map[string]struct{})
}

// touch records that node n changed since the last checkpoint capture (a
// deletion is recorded by remove).
func (t *Tree) touch(n *node) {
	if t.dirty != nil {
		t.dirty[n] = struct{}{}
	}
}

func (t *Tree) insert(n *node) {
	t.childrenChanged(n.path)
	t.nodes.ReplaceOrInsert(entry{n})
	t.dataSize += int64(len(n.path) + len(n.data))
}

func (t *Tree) remove(n *node) {
	t.childrenChanged(n.path)
	t.nodes.Delete(entry{n})
	if t.dirty != nil {
		delete(t.dirty, n)
		t.gone[n.path] = struct{}{}
	}
	n.sep = removedSep
	t.dataSize -= int64(len(n.path) + len(n.data))
}
