package snapshot

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/klauspost/compress/zstd"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/zk"
)

// Export stream constants. Never change.
const (
	frameHeader  byte = 'H'
	frameNode    byte = 'n'
	frameSession byte = 's'
	frameTrailer byte = 'T'

	frameHeaderLen = 1 + 4 + 4 // kind, length, CRC32C
	// MaxFrameLen bounds a frame's payload. ZooKeeper's jute.maxbuffer
	// bounds node data far below it.
	MaxFrameLen = 64 << 20
	trailerLen  = 8 + 4
	// maxWindow bounds the zstd window a stream may ask the reader for (the
	// writer uses 8 MiB), so that a hostile stream cannot make it allocate
	// much.
	maxWindow = 64 << 20
	// writeBufLen is how much Export gathers before handing it to the
	// compressor.
	writeBufLen = 64 << 10
	// importBatchLen is the size at which Import commits a batch.
	importBatchLen = 8 << 20
)

// Export writes the last checkpoint to w as a zstd-compressed export
// stream (see doc.go): a header, one frame per node and per session, and
// a trailer with the counts. It reads a point-in-time view of the store,
// so it may run while Write goes on; it returns the Meta of the checkpoint
// it wrote: the last one committed, whole, which during a Write may be one
// whose flush has not completed yet. Checksums are verified on the way: a
// corrupt store is not exported (the stream then lacks its trailer, and
// Import refuses it). It returns ErrNoCheckpoint for a store without one.
//
// Export compresses on the calling goroutine, about 1.5 µs per node of
// 100 bytes. NB: while it runs, its view pins the sstables it reads, so
// that a slow reader of the stream delays the reclaiming of disk space by
// compactions.
func (s *Store) Export(w io.Writer) (Meta, error) {
	if err := s.enter(); err != nil {
		return Meta{}, err
	}
	defer s.leave()
	if err := s.failure(); err != nil {
		return Meta{}, err
	}
	zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return Meta{}, fmt.Errorf("snapshot: export: %w", err)
	}
	sw := &streamWriter{w: zw, buf: make([]byte, 0, writeBufLen+4096)}
	sw.start()
	var meta Meta
	var nodes int64
	var sessions int
	err = s.scan(visitor{
		meta: func(m Meta) error {
			if m.Checkpoints == 0 {
				return ErrNoCheckpoint
			}
			meta = m
			at := sw.begin(frameHeader)
			sw.buf = appendMetaFields(sw.buf, &m)
			return sw.end(at)
		},
		node: func(key, payload []byte, _ *engine.NodeRecord) error {
			at := sw.begin(frameNode)
			sw.buf = zk.AppendString(sw.buf, aliasString(key[1:]))
			sw.buf = append(sw.buf, payload...)
			nodes++
			return sw.end(at)
		},
		session: func(id zk.SessionID, timeout int32) error {
			at := sw.begin(frameSession)
			sw.buf = zk.AppendInt64(sw.buf, int64(id))
			sw.buf = zk.AppendInt32(sw.buf, timeout)
			sessions++
			return sw.end(at)
		},
	})
	if err == nil && (nodes != meta.Nodes || sessions != meta.Sessions) {
		err = fmt.Errorf("%w: %s: meta record at %s counts %d nodes and %d sessions; found %d and %d",
			ErrCorrupt, s.path, meta.Zxid, meta.Nodes, meta.Sessions, nodes, sessions)
	}
	if err != nil {
		zw.Close()
		return Meta{}, fmt.Errorf("snapshot: export: %w", err)
	}
	at := sw.begin(frameTrailer)
	sw.buf = zk.AppendInt64(sw.buf, nodes)
	sw.buf = zk.AppendInt32(sw.buf, int32(sessions))
	sw.end(at)
	if err := sw.flush(); err != nil {
		zw.Close()
		return Meta{}, fmt.Errorf("snapshot: export: %w", err)
	}
	if err := zw.Close(); err != nil {
		return Meta{}, fmt.Errorf("snapshot: export: %w", err)
	}
	return meta, nil
}

// streamWriter writes the uncompressed export stream, gathering frames in
// buf. Its first error is sticky.
type streamWriter struct {
	w   io.Writer
	buf []byte
	err error
}

func (sw *streamWriter) start() {
	sw.buf = append(sw.buf, exportMagic...)
	sw.buf = binary.BigEndian.AppendUint32(sw.buf, ExportVersion)
}

