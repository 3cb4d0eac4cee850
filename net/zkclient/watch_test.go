package zkclient_test

import (
	"testing"

	"github.com/paddockdb/paddock/zk"
)

const sc = zk.StateSyncConnected

// TestWatchEvents covers the one-shot watches of getData, exists and
// getChildren, fired by another client, and their bookkeeping: a fired
// watch is gone.
func TestWatchEvents(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	addr := []string{s.Addr().String()}
	w, ev := dial(t, addr)
	m, _ := dial(t, addr)
	open := zk.OpenACLUnsafe()
	_, _, err := m.Create(bg, "/w", []byte("1"), open, zk.ModePersistent, 0)
	must(t, "create", err)

	_, _, err = w.Get(bg, "/w", true)
	must(t, "get -w", err)
	_, err = m.Set(bg, "/w", []byte("2"), -1)
	must(t, "set", err)
	ev.want(t, zk.EventNodeDataChanged, sc, "/w")
	_, err = m.Set(bg, "/w", []byte("3"), -1)
	must(t, "set again", err)
	_, _, _ = w.Exists(bg, "/", false) // a round trip: no event may follow
	ev.none(t)

	// exists on a missing node: NodeCreated; on an existing one: a data watch.
	_, ok, err := w.Exists(bg, "/w/x", true)
	if err != nil || ok {
		t.Fatalf("exists -w missing: %v %v", ok, err)
	}
	_, _, err = m.Create(bg, "/w/x", nil, open, zk.ModePersistent, 0)
	must(t, "create x", err)
	ev.want(t, zk.EventNodeCreated, sc, "/w/x")
	_, _, err = w.Exists(bg, "/w/x", true)
	must(t, "exists -w", err)
	must(t, "delete x", m.Delete(bg, "/w/x", -1))
	ev.want(t, zk.EventNodeDeleted, sc, "/w/x")

	// Child watch.
	_, _, err = w.Children(bg, "/w", true)
	must(t, "ls -w", err)
	_, _, err = m.Create(bg, "/w/c", nil, open, zk.ModePersistent, 0)
	must(t, "create c", err)
	ev.want(t, zk.EventNodeChildrenChanged, sc, "/w")

	// Data and child watch on one node, deleted: one NodeDeleted event.
	_, _, err = w.Get(bg, "/w/c", true)
	must(t, "get -w c", err)
	_, _, err = w.Children(bg, "/w/c", true)
	must(t, "ls -w c", err)
	must(t, "delete c", m.Delete(bg, "/w/c", -1))
	ev.want(t, zk.EventNodeDeleted, sc, "/w/c")
	_, _, _ = w.Exists(bg, "/", false)
	ev.none(t)

	// A getData watch on a missing node is not left (NoNode).
	_, _, err = w.Get(bg, "/w/none", true)
	wantErr(t, "get -w missing", err, zk.CodeNoNode)
	_, _, err = m.Create(bg, "/w/none", nil, open, zk.ModePersistent, 0)
	must(t, "create none", err)
	_, _, _ = w.Exists(bg, "/", false)
	ev.none(t)
}

// TestOwnChangeEventFirst: an event the server sends before the reply of
// the call that caused it has been delivered when the call returns.
func TestOwnChangeEventFirst(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	c, ev := dial(t, []string{s.Addr().String()})
	_, _, err := c.Create(bg, "/o", nil, zk.OpenACLUnsafe(), zk.ModePersistent, 0)
	must(t, "create", err)
	for i := 0; i < 50; i++ {
		_, _, err := c.Get(bg, "/o", true)
		must(t, "get -w", err)
		n := len(ev.snapshot())
		_, err = c.Set(bg, "/o", []byte("x"), -1)
		must(t, "set", err)
		got := ev.snapshot()
		if len(got) != n+1 || got[n].Type != zk.EventNodeDataChanged {
			t.Fatalf("round %d: events after set returned: %+v", i, got[n:])
		}
		ev.next(t)
	}
}

