package robust

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/paddockdb/paddock/zk"
)

// Record is one operation of a History.
type Record struct {
	// Client numbers the workload's clients from 0; the final reads of
	// server i are client Clients+i.
	Client int
	// Server is the address the client was connected to when the
	// operation returned (for the visualization).
	Server string
	// Session is the session id when the operation returned.
	Session zk.SessionID
	Input   Input
	Output  Output
	// Call and Return are nanoseconds since the workload started, from
	// the monotonic clock.
	Call, Return int64
	// Floor is, for OpGet, the earliest time whose state the read may
	// return. ZooKeeper answers a plain read from the state of the server
	// the session is connected to, which may lag behind the leader but
	// holds everything the session has seen: the client sends the last
	// zxid it saw when it reconnects, and a server that is behind refuses
	// it (ZooKeeper Programmer's Guide, "Consistency Guarantees"). So the
	// read is linearizable somewhere in [Floor, Return], where Floor is the
	// call time of the session's last write or sync-get with a known
	// outcome, or 0 if there is none or the session changed since (go-zk
	// forgets the last zxid when a session expires).
	Floor int64
}

// History is the record of a run: the workload's operations and the final
// reads. It is not safe for concurrent use.
type History struct {
	Records []Record
}

// Operations converts h to porcupine's form: a plain get spans [Floor,
// Return]; a write with an unknown outcome returns after everything else,
// so the checker may linearize it anywhere after its call, which with the
// model's step is the same as either outcome; reads with an unknown
// outcome are dropped.
func (h *History) Operations() []porcupine.Operation {
	end := int64(0)
	for _, r := range h.Records {
		end = max(end, r.Call, r.Return)
	}
	ops := make([]porcupine.Operation, 0, len(h.Records))
	for _, r := range h.Records {
		call, ret := r.Call, r.Return
		if r.Output.Status == StatusUnknown {
			if !r.Input.Kind.isWrite() {
				continue
			}
			ret = end + 1
		}
		if r.Input.Kind == OpGet {
			call = r.Floor
		}
		ops = append(ops, porcupine.Operation{
			ClientId: r.Client,
			Input:    r.Input,
			Call:     call,
			Output:   r.Output,
			Return:   ret,
			Metadata: r.Server,
		})
	}
	return ops
}

// Summary counts the records by kind and outcome, for logs.
func (h *History) Summary() string {
	counts := make(map[string]int)
	for _, r := range h.Records {
		counts[fmt.Sprintf("%s:%s", r.Input.Kind, r.Output.Status)]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d operations", len(h.Records))
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, ", %s=%d", k, counts[k])
	}
	return b.String()
}

// Count returns how many records have the given kind (0 for any) and
// status (0 for any).
func (h *History) Count(kind OpKind, status Status) int {
	n := 0
	for _, r := range h.Records {
		if (kind == 0 || r.Input.Kind == kind) && (status == 0 || r.Output.Status == status) {
			n++
		}
	}
	return n
}
