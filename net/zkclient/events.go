package zkclient

import (
	"sync"
	"sync/atomic"

	"github.com/paddockdb/paddock/zk"
)

// Event is a watch event or a change of the session's state, as the Java
// client's WatchedEvent: State is the session state when it happened
// (zk.StateSyncConnected for watch events), Type is zk.EventNone for state
// changes, and Path is "" for state changes.
type Event struct {
	Type  zk.EventType
	State zk.KeeperState
	Path  string
}

// dispatcher runs Config.Events on one goroutine, in queue order, and
// counts what it has queued and delivered so synchronous calls can wait
// for the events that preceded their reply.
type dispatcher struct {
	fn func(Event)

	mu        sync.Mutex
	cond      sync.Cond // signals a push, a delivery or stop
	q         []Event
	spare     []Event
	queued    atomic.Uint64 // events pushed so far
	delivered atomic.Uint64 // events whose fn call has returned
	stopping  bool
	done      chan struct{} // closed when run returns
}

func newDispatcher(fn func(Event)) *dispatcher {
	d := &dispatcher{fn: fn, done: make(chan struct{})}
	d.cond.L = &d.mu
	if fn == nil {
		close(d.done)
	} else {
		go d.run()
	}
	return d
}

// push queues ev; with no Events function it does nothing.
func (d *dispatcher) push(ev Event) {
	if d.fn == nil {
		return
	}
	d.mu.Lock()
	if !d.stopping {
		d.q = append(d.q, ev)
		d.queued.Add(1)
		d.cond.Broadcast()
	}
	d.mu.Unlock()
}

// mark returns the sequence number of the last event queued so far.
func (d *dispatcher) mark() uint64 { return d.queued.Load() }

// wait returns once every event up to sequence number seq has been
// delivered (or the dispatcher has stopped).
func (d *dispatcher) wait(seq uint64) {
	if d.delivered.Load() >= seq {
		return
	}
	d.mu.Lock()
	for d.delivered.Load() < seq && !(d.stopping && len(d.q) == 0) {
		d.cond.Wait()
	}
	d.mu.Unlock()
}

// stop makes run return once the queue is empty; nothing pushed after stop
// is delivered.
func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopping = true
	d.cond.Broadcast()
	d.mu.Unlock()
}

func (d *dispatcher) run() {
	defer close(d.done)
	for {
		d.mu.Lock()
		for len(d.q) == 0 && !d.stopping {
			d.cond.Wait()
		}
		if len(d.q) == 0 {
			d.cond.Broadcast()
			d.mu.Unlock()
			return
		}
		batch := d.q
		d.q = d.spare[:0]
		d.mu.Unlock()
		for i := range batch {
			d.fn(batch[i])
			batch[i] = Event{}
			d.delivered.Add(1)
			d.mu.Lock()
			d.cond.Broadcast()
			d.mu.Unlock()
		}
		d.mu.Lock()
		d.spare = batch[:0]
		d.mu.Unlock()
	}
}
