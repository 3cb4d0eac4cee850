package zkimport

import (
	"bufio"
	"errors"
	"fmt"
	"hash"
	"hash/adler32"
	"io"

	"github.com/paddockdb/paddock/zk"
)

// ZooKeeper's file constants (FileSnap.SNAP_MAGIC, FileTxnLog.TXNLOG_MAGIC,
// their VERSION, and the record terminator of Util.writeTxnBytes). They are
// ZooKeeper's, not ours: never change.
const (
	// SnapMagic is "ZKSN", the first int of a snapshot file.
	SnapMagic int32 = 0x5a4b534e
	// LogMagic is "ZKLG", the first int of a txn log file.
	LogMagic int32 = 0x5a4b4c47
	// FileVersion is the only version ZooKeeper has ever written (2).
	FileVersion int32 = 2
	// EndOfRecord ends every txn log record ('B').
	EndOfRecord byte = 0x42
	// FileHeaderLen is the size of a FileHeader: int magic, int version,
	// long dbid.
	FileHeaderLen = 16
	// TxnDigestLen is the size of a TxnDigest: int version, long digest.
	TxnDigestLen = 12
	// DigestVersion is the only tree digest version this package computes
	// (DigestCalculator.DIGEST_VERSION in 3.6 to 3.9).
	DigestVersion int32 = 2
)

// MaxBuffer bounds a buffer or string length field (a node's data, a log
// record). ZooKeeper itself refuses more than jute.maxbuffer (1 MiB by
// default) plus 1 KiB; a server configured with a larger jute.maxbuffer
// may have written larger ones, so the bound here is generous. Buffers are
// allocated as their bytes arrive, so a corrupt length never allocates
// more than the input holds.
const MaxBuffer = 1 << 30

// Errors. Each is wrapped with the file, the offset and what was being
// read.
var (
	// ErrBadMagic means a file does not start with the magic its name
	// promises (ZKSN, ZKLG, gzip's or snappy-java's).
	ErrBadMagic = errors.New("zkimport: bad magic")
	// ErrBadVersion means a FileHeader holds a version other than 2.
	ErrBadVersion = errors.New("zkimport: unknown file version")
	// ErrTruncated means the input ended inside a field or record.
	ErrTruncated = errors.New("zkimport: truncated")
	// ErrChecksum means an Adler32 checksum did not match.
	ErrChecksum = errors.New("zkimport: checksum mismatch")
	// ErrCorrupt means a field held a value the format cannot have.
	ErrCorrupt = errors.New("zkimport: corrupt")
	// ErrUnsupported means a file uses something this package cannot read.
	ErrUnsupported = errors.New("zkimport: unsupported")
	// ErrNoSnapshot means no snapshot file could be read.
	ErrNoSnapshot = errors.New("zkimport: no valid snapshot")
	// ErrGap means the txn logs miss transactions: within one epoch, a
	// zxid did not follow the previous one, or zxids went backwards.
	ErrGap = errors.New("zkimport: txn log gap")
	// ErrDigestMismatch means the imported tree's digest differs from the
	// digest ZooKeeper recorded for the same zxid.
	ErrDigestMismatch = errors.New("zkimport: tree digest mismatch")
)

// FileHeader starts every snapshot and txn log file (jute
// persistence.FileHeader).
type FileHeader struct {
	Magic   int32
	Version int32
	DBID    int64
}

// StatPersisted is a znode's Stat as ZooKeeper stores it (jute
// data.StatPersisted). Cversion counts the creates of children; clients
// are shown 2*Cversion - numChildren.
type StatPersisted struct {
	Czxid          zk.Zxid
	Mzxid          zk.Zxid
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner zk.SessionID
	Pzxid          zk.Zxid
}

// TxnDigest is the tree digest ZooKeeper 3.6+ appends to a log record:
// the digest of the whole tree after the txn (jute txn.TxnDigest).
type TxnDigest struct {
	Version int32
	Digest  int64
}

// reader reads jute fields from a stream with a sticky error, and keeps
// the Adler32 of every byte read, as SnapStream's CheckedInputStream does.
// A reader is not safe for concurrent use.
type reader struct {
	r       *bufio.Reader
	sum     hash.Hash32
	off     int64
	err     error
	what    string // the field being read, for errors
	scratch [8]byte
}

