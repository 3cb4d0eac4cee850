package txnlog

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Defaults for Config's zero values.
const (
	DefaultSegmentSize  = 64 << 20
	DefaultPreAllocSize = 64 << 20
	DefaultSlowSync     = time.Second
)

// Buffer sizes of the group-commit pipeline.
const (
	initialBatchBuf = 64 << 10
	// maxKeptBatchBuf: a batch buffer that grew past this during a burst is
	// left to the garbage collector instead of being reused.
	maxKeptBatchBuf = 8 << 20
)

// Config configures a Log.
type Config struct {
	// Dir is the log directory (zoo.cfg dataLogDir). Required.
	Dir string
	// FS does all the I/O; nil means OSFS().
	FS FS
	// Logger; nil means discard.
	Logger *slog.Logger
	// SegmentSize: the log moves to a new segment once the current one has
	// grown past this many bytes (between batches). 0 means
	// DefaultSegmentSize.
	SegmentSize int64
	// PreAllocSize: segments are preallocated to this size, ahead of time,
	// in the background (zoo.cfg preAllocSize). 0 means
	// DefaultPreAllocSize; negative disables preallocation.
	PreAllocSize int64
	// NoSync (zoo.cfg forceSync=no): write but never fsync. Records are
	// reported durable once written to the OS. The caller logs it loudly.
	// Open's recovery still syncs what it repairs.
	NoSync bool
	// SlowSync (fsync.warningthresholdms): a slower fsync is logged with
	// ZooKeeper's warning and counted in Stats.SlowSyncs. 0 means
	// DefaultSlowSync; negative never warns.
	SlowSync time.Duration
	// OnDurable is called by the log's sync goroutine, in order, after each
	// batch of appends is durable (written and fsynced, or written when
	// NoSync), with the highest durable index. When a write or fsync fails
	// it is called once with the error (and the highest index that was
	// durable before it); the log then refuses every further Append. It is
	// never called concurrently with itself.
	// NB: it runs on the commit pipeline: while it runs no batch is written.
	// It may call Append; it must not call Close or block on WaitDurable.
	OnDurable func(index uint64, err error)
	// OnBatch, if set, is called by the sync goroutine after each batch is
	// durable, before OnDurable, with the number of records in the batch
	// and how long its fdatasync took (0 when NoSync): the figures behind
	// fsync-latency and group-commit metrics. It must be quick.
	OnBatch func(records int, sync time.Duration)
}

// Stats are the log's counters, for metrics. Durations are of fdatasync
// calls on segments.
type Stats struct {
	Appends     uint64 // records accepted by Append
	AppendBytes uint64 // their data bytes

	Batches          uint64 // group-commit batches: one write and one fsync each
	BatchRecords     uint64 // records written by them; BatchRecords/Batches is the mean batch
	LastBatchRecords uint64
	MaxBatchRecords  uint64
	BytesWritten     uint64 // frame and header bytes written

	Syncs     uint64 // fdatasync calls on segments (directory syncs not included)
	SyncDirs  uint64 // directory fsyncs
	SlowSyncs uint64 // fdatasyncs slower than Config.SlowSync
	LastSync  time.Duration
	MaxSync   time.Duration
	TotalSync time.Duration // TotalSync/Syncs is the mean

	Rolls           uint64 // segments created
	RollsUnprepared uint64 // rolls that found no preallocated file ready and created one inline

	LastIndex    uint64 // last index appended (or recovered)
	DurableIndex uint64 // highest index known durable
	PendingBytes int    // encoded bytes waiting for the next batch
	Segments     int    // segment files in the log
}

// RecoveryInfo reports what Open found and repaired.
type RecoveryInfo struct {
	FirstIndex uint64 // first record in the log; 0 if it holds none
	LastIndex  uint64 // last record; 0 if none
	Records    int64
	Segments   int
	// TornTail is set when the last segment ended in a torn tail: it was
	// truncated at TruncatedAt (removed altogether when no record was left
	// in it) and the cut bytes were kept in BrokenCopy.
	TornTail      bool
	TruncatedAt   int64
	TruncatedFile string
	BrokenCopy    string // "" when there were no bytes to keep
	TornReason    string
}

