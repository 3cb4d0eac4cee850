package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/paddockdb/paddock/zk"
)

// recWatcher records the events it gets as "Type path@zxid".
type recWatcher struct {
	name  string
	evs   []string
	stale bool
}

func (r *recWatcher) Event(ev zk.WatcherEvent, zxid zk.Zxid) {
	if ev.State != zk.StateSyncConnected {
		panic("event state " + fmt.Sprint(ev.State))
	}
	r.evs = append(r.evs, fmt.Sprintf("%s %s@%d", evName(ev.Type), ev.Path, int64(zxid)))
}

// take returns and forgets the recorded events.
func (r *recWatcher) take() []string {
	evs := r.evs
	r.evs = nil
	return evs
}

// staleWatcher is a recWatcher that implements StaleWatcher.
type staleWatcher struct{ recWatcher }

func (s *staleWatcher) Stale() bool { return s.stale }

func evName(t zk.EventType) string {
	switch t {
	case zk.EventNodeCreated:
		return "Created"
	case zk.EventNodeDeleted:
		return "Deleted"
	case zk.EventNodeDataChanged:
		return "DataChanged"
	case zk.EventNodeChildrenChanged:
		return "ChildrenChanged"
	}
	return fmt.Sprint(int32(t))
}

func parentForTest(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

func create(w *Watches, p string, z zk.Zxid) { w.Created(p, parentForTest(p), nil, nil, z) }
func del(w *Watches, p string, z zk.Zxid)    { w.Deleted(p, parentForTest(p), nil, nil, z) }
func set(w *Watches, p string, z zk.Zxid)    { w.DataChanged(p, nil, z) }

// checkInvariants recomputes every counter and index from scratch.
func checkInvariants(t *testing.T, w *Watches) {
	t.Helper()
	var nData, nChild, nDataPaths, nRec, nDataWatchers int
	for p, wp := range w.paths {
		if wp.path != p {
			t.Fatalf("path %q holds %q", p, wp.path)
		}
		if len(wp.entries) == 0 {
			t.Fatalf("empty watchedPath %q", p)
		}
		var pd int32
		for i, e := range wp.entries {
			if e.bits == 0 || e.bits&^watchAll != 0 {
				t.Fatalf("path %q entry %d bits %b", p, i, e.bits)
			}
			if j, ok := e.ws.paths[p]; !ok || int(j) != i {
				t.Fatalf("path %q entry %d: watcher index %d %v", p, i, j, ok)
			}
			if w.watchers[e.ws.wr] != e.ws {
				t.Fatalf("path %q entry %d: unknown watcher", p, i)
			}
			if e.bits&dataSide != 0 {
				nData++
				pd++
			}
			if e.bits&childSide != 0 {
				nChild++
			}
			if e.bits&watchRecursive != 0 {
				nRec++
			}
		}
		if pd != wp.nData {
			t.Fatalf("path %q nData %d, counted %d", p, wp.nData, pd)
		}
		if pd > 0 {
			nDataPaths++
		}
	}
	for wr, ws := range w.watchers {
		if ws.wr != wr {
			t.Fatal("watcher key mismatch")
		}
		var d int32
		for p, i := range ws.paths {
			wp := w.paths[p]
			if wp == nil || int(i) >= len(wp.entries) || wp.entries[i].ws != ws {
				t.Fatalf("watcher index for %q broken", p)
			}
			if wp.entries[i].bits&dataSide != 0 {
				d++
			}
		}
		if d != ws.nData {
			t.Fatalf("watcher nData %d, counted %d", ws.nData, d)
		}
		if d > 0 && !ws.inData {
			t.Fatal("watcher with data-side watches not inData")
		}
		if ws.inData {
			nDataWatchers++
		}
	}
	got := [5]int{w.nData, w.nChild, w.nDataPaths, w.nRecursive, w.nDataWatchers}
	want := [5]int{nData, nChild, nDataPaths, nRec, nDataWatchers}
	if got != want {
		t.Fatalf("counters (data, child, dataPaths, recursive, dataWatchers) = %v, want %v", got, want)
	}
}

func TestTriggers(t *testing.T) {
	type fixture struct {
		w    *Watches
		a, b *recWatcher
	}
	cases := []struct {
		name   string
		setup  func(f fixture)
		act    func(f fixture)
		wantA  []string
		wantB  []string
		remain func(f fixture) bool // optional check of what is left
	}{
		{
			name:  "data watch fires once on setData",
			setup: func(f fixture) { f.w.AddData("/a", f.a) },
			act:   func(f fixture) { set(f.w, "/a", 5); set(f.w, "/a", 6) },
			wantA: []string{"DataChanged /a@5"},
		},
		{
			name:  "exists watch on a missing node fires on create",
			setup: func(f fixture) { f.w.AddData("/a", f.a) },
			act:   func(f fixture) { create(f.w, "/a", 5); del(f.w, "/a", 6) },
			wantA: []string{"Created /a@5"},
		},
		{
			name:  "data watch fires on delete",
			setup: func(f fixture) { f.w.AddData("/a", f.a) },
			act:   func(f fixture) { del(f.w, "/a", 5) },
			wantA: []string{"Deleted /a@5"},
		},
		{
			name:  "data watch ignores children",
			setup: func(f fixture) { f.w.AddData("/a", f.a) },
			act:   func(f fixture) { create(f.w, "/a/b", 5); del(f.w, "/a/b", 6) },
			remain: func(f fixture) bool {
				return f.w.Contains("/a", f.a, zk.WatcherTypeData)
			},
		},
		{
			name:  "child watch fires once on create and delete of a child",
			setup: func(f fixture) { f.w.AddChild("/a", f.a); f.w.AddChild("/", f.b) },
			act: func(f fixture) {
				create(f.w, "/a/b", 5)
				del(f.w, "/a/b", 6)
				create(f.w, "/x", 7)
				create(f.w, "/y", 8)
			},
			wantA: []string{"ChildrenChanged /a@5"},
			wantB: []string{"ChildrenChanged /@7"},
		},
		{
			name:  "child watch ignores setData and grandchildren",
			setup: func(f fixture) { f.w.AddChild("/a", f.a) },
			act: func(f fixture) {
				set(f.w, "/a", 5)
				create(f.w, "/a/b/c", 6)
			},
			remain: func(f fixture) bool {
				return f.w.Contains("/a", f.a, zk.WatcherTypeChildren)
			},
		},
		{
			name:  "child watch gets NodeDeleted when its node goes",
			setup: func(f fixture) { f.w.AddChild("/a", f.a) },
			act:   func(f fixture) { del(f.w, "/a", 5) },
			wantA: []string{"Deleted /a@5"},
		},
		{
			name: "data and child watch on a deleted node: one NodeDeleted",
			setup: func(f fixture) {
				f.w.AddData("/a", f.a)
				f.w.AddChild("/a", f.a)
				f.w.AddData("/a", f.b)
			},
			act:   func(f fixture) { del(f.w, "/a", 5) },
			wantA: []string{"Deleted /a@5"},
			wantB: []string{"Deleted /a@5"},
			remain: func(f fixture) bool {
				// suppression does not keep the child watch
				return f.w.Count() == 0
			},
		},
		{
			name: "suppression is per watcher",
			setup: func(f fixture) {
				f.w.AddData("/a", f.a)
				f.w.AddChild("/a", f.b)
			},
			act:   func(f fixture) { del(f.w, "/a", 5) },
			wantA: []string{"Deleted /a@5"},
			wantB: []string{"Deleted /a@5"},
		},
		{
			name:  "persistent watch sees everything on its node and stays",
			setup: func(f fixture) { f.w.AddPersistent("/a", f.a, false) },
			act: func(f fixture) {
				create(f.w, "/a", 1)
				set(f.w, "/a", 2)
				create(f.w, "/a/b", 3)
				set(f.w, "/a/b", 4)
				create(f.w, "/a/b/c", 5)
				del(f.w, "/a/b/c", 6)
				del(f.w, "/a/b", 7)
				del(f.w, "/a", 8)
				create(f.w, "/a", 9)
			},
			wantA: []string{
				"Created /a@1", "DataChanged /a@2", "ChildrenChanged /a@3",
				"ChildrenChanged /a@7", "Deleted /a@8", "Created /a@9",
			},
			remain: func(f fixture) bool {
				return f.w.Contains("/a", f.a, zk.WatcherTypePersistent) && f.w.Count() == 2
			},
		},
		{
			name:  "recursive watch sees the subtree but no NodeChildrenChanged",
			setup: func(f fixture) { f.w.AddPersistent("/a", f.a, true) },
			act: func(f fixture) {
				create(f.w, "/a", 1)
				create(f.w, "/a/b", 2)
				set(f.w, "/a/b", 3)
				create(f.w, "/a/b/c", 4)
				set(f.w, "/a/b/c", 5)
				create(f.w, "/ab", 6) // a sibling sharing the prefix
				set(f.w, "/", 7)
				del(f.w, "/a/b/c", 8)
				del(f.w, "/a/b", 9)
				set(f.w, "/a", 10)
				del(f.w, "/a", 11)
			},
			wantA: []string{
				"Created /a@1", "Created /a/b@2", "DataChanged /a/b@3",
				"Created /a/b/c@4", "DataChanged /a/b/c@5", "Deleted /a/b/c@8",
				"Deleted /a/b@9", "DataChanged /a@10", "Deleted /a@11",
			},
			remain: func(f fixture) bool {
				return f.w.Contains("/a", f.a, zk.WatcherTypePersistentRecursive) && f.w.Count() == 1
			},
		},
		{
			name:  "recursive watch on the root",
			setup: func(f fixture) { f.w.AddPersistent("/", f.a, true) },
			act: func(f fixture) {
				set(f.w, "/", 1)
				create(f.w, "/x", 2)
				create(f.w, "/x/y", 3)
			},
			wantA: []string{"DataChanged /@1", "Created /x@2", "Created /x/y@3"},
		},
		{
			name: "one event per watcher per trigger",
			setup: func(f fixture) {
				f.w.AddPersistent("/", f.a, true)
				f.w.AddPersistent("/a", f.a, true)
				f.w.AddPersistent("/a/b", f.a, true)
				f.w.AddPersistent("/a/b", f.a, false)
				f.w.AddData("/a/b", f.a)
				f.w.AddPersistent("/a", f.b, true)
				f.w.AddData("/a/b", f.b)
			},
			act:   func(f fixture) { set(f.w, "/a/b", 5) },
			wantA: []string{"DataChanged /a/b@5"},
			wantB: []string{"DataChanged /a/b@5"},
			remain: func(f fixture) bool {
				// the one-shot data watches were consumed, the rest stay
				return !f.w.Contains("/a/b", f.a, zk.WatcherTypeData) &&
					!f.w.Contains("/a/b", f.b, zk.WatcherTypeData) &&
					f.w.Contains("/a/b", f.a, zk.WatcherTypePersistent) &&
					f.w.Contains("/a/b", f.a, zk.WatcherTypePersistentRecursive)
			},
		},
		{
			name: "data watch beside a persistent one is consumed alone (3.9)",
			setup: func(f fixture) {
				f.w.AddPersistent("/a", f.a, false)
				f.w.AddData("/a", f.a)
				f.w.AddChild("/a", f.a)
			},
			act:   func(f fixture) { set(f.w, "/a", 5); set(f.w, "/a", 6); create(f.w, "/a/b", 7) },
			wantA: []string{"DataChanged /a@5", "DataChanged /a@6", "ChildrenChanged /a@7"},
			remain: func(f fixture) bool {
				return f.w.Contains("/a", f.a, zk.WatcherTypePersistent) &&
					!f.w.Contains("/a", f.a, zk.WatcherTypeData) &&
					!f.w.Contains("/a", f.a, zk.WatcherTypeChildren)
			},
		},
		{
			name: "recursive ancestor suppresses the child-side NodeDeleted",
			setup: func(f fixture) {
				f.w.AddPersistent("/a", f.a, true)
				f.w.AddChild("/a/b", f.a)
				f.w.AddPersistent("/a/b", f.b, false)
			},
			act:   func(f fixture) { del(f.w, "/a/b", 5) },
			wantA: []string{"Deleted /a/b@5"},
			wantB: []string{"Deleted /a/b@5"},
			remain: func(f fixture) bool {
				return !f.w.Contains("/a/b", f.a, zk.WatcherTypeAny)
			},
		},
		{
			name: "create fires the node's watches before the parent's",
			setup: func(f fixture) {
				f.w.AddChild("/a", f.a)
				f.w.AddData("/a/b", f.a)
			},
			act:   func(f fixture) { create(f.w, "/a/b", 5) },
			wantA: []string{"Created /a/b@5", "ChildrenChanged /a@5"},
		},
		{
			name: "delete order: data side, child side, parent",
			setup: func(f fixture) {
				f.w.AddChild("/a", f.a)
				f.w.AddChild("/a/b", f.a)
				f.w.AddPersistent("/a", f.b, false)
				f.w.AddPersistent("/a", f.b, true)
			},
			act:   func(f fixture) { del(f.w, "/a/b", 5) },
			wantA: []string{"Deleted /a/b@5", "ChildrenChanged /a@5"},
			wantB: []string{"Deleted /a/b@5", "ChildrenChanged /a@5"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := fixture{w: NewWatches(), a: &recWatcher{name: "a"}, b: &recWatcher{name: "b"}}
			tc.setup(f)
			checkInvariants(t, f.w)
			tc.act(f)
			checkInvariants(t, f.w)
			if got := f.a.take(); !slices.Equal(got, tc.wantA) {
				t.Errorf("a got %q, want %q", got, tc.wantA)
			}
			if got := f.b.take(); !slices.Equal(got, tc.wantB) {
				t.Errorf("b got %q, want %q", got, tc.wantB)
			}
			if tc.remain != nil && !tc.remain(f) {
				t.Errorf("remaining watches wrong: count %d, summary %+v", f.w.Count(), f.w.Summary())
			}
			f.w.RemoveWatcher(f.a)
			f.w.RemoveWatcher(f.b)
			checkInvariants(t, f.w)
			if f.w.Count() != 0 || len(f.w.paths) != 0 || len(f.w.watchers) != 0 {
				t.Errorf("left after RemoveWatcher: %d watches, %d paths, %d watchers",
					f.w.Count(), len(f.w.paths), len(f.w.watchers))
			}
		})
	}
}

func TestReadCheck(t *testing.T) {
	w := NewWatches()
	a, b := &recWatcher{name: "a"}, &recWatcher{name: "b"}
	secret := []zk.ACL{{Perms: zk.PermAll, ID: zk.Id{Scheme: "digest", ID: "a"}}}
	open := zk.OpenACLUnsafe()
	var asked []string
	w.SetReadCheck(func(wr Watcher, path string, acl []zk.ACL) bool {
		asked = append(asked, wr.(*recWatcher).name+" "+path)
		return acl[0].ID.Scheme == "world" || wr == a
	})
	for _, wr := range []*recWatcher{a, b} {
		w.AddData("/s", wr)
		w.AddChild("/", wr)
		w.AddPersistent("/o", wr, false)
	}
	w.Created("/s", "/", secret, open, 5)
	w.Created("/o/x", "/o", open, secret, 6)
	w.DataChanged("/s", nil, 7) // a nil ACL is not checked
	if got, want := a.take(), []string{"Created /s@5", "ChildrenChanged /@5", "ChildrenChanged /o@6"}; !slices.Equal(got, want) {
		t.Errorf("a got %q, want %q", got, want)
	}
	if got, want := b.take(), []string{"ChildrenChanged /@5"}; !slices.Equal(got, want) {
		t.Errorf("b got %q, want %q", got, want)
	}
	// b's one-shot watch on /s was consumed without an event, as in ZooKeeper.
	if w.Contains("/s", b, zk.WatcherTypeData) {
		t.Error("filtered one-shot watch not consumed")
	}
	if want := []string{"a /s", "b /s", "a /", "b /", "a /o", "b /o"}; !slices.Equal(asked, want) {
		t.Errorf("checks %q, want %q", asked, want)
	}
	checkInvariants(t, w)
}

func TestStaleWatcher(t *testing.T) {
	w := NewWatches()
	s := &staleWatcher{}
	w.AddData("/a", s)
	s.stale = true
	w.AddData("/b", s)
	w.AddChild("/b", s)
	w.AddPersistent("/b", s, true)
	if w.Count() != 1 || w.Contains("/b", s, zk.WatcherTypeAny) {
		t.Errorf("stale watcher added watches: count %d", w.Count())
	}
	w.RemoveWatcher(s)
	checkInvariants(t, w)
	if len(w.watchers) != 0 {
		t.Error("watcher left")
	}
}

func TestRemoveContains(t *testing.T) {
	const (
		C   = zk.WatcherTypeChildren
		D   = zk.WatcherTypeData
		A   = zk.WatcherTypeAny
		P   = zk.WatcherTypePersistent
		R   = zk.WatcherTypePersistentRecursive
		bad = int32(9)
	)
	all := []int32{C, D, A, P, R, bad}
	type want struct{ C, D, A, P, R bool }
	cases := []struct {
		name    string
		add     func(w *Watches, wr Watcher)
		has     want  // Contains per type before removal
		remove  int32 // type to remove
		removed bool
		after   want // Contains per type after removal
		count   int  // Count after removal
	}{
		{"data by data", addD, want{D: true, A: true}, D, true, want{}, 0},
		{"data by child", addD, want{D: true, A: true}, C, false, want{D: true, A: true}, 1},
		{"data by any", addD, want{D: true, A: true}, A, true, want{}, 0},
		{"data by persistent", addD, want{D: true, A: true}, P, false, want{D: true, A: true}, 1},
		{"child by child", addC, want{C: true, A: true}, C, true, want{}, 0},
		{"child by data", addC, want{C: true, A: true}, D, false, want{C: true, A: true}, 1},
		{"persistent by persistent", addP, want{P: true, A: true}, P, true, want{}, 0},
		{"persistent by data", addP, want{P: true, A: true}, D, false, want{P: true, A: true}, 2},
		{"persistent by child", addP, want{P: true, A: true}, C, false, want{P: true, A: true}, 2},
		{"persistent by recursive", addP, want{P: true, A: true}, R, false, want{P: true, A: true}, 2},
		{"persistent by any", addP, want{P: true, A: true}, A, true, want{}, 0},
		{"recursive by recursive", addR, want{R: true, A: true}, R, true, want{}, 0},
		{"recursive by persistent", addR, want{R: true, A: true}, P, false, want{R: true, A: true}, 1},
		{"recursive by any", addR, want{R: true, A: true}, A, true, want{}, 0},
		{"data+child by data", both(addD, addC), want{C: true, D: true, A: true}, D, true, want{C: true, A: true}, 1},
		{"data+child by child", both(addD, addC), want{C: true, D: true, A: true}, C, true, want{D: true, A: true}, 1},
		{"data+persistent by data", both(addD, addP), want{D: true, P: true, A: true}, D, true, want{P: true, A: true}, 2},
		{"data+persistent by persistent", both(addD, addP), want{D: true, P: true, A: true}, P, true, want{D: true, A: true}, 1},
		{"everything by any", both(both(addD, addC), both(addP, addR)), want{true, true, true, true, true}, A, true, want{}, 0},
		{"everything by an unknown type", both(addD, addR), want{D: true, R: true, A: true}, bad, false, want{D: true, R: true, A: true}, 1},
		{"nothing", func(*Watches, Watcher) {}, want{}, A, false, want{}, 0},
	}
	contains := func(w *Watches, wr Watcher) want {
		if w.Contains("/n", wr, bad) {
			t.Errorf("Contains(type %d) = true", bad)
		}
		return want{
			C: w.Contains("/n", wr, C), D: w.Contains("/n", wr, D), A: w.Contains("/n", wr, A),
			P: w.Contains("/n", wr, P), R: w.Contains("/n", wr, R),
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWatches()
			wr, other := &recWatcher{}, &recWatcher{}
			tc.add(w, wr)
			w.AddData("/n", other) // another watcher on the same path is untouched
			w.AddData("/m", wr)    // and so is another path of the same watcher
			if got := contains(w, wr); got != tc.has {
				t.Errorf("before: Contains %+v, want %+v", got, tc.has)
			}
			if got := w.Remove("/n", wr, tc.remove); got != tc.removed {
				t.Errorf("Remove(%d) = %v, want %v", tc.remove, got, tc.removed)
			}
			checkInvariants(t, w)
			if got := contains(w, wr); got != tc.after {
				t.Errorf("after: Contains %+v, want %+v", got, tc.after)
			}
			if got := w.Count() - 2; got != tc.count {
				t.Errorf("Count = %d, want %d", got, tc.count)
			}
			for _, typ := range all {
				if w.Remove("/elsewhere", wr, typ) || w.Contains("/elsewhere", wr, typ) {
					t.Errorf("type %d matched a path without watches", typ)
				}
			}
			if !w.Contains("/n", other, D) || !w.Contains("/m", wr, D) {
				t.Error("unrelated watch removed")
			}
			w.RemoveWatcher(wr)
			w.RemoveWatcher(other)
			checkInvariants(t, w)
			if len(w.paths)+len(w.watchers)+w.Count() != 0 {
				t.Error("not empty after RemoveWatcher")
			}
		})
	}
}

