package snapshot_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/zk"
)

// asideDir is where Replace moves the store it replaces (snapshot's
// unexported asideDir).
const asideDir = snapshot.StoreDir + ".old"

// importDir is where Import and Replace build a store.
const importDir = snapshot.StoreDir + ".import"

// oldStore writes to cfg's store two checkpoints of a small tree unlike
// exported's (the follower's own), and returns the tree's dump and the
// store's meta.
func oldStore(t testing.TB, cfg snapshot.Config) ([]string, snapshot.Meta) {
	t.Helper()
	h := newHarness(t)
	h.create("/old", []byte("follower"), zk.ModePersistent)
	h.create("/old/a", nil, zk.ModePersistent)
	h.newSession(4000)
	st := openStore(t, cfg)
	write(t, st, h.e.Capture())
	h.create("/old/b", []byte("b"), zk.ModeEphemeral)
	h.must(h.sess, zk.OpSetData, &zk.SetDataRequest{Path: "/old", Data: []byte("follower v2"), Version: -1})
	write(t, st, h.e.Capture())
	m := st.Meta()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dump(h.e), m
}

// listDir lists dir, sorted; nil when it does not exist.
func listDir(t testing.TB, fs vfs.FS, dir string) []string {
	t.Helper()
	names, err := fs.List(dir)
	if err != nil {
		return nil
	}
	slices.Sort(names)
	return names
}

// checkStore opens cfg's store and checks that its meta is want and that
// it loads the tree tree.
func checkStore(t testing.TB, what string, cfg snapshot.Config, want snapshot.Meta, tree []string) {
	t.Helper()
	st := openStore(t, cfg)
	defer st.Close()
	if st.Meta() != want {
		t.Fatalf("%s: store meta %+v, want %+v", what, st.Meta(), want)
	}
	e, z := load(t, st)
	if z != want.Zxid {
		t.Fatalf("%s: loaded zxid %s, want %s", what, z, want.Zxid)
	}
	sameDump(t, what, dump(e), tree)
	if _, err := st.Verify(); err != nil {
		t.Fatalf("%s: verify: %v", what, err)
	}
}

// TestReplace installs an export stream over each kind of dataDir and
// checks the store holds exactly the stream's tree, with the DBID of the
// store it replaced.
func TestReplace(t *testing.T) {
	h, src, stream, m := exported(t)
	srcRecords := records(t, src)
	src.Close()
	want := dump(h.e)

	for _, tc := range []struct {
		name string
		os   bool // on the OS filesystem, not in memory
		// setup prepares dataDir and returns the meta of the store it
		// made, if any.
		setup func(t *testing.T, cfg snapshot.Config, fs vfs.FS) (snapshot.Meta, bool)
	}{
		{"over a checkpoint", false, func(t *testing.T, cfg snapshot.Config, _ vfs.FS) (snapshot.Meta, bool) {
			_, om := oldStore(t, cfg)
			return om, true
		}},
		{"over a checkpoint on disk", true, func(t *testing.T, cfg snapshot.Config, _ vfs.FS) (snapshot.Meta, bool) {
			_, om := oldStore(t, cfg)
			return om, true
		}},
		{"over an empty store", false, func(t *testing.T, cfg snapshot.Config, _ vfs.FS) (snapshot.Meta, bool) {
			st := openStore(t, cfg)
			defer st.Close()
			return st.Meta(), true
		}},
		{"empty dataDir", false, func(t *testing.T, cfg snapshot.Config, fs vfs.FS) (snapshot.Meta, bool) {
			if err := fs.MkdirAll(cfg.Dir, 0o755); err != nil {
				t.Fatal(err)
			}
			return snapshot.Meta{}, false
		}},
		{"no dataDir", false, func(*testing.T, snapshot.Config, vfs.FS) (snapshot.Meta, bool) {
			return snapshot.Meta{}, false
		}},
		{"leftover import directory", false, func(t *testing.T, cfg snapshot.Config, fs vfs.FS) (snapshot.Meta, bool) {
			_, om := oldStore(t, cfg)
			if err := fs.MkdirAll(fs.PathJoin(cfg.Dir, importDir, "junk"), 0o755); err != nil {
				t.Fatal(err)
			}
			return om, true
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fs vfs.FS = vfs.NewMem()
			cfg := memConfig(fs)
			if tc.os {
				fs, cfg = vfs.Default, snapshot.Config{Dir: t.TempDir()}
			}
			old, existed := tc.setup(t, cfg, fs)
			rm, err := snapshot.Replace(cfg, bytes.NewReader(stream))
			if err != nil {
				t.Fatal(err)
			}
			if rm.Zxid != m.Zxid || rm.Nodes != m.Nodes || rm.Sessions != m.Sessions || rm.Checkpoints != 1 || rm.Format != snapshot.FormatVersion {
				t.Fatalf("replaced meta %+v, exported %+v", rm, m)
			}
			switch {
			case existed && rm.DBID != old.DBID:
				t.Fatalf("replaced store's DBID %s, the old store's %s", rm.DBID, old.DBID)
			case !existed && (rm.DBID == m.DBID || rm.DBID == snapshot.DBID{}):
				t.Fatalf("new store's DBID %s (the stream's: %s)", rm.DBID, m.DBID)
			}
			if names := listDir(t, fs, cfg.Dir); !slices.Equal(names, []string{snapshot.StoreDir}) {
				t.Fatalf("dataDir after replace holds %v", names)
			}
			checkStore(t, "replaced store", cfg, rm, want)
			st := openStore(t, cfg)
			sameDump(t, "replaced records", records(t, st), srcRecords)
			// The replaced store takes checkpoints from there.
			e, _ := load(t, st)
			h2 := &harness{t: t, e: e, now: h.now + 1000}
			e.InitSessionIDs(2, h2.now)
			h2.sess = h2.newSession(30000)
			h2.mutate(rand.New(rand.NewPCG(3, 4)), 100)
			write(t, st, h2.e.Capture())
			after := st.Meta()
			st.Close()
			if after.DBID != rm.DBID || after.Checkpoints != 2 {
				t.Fatalf("meta after a checkpoint %+v, after replace %+v", after, rm)
			}
			checkStore(t, "replaced store after a checkpoint", cfg, after, dump(h2.e))
		})
	}
}

