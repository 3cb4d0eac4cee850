package engine

import (
	"strings"

	"github.com/paddockdb/paddock/zk"
)

// This file is the watch manager: ZooKeeper's two WatchManagers (DataTree's
// dataWatches and childWatches) folded into one table, with the semantics of
// ZooKeeper 3.9 (server/watch/WatchManager.java, WatchStats.java,
// PathParentIterator.java and the watch calls of DataTree.java).
//
// ZooKeeper keeps two managers. getData and exists register a STANDARD
// (one-shot) watch in dataWatches, getChildren one in childWatches; addWatch
// PERSISTENT registers in both, PERSISTENT_RECURSIVE in dataWatches only.
// Each (path, watcher) pair here carries a set of watchBits saying which of
// those registrations it holds; "data side" and "child side" below mean
// "present in dataWatches" and "present in childWatches".
//
// NB: ZooKeeper 3.8 stored one mode per (watcher, path), so a getData watch
// set where a persistent watch existed turned the persistent watch into a
// one-shot one; 3.9 (ZOOKEEPER-4466) keeps every mode, as this table does.

// Watcher receives watch events. It is implemented by a client connection
// and compared by identity.
//
// REQUIRES: the dynamic type is comparable and distinct per connection (a
// pointer type). Event must not block and must not call back into Watches.
type Watcher interface {
	Event(ev zk.WatcherEvent, zxid zk.Zxid)
}

// StaleWatcher is optionally implemented by a Watcher whose connection may
// close while requests it sent are still being answered. A watch added for a
// stale watcher is ignored, as ZooKeeper's WatchManager.isDeadWatcher does,
// so a watch cannot outlive the RemoveWatcher call of its closed connection.
type StaleWatcher interface {
	Watcher
	Stale() bool
}

// NoZxid is the zxid of an event no transaction triggered: Reattach's.
// ZooKeeper puts -1 (WatchedEvent.NO_ZXID) in the notification's reply
// header then. NB: 3.8 sends -1 for every notification; 3.9 sends the
// triggering txn's zxid (ZOOKEEPER-4655).
const NoZxid zk.Zxid = -1

// watchBits are the registrations one watcher holds on one path.
type watchBits uint8

const (
	watchData       watchBits = 1 << iota // dataWatches STANDARD: getData, exists
	watchChild                            // childWatches STANDARD: getChildren
	watchPersistent                       // PERSISTENT, in both managers
	watchRecursive                        // PERSISTENT_RECURSIVE, dataWatches only

	watchAll  = watchData | watchChild | watchPersistent | watchRecursive
	dataSide  = watchData | watchPersistent | watchRecursive
	childSide = watchChild | watchPersistent
)

// watchEntry is one watcher on one path.
type watchEntry struct {
	ws   *watcherState
	bits watchBits // never zero while the entry is in a watchedPath
}

// watchedPath holds the watchers of one path, in no particular order.
type watchedPath struct {
	path    string // the map key, owned; watcherState.paths shares its bytes
	entries []watchEntry
	nData   int32 // entries with data-side bits
}

// watcherState is everything the table knows about one watcher.
type watcherState struct {
	wr Watcher
	// paths maps each path the watcher has an entry on to the entry's
	// index in watchedPath.entries, so removal is O(1).
	paths map[string]int32
	nData int32 // entries with data-side bits
	// inData says the watcher counts in wchs and is listed by wchc: it is
	// in ZooKeeper's dataWatches.watch2Paths. See Summary.
	inData bool
	mark   uint64 // epoch of the last data-side trigger that collected it
}

// Watches is the table of every watch the server holds: one-shot data and
// child watches and persistent and persistent-recursive ones. Maps are
// keyed by path and by watcher; each pair costs one 16-byte entry plus one
// slot in the watcher's path map.
//
// Not safe for concurrent use: the engine's owner goroutine drives it.
type Watches struct {
	paths    map[string]*watchedPath
	watchers map[Watcher]*watcherState
	canRead  func(wr Watcher, path string, acl []zk.ACL) bool

	nData         int // data-side entries: dataWatches.size()
	nChild        int // child-side entries: childWatches.size()
	nDataPaths    int // paths with a data-side entry
	nDataWatchers int // watchers with inData
	nRecursive    int // entries with watchRecursive: ZK's recursiveWatchQty

	epoch uint64
	fired []*watcherState // scratch for one trigger; nil while delivering
}

// NewWatches returns an empty table.
func NewWatches() *Watches {
	return &Watches{
		paths:    make(map[string]*watchedPath),
		watchers: make(map[Watcher]*watcherState),
	}
}