func addD(w *Watches, wr Watcher) { w.AddData("/n", wr) }
func addC(w *Watches, wr Watcher) { w.AddChild("/n", wr) }
func addP(w *Watches, wr Watcher) { w.AddPersistent("/n", wr, false) }
func addR(w *Watches, wr Watcher) { w.AddPersistent("/n", wr, true) }
func both(f, g func(*Watches, Watcher)) func(*Watches, Watcher) {
	return func(w *Watches, wr Watcher) { f(w, wr); g(w, wr) }
}

func TestCountsAndReports(t *testing.T) {
	w := NewWatches()
	a, b := &recWatcher{name: "a"}, &recWatcher{name: "b"}
	w.AddData("/x", a)
	w.AddData("/x", a) // again: no change
	w.AddChild("/x", a)
	w.AddChild("/c", b) // child watches are invisible to wchs/wchc/wchp
	w.AddPersistent("/p", b, false)
	w.AddPersistent("/r", b, true)
	checkInvariants(t, w)
	// mntr: data side {/x a, /p b, /r b} + child side {/x a, /c b, /p b}
	if got := w.Count(); got != 6 {
		t.Errorf("Count = %d, want 6", got)
	}
	if got := w.Paths(); got != 4 {
		t.Errorf("Paths = %d, want 4", got)
	}
	if got, want := w.Summary(), (WatchSummary{Watchers: 2, Paths: 3, Total: 3}); got != want {
		t.Errorf("Summary = %+v, want %+v", got, want)
	}
	byPath := w.ByPath()
	if want := map[string][]Watcher{"/x": {a}, "/p": {b}, "/r": {b}}; !reflect.DeepEqual(byPath, want) {
		t.Errorf("ByPath = %v", byPath)
	}
	byWatcher := w.ByWatcher()
	for _, v := range byWatcher {
		slices.Sort(v)
	}
	if want := map[Watcher][]string{a: {"/x"}, b: {"/p", "/r"}}; !reflect.DeepEqual(byWatcher, want) {
		t.Errorf("ByWatcher = %v", byWatcher)
	}

	// A fired data watch leaves its watcher listed with no path, as
	// ZooKeeper's triggerWatch leaves an empty watch2Paths entry...
	set(w, "/x", 5)
	if got, want := w.Summary(), (WatchSummary{Watchers: 2, Paths: 2, Total: 2}); got != want {
		t.Errorf("after trigger: Summary = %+v, want %+v", got, want)
	}
	if got := w.ByWatcher()[a]; got == nil || len(got) != 0 {
		t.Errorf("after trigger: ByWatcher[a] = %#v, want empty", got)
	}
	// ...until removeWatches empties it.
	w.AddData("/y", a)
	if !w.Remove("/y", a, zk.WatcherTypeData) {
		t.Fatal("Remove failed")
	}
	if got, want := w.Summary(), (WatchSummary{Watchers: 1, Paths: 2, Total: 2}); got != want {
		t.Errorf("after remove: Summary = %+v, want %+v", got, want)
	}
	if _, ok := w.ByWatcher()[a]; ok {
		t.Error("after remove: a still listed")
	}
	// Removing a non-data watch does not unlist.
	w.AddData("/y", a)
	set(w, "/y", 6)
	w.Remove("/x", a, zk.WatcherTypeChildren)
	if got := w.Summary().Watchers; got != 2 {
		t.Errorf("after child remove: %d watchers, want 2", got)
	}
	checkInvariants(t, w)
	w.RemoveWatcher(a)
	w.RemoveWatcher(b)
	w.RemoveWatcher(b) // twice is harmless
	checkInvariants(t, w)
	if got := w.Summary(); got != (WatchSummary{}) || w.Count() != 0 || w.Paths() != 0 {
		t.Errorf("after RemoveWatcher: Summary %+v, Count %d, Paths %d", got, w.Count(), w.Paths())
	}
}

