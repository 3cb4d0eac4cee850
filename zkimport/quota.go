package zkimport

import (
	"strconv"
	"strings"

	"github.com/paddockdb/paddock/engine"
)

// setupQuota recomputes the data of every quota's zookeeper_stats node
// from the snapshot's tree, as DataTree.setupQuota does when ZooKeeper
// loads a snapshot: for each leaf /zookeeper/quota/P/zookeeper_limits, the
// stats node of P gets "count=N,bytes=M", the nodes and data bytes of P's
// subtree (P included). It changes data only: no Stat field, and no digest
// (the /zookeeper/ nodes are not digested).
//
// NB: the stats a snapshot holds are as fuzzy as the rest of it: the stats
// node may have been written before or after a create or delete below P
// whose node was written the other way round, and replaying the txn would
// then count it twice or never. Recomputing them first is what makes the
// replay exact, in ZooKeeper and here.
func setupQuota(s *Snapshot) {
	const limitSuffix = "/" + engine.QuotaLimitNode
	index := make(map[string]int)
	for i := range s.Nodes {
		p := s.Nodes[i].Path
		if strings.HasPrefix(p, engine.QuotaZookeeper+"/") && strings.HasSuffix(p, limitSuffix) && s.Nodes[i].NumChildren == 0 {
			index[p] = i
		}
	}
	if len(index) == 0 {
		return
	}
	byPath := make(map[string]int, len(s.Nodes))
	for i := range s.Nodes {
		byPath[s.Nodes[i].Path] = i
	}
	for p := range index {
		root := p[len(engine.QuotaZookeeper) : len(p)-len(limitSuffix)]
		si, ok := byPath[engine.QuotaZookeeper+root+"/"+engine.QuotaStatNode]
		if !ok {
			continue // ZooKeeper logs "Missing quota stat node"
		}
		var count, bytes int64
		for i := range s.Nodes {
			n := &s.Nodes[i]
			if inSubtree(n.Path, root) {
				count++
				bytes += int64(len(n.Data))
			}
		}
		s.Nodes[si].Data = []byte("count=" + strconv.FormatInt(count, 10) + ",bytes=" + strconv.FormatInt(bytes, 10))
	}
}

// inSubtree reports whether path is root or below it; root "" is the
// whole tree (a quota on "/").
func inSubtree(path, root string) bool {
	if root == "" || path == root {
		return true
	}
	return strings.HasPrefix(path, root+"/")
}
