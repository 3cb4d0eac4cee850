package txnlog

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// readChunk is how much the reader asks of the file at a time.
const readChunk = 1 << 20

// window reads a file through a buffer, so that scanning small records
// costs one ReadAt per readChunk, not one per record.
type window struct {
	f    io.ReaderAt
	size int64
	buf  []byte
	off  int64 // file offset of buf[0]
}

// bytes returns the file's bytes [off, off+n). The slice is valid until the
// next call. REQUIRES: 0 <= off, n >= 0, off+n <= size.
// NB: it allocates at most max(n, readChunk) bytes, and never more than
// the file holds, whatever a length field claims.
func (w *window) bytes(off int64, n int) ([]byte, error) {
	if off >= w.off && off+int64(n) <= w.off+int64(len(w.buf)) {
		return w.buf[off-w.off : off-w.off+int64(n)], nil
	}
	want := int(min(max(int64(n), readChunk), w.size-off))
	if cap(w.buf) < want {
		w.buf = make([]byte, want)
	}
	w.buf = w.buf[:want]
	got, err := w.f.ReadAt(w.buf, off)
	if got < want {
		w.buf = w.buf[:0]
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF // the file shrank under us
		}
		return nil, err
	}
	w.off = off
	return w.buf[:n], nil
}

// allZero reports whether the file's bytes [off, size) are all zero.
func (w *window) allZero(off int64) (bool, error) {
	for off < w.size {
		n := int(min(readChunk, w.size-off))
		b, err := w.bytes(off, n)
		if err != nil {
			return false, err
		}
		for _, c := range b {
			if c != 0 {
				return false, nil
			}
		}
		off += int64(n)
	}
	return true, nil
}

// segScan is the outcome of scanning one segment.
type segScan struct {
	first   uint64 // first index, from the name
	last    uint64 // index of the last good record; 0 if none
	records int64
	end     int64 // offset just past the last good record (headerSize if none, 0 if the header is bad)
	size    int64
	// bad is non-nil when the scan stopped at something other than a clean
	// end (EOF or zeros after the last record).
	bad *badSpot
}

type badSpot struct {
	off    int64
	reason string
	// tornable: a crash during a write could have produced it (a frame
	// cut short, a checksum mismatch, a zero-length field with data after
	// it). Whether it is a torn tail depends on where it is and on what
	// follows it (laterFrame).
	tornable bool
	err      error // sentinel to wrap instead of ErrCorrupt
}

// scanSegment reads and checks one segment: the header, then every frame
// in order. prevLast is the last index of the segments before it. fn, if
// not nil, is called with every good record whose index is above after;
// data is valid only during the call. I/O errors are returned as errors;
// damage ends the scan with s.bad set.
func scanSegment(w *window, first, prevLast, after uint64, fn func(off int64, index uint64, data []byte) error) (s segScan, err error) {
	s = segScan{first: first, size: w.size}
	h, err := w.bytes(0, int(min(headerSize, w.size)))
	if err != nil {
		return s, err
	}
	hfirst, herr := parseHeader(h)
	if herr != nil {
		s.bad = &badSpot{off: 0, reason: herr.reason, tornable: herr.torn, err: herr.err}
		return s, nil
	}
	if hfirst != first {
		s.bad = &badSpot{off: 0, reason: fmt.Sprintf("header says first index %d, the file name %d", hfirst, first)}
		return s, nil
	}
	if first <= prevLast {
		s.bad = &badSpot{off: 0, reason: fmt.Sprintf("segment starts at index %d, not above the previous segment's last index %d", first, prevLast)}
		return s, nil
	}
	off := int64(headerSize)
	s.end = off
	for off < w.size {
		rest := w.size - off
		b, err := w.bytes(off, int(min(rest, frameHeaderSize)))
		if err != nil {
			return s, err
		}
		if len(b) >= 4 {
			if l := le.Uint32(b); l >= 8 && l <= maxFrameLength {
				// Extend the view to the whole frame, bounded by the file.
				if b, err = w.bytes(off, int(min(rest, int64(frameSize(int(l)-8))))); err != nil {
					return s, err
				}
			}
		}
		index, data, size, st, reason := decodeFrame(b)
		switch st {
		case frameEnd:
			zero, err := w.allZero(off)
			if err != nil {
				return s, err
			}
			if !zero {
				s.bad = &badSpot{off: off, reason: "zero length field followed by non-zero bytes", tornable: true}
			}
			return s, nil
		case frameShort, frameInvalid:
			if st == frameShort && size == 0 {
				// Fewer than 4 bytes left: a clean end if they are zeros.
				if zero, err := w.allZero(off); err != nil || zero {
					return s, err
				}
			}
			s.bad = &badSpot{off: off, reason: reason, tornable: true}
			return s, nil
		}
		// A checksummed frame was written whole by a writer: an index out
		// of order is a bug or foreign data, never a crash.
		if s.records == 0 && index != first {
			s.bad = &badSpot{off: off, reason: fmt.Sprintf("first record has index %d, the segment name says %d", index, first)}
			return s, nil
		}
		if index <= max(prevLast, s.last) {
			s.bad = &badSpot{off: off, reason: fmt.Sprintf("index %d does not increase (previous %d)", index, max(prevLast, s.last))}
			return s, nil
		}
		if fn != nil && index > after {
			if err := fn(off, index, data); err != nil {
				return s, err
			}
		}
		s.last = index
		s.records++
		off += int64(size)
		s.end = off
	}
	return s, nil
}

