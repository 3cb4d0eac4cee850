package txnlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
)

// Format constants. They are written to disk: never change them. Evolve the
// format by bumping formatVersion (and teaching the reader both versions).
const (
	// segmentMagic opens every segment file. Never change.
	segmentMagic = "PDKL"
	// formatVersion is the segment format described in doc.go. Never change
	// the meaning of version 1.
	formatVersion uint32 = 1
	// headerSize is the size of the segment header; a multiple of 8 so that
	// every frame starts 8-byte aligned. Never change for version 1.
	headerSize = 24
	// frameHeaderSize is length(4) + crc(4) + index(8). Never change.
	frameHeaderSize = 16
	// frameAlign is the alignment of every frame. Never change.
	frameAlign = 8

	// segmentPrefix and the 16 hex digits that follow name a segment.
	segmentPrefix = "log."
	// brokenSuffix marks the copy of the bytes cut off a torn tail.
	brokenSuffix = ".broken"
	// preallocPrefix and tmpSuffix name a segment file prepared ahead of
	// time, before it is renamed to its segment name.
	preallocPrefix = "prealloc."
	tmpSuffix      = ".tmp"
)

// MaxRecordSize is the largest record Append accepts. The reader refuses a
// larger length field, so a corrupt length can never make it allocate more
// than this (nor more than the file holds).
const MaxRecordSize = 64 << 20

// maxFrameLength is the largest valid value of a frame's length field.
const maxFrameLength = 8 + MaxRecordSize

// castagnoli is the CRC32C table (hardware accelerated on amd64 and arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var le = binary.LittleEndian

// Errors. Every error the package returns wraps one of these (or an error of
// the FS), with the file, offset and index it concerns.
var (
	// ErrCorrupt: a record or segment header failed its checks somewhere
	// other than a torn tail. Open refuses the log.
	ErrCorrupt = errors.New("txnlog: corrupt log")
	// ErrTornTail: the last segment ends in a partly written record. Open
	// truncates it; ReadDir reports it.
	ErrTornTail = errors.New("txnlog: torn tail")
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("txnlog: log closed")
	// ErrIndexOrder: Append was called with an index not above the last one.
	ErrIndexOrder = errors.New("txnlog: index not increasing")
	// ErrRecordTooLarge: the record exceeds MaxRecordSize.
	ErrRecordTooLarge = errors.New("txnlog: record too large")
	// ErrUnsupportedVersion: a segment has a format version this code does
	// not know.
	ErrUnsupportedVersion = errors.New("txnlog: unsupported format version")
	// ErrReplayAfterAppend: Replay was called after the first Append.
	ErrReplayAfterAppend = errors.New("txnlog: replay after append")
)

// CorruptionError describes a bad record or segment header: where it is and
// the last good record before it. It wraps ErrTornTail when the damage is a
// torn tail (Open repairs those) and ErrCorrupt otherwise.
type CorruptionError struct {
	File      string // path of the segment
	Offset    int64  // offset of the bad frame (0: the segment header)
	LastIndex uint64 // index of the last good record before it; 0 if none
	Reason    string
	Torn      bool
}

func (e *CorruptionError) Error() string {
	last := "none"
	if e.LastIndex != 0 {
		last = "index " + strconv.FormatUint(e.LastIndex, 10) + " (0x" + strconv.FormatUint(e.LastIndex, 16) + ")"
	}
	if e.Torn {
		return fmt.Sprintf("txnlog: torn tail in %s at offset %d (last good record: %s): %s",
			e.File, e.Offset, last, e.Reason)
	}
	return fmt.Sprintf("txnlog: corrupt log: %s at offset %d (last good record: %s): %s; "+
		"refusing to use the log: run `paddock log verify` on the log directory and restore "+
		"this server's data from a healthy replica or a backup", e.File, e.Offset, last, e.Reason)
}

func (e *CorruptionError) Unwrap() error {
	if e.Torn {
		return ErrTornTail
	}
	return ErrCorrupt
}

// segmentName returns the file name of the segment whose first record has
// the given index: fixed-width hex, so names sort like indexes.
func segmentName(first uint64) string {
	return fmt.Sprintf("%s%016x", segmentPrefix, first)
}

// parseSegmentName returns the first index a segment name encodes; ok is
// false for any other name (.broken copies, temporary files, strangers).
func parseSegmentName(name string) (first uint64, ok bool) {
	if len(name) != len(segmentPrefix)+16 || name[:len(segmentPrefix)] != segmentPrefix {
		return 0, false
	}
	v, err := strconv.ParseUint(name[len(segmentPrefix):], 16, 64)
	if err != nil || segmentName(v) != name {
		return 0, false
	}
	return v, true
}

// appendHeader appends a segment header for a segment whose first record
// has index first.
func appendHeader(dst []byte, first uint64) []byte {
	var h [headerSize]byte
	putHeader(h[:], first)
	return append(dst, h[:]...)
}

// putHeader writes a segment header into h[:headerSize].
func putHeader(h []byte, first uint64) {
	_ = h[headerSize-1]
	copy(h[0:4], segmentMagic)
	le.PutUint32(h[4:8], formatVersion)
	le.PutUint64(h[8:16], first)
	le.PutUint32(h[16:20], 0) // reserved
	le.PutUint32(h[20:24], crc32.Checksum(h[:20], castagnoli))
}