// TestReplaceKeepsDBID replaces a follower's store with the leader's
// export again and again: the follower's DBID stays, the leader's never
// comes over.
func TestReplaceKeepsDBID(t *testing.T) {
	h, leader, _, _ := exported(t)
	defer leader.Close()
	cfg := memConfig(vfs.NewMem())
	_, old := oldStore(t, cfg)
	rng := rand.New(rand.NewPCG(21, 22))
	for i := range 3 {
		var buf bytes.Buffer
		lm, err := leader.Export(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rm, err := snapshot.Replace(cfg, &buf)
		if err != nil {
			t.Fatal(err)
		}
		if rm.DBID != old.DBID || rm.DBID == lm.DBID || rm.Zxid != lm.Zxid {
			t.Fatalf("round %d: replaced meta %+v; follower's DBID %s, leader's meta %+v", i, rm, old.DBID, lm)
		}
		checkStore(t, fmt.Sprintf("round %d", i), cfg, rm, dump(h.e))
		h.mutate(rng, 50)
		write(t, leader, h.e.Capture())
	}
}

// TestReplaceRefusesDamage offers damaged streams: each is refused as
// Import refuses it, and the old store stays as it was, with nothing left
// beside it.
func TestReplaceRefusesDamage(t *testing.T) {
	_, src, stream, _ := exported(t)
	src.Close()
	raw := decompress(t, stream)
	offs := frameOffsets(raw)
	flipped := slices.Clone(stream)
	flipped[len(flipped)/2] ^= 0x10
	badVersion := slices.Clone(raw)
	badVersion[7] ^= 0x04
	readErr := errors.New("connection reset")
	type damage struct {
		name string
		r    io.Reader
		want error
	}
	cases := []damage{
		{"empty", bytes.NewReader(nil), snapshot.ErrBadStream},
		{"not zstd", bytes.NewReader(raw), snapshot.ErrBadStream},
		{"no trailer", bytes.NewReader(compress(t, raw[:offs[len(offs)-2]])), snapshot.ErrBadStream},
		{"cut in a frame", bytes.NewReader(compress(t, raw[:offs[len(offs)/2]+3])), snapshot.ErrBadStream},
		{"version", bytes.NewReader(compress(t, badVersion)), snapshot.ErrUnknownFormat},
		{"compressed bit flip", bytes.NewReader(flipped), snapshot.ErrBadStream},
		{"read error", io.MultiReader(bytes.NewReader(stream[:len(stream)/2]), iotest.ErrReader(readErr)), snapshot.ErrBadStream},
	}
	for i := 1; i < 4; i++ {
		at := len(stream) * i / 4
		cases = append(cases, damage{fmt.Sprintf("truncated at %d", at), bytes.NewReader(stream[:at]), snapshot.ErrBadStream})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := vfs.NewMem()
			cfg := memConfig(fs)
			tree, old := oldStore(t, cfg)
			st := openStore(t, cfg)
			oldRecords := records(t, st)
			st.Close()
			if _, err := snapshot.Replace(cfg, tc.r); !errors.Is(err, tc.want) {
				t.Fatalf("replace: %v; want %v", err, tc.want)
			}
			if names := listDir(t, fs, cfg.Dir); !slices.Equal(names, []string{snapshot.StoreDir}) {
				t.Fatalf("a refused replace left %v", names)
			}
			checkStore(t, "old store after a refused replace", cfg, old, tree)
			st = openStore(t, cfg)
			defer st.Close()
			sameDump(t, "old records after a refused replace", records(t, st), oldRecords)
		})
	}
}