func TestReattach(t *testing.T) {
	const rel = 100
	nodes := map[string]NodeZxids{
		"/old":     {Exists: true, Czxid: 10, Mzxid: 50, Pzxid: 60},
		"/newdata": {Exists: true, Czxid: 10, Mzxid: 101, Pzxid: 60},
		"/newkids": {Exists: true, Czxid: 10, Mzxid: 50, Pzxid: 101},
		"/born":    {Exists: true, Czxid: 150, Mzxid: 150, Pzxid: 150},
		"/edge":    {Exists: true, Czxid: rel, Mzxid: rel, Pzxid: rel},
	}
	lookup := func(p string) NodeZxids { return nodes[p] }
	cases := []struct {
		name                                string
		data, exist, child, pers, recursive []string
		events                              []string
		want                                map[string]want5
	}{
		{
			name:   "data",
			data:   []string{"/old", "/newdata", "/newkids", "/gone", "/edge"},
			events: []string{"DataChanged /newdata@-1", "Deleted /gone@-1"},
			want:   map[string]want5{"/old": {D: true}, "/newkids": {D: true}, "/edge": {D: true}},
		},
		{
			name:   "exist",
			exist:  []string{"/old", "/born", "/gone"},
			events: []string{"Created /old@-1", "Created /born@-1"},
			want:   map[string]want5{"/gone": {D: true}},
		},
		{
			name:   "child",
			child:  []string{"/old", "/newdata", "/newkids", "/gone", "/edge"},
			events: []string{"ChildrenChanged /newkids@-1", "Deleted /gone@-1"},
			want:   map[string]want5{"/old": {C: true}, "/newdata": {C: true}, "/edge": {C: true}},
		},
		{
			name:      "persistent are registered whatever the node",
			pers:      []string{"/gone", "/newdata"},
			recursive: []string{"/gone", "/newkids"},
			want: map[string]want5{
				"/gone": {P: true, R: true}, "/newdata": {P: true}, "/newkids": {R: true},
			},
		},
		{
			name:   "lists are handled in order, each on its own",
			child:  []string{"/gone", "/old"},
			exist:  []string{"/gone", "/born"},
			data:   []string{"/gone", "/old"},
			events: []string{"Deleted /gone@-1", "Created /born@-1", "Deleted /gone@-1"},
			want:   map[string]want5{"/old": {D: true, C: true}, "/gone": {D: true}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWatches()
			r := &recWatcher{}
			w.Reattach(rel, tc.data, tc.exist, tc.child, tc.pers, tc.recursive, r, lookup)
			checkInvariants(t, w)
			if got := r.take(); !slices.Equal(got, tc.events) {
				t.Errorf("events %q, want %q", got, tc.events)
			}
			got := map[string]want5{}
			for p := range w.paths {
				got[p] = want5{
					D: w.Contains(p, r, zk.WatcherTypeData), C: w.Contains(p, r, zk.WatcherTypeChildren),
					P: w.Contains(p, r, zk.WatcherTypePersistent), R: w.Contains(p, r, zk.WatcherTypePersistentRecursive),
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("registered %+v, want %+v", got, tc.want)
			}
		})
	}
}

type want5 struct{ D, C, P, R bool }

// TestAgainstModel drives the table and a literal transcription of
// ZooKeeper 3.9's two WatchManagers and DataTree's calls with the same
// random operations and compares events, answers and counters.
func TestAgainstModel(t *testing.T) {
	paths := []string{"/", "/a", "/a/b", "/a/b/c", "/ab", "/b", "/b/c"}
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		w := NewWatches()
		m := newModelTree()
		wrs := make([]*recWatcher, 4)
		mwrs := make([]*recWatcher, 4)
		for i := range wrs {
			wrs[i] = &recWatcher{name: fmt.Sprint(i)}
			mwrs[i] = &recWatcher{name: fmt.Sprint(i)}
		}
		for step := range 400 {
			z := zk.Zxid(step + 1)
			i := rng.IntN(len(wrs))
			p := paths[rng.IntN(len(paths))]
			nonRoot := paths[1+rng.IntN(len(paths)-1)]
			typ := int32(1 + rng.IntN(6)) // includes an invalid 6
			var desc string
			switch op := rng.IntN(12); op {
			case 0, 1:
				desc = "getData " + p
				w.AddData(p, wrs[i])
				m.data.add(p, mwrs[i], modeStandard)
			case 2, 3:
				desc = "getChildren " + p
				w.AddChild(p, wrs[i])
				m.child.add(p, mwrs[i], modeStandard)
			case 4:
				rec := rng.IntN(2) == 0
				desc = fmt.Sprint("addWatch ", p, rec)
				w.AddPersistent(p, wrs[i], rec)
				m.addWatch(p, mwrs[i], rec)
			case 5:
				desc = "create " + nonRoot
				create(w, nonRoot, z)
				m.create(nonRoot, z)
			case 6:
				desc = "delete " + nonRoot
				del(w, nonRoot, z)
				m.delete(nonRoot, z)
			case 7, 8:
				desc = "setData " + p
				set(w, p, z)
				m.setData(p, z)
			case 9:
				desc = fmt.Sprint("remove ", p, typ)
				if got, want := w.Remove(p, wrs[i], typ), m.removeWatch(p, mwrs[i], typ); got != want {
					t.Fatalf("seed %d step %d %s: Remove = %v, model %v", seed, step, desc, got, want)
				}
			case 10:
				desc = fmt.Sprint("contains ", p, typ)
				if got, want := w.Contains(p, wrs[i], typ), m.containsWatcher(p, mwrs[i], typ); got != want {
					t.Fatalf("seed %d step %d %s: Contains = %v, model %v", seed, step, desc, got, want)
				}
			case 11:
				if rng.IntN(4) == 0 {
					desc = "close"
					w.RemoveWatcher(wrs[i])
					m.data.removeAll(mwrs[i])
					m.child.removeAll(mwrs[i])
				}
			}
			for j := range wrs {
				if got, want := wrs[j].take(), mwrs[j].take(); !slices.Equal(got, want) {
					t.Fatalf("seed %d step %d %s: watcher %d got %q, model %q", seed, step, desc, j, got, want)
				}
			}
			if got, want := w.Count(), m.data.size()+m.child.size(); got != want {
				t.Fatalf("seed %d step %d %s: Count %d, model %d", seed, step, desc, got, want)
			}
			if got, want := w.Summary(), m.data.summary(); got != want {
				t.Fatalf("seed %d step %d %s: Summary %+v, model %+v", seed, step, desc, got, want)
			}
		}
		checkInvariants(t, w)
	}
}

