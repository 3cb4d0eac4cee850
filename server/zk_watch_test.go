package server_test

import (
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	wire "github.com/paddockdb/paddock/zk"
)

// waitWatch waits for a go-zookeeper watch event and checks it.
func waitWatch(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatalf("watch channel closed, want %v on %s", typ, path)
		}
		if ev.Type != typ || ev.Path != path || ev.State != zk.StateSyncConnected || ev.Err != nil {
			t.Fatalf("watch event %+v, want {%v %s SyncConnected}", ev, typ, path)
		}
	case <-time.After(rawTimeout):
		t.Fatalf("no watch event, want %v on %s", typ, path)
	}
}

// alreadyFired asserts a watch event is already in the channel (it arrived
// before the response the test has just read).
func alreadyFired(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Fatalf("watch event %+v, want %v on %s", ev, typ, path)
		}
	default:
		t.Fatalf("the %v event for %s had not arrived before a later response", typ, path)
	}
}

// TestZKWatches covers one-shot data, exists and child watches.
func TestZKWatches(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	c := dial(t, addr) // sets watches
	m := dial(t, addr) // makes changes
	w := rawDial(t, addr, 4*time.Second)

	t.Run("DataChanged", func(t *testing.T) {
		p := root + "/data"
		mustCreate(t, m, p, []byte("1"))
		_, _, ch, err := c.GetW(p)
		wantErr(t, "GetW", err, nil)
		if _, err := m.Set(p, []byte("2"), -1); err != nil {
			t.Fatal(err)
		}
		waitWatch(t, ch, zk.EventNodeDataChanged, p)
	})

	t.Run("OneShot", func(t *testing.T) {
		p := root + "/oneshot"
		mustCreate(t, m, p, nil)
		code, _, _ := w.getData(p, true)
		wantCode(t, "getData watch", code, 0)
		m.Set(p, []byte("a"), -1)
		w.mustEvent(wire.EventNodeDataChanged, p)
		m.Set(p, []byte("b"), -1)
		w.noEvents() // the watch fired once and is gone
		// Setting the same data again still counts as a change.
		w.getData(p, true)
		m.Set(p, []byte("b"), -1)
		w.mustEvent(wire.EventNodeDataChanged, p)
		w.noEvents()
	})

	t.Run("ExistsCreated", func(t *testing.T) {
		p := root + "/later"
		ok, _, ch, err := c.ExistsW(p)
		if err != nil || ok {
			t.Fatalf("ExistsW on a missing node = %v, %v", ok, err)
		}
		mustCreate(t, m, p, nil)
		waitWatch(t, ch, zk.EventNodeCreated, p)
		// exists on an existing node is a data watch: changed, deleted.
		ok, _, ch, err = c.ExistsW(p)
		if err != nil || !ok {
			t.Fatalf("ExistsW = %v, %v", ok, err)
		}
		m.Set(p, []byte("x"), -1)
		waitWatch(t, ch, zk.EventNodeDataChanged, p)
		_, _, ch, _ = c.ExistsW(p)
		m.Delete(p, -1)
		waitWatch(t, ch, zk.EventNodeDeleted, p)
	})

	t.Run("DataDeleted", func(t *testing.T) {
		p := root + "/gone"
		mustCreate(t, m, p, nil)
		_, _, ch, _ := c.GetW(p)
		m.Delete(p, -1)
		waitWatch(t, ch, zk.EventNodeDeleted, p)
	})

	t.Run("GetDataOnMissingSetsNoWatch", func(t *testing.T) {
		p := root + "/nowatch"
		code, _, _ := w.getData(p, true)
		wantCode(t, "getData missing", code, wire.CodeNoNode)
		code, _ = w.getChildren(p, true)
		wantCode(t, "getChildren missing", code, wire.CodeNoNode)
		mustCreate(t, m, p, nil)
		m.Set(p, nil, -1)
		mustCreate(t, m, p+"/c", nil)
		w.noEvents()
		// exists on a missing node does set a watch.
		code, _ = w.exists(p+"/d", true)
		wantCode(t, "exists missing", code, wire.CodeNoNode)
		mustCreate(t, m, p+"/d", nil)
		w.mustEvent(wire.EventNodeCreated, p+"/d")
	})

	t.Run("Children", func(t *testing.T) {
		p := root + "/kids"
		mustCreate(t, m, p, nil)
		_, _, ch, err := c.ChildrenW(p)
		wantErr(t, "ChildrenW", err, nil)
		mustCreate(t, m, p+"/a", nil)
		waitWatch(t, ch, zk.EventNodeChildrenChanged, p)
		_, _, ch, _ = c.ChildrenW(p)
		m.Delete(p+"/a", -1)
		waitWatch(t, ch, zk.EventNodeChildrenChanged, p)
		// Data changes of the node or of a child do not fire child watches;
		// grandchildren do not either.
		mustCreate(t, m, p+"/b", nil)
		code, _ := w.getChildren(p, true)
		wantCode(t, "getChildren", code, 0)
		m.Set(p, []byte("x"), -1)
		m.Set(p+"/b", []byte("x"), -1)
		mustCreate(t, m, p+"/b/deep", nil)
		w.noEvents()
		// Deleting the watched node itself: NodeDeleted on its path.
		m.Delete(p+"/b/deep", -1)
		m.Delete(p+"/b", -1)
		w.mustEvent(wire.EventNodeChildrenChanged, p)
		w.getChildren(p, true)
		m.Delete(p, -1)
		w.mustEvent(wire.EventNodeDeleted, p)
		w.noEvents()
	})

	t.Run("OneEventPerConnection", func(t *testing.T) {
		// Data, exists and child watches of one connection on one path
		// produce a single notification per change.
		p := root + "/dedup"
		mustCreate(t, m, p, nil)
		w.getData(p, true)
		w.exists(p, true)
		w.getChildren(p, true)
		m.Set(p, []byte("1"), -1)
		w.mustEvent(wire.EventNodeDataChanged, p)
		w.noEvents()
		// The child watch is still armed (only data watches fired).
		mustCreate(t, m, p+"/c", nil)
		w.mustEvent(wire.EventNodeChildrenChanged, p)
		// Deleting a node with a data and a child watch: one NodeDeleted.
		m.Delete(p+"/c", -1)
		w.getData(p, true)
		w.getChildren(p, true)
		m.Delete(p, -1)
		w.mustEvent(wire.EventNodeDeleted, p)
		w.noEvents()
	})

	t.Run("EventBeforeLaterResponse", func(t *testing.T) {
		p := root + "/order"
		mustCreate(t, m, p, []byte("old"))
		_, _, ch, _ := c.GetW(p)
		if _, err := m.Set(p, []byte("new"), -1); err != nil {
			t.Fatal(err)
		}
		data, _, err := c.Get(p)
		if err != nil || string(data) != "new" {
			t.Fatalf("get after set = %q, %v", data, err)
		}
		alreadyFired(t, ch, zk.EventNodeDataChanged, p)

		// Same on the wire: the event frame precedes the read's reply.
		w.getData(p, true)
		m.Set(p, []byte("newer"), -1)
		rep := w.mustCall(wire.OpGetData, encPathWatch(p, false))
		ev, ok := w.pollEvent()
		if !ok || ev.Type != wire.EventNodeDataChanged || ev.Seq > rep.Seq {
			t.Fatalf("event %+v (ok %v) did not precede the getData reply (seq %d)", ev, ok, rep.Seq)
		}
		// A session's own change: its watch event precedes its own reply.
		w.getData(p, true)
		set := w.mustCall(wire.OpSetData, encSetData(p, []byte("mine"), -1))
		ev, ok = w.pollEvent()
		if !ok || ev.Type != wire.EventNodeDataChanged || ev.Path != p || ev.Seq > set.Seq {
			t.Fatalf("own-change event %+v (ok %v) did not precede the setData reply (seq %d)", ev, ok, set.Seq)
		}
	})

	t.Run("MultiFiresWatches", func(t *testing.T) {
		p := root + "/multi"
		mustCreate(t, m, p, nil)
		mustCreate(t, m, p+"/old", nil)
		_, _, dch, _ := c.GetW(p)
		_, _, cch, _ := c.ChildrenW(p)
		_, _, och, _ := c.GetW(p + "/old")
		_, err := m.Multi(
			&zk.SetDataRequest{Path: p, Data: []byte("x"), Version: -1},
			&zk.CreateRequest{Path: p + "/new", Acl: zk.WorldACL(zk.PermAll)},
			&zk.DeleteRequest{Path: p + "/old", Version: -1},
		)
		wantErr(t, "Multi", err, nil)
		waitWatch(t, dch, zk.EventNodeDataChanged, p)
		waitWatch(t, cch, zk.EventNodeChildrenChanged, p)
		waitWatch(t, och, zk.EventNodeDeleted, p+"/old")
		// A failed multi fires nothing.
		w.getData(p, true)
		w.getChildren(p, true)
		rep, _ := w.multi(wire.OpMulti,
			multiOp{wire.OpSetData, encSetData(p, []byte("y"), -1)},
			multiOp{wire.OpCreate, encCreate(p+"/new", nil, openACL, 0)},
		)
		wantCode(t, "failed multi", rep.Err, 0)
		w.noEvents()
		w.removeWatches(p, wire.WatcherTypeAny)
	})
}

