package zkimport

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/adler32"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/klauspost/compress/snappy"

	"github.com/paddockdb/paddock/zk"
)

// Snapshot is a decoded ZooKeeper snapshot file: see doc.go for the
// layout.
type Snapshot struct {
	Header FileHeader
	// Sessions is the session table: id -> timeout in milliseconds.
	Sessions map[zk.SessionID]int32
	// ACLs is the ACL cache: reference -> ACL list. Nodes refer to it by
	// reference; -1 (not stored) means world:anyone with every permission.
	ACLs map[int64][]zk.ACL
	// Nodes are the znodes in file order (a parent before its children),
	// the root first, with the path "/" (the file stores it as "").
	Nodes []Node
	// Digest is the tree digest ZooKeeper 3.6+ writes after the tree (nil
	// when the snapshot has none: 3.5, or zookeeper.digest.enabled=false).
	Digest *ZxidDigest
	// LastProcessedZxid is the zxid ZooKeeper 3.9+ writes last
	// (zookeeper.serializeLastProcessedZxid.enabled); 0 when absent.
	// ZooKeeper's own loader uses the file name's zxid, and so does Import.
	LastProcessedZxid zk.Zxid
}

// Node is one znode of a snapshot: the path, the DataNode (data, ACL
// reference, StatPersisted) and the number of its children in the file.
type Node struct {
	Path        string
	Data        []byte // nil when the file holds a null buffer
	ACLRef      int64
	Stat        StatPersisted
	NumChildren int32
}

// ZxidDigest is the digest of the whole tree as of Zxid (DataTree's
// ZxidDigest), written after the tree by ZooKeeper 3.6+.
type ZxidDigest struct {
	Zxid    zk.Zxid
	Version int32
	Digest  int64
}

// ACL returns the ACL list that ref names, as ReferenceCountedACLCache's
// convertLong does: -1 is world:anyone with every permission
// (OPEN_ACL_UNSAFE).
func (s *Snapshot) ACL(ref int64) ([]zk.ACL, bool) {
	if ref == -1 {
		return zk.OpenACLUnsafe(), true
	}
	acl, ok := s.ACLs[ref]
	return acl, ok
}

// sealLen is the size of a seal: long Adler32, ustring "/".
const sealLen = 8 + 4 + 1

// maxTrailer bounds what may follow the tree's seal: the digest and
// last-zxid sections with their seals take at most 54 bytes (a version 1
// digest, a hex string, a little more).
const maxTrailer = 4096

// ReadSnapshot decodes an uncompressed snapshot stream (compressed files:
// ReadSnapshotFile). It checks the magic and version, that every node's
// parent came before it, that no path repeats, and every seal's Adler32;
// ZooKeeper 3.5 to 3.9 trailers (none, digest, digest and last zxid, last
// zxid) are accepted, and anything else after the tree's seal refused.
func ReadSnapshot(in io.Reader) (*Snapshot, error) {
	r := newReader(in)
	s := &Snapshot{Sessions: make(map[zk.SessionID]int32), ACLs: make(map[int64][]zk.ACL)}
	s.Header = r.header(SnapMagic)

	r.what = "session count"
	n := r.int32()
	if n < 0 {
		r.fail(fmt.Errorf("%w: session count %d", ErrCorrupt, n))
	}
	r.what = "session"
	for i := int32(0); i < n && r.err == nil; i++ {
		id := zk.SessionID(r.int64())
		s.Sessions[id] = r.int32()
	}

	r.what = "ACL cache size"
	n = r.int32()
	if n < 0 {
		r.fail(fmt.Errorf("%w: ACL cache size %d", ErrCorrupt, n))
	}
	for i := int32(0); i < n && r.err == nil; i++ {
		r.what = "ACL cache entry"
		ref := r.int64()
		k := r.int32()
		if r.err == nil && k < 0 {
			// ReferenceCountedACLCache.deserialize throws on a null vector.
			r.fail(fmt.Errorf("%w: ACL list %d has length %d", ErrCorrupt, ref, k))
		}
		if r.err != nil {
			break
		}
		acl := make([]zk.ACL, 0, min(k, 16))
		for j := int32(0); j < k && r.err == nil; j++ {
			acl = append(acl, r.acl())
		}
		if _, dup := s.ACLs[ref]; dup && r.err == nil {
			r.fail(fmt.Errorf("%w: ACL reference %d appears twice", ErrCorrupt, ref))
		}
		s.ACLs[ref] = acl
	}

	// index maps each path read to its position in s.Nodes, to count
	// children and find parents as DataTree.deserialize does.
	index := make(map[string]int)
	for r.err == nil {
		r.what = "node path"
		path, ok := r.string()
		if r.err != nil {
			break
		}
		if !ok {
			r.fail(fmt.Errorf("%w: null path", ErrCorrupt))
			break
		}
		if path == "/" {
			break // the end of the tree
		}
		r.what = "node " + strconv.Quote(path)
		nd := Node{Path: path, Data: r.buffer(MaxBuffer), ACLRef: r.int64(), Stat: r.stat()}
		if r.err != nil {
			break
		}
		if path == "" {
			nd.Path = "/"
		} else {
			i := strings.LastIndexByte(path, '/')
			if i < 0 {
				r.fail(fmt.Errorf("%w: path %q does not start with /", ErrCorrupt, path))
				break
			}
			parent := path[:i]
			if parent == "" {
				parent = "/"
			}
			p, ok := index[parent]
			if !ok {
				r.fail(fmt.Errorf("%w: node %q comes before its parent", ErrCorrupt, path))
				break
			}
			s.Nodes[p].NumChildren++
		}
		if _, dup := index[nd.Path]; dup {
			r.fail(fmt.Errorf("%w: node %q appears twice", ErrCorrupt, nd.Path))
			break
		}
		index[nd.Path] = len(s.Nodes)
		s.Nodes = append(s.Nodes, nd)
	}
	if r.err == nil {
		if _, ok := index["/"]; !ok {
			r.fail(fmt.Errorf("%w: no root node", ErrCorrupt))
		}
	}
	r.what = "seal"
	r.seal()
	if r.err != nil {
		return nil, r.err
	}
	if err := s.readTrailer(r); err != nil {
		return nil, err
	}
	return s, nil
}