// SetReadCheck installs the delivery filter: an event about a node whose
// ACL is acl (the parent's, for NodeChildrenChanged) reaches wr only if f
// says wr may read path. ZooKeeper's ServerCnxn.process does this check
// (ZOOKEEPER-4799, CVE-2024-23944; 3.8.4 and 3.9.2 on), so f should be
// checkACL with perm READ and wr's current auth, including super and
// skipACL. Without f, or with a nil or empty acl, every event is delivered.
//
// NB: the filter runs after the watchers are collected, as in ZooKeeper: a
// one-shot watch whose owner may not read the node is consumed silently.
func (w *Watches) SetReadCheck(f func(wr Watcher, path string, acl []zk.ACL) bool) {
	w.canRead = f
}

// AddData registers a one-shot data watch: getData, or exists, which
// ZooKeeper registers even when the node does not exist (DataTree.statNode
// adds the watch before looking the node up).
func (w *Watches) AddData(path string, wr Watcher) { w.add(path, wr, watchData) }

// AddChild registers a one-shot child watch: getChildren.
func (w *Watches) AddChild(path string, wr Watcher) { w.add(path, wr, watchChild) }

// AddPersistent registers an addWatch watch, persistent-recursive if
// recursive is set. It does not need the node to exist and survives its
// deletion.
func (w *Watches) AddPersistent(path string, wr Watcher, recursive bool) {
	if recursive {
		w.add(path, wr, watchRecursive)
	} else {
		w.add(path, wr, watchPersistent)
	}
}

func (w *Watches) add(path string, wr Watcher, bit watchBits) {
	if s, ok := wr.(StaleWatcher); ok && s.Stale() {
		return
	}
	ws := w.watchers[wr]
	if ws == nil {
		ws = &watcherState{wr: wr, paths: make(map[string]int32, 1)}
		w.watchers[wr] = ws
	}
	wp := w.paths[path]
	if wp == nil {
		// NB: decoded request strings alias the frame (zk.Decoder.String),
		// so the one copy the table keeps is cloned.
		wp = &watchedPath{path: strings.Clone(path)}
		w.paths[wp.path] = wp
	}
	i, ok := ws.paths[path]
	if !ok {
		i = int32(len(wp.entries))
		wp.entries = append(wp.entries, watchEntry{ws: ws})
		ws.paths[wp.path] = i
	}
	e := &wp.entries[i]
	old := e.bits
	e.bits |= bit
	w.account(wp, ws, old, e.bits)
	if bit&dataSide != 0 && !ws.inData {
		ws.inData = true
		w.nDataWatchers++
	}
}

// account updates the counters for an entry whose bits go from old to new.
func (w *Watches) account(wp *watchedPath, ws *watcherState, old, new watchBits) {
	if was, is := old&dataSide != 0, new&dataSide != 0; was != is {
		if is {
			w.nData++
			ws.nData++
			wp.nData++
			if wp.nData == 1 {
				w.nDataPaths++
			}
		} else {
			w.nData--
			ws.nData--
			wp.nData--
			if wp.nData == 0 {
				w.nDataPaths--
			}
		}
	}
	if was, is := old&childSide != 0, new&childSide != 0; was != is {
		if is {
			w.nChild++
		} else {
			w.nChild--
		}
	}
	if was, is := old&watchRecursive != 0, new&watchRecursive != 0; was != is {
		if is {
			w.nRecursive++
		} else {
			w.nRecursive--
		}
	}
}

// drop removes entry i of wp, whose bits account has already taken to zero,
// by moving the last entry into its place; it deletes wp once empty.
func (w *Watches) drop(wp *watchedPath, i int) {
	delete(wp.entries[i].ws.paths, wp.path)
	last := len(wp.entries) - 1
	if i != last {
		wp.entries[i] = wp.entries[last]
		wp.entries[i].ws.paths[wp.path] = int32(i)
	}
	wp.entries[last] = watchEntry{}
	wp.entries = wp.entries[:last]
	if last == 0 {
		delete(w.paths, wp.path)
	}
}

// Created fires the watches of a create of path, whose parent is parent
// ("/" for a top-level node), as DataTree.createNode does: NodeCreated on
// the data side of path (and persistent-recursive watches of its
// ancestors), then NodeChildrenChanged on the child side of parent. acl is
// the new node's ACL, parentACL the parent's; see SetReadCheck.
func (w *Watches) Created(path, parent string, acl, parentACL []zk.ACL, zxid zk.Zxid) {
	w.triggerData(path, zk.EventNodeCreated, acl, zxid)
	w.triggerChild(parent, zk.EventNodeChildrenChanged, parentACL, zxid, 0)
}