func newReader(r io.Reader) *reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &reader{r: br, sum: adler32.New()}
}

// fail records err at the current offset unless an error is set.
func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = fmt.Errorf("%w at offset %d (%s)", err, r.off, r.what)
	}
}

// full reads len(p) bytes into p.
func (r *reader) full(p []byte) bool {
	if r.err != nil {
		return false
	}
	n, err := io.ReadFull(r.r, p)
	r.sum.Write(p[:n])
	r.off += int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			r.fail(ErrTruncated)
		} else {
			r.fail(err)
		}
		return false
	}
	return true
}

// atEOF reports whether the stream has no more bytes.
func (r *reader) atEOF() bool {
	if r.err != nil {
		return false
	}
	_, err := r.r.Peek(1)
	return err == io.EOF
}

func (r *reader) int32() int32 {
	if !r.full(r.scratch[:4]) {
		return 0
	}
	b := r.scratch[:4]
	return int32(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
}

func (r *reader) int64() int64 {
	if !r.full(r.scratch[:8]) {
		return 0
	}
	var v uint64
	for _, c := range r.scratch[:8] {
		v = v<<8 | uint64(c)
	}
	return int64(v)
}

// buffer reads a jute buffer: nil for null (-1). Lengths above limit fail.
func (r *reader) buffer(limit int) []byte {
	n := r.int32()
	if r.err != nil {
		return nil
	}
	if n == -1 {
		return nil
	}
	if n < 0 || int(n) > limit {
		r.fail(fmt.Errorf("%w: length %d", ErrCorrupt, n))
		return nil
	}
	return r.bytes(int(n))
}

// bytes reads n bytes, allocating as they arrive: a length read from a
// damaged file cannot make it allocate more than the file holds.
func (r *reader) bytes(n int) []byte {
	const step = 64 << 10
	if n <= step {
		b := make([]byte, n)
		if !r.full(b) {
			return nil
		}
		return b
	}
	b := make([]byte, 0, step)
	for len(b) < n && r.err == nil {
		k := min(n-len(b), step)
		if cap(b)-len(b) < k {
			nb := make([]byte, len(b), min(n, 2*cap(b)+k))
			copy(nb, b)
			b = nb
		}
		b = b[:len(b)+k]
		r.full(b[len(b)-k:])
	}
	if r.err != nil {
		return nil
	}
	return b
}

// string reads a jute ustring; null reports ok false.
func (r *reader) string() (s string, ok bool) {
	b := r.buffer(MaxBuffer)
	if r.err != nil || b == nil {
		return "", false
	}
	return string(b), true
}

// header reads a FileHeader and checks its magic and version.
func (r *reader) header(magic int32) FileHeader {
	r.what = "file header"
	h := FileHeader{Magic: r.int32(), Version: r.int32(), DBID: r.int64()}
	if r.err != nil {
		return h
	}
	if h.Magic != magic {
		r.fail(fmt.Errorf("%w: %#08x, want %#08x (%q)", ErrBadMagic, uint32(h.Magic), uint32(magic), magicName(magic)))
	} else if h.Version != FileVersion {
		r.fail(fmt.Errorf("%w: %d", ErrBadVersion, h.Version))
	}
	return h
}

func magicName(m int32) string {
	return string([]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)})
}

// acl reads a jute data.ACL.
func (r *reader) acl() zk.ACL {
	var a zk.ACL
	a.Perms = r.int32()
	a.ID.Scheme, _ = r.string()
	a.ID.ID, _ = r.string()
	return a
}

// stat reads a jute data.StatPersisted.
func (r *reader) stat() StatPersisted {
	return StatPersisted{
		Czxid: zk.Zxid(r.int64()), Mzxid: zk.Zxid(r.int64()),
		Ctime: r.int64(), Mtime: r.int64(),
		Version: r.int32(), Cversion: r.int32(), Aversion: r.int32(),
		EphemeralOwner: zk.SessionID(r.int64()), Pzxid: zk.Zxid(r.int64()),
	}
}
