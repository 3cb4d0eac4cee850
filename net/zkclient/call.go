package zkclient

import (
	"sync"
	"sync/atomic"

	"github.com/paddockdb/paddock/zk"
)

// call is one request from Go until its completion; calls are pooled.
type call struct {
	xid  int32
	op   zk.OpCode
	resp zk.Record
	done func(zxid int64, err error) // Go's callback; nil for Do

	// Do's rendezvous: ch (kept across reuse) receives one value when
	// the call completes; zxid, err and evSeq are the outcome.
	ch    chan struct{}
	zxid  int64
	err   error
	evSeq uint64
	// state arbitrates between completion and Do giving up on its
	// context: callPending until one side claims the call.
	state atomic.Int32

	// Watch bookkeeping done at completion.
	reg   watchReg
	wkind watchKind // for regAdd
	wtype int32     // for regRemove
	local bool      // for regRemove: remove locally even on failure
	path  string
}

const (
	callPending int32 = iota
	callClaimed
	callAbandoned
)

var callPool = sync.Pool{New: func() any { return new(call) }}

func getCall() *call {
	c := callPool.Get().(*call)
	c.state.Store(callPending)
	return c
}

func putCall(c *call) {
	ch := c.ch
	*c = call{ch: ch}
	callPool.Put(c)
}

// classify fills in the watch bookkeeping of a request from its record, so
// that Go registers watches whatever way the request was built.
func (c *call) classify(req zk.Record) {
	switch r := req.(type) {
	case *zk.GetDataRequest:
		if r.Watch {
			c.reg, c.path = regData, r.Path
		}
	case *zk.ExistsRequest:
		if r.Watch {
			c.reg, c.path = regExists, r.Path
		}
	case *zk.GetChildrenRequest:
		if r.Watch {
			c.reg, c.path = regChild, r.Path
		}
	case *zk.GetChildren2Request:
		if r.Watch {
			c.reg, c.path = regChild, r.Path
		}
	case *zk.AddWatchRequest:
		c.reg, c.path, c.wkind = regAdd, r.Path, watchPersistent
		if r.Mode == zk.AddWatchModePersistentRecursive {
			c.wkind = watchRecursive
		}
	case *zk.RemoveWatchesRequest:
		c.reg, c.path, c.wtype = regRemove, r.Path, r.Type
	}
}

// callQueue is a FIFO ring of calls.
type callQueue struct {
	buf  []*call
	head int
	n    int
}

func (q *callQueue) len() int { return q.n }

func (q *callQueue) push(c *call) {
	if q.n == len(q.buf) {
		nb := make([]*call, max(16, 2*len(q.buf)))
		for i := 0; i < q.n; i++ {
			nb[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = c
	q.n++
}

func (q *callQueue) peek() *call {
	if q.n == 0 {
		return nil
	}
	return q.buf[q.head]
}

func (q *callQueue) pop() *call {
	if q.n == 0 {
		return nil
	}
	c := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return c
}

// drain appends every queued call to dst, oldest first, and empties q.
func (q *callQueue) drain(dst []*call) []*call {
	for q.n > 0 {
		dst = append(dst, q.pop())
	}
	return dst
}