// TestZKPersistentWatches covers addWatch (106) in both modes.
func TestZKPersistentWatches(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	m := rawDial(t, addr, 4*time.Second)

	t.Run("Persistent", func(t *testing.T) {
		w := rawDial(t, addr, 4*time.Second)
		p := root + "/p"
		rep := w.addWatch(p, wire.AddWatchModePersistent) // the node need not exist
		wantCode(t, "addWatch", rep.Err, 0)
		d := wire.NewDecoder(rep.Body) // an ErrorResponse{err: 0} body
		if code := d.Int32(); code != 0 {
			t.Fatalf("addWatch body code %d", code)
		}
		finish(t, "addWatch response", &d)
		m.createErr(p, []byte("a"), openACL, 0)
		w.mustEvent(wire.EventNodeCreated, p)
		m.setData(p, []byte("b"), -1)
		w.mustEvent(wire.EventNodeDataChanged, p)
		m.setData(p, []byte("c"), -1)
		w.mustEvent(wire.EventNodeDataChanged, p) // not one-shot
		m.createErr(p+"/kid", nil, openACL, 0)
		w.mustEvent(wire.EventNodeChildrenChanged, p)
		m.setData(p+"/kid", []byte("x"), -1) // not recursive: nothing
		m.createErr(p+"/kid/g", nil, openACL, 0)
		w.noEvents()
		m.delete(p+"/kid/g", -1)
		m.delete(p+"/kid", -1)
		w.mustEvent(wire.EventNodeChildrenChanged, p)
		m.delete(p, -1)
		w.mustEvent(wire.EventNodeDeleted, p)
		w.noEvents()
		// It survives the deletion: re-creating the node fires again.
		m.createErr(p, nil, openACL, 0)
		w.mustEvent(wire.EventNodeCreated, p)
		if realZK() {
			// 3.8 keeps one mode per connection and path, so Data and
			// Children see the persistent watch.
			wantCode(t, "checkWatches data", w.checkWatches(p, wire.WatcherTypeData), 0)
			wantCode(t, "checkWatches children", w.checkWatches(p, wire.WatcherTypeChildren), 0)
		} else {
			// Paddock follows 3.9 (ZOOKEEPER-4471): Data and Children match
			// one-shot watches, Persistent matches this one.
			wantCode(t, "checkWatches data", w.checkWatches(p, wire.WatcherTypeData), wire.CodeNoWatcher)
			wantCode(t, "checkWatches persistent", w.checkWatches(p, wire.WatcherTypePersistent), 0)
		}
		// removeWatches Any removes it.
		wantCode(t, "removeWatches any", w.removeWatches(p, wire.WatcherTypeAny), 0)
		m.setData(p, []byte("d"), -1)
		w.noEvents()
		wantCode(t, "removeWatches again", w.removeWatches(p, wire.WatcherTypeAny), wire.CodeNoWatcher)
	})

	t.Run("Recursive", func(t *testing.T) {
		w := rawDial(t, addr, 4*time.Second)
		r := root + "/r"
		wantCode(t, "addWatch recursive", w.addWatch(r, wire.AddWatchModePersistentRecursive).Err, 0)
		m.createErr(r, []byte("a"), openACL, 0)
		w.mustEvent(wire.EventNodeCreated, r)
		m.createErr(r+"/a", nil, openACL, 0)
		w.mustEvent(wire.EventNodeCreated, r+"/a") // no NodeChildrenChanged for r
		m.createErr(r+"/a/b", nil, openACL, 0)
		w.mustEvent(wire.EventNodeCreated, r+"/a/b")
		m.setData(r+"/a/b", []byte("x"), -1)
		w.mustEvent(wire.EventNodeDataChanged, r+"/a/b")
		m.setData(r, []byte("y"), -1)
		w.mustEvent(wire.EventNodeDataChanged, r)
		// A sibling that merely shares the prefix is not below r.
		m.createErr(r+"x", nil, openACL, 0)
		w.noEvents()
		m.delete(r+"/a/b", -1)
		w.mustEvent(wire.EventNodeDeleted, r+"/a/b")
		w.noEvents()
		// With an additional one-shot child watch on r both kinds arrive:
		// the recursive NodeCreated for the child first.
		code, _ := w.getChildren(r, true)
		wantCode(t, "getChildren", code, 0)
		m.createErr(r+"/z", nil, openACL, 0)
		w.mustEvent(wire.EventNodeCreated, r+"/z")
		w.mustEvent(wire.EventNodeChildrenChanged, r)
		w.noEvents()
		// checkWatches sees the recursive watch on its own path only.
		typ := wire.WatcherTypeData // 3.8: the recursive watch is a data watch
		if !realZK() {
			typ = wire.WatcherTypePersistentRecursive // 3.9 (ZOOKEEPER-4471)
		}
		wantCode(t, "checkWatches r", w.checkWatches(r, typ), 0)
		wantCode(t, "checkWatches r/a", w.checkWatches(r+"/a", typ), wire.CodeNoWatcher)
		wantCode(t, "removeWatches", w.removeWatches(r, wire.WatcherTypeAny), 0)
		m.createErr(r+"/after", nil, openACL, 0)
		w.noEvents()
	})

	t.Run("BadMode", func(t *testing.T) {
		w := rawDial(t, addr, 4*time.Second)
		rep := w.addWatch(root, 2)
		if rep.Err != wire.CodeMarshallingError || len(rep.Body) != 0 {
			t.Fatalf("addWatch mode 2: err %d body %x, want MarshallingError", rep.Err, rep.Body)
		}
		// The connection stays usable.
		w.ping()
	})

	t.Run("StandardWatchReplacesPersistent", func(t *testing.T) {
		// ZooKeeper 3.8 quirk: a one-shot data watch set by the same
		// connection on a path with a persistent watch turns the data side
		// of the persistent watch into a one-shot watch (the watch mode is
		// per connection and path). The child side stays persistent.
		w := rawDial(t, addr, 4*time.Second)
		q := root + "/q"
		m.createErr(q, nil, openACL, 0)
		w.addWatch(q, wire.AddWatchModePersistent)
		w.getData(q, true)
		m.setData(q, []byte("1"), -1)
		w.mustEvent(wire.EventNodeDataChanged, q)
		m.setData(q, []byte("2"), -1)
		if realZK() {
			w.noEvents() // the data side is gone
		} else {
			// Paddock follows 3.9 (ZOOKEEPER-4466): the one-shot watch and
			// the persistent one coexist, so the persistent one still fires.
			w.mustEvent(wire.EventNodeDataChanged, q)
		}
		wantCode(t, "checkWatches data", w.checkWatches(q, wire.WatcherTypeData), wire.CodeNoWatcher)
		m.createErr(q+"/c", nil, openACL, 0)
		w.mustEvent(wire.EventNodeChildrenChanged, q) // the child side remains
		w.removeWatches(q, wire.WatcherTypeAny)
	})
}

