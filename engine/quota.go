package engine

import (
	"strconv"
	"strings"
)

// Quotas, as ZooKeeper keeps them: a quota on path P is the node
// /zookeeper/quota/P/zookeeper_limits (data "count=N,bytes=M", -1 meaning
// none), and the server maintains /zookeeper/quota/P/zookeeper_stats with the
// subtree's current node count and data bytes, rewriting its data in place
// (no txn, no version bump) whenever the subtree changes. Exceeding a quota
// logs ZooKeeper's "Quota exceeded" warning; like ZooKeeper's default
// (zookeeper.enforceQuota=false) it does not refuse the write.

// quotaRoot returns the quota path a /zookeeper/quota/... parent stands for.
func quotaRoot(parent string) string {
	p := strings.TrimPrefix(parent, QuotaZookeeper)
	if p == "" {
		return "/"
	}
	return p
}

// quotaPrefix returns the longest path with a quota that is path itself or
// an ancestor of it (PathTrie.findMaxPrefix), or "".
func (e *Engine) quotaPrefix(path string) string {
	if len(e.tree.quotas) == 0 || strings.HasPrefix(path, ProcZookeeper+"/") || path == ProcZookeeper {
		return ""
	}
	for p := path; p != "/"; p = parentOf(p) {
		if _, ok := e.tree.quotas[p]; ok {
			return p
		}
	}
	return ""
}

// statsTrack is ZooKeeper's StatsTrack: "count=N,bytes=M[,key=value...]".
type statsTrack struct {
	count, bytes int64
	extra        []string // other key=value pairs, kept in order
}

func parseStats(b []byte) statsTrack {
	s := statsTrack{count: -1, bytes: -1}
	for _, kv := range strings.Split(string(b), ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch {
		case k == "count" && err == nil:
			s.count = n
		case k == "bytes" && err == nil:
			s.bytes = n
		default:
			s.extra = append(s.extra, kv)
		}
	}
	return s
}

func (s statsTrack) String() string {
	out := "count=" + strconv.FormatInt(s.count, 10) + ",bytes=" + strconv.FormatInt(s.bytes, 10)
	for _, kv := range s.extra {
		out += "," + kv
	}
	return out
}

// updateQuotaStat is DataTree.updateQuotaStat.
func (e *Engine) updateQuotaStat(prefix string, bytesDiff, countDiff int64) {
	sn := e.tree.lookup(QuotaZookeeper + prefix + "/" + QuotaStatNode)
	if sn == nil {
		return
	}
	st := parseStats(sn.data)
	st.count += countDiff
	st.bytes += bytesDiff
	e.setNodeDataInPlace(sn, []byte(st.String()))
	ln := e.tree.lookup(QuotaZookeeper + prefix + "/" + QuotaLimitNode)
	if ln == nil {
		return
	}
	lim := parseStats(ln.data)
	if lim.count > -1 && st.count > lim.count {
		e.lg.Warn("Quota exceeded: " + prefix + " [current count=" + strconv.FormatInt(st.count, 10) +
			", limit=" + strconv.FormatInt(lim.count, 10) + "]")
	}
	if lim.bytes > -1 && st.bytes > lim.bytes {
		e.lg.Warn("Quota exceeded: " + prefix + " [current bytes=" + strconv.FormatInt(st.bytes, 10) +
			", limit=" + strconv.FormatInt(lim.bytes, 10) + "]")
	}
}

func (e *Engine) setNodeDataInPlace(n *node, data []byte) {
	e.tree.dataSize += int64(len(data) - len(n.data))
	n.data = data
}

// subtreeCounts counts path and its descendants and their data bytes
// (DataTree.getCounts).
func (e *Engine) subtreeCounts(path string) (count, bytes int64) {
	n := e.tree.lookup(path)
	if n == nil {
		return 0, 0
	}
	count, bytes = 1, int64(len(n.data))
	for _, c := range e.tree.children(path) {
		child := path + "/" + c
		if path == "/" {
			child = "/" + c
		}
		cc, cb := e.subtreeCounts(child)
		count += cc
		bytes += cb
	}
	return count, bytes
}

func (e *Engine) quotaCreated(path, parent, name string, dataLen int) {
	if strings.HasPrefix(parent, QuotaZookeeper) {
		switch name {
		case QuotaLimitNode:
			e.tree.quotas[quotaRoot(parent)] = struct{}{}
		case QuotaStatNode:
			root := quotaRoot(parent)
			c, b := e.subtreeCounts(root)
			if n := e.tree.lookup(path); n != nil {
				st := parseStats(n.data)
				st.count, st.bytes = c, b
				e.setNodeDataInPlace(n, []byte(st.String()))
			}
		}
	}
	if p := e.quotaPrefix(path); p != "" {
		e.updateQuotaStat(p, int64(dataLen), 1)
	}
}

func (e *Engine) quotaDeleted(path, parent, name string, dataLen int) {
	if strings.HasPrefix(parent, ProcZookeeper) && name == QuotaLimitNode {
		delete(e.tree.quotas, quotaRoot(parent))
	}
	if p := e.quotaPrefix(path); p != "" {
		e.updateQuotaStat(p, -int64(dataLen), -1)
	}
}

func (e *Engine) quotaChanged(path string, bytesDiff int) {
	if p := e.quotaPrefix(path); p != "" {
		e.updateQuotaStat(p, int64(bytesDiff), 0)
	}
}