// laterFrame reports whether a valid-looking frame with an index above
// lastGood starts at an aligned offset after off. Finding one means the bad
// spot at off is not the end of what was written: corruption, not a torn
// tail.
// NB: a torn group-commit write could in principle persist a later sector
// before an earlier one; such a tail is reported as corruption too, and the
// operator decides (see doc.go).
func laterFrame(w *window, off int64, lastGood uint64) (bool, error) {
	start := max(off+frameAlign, headerSize)
	start += (frameAlign - start%frameAlign) % frameAlign
	for o := start; o+frameHeaderSize <= w.size; o += frameAlign {
		h, err := w.bytes(o, frameHeaderSize)
		if err != nil {
			return false, err
		}
		l := le.Uint32(h[0:4])
		if l < 8 || l > maxFrameLength || le.Uint64(h[8:16]) <= lastGood {
			continue
		}
		size := frameSize(int(l) - 8)
		if int64(size) > w.size-o {
			continue
		}
		b, err := w.bytes(o, size)
		if err != nil {
			return false, err
		}
		if p := padding(int(l) - 8); p > 0 && b[size-1] != 0 {
			continue // cheap reject before the checksum
		}
		if _, _, _, st, _ := decodeFrame(b); st == frameOK {
			return true, nil
		}
	}
	return false, nil
}

// segmentRef is a segment found in the log directory.
type segmentRef struct {
	name  string // base name
	first uint64
}

// listSegments returns the segments of dir in index order, and the names of
// leftover temporary files: prepared segments never renamed, .broken copies
// never finished.
func listSegments(fsys FS, dir string) (segs []segmentRef, tmps []string, err error) {
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("txnlog: list %s: %w", dir, err)
	}
	for _, n := range names {
		if first, ok := parseSegmentName(n); ok {
			segs = append(segs, segmentRef{name: n, first: first})
		} else if strings.HasPrefix(n, preallocPrefix) && strings.HasSuffix(n, tmpSuffix) ||
			strings.HasPrefix(n, segmentPrefix) && strings.HasSuffix(n, brokenSuffix+tmpSuffix) {
			tmps = append(tmps, n)
		}
	}
	slices.SortFunc(segs, func(a, b segmentRef) int {
		switch {
		case a.first < b.first:
			return -1
		case a.first > b.first:
			return 1
		}
		return 0
	})
	return segs, tmps, nil
}

// segmentState is what checkDir learned about one segment.
type segmentState struct {
	segmentRef
	scan segScan
}

