package server

import (
	"sync"
	"time"
)

// UseAsyncMemLog makes s commit through an in-memory log whose appends
// become durable asynchronously, in batches, after a simulated fsync, as
// the txn log's group commit does: replies, watch events and reads must
// then wait for durability exactly as they will with the real log.
// REQUIRES: s not started.
func UseAsyncMemLog(s *Server) { s.core.log = newAsyncMemLog(s.core.dur.report) }

type asyncMemLog struct {
	mu      sync.Mutex
	pending []uint64
	last    uint64
	report  func(uint64, error)
	wake    chan struct{}
	done    chan struct{}
	closed  bool
}

func newAsyncMemLog(report func(uint64, error)) *asyncMemLog {
	l := &asyncMemLog{report: report, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go l.run()
	return l
}

func (l *asyncMemLog) Append(index uint64, data []byte) error {
	l.mu.Lock()
	if index <= l.last {
		l.mu.Unlock()
		panic("asyncMemLog: index not increasing")
	}
	l.last = index
	l.pending = append(l.pending, index)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

func (l *asyncMemLog) run() {
	defer close(l.done)
	for range l.wake {
		time.Sleep(300 * time.Microsecond) // the "fsync"
		l.mu.Lock()
		batch := l.pending
		l.pending = nil
		closed := l.closed
		l.mu.Unlock()
		if len(batch) > 0 {
			l.report(batch[len(batch)-1], nil)
		}
		if closed {
			return
		}
	}
}

func (l *asyncMemLog) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	<-l.done
	return nil
}

// ManualLog is a log whose appends become durable only when the test says
// so.
type ManualLog struct {
	mu     sync.Mutex
	last   uint64
	report func(uint64, error)
}

// UseManualLog makes s commit through a ManualLog. REQUIRES: s not started.
func UseManualLog(s *Server) *ManualLog {
	l := &ManualLog{report: s.core.dur.report}
	s.core.log = l
	return l
}

func (l *ManualLog) Append(index uint64, data []byte) error {
	l.mu.Lock()
	l.last = index
	l.mu.Unlock()
	return nil
}

// Release makes everything appended so far durable.
func (l *ManualLog) Release() {
	l.mu.Lock()
	last := l.last
	l.mu.Unlock()
	l.report(last, nil)
}

// Fail reports a failed fsync.
func (l *ManualLog) Fail(err error) { l.report(0, err) }

func (l *ManualLog) Close() error { return nil }
