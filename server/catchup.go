package server

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/zk"
)

// Catch-up from a snapshot. Raft's snapshots are the checkpoints: each
// durable checkpoint is reported to quorum with the raft index of the last
// entry it reflects (Node.Snapshotted), and raft may then cut its log
// there. A follower behind the start of the leader's log receives the
// leader's checkpoint store as a zstd export stream (ensHandler.Snapshot
// on the leader, spooled to dataDir by quorum) and installs it here.
//
// The stream may reflect more than its raft index (a later checkpoint may
// have completed while it was exported); that is harmless, because applyEntry
// skips entries whose zxid the tree already holds.

var errInstallingSnapshot = errors.New("this server is installing the leader's snapshot; reconnect")

// restoreSnapshot installs the leader's snapshot spooled at path, which
// reflects every entry up to index at least. Like a ZooKeeper follower
// that syncs by SNAP, the server drops its client connections (they
// reconnect, here or elsewhere), then replaces its checkpoint store (an
// atomic swap in dataDir, so a crash leaves the old or the new one) and its
// tree, and goes on applying entries from index+1.
func (k *core) restoreSnapshot(index uint64, path string) error {
	e := k.ens
	start := time.Now()
	k.failInFlight(errInstallingSnapshot.Error())
	for _, cl := range k.clients {
		cl.conn.Close(errInstallingSnapshot)
		k.detach(cl)
	}
	cp := k.cp
	cp.wg.Wait() // a checkpoint being written to the old store
	select {
	case <-cp.done:
	default:
	}
	cp.running = false
	e.store.Store(nil)
	if err := cp.store.Close(); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	cfg := snapshot.Config{Dir: k.s.cfg.DataDir, Logger: k.s.lg}
	meta, err := snapshot.Replace(cfg, f)
	f.Close()
	if err != nil {
		return err
	}
	store, err := snapshot.Open(cfg)
	if err != nil {
		return err
	}
	eng := newEngine(k.s)
	zxid, err := store.Load(eng)
	if err != nil {
		store.Close()
		return fmt.Errorf("loading the installed snapshot: %w", err)
	}
	now := time.Now().UnixMilli()
	eng.InitSessionIDs(k.s.cfg.MyID, now)
	members, version := k.s.membership(eng, now)
	k.eng = eng
	k.childEnc = nil
	k.tracker = engine.NewSessionTracker(k.s.cfg.TickTime.Milliseconds(), now)
	for id, timeout := range eng.Sessions() {
		k.tracker.Add(id, int64(timeout), now)
	}
	cp.store, cp.since, cp.history = store, 0, []zk.Zxid{zxid}
	e.store.Store(store)
	e.applied = index
	k.lastCheckpoint, k.lastCheckpointAt = zxid, time.Now()
	k.setMembers(members, version)
	k.s.lg.Info("installed the leader's snapshot", "raftIndex", index, "zxid", zxid.String(),
		"nodes", meta.Nodes, "sessions", meta.Sessions, "took", time.Since(start))
	return nil
}