// begin starts a frame of kind; its payload is appended to sw.buf, then
// end is called with the returned offset.
func (sw *streamWriter) begin(kind byte) int {
	at := len(sw.buf)
	sw.buf = append(sw.buf, kind, 0, 0, 0, 0, 0, 0, 0, 0)
	return at
}

// end fills the length and checksum of the frame at offset at, and passes
// the gathered frames on when there are enough of them.
func (sw *streamWriter) end(at int) error {
	f := sw.buf[at:]
	binary.BigEndian.PutUint32(f[1:5], uint32(len(f)-frameHeaderLen))
	binary.BigEndian.PutUint32(f[5:9], frameChecksum(f))
	if len(sw.buf) >= writeBufLen {
		return sw.flush()
	}
	return sw.err
}

func (sw *streamWriter) flush() error {
	if sw.err == nil && len(sw.buf) > 0 {
		_, sw.err = sw.w.Write(sw.buf)
	}
	sw.buf = sw.buf[:0]
	return sw.err
}

// frameChecksum is the CRC32C of a frame's kind, length and payload.
func frameChecksum(f []byte) uint32 {
	c := crc32.Update(0, castagnoli, f[:5])
	return crc32.Update(c, castagnoli, f[frameHeaderLen:])
}

// streamHandler receives what readStream decodes. A record's strings and
// slices alias buffers that change once the call returns.
type streamHandler struct {
	node    func(path string, payload []byte, rec *engine.NodeRecord) error
	session func(id zk.SessionID, timeout int32) error
}

// streamReader reads frames of an uncompressed export stream.
type streamReader struct {
	r      io.Reader
	hdr    [frameHeaderLen]byte
	buf    []byte
	frames int64 // frames read
}

// next returns the next frame, io.EOF at a clean end between frames, and
// otherwise an error wrapping ErrBadStream. The payload aliases a buffer
// reused by the next call.
func (sr *streamReader) next() (byte, []byte, error) {
	if _, err := io.ReadFull(sr.r, sr.hdr[:]); err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		return 0, nil, sr.errorf("frame header: %w", err)
	}
	n := binary.BigEndian.Uint32(sr.hdr[1:5])
	if n > MaxFrameLen {
		return 0, nil, sr.errorf("frame length %d is over the limit of %d", n, MaxFrameLen)
	}
	p, err := sr.read(int(n))
	if err != nil {
		return 0, nil, sr.errorf("frame payload of %d bytes: %w", n, err)
	}
	c := crc32.Update(0, castagnoli, sr.hdr[:5])
	if got, want := crc32.Update(c, castagnoli, p), binary.BigEndian.Uint32(sr.hdr[5:9]); got != want {
		return 0, nil, sr.errorf("checksum mismatch (stored %08x, computed %08x)", want, got)
	}
	sr.frames++
	return sr.hdr[0], p, nil
}

// read reads n bytes. It grows its buffer as the data arrives, so that a
// corrupt length cannot make it allocate much more than the stream holds.
func (sr *streamReader) read(n int) ([]byte, error) {
	b := sr.buf[:0]
	for len(b) < n {
		chunk := min(n-len(b), 1<<20)
		b = slices.Grow(b, chunk)
		m, err := io.ReadFull(sr.r, b[len(b):len(b)+chunk])
		b = b[:len(b)+m]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			sr.buf = b
			return nil, err
		}
	}
	sr.buf = b
	return b, nil
}

func (sr *streamReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: frame %d: %w", ErrBadStream, sr.frames, fmt.Errorf(format, args...))
}