// Deleted fires the watches of a delete of path as DataTree.deleteNode does:
// NodeDeleted on the data side of path (and persistent-recursive watches of
// its ancestors); then NodeDeleted on the child side of path, suppressed for
// every watcher the first trigger collected, so a watcher with both a data
// and a child watch on path (or a persistent one, which is on both sides)
// gets one NodeDeleted; then NodeChildrenChanged on the child side of
// parent. acl is the deleted node's ACL, parentACL the parent's.
//
// NB: suppressed one-shot child watches are still consumed, and persistent
// watches on path stay: they fire again if path is re-created.
func (w *Watches) Deleted(path, parent string, acl, parentACL []zk.ACL, zxid zk.Zxid) {
	processed := w.triggerData(path, zk.EventNodeDeleted, acl, zxid)
	w.triggerChild(path, zk.EventNodeDeleted, acl, zxid, processed)
	w.triggerChild(parent, zk.EventNodeChildrenChanged, parentACL, zxid, 0)
}

// DataChanged fires the watches of a setData of path as DataTree.setData
// does: NodeDataChanged on the data side of path and persistent-recursive
// watches of its ancestors. acl is the node's ACL.
//
// ZooKeeper triggers watches on create, delete and setData only: setACL and
// the cversion/pzxid fix-ups of log replay fire nothing.
func (w *Watches) DataChanged(path string, acl []zk.ACL, zxid zk.Zxid) {
	w.triggerData(path, zk.EventNodeDataChanged, acl, zxid)
}

// triggerData is dataWatches.triggerWatch. Every data-side entry of path
// fires and loses its one-shot data bit; the persistent-recursive entries of
// each ancestor fire too (PathParentIterator walks them only while some
// recursive watch exists). A watcher fires once however many of its watches
// match: ZooKeeper collects the watchers into a set first. That set is
// returned as the epoch the collected watchers are marked with.
//
// NB: a recursive watch never gets NodeChildrenChanged because that event is
// only triggered on the child side, where 3.9 never registers recursive
// watches (3.8 registered them on both sides and skipped the event type
// explicitly; the outcome is the same).
func (w *Watches) triggerData(path string, typ zk.EventType, acl []zk.ACL, zxid zk.Zxid) uint64 {
	w.epoch++
	ep := w.epoch
	fired := w.fired[:0]
	w.fired = nil
	if wp := w.paths[path]; wp != nil {
		for i := 0; i < len(wp.entries); {
			e := &wp.entries[i]
			if e.bits&dataSide == 0 {
				i++
				continue
			}
			ws := e.ws
			ws.mark = ep // one entry per watcher per path: no dedup needed here
			fired = append(fired, ws)
			if e.bits&watchData != 0 {
				old := e.bits
				e.bits &^= watchData
				w.account(wp, ws, old, e.bits)
				if e.bits == 0 {
					w.drop(wp, i) // the moved last entry is looked at next
					continue
				}
			}
			i++
		}
	}
	if w.nRecursive > 0 {
		for p := path; p != "/" && p != ""; {
			p = watchParent(p)
			wp := w.paths[p]
			if wp == nil {
				continue
			}
			for _, e := range wp.entries {
				if e.bits&watchRecursive != 0 && e.ws.mark != ep {
					e.ws.mark = ep
					fired = append(fired, e.ws)
				}
			}
		}
	}
	w.deliver(fired, typ, path, acl, zxid)
	return ep
}

// triggerChild is childWatches.triggerWatch on path alone (the child side
// holds no recursive watches). Every child-side entry fires and loses its
// one-shot child bit; watchers marked with epoch suppress (non-zero) are
// skipped at delivery.
func (w *Watches) triggerChild(path string, typ zk.EventType, acl []zk.ACL, zxid zk.Zxid, suppress uint64) {
	wp := w.paths[path]
	if wp == nil {
		return
	}
	fired := w.fired[:0]
	w.fired = nil
	for i := 0; i < len(wp.entries); {
		e := &wp.entries[i]
		if e.bits&childSide == 0 {
			i++
			continue
		}
		ws := e.ws
		if suppress == 0 || ws.mark != suppress {
			fired = append(fired, ws)
		}
		if e.bits&watchChild != 0 {
			old := e.bits
			e.bits &^= watchChild
			w.account(wp, ws, old, e.bits)
			if e.bits == 0 {
				w.drop(wp, i)
				continue
			}
		}
		i++
	}
	w.deliver(fired, typ, path, acl, zxid)
}