// TestZKCheckRemoveWatches covers checkWatches (17) and removeWatches (18).
func TestZKCheckRemoveWatches(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	m := rawDial(t, addr, 4*time.Second)
	w := rawDial(t, addr, 4*time.Second)
	p := root + "/n"
	m.createErr(p, nil, openACL, 0)

	for _, typ := range []int32{wire.WatcherTypeChildren, wire.WatcherTypeData, wire.WatcherTypeAny} {
		wantCode(t, "checkWatches without watches", w.checkWatches(p, typ), wire.CodeNoWatcher)
		wantCode(t, "removeWatches without watches", w.removeWatches(p, typ), wire.CodeNoWatcher)
	}
	// A data watch.
	w.getData(p, true)
	wantCode(t, "check data", w.checkWatches(p, wire.WatcherTypeData), 0)
	wantCode(t, "check any", w.checkWatches(p, wire.WatcherTypeAny), 0)
	wantCode(t, "check children", w.checkWatches(p, wire.WatcherTypeChildren), wire.CodeNoWatcher)
	wantCode(t, "remove children", w.removeWatches(p, wire.WatcherTypeChildren), wire.CodeNoWatcher)
	wantCode(t, "remove data", w.removeWatches(p, wire.WatcherTypeData), 0)
	// The server sends no "watch removed" event (clients make those up).
	m.setData(p, []byte("x"), -1)
	w.noEvents()
	wantCode(t, "check data after remove", w.checkWatches(p, wire.WatcherTypeData), wire.CodeNoWatcher)
	// An exists watch on a missing node is a data watch.
	w.exists(p+"/missing", true)
	wantCode(t, "check exists watch", w.checkWatches(p+"/missing", wire.WatcherTypeData), 0)
	wantCode(t, "remove exists watch", w.removeWatches(p+"/missing", wire.WatcherTypeAny), 0)
	m.createErr(p+"/missing", nil, openACL, 0)
	w.noEvents()
	// A child watch; Any removes data and child watches together.
	w.getChildren(p, true)
	w.getData(p, true)
	wantCode(t, "check children", w.checkWatches(p, wire.WatcherTypeChildren), 0)
	wantCode(t, "remove any", w.removeWatches(p, wire.WatcherTypeAny), 0)
	m.createErr(p+"/kid", nil, openACL, 0)
	m.setData(p, []byte("y"), -1)
	w.noEvents()
	wantCode(t, "check any after remove", w.checkWatches(p, wire.WatcherTypeAny), wire.CodeNoWatcher)
	// A fired watch is gone.
	w.getData(p, true)
	m.setData(p, []byte("z"), -1)
	w.mustEvent(wire.EventNodeDataChanged, p)
	wantCode(t, "check fired watch", w.checkWatches(p, wire.WatcherTypeData), wire.CodeNoWatcher)
	// Watcher types beyond Any (3) do not exist in ZooKeeper 3.8:
	// MarshallingError, connection kept. 3.9, which Paddock follows here,
	// adds Persistent (4) and PersistentRecursive (5).
	bad := []int32{0, 6}
	if realZK() {
		bad = []int32{0, 4, 5}
	}
	for _, typ := range bad {
		wantCode(t, "checkWatches bad type", w.checkWatches(p, typ), wire.CodeMarshallingError)
		wantCode(t, "removeWatches bad type", w.removeWatches(p, typ), wire.CodeMarshallingError)
	}
	// ZooKeeper 3.8 quirk: checkWatches answers OK when any connection has
	// a watch of that kind on the path, not only the asking one;
	// removeWatches is exact.
	// Paddock follows 3.9 (ZOOKEEPER-4471), where checkWatches is exact too.
	m.getData(p, true)
	want := wire.CodeNoWatcher
	if realZK() {
		want = 0
	}
	wantCode(t, "checkWatches with another connection's watch", w.checkWatches(p, wire.WatcherTypeData), want)
	wantCode(t, "removeWatches with another connection's watch", w.removeWatches(p, wire.WatcherTypeData), wire.CodeNoWatcher)
	wantCode(t, "the other connection's watch is intact", m.checkWatches(p, wire.WatcherTypeData), 0)
}