// TestReplaceRefusesUnreadableStore: Replace cannot tell the DBID of a
// store that Open refuses, so it changes nothing.
func TestReplaceRefusesUnreadableStore(t *testing.T) {
	_, src, stream, _ := exported(t)
	src.Close()
	fs := vfs.NewMem()
	cfg := memConfig(fs)
	oldStore(t, cfg)
	st, err := snapshot.OpenUnchecked(cfg)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := st.GetRaw(snapshot.MetaKey())
	if err != nil {
		t.Fatal(err)
	}
	meta[len(meta)-1] ^= 1
	if err := st.PutRaw(snapshot.MetaKey(), meta); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := snapshot.Replace(cfg, bytes.NewReader(stream)); !errors.Is(err, snapshot.ErrCorrupt) {
		t.Fatalf("replace over a store with a corrupt meta record: %v", err)
	}
	if names := listDir(t, fs, cfg.Dir); !slices.Equal(names, []string{snapshot.StoreDir}) {
		t.Fatalf("a refused replace left %v", names)
	}
	st, err = snapshot.OpenUnchecked(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, _ := st.GetRaw(snapshot.MetaKey()); !bytes.Equal(got, meta) {
		t.Fatal("the refused replace changed the old store")
	}
}

// TestReplaceRecovery lays out by hand what a crash in Replace's swap
// leaves, then runs each entry point that repairs it: Open, Replace and
// Import.
func TestReplaceRecovery(t *testing.T) {
	h, src, stream, _ := exported(t)
	src.Close()
	newTree := dump(h.e)

	// Each layout returns the tree and meta of the store Open must find,
	// and what the log must say.
	type layout func(t *testing.T, fs vfs.FS, cfg snapshot.Config) ([]string, snapshot.Meta, string)
	// swapNotDone: the old store moved aside, the new one still in the
	// import directory.
	swapNotDone := func(t *testing.T, fs vfs.FS, cfg snapshot.Config) ([]string, snapshot.Meta, string) {
		tree, m := oldStore(t, cfg)
		if err := fs.Rename("/data/"+snapshot.StoreDir, "/data/"+asideDir); err != nil {
			t.Fatal(err)
		}
		if err := fs.MkdirAll("/data/"+importDir, 0o755); err != nil {
			t.Fatal(err)
		}
		return tree, m, "restored the old store"
	}
	// swapDone: the new store in place, the old one still aside; with
	// partly, the old one partly removed.
	swapDone := func(partly bool) layout {
		return func(t *testing.T, fs vfs.FS, cfg snapshot.Config) ([]string, snapshot.Meta, string) {
			m, err := snapshot.Import(cfg, bytes.NewReader(stream))
			if err != nil {
				t.Fatal(err)
			}
			oldStore(t, snapshot.WithFS(snapshot.Config{Dir: "/other"}, fs))
			if err := fs.Rename("/other/"+snapshot.StoreDir, "/data/"+asideDir); err != nil {
				t.Fatal(err)
			}
			if partly {
				names := listDir(t, fs, "/data/"+asideDir)
				for _, n := range names[:len(names)/2] {
					if err := fs.Remove("/data/" + asideDir + "/" + n); err != nil {
						t.Fatal(err)
					}
				}
			}
			return newTree, m, "removed the old store"
		}
	}
	layouts := []struct {
		name   string
		layout layout
	}{
		{"swap not done", swapNotDone},
		{"swap done", swapDone(false)},
		{"swap done, old store partly removed", swapDone(true)},
	}
	entries := []struct {
		name string
		// run repairs dataDir and checks what the entry point did; tree and
		// m describe the store the repair must find.
		run func(t *testing.T, cfg snapshot.Config, tree []string, m snapshot.Meta)
	}{
		{"Open", func(t *testing.T, cfg snapshot.Config, tree []string, m snapshot.Meta) {
			checkStore(t, "recovered store", cfg, m, tree)
		}},
		{"Replace", func(t *testing.T, cfg snapshot.Config, _ []string, m snapshot.Meta) {
			rm, err := snapshot.Replace(cfg, bytes.NewReader(stream))
			if err != nil {
				t.Fatal(err)
			}
			if rm.DBID != m.DBID {
				t.Fatalf("replace after recovery: DBID %s, the recovered store's %s", rm.DBID, m.DBID)
			}
			checkStore(t, "replaced store", cfg, rm, newTree)
		}},
		{"Import", func(t *testing.T, cfg snapshot.Config, tree []string, m snapshot.Meta) {
			if _, err := snapshot.Import(cfg, bytes.NewReader(stream)); !errors.Is(err, snapshot.ErrNotEmpty) {
				t.Fatalf("import over the recovered store: %v", err)
			}
			checkStore(t, "recovered store", cfg, m, tree)
		}},
	}
	for _, l := range layouts {
		for _, en := range entries {
			t.Run(l.name+"/"+en.name, func(t *testing.T) {
				fs := vfs.NewMem()
				var logs bytes.Buffer
				cfg := memConfig(fs)
				tree, m, msg := l.layout(t, fs, cfg)
				cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
				en.run(t, cfg, tree, m)
				if names := listDir(t, fs, "/data"); slices.Contains(names, asideDir) || !slices.Contains(names, snapshot.StoreDir) {
					t.Fatalf("dataDir after recovery holds %v", names)
				}
				if !strings.Contains(logs.String(), msg) {
					t.Fatalf("the log does not say %q:\n%s", msg, logs.String())
				}
			})
		}
	}
}

// crashFS takes a crash clone of mem before and after each rename and
// removal while on, so that a test can reopen dataDir as each of those
// moments would leave it after a crash.
type crashFS struct {
	vfs.FS
	mem    *vfs.MemFS
	rng    *rand.Rand
	on     bool
	clones []*vfs.MemFS
}

func (c *crashFS) clone() {
	if !c.on {
		return
	}
	// Half of the clones keep only what was synced, the others some of the
	// rest too.
	cfg := vfs.CrashCloneCfg{}
	if c.rng.IntN(2) == 0 {
		cfg = vfs.CrashCloneCfg{UnsyncedDataPercent: c.rng.IntN(101), RNG: c.rng}
	}
	c.clones = append(c.clones, c.mem.CrashClone(cfg))
}

func (c *crashFS) Rename(from, to string) error {
	c.clone()
	defer c.clone()
	return c.FS.Rename(from, to)
}

func (c *crashFS) RemoveAll(name string) error {
	c.clone()
	defer c.clone()
	return c.FS.RemoveAll(name)
}

// TestReplaceCrash crashes Replace before and after each of its renames
// and removals: Open then finds the old store or the new one, whole and
// with the old DBID, never neither; the old one until the new one is in
// place, the new one from then on.
func TestReplaceCrash(t *testing.T) {
	h, src, stream, m := exported(t)
	src.Close()
	newTree := dump(h.e)
	mem := vfs.NewCrashableMem()
	fs := &crashFS{FS: mem, mem: mem, rng: rand.New(rand.NewPCG(31, 32))}
	cfg := memConfig(fs)
	oldTree, old := oldStore(t, cfg)
	fs.on = true
	rm, err := snapshot.Replace(cfg, bytes.NewReader(stream))
	fs.on = false
	if err != nil {
		t.Fatal(err)
	}
	fs.clones = append(fs.clones, mem.CrashClone(vfs.CrashCloneCfg{}))
	t.Logf("%d crash points", len(fs.clones))

	sawNew, restored, removed := false, false, false
	for i, crashed := range fs.clones {
		names := listDir(t, crashed, "/data")
		restored = restored || slices.Contains(names, asideDir) && !slices.Contains(names, snapshot.StoreDir)
		removed = removed || slices.Contains(names, asideDir) && slices.Contains(names, snapshot.StoreDir)
		ccfg := snapshot.WithFS(snapshot.Config{Dir: "/data"}, crashed)
		st := openStore(t, ccfg)
		got := st.Meta()
		st.Close()
		what := fmt.Sprintf("crash point %d (dataDir held %v)", i, names)
		switch got.Zxid {
		case old.Zxid:
			if sawNew {
				t.Fatalf("%s: the old store is back after the new one was in place", what)
			}
			checkStore(t, what, ccfg, old, oldTree)
		case m.Zxid:
			sawNew = true
			checkStore(t, what, ccfg, rm, newTree)
		default:
			t.Fatalf("%s: store at %s; want the old one at %s or the new one at %s", what, got.Zxid, old.Zxid, m.Zxid)
		}
		if names := listDir(t, crashed, "/data"); slices.Contains(names, asideDir) {
			t.Fatalf("%s: Open left %v", what, names)
		}
	}
	if !sawNew {
		t.Fatal("the new store survived no crash point, not even after Replace returned")
	}
	if !restored || !removed {
		t.Fatalf("no crash point left the old store aside alone (%v) or beside the new one (%v)", restored, removed)
	}
}
