package snapshot

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/zk"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files under testdata")

// goldenNodes are fixed records covering every field kind: null and empty
// data, several ACLs, raw container and TTL owners, a child count.
func goldenNodes() []engine.NodeRecord {
	return []engine.NodeRecord{
		{Path: "/", Data: []byte{}, ACL: zk.OpenACLUnsafe(), Cversion: 3, Pzxid: 0x104, NumChildren: 2},
		{Path: "/app", Data: []byte("config v1"), ACL: []zk.ACL{
			{Perms: zk.PermAll, ID: zk.Id{Scheme: "digest", ID: "u:aqD3X6Gs9bsbXRpHy7rhw7/7OOY="}},
			{Perms: zk.PermRead, ID: zk.Id{Scheme: "ip", ID: "10.0.0.0/8"}},
		}, Czxid: 0x100000002, Mzxid: 0x100000009, Pzxid: 0x100000002, Ctime: 1700000000000, Mtime: 1700000009000, Version: 4, Aversion: 1},
		{Path: "/box", Data: nil, ACL: zk.OpenACLUnsafe(), Czxid: 0x100000003, Mzxid: 0x100000003, Pzxid: 0x100000005,
			Ctime: 1700000001000, Mtime: 1700000001000, Cversion: 1, EphemeralOwner: engine.ContainerOwner},
		{Path: "/ttl", Data: []byte{0, 1, 2}, ACL: zk.ReadACLUnsafe(), Czxid: 0x100000004, Mzxid: 0x100000004, Pzxid: 0x100000004,
			Ctime: 1700000002000, Mtime: 1700000002000, EphemeralOwner: zk.SessionID(-0x0100000000000000 | 60000)},
	}
}

// TestGoldenFormat pins the on-disk bytes of node, session and meta values
// and of an export stream (before compression): a change to the format
// must come with a new version, not a silent edit. Regenerate with
// `go test ./snapshot -run TestGoldenFormat -rewrite`.
func TestGoldenFormat(t *testing.T) {
	var b strings.Builder
	b.WriteString("# snapshot store values: key (hex) => value (hex)\n")
	for _, n := range goldenNodes() {
		key := appendNodeKey(nil, n.Path)
		fmt.Fprintf(&b, "node %s\n  %x\n  %x\n", n.Path, key, appendValue(nil, key, appendNodePayload(nil, &n)))
	}
	skey := appendSessionKey(nil, 0x1000a2d8f8c0000)
	fmt.Fprintf(&b, "session 0x1000a2d8f8c0000 timeout 30000\n  %x\n  %x\n", skey, appendValue(nil, skey, appendSessionPayload(nil, 30000)))
	meta := Meta{Zxid: 0x100000009, Nodes: 4, Sessions: 1, Checkpoints: 7, DBID: DBID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}
	fmt.Fprintf(&b, "meta\n  %x\n  %x\n", metaKey, appendValue(nil, metaKey, appendMetaPayload(nil, &meta)))
	got := b.String()

	path := filepath.Join("testdata", "values.golden")
	if *rewrite {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("value encoding changed; if on purpose, bump FormatVersion and rewrite.\ngot:\n%s\nwant:\n%s", got, want)
	}
	// And every golden value decodes back to its record.
	var nd nodeDecoder
	for _, n := range goldenNodes() {
		key := appendNodeKey(nil, n.Path)
		payload, err := openValue(key, appendValue(nil, key, appendNodePayload(nil, &n)))
		if err != nil {
			t.Fatal(err)
		}
		back, err := nd.decode(n.Path, payload)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%+v", *back) != fmt.Sprintf("%+v", n) {
			t.Errorf("%s: decoded %+v, want %+v", n.Path, *back, n)
		}
	}
}

// TestGoldenExportStream pins the uncompressed export stream of a small
// store.
func TestGoldenExportStream(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Write(&engine.Capture{Zxid: 0x100000009, Full: true, Nodes: goldenNodes(),
		Sessions: map[zk.SessionID]int32{0x1000a2d8f8c0000: 30000}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := st.Export(&buf); err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := dec.DecodeAll(buf.Bytes(), nil)
	dec.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The header frame carries the store's random DBID: blank it, and the
	// header frame's checksum that covers it (magic 4, version 4, then the
	// frame: kind 1, length 4, crc32c 4).
	dbid := st.Meta().DBID
	raw = bytes.ReplaceAll(raw, dbid[:], make([]byte, len(dbid)))
	if len(raw) < 17 || raw[8] != 'H' {
		t.Fatalf("stream does not start with a header frame: %x", raw[:min(len(raw), 32)])
	}
	copy(raw[13:17], []byte{0, 0, 0, 0})
	got := hex.Dump(raw)
	path := filepath.Join("testdata", "export.golden")
	if *rewrite {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("export stream changed; if on purpose, bump ExportVersion and rewrite.\ngot:\n%s", got)
	}
}