// liveSegment is a segment of an open log.
type liveSegment struct {
	name        string // base name
	first, last uint64 // last is 0 while it holds no record
}

// Log is the write-ahead log of one directory. It is safe for concurrent
// use, but Append's indexes must increase in call order, so callers
// serialize Append themselves (they assign the indexes).
type Log struct {
	cfg Config
	fs  FS
	lg  *slog.Logger
	dir string

	mu sync.Mutex
	// work wakes the sync goroutine: records pending, or closing.
	work *sync.Cond
	// durableCond wakes WaitDurable callers.
	durableCond *sync.Cond
	// pending holds headerSize reserved bytes (the header of a new
	// segment, if this batch starts one) followed by the encoded frames
	// of the next batch.
	pending                   []byte
	pendingFirst, pendingLast uint64
	pendingN                  uint64
	free                      []byte // a spare batch buffer handed back by the sync goroutine
	lastIndex                 uint64
	durable                   uint64
	appended                  bool
	closing                   bool
	syncExited                bool
	err                       error // sticky: the first write or fsync error
	segs                      []liveSegment
	stats                     Stats

	// Owned by the sync goroutine.
	cur     File
	curPath string
	curSize int64

	prealloc *preallocator
	syncDone chan struct{}
	purgeMu  sync.Mutex
}

