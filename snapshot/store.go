package snapshot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/zk"
)

// StoreDir is the name of the store's directory inside Config.Dir: the
// Pebble database. Never change.
const StoreDir = "paddock.db"

// importDir is where Import and Replace build a store before renaming it
// to StoreDir.
const importDir = StoreDir + ".import"

// asideDir is where Replace moves the store it replaces while it renames
// the new one into place: if it is found with no StoreDir beside it, the
// swap did not complete and it is the store; if StoreDir is there too, the
// swap completed and it is garbage. See recoverSwap.
const asideDir = StoreDir + ".old"

// DefaultMemTableSize is the Pebble memtable size when Config.MemTableSize
// is 0. A checkpoint batch larger than half of it is handed to Pebble as a
// flushable batch instead of being copied into the memtable.
const DefaultMemTableSize = 32 << 20

// pebbleFormat is the Pebble format major version new stores are created
// with and old ones ratcheted to. Raise it deliberately, with a Pebble
// upgrade: a store cannot go back to an older Pebble afterwards.
const pebbleFormat = pebble.FormatValueSeparation

// Config configures a Store.
type Config struct {
	// Dir is dataDir. The store is the Pebble database in Dir/StoreDir;
	// Import and Replace build a new one in Dir/StoreDir.import first, and
	// Replace moves the old one to Dir/StoreDir.old while it swaps them.
	Dir string
	// Logger receives the store's messages, and Pebble's at debug level
	// (its errors at error level); nil discards.
	Logger *slog.Logger
	// MemTableSize is Pebble's memtable size in bytes; 0 means
	// DefaultMemTableSize.
	MemTableSize int

	// fs is the filesystem: nil means the OS. Tests set it (export_test.go)
	// to a crashable in-memory filesystem or an error-injecting one.
	fs vfs.FS
	// afterCommit, if set, runs in Write between the batch commit and the
	// flush: tests simulate a crash there.
	afterCommit func()
}

// Store is the checkpoint store: a Pebble database holding the DataTree
// and the session table as of the last checkpoint. See doc.go.
//
// A Store is safe for concurrent use, with one restriction: Write calls are
// serialized (a second one waits for the first). Load, Walk, Verify and
// Export read a point-in-time view and may run while Write goes on; Close
// waits for all of them.
type Store struct {
	cfg  Config
	lg   *slog.Logger
	fs   vfs.FS
	path string // Dir/StoreDir (or the import directory)
	db   *pebble.DB

	// life is held shared by every operation and exclusively by Close.
	life   sync.RWMutex
	closed bool // under life

	// writeMu serializes Write.
	writeMu sync.Mutex
	// sessions is the session table of the last durable checkpoint, so
	// that Write stores only what changed. Under writeMu.
	sessions map[zk.SessionID]int32
	keyBuf   []byte  // under writeMu
	order    []int32 // under writeMu

	mu     sync.Mutex
	meta   Meta          // the last durable checkpoint; under mu
	err    error         // sticky failure, wrapping ErrFailed; under mu
	failed chan struct{} // closed when err is set
}

// Open opens the store in cfg.Dir, creating it if missing. It refuses a
// store of a format version it does not know (ErrUnknownFormat) and one
// whose meta record or session table fails its checks (ErrCorrupt). Open
// reads the meta record and the session table, not the nodes: it takes
// milliseconds whatever the tree's size. It first completes or undoes a
// swap that a crash interrupted in Replace (see recoverSwap).
//
// REQUIRES: no Import or Replace runs on cfg.Dir.
func Open(cfg Config) (*Store, error) {
	fs, err := prepare(cfg)
	if err != nil {
		return nil, err
	}
	return open(cfg, fs, fs.PathJoin(cfg.Dir, StoreDir))
}

// prepare checks cfg, creates cfg.Dir if missing and recovers from an
// interrupted Replace: what Open, Import and Replace do first. It returns
// the filesystem.
func prepare(cfg Config) (vfs.FS, error) {
	if cfg.Dir == "" {
		return nil, errors.New("snapshot: Config.Dir is empty")
	}
	fs := cfg.fs
	if fs == nil {
		fs = vfs.Default
	}
	if err := makeDir(fs, cfg.Dir); err != nil {
		return nil, err
	}
	if err := recoverSwap(fs, logger(cfg), cfg.Dir); err != nil {
		return nil, err
	}
	return fs, nil
}

