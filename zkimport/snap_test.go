package zkimport

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/klauspost/compress/snappy"

	"github.com/paddockdb/paddock/zk"
)

func TestReadSnapshot(t *testing.T) {
	last := zk.Zxid(9)
	for _, tc := range []struct {
		name     string
		digest   *ZxidDigest
		lastZxid *zk.Zxid
	}{
		{"3.5: no trailer", nil, nil},
		{"3.6-3.8: digest", &ZxidDigest{Zxid: 5, Version: 2, Digest: -12345}, nil},
		{"3.9: digest and last zxid", &ZxidDigest{Zxid: 5, Version: 2, Digest: 99}, &last},
		{"3.9, digests off: last zxid", nil, &last},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := fixtureSnapshot()
			spec.digest, spec.lastZxid = tc.digest, tc.lastZxid
			s, err := ReadSnapshot(bytes.NewReader(spec.bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if s.Header != (FileHeader{Magic: SnapMagic, Version: 2, DBID: 7}) {
				t.Errorf("header %+v", s.Header)
			}
			if !reflect.DeepEqual(s.Sessions, map[zk.SessionID]int32{fixtureSession: 30000}) {
				t.Errorf("sessions %v", s.Sessions)
			}
			if !reflect.DeepEqual(s.ACLs, map[int64][]zk.ACL{1: readACL, 2: digestACL}) {
				t.Errorf("ACLs %v", s.ACLs)
			}
			if len(s.Nodes) != len(spec.nodes) {
				t.Fatalf("%d nodes, want %d", len(s.Nodes), len(spec.nodes))
			}
			kids := map[string]int32{"/": 3, "/zookeeper": 2, "/a": 1}
			for i, n := range s.Nodes {
				w := spec.nodes[i]
				if w.Path == "" {
					w.Path = "/"
				}
				w.NumChildren = kids[w.Path]
				if !reflect.DeepEqual(n, w) {
					t.Errorf("node %d:\n got %+v\nwant %+v", i, n, w)
				}
			}
			if !reflect.DeepEqual(s.Digest, tc.digest) {
				t.Errorf("digest %+v, want %+v", s.Digest, tc.digest)
			}
			if want := zk.Zxid(0); tc.lastZxid != nil && s.LastProcessedZxid != *tc.lastZxid || tc.lastZxid == nil && s.LastProcessedZxid != want {
				t.Errorf("last processed zxid %s", s.LastProcessedZxid)
			}
			if acl, ok := s.ACL(-1); !ok || !reflect.DeepEqual(acl, zk.OpenACLUnsafe()) {
				t.Errorf("ACL -1: %v %v", acl, ok)
			}
			if _, ok := s.ACL(3); ok {
				t.Error("ACL 3 exists")
			}
		})
	}
}