// Open opens the log in cfg.Dir, creating the directory if needed, and
// recovers it: every segment is read and checked.
//
//   - A clean end (EOF or zeros after the last record) needs nothing.
//   - A torn tail of the last segment (a record cut short, or a bad record
//     with no valid record after it) is truncated: the cut bytes are kept
//     as <segment>.broken, the segment is synced, and RecoveryInfo says
//     so.
//   - Anything else bad (a checksum failure before the tail, in a segment
//     other than the last, an index out of order) makes Open fail with a
//     *CorruptionError wrapping ErrCorrupt: file, offset and last good
//     index, and the advice to run `paddock log verify`.
//
// Open then syncs the last segment and the directory, so every record it
// recovered is durable (a previous process may have died before its
// fsync), and starts the sync and preallocation goroutines. Appends go to
// a new segment, started by the first batch.
func Open(cfg Config) (*Log, RecoveryInfo, error) {
	var info RecoveryInfo
	if cfg.Dir == "" {
		return nil, info, errors.New("txnlog: Config.Dir is empty")
	}
	if cfg.FS == nil {
		cfg.FS = OSFS()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SegmentSize <= 0 {
		cfg.SegmentSize = DefaultSegmentSize
	}
	if cfg.PreAllocSize == 0 {
		cfg.PreAllocSize = DefaultPreAllocSize
	}
	if cfg.SlowSync == 0 {
		cfg.SlowSync = DefaultSlowSync
	}
	l := &Log{cfg: cfg, fs: cfg.FS, lg: cfg.Logger, dir: filepath.Clean(cfg.Dir)}
	segs, err := l.recover(&info)
	if err != nil {
		return nil, info, err
	}
	l.segs = segs
	l.lastIndex = info.LastIndex
	l.durable = info.LastIndex
	l.work = sync.NewCond(&l.mu)
	l.durableCond = sync.NewCond(&l.mu)
	l.pending = make([]byte, headerSize, initialBatchBuf)
	l.syncDone = make(chan struct{})
	l.prealloc = newPreallocator(l.fs, l.dir, cfg.PreAllocSize, l.lg)
	go l.prealloc.run()
	go l.syncLoop()
	return l, info, nil
}

// recover checks the directory and repairs a torn tail; see Open.
func (l *Log) recover(info *RecoveryInfo) ([]liveSegment, error) {
	if err := l.mkdir(); err != nil {
		return nil, err
	}
	_, tmps, err := listSegments(l.fs, l.dir)
	if err != nil {
		return nil, err
	}
	for _, t := range tmps {
		// A prepared segment never renamed: it holds no durable record.
		if err := l.fs.Remove(filepath.Join(l.dir, t)); err != nil {
			return nil, fmt.Errorf("txnlog: remove %s: %w", t, err)
		}
	}
	states, torn, err := checkDir(l.fs, l.dir, 0, nil)
	if err != nil {
		return nil, err
	}
	if torn != nil {
		last := states[len(states)-1]
		if err := l.repairTornTail(last, torn, info); err != nil {
			return nil, err
		}
		if last.scan.records == 0 {
			states = states[:len(states)-1]
		}
	} else if n := len(states); n > 0 && states[n-1].scan.records == 0 {
		// A header and nothing else: the first batch of the segment never
		// reached the disk. Its name could claim an index that a later
		// append will not use, so it goes.
		path := filepath.Join(l.dir, states[n-1].name)
		l.lg.Info("txnlog: removing empty last segment", "file", path)
		if err := l.fs.Remove(path); err != nil {
			return nil, fmt.Errorf("txnlog: remove %s: %w", path, err)
		}
		states = states[:n-1]
	}
	segs := make([]liveSegment, 0, len(states))
	for _, s := range states {
		segs = append(segs, liveSegment{name: s.name, first: s.first, last: s.scan.last})
		if s.scan.records > 0 {
			if info.FirstIndex == 0 {
				info.FirstIndex = s.first
			}
			info.LastIndex = s.scan.last
			info.Records += s.scan.records
		}
	}
	info.Segments = len(segs)
	// Make what we recovered durable: the last segment may hold bytes a
	// dead process wrote but never synced, and names may be unsynced too.
	if n := len(segs); n > 0 {
		path := filepath.Join(l.dir, segs[n-1].name)
		f, err := l.fs.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("txnlog: open %s: %w", path, err)
		}
		err = f.Sync()
		if size, serr := f.Size(); serr == nil && err == nil {
			// A dead process leaves its segment's preallocation behind.
			releasePrealloc(f, size, path, l.lg)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("txnlog: sync %s: %w", path, err)
		}
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		return nil, fmt.Errorf("txnlog: sync directory %s: %w", l.dir, err)
	}
	if info.Segments > 0 {
		l.lg.Info("txnlog: recovered", "dir", l.dir, "segments", info.Segments, "records", info.Records,
			"first", info.FirstIndex, "last", info.LastIndex)
	}
	return segs, nil
}

