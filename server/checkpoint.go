package server

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/txnlog"
	"github.com/paddockdb/paddock/zk"
)

// Checkpoints: every snapCount txns (randomized in [snapCount/2+1,
// snapCount] as ZooKeeper does, so replicas do not checkpoint together)
// the core captures what changed since the last checkpoint, exact at the
// last applied zxid, in O(changes), and a background goroutine writes it to
// the Pebble store in dataDir and flushes it. The apply loop never waits
// for it. Once a checkpoint is durable, the log before the
// autopurge.snapRetainCount-th newest checkpoint may be purged.

type checkpointer struct {
	store   *snapshot.Store
	log     *txnlog.Log
	every   int       // txns between checkpoints, randomized
	since   int       // txns applied since the last capture
	running bool      // a capture is being written
	history []zk.Zxid // zxids of durable checkpoints, oldest first
	done    chan checkpointDone
	wg      sync.WaitGroup
}

type checkpointDone struct {
	zxid    zk.Zxid
	index   uint64 // ensemble: the raft index of the last entry applied
	store   *snapshot.Store
	capture time.Duration // on the core goroutine
	took    time.Duration
	n       int
	err     error
}

func snapEvery(snapCount int) int {
	if snapCount < 2 {
		snapCount = 2
	}
	return snapCount/2 + 1 + rand.IntN(snapCount-snapCount/2)
}

// countApplied counts one applied txn and starts a checkpoint when due.
func (k *core) countApplied() {
	cp := k.cp
	if cp == nil {
		return
	}
	cp.since++
	if cp.since < cp.every || cp.running {
		return
	}
	k.checkpoint()
}

// checkpoint captures the changes and writes them in the background.
func (k *core) checkpoint() {
	cp := k.cp
	t0 := time.Now()
	c := k.eng.Capture()
	capture := time.Since(t0)
	var index uint64
	if k.ens != nil {
		index = k.ens.applied
	}
	store := cp.store
	cp.since, cp.running = 0, true
	cp.every = snapEvery(k.s.cfg.SnapCount)
	cp.wg.Add(1)
	go func() {
		defer cp.wg.Done()
		start := time.Now()
		err := store.Write(c)
		cp.done <- checkpointDone{zxid: c.Zxid, index: index, store: store, capture: capture, took: time.Since(start), n: len(c.Nodes) + len(c.Deleted), err: err}
	}()
}

// checkpointed handles the end of a background checkpoint write.
func (k *core) checkpointed(d checkpointDone) {
	cp := k.cp
	if d.store != cp.store {
		return // written to a store since replaced by the leader's snapshot
	}
	cp.running = false
	if d.err != nil {
		// The log still holds everything, so nothing acknowledged is lost;
		// but the store cannot go on (a failed flush is permanent, and the
		// capture's changes never reached it): stop, as for a log failure.
		k.fatal(fmt.Errorf("checkpoint at zxid %s: %w", d.zxid, d.err))
		return
	}
	cp.history = append(cp.history, d.zxid)
	k.stats.checkpoints++
	k.stats.snapshot.addDuration(d.took)
	k.lastCheckpoint, k.lastCheckpointAt = d.zxid, time.Now()
	if k.s.metrics != nil {
		k.s.metrics.ObserveCheckpoint(d.took)
	}
	k.s.lg.Info("checkpoint written", "zxid", d.zxid.String(), "changes", d.n, "capture", d.capture, "took", d.took)
	if k.ens != nil && d.index > 0 {
		// Raft may cut its log here.
		k.ens.node.Snapshotted(d.index)
	}
	if cp.since >= cp.every {
		// Enough txns were applied while this one was written.
		k.checkpoint()
	}
}

// purge removes log segments no longer needed: those before the oldest of
// the last snapRetainCount checkpoints.
func (k *core) purge() {
	cp := k.cp
	if cp == nil || cp.log == nil || len(cp.history) == 0 {
		return // (an ensemble's raft log is not purged yet)
	}
	keep := k.s.cfg.SnapRetainCount
	if keep < 1 {
		keep = 1
	}
	if len(cp.history) > keep {
		cp.history = cp.history[len(cp.history)-keep:]
	}
	// Records after the oldest retained checkpoint are needed to recover
	// from it; everything at or below it is not.
	oldest := uint64(cp.history[0])
	removed, err := cp.log.PurgeBefore(oldest + 1)
	if err != nil {
		k.s.lg.Warn("purge", "err", err)
	}
	if len(removed) > 0 {
		k.s.lg.Info("purged txn log segments", "count", len(removed), "keptFrom", zk.Zxid(oldest).String())
	}
}

// checkpointDone is the channel on which background checkpoint writes
// report, nil (never ready) without a store.
func (k *core) checkpointDone() <-chan checkpointDone {
	if k.cp == nil {
		return nil
	}
	return k.cp.done
}

// closeStorage waits for a checkpoint being written and closes the store.
func (k *core) closeStorage() error {
	if k.cp == nil {
		return nil
	}
	k.cp.wg.Wait()
	return k.cp.store.Close()
}