// modelMgr transcribes WatchManager (3.9): watchTable, watch2Paths with
// WatchStats bits, and recursiveWatchQty computed on demand.
type modelMgr struct {
	table map[string]map[*recWatcher]bool
	w2p   map[*recWatcher]map[string]uint8
}

const (
	modeStandard  uint8 = 1
	modePersist   uint8 = 2
	modeRecursive uint8 = 4
)

func newModelMgr() *modelMgr {
	return &modelMgr{table: map[string]map[*recWatcher]bool{}, w2p: map[*recWatcher]map[string]uint8{}}
}

func (m *modelMgr) add(p string, wr *recWatcher, mode uint8) {
	if m.table[p] == nil {
		m.table[p] = map[*recWatcher]bool{}
	}
	m.table[p][wr] = true
	if m.w2p[wr] == nil {
		m.w2p[wr] = map[string]uint8{}
	}
	m.w2p[wr][p] |= mode
}

func (m *modelMgr) removeAll(wr *recWatcher) {
	for p := range m.w2p[wr] {
		delete(m.table[p], wr)
		if len(m.table[p]) == 0 {
			delete(m.table, p)
		}
	}
	delete(m.w2p, wr)
}

func (m *modelMgr) recursiveQty() int {
	n := 0
	for _, ps := range m.w2p {
		for _, s := range ps {
			if s&modeRecursive != 0 {
				n++
			}
		}
	}
	return n
}