// mkdir creates the log directory if needed, and then syncs the parent of
// every directory it created, so the directory itself survives a crash.
func (l *Log) mkdir() error {
	var missing []string
	for d := l.dir; ; d = filepath.Dir(d) {
		if _, err := l.fs.ReadDir(d); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := l.fs.MkdirAll(l.dir, 0o755); err != nil {
		return fmt.Errorf("txnlog: create %s: %w", l.dir, err)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := l.fs.SyncDir(filepath.Dir(missing[i])); err != nil {
			return fmt.Errorf("txnlog: sync directory %s: %w", filepath.Dir(missing[i]), err)
		}
	}
	return nil
}

// repairTornTail keeps a copy of the torn bytes, then truncates the segment
// at the torn record (or removes it when no record is left), durably and in
// that order, so a crash during repair loses nothing.
func (l *Log) repairTornTail(s segmentState, torn *CorruptionError, info *RecoveryInfo) error {
	path := filepath.Join(l.dir, s.name)
	info.TornTail = true
	info.TruncatedAt = torn.Offset
	info.TruncatedFile = path
	info.TornReason = torn.Reason
	f, err := l.fs.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("txnlog: open %s: %w", path, err)
	}
	defer f.Close()
	if s.scan.size > torn.Offset {
		broken, err := l.keepBroken(f, path, torn.Offset, s.scan.size)
		if err != nil {
			return err
		}
		info.BrokenCopy = broken
	}
	l.lg.Warn("txnlog: truncating torn tail of the log",
		"file", path, "offset", torn.Offset, "cut_bytes", s.scan.size-torn.Offset,
		"last_index", torn.LastIndex, "reason", torn.Reason, "broken_copy", info.BrokenCopy)
	if s.scan.records == 0 {
		if err := l.fs.Remove(path); err != nil {
			return fmt.Errorf("txnlog: remove %s: %w", path, err)
		}
		return nil // the caller syncs the directory
	}
	if err := f.Truncate(torn.Offset); err != nil {
		return fmt.Errorf("txnlog: truncate %s at %d: %w", path, torn.Offset, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("txnlog: sync %s: %w", path, err)
	}
	return nil
}

// keepBroken durably copies f's bytes [from, to) to a new file next to it
// and returns its path: <segment>.broken, or .broken.N if that exists.
func (l *Log) keepBroken(f File, path string, from, to int64) (string, error) {
	names, err := l.fs.ReadDir(l.dir)
	if err != nil {
		return "", fmt.Errorf("txnlog: list %s: %w", l.dir, err)
	}
	base := filepath.Base(path) + brokenSuffix
	name := base
	for i := 1; slices.Contains(names, name); i++ {
		name = fmt.Sprintf("%s.%d", base, i)
	}
	dst := filepath.Join(l.dir, name)
	tmp := dst + tmpSuffix
	out, err := l.fs.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return "", fmt.Errorf("txnlog: create %s: %w", tmp, err)
	}
	buf := make([]byte, min(readChunk, to-from))
	for off := from; off < to; {
		n := int(min(int64(len(buf)), to-off))
		if _, err := f.ReadAt(buf[:n], off); err != nil {
			out.Close()
			return "", fmt.Errorf("txnlog: read %s: %w", path, err)
		}
		if _, err := out.WriteAt(buf[:n], off-from); err != nil {
			out.Close()
			return "", fmt.Errorf("txnlog: write %s: %w", tmp, err)
		}
		off += int64(n)
	}
	err = out.Sync()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("txnlog: sync %s: %w", tmp, err)
	}
	if err := l.fs.Rename(tmp, dst); err != nil {
		return "", fmt.Errorf("txnlog: rename %s: %w", tmp, err)
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		return "", fmt.Errorf("txnlog: sync directory %s: %w", l.dir, err)
	}
	return dst, nil
}

// Replay calls fn for every record with index > after, in order; data is
// valid only during the call. It stops at the first error fn returns.
// REQUIRES: no Append yet (it returns ErrReplayAfterAppend), and no
// concurrent PurgeBefore.
func (l *Log) Replay(after uint64, fn func(index uint64, data []byte) error) error {
	l.mu.Lock()
	if l.appended {
		l.mu.Unlock()
		return ErrReplayAfterAppend
	}
	segs := slices.Clone(l.segs)
	l.mu.Unlock()
	var prevLast uint64
	w := &window{}
	for _, s := range segs {
		if s.last <= after {
			prevLast = max(prevLast, s.last)
			continue
		}
		path := filepath.Join(l.dir, s.name)
		f, err := l.fs.OpenFile(path, os.O_RDONLY, 0)
		if err != nil {
			return fmt.Errorf("txnlog: open %s: %w", path, err)
		}
		size, err := f.Size()
		if err != nil {
			f.Close()
			return fmt.Errorf("txnlog: size of %s: %w", path, err)
		}
		*w = window{f: f, size: size, buf: w.buf[:0]}
		var fnErr error
		scan, err := scanSegment(w, s.first, prevLast, after, func(_ int64, index uint64, data []byte) error {
			fnErr = fn(index, data)
			return fnErr
		})
		f.Close()
		switch {
		case fnErr != nil:
			return fnErr
		case err != nil:
			return fmt.Errorf("txnlog: read %s: %w", path, err)
		case scan.bad != nil:
			// Open checked this segment; it changed since.
			return &CorruptionError{File: path, Offset: scan.bad.off, LastIndex: max(prevLast, scan.last), Reason: scan.bad.reason}
		case scan.last != s.last:
			return &CorruptionError{File: path, Offset: scan.end, LastIndex: scan.last,
				Reason: fmt.Sprintf("segment ends at index %d, it ended at %d when the log was opened", scan.last, s.last)}
		}
		prevLast = max(prevLast, s.last)
	}
	return nil
}

