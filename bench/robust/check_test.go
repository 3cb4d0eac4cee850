package robust

import (
	"strings"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

func stat(data string, v int32, czxid, mzxid zk.Zxid) Output {
	return Output{Status: StatusOK, Data: data, Version: v, Czxid: czxid, Mzxid: mzxid}
}

func inSession(r Record, s zk.SessionID) Record { r.Session = s; return r }

func TestCheckSessions(t *testing.T) {
	set := inSession(op(0, OpSet, kx, "b", -1, 10, 20, stat("", 1, 5, 10)), 7)
	for _, tc := range []struct {
		name string
		h    History
		want string // substring of the one problem, "" for none
	}{
		{"reads own write", hist(set,
			inSession(op(0, OpGet, kx, "", 0, 30, 40, stat("b", 1, 5, 10)), 7)), ""},
		{"reads a later write", hist(set,
			inSession(op(0, OpGet, kx, "", 0, 30, 40, stat("c", 2, 5, 12)), 7)), ""},
		{"reads before own write", hist(set,
			inSession(op(0, OpGet, kx, "", 0, 30, 40, stat("a", 0, 5, 5)), 7)), "older than"},
		{"reads an older incarnation", hist(set,
			inSession(op(0, OpGet, kx, "", 0, 30, 40, stat("a", 3, 2, 12)), 7)), "older than"},
		{"monotonic reads", hist(
			inSession(op(0, OpSyncGet, kx, "", 0, 0, 5, stat("c", 2, 5, 12)), 7),
			inSession(op(0, OpGet, kx, "", 0, 30, 40, stat("b", 1, 5, 10)), 7)), "older than"},
		{"reads the incarnation it deleted", hist(
			inSession(op(0, OpGet, kx, "", 0, 0, 5, stat("b", 1, 5, 10)), 7),
			inSession(op(0, OpDelete, kx, "", -1, 10, 20, ok()), 7),
			inSession(op(0, OpGet, kx, "", 0, 30, 40, stat("b", 1, 5, 10)), 7)), "older than"},
		{"reads a new incarnation after delete", hist(
			inSession(op(0, OpGet, kx, "", 0, 0, 5, stat("b", 1, 5, 10)), 7),
			inSession(op(0, OpDelete, kx, "", -1, 10, 20, ok()), 7),
			inSession(op(0, OpGet, kx, "", 0, 30, 40, stat("x", 0, 30, 30)), 7)), ""},
		{"a new session may read older data", hist(set,
			inSession(op(0, OpGet, kx, "", 0, 30, 40, stat("a", 0, 5, 5)), 8)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkSessions(&tc.h)
			switch {
			case tc.want == "" && len(got) != 0:
				t.Fatalf("problems %q, want none", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Fatalf("problems %q, want one with %q", got, tc.want)
			}
		})
	}
}

func TestCheckFinal(t *testing.T) {
	node := func(o Output) map[string]Output { return map[string]Output{kx: o} }
	setB := op(0, OpSet, kx, "b", -1, 10, 20, stat("", 1, 5, 10))
	final := func(server string, o Output, seqs ...int64) FinalState {
		return FinalState{Server: server, Nodes: node(o), Seqs: seqs}
	}
	for _, tc := range []struct {
		name   string
		h      History
		finals []FinalState
		want   string
	}{
		{"acknowledged set present everywhere", hist(setB),
			[]FinalState{final("s1", stat("b", 1, 5, 10)), final("s2", stat("b", 1, 5, 10))}, ""},
		{"later write on top", hist(setB),
			[]FinalState{final("s1", stat("c", 2, 5, 11)), final("s2", stat("c", 2, 5, 11))}, ""},
		{"servers disagree", hist(setB),
			[]FinalState{final("s1", stat("b", 1, 5, 10)), final("s2", stat("c", 2, 5, 11))}, "disagree"},
		{"acknowledged set lost", hist(setB),
			[]FinalState{final("s1", stat("a", 0, 5, 5))}, "lost"},
		{"set undone by a delete of unknown outcome", hist(setB,
			op(1, OpDelete, kx, "", -1, 5, 8, unknown())),
			[]FinalState{final("s1", status(StatusNoNode))}, ""},
		{"set not undone by a delete that returned before it", hist(setB,
			op(1, OpDelete, kx, "", -1, 5, 8, ok())),
			[]FinalState{final("s1", status(StatusNoNode))}, "lost"},
		{"acknowledged create lost", hist(op(0, OpCreate, kx, "a", 0, 0, 1, ok())),
			[]FinalState{final("s1", status(StatusNoNode))}, "lost"},
		{"acknowledged delete lost", hist(op(0, OpDelete, kx, "", -1, 0, 1, ok())),
			[]FinalState{final("s1", stat("a", 0, 5, 5))}, "lost"},
		{"sequential znode missing", hist(op(0, OpSeqCreate, sq, "", 0, 0, 1, seq(3))),
			[]FinalState{final("s1", status(StatusNoNode), 1, 2, 4)}, "missing"},
		{"sequential znode present", hist(op(0, OpSeqCreate, sq, "", 0, 0, 1, seq(3))),
			[]FinalState{final("s1", status(StatusNoNode), 1, 3)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkFinal(&tc.h, tc.finals)
			switch {
			case tc.want == "" && len(got) != 0:
				t.Fatalf("problems %q, want none", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Fatalf("problems %q, want one with %q", got, tc.want)
			}
		})
	}
}