// logger returns cfg's logger, or one that discards.
func logger(cfg Config) *slog.Logger {
	if cfg.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return cfg.Logger
}

// recoverSwap finishes what a crash interrupted in Replace's swap (see
// swap), from what dir holds:
//
//   - no Dir/StoreDir.old: no swap was interrupted (or it had removed the
//     old store whole); nothing to do.
//   - Dir/StoreDir.old and no Dir/StoreDir: the old store had been moved
//     aside, the new one not renamed into place. The old store is renamed
//     back to Dir/StoreDir. (The new one, complete or not, stays in the
//     import directory, which the next Import or Replace removes.)
//   - both: the new store had been renamed into place; the old one is
//     removed (it may have been removed in part already).
func recoverSwap(fs vfs.FS, lg *slog.Logger, dir string) error {
	store, aside := fs.PathJoin(dir, StoreDir), fs.PathJoin(dir, asideDir)
	if _, err := fs.Stat(aside); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("snapshot: stat %s: %w", aside, err)
	}
	_, err := fs.Stat(store)
	switch {
	case err == nil:
		if err := fs.RemoveAll(aside); err != nil {
			return fmt.Errorf("snapshot: remove %s, the store a completed replace moved aside: %w", aside, err)
		}
		lg.Info("checkpoint store: removed the old store an interrupted replace left behind; the new one is in place",
			"removed", aside, "dir", store)
	case errors.Is(err, os.ErrNotExist):
		if err := fs.Rename(aside, store); err != nil {
			return fmt.Errorf("snapshot: rename %s back to %s after an interrupted replace: %w", aside, store, err)
		}
		lg.Warn("checkpoint store: a replace was interrupted before the new store was in place; restored the old store",
			"from", aside, "dir", store)
	default:
		return fmt.Errorf("snapshot: stat %s: %w", store, err)
	}
	return syncDir(fs, dir)
}

// makeDir creates dir if it is missing, and then syncs its parent so that
// it survives a crash. (Missing ancestors further up are created but not
// synced: dataDir's parent is expected to exist.)
func makeDir(fs vfs.FS, dir string) error {
	if _, err := fs.Stat(dir); err == nil {
		return nil
	}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("snapshot: create %s: %w", dir, err)
	}
	return syncDir(fs, fs.PathDir(dir))
}

// open opens or creates the Pebble database at path, as Open describes.
func open(cfg Config, fs vfs.FS, path string) (*Store, error) {
	s := &Store{cfg: cfg, lg: logger(cfg), fs: fs, path: path, failed: make(chan struct{})}
	_, statErr := fs.Stat(path)
	created := statErr != nil
	db, err := pebble.Open(path, s.pebbleOptions())
	if err != nil {
		return nil, fmt.Errorf("snapshot: open %s: %w", path, err)
	}
	s.db = db
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	if created {
		// NB: Pebble syncs the store's directory, not the entry for it in
		// Dir.
		if err := syncDir(fs, cfg.Dir); err != nil {
			db.Close()
			return nil, err
		}
	}
	s.lg.Info("checkpoint store opened", "dir", path, "zxid", s.meta.Zxid.String(), "nodes", s.meta.Nodes,
		"sessions", s.meta.Sessions, "checkpoints", s.meta.Checkpoints, "dbid", s.meta.DBID.String())
	return s, nil
}

// init reads the meta record and the session table, or writes the meta
// record of a new store.
func (s *Store) init() error {
	v, closer, err := s.db.Get(metaKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return s.create()
	}
	if err != nil {
		return fmt.Errorf("snapshot: %s: read meta record: %w", s.path, err)
	}
	m, err := decodeMeta(v)
	closer.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	s.meta = m
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{kindSession}, UpperBound: []byte{kindSession + 1}})
	if err != nil {
		return err
	}
	defer it.Close()
	s.sessions = make(map[zk.SessionID]int32, m.Sessions)
	for valid := it.First(); valid; valid = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		payload, err := openValue(it.Key(), v)
		if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		id, to, err := decodeSession(it.Key(), payload)
		if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		s.sessions[id] = to
	}
	if err := it.Error(); err != nil {
		return err
	}
	if len(s.sessions) != m.Sessions {
		return fmt.Errorf("%w: %s: meta record counts %d sessions, the table holds %d", ErrCorrupt, s.path, m.Sessions, len(s.sessions))
	}
	return nil
}