// LastIndex returns the index of the last record appended, or recovered
// by Open; 0 for an empty log.
func (l *Log) LastIndex() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastIndex
}

// DurableIndex returns the highest index known durable.
func (l *Log) DurableIndex() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.durable
}

// Append queues one record for the group commit and returns at once: it
// never waits for the disk. data is copied before Append returns. The
// record is durable once OnDurable reports an index >= index (or
// WaitDurable(index) returns nil).
// REQUIRES: index > every earlier index (ErrIndexOrder otherwise); the
// caller serializes its Appends.
// It returns ErrClosed after Close, and the sticky error after a write or
// fsync failed.
func (l *Log) Append(index uint64, data []byte) error {
	if len(data) > MaxRecordSize {
		return fmt.Errorf("%w: index %d has %d bytes, the limit is %d", ErrRecordTooLarge, index, len(data), MaxRecordSize)
	}
	crc := recordCRC(index, data) // outside the mutex
	l.mu.Lock()
	switch {
	case l.closing:
		l.mu.Unlock()
		return ErrClosed
	case l.err != nil:
		err := l.err
		l.mu.Unlock()
		return err
	case index <= l.lastIndex:
		last := l.lastIndex
		l.mu.Unlock()
		return fmt.Errorf("%w: index %d after %d", ErrIndexOrder, index, last)
	}
	l.pending = appendFrameCRC(l.pending, index, data, crc)
	if l.pendingN == 0 {
		l.pendingFirst = index
		l.work.Signal()
	}
	l.pendingN++
	l.pendingLast = index
	l.lastIndex = index
	l.appended = true
	l.stats.Appends++
	l.stats.AppendBytes += uint64(len(data))
	l.mu.Unlock()
	return nil
}

// WaitDurable blocks until the record with this index (and every earlier
// one) is durable, and returns nil; or returns the log's sticky error, or
// ErrClosed if the log was closed before it became durable.
// REQUIRES: index was appended (or recovered).
func (l *Log) WaitDurable(index uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if index > l.lastIndex {
		return fmt.Errorf("txnlog: WaitDurable(%d): the last index appended is %d", index, l.lastIndex)
	}
	for l.durable < index && l.err == nil && !l.syncExited {
		l.durableCond.Wait()
	}
	switch {
	case l.durable >= index:
		return nil
	case l.err != nil:
		return l.err
	}
	return ErrClosed
}

