package quorum

import (
	"fmt"
	"log/slog"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/paddockdb/paddock/txnlog"
)

// Record kinds of the raft log kept in txnlog (see the package doc).
const (
	recEntry     = 'E'
	recHardState = 'H'
	recSnapshot  = 'S' // a snapshot of this server's own: entries after it stay
	recRestore   = 'R' // the leader's snapshot, installed: the log starts anew
)

// diskLog is the persistent half of the raft log: records appended to a
// txnlog.Log under increasing sequence numbers. Only the raft goroutine
// uses it.
type diskLog struct {
	log *txnlog.Log
	seq uint64
	buf []byte
	// entSeq[i] is the sequence number of the record that holds entry
	// entBase+i, for the entries after the last snapshot: purge keeps the
	// segments from the first of them.
	entBase uint64
	entSeq  []uint64
	snapSeq uint64 // the record of the last snapshot
}

// logConfig is what openLog needs of Config.
type logConfig struct {
	Dir          string
	NoSync       bool
	PreAllocSize int64
	SegmentSize  int64
	SlowSync     time.Duration
	Logger       *slog.Logger
	OnBatch      func(records int, sync time.Duration)
}

// recovered is the raft state read back from the log.
type recovered struct {
	snap    raftpb.Snapshot
	hs      raftpb.HardState
	entries []raftpb.Entry
	seqs    []uint64 // the record of each entry
	snapSeq uint64   // the record of the snapshot
	info    txnlog.RecoveryInfo
}

// openLog opens the log in cfg.Dir and replays it.
func openLog(cfg logConfig) (*diskLog, recovered, error) {
	var rec recovered
	l, info, err := txnlog.Open(txnlog.Config{
		Dir: cfg.Dir, Logger: cfg.Logger, NoSync: cfg.NoSync,
		PreAllocSize: cfg.PreAllocSize, SegmentSize: cfg.SegmentSize, SlowSync: cfg.SlowSync, OnBatch: cfg.OnBatch,
	})
	if err != nil {
		return nil, rec, err
	}
	rec.info = info
	err = l.Replay(0, func(seq uint64, data []byte) error {
		if len(data) == 0 {
			return fmt.Errorf("raft log: empty record %d", seq)
		}
		body := data[1:]
		switch data[0] {
		case recEntry:
			var e raftpb.Entry
			if err := e.Unmarshal(body); err != nil {
				return fmt.Errorf("raft log: record %d: %w", seq, err)
			}
			e.Data = append([]byte(nil), e.Data...)
			// An entry at index i replaces i and everything after it.
			for len(rec.entries) > 0 && rec.entries[len(rec.entries)-1].Index >= e.Index {
				rec.entries = rec.entries[:len(rec.entries)-1]
				rec.seqs = rec.seqs[:len(rec.seqs)-1]
			}
			if n := len(rec.entries); n > 0 && rec.entries[n-1].Index+1 != e.Index {
				return fmt.Errorf("raft log: record %d: entry %d does not follow entry %d", seq, e.Index, rec.entries[n-1].Index)
			}
			rec.entries = append(rec.entries, e)
			rec.seqs = append(rec.seqs, seq)
		case recHardState:
			if err := rec.hs.Unmarshal(body); err != nil {
				return fmt.Errorf("raft log: record %d: %w", seq, err)
			}
		case recSnapshot, recRestore:
			var m raftpb.SnapshotMetadata
			if err := m.Unmarshal(body); err != nil {
				return fmt.Errorf("raft log: record %d: %w", seq, err)
			}
			rec.snap = raftpb.Snapshot{Metadata: m}
			// Entries the snapshot covers are gone; after the leader's
			// snapshot, all are (raft installs one only when the log does
			// not hold its last entry).
			i := len(rec.entries)
			if data[0] == recSnapshot {
				i = 0
				for i < len(rec.entries) && rec.entries[i].Index <= m.Index {
					i++
				}
			}
			rec.entries = rec.entries[i:]
			rec.seqs = rec.seqs[i:]
			rec.snapSeq = seq
		default:
			return fmt.Errorf("raft log: record %d: unknown kind %q (is this a standalone server's log?)", seq, data[0])
		}
		return nil
	})
	if err != nil {
		l.Close()
		return nil, rec, err
	}
	if n := len(rec.entries); n > 0 && rec.entries[0].Index != rec.snap.Metadata.Index+1 {
		l.Close()
		return nil, rec, fmt.Errorf("raft log: entries start at %d, after a snapshot at %d", rec.entries[0].Index, rec.snap.Metadata.Index)
	}
	d := &diskLog{log: l, seq: l.LastIndex(), entBase: rec.snap.Metadata.Index + 1, entSeq: rec.seqs, snapSeq: rec.snapSeq}
	rec.seqs = nil
	return d, rec, nil
}