// seal reads a seal and checks its Adler32 against every byte read before
// it (SnapStream.checkSealIntegrity), and that "/" follows.
func (r *reader) seal() {
	if r.err != nil {
		return
	}
	want := int64(r.sum.Sum32())
	got := r.int64()
	slash, _ := r.string()
	if r.err != nil {
		return
	}
	if got != want {
		r.fail(fmt.Errorf("%w: the file says %#x, its bytes sum to %#x", ErrChecksum, got, want))
	} else if slash != "/" {
		r.fail(fmt.Errorf("%w: seal ends with %q, not \"/\"", ErrCorrupt, slash))
	}
}

// readTrailer reads what follows the tree's seal. Each section has its own
// seal, and which sections a file has depends on the writer's settings,
// which the file does not record: ZooKeeper reads the sections its own
// settings enable and takes an EOF as "absent". Here each layout is tried
// and accepted only when its seal verifies.
func (s *Snapshot) readTrailer(r *reader) error {
	rest, err := io.ReadAll(io.LimitReader(r.r, maxTrailer+1))
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: in the trailer at offset %d", ErrTruncated, r.off)
	}
	if err != nil {
		return fmt.Errorf("zkimport: reading the trailer at offset %d: %w", r.off, err)
	}
	if len(rest) > maxTrailer {
		return fmt.Errorf("%w: more than %d bytes after the tree's seal at offset %d", ErrCorrupt, maxTrailer, r.off)
	}
	base := r.sum
	pos := 0
	if d, n, ok := parseZxidDigest(rest); ok && sealAt(base, rest, n) {
		s.Digest = &d
		pos = n + sealLen
	}
	if len(rest)-pos == 8+sealLen && sealAt(base, rest, pos+8) {
		s.LastProcessedZxid = zk.Zxid(binary.BigEndian.Uint64(rest[pos:]))
		pos += 8 + sealLen
	}
	if pos != len(rest) {
		return fmt.Errorf("%w: the %d bytes after the tree's seal at offset %d are not a digest or last-zxid section with a valid seal",
			ErrChecksum, len(rest)-pos, r.off+int64(pos))
	}
	return nil
}

// parseZxidDigest decodes a ZxidDigest at the start of b: long zxid, int
// version, then a long digest, or a hex ustring before version 2.
func parseZxidDigest(b []byte) (ZxidDigest, int, bool) {
	if len(b) < 12 {
		return ZxidDigest{}, 0, false
	}
	d := ZxidDigest{Zxid: zk.Zxid(binary.BigEndian.Uint64(b)), Version: int32(binary.BigEndian.Uint32(b[8:]))}
	if d.Version >= 2 {
		if len(b) < 20 {
			return ZxidDigest{}, 0, false
		}
		d.Digest = int64(binary.BigEndian.Uint64(b[12:]))
		return d, 20, true
	}
	if len(b) < 16 {
		return ZxidDigest{}, 0, false
	}
	n := int32(binary.BigEndian.Uint32(b[12:]))
	if n == -1 {
		return d, 16, true
	}
	if n < 0 || int(n) > len(b)-16 {
		return ZxidDigest{}, 0, false
	}
	v, err := strconv.ParseUint(string(b[16:16+n]), 16, 64)
	if err != nil {
		return ZxidDigest{}, 0, false
	}
	d.Digest = int64(v)
	return d, 16 + int(n), true
}

// sealAt reports whether b[end:] starts with a valid seal, given the
// checksum state base of everything before b.
func sealAt(base hash.Hash32, b []byte, end int) bool {
	if len(b)-end < sealLen {
		return false
	}
	h := adler32.New()
	state, err := base.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil || h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state) != nil {
		return false
	}
	h.Write(b[:end])
	return int64(binary.BigEndian.Uint64(b[end:])) == int64(h.Sum32()) &&
		bytes.Equal(b[end+8:end+sealLen], []byte{0, 0, 0, 1, '/'})
}

