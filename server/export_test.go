package server

import "sync"

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