func (m *modelMgr) trigger(p string, typ zk.EventType, z zk.Zxid, suppress map[*recWatcher]bool) map[*recWatcher]bool {
	set := map[*recWatcher]bool{}
	var order []*recWatcher
	walk := m.recursiveQty() > 0
	for level, lp := 0, p; ; level++ {
		for wr := range m.table[lp] {
			stats := m.w2p[wr][lp]
			if level == 0 {
				if !set[wr] {
					set[wr] = true
					order = append(order, wr)
				}
				if n := stats &^ modeStandard; n == 0 {
					delete(m.table[lp], wr)
					delete(m.w2p[wr], lp) // NB: leaves an empty w2p entry
				} else {
					m.w2p[wr][lp] = n
				}
			} else if stats&modeRecursive != 0 && !set[wr] {
				set[wr] = true
				order = append(order, wr)
			}
		}
		if len(m.table[lp]) == 0 {
			delete(m.table, lp)
		}
		if !walk || lp == "/" {
			break
		}
		lp = parentForTest(lp)
	}
	for _, wr := range order {
		if !suppress[wr] {
			wr.Event(zk.WatcherEvent{Type: typ, State: zk.StateSyncConnected, Path: p}, z)
		}
	}
	return set
}

func (m *modelMgr) unwatch(p string, wr *recWatcher) uint8 {
	paths := m.w2p[wr]
	s, ok := paths[p]
	if !ok {
		return 0
	}
	delete(paths, p)
	if len(paths) == 0 {
		delete(m.w2p, wr)
	}
	delete(m.table[p], wr)
	if len(m.table[p]) == 0 {
		delete(m.table, p)
	}
	return s
}

