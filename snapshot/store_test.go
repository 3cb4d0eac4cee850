package snapshot_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/zk"
)

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(t *testing.T) snapshot.Config
	}{
		{"memfs", func(*testing.T) snapshot.Config { return memConfig(vfs.NewMem()) }},
		{"disk", func(t *testing.T) snapshot.Config { return snapshot.Config{Dir: t.TempDir()} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg(t)
			st := openStore(t, cfg)
			if m := st.Meta(); m.Zxid != 0 || m.Checkpoints != 0 || m.Format != snapshot.FormatVersion || m.DBID == (snapshot.DBID{}) {
				t.Fatalf("new store's meta %+v", m)
			}
			// An empty store loads nothing and leaves the engine alone, so
			// that its first capture is full.
			fresh := engine.New(engine.Config{ExtendedTypes: true})
			if z, err := st.Load(fresh); err != nil || z != 0 {
				t.Fatalf("load of an empty store: %s, %v", z, err)
			}
			if c := fresh.Capture(); !c.Full {
				t.Fatal("an engine loaded from an empty store does not capture in full")
			}
			if err := st.Write(&engine.Capture{Zxid: 1}); !errors.Is(err, snapshot.ErrBadCapture) {
				t.Fatalf("incremental first write: %v", err)
			}

			h := newHarness(t)
			h.build()
			c := h.e.Capture()
			write(t, st, c)
			m := st.Meta()
			if m.Zxid != h.e.LastZxid() || m.Nodes != storedNodes(h.e) || m.Sessions != len(h.e.Sessions()) || m.Checkpoints != 1 {
				t.Fatalf("meta %+v after the first checkpoint; engine at %s with %d nodes, %d sessions", m, h.e.LastZxid(), storedNodes(h.e), len(h.e.Sessions()))
			}
			want := dump(h.e)
			stored := records(t, st)
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); !errors.Is(err, snapshot.ErrClosed) {
				t.Fatalf("second close: %v", err)
			}

			st = openStore(t, cfg)
			defer st.Close()
			if got := st.Meta(); got != m {
				t.Fatalf("meta after reopening %+v, want %+v", got, m)
			}
			sameDump(t, "records after reopening", records(t, st), stored)
			e, z := load(t, st)
			if z != m.Zxid || e.LastZxid() != z {
				t.Fatalf("loaded zxid %s (engine %s), want %s", z, e.LastZxid(), m.Zxid)
			}
			sameDump(t, "loaded tree", dump(e), want)
			if r, err := st.Verify(); err != nil || r.Nodes != m.Nodes || r.Sessions != m.Sessions {
				t.Fatalf("verify: %+v, %v", r, err)
			}
			// The loaded engine captures incrementally from there.
			if c := e.Capture(); c.Full || len(c.Nodes) != 0 || c.Zxid != z {
				t.Fatalf("capture after load: full=%v nodes=%d zxid=%s", c.Full, len(c.Nodes), c.Zxid)
			}
		})
	}
}

func TestIncremental(t *testing.T) {
	fs := vfs.NewMem()
	cfg := memConfig(fs)
	st := openStore(t, cfg)
	defer func() { st.Close() }()
	h := newHarness(t)
	h.build()
	write(t, st, h.e.Capture())
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 30 {
		h.mutate(rng, 1+rng.IntN(80))
		c := h.e.Capture()
		if c.Full {
			t.Fatalf("round %d: capture is full", round)
		}
		write(t, st, c)
		if m := st.Meta(); m.Zxid != h.e.LastZxid() || m.Nodes != storedNodes(h.e) || m.Sessions != len(h.e.Sessions()) {
			t.Fatalf("round %d: meta %+v; engine at %s with %d nodes, %d sessions", round, m, h.e.LastZxid(), storedNodes(h.e), len(h.e.Sessions()))
		}
		if round%3 == 2 {
			st.Close()
			st = openStore(t, cfg)
		}
		e, _ := load(t, st)
		sameDump(t, "incremental", dump(e), dump(h.e))
		if round%10 == 9 {
			if _, err := st.Verify(); err != nil {
				t.Fatalf("round %d: verify: %v", round, err)
			}
		}
	}
	// A capture older than the checkpoint is refused.
	if err := st.Write(&engine.Capture{Zxid: 1}); !errors.Is(err, snapshot.ErrBadCapture) {
		t.Fatalf("old capture: %v", err)
	}
	// So is one naming a path twice.
	c := h.e.Capture()
	c.Nodes = []engine.NodeRecord{{Path: "/r"}}
	c.Deleted = []string{"/r"}
	if err := st.Write(c); !errors.Is(err, snapshot.ErrBadCapture) {
		t.Fatalf("capture naming a path twice: %v", err)
	}
}

