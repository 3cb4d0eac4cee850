package engine

import (
	"cmp"
	"slices"

	"github.com/paddockdb/paddock/zk"
)

// SessionTracker decides when sessions expire, as ZooKeeper's
// SessionTrackerImpl with its ExpiryQueue: each touch moves a session's
// deadline to now+timeout rounded up to the next multiple of the tick, and
// a session expires when the tick at its deadline passes. Only the leader
// (or a standalone server) runs one; time comes in as arguments.
//
// A SessionTracker is not safe for concurrent use.
type SessionTracker struct {
	tick     int64 // ms
	next     int64 // the next deadline to examine
	deadline map[zk.SessionID]int64
	timeout  map[zk.SessionID]int64
	buckets  map[int64]map[zk.SessionID]struct{}
	closing  map[zk.SessionID]bool
}

// NewSessionTracker returns a tracker whose deadlines are multiples of
// tickMs, starting at nowMs.
func NewSessionTracker(tickMs, nowMs int64) *SessionTracker {
	if tickMs <= 0 {
		tickMs = 1
	}
	return &SessionTracker{
		tick:     tickMs,
		next:     roundUp(nowMs, tickMs),
		deadline: make(map[zk.SessionID]int64),
		timeout:  make(map[zk.SessionID]int64),
		buckets:  make(map[int64]map[zk.SessionID]struct{}),
		closing:  make(map[zk.SessionID]bool),
	}
}

// roundUp is ExpiryQueue.roundToNextInterval.
func roundUp(t, interval int64) int64 { return (t/interval + 1) * interval }

// Add starts tracking session s with the given timeout.
func (t *SessionTracker) Add(s zk.SessionID, timeoutMs int64, nowMs int64) {
	t.timeout[s] = timeoutMs
	t.Touch(s, nowMs)
}

// Touch records activity of session s. It returns false if s is unknown or
// closing, in which case the request must fail with SessionExpired.
func (t *SessionTracker) Touch(s zk.SessionID, nowMs int64) bool {
	to, ok := t.timeout[s]
	if !ok || t.closing[s] {
		return false
	}
	d := roundUp(nowMs+to, t.tick)
	old, had := t.deadline[s]
	if had && old == d {
		return true
	}
	if had {
		if b := t.buckets[old]; b != nil {
			delete(b, s)
			if len(b) == 0 {
				delete(t.buckets, old)
			}
		}
	}
	t.deadline[s] = d
	b := t.buckets[d]
	if b == nil {
		b = make(map[zk.SessionID]struct{})
		t.buckets[d] = b
	}
	b[s] = struct{}{}
	return true
}

// SetClosing marks s closing: further touches fail, and it will not be
// reported as expired again.
func (t *SessionTracker) SetClosing(s zk.SessionID) {
	if _, ok := t.timeout[s]; ok {
		t.closing[s] = true
	}
}

// IsActive reports whether s is tracked and not closing.
func (t *SessionTracker) IsActive(s zk.SessionID) bool {
	_, ok := t.timeout[s]
	return ok && !t.closing[s]
}

// Remove stops tracking s.
func (t *SessionTracker) Remove(s zk.SessionID) {
	if d, ok := t.deadline[s]; ok {
		if b := t.buckets[d]; b != nil {
			delete(b, s)
			if len(b) == 0 {
				delete(t.buckets, d)
			}
		}
	}
	delete(t.deadline, s)
	delete(t.timeout, s)
	delete(t.closing, s)
}

// Expired returns the sessions whose deadline has passed by nowMs and marks
// them closing; the caller submits their closeSession txns.
func (t *SessionTracker) Expired(nowMs int64) []zk.SessionID {
	var out []zk.SessionID
	for t.next <= nowMs {
		for s := range t.buckets[t.next] {
			if !t.closing[s] {
				t.closing[s] = true
				out = append(out, s)
			}
		}
		delete(t.buckets, t.next)
		t.next += t.tick
	}
	return out
}

// Timeout returns session s's timeout in ms.
func (t *SessionTracker) Timeout(s zk.SessionID) (int64, bool) {
	to, ok := t.timeout[s]
	return to, ok
}

// Len returns how many sessions are tracked.
func (t *SessionTracker) Len() int { return len(t.timeout) }

// ExpiryBucket is one deadline of the tracker and the sessions due then,
// as ZooKeeper's ExpiryQueue dumps them (dump, the admin command dump).
type ExpiryBucket struct {
	Deadline int64 // ms
	Sessions []zk.SessionID
}

// Buckets returns the tracker's non-empty deadlines in time order, each
// with its sessions in id order.
func (t *SessionTracker) Buckets() []ExpiryBucket {
	out := make([]ExpiryBucket, 0, len(t.buckets))
	for d, set := range t.buckets {
		if len(set) == 0 {
			continue
		}
		b := ExpiryBucket{Deadline: d, Sessions: make([]zk.SessionID, 0, len(set))}
		for s := range set {
			b.Sessions = append(b.Sessions, s)
		}
		slices.Sort(b.Sessions)
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b ExpiryBucket) int { return cmp.Compare(a.Deadline, b.Deadline) })
	return out
}
