package snapshot_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/klauspost/compress/zstd"

	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/zk"
)

func compress(t testing.TB, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decompress(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := zstd.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// frameOffsets returns the offset of every frame of an uncompressed
// stream, and its end.
func frameOffsets(raw []byte) []int {
	var offs []int
	for off := 8; off < len(raw); off += 9 + int(binary.BigEndian.Uint32(raw[off+1:])) {
		offs = append(offs, off)
	}
	return append(offs, len(raw))
}

// exported builds a tree with two checkpoints and exports it.
func exported(t testing.TB) (*harness, *snapshot.Store, []byte, snapshot.Meta) {
	t.Helper()
	st := openStore(t, memConfig(vfs.NewMem()))
	h := newHarness(t)
	h.build()
	write(t, st, h.e.Capture())
	h.mutate(rand.New(rand.NewPCG(9, 10)), 500)
	write(t, st, h.e.Capture())
	var buf bytes.Buffer
	m, err := st.Export(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if m != st.Meta() {
		t.Fatalf("export meta %+v, store meta %+v", m, st.Meta())
	}
	return h, st, buf.Bytes(), m
}

func TestExportImport(t *testing.T) {
	h, src, stream, m := exported(t)
	defer src.Close()
	fs := vfs.NewMem()
	cfg := memConfig(fs)
	im, err := snapshot.Import(cfg, bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if im.Zxid != m.Zxid || im.Nodes != m.Nodes || im.Sessions != m.Sessions || im.Checkpoints != 1 || im.DBID == m.DBID {
		t.Fatalf("imported meta %+v, exported %+v", im, m)
	}
	if names, _ := fs.List("/data"); !slices.Equal(names, []string{snapshot.StoreDir}) {
		t.Fatalf("dataDir after import holds %v", names)
	}
	st := openStore(t, cfg)
	if st.Meta() != im {
		t.Fatalf("imported store's meta %+v, Import said %+v", st.Meta(), im)
	}
	sameDump(t, "imported records", records(t, st), records(t, src))
	e, _ := load(t, st)
	sameDump(t, "imported tree", dump(e), dump(h.e))
	if _, err := st.Verify(); err != nil {
		t.Fatal(err)
	}
	// The imported store takes checkpoints from there.
	h.mutate(rand.New(rand.NewPCG(1, 1)), 100)
	write(t, st, h.e.Capture())
	e, _ = load(t, st)
	sameDump(t, "imported tree after a checkpoint", dump(e), dump(h.e))
	st.Close()

	if _, err := snapshot.Import(cfg, bytes.NewReader(stream)); !errors.Is(err, snapshot.ErrNotEmpty) {
		t.Fatalf("import over a checkpoint: %v", err)
	}
	// A store without a checkpoint is replaced.
	cfg2 := memConfig(vfs.NewMem())
	openStore(t, cfg2).Close()
	if _, err := snapshot.Import(cfg2, bytes.NewReader(stream)); err != nil {
		t.Fatalf("import over an empty store: %v", err)
	}

	empty := openStore(t, memConfig(vfs.NewMem()))
	defer empty.Close()
	if _, err := empty.Export(new(bytes.Buffer)); !errors.Is(err, snapshot.ErrNoCheckpoint) {
		t.Fatalf("export of an empty store: %v", err)
	}
}

func TestImportRefusesDamage(t *testing.T) {
	_, src, stream, _ := exported(t)
	src.Close()
	raw := decompress(t, stream)
	offs := frameOffsets(raw)
	trailer := offs[len(offs)-2]
	if raw[trailer] != 'T' || raw[8] != 'H' {
		t.Fatalf("stream layout: first frame %q, last %q", raw[8], raw[trailer])
	}
	flip := func(b []byte, i int) []byte {
		b = slices.Clone(b)
		b[i] ^= 0x04
		return b
	}
	type tc struct {
		name   string
		stream []byte
		want   error
		msg    string
	}
	cases := []tc{
		{"empty", nil, snapshot.ErrBadStream, ""},
		{"not zstd", raw, snapshot.ErrBadStream, "zstd"},
		{"no trailer", compress(t, raw[:trailer]), snapshot.ErrBadStream, "without its trailer"},
		{"cut in a frame", compress(t, raw[:offs[len(offs)/2]+5]), snapshot.ErrBadStream, ""},
		{"header only", compress(t, raw[:offs[1]]), snapshot.ErrBadStream, "without its trailer"},
		{"magic", compress(t, flip(raw, 0)), snapshot.ErrBadStream, "magic"},
		{"version", compress(t, flip(raw, 7)), snapshot.ErrUnknownFormat, "version 5"},
		{"after trailer", compress(t, append(slices.Clone(raw), raw[offs[1]:offs[2]]...)), snapshot.ErrBadStream, "after the trailer"},
		{"duplicate node", compress(t, slices.Concat(raw[:offs[2]], raw[offs[1]:])), snapshot.ErrBadStream, "out of order"},
		{"frame dropped", compress(t, slices.Concat(raw[:offs[3]], raw[offs[4]:])), snapshot.ErrBadStream, ""},
	}
	for i := range 4 {
		at := len(stream) * (i + 1) / 5
		cases = append(cases, tc{fmt.Sprintf("truncated at %d", at), stream[:at], snapshot.ErrBadStream, ""})
		cases = append(cases, tc{fmt.Sprintf("compressed bit flip at %d", at), flip(stream, at), snapshot.ErrBadStream, ""})
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 12 {
		at := 8 + rng.IntN(len(raw)-8)
		cases = append(cases, tc{fmt.Sprintf("bit flip at %d", at), compress(t, flip(raw, at)), snapshot.ErrBadStream, ""})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := vfs.NewMem()
			_, err := snapshot.Import(memConfig(fs), bytes.NewReader(c.stream))
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("import: %v; want %v with %q", err, c.want, c.msg)
			}
			if names, _ := fs.List("/data"); len(names) != 0 {
				t.Fatalf("a refused import left %v", names)
			}
		})
	}
}

// TestExportWhileWriting exports while checkpoints are written: every
// export is one whole checkpoint.
func TestExportWhileWriting(t *testing.T) {
	st := openStore(t, memConfig(vfs.NewMem()))
	defer st.Close()
	h := newHarness(t)
	h.build()
	write(t, st, h.e.Capture())
	var mu sync.Mutex
	dumps := map[zk.Zxid][]string{h.e.LastZxid(): dump(h.e)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		rng := rand.New(rand.NewPCG(13, 14))
		for range 20 {
			h.mutate(rng, 200)
			mu.Lock()
			dumps[h.e.LastZxid()] = dump(h.e)
			mu.Unlock()
			if err := st.Write(h.e.Capture()); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	exports := 0
	for running := true; running; exports++ {
		select {
		case <-done:
			running = false
		default:
		}
		var buf bytes.Buffer
		m, err := st.Export(&buf)
		if err != nil {
			t.Fatal(err)
		}
		cfg := memConfig(vfs.NewMem())
		if _, err := snapshot.Import(cfg, &buf); err != nil {
			t.Fatal(err)
		}
		imp := openStore(t, cfg)
		e, z := load(t, imp)
		imp.Close()
		mu.Lock()
		want, ok := dumps[z]
		mu.Unlock()
		if !ok || z != m.Zxid {
			t.Fatalf("export at %s (meta %s) is no checkpoint", z, m.Zxid)
		}
		sameDump(t, "export while writing", dump(e), want)
	}
	t.Logf("%d exports", exports)
}
