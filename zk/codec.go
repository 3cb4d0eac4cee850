package zk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"
)

// Codec errors.
var (
	// ErrShort means the input ended inside a field.
	ErrShort = errors.New("zk: truncated record")
	// ErrBadLength means a length or count field is negative (other than
	// -1, null) or larger than what remains of the input.
	ErrBadLength = errors.New("zk: bad length")
	// ErrTrailing means bytes remained after the record.
	ErrTrailing = errors.New("zk: trailing bytes after record")
	// ErrBadRecord means a field held a value the record cannot have.
	ErrBadRecord = errors.New("zk: malformed record")
)

// Decoder reads jute fields from a byte slice with a sticky error: after the
// first failure every read returns a zero value and Err reports the failure.
// Lengths are checked against the remaining input before anything is
// allocated, so a hostile length cannot make it allocate.
//
// NB: String and Buffer alias the input; see Record.
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder returns a Decoder reading b.
func NewDecoder(b []byte) Decoder { return Decoder{buf: b} }

// Reset makes d read b from the start and clears its error.
func (d *Decoder) Reset(b []byte) { *d = Decoder{buf: b} }

// Err returns the first error met, or nil.
func (d *Decoder) Err() error { return d.err }

// Remaining returns how many unread bytes are left.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Offset returns how many bytes have been read.
func (d *Decoder) Offset() int { return d.off }

// Fail records err (wrapped with the offset) unless an error is already set.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = fmt.Errorf("%w at offset %d", err, d.off)
	}
}

// Finish fails with ErrTrailing if unread bytes remain, and returns Err.
func (d *Decoder) Finish() error {
	if d.err == nil && d.off != len(d.buf) {
		d.Fail(ErrTrailing)
	}
	return d.err
}

func (d *Decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.buf)-d.off {
		d.Fail(ErrShort)
		return nil
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

// Int32 reads a jute int.
func (d *Decoder) Int32() int32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Int64 reads a jute long.
func (d *Decoder) Int64() int64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// Bool reads a jute boolean: any non-zero byte is true, as in Java's
// DataInput.readBoolean.
func (d *Decoder) Bool() bool {
	b := d.take(1)
	if b == nil {
		return false
	}
	return b[0] != 0
}

// length reads a length or count and checks it fits the remaining input
// when each element takes at least minElem bytes. -1 (null) is returned as
// -1.
func (d *Decoder) length(minElem int) int {
	n := d.Int32()
	if d.err != nil {
		return 0
	}
	if n == -1 {
		return -1
	}
	if n < 0 || int64(n)*int64(minElem) > int64(len(d.buf)-d.off) {
		d.Fail(ErrBadLength)
		return 0
	}
	return int(n)
}

// Buffer reads a jute buffer. Null (-1) decodes as nil; an empty buffer as
// a non-nil empty slice. The result aliases the input.
func (d *Decoder) Buffer() []byte {
	n := d.length(1)
	if n < 0 {
		return nil
	}
	b := d.take(n)
	if b == nil && d.err == nil {
		return []byte{}
	}
	return b
}

// String reads a jute ustring; null decodes as "". The result aliases the
// input.
func (d *Decoder) String() string {
	n := d.length(1)
	if n <= 0 {
		return ""
	}
	b := d.take(n)
	if b == nil {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// VectorLen reads a vector count, checking that count elements of at least
// minElem bytes each fit the remaining input. Null (-1) returns -1.
func (d *Decoder) VectorLen(minElem int) int { return d.length(minElem) }

// Strings reads a vector<ustring>; null decodes as nil.
func (d *Decoder) Strings() []string {
	n := d.VectorLen(4)
	if n < 0 || d.err != nil {
		return nil
	}
	s := make([]string, n)
	for i := range s {
		s[i] = d.String()
	}
	if d.err != nil {
		return nil
	}
	return s
}

// AppendInt32 appends a jute int.
func AppendInt32(dst []byte, v int32) []byte { return binary.BigEndian.AppendUint32(dst, uint32(v)) }

// AppendInt64 appends a jute long.
func AppendInt64(dst []byte, v int64) []byte { return binary.BigEndian.AppendUint64(dst, uint64(v)) }

// AppendBool appends a jute boolean.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// AppendBuffer appends a jute buffer; nil is written as null (-1).
func AppendBuffer(dst []byte, b []byte) []byte {
	if b == nil {
		return AppendInt32(dst, -1)
	}
	dst = AppendInt32(dst, int32(len(b)))
	return append(dst, b...)
}

// AppendString appends a jute ustring. Java clients never send null paths,
// and ZooKeeper writes "" as length 0, so "" is written as length 0.
func AppendString(dst []byte, s string) []byte {
	dst = AppendInt32(dst, int32(len(s)))
	return append(dst, s...)
}

// AppendStrings appends a vector<ustring>; nil is written as null (-1).
func AppendStrings(dst []byte, s []string) []byte {
	if s == nil {
		return AppendInt32(dst, -1)
	}
	dst = AppendInt32(dst, int32(len(s)))
	for _, v := range s {
		dst = AppendString(dst, v)
	}
	return dst
}