func TestFullCaptureReplaces(t *testing.T) {
	st := openStore(t, memConfig(vfs.NewMem()))
	defer st.Close()
	h := newHarness(t)
	h.build()
	h.mutate(rand.New(rand.NewPCG(3, 4)), 200)
	write(t, st, h.e.Capture())
	// A fresh engine restored from the store captures in full after a
	// different history: nothing of the old nodes may survive.
	h2 := newHarness(t)
	h2.create("/only", []byte("x"), zk.ModePersistent)
	for h2.e.LastZxid() < h.e.LastZxid() {
		h2.create("/only/s-", nil, zk.ModePersistentSequential)
	}
	c := h2.e.Capture()
	if !c.Full {
		t.Fatal("not full")
	}
	write(t, st, c)
	e, _ := load(t, st)
	sameDump(t, "after a full capture", dump(e), dump(h2.e))
}

// TestCrashBeforeFlush crashes between the batch commit and the flush:
// the whole checkpoint is lost, the previous one loads whole.
func TestCrashBeforeFlush(t *testing.T) {
	for _, tc := range []struct {
		name     string
		memtable int
		unsynced int
	}{
		{"synced-only", 0, 0},
		{"half-unsynced", 0, 50},
		{"all-unsynced", 0, 100},
		{"flushable-batch", 256 << 10, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			var crashed *vfs.MemFS
			rng := rand.New(rand.NewPCG(5, 6))
			cfg := memConfig(fs)
			cfg.MemTableSize = tc.memtable
			cfg = snapshot.WithAfterCommit(cfg, func() {
				crashed = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: tc.unsynced, RNG: rng})
			})
			st := openStore(t, cfg)
			h := newHarness(t)
			h.build()
			write(t, st, h.e.Capture())
			before, z1 := dump(h.e), h.e.LastZxid()
			h.mutate(rng, 3000)
			write(t, st, h.e.Capture())
			after, z2 := dump(h.e), h.e.LastZxid()
			st.Close()
			if crashed == nil {
				t.Fatal("the hook did not run")
			}

			st = openStore(t, snapshot.WithFS(snapshot.Config{Dir: "/data"}, crashed))
			defer st.Close()
			e, z := load(t, st)
			switch z {
			case z1:
				sameDump(t, "after a crash before the flush", dump(e), before)
			case z2:
				// Only a flushable batch may have been flushed on its own.
				if tc.memtable == 0 {
					t.Fatalf("checkpoint at %s survived a crash before its flush", z2)
				}
				sameDump(t, "after a crash before the flush", dump(e), after)
			default:
				t.Fatalf("crash before the flush: store at %s, want %s", z, z1)
			}
			if _, err := st.Verify(); err != nil {
				t.Fatal(err)
			}
			// After Write returns, the checkpoint survives a crash.
			st2 := openStore(t, memConfig(fs))
			write(t, st2, h.e.Capture())
			crashed = fs.CrashClone(vfs.CrashCloneCfg{})
			st2.Close()
			st3 := openStore(t, snapshot.WithFS(snapshot.Config{Dir: "/data"}, crashed))
			defer st3.Close()
			if e, z := load(t, st3); z != h.e.LastZxid() {
				t.Fatalf("durable checkpoint lost: store at %s, want %s", z, h.e.LastZxid())
			} else {
				sameDump(t, "after a crash after Write", dump(e), dump(h.e))
			}
		})
	}
}