// headerError classifies a bad header: torn is true when the header fails
// its checksum (a crash can do that), false when it is intact but wrong (a
// crash cannot).
type headerError struct {
	reason string
	torn   bool
	err    error // sentinel to wrap, when not ErrCorrupt
}

// parseHeader checks a segment header.
func parseHeader(h []byte) (first uint64, herr *headerError) {
	if len(h) < headerSize {
		return 0, &headerError{reason: fmt.Sprintf("segment header cut short (%d of %d bytes)", len(h), headerSize), torn: true}
	}
	if got, want := le.Uint32(h[20:24]), crc32.Checksum(h[:20], castagnoli); got != want {
		return 0, &headerError{reason: fmt.Sprintf("segment header checksum mismatch (stored %08x, computed %08x)", got, want), torn: true}
	}
	if string(h[0:4]) != segmentMagic {
		return 0, &headerError{reason: fmt.Sprintf("bad magic %q, not a paddock log segment", h[0:4])}
	}
	if v := le.Uint32(h[4:8]); v != formatVersion {
		return 0, &headerError{reason: fmt.Sprintf("format version %d, this build reads version %d", v, formatVersion), err: ErrUnsupportedVersion}
	}
	if r := le.Uint32(h[16:20]); r != 0 {
		return 0, &headerError{reason: fmt.Sprintf("reserved header field is %#x, want 0", r)}
	}
	return le.Uint64(h[8:16]), nil
}

// frameSize returns the bytes a record with n bytes of data occupies on
// disk, padding included.
func frameSize(n int) int {
	return frameHeaderSize + n + padding(n)
}

// padding returns the zero bytes that follow n bytes of data so that the
// next frame starts 8-byte aligned.
func padding(n int) int {
	return (frameAlign - n%frameAlign) % frameAlign
}

// recordCRC returns the CRC32C of index (little-endian) followed by data,
// the bytes a frame's checksum covers.
// NB: the 8 index bytes go through the table by hand: handing a local
// array to crc32 makes it escape, one allocation per record.
func recordCRC(index uint64, data []byte) uint32 {
	crc := ^uint32(0)
	for i := range 8 {
		crc = castagnoli[byte(crc)^byte(index>>(8*i))] ^ crc>>8
	}
	return crc32.Update(^crc, castagnoli, data)
}

// appendFrame appends the frame of one record to dst.
func appendFrame(dst []byte, index uint64, data []byte) []byte {
	return appendFrameCRC(dst, index, data, recordCRC(index, data))
}

// appendFrameCRC is appendFrame with the checksum already computed, so
// Append can compute it before taking the log's mutex.
// REQUIRES: crc == recordCRC(index, data), len(data) <= MaxRecordSize.
func appendFrameCRC(dst []byte, index uint64, data []byte, crc uint32) []byte {
	n := len(data)
	off := len(dst)
	total := frameSize(n)
	if cap(dst)-off < total {
		grown := make([]byte, off, max(2*cap(dst), off+total))
		copy(grown, dst)
		dst = grown
	}
	dst = dst[:off+total]
	f := dst[off:]
	le.PutUint32(f[0:4], uint32(8+n))
	le.PutUint32(f[4:8], crc)
	le.PutUint64(f[8:16], index)
	copy(f[16:], data)
	clear(f[16+n:])
	return dst
}

// frameStatus is what decodeFrame found at an offset.
type frameStatus int

const (
	frameOK      frameStatus = iota
	frameEnd                 // a zero length field: end of written data
	frameShort               // the frame runs past the bytes given
	frameInvalid             // a length out of range, a checksum mismatch or non-zero padding
)

// decodeFrame decodes the frame at the start of b. On frameOK it returns
// the record and the frame's size; data aliases b. On frameShort, size is
// the number of bytes the frame claims (0 if even its header is cut).
// It never allocates.
func decodeFrame(b []byte) (index uint64, data []byte, size int, st frameStatus, reason string) {
	if len(b) < 4 {
		return 0, nil, 0, frameShort, "frame header cut short"
	}
	length := le.Uint32(b[0:4])
	if length == 0 {
		return 0, nil, 0, frameEnd, ""
	}
	if length < 8 || length > maxFrameLength {
		return 0, nil, 0, frameInvalid, fmt.Sprintf("invalid length field %d", length)
	}
	n := int(length) - 8
	size = frameSize(n)
	if len(b) < size {
		return 0, nil, size, frameShort, fmt.Sprintf("record cut short: frame of %d bytes, %d left in the file", size, len(b))
	}
	index = le.Uint64(b[8:16])
	data = b[16 : 16+n]
	if got, want := le.Uint32(b[4:8]), crc32.Checksum(b[8:16+n], castagnoli); got != want {
		return 0, nil, size, frameInvalid, fmt.Sprintf("checksum mismatch (stored %08x, computed %08x)", got, want)
	}
	for _, c := range b[16+n : size] {
		if c != 0 {
			return 0, nil, size, frameInvalid, "non-zero padding after the record"
		}
	}
	return index, data, size, frameOK, ""
}