// remove is removeWatcher(path, watcher, mode); mode 0 means null.
func (m *modelMgr) remove(p string, wr *recWatcher, mode uint8) bool {
	paths, watchers := m.w2p[wr], m.table[p]
	if paths == nil || watchers == nil {
		return false
	}
	var old, n uint8
	if mode != 0 {
		old = paths[p]
		n = old &^ mode
		if n != 0 {
			paths[p] = n
		} else if old != 0 {
			m.unwatch(p, wr)
		}
	} else {
		old = m.unwatch(p, wr)
	}
	return old != n
}

func (m *modelMgr) contains(p string, wr *recWatcher, mode uint8) bool {
	s, ok := m.w2p[wr][p]
	return ok && (mode == 0 || s&mode != 0)
}

func (m *modelMgr) size() int {
	n := 0
	for _, ws := range m.table {
		n += len(ws)
	}
	return n
}

func (m *modelMgr) summary() WatchSummary {
	total := 0
	for _, ps := range m.w2p {
		total += len(ps)
	}
	return WatchSummary{Watchers: len(m.w2p), Paths: len(m.table), Total: total}
}

// modelTree is the watch side of DataTree (3.9).
type modelTree struct{ data, child *modelMgr }

func newModelTree() *modelTree { return &modelTree{data: newModelMgr(), child: newModelMgr()} }