// TestZKSetWatches covers setWatches (101) and setWatches2 (105) sent by
// hand: the server compares each watch with the client's last zxid and
// fires missed events at once, else arms the watch.
func TestZKSetWatches(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	m := rawDial(t, addr, 4*time.Second)
	w := rawDial(t, addr, 4*time.Second)
	sw := root + "/sw"
	m.createErr(sw, []byte("1"), openACL, 0)
	_, st := m.exists(sw, false)
	rel := int64(st.Mzxid)
	last := m.mustCall(wire.OpSync, encPath("/")).Zxid

	rep := w.mustCall(wire.OpSetWatches, encSetWatches(rel,
		[]string{sw, root + "/gone"},
		[]string{sw, root + "/none"},
		[]string{sw, root + "/gone2"}))
	if rep.Err != 0 || len(rep.Body) != 0 || rep.Zxid != last {
		t.Fatalf("setWatches reply %+v, want ok, no body, zxid %#x", rep, last)
	}
	// Data watch on a missing node: NodeDeleted. Exist watch on an
	// existing node: NodeCreated (whatever its czxid). Child watch on a
	// missing node: NodeDeleted. In that order (data, exist, child lists).
	w.mustEvent(wire.EventNodeDeleted, root+"/gone")
	w.mustEvent(wire.EventNodeCreated, sw)
	w.mustEvent(wire.EventNodeDeleted, root+"/gone2")
	w.noEvents()
	// The others were armed: data (mzxid == rel), exist on /none, child
	// (pzxid == rel).
	m.setData(sw, []byte("2"), -1)
	w.mustEvent(wire.EventNodeDataChanged, sw)
	m.createErr(root+"/none", nil, openACL, 0)
	w.mustEvent(wire.EventNodeCreated, root+"/none")
	m.createErr(sw+"/kid", nil, openACL, 0)
	w.mustEvent(wire.EventNodeChildrenChanged, sw)
	w.noEvents()

	// Changes after relativeZxid fire immediately: here the data changed
	// after rel while the children did not, so the child watch is armed.
	_, st = m.setData(sw, []byte("m"), -1)
	if st.Pzxid >= st.Mzxid {
		t.Fatalf("stat %+v: want pzxid < mzxid", st)
	}
	w.mustCall(wire.OpSetWatches, encSetWatches(int64(st.Mzxid)-1, []string{sw}, nil, []string{sw}))
	w.mustEvent(wire.EventNodeDataChanged, sw)
	w.noEvents()
	m.delete(sw+"/kid", -1)
	w.mustEvent(wire.EventNodeChildrenChanged, sw)
	// Both changed after rel: both fire, data list first.
	w.mustCall(wire.OpSetWatches, encSetWatches(int64(st.Mzxid)-1, []string{sw}, nil, []string{sw}))
	w.mustEvent(wire.EventNodeDataChanged, sw)
	w.mustEvent(wire.EventNodeChildrenChanged, sw)
	w.noEvents()

	// setWatches2 adds persistent and persistent-recursive watches.
	rep = w.mustCall(wire.OpSetWatches2, encSetWatches2(0, nil, nil, nil, []string{sw}, []string{root + "/tree"}))
	if rep.Err != 0 || len(rep.Body) != 0 {
		t.Fatalf("setWatches2 reply %+v", rep)
	}
	w.noEvents() // persistent watches never fire on registration
	m.setData(sw, []byte("3"), -1)
	w.mustEvent(wire.EventNodeDataChanged, sw)
	m.setData(sw, []byte("4"), -1)
	w.mustEvent(wire.EventNodeDataChanged, sw)
	m.createErr(root+"/tree", nil, openACL, 0)
	w.mustEvent(wire.EventNodeCreated, root+"/tree")
	m.createErr(root+"/tree/x", nil, openACL, 0)
	w.mustEvent(wire.EventNodeCreated, root+"/tree/x")
	w.noEvents()
}