// TestCrashDuringWrite crashes at random moments while Write runs: the
// store holds the previous checkpoint or the new one, whole.
func TestCrashDuringWrite(t *testing.T) {
	base := vfs.NewCrashableMem()
	st := openStore(t, memConfig(base))
	h := newHarness(t)
	h.build()
	write(t, st, h.e.Capture())
	st.Close()
	before, z1 := dump(h.e), h.e.LastZxid()
	rng := rand.New(rand.NewPCG(7, 8))
	h.mutate(rng, 4000)
	c := h.e.Capture()
	after, z2 := dump(h.e), h.e.LastZxid()
	seen := map[zk.Zxid]int{}
	for i := range 20 {
		fs := base.CrashClone(vfs.CrashCloneCfg{})
		cfg := memConfig(fs)
		if i%2 == 1 {
			cfg.MemTableSize = 256 << 10
		}
		st := openStore(t, cfg)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.Write(c); err != nil {
				t.Error(err)
			}
		}()
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng})
		wg.Wait()
		st.Close()
		st = openStore(t, snapshot.WithFS(snapshot.Config{Dir: "/data"}, crashed))
		e, z := load(t, st)
		switch z {
		case z1:
			sameDump(t, "crash during write", dump(e), before)
		case z2:
			sameDump(t, "crash during write", dump(e), after)
		default:
			t.Fatalf("crash during write: store at %s, want %s or %s", z, z1, z2)
		}
		seen[z]++
		st.Close()
	}
	t.Logf("crash outcomes by zxid: %v", seen)
}

func TestFailedFlush(t *testing.T) {
	var failing atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if failing.Load() && strings.HasSuffix(op.Path, ".sst") && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return errorfs.ErrInjected
		}
		return nil
	})
	fs := errorfs.Wrap(vfs.NewMem(), inj)
	st := openStore(t, snapshot.WithFS(snapshot.Config{Dir: "/data"}, fs))
	h := newHarness(t)
	h.build()
	write(t, st, h.e.Capture())
	m := st.Meta()
	h.create("/more", nil, zk.ModePersistent)
	failing.Store(true)
	err := st.Write(h.e.Capture())
	if !errors.Is(err, snapshot.ErrFailed) {
		t.Fatalf("write with failing sstable writes: %v", err)
	}
	failing.Store(false)
	if got := st.Meta(); got != m {
		t.Fatalf("meta moved to %+v after a failed write", got)
	}
	h.create("/more2", nil, zk.ModePersistent)
	if err := st.Write(h.e.Capture()); !errors.Is(err, snapshot.ErrFailed) {
		t.Fatalf("write after a failure: %v", err)
	}
	st.Close()
}

func TestCorruptValue(t *testing.T) {
	cfg := memConfig(vfs.NewMem())
	st := openStore(t, cfg)
	defer func() { st.Close() }()
	h := newHarness(t)
	h.build()
	write(t, st, h.e.Capture())
	key := snapshot.NodeKey("/app/null")
	good, err := st.GetRaw(key)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), good...)
	bad[len(bad)-3] ^= 0x10
	if err := st.PutRaw(key, bad); err != nil {
		t.Fatal(err)
	}
	wantErr := func(what string, err error, name string) {
		t.Helper()
		if !errors.Is(err, snapshot.ErrCorrupt) || !strings.Contains(err.Error(), name) {
			t.Fatalf("%s of a corrupt store: %v (want ErrCorrupt naming %s)", what, err, name)
		}
	}
	_, err = st.Load(engine.New(engine.Config{}))
	wantErr("load", err, `node "/app/null"`)
	wantErr("walk", st.Walk(func(engine.NodeRecord) error { return nil }, nil), `node "/app/null"`)
	r, err := st.Verify()
	wantErr("verify", err, `node "/app/null"`)
	if r.ProblemCount != 1 {
		t.Fatalf("verify found %d problems: %v", r.ProblemCount, r.Problems)
	}
	if _, err := st.Export(new(strings.Builder)); !errors.Is(err, snapshot.ErrCorrupt) {
		t.Fatalf("export of a corrupt store: %v", err)
	}

	// A valid value under another key fails its checksum too.
	other, _ := st.GetRaw(snapshot.NodeKey("/app/empty"))
	st.PutRaw(key, other)
	_, err = st.Load(engine.New(engine.Config{}))
	wantErr("load of a misplaced value", err, `node "/app/null"`)
	st.PutRaw(key, good)

	// A corrupt session.
	skey := snapshot.SessionKey(h.sess)
	sgood, _ := st.GetRaw(skey)
	sbad := append([]byte(nil), sgood...)
	sbad[1] ^= 1
	st.PutRaw(skey, sbad)
	_, err = st.Load(engine.New(engine.Config{}))
	wantErr("load", err, "session "+h.sess.String())
	st.Close()
	if _, err := snapshot.Open(cfg); !errors.Is(err, snapshot.ErrCorrupt) || !strings.Contains(err.Error(), h.sess.String()) {
		t.Fatalf("open with a corrupt session: %v", err)
	}
	st = openStoreRepair(t, cfg, skey, sgood)

	// A node lost: the meta record's count, the parent's child count.
	if err := st.DeleteRaw(snapshot.NodeKey("/c/k")); err != nil {
		t.Fatal(err)
	}
	_, err = st.Load(engine.New(engine.Config{}))
	wantErr("load with a node missing", err, "counts")
	r, err = st.Verify()
	wantErr("verify with a node missing", err, "counts")
	if !strings.Contains(strings.Join(r.Problems, "\n"), `node "/c" counts 1 children; 0 found`) {
		t.Fatalf("verify problems: %v", r.Problems)
	}
	// An orphan.
	orphan, _ := st.GetRaw(snapshot.NodeKey("/app/empty"))
	st.PutRaw(snapshot.NodeKey("/nope/x"), snapshot.Seal(snapshot.NodeKey("/nope/x"), snapshot.FormatVersion, orphan[5:]))
	r, _ = st.Verify()
	if !strings.Contains(strings.Join(r.Problems, "\n"), `node "/nope/x": its parent "/nope" is missing`) {
		t.Fatalf("verify problems: %v", r.Problems)
	}
}

