package robust

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/paddockdb/paddock/zk"
)

// OpKind is a ZooKeeper operation of the workload.
type OpKind uint8

const (
	// OpCreate is create(path, data): OK, NodeExists. The parent always
	// exists (the workload creates it first and never deletes it), so
	// NoNode is a violation.
	OpCreate OpKind = iota + 1
	// OpSet is setData(path, data, version): OK with the new version,
	// BadVersion, NoNode. Version -1 matches any version.
	OpSet
	// OpDelete is delete(path, version): OK, BadVersion, NoNode.
	OpDelete
	// OpGet is getData(path) as a client issues it: answered by the
	// server the session is connected to, which may lag. See Record.Floor
	// for how it is checked.
	OpGet
	// OpSyncGet is sync(path) then getData(path) on the same session: a
	// linearizable read, checked over the interval from the sync's call
	// to the get's return.
	OpSyncGet
	// OpSeqCreate is create(parent/item-, sequential): the server appends
	// a number; numbers must be unique and increase in real-time order.
	OpSeqCreate
)

func (k OpKind) String() string {
	switch k {
	case OpCreate:
		return "create"
	case OpSet:
		return "set"
	case OpDelete:
		return "delete"
	case OpGet:
		return "get"
	case OpSyncGet:
		return "syncget"
	case OpSeqCreate:
		return "seqcreate"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// isWrite reports whether the operation may change the tree.
func (k OpKind) isWrite() bool {
	return k == OpCreate || k == OpSet || k == OpDelete || k == OpSeqCreate
}

// Status is the outcome of an operation.
type Status uint8

const (
	StatusOK Status = iota + 1
	StatusNodeExists
	StatusNoNode
	StatusBadVersion
	// StatusUnknown: the client lost the connection or session before the
	// reply, so the operation may or may not have taken effect, possibly
	// long after the client gave up. The history gives such a write a
	// return time after every other operation (see History.Operations), and
	// the model applies it as the server would: linearized at the end, it
	// is the same as never happening.
	StatusUnknown
)

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusNodeExists:
		return "NodeExists"
	case StatusNoNode:
		return "NoNode"
	case StatusBadVersion:
		return "BadVersion"
	case StatusUnknown:
		return "unknown"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Input is an operation as invoked.
type Input struct {
	Kind OpKind
	// Path is the znode, or for OpSeqCreate its parent: the partition.
	Path    string
	Data    string // create, set
	Version int32  // set, delete: the expected version, -1 for any
}

// Output is an operation's outcome. The model reads Status, Data,
// Version and Seq; the zxids are for the final checks (check.go).
type Output struct {
	Status  Status
	Data    string // get: the data read
	Version int32  // get: the version read; set: the new version
	Seq     int64  // seqcreate: the number the server appended
	// Czxid and Mzxid are the znode's, as a set or get reported them
	// (0 when the operation returns no Stat).
	Czxid, Mzxid zk.Zxid
}

// State is the model's state of one partition: one znode, or for the
// sequential partition the largest number handed out. It is comparable,
// so porcupine's default equality works.
type State struct {
	Exists  bool
	Data    string
	Version int32
	// Seq is the largest sequential number linearized so far (-1: none).
	Seq int64
}

func (s State) String() string {
	if s.Seq >= 0 {
		return fmt.Sprintf("last seq %d", s.Seq)
	}
	if !s.Exists {
		return "absent"
	}
	return fmt.Sprintf("%q v%d", s.Data, s.Version)
}

// initState is every partition's initial state: no znode, no number.
var initState = State{Seq: -1}

// step is the sequential specification of ZooKeeper on one partition. It
// reports whether in can produce out from s and the state after it.
func step(s State, in Input, out Output) (bool, State) {
	match := func(v int32) bool { return v == -1 || v == s.Version }
	switch in.Kind {
	case OpCreate:
		switch out.Status {
		case StatusOK:
			return !s.Exists, State{Exists: true, Data: in.Data, Version: 0, Seq: s.Seq}
		case StatusNodeExists:
			return s.Exists, s
		case StatusUnknown:
			if s.Exists {
				return true, s
			}
			return true, State{Exists: true, Data: in.Data, Version: 0, Seq: s.Seq}
		}
	case OpSet:
		switch out.Status {
		case StatusOK:
			ok := s.Exists && match(in.Version) && out.Version == s.Version+1
			return ok, State{Exists: true, Data: in.Data, Version: s.Version + 1, Seq: s.Seq}
		case StatusBadVersion:
			return s.Exists && !match(in.Version), s
		case StatusNoNode:
			return !s.Exists, s
		case StatusUnknown:
			if s.Exists && match(in.Version) {
				return true, State{Exists: true, Data: in.Data, Version: s.Version + 1, Seq: s.Seq}
			}
			return true, s
		}
	case OpDelete:
		switch out.Status {
		case StatusOK:
			return s.Exists && match(in.Version), State{Seq: s.Seq}
		case StatusBadVersion:
			return s.Exists && !match(in.Version), s
		case StatusNoNode:
			return !s.Exists, s
		case StatusUnknown:
			if s.Exists && match(in.Version) {
				return true, State{Seq: s.Seq}
			}
			return true, s
		}
	case OpGet, OpSyncGet:
		switch out.Status {
		case StatusOK:
			return s.Exists && out.Data == s.Data && out.Version == s.Version, s
		case StatusNoNode:
			return !s.Exists, s
		case StatusUnknown:
			return true, s // carries no information (History drops these)
		}
	case OpSeqCreate:
		switch out.Status {
		case StatusOK:
			if out.Seq <= s.Seq {
				return false, s
			}
			next := s
			next.Seq = out.Seq
			return true, next
		case StatusUnknown:
			// NB: a lost create may have used a number; the next one
			// need only be larger, which it is either way.
			return true, s
		}
	}
	return false, s
}

// Model is the porcupine model of the workload's operations, partitioned
// by Input.Path: each znode (and the parent of the sequential creates) is
// an independent object, and linearizability is local, so checking each
// partition alone is exact (Herlihy & Wing 1990, §3.3).
var Model = porcupine.Model{
	Partition: partitionByPath,
	Init:      func() any { return initState },
	Step: func(state, input, output any) (bool, any) {
		return step(state.(State), input.(Input), output.(Output))
	},
	Hash: func(state any) uint64 {
		s := state.(State)
		h := fnv.New64a()
		fmt.Fprintf(h, "%t|%d|%d|%s", s.Exists, s.Version, s.Seq, s.Data)
		return h.Sum64()
	},
	DescribeOperation: func(input, output any) string {
		return describe(input.(Input), output.(Output))
	},
	DescribeState: func(state any) string { return state.(State).String() },
	DescribeOperationMetadata: func(info any) string {
		if info == nil {
			return ""
		}
		return fmt.Sprint(info)
	},
}

func partitionByPath(history []porcupine.Operation) [][]porcupine.Operation {
	index := make(map[string]int)
	var parts [][]porcupine.Operation
	for _, op := range history {
		p := op.Input.(Input).Path
		i, ok := index[p]
		if !ok {
			i = len(parts)
			index[p] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], op)
	}
	return parts
}

func describe(in Input, out Output) string {
	var b strings.Builder
	switch in.Kind {
	case OpCreate:
		fmt.Fprintf(&b, "create(%s, %q)", in.Path, in.Data)
	case OpSet:
		fmt.Fprintf(&b, "set(%s, %q, v=%d)", in.Path, in.Data, in.Version)
	case OpDelete:
		fmt.Fprintf(&b, "delete(%s, v=%d)", in.Path, in.Version)
	case OpGet, OpSyncGet:
		fmt.Fprintf(&b, "%s(%s)", in.Kind, in.Path)
	case OpSeqCreate:
		fmt.Fprintf(&b, "seqcreate(%s)", in.Path)
	default:
		fmt.Fprintf(&b, "%s(%s)", in.Kind, in.Path)
	}
	b.WriteString(" -> ")
	b.WriteString(out.Status.String())
	if out.Status == StatusOK {
		switch in.Kind {
		case OpSet:
			fmt.Fprintf(&b, " v%d", out.Version)
		case OpGet, OpSyncGet:
			fmt.Fprintf(&b, " %q v%d", out.Data, out.Version)
		case OpSeqCreate:
			fmt.Fprintf(&b, " %d", out.Seq)
		}
	}
	return b.String()
}
