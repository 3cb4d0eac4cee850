package robust

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paddockdb/paddock/zk"
)

// Report is the verdict on a run.
type Report struct {
	// Result is porcupine's verdict on the history (Unknown if it timed
	// out), and Info what porcupine.Visualize draws.
	Result porcupine.CheckResult
	Info   porcupine.LinearizationInfo
	// Operations is the number of operations porcupine checked.
	Operations int
	// CheckTime is how long porcupine took.
	CheckTime time.Duration
	// Problems are the violations found by the session and final-state
	// checks, which do not need porcupine.
	Problems []string
}

// OK reports whether the run showed no violation.
func (r *Report) OK() bool { return r.Result == porcupine.Ok && len(r.Problems) == 0 }

// Check checks h for linearizability against Model, and h and finals for
// the properties porcupine cannot see (checkSessions, checkFinal).
// timeout bounds porcupine (0: none).
func Check(h *History, finals []FinalState, timeout time.Duration) *Report {
	ops := h.Operations()
	start := time.Now()
	res, info := porcupine.CheckOperationsVerbose(Model, ops, timeout)
	r := &Report{Result: res, Info: info, Operations: len(ops), CheckTime: time.Since(start)}
	r.Problems = append(r.Problems, checkSessions(h)...)
	r.Problems = append(r.Problems, checkFinal(h, finals)...)
	return r
}

// checkSessions checks that a session never reads a znode older than one
// it has already seen or written, by zxid: porcupine cannot, because a
// plain get may be placed anywhere from the call of the session's last
// write on (Record.Floor), including just before that write.
//
// For each session and key it keeps the least (czxid, mzxid) a read may
// return: what the session's last set or read returned, or after its
// delete a czxid beyond the incarnation it saw.
func checkSessions(h *History) []string {
	type bound struct{ czxid, mzxid zk.Zxid }
	type sk struct {
		session zk.SessionID
		path    string
	}
	byClient := make(map[int][]Record)
	for _, r := range h.Records {
		byClient[r.Client] = append(byClient[r.Client], r)
	}
	var problems []string
	for client, rs := range byClient {
		slices.SortFunc(rs, func(a, b Record) int { return cmp.Compare(a.Call, b.Call) })
		least := make(map[sk]bound)
		for _, r := range rs {
			if r.Session == 0 || r.Output.Status != StatusOK {
				continue
			}
			key := sk{r.Session, r.Input.Path}
			b, seen := least[key]
			switch r.Input.Kind {
			case OpGet, OpSyncGet:
				o := r.Output
				if seen && (o.Czxid < b.czxid || (o.Czxid == b.czxid && o.Mzxid < b.mzxid)) {
					problems = append(problems, fmt.Sprintf(
						"client %d session %v read %s at %v: czxid %v mzxid %v (%q v%d), older than the %v/%v it had seen",
						client, r.Session, r.Input.Path, time.Duration(r.Call), o.Czxid, o.Mzxid, o.Data, o.Version, b.czxid, b.mzxid))
					continue
				}
				least[key] = bound{o.Czxid, o.Mzxid}
			case OpSet:
				least[key] = bound{r.Output.Czxid, r.Output.Mzxid}
			case OpDelete:
				if seen {
					least[key] = bound{b.czxid + 1, 0}
				}
			}
		}
	}
	return problems
}

// checkFinal checks the servers' final states: they all agree, and each
// acknowledged write is there or may have been undone by a later
// operation (one that did not return before the write was called).
func checkFinal(h *History, finals []FinalState) []string {
	var problems []string
	if len(finals) == 0 {
		return nil
	}
	ref := finals[0]
	for _, f := range finals[1:] {
		for k, want := range ref.Nodes {
			got := f.Nodes[k]
			if !sameNode(got, want) {
				problems = append(problems, fmt.Sprintf("servers disagree on %s: %s has %s, %s has %s",
					k, ref.Server, nodeString(want), f.Server, nodeString(got)))
			}
		}
		if !slices.Equal(f.Seqs, ref.Seqs) {
			problems = append(problems, fmt.Sprintf("servers disagree on the sequential znodes: %s has %d, %s has %d",
				ref.Server, len(ref.Seqs), f.Server, len(f.Seqs)))
		}
	}
	// The latest time a create or delete of each key may take effect.
	lastCreate, lastDelete := make(map[string]int64), make(map[string]int64)
	for _, r := range h.Records {
		ret := r.Return
		switch r.Output.Status {
		case StatusUnknown:
			ret = math.MaxInt64
		case StatusOK:
		default:
			continue
		}
		switch r.Input.Kind {
		case OpCreate:
			if old, ok := lastCreate[r.Input.Path]; !ok || ret > old {
				lastCreate[r.Input.Path] = ret
			}
		case OpDelete:
			if old, ok := lastDelete[r.Input.Path]; !ok || ret > old {
				lastDelete[r.Input.Path] = ret
			}
		}
	}
	for _, r := range h.Records {
		if r.Output.Status != StatusOK || !r.Input.Kind.isWrite() {
			continue
		}
		p := r.Input.Path
		ld, ok1 := lastDelete[p]
		lc, ok2 := lastCreate[p]
		deleteAfter := ok1 && ld >= r.Call
		createAfter := ok2 && lc >= r.Call
		for _, f := range finals {
			if r.Input.Kind == OpSeqCreate {
				if _, found := slices.BinarySearch(f.Seqs, r.Output.Seq); !found {
					problems = append(problems, fmt.Sprintf("acknowledged sequential znode %d (client %d at %v) missing on %s",
						r.Output.Seq, r.Client, time.Duration(r.Call), f.Server))
				}
				continue
			}
			n, ok := f.Nodes[p]
			if !ok {
				continue
			}
			exists := n.Status == StatusOK
			lost := false
			switch r.Input.Kind {
			case OpCreate:
				lost = !exists && !deleteAfter
			case OpDelete:
				lost = exists && !createAfter
			case OpSet:
				if exists && n.Czxid == r.Output.Czxid {
					lost = n.Mzxid < r.Output.Mzxid
				} else {
					lost = !deleteAfter
				}
			}
			if lost {
				problems = append(problems, fmt.Sprintf("acknowledged %s lost on %s: has %s",
					describe(r.Input, r.Output), f.Server, nodeString(n)))
			}
		}
	}
	return problems
}

func sameNode(a, b Output) bool {
	return a.Status == b.Status && a.Data == b.Data && a.Version == b.Version && a.Czxid == b.Czxid && a.Mzxid == b.Mzxid
}

func nodeString(o Output) string {
	switch o.Status {
	case StatusOK:
		return fmt.Sprintf("%q v%d czxid %v mzxid %v", o.Data, o.Version, o.Czxid, o.Mzxid)
	case 0:
		return "nothing"
	}
	return o.Status.String()
}
