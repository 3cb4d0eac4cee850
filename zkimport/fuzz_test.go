package zkimport

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// FuzzReadSnapshot: any input is refused or decodes to a tree whose
// parents all exist and whose child counts add up, and which encodes back
// to an equal snapshot.
func FuzzReadSnapshot(f *testing.F) {
	last := zk.Zxid(9)
	for _, s := range []*snapSpec{
		fixtureSnapshot(),
		func() *snapSpec {
			s := fixtureSnapshot()
			s.digest = &ZxidDigest{Zxid: 5, Version: 2, Digest: 1}
			return s
		}(),
		func() *snapSpec {
			s := fixtureSnapshot()
			s.digest, s.lastZxid = &ZxidDigest{Zxid: 5, Version: 2, Digest: 1}, &last
			return s
		}(),
		func() *snapSpec { s := fixtureSnapshot(); s.lastZxid = &last; return s }(),
	} {
		f.Add(s.bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ReadSnapshot(bytes.NewReader(b))
		if err != nil {
			return
		}
		seen := make(map[string]bool)
		var kids int32
		for _, n := range s.Nodes {
			if n.Path != "/" {
				parent := n.Path[:strings.LastIndexByte(n.Path, '/')]
				if parent == "" {
					parent = "/"
				}
				if !seen[parent] {
					t.Fatalf("%q before its parent", n.Path)
				}
			}
			seen[n.Path] = true
			kids += n.NumChildren
		}
		if !seen["/"] || int(kids) != len(s.Nodes)-1 {
			t.Fatalf("root %v, %d children counted for %d nodes", seen["/"], kids, len(s.Nodes))
		}
		if s.Digest != nil && s.Digest.Version < 2 {
			return // the builder writes version 2 digests only
		}
		spec := &snapSpec{digest: s.Digest}
		if s.LastProcessedZxid != 0 {
			spec.lastZxid = &s.LastProcessedZxid
		}
		for id, to := range s.Sessions {
			spec.sessions = append(spec.sessions, sessionSpec{id, to})
		}
		for ref, acl := range s.ACLs {
			spec.acls = append(spec.acls, aclSpec{ref, acl})
		}
		for _, n := range s.Nodes {
			if n.Path == "/" {
				n.Path = ""
			}
			spec.nodes = append(spec.nodes, n)
		}
		again, err := ReadSnapshot(bytes.NewReader(spec.bytes()))
		if err != nil {
			t.Fatalf("re-encoded snapshot: %v", err)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, s)
		}
	})
}

// FuzzReadSnapshotFile runs the decompressors on any input.
func FuzzReadSnapshotFile(f *testing.F) {
	plain := fixtureSnapshot().bytes()
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(plain)
	w.Close()
	f.Add(gz.Bytes(), false)
	f.Add(xerialStream(plain, 50, true), true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte, snappy bool) {
		name := "snapshot.1.gz"
		if snappy {
			name = "snapshot.1.snappy"
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ReadSnapshotFile(p)
	})
}

// FuzzLogReader: any input ends in an error or an end, and every record
// read encodes back to one that decodes the same.
func FuzzLogReader(f *testing.F) {
	f.Add(buildLog(fixtureLog(), 64))
	f.Add(buildLog(fixtureLog(), 0))
	f.Add(buildLog(fixtureLog()[:2], 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		lr, err := NewLogReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		for range len(b) {
			e, err := lr.Next()
			if err == io.EOF {
				if lr.End() == EndNone {
					t.Fatal("io.EOF without an end")
				}
				return
			}
			if err != nil {
				if _, again := lr.Next(); again != err {
					t.Fatalf("error not sticky: %v then %v", err, again)
				}
				return
			}
			enc := zk.AppendTxn(nil, &e.Txn)
			if e.Digest != nil {
				enc = zk.AppendInt64(zk.AppendInt32(enc, e.Digest.Version), e.Digest.Digest)
			}
			txn, d, err := DecodeTxn(enc)
			if err != nil {
				t.Fatalf("re-encoded record: %v", err)
			}
			if !reflect.DeepEqual(txn, e.Txn) || !reflect.DeepEqual(d, e.Digest) {
				t.Fatalf("round trip:\n got %+v %+v\nwant %+v %+v", txn, d, e.Txn, e.Digest)
			}
		}
		t.Fatal("more records than bytes")
	})
}
