package server

import (
	"fmt"
	"time"

	"github.com/paddockdb/paddock/txnlog"
	"github.com/paddockdb/paddock/zk"
)

// openStorage opens the txn log in dataLogDir, replays it into the engine
// and makes it the core's log. Sessions found in the log are tracked anew
// from now: they expire after their timeout unless their clients re-attach.
//
// NB: until checkpoints land, recovery replays the whole log.
func (s *Server) openStorage() error {
	k := s.core
	dir := s.cfg.DataLogDir
	if dir == "" {
		dir = s.cfg.DataDir
	}
	if s.cfg.ForceSync == false {
		s.lg.Warn("forceSync=no: writes are acknowledged before they are on disk; a crash or power loss can lose acknowledged writes")
	}
	lg, info, err := txnlog.Open(txnlog.Config{
		Dir:          dir,
		Logger:       s.lg,
		PreAllocSize: s.cfg.PreAllocSize,
		NoSync:       !s.cfg.ForceSync,
		SlowSync:     s.cfg.FsyncWarningThreshold,
		OnDurable:    k.dur.report,
	})
	if err != nil {
		return err
	}
	if info.TornTail {
		s.lg.Warn("txn log: a torn write at the end of the log was cut off (it was never acknowledged)",
			"file", info.TruncatedFile, "offset", info.TruncatedAt, "copy", info.BrokenCopy)
	}
	start := time.Now()
	n := 0
	err = lg.Replay(0, func(index uint64, data []byte) error {
		txn, err := zk.DecodeTxn(data)
		if err != nil {
			return fmt.Errorf("txn log: record %#x: %w", index, err)
		}
		k.eng.Apply(&txn)
		n++
		return nil
	})
	if err != nil {
		lg.Close()
		return err
	}
	now := time.Now().UnixMilli()
	for id, timeout := range k.eng.Sessions() {
		k.tracker.Add(id, int64(timeout), now)
	}
	s.lg.Info("txn log replayed", "dir", dir, "txns", n, "lastZxid", k.eng.LastZxid().String(),
		"sessions", len(k.eng.Sessions()), "took", time.Since(start))
	k.log = lg
	return nil
}