// openStoreRepair puts value back under key with a raw Pebble handle
// (Open refuses the store as it is), then opens the store.
func openStoreRepair(t *testing.T, cfg snapshot.Config, key, value []byte) *snapshot.Store {
	t.Helper()
	st, err := snapshot.OpenUnchecked(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutRaw(key, value); err != nil {
		t.Fatal(err)
	}
	st.Close()
	return openStore(t, cfg)
}

func TestUnknownFormat(t *testing.T) {
	cfg := memConfig(vfs.NewMem())
	st := openStore(t, cfg)
	h := newHarness(t)
	h.build()
	write(t, st, h.e.Capture())

	// A node of a newer format.
	key := snapshot.NodeKey("/app")
	good, _ := st.GetRaw(key)
	st.PutRaw(key, snapshot.Seal(key, snapshot.FormatVersion+1, good[5:]))
	if _, err := st.Load(engine.New(engine.Config{})); !errors.Is(err, snapshot.ErrUnknownFormat) || !strings.Contains(err.Error(), `node "/app"`) {
		t.Fatalf("load of a node of format %d: %v", snapshot.FormatVersion+1, err)
	}
	st.PutRaw(key, good)

	// A store of a newer format.
	meta, _ := st.GetRaw(snapshot.MetaKey())
	st.PutRaw(snapshot.MetaKey(), snapshot.Seal(snapshot.MetaKey(), snapshot.FormatVersion+1, meta[5:]))
	st.Close()
	_, err := snapshot.Open(cfg)
	if !errors.Is(err, snapshot.ErrUnknownFormat) || !strings.Contains(err.Error(), "format version 2") {
		t.Fatalf("open of a store of format %d: %v", snapshot.FormatVersion+1, err)
	}
	t.Log(err)
}

func TestNotAStore(t *testing.T) {
	fs := vfs.NewMem()
	cfg := memConfig(fs)
	st := openStore(t, cfg)
	st.DeleteRaw(snapshot.MetaKey())
	st.PutRaw([]byte("x"), []byte("y"))
	st.Close()
	if _, err := snapshot.Open(cfg); !errors.Is(err, snapshot.ErrCorrupt) {
		t.Fatalf("open of a database without a meta record: %v", err)
	}
	if _, err := snapshot.Open(snapshot.Config{}); err == nil {
		t.Fatal("open without a directory")
	}
}

func TestDiskLayout(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, snapshot.Config{Dir: dir})
	defer st.Close()
	if st.Dir() != filepath.Join(dir, snapshot.StoreDir) {
		t.Fatalf("store dir %s", st.Dir())
	}
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 1 || ents[0].Name() != snapshot.StoreDir {
		t.Fatalf("dataDir holds %v, %v", ents, err)
	}
	if _, err := snapshot.Open(snapshot.Config{Dir: dir}); err == nil {
		t.Fatal("a second Open of the same store succeeded")
	}
}