func (t *modelTree) addWatch(p string, wr *recWatcher, recursive bool) {
	if recursive {
		t.data.add(p, wr, modeRecursive)
		return
	}
	t.data.add(p, wr, modePersist)
	t.child.add(p, wr, modePersist)
}

func (t *modelTree) create(p string, z zk.Zxid) {
	t.data.trigger(p, zk.EventNodeCreated, z, nil)
	t.child.trigger(parentForTest(p), zk.EventNodeChildrenChanged, z, nil)
}

func (t *modelTree) delete(p string, z zk.Zxid) {
	processed := t.data.trigger(p, zk.EventNodeDeleted, z, nil)
	t.child.trigger(p, zk.EventNodeDeleted, z, processed)
	t.child.trigger(parentForTest(p), zk.EventNodeChildrenChanged, z, nil)
}

func (t *modelTree) setData(p string, z zk.Zxid) {
	t.data.trigger(p, zk.EventNodeDataChanged, z, nil)
}

func (t *modelTree) containsWatcher(p string, wr *recWatcher, typ int32) bool {
	switch typ {
	case zk.WatcherTypeChildren:
		return t.child.contains(p, wr, modeStandard)
	case zk.WatcherTypeData:
		return t.data.contains(p, wr, modeStandard)
	case zk.WatcherTypePersistent:
		return t.data.contains(p, wr, modePersist)
	case zk.WatcherTypePersistentRecursive:
		return t.data.contains(p, wr, modeRecursive)
	case zk.WatcherTypeAny:
		return t.child.contains(p, wr, 0) || t.data.contains(p, wr, 0)
	}
	return false
}