// create writes the meta record of a new store, after checking the
// database is empty.
func (s *Store) create() error {
	it, err := s.db.NewIter(nil)
	if err != nil {
		return err
	}
	if it.First() {
		key := keyName(it.Key())
		it.Close()
		return fmt.Errorf("%w: %s holds data (%s) but no meta record: not a Paddock store, or damaged", ErrCorrupt, s.path, key)
	}
	if err := it.Close(); err != nil {
		return err
	}
	m := Meta{Format: FormatVersion}
	if _, err := rand.Read(m.DBID[:]); err != nil {
		return fmt.Errorf("snapshot: draw a DBID: %w", err)
	}
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.Set(metaKey, appendValue(nil, metaKey, appendMetaPayload(nil, &m)), nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("snapshot: %s: %w", s.path, err)
	}
	if err := s.flush(); err != nil {
		return err
	}
	s.meta = m
	s.sessions = make(map[zk.SessionID]int32)
	s.lg.Info("checkpoint store created", "dir", s.path, "dbid", m.DBID.String())
	return nil
}

func (s *Store) pebbleOptions() *pebble.Options {
	mem := s.cfg.MemTableSize
	if mem <= 0 {
		mem = DefaultMemTableSize
	}
	return &pebble.Options{
		FS: s.fs,
		// NB: the txn log is the only WAL. Without Pebble's, committed
		// batches live in the memtable until a flush; Write flushes before
		// it returns, and a crash before that loses the whole batch.
		DisableWAL:         true,
		MemTableSize:       uint64(mem),
		FormatMajorVersion: pebbleFormat,
		Logger:             pebbleLogger{lg: s.lg, fail: s.fail},
		EventListener: &pebble.EventListener{
			BackgroundError: func(err error) { s.fail(fmt.Errorf("pebble background error: %w", err)) },
			DataCorruption: func(info pebble.DataCorruptionInfo) {
				s.fail(fmt.Errorf("pebble found corruption in %s: %w", info.Path, info.Details))
			},
			DiskSlow: func(info pebble.DiskSlowInfo) {
				s.lg.Warn("checkpoint store: slow disk", "file", info.Path, "op", info.OpType.String(), "waited", info.Duration)
			},
		},
	}
}

// pebbleLogger forwards Pebble's messages to slog: chatter at debug level,
// errors at error level.
type pebbleLogger struct {
	lg   *slog.Logger
	fail func(error) error
}

func (l pebbleLogger) Infof(format string, args ...any) {
	if l.lg.Enabled(context.Background(), slog.LevelDebug) {
		l.lg.Debug("pebble: " + strings.TrimSpace(fmt.Sprintf(format, args...)))
	}
}

func (l pebbleLogger) Errorf(format string, args ...any) {
	l.lg.Error("pebble: " + strings.TrimSpace(fmt.Sprintf(format, args...)))
}

// Fatalf is called on Pebble's unrecoverable errors (a failed MANIFEST
// write, a broken invariant). Pebble requires it not to return, so it
// fails the store and panics, which ends the process.
func (l pebbleLogger) Fatalf(format string, args ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, args...))
	l.lg.Error("pebble: fatal: " + msg)
	l.fail(errors.New(msg))
	panic("snapshot: pebble: " + msg)
}

// fail makes err the store's sticky failure, unless one is set, and
// returns the failure.
func (s *Store) fail(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = fmt.Errorf("%w: %s: %w", ErrFailed, s.path, err)
		close(s.failed)
		s.lg.Error("checkpoint store failed; it accepts no more checkpoints", "dir", s.path, "err", err)
	}
	return s.err
}

func (s *Store) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// flush flushes the memtable and waits until its contents are durable or
// the store fails.
//
// NB: DB.Flush waits for the flush to succeed, and Pebble retries a failed
// flush forever, reporting each failure to EventListener.BackgroundError;
// so wait on AsyncFlush and on the store's failure, whichever comes first.
func (s *Store) flush() error {
	done, err := s.db.AsyncFlush()
	if err != nil {
		return s.fail(fmt.Errorf("flush: %w", err))
	}
	select {
	case <-done:
		return nil
	case <-s.failed:
		return s.failure()
	}
}

