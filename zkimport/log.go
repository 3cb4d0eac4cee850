package zkimport

import (
	"bufio"
	"fmt"
	"hash/adler32"
	"io"
	"strings"

	"github.com/paddockdb/paddock/zk"
)

// LogEnd tells how a txn log file ended.
type LogEnd int

const (
	// EndNone: the file was not read to its end.
	EndNone LogEnd = iota
	// EndEOF: the file ended right after a record (or after its header).
	EndEOF
	// EndZeros: a zero length, the preallocated space after the last
	// record. The usual end of a ZooKeeper log.
	EndZeros
	// EndPartial: the file ended inside a record, or a record lacked its
	// 'B' terminator: a write torn by a crash. ZooKeeper drops the record
	// and goes on with the next file, and so does Import.
	EndPartial
)

func (e LogEnd) String() string {
	switch e {
	case EndEOF:
		return "end of file"
	case EndZeros:
		return "zero padding"
	case EndPartial:
		return "partial record"
	}
	return "not read to the end"
}

// Entry is one txn log record, decoded.
//
// NB: the records inside Txn alias a buffer of their own, one per record,
// never reused: engine.Apply is meant to copy what it keeps, but a quota
// root it records (tree.quotas) is a substring of the txn's path, so a
// reused buffer would change a map key under the engine's feet.
type Entry struct {
	Txn    zk.Txn
	Digest *TxnDigest // nil when the record has none (before 3.6, or digests disabled)
	Offset int64      // of the record's checksum in the file
}

// LogReader reads a ZooKeeper txn log file (FileTxnLog): see doc.go. Not
// safe for concurrent use.
type LogReader struct {
	r      *bufio.Reader
	header FileHeader
	off    int64
	end    LogEnd
	err    error
}

// NewLogReader reads the file header from r and returns a reader of the
// records after it. A header shorter than 16 bytes fails with
// ErrTruncated, a wrong magic with ErrBadMagic.
func NewLogReader(r io.Reader) (*LogReader, error) {
	jr := newReader(r)
	h := jr.header(LogMagic)
	if jr.err != nil {
		return nil, jr.err
	}
	return &LogReader{r: jr.r, header: h, off: FileHeaderLen}, nil
}

// Header returns the file header.
func (l *LogReader) Header() FileHeader { return l.header }

// End tells how the file ended, once Next returned io.EOF.
func (l *LogReader) End() LogEnd { return l.end }

// Offset returns the offset of the next record (of the end, once Next
// returned io.EOF).
func (l *LogReader) Offset() int64 { return l.off }

// Next returns the next record. At the end of the log it returns io.EOF,
// and End tells which end it was: the end of the file, zero padding, or a
// partial record (which is not returned). A record whose Adler32 does not
// match fails with ErrChecksum, one that does not decode with ErrCorrupt:
// ZooKeeper refuses to start on either, and these errors are sticky.
func (l *LogReader) Next() (Entry, error) {
	if l.err != nil {
		return Entry{}, l.err
	}
	e, err := l.next()
	if err != nil {
		l.err = err
	}
	return e, err
}