// syncLoop is the log's one sync goroutine: it takes the whole pending
// batch, writes it with one write call, fsyncs once and reports it
// durable. While it writes and syncs, new appends accumulate into the
// other buffer, so under load many records share one fdatasync (group
// commit, as in pebble's LogWriter).
func (l *Log) syncLoop() {
	defer func() {
		l.mu.Lock()
		l.syncExited = true
		l.durableCond.Broadcast()
		l.mu.Unlock()
		close(l.syncDone)
	}()
	for {
		l.mu.Lock()
		for l.pendingN == 0 && !l.closing {
			l.work.Wait()
		}
		if l.pendingN == 0 {
			l.mu.Unlock()
			return // closing, and everything queued is durable
		}
		b, first, last, n := l.pending, l.pendingFirst, l.pendingLast, l.pendingN
		l.pending = l.free
		if l.pending == nil {
			l.pending = make([]byte, headerSize, initialBatchBuf)
		}
		l.free = nil
		l.pendingN = 0
		l.mu.Unlock()

		bs, err := l.writeBatch(b, first)
		if err != nil {
			l.fail(err)
			return
		}

		l.mu.Lock()
		l.durable = last
		if bs.rolled {
			l.segs = append(l.segs, liveSegment{name: filepath.Base(l.curPath), first: first, last: last})
		} else {
			l.segs[len(l.segs)-1].last = last
		}
		st := &l.stats
		st.Batches++
		st.BatchRecords += n
		st.LastBatchRecords = n
		st.MaxBatchRecords = max(st.MaxBatchRecords, n)
		st.BytesWritten += uint64(len(b) - headerSize)
		if bs.rolled {
			st.BytesWritten += headerSize
			st.Rolls++
			if !l.cfg.NoSync {
				st.SyncDirs++
			}
			if !bs.prepared {
				st.RollsUnprepared++
			}
		}
		if bs.synced {
			st.Syncs++
			st.LastSync = bs.d
			st.MaxSync = max(st.MaxSync, bs.d)
			st.TotalSync += bs.d
			if bs.slow {
				st.SlowSyncs++
			}
		}
		if cap(b) <= maxKeptBatchBuf {
			l.free = b[:headerSize]
		}
		l.durableCond.Broadcast()
		l.mu.Unlock()
		if l.cfg.OnBatch != nil {
			var d time.Duration
			if bs.synced {
				d = bs.d
			}
			l.cfg.OnBatch(int(n), d)
		}
		if l.cfg.OnDurable != nil {
			l.cfg.OnDurable(last, nil)
		}
	}
}

// batchSync is what writing one batch did, for Stats.
type batchSync struct {
	rolled, prepared, synced, slow bool
	d                              time.Duration
}

// writeBatch writes b (headerSize reserved bytes, then frames) and makes it
// durable. It starts a new segment first when there is none yet or the
// current one is full: the header goes into b's reserved bytes, and the
// file, prepared ahead under a temporary name, is written, synced, renamed
// and its directory synced, so a segment name never exists on disk without
// its header and first batch.
func (l *Log) writeBatch(b []byte, first uint64) (bs batchSync, err error) {
	if l.cur != nil && l.curSize < l.cfg.SegmentSize {
		if _, err := l.cur.WriteAt(b[headerSize:], l.curSize); err != nil {
			return bs, fmt.Errorf("txnlog: write %s at %d: %w", l.curPath, l.curSize, err)
		}
		l.curSize += int64(len(b) - headerSize)
		return l.syncCur(bs)
	}
	f, tmp, prepared, err := l.prealloc.take()
	if err != nil {
		return bs, fmt.Errorf("txnlog: create segment: %w", err)
	}
	bs.rolled, bs.prepared = true, prepared
	putHeader(b[:headerSize], first)
	if _, err := f.WriteAt(b, 0); err != nil {
		f.Close()
		return bs, fmt.Errorf("txnlog: write %s: %w", tmp, err)
	}
	path := filepath.Join(l.dir, segmentName(first))
	old, oldPath, oldSize := l.cur, l.curPath, l.curSize
	l.cur, l.curPath, l.curSize = f, path, int64(len(b))
	// NB: the data is synced under the temporary name and only then renamed:
	// the rename, once durable, publishes a complete header and batch.
	if bs, err = l.syncCur(bs); err != nil {
		return bs, err
	}
	if err := l.fs.Rename(tmp, path); err != nil {
		return bs, fmt.Errorf("txnlog: rename %s to %s: %w", tmp, path, err)
	}
	if !l.cfg.NoSync {
		if err := l.fs.SyncDir(l.dir); err != nil {
			return bs, fmt.Errorf("txnlog: sync directory %s: %w", l.dir, err)
		}
	}
	if old != nil {
		releasePrealloc(old, oldSize, oldPath, l.lg)
		// Already synced by its last batch; a close error loses nothing.
		if err := old.Close(); err != nil {
			l.lg.Warn("txnlog: closing full segment", "file", oldPath, "err", err)
		}
	}
	l.lg.Debug("txnlog: new segment", "file", path, "prepared", prepared)
	return bs, nil
}