// checkDir scans every segment of dir in order, calling fn (when not nil)
// for every record above after. It returns the segments read; a
// *CorruptionError for damage that is not a torn tail; and, when the last
// segment ends in a torn tail, a *CorruptionError with Torn set (the
// segments up to and including the torn one are returned).
func checkDir(fsys FS, dir string, after uint64, fn func(seg string, off int64, index uint64, data []byte) error) (states []segmentState, torn *CorruptionError, err error) {
	segs, _, err := listSegments(fsys, dir)
	if err != nil {
		return nil, nil, err
	}
	var prevLast uint64
	w := &window{}
	for i, seg := range segs {
		path := filepath.Join(dir, seg.name)
		f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
		if err != nil {
			return states, nil, fmt.Errorf("txnlog: open %s: %w", path, err)
		}
		size, err := f.Size()
		if err != nil {
			f.Close()
			return states, nil, fmt.Errorf("txnlog: size of %s: %w", path, err)
		}
		*w = window{f: f, size: size, buf: w.buf[:0]}
		var segFn func(off int64, index uint64, data []byte) error
		var fnErr error
		if fn != nil {
			segFn = func(off int64, index uint64, data []byte) error {
				fnErr = fn(seg.name, off, index, data)
				return fnErr
			}
		}
		s, err := scanSegment(w, seg.first, prevLast, after, segFn)
		if err != nil {
			f.Close()
			if fnErr != nil {
				return states, nil, fnErr
			}
			return states, nil, fmt.Errorf("txnlog: read %s: %w", path, err)
		}
		lastGood := max(prevLast, s.last)
		if s.bad != nil {
			ce := &CorruptionError{File: path, Offset: s.bad.off, LastIndex: lastGood, Reason: s.bad.reason}
			isTorn := false
			if s.bad.tornable && i == len(segs)-1 {
				later, err := laterFrame(w, s.bad.off, lastGood)
				if err != nil {
					f.Close()
					return states, nil, fmt.Errorf("txnlog: read %s: %w", path, err)
				}
				if later {
					ce.Reason += "; valid records follow it, so it is not a torn tail"
				} else {
					isTorn = true
				}
			} else if s.bad.tornable {
				ce.Reason += "; not in the last segment, so it is not a torn tail"
			}
			f.Close()
			states = append(states, segmentState{segmentRef: seg, scan: s})
			if isTorn {
				ce.Torn = true
				return states, ce, nil
			}
			if s.bad.err != nil {
				return states, nil, fmt.Errorf("%w: %w", s.bad.err, ce)
			}
			return states, nil, ce
		}
		f.Close()
		states = append(states, segmentState{segmentRef: seg, scan: s})
		prevLast = lastGood
	}
	return states, nil, nil
}

// ReadDir calls fn for every record of every segment in dir, in order,
// with the segment's file name and the record's offset in it; data is
// valid only during the call. It stops at the first bad record with a
// *CorruptionError naming the file, the offset and the last good index
// (wrapping ErrTornTail if it is a torn tail Open would truncate,
// ErrCorrupt otherwise), or with the first error fn returns.
// It only reads: for `paddock log dump`.
func ReadDir(fsys FS, dir string, fn func(seg string, off int64, index uint64, data []byte) error) error {
	_, torn, err := checkDir(fsys, dir, 0, fn)
	if err != nil {
		return err
	}
	if torn != nil {
		return torn
	}
	return nil
}

// VerifyReport describes a log directory, for `paddock log verify`.
type VerifyReport struct {
	Segments   []SegmentInfo
	Records    int64
	FirstIndex uint64 // 0 if the log holds no record
	LastIndex  uint64
	// TornTail is set when the last segment ends in a torn tail; Open would
	// truncate it there (and keep the cut bytes as a .broken copy).
	TornTail *CorruptionError
}

// String formats the report for `paddock log verify`: one line per
// segment, then the totals and the torn tail, if any.
func (r VerifyReport) String() string {
	var b strings.Builder
	for _, s := range r.Segments {
		fmt.Fprintf(&b, "%s  records %d  indexes %#x..%#x  size %d  end %d\n",
			s.Name, s.Records, s.FirstIndex, s.LastIndex, s.Size, s.End)
	}
	fmt.Fprintf(&b, "%d segments, %d records", len(r.Segments), r.Records)
	if r.Records > 0 {
		fmt.Fprintf(&b, ", indexes %#x..%#x", r.FirstIndex, r.LastIndex)
	}
	if r.TornTail != nil {
		fmt.Fprintf(&b, "\n%v; opening the log will cut it off and keep a .broken copy", r.TornTail)
	}
	return b.String()
}

// SegmentInfo describes one segment.
type SegmentInfo struct {
	Name       string
	FirstIndex uint64 // from the name
	LastIndex  uint64 // 0 if it holds no good record
	Records    int64
	Size       int64 // bytes in the file
	End        int64 // offset just past the last good record
}

// Verify reads and checks every segment of dir without changing anything.
// It returns a *CorruptionError (wrapping ErrCorrupt) if Open would refuse
// the log; a torn tail is reported in VerifyReport.TornTail, not as an
// error. The report covers the segments read up to any error.
func Verify(fsys FS, dir string) (VerifyReport, error) {
	states, torn, err := checkDir(fsys, dir, 0, nil)
	var r VerifyReport
	for _, s := range states {
		r.Segments = append(r.Segments, SegmentInfo{
			Name: s.name, FirstIndex: s.first, LastIndex: s.scan.last,
			Records: s.scan.records, Size: s.scan.size, End: s.scan.end,
		})
		if s.scan.records > 0 {
			if r.FirstIndex == 0 {
				r.FirstIndex = s.first
			}
			r.LastIndex = s.scan.last
			r.Records += s.scan.records
		}
	}
	r.TornTail = torn
	return r, err
}
