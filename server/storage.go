package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/txnlog"
	"github.com/paddockdb/paddock/zk"
)

// openStorage recovers the server's state and makes the txn log its
// write-ahead log: it opens the checkpoint store in dataDir and loads the
// last checkpoint, then opens the txn log in dataLogDir and replays the
// records after the checkpoint's zxid. Sessions found are tracked anew from
// now: they expire after their timeout unless their clients re-attach.
func (s *Server) openStorage() error {
	k := s.core
	store, zxid, logDir, loaded, err := s.openCheckpoints()
	if err != nil {
		return err
	}
	dataDir := s.cfg.DataDir
	start := time.Now().Add(-loaded)
	log, info, err := txnlog.Open(txnlog.Config{
		Dir:          logDir,
		Logger:       s.lg,
		PreAllocSize: s.cfg.PreAllocSize,
		NoSync:       !s.cfg.ForceSync,
		SlowSync:     s.cfg.FsyncWarningThreshold,
		OnDurable:    k.dur.report,
		OnBatch:      s.onBatch,
	})
	if err != nil {
		store.Close()
		return err
	}
	if info.TornTail {
		s.lg.Warn("txn log: a torn write at the end of the log was cut off (it was never acknowledged)",
			"file", info.TruncatedFile, "offset", info.TruncatedAt, "copy", info.BrokenCopy)
	}
	if zxid > 0 && info.Records > 0 && info.FirstIndex > uint64(zxid)+1 {
		// Zxids may have gaps, so this is only a hint, but a log that
		// starts well after the checkpoint usually lost its head.
		s.lg.Warn("txn log starts after the checkpoint: records may be missing",
			"checkpoint", zxid.String(), "firstRecord", zk.Zxid(info.FirstIndex).String())
	}
	n := 0
	err = log.Replay(uint64(zxid), func(index uint64, data []byte) error {
		txn, err := zk.DecodeTxn(data)
		if err != nil {
			return fmt.Errorf("txn log: record %#x: %w", index, err)
		}
		k.eng.Apply(&txn)
		n++
		return nil
	})
	if err != nil {
		log.Close()
		store.Close()
		return err
	}
	k.stats.startupSnapLoadTime.addDuration(loaded)
	k.stats.startupTxnsLoaded.add(int64(n))
	k.stats.startupTxnsLoadTime.addDuration(time.Since(start) - loaded)
	k.stats.dbInit.addDuration(time.Since(start))
	if zxid > 0 {
		k.lastCheckpoint, k.lastCheckpointAt = zxid, time.Now()
	}
	s.logStats = log.Stats
	now := time.Now().UnixMilli()
	for id, timeout := range k.eng.Sessions() {
		k.tracker.Add(id, int64(timeout), now)
	}
	s.lg.Info("recovered", "dataDir", dataDir, "dataLogDir", logDir,
		"checkpoint", zxid.String(), "checkpointNodes", store.Meta().Nodes, "loadTook", loaded,
		"replayedTxns", n, "lastZxid", k.eng.LastZxid().String(),
		"sessions", len(k.eng.Sessions()), "took", time.Since(start))
	k.log = log
	k.cp = &checkpointer{
		store: store, log: log,
		every: snapEvery(s.cfg.SnapCount),
		since: n, // what was replayed is not in the store yet
		done:  make(chan checkpointDone, 1),
	}
	if zxid > 0 {
		k.cp.history = []zk.Zxid{zxid}
	}
	return nil
}

// openCheckpoints opens the checkpoint store in dataDir (after checking
// that dataDir and dataLogDir are not swapped and belong together) and
// loads the last checkpoint into the engine. It returns the store, the
// checkpoint's zxid, the log directory and how long the load took.
func (s *Server) openCheckpoints() (store *snapshot.Store, zxid zk.Zxid, logDir string, loaded time.Duration, err error) {
	dataDir := s.cfg.DataDir
	logDir = s.cfg.DataLogDir
	if logDir == "" {
		logDir = dataDir
	}
	if err := checkDirs(dataDir, logDir); err != nil {
		return nil, 0, "", 0, err
	}
	if !s.cfg.ForceSync {
		s.lg.Warn("forceSync=no: writes are acknowledged before they are on disk; a crash or power loss can lose acknowledged writes")
	}
	start := time.Now()
	store, err = snapshot.Open(snapshot.Config{Dir: dataDir, Logger: s.lg})
	if err != nil {
		return nil, 0, "", 0, err
	}
	if err := checkDBID(logDir, store.Meta().DBID.String()); err != nil {
		store.Close()
		return nil, 0, "", 0, fmt.Errorf("%w: dataDir %s and dataLogDir %s belong to different databases", err, dataDir, logDir)
	}
	zxid, err = store.Load(s.core.eng)
	if err != nil {
		store.Close()
		return nil, 0, "", 0, fmt.Errorf("loading the checkpoint in %s: %w (run `paddock snap verify`)", dataDir, err)
	}
	return store, zxid, logDir, time.Since(start), nil
}

// onBatch is the log's OnBatch: group-commit and fsync figures.
func (s *Server) onBatch(records int, sync time.Duration) {
	k := s.core
	k.stats.batch.add(int64(records))
	k.stats.fsync.addDuration(sync)
	if s.metrics != nil {
		s.metrics.ObserveBatch(records)
		s.metrics.ObserveFsync(sync)
	}
}

// checkDirs refuses dataDir and dataLogDir that look swapped: checkpoint
// store in the log directory or log segments in the data directory (when
// they are different directories), as ZooKeeper's
// FileTxnSnapLog.checkLogDir/checkSnapDir do.
func checkDirs(dataDir, logDir string) error {
	if filepath.Clean(dataDir) == filepath.Clean(logDir) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(logDir, snapshot.StoreDir)); err == nil {
		return fmt.Errorf("dataLogDir %s holds a checkpoint store (%s): are dataDir and dataLogDir swapped?", logDir, snapshot.StoreDir)
	}
	ents, err := os.ReadDir(dataDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "log.") {
			return fmt.Errorf("dataDir %s holds txn log segments (%s): are dataDir and dataLogDir swapped?", dataDir, e.Name())
		}
	}
	return nil
}

// dbidFile names the file in dataLogDir that records which checkpoint store
// (by its DBID) the log belongs to.
const dbidFile = "paddock.dbid"

var errDBIDMismatch = errors.New("the txn log belongs to another database")

// checkDBID ties the log directory to the checkpoint store: the first start
// records the store's id in dataLogDir (written, synced, renamed, directory
// synced); later starts refuse a log directory recorded for another store,
// so a dataDir restored from elsewhere is never replayed against the wrong
// log.
func checkDBID(logDir, dbid string) error {
	path := filepath.Join(logDir, dbidFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if got := strings.TrimSpace(string(b)); got != dbid {
			return fmt.Errorf("%w (log: %s, store: %s)", errDBIDMismatch, got, dbid)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(dbid + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(logDir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