func (t *modelTree) removeWatch(p string, wr *recWatcher, typ int32) bool {
	switch typ {
	case zk.WatcherTypeChildren:
		return t.child.remove(p, wr, modeStandard)
	case zk.WatcherTypeData:
		return t.data.remove(p, wr, modeStandard)
	case zk.WatcherTypePersistent:
		c := t.child.remove(p, wr, modePersist)
		d := t.data.remove(p, wr, modePersist)
		return c || d
	case zk.WatcherTypePersistentRecursive:
		return t.data.remove(p, wr, modeRecursive)
	case zk.WatcherTypeAny:
		c := t.child.remove(p, wr, 0)
		d := t.data.remove(p, wr, 0)
		return c || d
	}
	return false
}

// countWatcher is a benchmark Watcher.
type countWatcher struct{ n int }

func (c *countWatcher) Event(zk.WatcherEvent, zk.Zxid) { c.n++ }

func BenchmarkTrigger(b *testing.B) {
	for _, n := range []int{0, 1, 10, 100, 1000, 10000} {
		wrs := make([]*countWatcher, n)
		for i := range wrs {
			wrs[i] = &countWatcher{}
		}
		b.Run(fmt.Sprintf("persistent/watchers=%d", n), func(b *testing.B) {
			w := NewWatches()
			for _, wr := range wrs {
				w.AddPersistent("/app/config", wr, false)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				w.DataChanged("/app/config", nil, zk.Zxid(i))
			}
		})
		b.Run(fmt.Sprintf("oneshot-rearm/watchers=%d", n), func(b *testing.B) {
			w := NewWatches()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				for _, wr := range wrs {
					w.AddData("/app/config", wr)
				}
				w.DataChanged("/app/config", nil, zk.Zxid(i))
			}
		})
		b.Run(fmt.Sprintf("recursive-ancestors/watchers=%d", n), func(b *testing.B) {
			w := NewWatches()
			for i, wr := range wrs {
				w.AddPersistent([]string{"/", "/app", "/app/svc"}[i%3], wr, true)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				w.Created("/app/svc/members/m-0000000001", "/app/svc/members", nil, nil, zk.Zxid(i))
			}
		})
	}
}

func BenchmarkAddRemoveWatcher(b *testing.B) {
	w := NewWatches()
	others := make([]*countWatcher, 1000)
	for i := range others {
		others[i] = &countWatcher{}
		w.AddData("/hot", others[i])
	}
	wr := &countWatcher{}
	b.ReportAllocs()
	for b.Loop() {
		w.AddData("/hot", wr)
		w.AddChild("/hot", wr)
		w.AddPersistent("/x", wr, true)
		w.RemoveWatcher(wr)
	}
}

func TestPathIsCopied(t *testing.T) {
	w := NewWatches()
	r := &recWatcher{}
	frame := []byte("/app")
	w.AddData(unsafe.String(&frame[0], len(frame)), r) // as zk.Decoder.String aliases
	copy(frame, "/zzz")
	set(w, "/app", 5)
	if got, want := r.take(), []string{"DataChanged /app@5"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	checkInvariants(t, w)
}