// deliver sends one event to each collected watcher that may read it, then
// gives the scratch slice back (taken out of w meanwhile, so that even a
// misbehaving Event that calls back into Watches cannot clobber it).
func (w *Watches) deliver(fired []*watcherState, typ zk.EventType, path string, acl []zk.ACL, zxid zk.Zxid) {
	ev := zk.WatcherEvent{Type: typ, State: zk.StateSyncConnected, Path: path}
	check := w.canRead != nil && len(acl) > 0
	for _, ws := range fired {
		if check && !w.canRead(ws.wr, path, acl) {
			continue
		}
		ws.wr.Event(ev, zxid)
	}
	clear(fired) // let removed watchers be collected
	w.fired = fired[:0]
}

// watchParent returns the parent of a non-root path: "/a" gives "/". For a
// string without a slash it returns "", which ends the ancestor walk.
func watchParent(p string) string {
	i := strings.LastIndexByte(p, '/')
	switch {
	case i < 0:
		return ""
	case i == 0:
		return "/"
	}
	return p[:i]
}

// typeBits maps a zk.WatcherType* of checkWatches and removeWatches to the
// registrations it selects, as 3.9's DataTree.containsWatcher and
// removeWatch do: Children and Data select only the one-shot watch of their
// side, Persistent and PersistentRecursive (added in 3.9 by ZOOKEEPER-4471)
// their mode, Any everything. It returns 0 for any other value, for which
// ZooKeeper's WatcherType.fromInt throws and the reply is MarshallingError.
func typeBits(typ int32) watchBits {
	switch typ {
	case zk.WatcherTypeChildren:
		return watchChild
	case zk.WatcherTypeData:
		return watchData
	case zk.WatcherTypePersistent:
		return watchPersistent
	case zk.WatcherTypePersistentRecursive:
		return watchRecursive
	case zk.WatcherTypeAny:
		return watchAll
	}
	return 0
}

// Remove implements removeWatches for one watcher: it drops wr's watches of
// type typ (zk.WatcherType*) on path and reports whether there was one; if
// not, ZooKeeper answers NoWatcher. The server sends no event: the client
// delivers DataWatchRemoved, ChildWatchRemoved or PersistentWatchRemoved to
// its own watchers when the reply arrives (ZKWatchManager).
func (w *Watches) Remove(path string, wr Watcher, typ int32) bool {
	sel := typeBits(typ)
	ws := w.watchers[wr]
	if sel == 0 || ws == nil {
		return false
	}
	i, ok := ws.paths[path]
	if !ok {
		return false
	}
	wp := w.paths[path]
	e := &wp.entries[i]
	old := e.bits
	if old&sel == 0 {
		return false
	}
	e.bits &^= sel
	w.account(wp, ws, old, e.bits)
	// NB: WatchManager.unwatch drops the watcher from watch2Paths when this
	// removal leaves it no data-side path; a trigger that does the same
	// leaves it there (see Summary).
	if ws.inData && ws.nData == 0 && old&dataSide != 0 && e.bits&dataSide == 0 {
		ws.inData = false
		w.nDataWatchers--
	}
	if e.bits == 0 {
		w.drop(wp, int(i))
	}
	return true
}

// Contains implements checkWatches: whether wr holds a watch of type typ
// (zk.WatcherType*) on path.
func (w *Watches) Contains(path string, wr Watcher, typ int32) bool {
	ws := w.watchers[wr]
	if ws == nil {
		return false
	}
	i, ok := ws.paths[path]
	if !ok {
		return false
	}
	return w.paths[path].entries[i].bits&typeBits(typ) != 0
}

// RemoveWatcher drops every watch of wr: its connection closed
// (DataTree.removeCnxn). It must be called for every watcher that ever
// added a watch, as the table keeps a small record per watcher until then.
func (w *Watches) RemoveWatcher(wr Watcher) {
	ws := w.watchers[wr]
	if ws == nil {
		return
	}
	for p, i := range ws.paths {
		wp := w.paths[p]
		w.account(wp, ws, wp.entries[i].bits, 0)
		w.drop(wp, int(i)) // deletes p from ws.paths, which range allows
	}
	if ws.inData {
		w.nDataWatchers--
	}
	delete(w.watchers, wr)
}

// NodeZxids is what Reattach needs to know about a node.
type NodeZxids struct {
	Exists bool
	Czxid  zk.Zxid // not consulted: see Reattach
	Mzxid  zk.Zxid
	Pzxid  zk.Zxid
}