// TestReadSnapshotV1Digest reads the digest section of version 1, whose
// digest is a hex string.
func TestReadSnapshotV1Digest(t *testing.T) {
	b := fixtureSnapshot().bytes()
	b = zk.AppendInt64(b, 5)
	b = zk.AppendInt32(b, 1)
	b = zk.AppendString(b, "1f")
	b = appendSeal(b)
	s, err := ReadSnapshot(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if s.Digest == nil || *s.Digest != (ZxidDigest{Zxid: 5, Version: 1, Digest: 0x1f}) {
		t.Fatalf("digest %+v", s.Digest)
	}
}

func TestReadSnapshotErrors(t *testing.T) {
	good := fixtureSnapshot()
	good.digest = &ZxidDigest{Zxid: 5, Version: 2, Digest: 1}
	valid := good.bytes()
	flip := func(off int) []byte {
		b := bytes.Clone(valid)
		b[off] ^= 1
		return b
	}
	treeEnd := len(fixtureSnapshot().bytes()) // the end of the tree's seal
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"bad magic", flip(0), ErrBadMagic},
		{"a log, not a snapshot", buildLog(nil, 0), ErrBadMagic},
		{"bad version", flip(7), ErrBadVersion},
		{"flipped data byte", flip(bytes.Index(valid, []byte("data"))), ErrChecksum},
		{"flipped tree seal", flip(treeEnd - 6), ErrChecksum},
		{"flipped digest", flip(treeEnd + 2), ErrChecksum},
		{"flipped digest seal", flip(len(valid) - 6), ErrChecksum},
		{"garbage after the trailer", append(bytes.Clone(valid), 0), ErrChecksum},
		{"negative session count", func() []byte {
			b := bytes.Clone(valid)
			copy(b[16:], []byte{0xff, 0xff, 0xff, 0xfe})
			return b
		}(), ErrCorrupt},
		{"child before parent", (&snapSpec{nodes: []Node{{Path: "", ACLRef: -1}, {Path: "/a/b", ACLRef: -1}}}).bytes(), ErrCorrupt},
		{"path twice", (&snapSpec{nodes: []Node{{Path: "", ACLRef: -1}, {Path: "/a", ACLRef: -1}, {Path: "/a", ACLRef: -1}}}).bytes(), ErrCorrupt},
		{"relative path", (&snapSpec{nodes: []Node{{Path: "", ACLRef: -1}, {Path: "a", ACLRef: -1}}}).bytes(), ErrCorrupt},
		{"no root", (&snapSpec{}).bytes(), ErrCorrupt},
		{"null ACL list", func() []byte {
			s := &snapSpec{acls: []aclSpec{{1, nil}}, nodes: []Node{{Path: "", ACLRef: -1}}}
			b := s.bytes()
			i := FileHeaderLen + 4 + 4 + 8
			copy(b[i:], []byte{0xff, 0xff, 0xff, 0xff})
			return b
		}(), ErrCorrupt},
		{"huge data length", func() []byte {
			b := bytes.Clone(valid)
			i := bytes.Index(valid, []byte("data")) - 4
			copy(b[i:], []byte{0x7f, 0xff, 0xff, 0xff})
			return b
		}(), ErrCorrupt},
		{"data length past the end", func() []byte {
			b := bytes.Clone(valid)
			i := bytes.Index(valid, []byte("data")) - 4
			copy(b[i:], []byte{0x01, 0x00, 0x00, 0x00})
			return b
		}(), ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSnapshot(bytes.NewReader(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// Every cut short of the tree's seal is truncated; a cut inside the
	// trailer leaves bytes that are not a sealed section.
	for n := range len(valid) {
		_, err := ReadSnapshot(bytes.NewReader(valid[:n]))
		want := ErrTruncated
		if n >= treeEnd {
			want = ErrChecksum
		}
		if n == treeEnd {
			want = nil // a 3.5 snapshot
		}
		if !errors.Is(err, want) {
			t.Fatalf("cut at %d of %d: %v, want %v", n, len(valid), err, want)
		}
	}
}

func TestReadSnapshotFile(t *testing.T) {
	spec := fixtureSnapshot()
	spec.digest = &ZxidDigest{Zxid: 5, Version: 2, Digest: 1}
	plain := spec.bytes()
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(plain)
	w.Close()
	dir := t.TempDir()
	files := map[string][]byte{
		"snapshot.5":        plain,
		"snapshot.5.gz":     gz.Bytes(),
		"snapshot.5.snappy": xerialStream(plain, 7, true),
	}
	want, err := ReadSnapshot(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ReadSnapshotFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("read %+v, want %+v", got, want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"snapshot.6.gz", plain, ErrBadMagic},
		{"snapshot.6.snappy", plain, ErrBadMagic},
		{"snapshot.7.snappy", xerialStream(plain, 7, false)[:40], ErrTruncated},
		{"snapshot.8.gz", gz.Bytes()[:gz.Len()-12], ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, tc.in, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadSnapshotFile(p); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// xerialStream compresses b as snappy-java's SnappyOutputStream does, in
// chunks of chunk bytes; with restart, the stream header appears again
// half way (as concatenated streams have it).
func xerialStream(b []byte, chunk int, restart bool) []byte {
	header := append(bytes.Clone(xerialMagic), 0, 0, 0, 1, 0, 0, 0, 1)
	out := bytes.Clone(header)
	for i := 0; i < len(b); i += chunk {
		if restart && i > 0 && i/chunk == len(b)/chunk/2 {
			out = append(out, header...)
		}
		c := snappy.Encode(nil, b[i:min(i+chunk, len(b))])
		out = zk.AppendBuffer(out, c)
	}
	return out
}