// readStream reads an uncompressed export stream from r, checks it whole
// (magic, version, every frame's checksum and encoding, path order, the
// tree's shape, the trailer's counts, nothing after the trailer) and hands
// its records to h. It returns the header's Meta.
func readStream(r io.Reader, h streamHandler) (Meta, error) {
	var head [8]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return Meta{}, fmt.Errorf("%w: stream header: %w", ErrBadStream, err)
	}
	if string(head[:4]) != exportMagic {
		return Meta{}, fmt.Errorf("%w: magic %q, not %q: not a Paddock export stream", ErrBadStream, head[:4], exportMagic)
	}
	if v := binary.BigEndian.Uint32(head[4:]); v != ExportVersion {
		return Meta{}, fmt.Errorf("%w: export stream version %d; this build reads version %d", ErrUnknownFormat, v, ExportVersion)
	}
	sr := &streamReader{r: r}
	kind, p, err := sr.next()
	if err == io.EOF {
		return Meta{}, sr.errorf("stream ends before its header frame")
	}
	if err != nil {
		return Meta{}, err
	}
	if kind != frameHeader {
		return Meta{}, sr.errorf("first frame is of kind %q, not the header", kind)
	}
	meta := Meta{Format: FormatVersion}
	d := zk.NewDecoder(p)
	decodeMetaFields(&d, &meta)
	if err := d.Finish(); err != nil {
		return Meta{}, sr.errorf("header: %w", err)
	}
	var (
		nodes    int64
		sessions int
		lastPath []byte
		lastID   uint64
		nd       nodeDecoder
		problem  error
	)
	tc := newTreeCheck(func(format string, args ...any) {
		if problem == nil {
			problem = sr.errorf(format, args...)
		}
	})
	for {
		kind, p, err := sr.next()
		if err == io.EOF {
			return Meta{}, sr.errorf("stream ends without its trailer (truncated)")
		}
		if err != nil {
			return Meta{}, err
		}
		switch kind {
		case frameNode:
			if sessions > 0 {
				return Meta{}, sr.errorf("node after sessions")
			}
			d.Reset(p)
			path := d.String()
			if d.Err() != nil {
				return Meta{}, sr.errorf("node path: %w", d.Err())
			}
			if !validPath(path) {
				return Meta{}, sr.errorf("invalid node path %q", path)
			}
			if nodes > 0 && path <= string(lastPath) {
				return Meta{}, sr.errorf("node %q after %q: out of order", path, lastPath)
			}
			payload := p[d.Offset():]
			rec, err := nd.decode(path, payload)
			if err != nil {
				return Meta{}, sr.errorf("node %q: %w", path, err)
			}
			if tc.node(path, rec.NumChildren); problem != nil {
				return Meta{}, problem
			}
			if err := h.node(path, payload, rec); err != nil {
				return Meta{}, err
			}
			lastPath = append(lastPath[:0], path...)
			nodes++
		case frameSession:
			if len(p) != 8+sessionLen {
				return Meta{}, sr.errorf("session frame of %d bytes", len(p))
			}
			id := binary.BigEndian.Uint64(p)
			if sessions > 0 && id <= lastID {
				return Meta{}, sr.errorf("session %s after %s: out of order", zk.SessionID(id), zk.SessionID(lastID))
			}
			if err := h.session(zk.SessionID(id), int32(binary.BigEndian.Uint32(p[8:]))); err != nil {
				return Meta{}, err
			}
			lastID = id
			sessions++
		case frameTrailer:
			d.Reset(p)
			tn, ts := d.Int64(), int(d.Int32())
			if err := d.Finish(); err != nil {
				return Meta{}, sr.errorf("trailer: %w", err)
			}
			if tn != nodes || ts != sessions || tn != meta.Nodes || ts != meta.Sessions {
				return Meta{}, sr.errorf("counts: header says %d nodes and %d sessions, trailer %d and %d, stream holds %d and %d",
					meta.Nodes, meta.Sessions, tn, ts, nodes, sessions)
			}
			if tc.finish(); problem != nil {
				return Meta{}, problem
			}
			if _, _, err := sr.next(); err != io.EOF {
				if err == nil {
					return Meta{}, sr.errorf("data after the trailer")
				}
				return Meta{}, err
			}
			return meta, nil
		default:
			return Meta{}, sr.errorf("unexpected frame kind %q", kind)
		}
	}
}

// Import reads an export stream from r into a new store in cfg.Dir and
// makes it durable. The store must not exist or hold no checkpoint
// (ErrNotEmpty otherwise). Import builds the store in Dir/StoreDir.import,
// then renames it into place and syncs Dir (an empty store that was there
// is swapped out as Replace does): a crash leaves either no store (or the
// empty one that was there) and a leftover import directory, removed by
// the next Import, or the whole imported one. The new store has its own
// DBID; its one checkpoint is the stream's, at the stream's zxid. A stream
// that fails any check is refused with an error wrapping ErrBadStream (or
// ErrUnknownFormat), and nothing is left behind.
//
// REQUIRES: no Store is open on cfg.Dir.
func Import(cfg Config, r io.Reader) (Meta, error) {
	return install(cfg, r, false)
}

