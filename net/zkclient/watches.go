package zkclient

import (
	"sort"
	"strings"
	"sync"

	"github.com/paddockdb/paddock/zk"
)

// watchKind is one kind of watch the client holds on a path (the Java
// client's five maps in ZKWatchManager); a path's kinds are a bit set.
type watchKind uint8

const (
	watchData       watchKind = 1 << iota // getData, or exists on an existing node
	watchExist                            // exists on a missing node
	watchChild                            // getChildren
	watchPersistent                       // addWatch PERSISTENT
	watchRecursive                        // addWatch PERSISTENT_RECURSIVE

	watchOneShot = watchData | watchExist | watchChild
	watchAll     = watchOneShot | watchPersistent | watchRecursive
)

// watchReg is what a request does to the registry when it completes.
type watchReg uint8

const (
	regNone   watchReg = iota
	regData            // getData with watch: data watch on success
	regExists          // exists with watch: data watch on success, exist watch on NoNode
	regChild           // getChildren(2) with watch: child watch on success
	regAdd             // addWatch: persistent or recursive watch on success
	regRemove          // removeWatches: remove (see watchSet.remove)
)

// watchSet is the client's registry of watches by path, guarded by its own
// mutex (the reader registers and triggers, the reconnect path lists, the
// caller of RemoveWatches removes).
type watchSet struct {
	mu         sync.Mutex
	m          map[string]watchKind
	nRecursive int // paths with a recursive watch, to skip the ancestor walk
}

func (w *watchSet) add(path string, k watchKind) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = make(map[string]watchKind)
	}
	old := w.m[path]
	if k&watchRecursive != 0 && old&watchRecursive == 0 {
		w.nRecursive++
	}
	w.m[path] = old | k
}

// clear removes kinds k from path and reports which of them were there.
// REQUIRES: w.mu held.
func (w *watchSet) clearLocked(path string, k watchKind) watchKind {
	old, ok := w.m[path]
	if !ok {
		return 0
	}
	had := old & k
	if had&watchRecursive != 0 {
		w.nRecursive--
	}
	if rest := old &^ k; rest == 0 {
		delete(w.m, path)
	} else {
		w.m[path] = rest
	}
	return had
}

// trigger applies a watch event from the server as ZKWatchManager.materialize
// does: it removes the one-shot watches the event consumes and reports
// whether any watch (one-shot, persistent on the path, or recursive on the
// path or an ancestor) wants the event.
func (w *watchSet) trigger(t zk.EventType, path string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	var hit watchKind
	switch t {
	case zk.EventNodeCreated, zk.EventNodeDataChanged:
		hit = w.clearLocked(path, watchData|watchExist)
	case zk.EventNodeChildrenChanged:
		hit = w.clearLocked(path, watchChild)
	case zk.EventNodeDeleted:
		hit = w.clearLocked(path, watchOneShot)
	default:
		return false
	}
	if hit != 0 || w.m[path]&(watchPersistent|watchRecursive) != 0 {
		return true
	}
	if w.nRecursive == 0 {
		return false
	}
	for p := path; p != "/"; {
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			p = "/"
		} else {
			p = p[:i]
		}
		if w.m[p]&watchRecursive != 0 {
			return true
		}
	}
	return false
}

// has reports whether path holds a watch that a removeWatches of watcher
// type typ could remove (ZKWatchManager.containsWatcher).
func (w *watchSet) has(path string, typ int32) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := w.m[path]
	switch typ {
	case zk.WatcherTypeChildren:
		return k&(watchChild|watchPersistent|watchRecursive) != 0
	case zk.WatcherTypeData:
		return k&(watchData|watchExist|watchPersistent|watchRecursive) != 0
	default:
		return k != 0
	}
}