// syncDir makes the entries of dir durable.
func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("snapshot: open directory %s: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("snapshot: sync directory %s: %w", dir, err)
	}
	return d.Close()
}

// Meta returns the last durable checkpoint's description.
func (s *Store) Meta() Meta {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meta
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.path }

// enter starts an operation: it fails once the store is closed.
func (s *Store) enter() error {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return ErrClosed
	}
	return nil
}

func (s *Store) leave() { s.life.RUnlock() }

// Write makes capture c durable as the store's checkpoint. In one Pebble
// batch it sets every node of c.Nodes, deletes every path of c.Deleted
// (after deleting every stored node when c.Full), stores the changes of
// the session table and the new meta record; then it commits the batch
// and flushes it. When Write returns nil the checkpoint at c.Zxid is
// durable, and the txn log up to c.Zxid is no longer needed to recover.
// When it returns an error, the store holds the previous checkpoint: after
// a crash, or on disk, never a part of this one.
//
// A failed flush (an I/O error) fails the store: this and every later
// Write return an error wrapping ErrFailed; the caller should stop the
// server rather than retry (the txn log still holds everything).
//
// Write may run on a background goroutine while the engine goes on: it
// reads c and never modifies it. Writes are serialized.
//
// REQUIRES: c came from engine.Capture, so no path appears twice in
// c.Nodes and c.Deleted together; the first Write to a store is of a Full
// capture; captures are written in the order they were taken.
func (s *Store) Write(c *engine.Capture) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.failure(); err != nil {
		return err
	}
	start := time.Now()
	prev := s.Meta()
	if !c.Full && prev.Checkpoints == 0 {
		return fmt.Errorf("%w: incremental capture at %s, but the store holds no checkpoint yet", ErrBadCapture, c.Zxid)
	}
	if c.Zxid < prev.Zxid {
		return fmt.Errorf("%w: capture at %s is older than the stored checkpoint at %s", ErrBadCapture, c.Zxid, prev.Zxid)
	}
	size := batchSize(c)
	if size > maxBatchSize {
		return fmt.Errorf("%w: capture at %s needs a batch of %d bytes; the limit is %d", ErrBadCapture, c.Zxid, size, maxBatchSize)
	}
	// NB: Set and Delete of a batch without an index cannot fail.
	b := s.db.NewBatchWithSize(size)
	defer b.Close()
	nodes := prev.Nodes
	if c.Full {
		if err := b.DeleteRange(nodeLower, nodeUpper, nil); err != nil {
			return err
		}
		nodes = int64(len(c.Nodes))
		for i := range c.Nodes {
			s.setNode(b, &c.Nodes[i])
		}
		for _, p := range c.Deleted {
			s.keyBuf = appendNodeKey(s.keyBuf[:0], p)
			b.Delete(s.keyBuf, nil)
		}
	} else {
		var err error
		if nodes, err = s.writeChanges(b, c, nodes); err != nil {
			return err
		}
	}
	changed := s.writeSessions(b, c.Sessions)
	m := prev
	m.Zxid, m.Nodes, m.Sessions = c.Zxid, nodes, len(c.Sessions)
	m.Checkpoints++
	if err := b.Set(metaKey, appendValue(nil, metaKey, appendMetaPayload(nil, &m)), nil); err != nil {
		return err
	}
	size = b.Len()
	if err := b.Commit(pebble.NoSync); err != nil {
		// Nothing was applied: the batch commits whole or not at all.
		return fmt.Errorf("snapshot: commit checkpoint at %s: %w", c.Zxid, err)
	}
	if s.cfg.afterCommit != nil {
		s.cfg.afterCommit()
	}
	// NB: from here until the flush completes, the memtable holds a
	// checkpoint that is not durable; a failure now fails the store, so
	// that nothing reads or builds on it.
	if err := s.flush(); err != nil {
		return err
	}
	s.sessions = maps.Clone(c.Sessions)
	if s.sessions == nil {
		s.sessions = make(map[zk.SessionID]int32)
	}
	s.mu.Lock()
	s.meta = m
	s.mu.Unlock()
	s.lg.Debug("checkpoint written", "zxid", c.Zxid.String(), "full", c.Full, "set", len(c.Nodes),
		"deleted", len(c.Deleted), "sessionsChanged", changed, "nodes", nodes, "bytes", size, "took", time.Since(start))
	return nil
}