// Replace installs the checkpoint in the export stream r as the store in
// cfg.Dir, replacing whatever store is there (with or without
// checkpoints): how a follower installs its leader's checkpoint. Its one
// checkpoint is the stream's, at the stream's zxid (Meta.Checkpoints is 1),
// as with Import.
//
// The new store keeps the DBID of the store it replaces, so that
// dataLogDir stays tied to dataDir (the server records the DBID there);
// when there was no store, it draws its own, as Import does. Replace opens
// the old store to read its DBID: if that fails (ErrCorrupt,
// ErrUnknownFormat, an I/O error), Replace returns the error and changes
// nothing, rather than give dataDir a new identity; remove the damaged
// store by hand to install over it.
//
// Replace reads and checks the whole stream while it builds the new store
// in Dir/StoreDir.import. A stream that fails any check is refused with an
// error wrapping ErrBadStream (or ErrUnknownFormat): the old store is left
// as it was, and no import directory is left behind.
//
// Then it swaps the stores, atomically against crashes: it renames
// Dir/StoreDir to Dir/StoreDir.old and syncs Dir; renames Dir/StoreDir.import
// to Dir/StoreDir and syncs Dir; and removes Dir/StoreDir.old. A crash
// before the first sync leaves the old store in place (and the import
// directory, removed by the next Import or Replace); between the syncs,
// the old store in Dir/StoreDir.old with no Dir/StoreDir, which Open
// renames back; after the second one, the new store in place and perhaps
// what remains of Dir/StoreDir.old, which Open removes. (Import and
// Replace do the same first.) So a crash leaves the old store or the new
// one, whole, never neither. An error during the swap leaves the same
// states; the next Open finds the store, old or new.
//
// REQUIRES: no Store is open on cfg.Dir, and no Open, Import or Replace
// runs on it.
func Replace(cfg Config, r io.Reader) (Meta, error) {
	return install(cfg, r, true)
}

// install is Import (replace false) and Replace (replace true).
func install(cfg Config, r io.Reader, replace bool) (Meta, error) {
	start := time.Now()
	fs, err := prepare(cfg)
	if err != nil {
		return Meta{}, err
	}
	lg := logger(cfg)
	final, tmp := fs.PathJoin(cfg.Dir, StoreDir), fs.PathJoin(cfg.Dir, importDir)
	exists := false
	var dbid *DBID // the DBID the new store keeps; nil: its own
	if _, err := fs.Stat(final); err == nil {
		old, err := open(cfg, fs, final)
		if err != nil {
			return Meta{}, err
		}
		m := old.Meta()
		if err := old.Close(); err != nil {
			return Meta{}, err
		}
		if !replace && m.Checkpoints > 0 {
			return Meta{}, fmt.Errorf("%w: %s holds a checkpoint at %s", ErrNotEmpty, final, m.Zxid)
		}
		if replace {
			dbid = &m.DBID
		}
		exists = true
	}
	m, err := build(cfg, fs, tmp, r, dbid)
	if err != nil {
		return Meta{}, err
	}
	if exists {
		err = swap(fs, lg, cfg.Dir, tmp, final)
	} else if err = fs.Rename(tmp, final); err != nil {
		fs.RemoveAll(tmp)
		err = fmt.Errorf("snapshot: rename %s to %s: %w", tmp, final, err)
	} else {
		err = syncDir(fs, cfg.Dir)
	}
	if err != nil {
		return Meta{}, err
	}
	msg := "checkpoint imported"
	if replace {
		msg = "checkpoint store replaced"
	}
	lg.Info(msg, "dir", final, "zxid", m.Zxid.String(), "nodes", m.Nodes,
		"sessions", m.Sessions, "dbid", m.DBID.String(), "took", time.Since(start))
	return m, nil
}

// build builds in tmp a store holding the checkpoint of the export stream
// r, makes it durable and closes it. The store gets DBID *dbid, or its own
// new one when dbid is nil. On error, tmp is removed.
func build(cfg Config, fs vfs.FS, tmp string, r io.Reader, dbid *DBID) (Meta, error) {
	if err := fs.RemoveAll(tmp); err != nil {
		return Meta{}, fmt.Errorf("snapshot: remove %s: %w", tmp, err)
	}
	st, err := open(cfg, fs, tmp)
	if err != nil {
		fs.RemoveAll(tmp)
		return Meta{}, err
	}
	m, err := st.importStream(r, dbid)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fs.RemoveAll(tmp)
		return Meta{}, err
	}
	return m, nil
}

