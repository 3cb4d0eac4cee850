package server

import (
	"time"

	"fmt"
	"sync/atomic"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/zk"
)

// The commit pipeline: the core preps a txn, appends it to the write-ahead
// log and goes on serving; the log's sync goroutine reports how far the log
// is durable (group commit: many txns share one write and one fdatasync);
// the core then applies the durable txns in zxid order and runs what waits
// on each (a reply, a session's setup). Nothing is applied, answered or
// watched before it is durable, so no client can see a write that a crash
// could lose.

// wal is what the core needs of the write-ahead log (txnlog.Log): records
// keyed by increasing index, reported durable asynchronously, in order.
type wal interface {
	Append(index uint64, data []byte) error
	// Close waits for what was appended to become durable, then releases
	// the log.
	Close() error
}

// queued is one request waiting in a client's queue.
type queued struct {
	it      *item
	write   bool
	applied bool
	res     engine.Result
}

// pending is a txn in flight and what runs once it is applied.
type pending struct {
	txn  *zk.Txn
	done func(engine.Result)
	at   time.Time // when it was submitted: apply lag
}

// durability is how the log's sync goroutine talks to the core: the highest
// durable index, a sticky error, and a wake-up. Safe for concurrent use.
type durability struct {
	index atomic.Uint64
	err   atomic.Pointer[error]
	wake  chan struct{}
}

func newDurability() *durability { return &durability{wake: make(chan struct{}, 1)} }

// report is the log's OnDurable callback.
func (d *durability) report(index uint64, err error) {
	if err != nil {
		d.err.CompareAndSwap(nil, &err)
	} else {
		for {
			cur := d.index.Load()
			if index <= cur || d.index.CompareAndSwap(cur, index) {
				break
			}
		}
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// submit sends txn through the log; done (may be nil) runs on the core
// once the txn is durable and applied.
func (k *core) submit(txn *zk.Txn, done func(engine.Result)) {
	k.inflight = append(k.inflight, pending{txn: txn, done: done, at: time.Now()})
	k.stats.txnsLogged++
	if k.log == nil {
		// In memory: durable at once.
		k.applyDurable(uint64(txn.Header.Zxid))
		return
	}
	k.buf = zk.AppendTxn(k.buf[:0], txn)
	if err := k.log.Append(uint64(txn.Header.Zxid), k.buf); err != nil {
		k.fatal(fmt.Errorf("appending zxid %s to the txn log: %w", txn.Header.Zxid, err))
	}
}

// applyDurable applies, in order, every txn in flight up to index.
func (k *core) applyDurable(index uint64) {
	for len(k.inflight) > 0 && uint64(k.inflight[0].txn.Header.Zxid) <= index {
		p := k.inflight[0]
		k.inflight[0] = pending{}
		k.inflight = k.inflight[1:]
		res := k.eng.Apply(p.txn)
		k.stats.commits++
		if k.s.metrics != nil {
			k.s.metrics.ObserveApplyLag(time.Since(p.at))
		}
		if p.done != nil {
			p.done(res)
		}
		k.countApplied()
	}
}

// onWake handles a report of the log's sync goroutine.
func (k *core) onWake() {
	if errp := k.dur.err.Load(); errp != nil {
		k.fatal(*errp)
		return
	}
	k.applyDurable(k.dur.index.Load())
}

// fatal stops the server: a write or fsync of the log failed, so nothing
// more may be acknowledged (an fsync is never retried).
func (k *core) fatal(err error) {
	if k.failed {
		return
	}
	k.failed = true
	k.stats.fatalErrors++
	k.s.lg.Error("stopping: the transaction log failed; nothing after the last durable txn was acknowledged", "err", err)
	k.s.fail(err)
}