// maxBatchSize bounds a checkpoint's batch: Pebble panics on batches of
// 4 GiB or more.
const maxBatchSize = 3 << 30

// batchSize estimates the size of c's batch, so that it is allocated once.
func batchSize(c *engine.Capture) int {
	size := 64 + len(c.Sessions)*32
	for i := range c.Nodes {
		size += 16 + 1 + len(c.Nodes[i].Path) + valueHeaderLen + nodePayloadLen(&c.Nodes[i])
	}
	for _, p := range c.Deleted {
		size += 16 + 1 + len(p)
	}
	return size
}

// setNode adds n to b, encoding it in place in the batch.
func (s *Store) setNode(b *pebble.Batch, n *engine.NodeRecord) {
	vlen := valueHeaderLen + nodePayloadLen(n)
	op := b.SetDeferred(1+len(n.Path), vlen)
	appendNodeKey(op.Key[:0], n.Path)
	v := appendNodePayload(op.Value[:valueHeaderLen:vlen], n)
	if len(v) != vlen || &v[0] != &op.Value[0] {
		panic(fmt.Sprintf("snapshot: node %q encoded in %d bytes, expected %d", n.Path, len(v), vlen))
	}
	sealValue(op.Key, op.Value)
	op.Finish()
}

// writeChanges adds an incremental capture's nodes and tombstones to b in
// path order, and returns the node count after them. It reads the stored
// nodes to know which of the set nodes are new and which of the deleted
// ones existed.
func (s *Store) writeChanges(b *pebble.Batch, c *engine.Capture, nodes int64) (int64, error) {
	nset := len(c.Nodes)
	path := func(i int32) string {
		if int(i) < nset {
			return c.Nodes[i].Path
		}
		return c.Deleted[int(i)-nset]
	}
	s.order = s.order[:0]
	for i := range nset + len(c.Deleted) {
		s.order = append(s.order, int32(i))
	}
	slices.SortFunc(s.order, func(a, b int32) int { return strings.Compare(path(a), path(b)) })
	for k := 1; k < len(s.order); k++ {
		if p := path(s.order[k]); p == path(s.order[k-1]) {
			return 0, fmt.Errorf("%w: path %q appears twice", ErrBadCapture, p)
		}
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: nodeLower, UpperBound: nodeUpper})
	if err != nil {
		return 0, err
	}
	// NB: the keys are sought in increasing order, which Pebble's
	// iterators turn into cheap forward steps.
	for _, i := range s.order {
		s.keyBuf = appendNodeKey(s.keyBuf[:0], path(i))
		exists := it.SeekGE(s.keyBuf) && string(it.Key()) == string(s.keyBuf)
		switch {
		case int(i) < nset && !exists:
			nodes++
		case int(i) >= nset && exists:
			nodes--
		}
	}
	if err := it.Close(); err != nil {
		return 0, fmt.Errorf("snapshot: read stored nodes: %w", err)
	}
	for _, i := range s.order {
		if int(i) < nset {
			s.setNode(b, &c.Nodes[i])
		} else {
			s.keyBuf = appendNodeKey(s.keyBuf[:0], path(i))
			b.Delete(s.keyBuf, nil)
		}
	}
	return nodes, nil
}

// writeSessions adds to b the changes from the stored session table to
// sessions, and returns how many entries changed.
func (s *Store) writeSessions(b *pebble.Batch, sessions map[zk.SessionID]int32) int {
	n := 0
	var val [valueHeaderLen + sessionLen]byte
	for id, to := range sessions {
		if old, ok := s.sessions[id]; ok && old == to {
			continue
		}
		s.keyBuf = appendSessionKey(s.keyBuf[:0], id)
		appendSessionPayload(val[:valueHeaderLen], to)
		sealValue(s.keyBuf, val[:])
		b.Set(s.keyBuf, val[:], nil)
		n++
	}
	for id := range s.sessions {
		if _, ok := sessions[id]; !ok {
			s.keyBuf = appendSessionKey(s.keyBuf[:0], id)
			b.Delete(s.keyBuf, nil)
			n++
		}
	}
	return n
}

// Close closes the store, waiting for operations in progress. Checkpoints
// are durable when Write returns, so Close has nothing to flush.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("snapshot: close %s: %w", s.path, err)
	}
	return nil
}