func (l *LogReader) next() (Entry, error) {
	start := l.off
	var head [12]byte
	n, err := io.ReadFull(l.r, head[:])
	if err != nil {
		if n == 0 && err == io.EOF {
			l.end = EndEOF
		} else if err == io.ErrUnexpectedEOF {
			l.end = EndPartial
		} else {
			return Entry{}, fmt.Errorf("zkimport: offset %d: %w", start, err)
		}
		return Entry{}, io.EOF
	}
	sum := int64(uint64(head[0])<<56 | uint64(head[1])<<48 | uint64(head[2])<<40 | uint64(head[3])<<32 |
		uint64(head[4])<<24 | uint64(head[5])<<16 | uint64(head[6])<<8 | uint64(head[7]))
	size := int32(uint32(head[8])<<24 | uint32(head[9])<<16 | uint32(head[10])<<8 | uint32(head[11]))
	if size == 0 {
		// Util.readTxnBytes: "Since we preallocate, we define EOF to be
		// an empty transaction".
		l.end = EndZeros
		return Entry{}, io.EOF
	}
	if size < 0 || size > MaxBuffer {
		return Entry{}, fmt.Errorf("%w: record at offset %d has length %d", ErrCorrupt, start, size)
	}
	// NB: read into a buffer that grows as bytes arrive (a torn length
	// must not allocate what the file does not hold). See Entry for why
	// it is not reused.
	var buf []byte
	for len(buf) < int(size) {
		k := min(int(size)-len(buf), 1<<20)
		if cap(buf)-len(buf) < k {
			nb := make([]byte, len(buf), len(buf)+max(k, cap(buf)))
			copy(nb, buf)
			buf = nb
		}
		got, err := io.ReadFull(l.r, buf[len(buf):len(buf)+k])
		buf = buf[:len(buf)+got]
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				l.end = EndPartial
				return Entry{}, io.EOF
			}
			return Entry{}, fmt.Errorf("zkimport: offset %d: %w", start, err)
		}
	}
	eor, err := l.r.ReadByte()
	if err != nil || eor != EndOfRecord {
		if err != nil && err != io.EOF {
			return Entry{}, fmt.Errorf("zkimport: offset %d: %w", start, err)
		}
		// Util.readTxnBytes: "Last transaction was partial."
		l.end = EndPartial
		return Entry{}, io.EOF
	}
	if got := int64(adler32.Checksum(buf)); got != sum {
		return Entry{}, fmt.Errorf("%w: record at offset %d: the file says %#x, its bytes sum to %#x", ErrChecksum, start, sum, got)
	}
	l.off += 12 + int64(size) + 1
	txn, digest, err := DecodeTxn(buf)
	if err != nil {
		return Entry{}, fmt.Errorf("record at offset %d: %w", start, err)
	}
	return Entry{Txn: txn, Digest: digest, Offset: start}, nil
}

// DecodeTxn decodes one log record's bytes, as SerializeUtils.deserializeTxn
// does: a TxnHeader, the body its type selects (none for a closeSession
// before 3.6), and an optional TxnDigest. The records alias b.
//
// NB: zk.DecodeTxn rejects the digest as trailing bytes, hence this
// decoder. ZooKeeper reads the body and digest its own settings enable and
// ignores what follows; here exactly 0 or 12 bytes may follow the body.
// Only a closeSession is ambiguous: with closeSessionTxn disabled and
// digests enabled its 12 bytes are a digest; they are read as a body only
// if they decode as one of valid paths.
func DecodeTxn(b []byte) (zk.Txn, *TxnDigest, error) {
	var t zk.Txn
	d := zk.NewDecoder(b)
	t.Header.Decode(&d)
	if err := d.Err(); err != nil {
		return zk.Txn{}, nil, fmt.Errorf("%w: txn header: %w", ErrCorrupt, err)
	}
	if t.Header.Type == zk.OpCloseSession {
		switch d.Remaining() {
		case 0:
			t.Body = new(zk.CloseSessionTxn)
			return t, nil, nil
		case TxnDigestLen:
			body := new(zk.CloseSessionTxn)
			bd := d
			body.Decode(&bd)
			if bd.Finish() != nil || !validPaths(body.Paths2Delete) {
				t.Body = new(zk.CloseSessionTxn)
				return t, readDigest(&d), nil
			}
		}
	}
	body, err := zk.NewTxnBody(t.Header.Type)
	if err != nil {
		return zk.Txn{}, nil, fmt.Errorf("%w: txn %s: %w", ErrCorrupt, t.Header.Zxid, err)
	}
	body.Decode(&d)
	if err := d.Err(); err != nil {
		return zk.Txn{}, nil, fmt.Errorf("%w: txn %s (%s): %w", ErrCorrupt, t.Header.Zxid, t.Header.Type, err)
	}
	t.Body = body
	var digest *TxnDigest
	switch d.Remaining() {
	case 0:
	case TxnDigestLen:
		digest = readDigest(&d)
	default:
		return zk.Txn{}, nil, fmt.Errorf("%w: txn %s (%s): %d bytes after the body", ErrCorrupt, t.Header.Zxid, t.Header.Type, d.Remaining())
	}
	return t, digest, nil
}

func readDigest(d *zk.Decoder) *TxnDigest {
	return &TxnDigest{Version: d.Int32(), Digest: d.Int64()}
}

func validPaths(ps []string) bool {
	for _, p := range ps {
		if !strings.HasPrefix(p, "/") {
			return false
		}
	}
	return true
}