// swap replaces the store at final, in dir, with the complete one at tmp,
// as Replace describes: final goes to asideDir, tmp to final, and the old
// store is removed. A failure before tmp is in place undoes what it can
// (recoverSwap does the rest at the next Open); once tmp is in place, a
// failure to remove the old store is only logged, as recoverSwap removes
// it.
func swap(fs vfs.FS, lg *slog.Logger, dir, tmp, final string) error {
	// NB: there is no asideDir: recoverSwap removed it, as final exists.
	aside := fs.PathJoin(dir, asideDir)
	if err := fs.Rename(final, aside); err != nil {
		fs.RemoveAll(tmp)
		return fmt.Errorf("snapshot: rename %s to %s: %w", final, aside, err)
	}
	undo := func(err error) error {
		if rerr := fs.Rename(aside, final); rerr != nil {
			lg.Error("checkpoint store: cannot move the old store back; the next Open will",
				"from", aside, "to", final, "err", rerr)
			return err
		}
		if serr := syncDir(fs, dir); serr != nil {
			lg.Error("checkpoint store: moved the old store back but cannot sync its directory", "dir", dir, "err", serr)
		}
		fs.RemoveAll(tmp)
		return err
	}
	if err := syncDir(fs, dir); err != nil {
		return undo(err)
	}
	if err := fs.Rename(tmp, final); err != nil {
		return undo(fmt.Errorf("snapshot: rename %s to %s: %w", tmp, final, err))
	}
	// NB: from here the new store is in place. Until the sync completes, a
	// crash may leave the old one aside alone, which recoverSwap moves
	// back, or the new one in place beside it, which recoverSwap removes.
	if err := syncDir(fs, dir); err != nil {
		return err
	}
	if err := fs.RemoveAll(aside); err != nil {
		lg.Warn("checkpoint store: cannot remove the replaced store; the next Open will", "dir", aside, "err", err)
	}
	return nil
}

// importStream writes the stream into s, a new store, and flushes it. The
// meta record gets DBID *dbid, or keeps s's own when dbid is nil.
func (s *Store) importStream(r io.Reader, dbid *DBID) (Meta, error) {
	zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxWindow))
	if err != nil {
		return Meta{}, fmt.Errorf("snapshot: import: %w", err)
	}
	defer zr.Close()
	b := s.db.NewBatchWithSize(importBatchLen + 64<<10)
	defer func() { b.Close() }()
	commit := func() error {
		if err := b.Commit(pebble.NoSync); err != nil {
			return fmt.Errorf("snapshot: import: %w", err)
		}
		b.Close()
		b = s.db.NewBatchWithSize(importBatchLen + 64<<10)
		return nil
	}
	var key []byte
	var val [valueHeaderLen + sessionLen]byte
	// NB: batches committed along the way may be flushed before the meta
	// record is written; that is fine, as the store is renamed into place
	// only once complete.
	hdr, err := readStream(&streamErrReader{zr}, streamHandler{
		node: func(path string, payload []byte, _ *engine.NodeRecord) error {
			op := b.SetDeferred(1+len(path), valueHeaderLen+len(payload))
			appendNodeKey(op.Key[:0], path)
			copy(op.Value[valueHeaderLen:], payload)
			sealValue(op.Key, op.Value)
			op.Finish()
			if b.Len() >= importBatchLen {
				return commit()
			}
			return nil
		},
		session: func(id zk.SessionID, timeout int32) error {
			key = appendSessionKey(key[:0], id)
			appendSessionPayload(val[:valueHeaderLen], timeout)
			sealValue(key, val[:])
			b.Set(key, val[:], nil)
			return nil
		},
	})
	if err != nil {
		return Meta{}, err
	}
	m := s.Meta()
	m.Zxid, m.Nodes, m.Sessions, m.Checkpoints = hdr.Zxid, hdr.Nodes, hdr.Sessions, 1
	if dbid != nil {
		m.DBID = *dbid
	}
	b.Set(metaKey, appendValue(nil, metaKey, appendMetaPayload(nil, &m)), nil)
	if err := commit(); err != nil {
		return Meta{}, err
	}
	if err := s.flush(); err != nil {
		return Meta{}, err
	}
	return m, nil
}

// streamErrReader labels the errors of the zstd reader (a corrupt or
// truncated compressed stream); readStream wraps them with ErrBadStream.
type streamErrReader struct{ r io.Reader }

func (e *streamErrReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("zstd: %w", err)
	}
	return n, err
}
