package robust

import (
	"bytes"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

const (
	kx = "/robust/k0"
	ky = "/robust/k1"
	sq = "/robust-seq"
)

// op builds a Record; floor is only read for OpGet.
func op(client int, kind OpKind, path, data string, version int32, call, ret int64, out Output) Record {
	return Record{
		Client: client,
		Input:  Input{Kind: kind, Path: path, Data: data, Version: version},
		Output: out,
		Call:   call,
		Return: ret,
	}
}

func ok() Output                             { return Output{Status: StatusOK} }
func okv(v int32) Output                     { return Output{Status: StatusOK, Version: v} }
func read(data string, v int32) Output       { return Output{Status: StatusOK, Data: data, Version: v} }
func status(s Status) Output                 { return Output{Status: s} }
func seq(n int64) Output                     { return Output{Status: StatusOK, Seq: n} }
func withFloor(r Record, floor int64) Record { r.Floor = floor; return r }
func unknown() Output                        { return Output{Status: StatusUnknown} }
func check(h History) porcupine.CheckResult {
	return porcupine.CheckOperationsTimeout(Model, h.Operations(), 10*time.Second)
}
func hist(rs ...Record) History { return History{Records: rs} }

func TestModelAccepts(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    History
	}{
		{"sequential life of a znode", hist(
			op(0, OpGet, kx, "", 0, 0, 1, status(StatusNoNode)),
			op(0, OpCreate, kx, "a", 0, 2, 3, ok()),
			op(0, OpCreate, kx, "b", 0, 4, 5, status(StatusNodeExists)),
			op(0, OpSet, kx, "c", 0, 6, 7, okv(1)),
			op(0, OpSet, kx, "d", 0, 8, 9, status(StatusBadVersion)),
			op(0, OpSet, kx, "e", -1, 10, 11, okv(2)),
			op(0, OpSyncGet, kx, "", 0, 12, 13, read("e", 2)),
			op(0, OpDelete, kx, "", 1, 14, 15, status(StatusBadVersion)),
			op(0, OpDelete, kx, "", 2, 16, 17, ok()),
			op(0, OpSet, kx, "f", -1, 18, 19, status(StatusNoNode)),
			op(0, OpDelete, kx, "", -1, 20, 21, status(StatusNoNode)),
			op(0, OpCreate, kx, "g", 0, 22, 23, ok()),
			op(0, OpSyncGet, kx, "", 0, 24, 25, read("g", 0)),
		)},
		{"read concurrent with a write sees either value", hist(
			op(0, OpCreate, kx, "a", 0, 0, 1, ok()),
			op(0, OpSet, kx, "b", -1, 10, 20, okv(1)),
			op(1, OpSyncGet, kx, "", 0, 11, 15, read("b", 1)),
			op(2, OpSyncGet, kx, "", 0, 12, 16, read("a", 0)),
		)},
		{"unknown write observed later", hist(
			op(0, OpCreate, kx, "a", 0, 0, 1, ok()),
			op(0, OpSet, kx, "b", -1, 10, 20, unknown()),
			op(1, OpSyncGet, kx, "", 0, 30, 31, read("b", 1)),
			op(1, OpSyncGet, kx, "", 0, 40, 41, read("b", 1)),
		)},
		{"unknown write never observed", hist(
			op(0, OpCreate, kx, "a", 0, 0, 1, ok()),
			op(0, OpSet, kx, "b", -1, 10, 20, unknown()),
			op(1, OpSyncGet, kx, "", 0, 30, 31, read("a", 0)),
		)},
		{"unknown write applied after its client gave up", hist(
			op(0, OpCreate, kx, "a", 0, 0, 1, ok()),
			op(0, OpDelete, kx, "", -1, 10, 20, unknown()),
			op(1, OpSyncGet, kx, "", 0, 30, 31, read("a", 0)),
			op(1, OpSyncGet, kx, "", 0, 40, 41, status(StatusNoNode)),
		)},
		{"unknown read is ignored", hist(
			op(0, OpCreate, kx, "a", 0, 0, 1, ok()),
			op(1, OpSyncGet, kx, "", 0, 30, 31, unknown()),
		)},
		{"plain get may lag behind other sessions' writes", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(1, OpSet, kx, "b", -1, 20, 30, okv(1)),
			// Client 0's last write was called at 0: its server may not
			// have applied client 1's write yet.
			withFloor(op(0, OpGet, kx, "", 0, 40, 50, read("a", 0)), 0),
		)},
		{"partitions are independent", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(1, OpCreate, ky, "a", 0, 5, 15, ok()),
			op(1, OpSyncGet, kx, "", 0, 20, 21, read("a", 0)),
			op(0, OpSyncGet, ky, "", 0, 20, 21, read("a", 0)),
		)},
		{"sequential numbers increase, concurrent ones in any order", hist(
			op(0, OpSeqCreate, sq, "", 0, 0, 10, seq(0)),
			op(1, OpSeqCreate, sq, "", 0, 20, 40, seq(3)),
			op(2, OpSeqCreate, sq, "", 0, 21, 41, seq(2)),
			op(3, OpSeqCreate, sq, "", 0, 22, 42, unknown()), // took 1? or nothing
			op(0, OpSeqCreate, sq, "", 0, 50, 60, seq(5)),
		)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := check(tc.h); got != porcupine.Ok {
				t.Fatalf("check = %s, want Ok", got)
			}
		})
	}
}

func TestModelRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    History
	}{
		{"stale sync-get after an acknowledged write", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(0, OpSet, kx, "b", -1, 20, 30, okv(1)),
			op(1, OpSyncGet, kx, "", 0, 40, 50, read("a", 0)),
		)},
		{"plain get older than its session's last write but one", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(0, OpSet, kx, "b", -1, 20, 30, okv(1)),
			op(0, OpSet, kx, "c", -1, 40, 50, okv(2)),
			// NB: a get older than the session's last write itself is
			// caught by checkSessions, not here: porcupine may place the
			// get at the write's call.
			withFloor(op(0, OpGet, kx, "", 0, 60, 70, read("a", 0)), 40),
		)},
		{"lost acknowledged write", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(1, OpSet, kx, "b", 0, 20, 30, okv(1)),
			// The final read of some server.
			op(5, OpSyncGet, kx, "", 0, 100, 110, read("a", 0)),
		)},
		{"lost acknowledged create", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(5, OpSyncGet, kx, "", 0, 100, 110, status(StatusNoNode)),
		)},
		{"version goes backwards", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(0, OpSet, kx, "b", -1, 11, 12, unknown()),
			op(0, OpSet, kx, "c", -1, 13, 14, unknown()),
			op(1, OpSyncGet, kx, "", 0, 20, 30, read("c", 2)),
			op(1, OpSyncGet, kx, "", 0, 40, 50, read("b", 1)),
		)},
		{"set acknowledges a version that does not follow", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(0, OpSet, kx, "b", -1, 20, 30, okv(2)),
		)},
		{"conditional set succeeds on the wrong version", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(0, OpSet, kx, "b", 3, 20, 30, okv(1)),
		)},
		{"create reports NoNode although the parent exists", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, status(StatusNoNode)),
		)},
		{"read of a value nobody wrote", hist(
			op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
			op(0, OpSet, kx, "b", -1, 11, 12, unknown()),
			op(1, OpSyncGet, kx, "", 0, 20, 30, read("z", 1)),
		)},
		{"duplicate sequential names", hist(
			op(0, OpSeqCreate, sq, "", 0, 0, 10, seq(4)),
			op(1, OpSeqCreate, sq, "", 0, 5, 15, seq(4)),
		)},
		{"sequential names out of real-time order", hist(
			op(0, OpSeqCreate, sq, "", 0, 0, 10, seq(7)),
			op(1, OpSeqCreate, sq, "", 0, 20, 30, seq(6)),
		)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := check(tc.h); got != porcupine.Illegal {
				t.Fatalf("check = %s, want Illegal", got)
			}
		})
	}
}

func TestOperations(t *testing.T) {
	h := hist(
		op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
		withFloor(op(1, OpGet, kx, "", 0, 30, 40, read("a", 0)), 5),
		op(1, OpSyncGet, kx, "", 0, 50, 60, unknown()),
		op(2, OpSet, kx, "b", -1, 70, 80, unknown()),
		op(3, OpSyncGet, kx, "", 0, 90, 100, read("a", 0)),
	)
	ops := h.Operations()
	if len(ops) != 4 {
		t.Fatalf("got %d operations, want 4 (the unknown read dropped)", len(ops))
	}
	if ops[1].Call != 5 || ops[1].Return != 40 {
		t.Errorf("plain get spans [%d,%d], want [5,40]", ops[1].Call, ops[1].Return)
	}
	if ops[2].Call != 70 || ops[2].Return != 101 {
		t.Errorf("unknown write spans [%d,%d], want [70,101]", ops[2].Call, ops[2].Return)
	}
}

// TestModelVisualizes checks that a rejected history renders, as the
// robustness tests do on a violation.
func TestModelVisualizes(t *testing.T) {
	h := hist(
		op(0, OpCreate, kx, "a", 0, 0, 10, ok()),
		op(0, OpSet, kx, "b", -1, 20, 30, okv(1)),
		op(1, OpSyncGet, kx, "", 0, 40, 50, read("a", 0)),
		op(2, OpSeqCreate, sq, "", 0, 0, 10, seq(1)),
	)
	res, info := porcupine.CheckOperationsVerbose(Model, h.Operations(), 10*time.Second)
	if res != porcupine.Illegal {
		t.Fatalf("check = %s, want Illegal", res)
	}
	var buf bytes.Buffer
	if err := porcupine.Visualize(Model, info, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`set(/robust/k0, \"b\", v=-1) -\u003e ok v1`)) && !bytes.Contains(buf.Bytes(), []byte("set(/robust/k0")) {
		t.Errorf("visualization does not describe the operations")
	}
}