// Reattach implements setWatches and setWatches2 (DataTree.setWatches): a
// client that reconnects re-registers its watches, and for each one-shot
// watch whose node changed after rel, the client's last seen zxid, it gets
// the event at once instead, in this order, with zxid NoZxid:
//
//	data:  node gone -> NodeDeleted; mzxid > rel -> NodeDataChanged
//	exist: node exists -> NodeCreated (NB: czxid is not compared)
//	child: node gone -> NodeDeleted; pzxid > rel -> NodeChildrenChanged
//
// Otherwise the watch is registered again. Persistent and recursive watches
// (setWatches2 only; pass nil for setWatches) are just registered. A path in
// two lists is handled once per list, so it can fire twice. Reattach events
// bypass the read check: ZooKeeper delivers them through
// ServerCnxn.process(event), whose ACL is null.
func (w *Watches) Reattach(rel zk.Zxid, data, exist, child, persistent, recursive []string, wr Watcher, lookup func(path string) NodeZxids) {
	fire := func(typ zk.EventType, path string) {
		wr.Event(zk.WatcherEvent{Type: typ, State: zk.StateSyncConnected, Path: path}, NoZxid)
	}
	for _, p := range data {
		switch n := lookup(p); {
		case !n.Exists:
			fire(zk.EventNodeDeleted, p)
		case n.Mzxid > rel:
			fire(zk.EventNodeDataChanged, p)
		default:
			w.AddData(p, wr)
		}
	}
	for _, p := range exist {
		if lookup(p).Exists {
			fire(zk.EventNodeCreated, p)
		} else {
			w.AddData(p, wr)
		}
	}
	for _, p := range child {
		switch n := lookup(p); {
		case !n.Exists:
			fire(zk.EventNodeDeleted, p)
		case n.Pzxid > rel:
			fire(zk.EventNodeChildrenChanged, p)
		default:
			w.AddChild(p, wr)
		}
	}
	for _, p := range persistent {
		w.AddPersistent(p, wr, false)
	}
	for _, p := range recursive {
		w.AddPersistent(p, wr, true)
	}
}

// Count is the number of watches for mntr's watch_count
// (DataTree.getWatchCount): dataWatches.size() + childWatches.size(), so a
// persistent watch, which is on both sides, counts twice.
func (w *Watches) Count() int { return w.nData + w.nChild }

// Paths is the number of paths with a watch of any kind. wchs prints
// Summary's figures instead.
func (w *Watches) Paths() int { return len(w.paths) }

// WatchSummary holds the figures wchs prints:
//
//	<Watchers> connections watching <Paths> paths
//	Total watches:<Total>
type WatchSummary struct {
	Watchers, Paths, Total int
}

// Summary returns wchs's figures (DataTree.dumpWatchesSummary, also the
// admin command watch_summary).
//
// NB: ZooKeeper reports its dataWatches manager alone: one-shot child
// watches are invisible to wchs, wchc and wchp (but not to mntr, see Count);
// persistent and recursive watches are visible. And a watcher stays counted
// after a trigger consumed its last data-side watch (triggerWatch leaves an
// empty entry in watch2Paths) until it closes or removeWatches empties it.
func (w *Watches) Summary() WatchSummary {
	return WatchSummary{Watchers: w.nDataWatchers, Paths: w.nDataPaths, Total: w.nData}
}

// ByPath lists data-side watchers per path for wchp
// (WatchManager.dumpWatches by path; see Summary for what is left out).
func (w *Watches) ByPath() map[string][]Watcher {
	out := make(map[string][]Watcher, w.nDataPaths)
	for p, wp := range w.paths {
		if wp.nData == 0 {
			continue
		}
		ws := make([]Watcher, 0, wp.nData)
		for _, e := range wp.entries {
			if e.bits&dataSide != 0 {
				ws = append(ws, e.ws.wr)
			}
		}
		out[p] = ws
	}
	return out
}

// ByWatcher lists data-side watched paths per watcher for wchc
// (WatchManager.dumpWatches by connection). A watcher Summary counts with
// no such path left is listed with none, as ZooKeeper prints it.
func (w *Watches) ByWatcher() map[Watcher][]string {
	out := make(map[Watcher][]string, w.nDataWatchers)
	for wr, ws := range w.watchers {
		if !ws.inData {
			continue
		}
		ps := make([]string, 0, ws.nData)
		for p, i := range ws.paths {
			if w.paths[p].entries[i].bits&dataSide != 0 {
				ps = append(ps, p)
			}
		}
		out[wr] = ps
	}
	return out
}