// syncCur fdatasyncs the current segment (unless NoSync), timing it.
// NB: a failed fsync is returned, never retried: after a failure Linux may
// have dropped the dirty pages and cleared the error, so a second fsync
// can succeed with the data lost ("fsyncgate", PostgreSQL 2018; Rebello et
// al., "Can Applications Recover from fsync Failures?", USENIX ATC 2020).
func (l *Log) syncCur(bs batchSync) (batchSync, error) {
	if l.cfg.NoSync {
		return bs, nil
	}
	start := time.Now()
	err := l.cur.Sync()
	bs.d = time.Since(start)
	bs.synced = true
	if err != nil {
		return bs, fmt.Errorf("txnlog: fsync %s: %w", l.curPath, err)
	}
	if l.cfg.SlowSync > 0 && bs.d > l.cfg.SlowSync {
		bs.slow = true
		l.lg.Warn(fmt.Sprintf("fsync-ing the write ahead log in SyncThread:0 took %dms which will adversely effect operation latency. File size is %d bytes. See the ZooKeeper troubleshooting guide",
			bs.d.Milliseconds(), l.curSize), "file", l.curPath)
	}
	return bs, nil
}

// fail records the first write or fsync error, drops what is queued and
// reports the error once.
func (l *Log) fail(err error) {
	l.mu.Lock()
	l.err = err
	durable := l.durable
	l.pending = l.pending[:headerSize]
	l.pendingN = 0
	l.durableCond.Broadcast()
	l.mu.Unlock()
	l.lg.Error("txnlog: write-ahead log failed; it accepts no more writes", "err", err, "durable_index", durable)
	if l.cfg.OnDurable != nil {
		l.cfg.OnDurable(durable, err)
	}
}

// Err returns the sticky write or fsync error, or nil.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Close waits until every record appended before it is durable (or the
// log has failed), then stops the goroutines and closes the files. It
// returns the sticky error if the log failed; later Appends return
// ErrClosed. A second Close returns ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closing = true
	l.work.Signal()
	l.mu.Unlock()
	<-l.syncDone
	l.prealloc.close()
	var err error
	if l.cur != nil {
		releasePrealloc(l.cur, l.curSize, l.curPath, l.lg)
		if cerr := l.cur.Close(); cerr != nil {
			err = fmt.Errorf("txnlog: close %s: %w", l.curPath, cerr)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	return err
}

// Stats returns a snapshot of the log's counters.
func (l *Log) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.LastIndex = l.lastIndex
	s.DurableIndex = l.durable
	s.PendingBytes = len(l.pending) - headerSize
	s.Segments = len(l.segs)
	return s
}

// PurgeBefore removes, oldest first, the segments all of whose records
// have an index below keep: never the segment holding keep, nor the last
// (current) segment. It returns the paths removed; on an error, those
// removed before it. Safe to call concurrently with Append.
func (l *Log) PurgeBefore(keep uint64) (removed []string, err error) {
	l.purgeMu.Lock()
	defer l.purgeMu.Unlock()
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return nil, ErrClosed
	}
	var victims []string
	// Segment i holds indexes below segs[i+1].first.
	for i := 0; i+1 < len(l.segs) && l.segs[i+1].first <= keep; i++ {
		victims = append(victims, l.segs[i].name)
	}
	l.mu.Unlock()
	for _, v := range victims {
		path := filepath.Join(l.dir, v)
		if err = l.fs.Remove(path); err != nil {
			err = fmt.Errorf("txnlog: purge %s: %w", path, err)
			break
		}
		removed = append(removed, path)
	}
	if len(removed) > 0 {
		l.mu.Lock()
		l.segs = slices.Delete(l.segs, 0, len(removed))
		l.mu.Unlock()
		if !l.cfg.NoSync {
			if serr := l.fs.SyncDir(l.dir); serr != nil && err == nil {
				err = fmt.Errorf("txnlog: sync directory %s: %w", l.dir, serr)
			}
		}
		l.lg.Info("txnlog: purged segments", "count", len(removed), "keep", keep)
	}
	return removed, err
}