// TestPersistentWatches covers addWatch in both modes and removeWatches,
// with the events the client makes up for removed watches.
func TestPersistentWatches(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	addr := []string{s.Addr().String()}
	w, ev := dial(t, addr)
	m, _ := dial(t, addr)
	open := zk.OpenACLUnsafe()
	_, _, err := m.Create(bg, "/p", nil, open, zk.ModePersistent, 0)
	must(t, "create", err)

	must(t, "addWatch recursive", w.AddWatch(bg, "/p", zk.AddWatchModePersistentRecursive))
	_, _, err = m.Create(bg, "/p/a", nil, open, zk.ModePersistent, 0)
	must(t, "create a", err)
	ev.want(t, zk.EventNodeCreated, sc, "/p/a")
	_, err = m.Set(bg, "/p/a", []byte("x"), -1)
	must(t, "set a", err)
	ev.want(t, zk.EventNodeDataChanged, sc, "/p/a")
	_, err = m.Set(bg, "/p/a", []byte("y"), -1)
	must(t, "set a again", err)
	ev.want(t, zk.EventNodeDataChanged, sc, "/p/a")
	must(t, "delete a", m.Delete(bg, "/p/a", -1))
	ev.want(t, zk.EventNodeDeleted, sc, "/p/a")

	// Removing data or child watches leaves the persistent one.
	wantErr(t, "remove data", w.RemoveWatches(bg, "/p", zk.WatcherTypeData, false), zk.CodeNoWatcher)
	must(t, "remove any", w.RemoveWatches(bg, "/p", zk.WatcherTypeAny, false))
	ev.want(t, zk.EventPersistentWatchRemoved, sc, "/p")
	_, _, err = m.Create(bg, "/p/b", nil, open, zk.ModePersistent, 0)
	must(t, "create b", err)
	_, _, _ = w.Exists(bg, "/", false)
	ev.none(t)

	must(t, "addWatch persistent", w.AddWatch(bg, "/p", zk.AddWatchModePersistent))
	_, _, err = m.Create(bg, "/p/c", nil, open, zk.ModePersistent, 0)
	must(t, "create c", err)
	ev.want(t, zk.EventNodeChildrenChanged, sc, "/p")
	_, err = m.Set(bg, "/p", []byte("z"), -1)
	must(t, "set p", err)
	ev.want(t, zk.EventNodeDataChanged, sc, "/p")
	_, err = m.Set(bg, "/p/c", []byte("z"), -1)
	must(t, "set c", err)
	_, _, _ = w.Exists(bg, "/", false)
	ev.none(t) // not recursive

	// removeWatches of one-shot watches, by type.
	_, _, err = w.Get(bg, "/p/c", true)
	must(t, "get -w", err)
	_, _, err = w.Children(bg, "/p/c", true)
	must(t, "ls -w", err)
	must(t, "remove children", w.RemoveWatches(bg, "/p/c", zk.WatcherTypeChildren, false))
	ev.want(t, zk.EventChildWatchRemoved, sc, "/p/c")
	wantErr(t, "remove children again", w.RemoveWatches(bg, "/p/c", zk.WatcherTypeChildren, false), zk.CodeNoWatcher)
	must(t, "remove data", w.RemoveWatches(bg, "/p/c", zk.WatcherTypeData, false))
	ev.want(t, zk.EventDataWatchRemoved, sc, "/p/c")
	_, err = m.Set(bg, "/p/c", []byte("w"), -1)
	must(t, "set c", err)
	_, _, _ = w.Exists(bg, "/", false)
	ev.none(t)
	wantErr(t, "remove none", w.RemoveWatches(bg, "/nope", zk.WatcherTypeAny, false), zk.CodeNoWatcher)
	wantErr(t, "remove none locally", w.RemoveWatches(bg, "/nope", zk.WatcherTypeAny, true), zk.CodeNoWatcher)
	wantArgErr(t, "bad path", w.RemoveWatches(bg, "nope", zk.WatcherTypeAny, true))
}

// TestRemoveWatchesLocal: with local set, watches go even when the server
// cannot be asked, with the Disconnected state in the event.
func TestRemoveWatchesLocal(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	p := newProxy(t, s.Addr().String())
	w, ev := dial(t, []string{p.addr()})
	_, _, err := w.Get(bg, "/", true)
	must(t, "get -w", err)
	p.setRefuse(true)
	p.cut()
	ev.want(t, zk.EventNone, zk.StateDisconnected, "")
	must(t, "remove locally", w.RemoveWatches(bg, "/", zk.WatcherTypeAny, true))
	ev.want(t, zk.EventDataWatchRemoved, zk.StateDisconnected, "/")
	p.setRefuse(false)
	ev.want(t, zk.EventNone, zk.StateSyncConnected, "")
	wantErr(t, "remove again", w.RemoveWatches(bg, "/", zk.WatcherTypeAny, false), zk.CodeNoWatcher)
}