// Compression of a snapshot file, chosen by its name's suffix as
// SnapStream.getStreamMode does.
const (
	suffixGzip   = "gz"
	suffixSnappy = "snappy"
)

// ReadSnapshotFile reads the snapshot file at path, decompressing it when
// its name ends in .gz (gzip) or .snappy (snappy-java's stream format), as
// ZooKeeper 3.6+ writes with zookeeper.snapshot.compression.method. The
// checksums cover the uncompressed bytes.
func ReadSnapshotFile(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("zkimport: %w", err)
	}
	defer f.Close()
	var in io.Reader = bufio.NewReaderSize(f, 64<<10)
	switch path[strings.LastIndexByte(path, '.')+1:] {
	case suffixGzip:
		gz, err := gzip.NewReader(in)
		if err != nil {
			switch {
			case errors.Is(err, gzip.ErrHeader):
				err = fmt.Errorf("%w: not a gzip file", ErrBadMagic)
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
				err = fmt.Errorf("%w: gzip header", ErrTruncated)
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		in = gz
	case suffixSnappy:
		x, err := newXerialReader(in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		in = x
	}
	s, err := ReadSnapshot(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// xerialMagic starts snappy-java's stream format (SnappyCodec.MAGIC_HEADER),
// followed by int version and int compatible version.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// xerialHeaderLen is the magic plus the two version ints.
const xerialHeaderLen = 16

// maxSnappyChunk bounds a chunk, compressed or not: snappy-java writes
// 32 KiB chunks by default.
const maxSnappyChunk = 64 << 20

// xerialReader decompresses snappy-java's SnappyOutputStream format: the
// header, then chunks of {int length, snappy block}; a header may appear
// again where a chunk starts (concatenated streams). Not safe for
// concurrent use.
type xerialReader struct {
	r   io.Reader
	off int64
	out []byte // decoded bytes not yet returned
	dec []byte
	in  bytes.Buffer
	err error
}

func newXerialReader(r io.Reader) (*xerialReader, error) {
	x := &xerialReader{r: r}
	var h [xerialHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: snappy-java header: %w", ErrTruncated, err)
	}
	if !bytes.Equal(h[:8], xerialMagic) {
		return nil, fmt.Errorf("%w: not a snappy-java stream", ErrBadMagic)
	}
	x.off = xerialHeaderLen
	return x, nil
}

func (x *xerialReader) Read(p []byte) (int, error) {
	for len(x.out) == 0 {
		if x.err != nil {
			return 0, x.err
		}
		x.err = x.chunk()
	}
	n := copy(p, x.out)
	x.out = x.out[n:]
	return n, nil
}

// chunk decodes the next chunk into x.out; io.EOF at a clean end.
func (x *xerialReader) chunk() error {
	var l [4]byte
	n, err := io.ReadFull(x.r, l[:])
	if n == 0 && err == io.EOF {
		return io.EOF
	}
	if err != nil {
		return fmt.Errorf("%w: snappy chunk length at offset %d", ErrTruncated, x.off)
	}
	if bytes.Equal(l[:], xerialMagic[:4]) {
		var rest [xerialHeaderLen - 4]byte
		if _, err := io.ReadFull(x.r, rest[:]); err != nil || !bytes.Equal(rest[:4], xerialMagic[4:]) {
			return fmt.Errorf("%w: bad snappy-java header at offset %d", ErrCorrupt, x.off)
		}
		x.off += xerialHeaderLen
		return nil
	}
	size := int32(binary.BigEndian.Uint32(l[:]))
	if size < 0 || size > maxSnappyChunk {
		return fmt.Errorf("%w: snappy chunk length %d at offset %d", ErrCorrupt, size, x.off)
	}
	x.off += 4
	// NB: the buffer grows as bytes arrive, so a damaged length cannot
	// allocate more than the file holds.
	x.in.Reset()
	if _, err := io.CopyN(&x.in, x.r, int64(size)); err != nil {
		return fmt.Errorf("%w: snappy chunk at offset %d", ErrTruncated, x.off)
	}
	// NB: a snappy block expands at most 22 times (a 3-byte copy of 64
	// bytes), so a larger decoded length is a lie that would allocate.
	dlen, err := snappy.DecodedLen(x.in.Bytes())
	if err != nil || dlen > maxSnappyChunk || dlen > 32*x.in.Len()+64 {
		return fmt.Errorf("%w: snappy chunk at offset %d: %v", ErrCorrupt, x.off, err)
	}
	x.dec, err = snappy.Decode(x.dec[:cap(x.dec)], x.in.Bytes())
	if err != nil {
		return fmt.Errorf("%w: snappy chunk at offset %d: %w", ErrCorrupt, x.off, err)
	}
	x.off += int64(size)
	x.out = x.dec
	return nil
}
