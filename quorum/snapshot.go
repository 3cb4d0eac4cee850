package quorum

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// Snapshots. Raft's snapshots are the state machine's own checkpoints:
// the server tells the node (Snapshotted) when every entry up to an index
// is durable in its checkpoint store, and the node then records a snapshot
// there ('S'), lets the in-memory log be compacted up to it and purges the
// log segments on disk that only hold what it covers. A follower behind
// the start of the leader's log gets the state machine's export stream
// (Handler.Snapshot) on a connection of its own, spools it to a file in
// SnapDir, and installs it (Handler.Restore) when raft accepts it; the log
// then records that it starts there ('R').

// spoolPrefix names the files that incoming snapshot streams are spooled
// to, in SnapDir: spoolPrefix + the sender's id.
const spoolPrefix = "raft-snapshot-"

// snapshotted records a snapshot at index, the state machine having made
// it durable: on disk first, then in memory.
func (n *Node) snapshotted(index uint64) bool {
	if index <= n.snapIndex || index > n.applied {
		return true
	}
	cs := n.confAt(index)
	snap, err := n.ms.CreateSnapshot(index, &cs, nil)
	if err != nil {
		n.lg.Warn("quorum: snapshot", "index", index, "err", err)
		return true
	}
	hs, _, err := n.ms.InitialState()
	if err != nil {
		n.lg.Warn("quorum: snapshot", "index", index, "err", err)
		return true
	}
	if err := n.disk.saveSnapshot(snap.Metadata, hs); err != nil {
		n.lg.Error("quorum: writing the raft log failed; stopping", "err", err)
		n.cfg.Handler.Failed(err)
		return false
	}
	n.snapIndex, n.snapConf = index, cs
	kept := n.confHist[:0]
	for _, h := range n.confHist {
		if h.index > index {
			kept = append(kept, h)
		}
	}
	n.confHist = kept
	n.mu.Lock()
	n.status.SnapshotIndex = index
	n.mu.Unlock()
	if removed, err := n.disk.purge(index); err != nil {
		n.lg.Warn("quorum: purging the raft log", "err", err)
	} else if removed > 0 {
		n.lg.Info("quorum: purged raft log segments", "count", removed, "snapshotIndex", index)
	}
	return true
}

// sendSnapshot streams the state machine's snapshot to m.To and tells raft
// how it went.
func (n *Node) sendSnapshot(m raftpb.Message) {
	m.Snapshot.Data = nil
	n.lg.Info("quorum: sending a snapshot to a follower behind the start of the log",
		"follower", m.To, "index", m.Snapshot.Metadata.Index)
	sent, err := n.tr.sendSnapshot(m, n.cfg.Handler.Snapshot)
	status := raft.SnapshotFinish
	if err != nil {
		status = raft.SnapshotFailure
		n.lg.Warn("quorum: sending a snapshot failed", "follower", m.To, "err", err)
	} else {
		n.lg.Info("quorum: snapshot sent", "follower", m.To, "index", m.Snapshot.Metadata.Index, "bytes", sent)
	}
	select {
	case n.reportc <- snapReport{to: m.To, index: m.Snapshot.Metadata.Index, status: status}:
	case <-n.stop:
	}
}

// receiveSnapshot hands raft a snapshot message whose stream was spooled
// to path: Data carries the path (it never crosses the wire).
func (n *Node) receiveSnapshot(from uint64, msg []byte, path string) error {
	var m raftpb.Message
	if err := m.Unmarshal(msg); err != nil {
		return fmt.Errorf("bad snapshot message: %w", err)
	}
	if m.Type != raftpb.MsgSnap || m.From != from || m.To != n.cfg.ID {
		return fmt.Errorf("not a snapshot for me: %v from %d to %d", m.Type, m.From, m.To)
	}
	m.Snapshot.Data = []byte(path)
	select {
	case n.recvc <- m:
		return nil
	case <-n.stop:
		return errors.New("node closed")
	}
}

// removeSpooled removes spooled snapshot streams at start. While running,
// each peer's latest stream stays (one file per peer, replaced by its next
// one): raft may still hold a message that names it.
func removeSpooled(dir string, lg *slog.Logger) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), spoolPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				lg.Warn("quorum: removing a spooled snapshot", "err", err)
			}
		}
	}
}