func (d *diskLog) append(kind byte, marshal func([]byte) (int, error), size int) error {
	if cap(d.buf) < size+1 {
		d.buf = make([]byte, size+1)
	}
	b := d.buf[:size+1]
	b[0] = kind
	if _, err := marshal(b[1:]); err != nil {
		return err
	}
	d.seq++
	return d.log.Append(d.seq, b)
}

// save appends what a Ready asks to persist and, when sync is set, waits
// until it is durable.
func (d *diskLog) save(snap raftpb.Snapshot, hs raftpb.HardState, ents []raftpb.Entry, sync bool) error {
	if !raft.IsEmptySnap(snap) {
		m := snap.Metadata
		if err := d.append(recRestore, m.MarshalTo, m.Size()); err != nil {
			return err
		}
		d.entBase, d.entSeq, d.snapSeq = m.Index+1, d.entSeq[:0], d.seq
	}
	for i := range ents {
		e := &ents[i]
		if err := d.append(recEntry, e.MarshalTo, e.Size()); err != nil {
			return err
		}
		if e.Index < d.entBase {
			// Only a new log's first entries can be written below the
			// snapshot; nothing to purge for them.
			continue
		}
		d.entSeq = append(d.entSeq[:min(int(e.Index-d.entBase), len(d.entSeq))], d.seq)
	}
	if !raft.IsEmptyHardState(hs) {
		if err := d.append(recHardState, hs.MarshalTo, hs.Size()); err != nil {
			return err
		}
	}
	if !sync || d.seq == 0 {
		return nil
	}
	return d.log.WaitDurable(d.seq)
}

// saveSnapshot records a snapshot of this server's own at m.Index, with the
// hard state after it (so that purging what precedes it loses neither),
// and waits until both are durable.
func (d *diskLog) saveSnapshot(m raftpb.SnapshotMetadata, hs raftpb.HardState) error {
	if err := d.append(recSnapshot, m.MarshalTo, m.Size()); err != nil {
		return err
	}
	d.snapSeq = d.seq
	if err := d.append(recHardState, hs.MarshalTo, hs.Size()); err != nil {
		return err
	}
	if m.Index+1 >= d.entBase {
		drop := min(int(m.Index+1-d.entBase), len(d.entSeq))
		d.entSeq = append(d.entSeq[:0], d.entSeq[drop:]...)
		d.entBase = m.Index + 1
	}
	return d.log.WaitDurable(d.seq)
}

// purge removes the log segments that hold nothing recovery needs after
// the snapshot at index: records before the last snapshot record and
// before the first entry after it. It returns how many it removed.
func (d *diskLog) purge(index uint64) (int, error) {
	keep := d.snapSeq // (the hard state follows it)
	if len(d.entSeq) > 0 && d.entBase == index+1 {
		keep = min(keep, d.entSeq[0])
	}
	removed, err := d.log.PurgeBefore(keep)
	return len(removed), err
}

func (d *diskLog) close() error { return d.log.Close() }
