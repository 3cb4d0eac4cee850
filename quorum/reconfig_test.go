package quorum

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// add makes room for a new server in the cluster, not yet started, and
// tells the running ones its address (as the server does when it applies
// the reconfig that adds it).
func (c *cluster) add() int {
	c.peers = append(c.peers, Peer{ID: uint64(len(c.peers) + 1), Addr: freeAddr(c.t)})
	c.dirs = append(c.dirs, c.t.TempDir())
	c.nodes = append(c.nodes, nil)
	c.recs = append(c.recs, nil)
	for _, nd := range c.nodes {
		if nd != nil {
			nd.SetPeers(c.peers)
		}
	}
	return len(c.peers) - 1
}

// commitEverywhere proposes d on the leader and waits for every running
// node but skip to hold want+d.
func (c *cluster) commitEverywhere(want *[]string, d string, skip ...int) {
	c.t.Helper()
	l := c.leader()
	*want = append(*want, d)
	c.nodes[l].Propose([][]byte{[]byte(d)})
	for i, nd := range c.nodes {
		if nd != nil && !slices.Contains(skip, i) {
			waitFor(c.t, fmt.Sprintf("node %d to commit %s", i+1, d), func() bool { return equal(c.recs[i].data(), *want) })
		}
	}
}

// change proposes a membership on the leader, with txn d, and waits for
// every running member but skip to apply it.
func (c *cluster) change(want *[]string, d string, voters, learners []uint64, skip ...int) {
	c.t.Helper()
	l := c.leader()
	c.nodes[l].ProposeConfChange(voters, learners, []byte(d), []byte("refused-"+d))
	*want = append(*want, d)
	for i, nd := range c.nodes {
		if nd != nil && !slices.Contains(skip, i) && (slices.Contains(voters, uint64(i+1)) || slices.Contains(learners, uint64(i+1))) {
			waitFor(c.t, fmt.Sprintf("node %d to apply %s", i+1, d), func() bool { return equal(c.recs[i].data(), *want) })
		}
	}
}

// TestMembershipChange: a new server started with the members plus itself
// joins a running ensemble instead of starting its own log; the leader adds
// it (the txn carried by the change commits in order with the others) and
// sends it a snapshot whose membership includes it; then a voter becomes a
// learner and back, and a voter is removed, after which the remaining
// majority commits without it. A second change while one is pending is
// refused.
func TestMembershipChange(t *testing.T) {
	c := newCluster(t, 3)
	var want []string
	c.commitEverywhere(&want, "a")
	c.commitEverywhere(&want, "b")

	j := c.add()
	c.start(j)
	if !c.nodes[j].Status().Joining {
		t.Fatal("the new server did not detect the running ensemble: it started a log of its own")
	}
	time.Sleep(100 * time.Millisecond)
	if got := c.recs[j].data(); len(got) != 0 {
		t.Fatalf("the new server applied %v before it was added", got)
	}
	c.change(&want, "add4", []uint64{1, 2, 3, 4}, nil, j)
	// The leader's snapshot so far (index 1) predates the new member,
	// which refuses it; a snapshot after the change brings it in.
	for i, nd := range c.nodes[:3] {
		nd.Snapshotted(c.recs[i].checkpoint())
	}
	waitFor(t, "the new server to join", func() bool { return equal(c.recs[j].data(), want) })
	if st := c.nodes[j].Status(); st.Learner || st.Joining {
		t.Fatalf("the new server: learner %v, joining %v", st.Learner, st.Joining)
	}
	c.commitEverywhere(&want, "c")

	// A voter becomes a learner (an observer), then a voter again.
	l := c.leader()
	demoted := (l + 1) % 4
	var voters []uint64
	for id := uint64(1); id <= 4; id++ {
		if id != uint64(demoted+1) {
			voters = append(voters, id)
		}
	}
	c.change(&want, "demote", voters, []uint64{uint64(demoted + 1)})
	waitFor(t, "the demoted server to see itself a learner", func() bool { return c.nodes[demoted].Status().Learner })
	c.commitEverywhere(&want, "d")
	c.change(&want, "promote", []uint64{1, 2, 3, 4}, nil)
	waitFor(t, "the promoted server to see itself a voter", func() bool { return !c.nodes[demoted].Status().Learner })

	// Two changes at once go through a joint configuration, which raft
	// leaves by itself: a voter becomes a learner and another leaves;
	// then both come back as voters.
	l = c.leader()
	a, b := (l+1)%4, (l+2)%4
	var two []uint64
	for id := uint64(1); id <= 4; id++ {
		if id != uint64(a+1) && id != uint64(b+1) {
			two = append(two, id)
		}
	}
	c.change(&want, "joint", two, []uint64{uint64(a + 1)}, b)
	waitFor(t, "the joint configuration to be left", func() bool { return c.nodes[l].Status().Leader && !c.nodes[l].inJoint() })
	c.commitEverywhere(&want, "after-joint", b)
	c.change(&want, "rejoin", []uint64{1, 2, 3, 4}, nil, b)
	waitFor(t, "the removed server to catch up", func() bool { return equal(c.recs[b].data(), want) })
	waitFor(t, "the joint configuration to be left", func() bool { return !c.nodes[c.leader()].inJoint() })

	// The leader removes itself: it steps down, the others elect.
	l = c.leader()
	var rest []uint64
	for id := uint64(1); id <= 4; id++ {
		if id != uint64(l+1) {
			rest = append(rest, id)
		}
	}
	// A second change right behind it is refused: its fallback commits.
	c.nodes[l].ProposeConfChange(rest, nil, []byte("remove"), []byte("refused-remove"))
	c.nodes[l].ProposeConfChange([]uint64{1, 2, 3, 4}, nil, []byte("again"), []byte("refused-again"))
	want = append(want, "remove", "refused-again")
	for _, id := range rest {
		i := int(id - 1)
		waitFor(t, fmt.Sprintf("node %d to apply the removal", id), func() bool { return equal(c.recs[i].data(), want) })
	}
	waitFor(t, "the removed leader to step down", func() bool { return !c.nodes[l].Status().Leader })
	c.stop(l)
	c.commitEverywhere(&want, "e")
	// Three voters remain: one more may stop.
	other := int(rest[0] - 1)
	if other == c.leader() {
		other = int(rest[1] - 1)
	}
	c.stop(other)
	c.commitEverywhere(&want, "f")
}

// inJoint reports whether the node's applied membership is joint.
func (n *Node) inJoint() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.status.Joint
}
