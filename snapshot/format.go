package snapshot

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"unsafe"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/zk"
)

// Format constants. See doc.go for the layouts they describe.
const (
	// FormatVersion is the version of the store's key and value format: the
	// first byte of every stored value. Never change; a new format gets a
	// new number, and Open refuses numbers it does not know.
	FormatVersion = 1
	// ExportVersion is the version of the export stream, written after its
	// magic. Never change.
	ExportVersion = 1

	storeMagic  = "PDKS" // at the start of the meta payload; never change
	exportMagic = "PDKX" // at the start of an export stream; never change

	// Key kinds: the first byte of every key. Never change.
	kindMeta    byte = 'm'
	kindNode    byte = 'n'
	kindSession byte = 's'

	// valueHeaderLen is the version byte and the CRC32C before a payload.
	valueHeaderLen = 5
	// nodeFixedLen is the part of a node payload that does not depend on
	// data or ACL: the StatPersisted fields and numChildren.
	nodeFixedLen = 5*8 + 3*4 + 8 + 4
	// aclMinLen is the smallest encoded zk.ACL: perms and two empty strings.
	aclMinLen     = 12
	sessionKeyLen = 1 + 8
	sessionLen    = 4
)

// Errors. Each is wrapped with what it concerns (the key, the frame).
var (
	// ErrCorrupt means stored data failed a check: a checksum, a decode, a
	// count in the meta record, the shape of the tree.
	ErrCorrupt = errors.New("snapshot: corrupt store")
	// ErrUnknownFormat means a store or stream was written in a format
	// version this build does not read.
	ErrUnknownFormat = errors.New("snapshot: unknown format version")
	// ErrBadStream means an export stream is malformed, corrupt or
	// truncated.
	ErrBadStream = errors.New("snapshot: bad export stream")
	// ErrNotEmpty means Import found a store that already holds a
	// checkpoint.
	ErrNotEmpty = errors.New("snapshot: store is not empty")
	// ErrBadCapture means Write was handed a capture it cannot apply: an
	// incremental one to a store without a checkpoint, one older than the
	// stored checkpoint, or one naming a path twice.
	ErrBadCapture = errors.New("snapshot: bad capture")
	// ErrFailed means an earlier write, flush or background operation of
	// the store failed; the store accepts no more writes. The cause is
	// wrapped with it.
	ErrFailed = errors.New("snapshot: store failed")
	// ErrNoCheckpoint means Export was called on a store that holds no
	// checkpoint.
	ErrNoCheckpoint = errors.New("snapshot: the store holds no checkpoint")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("snapshot: store closed")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// DBID identifies a store: 16 random bytes drawn when the store is created
// (or imported), to cross-check dataDir against dataLogDir.
type DBID [16]byte

// String returns the id in hex.
func (id DBID) String() string { return hex.EncodeToString(id[:]) }

// Meta describes a store's last durable checkpoint.
type Meta struct {
	Zxid        zk.Zxid // zxid of the checkpoint; 0 when none was written
	Nodes       int64   // nodes stored, root and reserved nodes included
	Sessions    int     // entries of the session table
	Checkpoints uint64  // checkpoints written to this store since it was created
	Format      uint32  // FormatVersion of the store
	DBID        DBID
}

// Report is what Verify found.
type Report struct {
	Meta      Meta     // as the meta record says
	Nodes     int64    // nodes found
	Sessions  int      // sessions found
	DataBytes int64    // sum of node data lengths
	Problems  []string // the first maxProblems problems found
	// ProblemCount counts every problem, including those not kept.
	ProblemCount int
}

const maxProblems = 100

func (r *Report) problem(format string, args ...any) {
	r.ProblemCount++
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

var (
	metaKey   = []byte{kindMeta}
	nodeLower = []byte{kindNode}
	nodeUpper = []byte{kindNode + 1}
)

func appendNodeKey(dst []byte, path string) []byte {
	dst = append(dst, kindNode)
	return append(dst, path...)
}

func appendSessionKey(dst []byte, id zk.SessionID) []byte {
	dst = append(dst, kindSession)
	return binary.BigEndian.AppendUint64(dst, uint64(id))
}

// keyName names a key for error messages: meta, node "/a/b", session 0x….
func keyName(key []byte) string {
	switch {
	case len(key) == 1 && key[0] == kindMeta:
		return "meta record"
	case len(key) > 0 && key[0] == kindNode:
		return "node " + strconv.Quote(string(key[1:]))
	case len(key) == sessionKeyLen && key[0] == kindSession:
		return "session " + zk.SessionID(binary.BigEndian.Uint64(key[1:])).String()
	}
	return "key " + strconv.Quote(string(key))
}

// checksum is the CRC32C a value stores: over the key, the version byte and
// the payload, so that a value found under the wrong key fails too.
func checksum(key []byte, version byte, payload []byte) uint32 {
	c := crc32.Update(0, castagnoli, key)
	// One byte by hand (crc32.Update's inner step): a slice of a local
	// array would escape to the heap through crc32.Update.
	c = ^c
	c = castagnoli[byte(c)^version] ^ (c >> 8)
	c = ^c
	return crc32.Update(c, castagnoli, payload)
}

// sealValue fills the header of v, a value whose payload starts at
// valueHeaderLen, for key.
func sealValue(key, v []byte) {
	v[0] = FormatVersion
	binary.BigEndian.PutUint32(v[1:valueHeaderLen], checksum(key, v[0], v[valueHeaderLen:]))
}

// appendValue appends the value of key holding payload.
func appendValue(dst, key, payload []byte) []byte {
	dst = append(dst, FormatVersion)
	dst = binary.BigEndian.AppendUint32(dst, checksum(key, FormatVersion, payload))
	return append(dst, payload...)
}

// openValue checks the checksum and version of the value stored under key
// and returns its payload, which aliases value.
func openValue(key, value []byte) ([]byte, error) {
	if len(value) < valueHeaderLen {
		return nil, fmt.Errorf("%w: %s: value of %d bytes is too short", ErrCorrupt, keyName(key), len(value))
	}
	payload := value[valueHeaderLen:]
	want := binary.BigEndian.Uint32(value[1:valueHeaderLen])
	if got := checksum(key, value[0], payload); got != want {
		return nil, fmt.Errorf("%w: %s: checksum mismatch (stored %08x, computed %08x)", ErrCorrupt, keyName(key), want, got)
	}
	if value[0] != FormatVersion {
		return nil, fmt.Errorf("%w: %s has format version %d; this build reads version %d", ErrUnknownFormat, keyName(key), value[0], FormatVersion)
	}
	return payload, nil
}

// nodePayloadLen returns the length of n's payload.
func nodePayloadLen(n *engine.NodeRecord) int {
	size := 4 + len(n.Data) + 4 + nodeFixedLen
	for i := range n.ACL {
		size += aclMinLen + len(n.ACL[i].ID.Scheme) + len(n.ACL[i].ID.ID)
	}
	return size
}

// appendNodePayload appends n's payload: the data (null kept distinct from
// empty), the ACL vector, ZooKeeper's StatPersisted fields in its order,
// and the child count. The path is in the key.
func appendNodePayload(dst []byte, n *engine.NodeRecord) []byte {
	dst = zk.AppendBuffer(dst, n.Data)
	dst = zk.AppendACLs(dst, n.ACL)
	dst = zk.AppendInt64(dst, int64(n.Czxid))
	dst = zk.AppendInt64(dst, int64(n.Mzxid))
	dst = zk.AppendInt64(dst, n.Ctime)
	dst = zk.AppendInt64(dst, n.Mtime)
	dst = zk.AppendInt32(dst, n.Version)
	dst = zk.AppendInt32(dst, n.Cversion)
	dst = zk.AppendInt32(dst, n.Aversion)
	dst = zk.AppendInt64(dst, int64(n.EphemeralOwner))
	dst = zk.AppendInt64(dst, int64(n.Pzxid))
	return zk.AppendInt32(dst, n.NumChildren)
}

// nodeDecoder decodes node payloads into one reused record.
//
// NB: the record's Path, Data and ACL strings alias the decoded bytes, and
// its ACL slice is reused by the next decode: engine.Restore copies what it
// keeps, other users must copy too.
type nodeDecoder struct {
	d   zk.Decoder
	rec engine.NodeRecord
	acl []zk.ACL
}

// decode decodes the payload of the node at path.
func (nd *nodeDecoder) decode(path string, payload []byte) (*engine.NodeRecord, error) {
	d := &nd.d
	d.Reset(payload)
	r := &nd.rec
	r.Path = path
	r.Data = d.Buffer()
	switch n := d.VectorLen(aclMinLen); {
	case n < 0:
		r.ACL = nil
	case n == 0:
		r.ACL = make([]zk.ACL, 0) // empty, not null; does not allocate
	default:
		if cap(nd.acl) < n {
			nd.acl = make([]zk.ACL, n)
		}
		r.ACL = nd.acl[:n]
		for i := range r.ACL {
			r.ACL[i].Decode(d)
		}
	}
	r.Czxid = zk.Zxid(d.Int64())
	r.Mzxid = zk.Zxid(d.Int64())
	r.Ctime = d.Int64()
	r.Mtime = d.Int64()
	r.Version = d.Int32()
	r.Cversion = d.Int32()
	r.Aversion = d.Int32()
	r.EphemeralOwner = zk.SessionID(d.Int64())
	r.Pzxid = zk.Zxid(d.Int64())
	r.NumChildren = d.Int32()
	if r.NumChildren < 0 {
		d.Fail(zk.ErrBadRecord)
	}
	if err := d.Finish(); err != nil {
		return nil, err
	}
	return r, nil
}

// validPath reports whether p can name a stored node.
func validPath(p string) bool { return p == "/" || engine.ValidatePath(p) == nil }

// aliasString returns b as a string without copying.
// REQUIRES: b is not modified while the string is in use.
func aliasString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// appendMetaFields appends the fields the meta record and the export
// header share.
func appendMetaFields(dst []byte, m *Meta) []byte {
	dst = zk.AppendInt64(dst, int64(m.Zxid))
	dst = zk.AppendInt64(dst, m.Nodes)
	dst = zk.AppendInt32(dst, int32(m.Sessions))
	dst = zk.AppendInt64(dst, int64(m.Checkpoints))
	return append(dst, m.DBID[:]...)
}

func decodeMetaFields(d *zk.Decoder, m *Meta) {
	m.Zxid = zk.Zxid(d.Int64())
	m.Nodes = d.Int64()
	m.Sessions = int(d.Int32())
	m.Checkpoints = uint64(d.Int64())
	binary.BigEndian.PutUint64(m.DBID[:8], uint64(d.Int64()))
	binary.BigEndian.PutUint64(m.DBID[8:], uint64(d.Int64()))
	if m.Nodes < 0 || m.Sessions < 0 {
		d.Fail(zk.ErrBadRecord)
	}
}

// appendMetaPayload appends the payload of the meta record: the store's
// magic, then the meta fields.
func appendMetaPayload(dst []byte, m *Meta) []byte {
	dst = append(dst, storeMagic...)
	return appendMetaFields(dst, m)
}

// decodeMeta decodes the meta record's value.
func decodeMeta(value []byte) (Meta, error) {
	payload, err := openValue(metaKey, value)
	if err != nil {
		return Meta{}, err
	}
	if len(payload) < len(storeMagic) || string(payload[:len(storeMagic)]) != storeMagic {
		return Meta{}, fmt.Errorf("%w: meta record: bad magic %q (not a Paddock store?)", ErrCorrupt, payload[:min(len(payload), len(storeMagic))])
	}
	m := Meta{Format: uint32(value[0])}
	d := zk.NewDecoder(payload[len(storeMagic):])
	decodeMetaFields(&d, &m)
	if err := d.Finish(); err != nil {
		return Meta{}, fmt.Errorf("%w: meta record: %w", ErrCorrupt, err)
	}
	return m, nil
}

// decodeSession decodes a session's key and payload.
func decodeSession(key, payload []byte) (zk.SessionID, int32, error) {
	if len(key) != sessionKeyLen {
		return 0, 0, fmt.Errorf("%w: %s: session key of %d bytes", ErrCorrupt, keyName(key), len(key))
	}
	if len(payload) != sessionLen {
		return 0, 0, fmt.Errorf("%w: %s: session payload of %d bytes", ErrCorrupt, keyName(key), len(payload))
	}
	return zk.SessionID(binary.BigEndian.Uint64(key[1:])), int32(binary.BigEndian.Uint32(payload)), nil
}

func appendSessionPayload(dst []byte, timeout int32) []byte { return zk.AppendInt32(dst, timeout) }