// preallocator keeps the next segment file ready: created under a
// temporary name and preallocated, in the background, so a roll finds it
// ready and never waits for fallocate.
type preallocator struct {
	fs   FS
	dir  string
	size int64 // 0 or negative: create only
	lg   *slog.Logger

	mu        sync.Mutex
	ready     File
	readyName string
	seq       uint64
	stopped   bool

	want chan struct{}
	stop chan struct{}
	done chan struct{}
}

func newPreallocator(fs FS, dir string, size int64, lg *slog.Logger) *preallocator {
	return &preallocator{fs: fs, dir: dir, size: size, lg: lg,
		want: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

func (p *preallocator) run() {
	defer close(p.done)
	for {
		p.prepare()
		select {
		case <-p.want:
		case <-p.stop:
			return
		}
	}
}

func (p *preallocator) nextName() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.seq
	p.seq++
	return filepath.Join(p.dir, fmt.Sprintf("%s%d%s", preallocPrefix, n, tmpSuffix))
}

func (p *preallocator) create(name string, alloc bool) (File, error) {
	f, err := p.fs.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	if alloc && p.size > 0 {
		if err := f.Preallocate(p.size); err != nil {
			f.Close()
			p.fs.Remove(name)
			return nil, err
		}
	}
	return f, nil
}

// prepare makes a file ready if none is. Failures are only logged: the
// next roll creates its file inline, and an error there stops the log.
func (p *preallocator) prepare() {
	p.mu.Lock()
	busy := p.ready != nil || p.stopped
	p.mu.Unlock()
	if busy {
		return
	}
	name := p.nextName()
	f, err := p.create(name, true)
	if err != nil {
		p.lg.Warn("txnlog: preparing the next segment failed", "file", name, "err", err)
		return
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		f.Close()
		p.fs.Remove(name)
		return
	}
	p.ready, p.readyName = f, name
	p.mu.Unlock()
}

// take returns the prepared file, or creates one (not preallocated) when
// none is ready, and asks for the next.
func (p *preallocator) take() (f File, name string, prepared bool, err error) {
	p.mu.Lock()
	f, name = p.ready, p.readyName
	p.ready, p.readyName = nil, ""
	p.mu.Unlock()
	select {
	case p.want <- struct{}{}:
	default:
	}
	if f != nil {
		return f, name, true, nil
	}
	name = p.nextName()
	f, err = p.create(name, false)
	return f, name, false, err
}

// close stops the goroutine and removes a prepared file nobody took.
func (p *preallocator) close() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	close(p.stop)
	<-p.done
	if p.ready != nil {
		p.ready.Close()
		p.fs.Remove(p.readyName)
		p.ready = nil
	}
}

// releasePrealloc gives back the space preallocated past the end of a
// segment that will not be written again: a segment is preallocated with
// KEEP_SIZE, and truncating it to its own size frees the blocks past EOF
// (ext4, xfs). Otherwise every finished segment, and every restart, would
// keep PreAllocSize of disk until purged. Failure only costs space.
func releasePrealloc(f File, size int64, path string, lg *slog.Logger) {
	if err := f.Truncate(size); err != nil {
		lg.Warn("txnlog: releasing preallocated space", "file", path, "err", err)
	}
}