// TestZKSetWatchesAfterReconnect cuts a go-zookeeper connection, changes the
// tree while it is away and lets it reconnect to the same session: the
// client re-sends its watches with its last zxid and receives the events it
// missed; an unchanged node's watch stays armed.
func TestZKSetWatchesAfterReconnect(t *testing.T) {
	addr := startServer(t)
	root := testRoot(t, addr)
	m := dial(t, addr)
	g := newGate(addr)
	c := connect(t, addr, defaultSessionTimeout, withGate(g))
	sid := c.SessionID()

	mustCreate(t, m, root+"/a", []byte("1"))
	mustCreate(t, m, root+"/kids", nil)
	mustCreate(t, m, root+"/doomed", nil)
	mustCreate(t, m, root+"/calm", nil)
	if _, err := c.Create(root+"/mine", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, _, aCh, _ := c.GetW(root + "/a")
	_, _, newCh, _ := c.ExistsW(root + "/new")
	_, _, kidsCh, _ := c.ChildrenW(root + "/kids")
	_, _, doomedCh, _ := c.GetW(root + "/doomed")
	_, _, calmCh, _ := c.GetW(root + "/calm")

	g.cut()
	c.waitSessionEvent(t, zk.StateDisconnected, rawTimeout)
	if _, err := m.Set(root+"/a", []byte("2"), -1); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, m, root+"/new", nil)
	mustCreate(t, m, root+"/kids/k", nil)
	if err := m.Delete(root+"/doomed", -1); err != nil {
		t.Fatal(err)
	}
	g.release()
	c.waitSessionEvent(t, zk.StateHasSession, 3*rawTimeout)
	if c.SessionID() != sid {
		t.Fatalf("reconnected with session %#x, want the same %#x", c.SessionID(), sid)
	}
	waitWatch(t, aCh, zk.EventNodeDataChanged, root+"/a")
	waitWatch(t, newCh, zk.EventNodeCreated, root+"/new")
	waitWatch(t, kidsCh, zk.EventNodeChildrenChanged, root+"/kids")
	waitWatch(t, doomedCh, zk.EventNodeDeleted, root+"/doomed")
	select {
	case ev := <-calmCh:
		t.Fatalf("unchanged node's watch fired: %+v", ev)
	default:
	}
	if _, err := m.Set(root+"/calm", []byte("now"), -1); err != nil {
		t.Fatal(err)
	}
	waitWatch(t, calmCh, zk.EventNodeDataChanged, root+"/calm")
	// The session, and so its ephemeral, survived the disconnection.
	if st := mustStat(t, m, root+"/mine"); st.EphemeralOwner != sid {
		t.Fatalf("ephemeral owner %#x, want %#x", st.EphemeralOwner, sid)
	}
}