// remove removes the watches of watcher type typ from path, as
// ZKWatchManager.removeWatcher does for all watchers of the path, and
// returns the "watch removed" event types to deliver, in the order Child,
// Data, Persistent.
//
// NB: like the Java client, removing Children or Data leaves persistent
// watches in place (they only count for the "has a watch" check), and Any
// removes everything.
func (w *watchSet) remove(path string, typ int32) []zk.EventType {
	w.mu.Lock()
	defer w.mu.Unlock()
	var evs []zk.EventType
	switch typ {
	case zk.WatcherTypeChildren:
		if w.clearLocked(path, watchChild) != 0 {
			evs = append(evs, zk.EventChildWatchRemoved)
		}
	case zk.WatcherTypeData:
		if w.clearLocked(path, watchData|watchExist) != 0 {
			evs = append(evs, zk.EventDataWatchRemoved)
		}
	default:
		had := w.clearLocked(path, watchAll)
		if had&watchChild != 0 {
			evs = append(evs, zk.EventChildWatchRemoved)
		}
		if had&(watchData|watchExist) != 0 {
			evs = append(evs, zk.EventDataWatchRemoved)
		}
		if had&(watchPersistent|watchRecursive) != 0 {
			evs = append(evs, zk.EventPersistentWatchRemoved)
		}
	}
	return evs
}

// watchLists is the registry as setWatches2 lists it, each list sorted.
type watchLists struct {
	data, exist, child, persistent, recursive []string
}

func (l *watchLists) empty() bool {
	return len(l.data)+len(l.exist)+len(l.child)+len(l.persistent)+len(l.recursive) == 0
}

func (w *watchSet) lists() watchLists {
	w.mu.Lock()
	defer w.mu.Unlock()
	var l watchLists
	for p, k := range w.m {
		if k&watchData != 0 {
			l.data = append(l.data, p)
		}
		if k&watchExist != 0 {
			l.exist = append(l.exist, p)
		}
		if k&watchChild != 0 {
			l.child = append(l.child, p)
		}
		if k&watchPersistent != 0 {
			l.persistent = append(l.persistent, p)
		}
		if k&watchRecursive != 0 {
			l.recursive = append(l.recursive, p)
		}
	}
	for _, s := range [][]string{l.data, l.exist, l.child, l.persistent, l.recursive} {
		sort.Strings(s)
	}
	return l
}

// setWatchesMaxLen is ClientCnxn.SET_WATCHES_MAX_LENGTH: the path bytes
// one setWatches packet carries before the next one starts.
const setWatchesMaxLen = 128 * 1024

// setWatchesRecords splits l into setWatches records as ClientCnxn's
// primeConnection does: batches of about setWatchesMaxLen path bytes,
// filled from the data, exist, child, persistent and recursive lists in
// turn; a batch without persistent watches is sent as the older setWatches
// (101), one with them as setWatches2 (105).
func setWatchesRecords(l watchLists, rel zk.Zxid) []watchPacket {
	lists := [5][]string{l.data, l.exist, l.child, l.persistent, l.recursive}
	var out []watchPacket
	for {
		var batch [5][]string
		n := 0
		for n < setWatchesMaxLen {
			i := 0
			for i < 5 && len(lists[i]) == 0 {
				i++
			}
			if i == 5 {
				break
			}
			p := lists[i][0]
			lists[i] = lists[i][1:]
			batch[i] = append(batch[i], p)
			n += len(p)
		}
		if n == 0 && len(batch[0])+len(batch[1])+len(batch[2])+len(batch[3])+len(batch[4]) == 0 {
			return out
		}
		for i := range batch {
			if batch[i] == nil {
				batch[i] = []string{}
			}
		}
		if len(batch[3]) == 0 && len(batch[4]) == 0 {
			out = append(out, watchPacket{op: zk.OpSetWatches, rec: &zk.SetWatches{
				RelativeZxid: rel, DataWatches: batch[0], ExistWatches: batch[1], ChildWatches: batch[2],
			}})
		} else {
			out = append(out, watchPacket{op: zk.OpSetWatches2, rec: &zk.SetWatches2{
				RelativeZxid: rel, DataWatches: batch[0], ExistWatches: batch[1], ChildWatches: batch[2],
				PersistentWatches: batch[3], PersistentRecursiveWatches: batch[4],
			}})
		}
	}
}

// watchPacket is one setWatches or setWatches2 request.
type watchPacket struct {
	op  zk.OpCode
	rec zk.Record
}
