package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/paddockdb/paddock/zk"
)

// Quotas, as ZooKeeper keeps them: a quota on path P is the node
// /zookeeper/quota/P/zookeeper_limits (data "count=N,bytes=M", -1 meaning
// none), and the server maintains /zookeeper/quota/P/zookeeper_stats with the
// subtree's current node count and data bytes, rewriting its data in place
// (no txn, no version bump) whenever the subtree changes. Limits are
// checked only with zookeeper.enforceQuota set (ZooKeeper's default is
// off): see checkQuota.

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

// statsTrack is ZooKeeper's StatsTrack: key=value pairs separated by ',' or
// ';', written as "count=N,bytes=M" and, when other keys are present,
// "=;key=value..." after them in key order (the stray '=' keeps 3.4
// parsers happy). Missing values read as -1.
type statsTrack map[string]int64

func parseStats(b []byte) statsTrack {
	s := statsTrack{}
	for _, kv := range strings.FieldsFunc(string(b), func(r rune) bool { return r == ',' || r == ';' }) {
		parts := strings.Split(kv, "=")
		for len(parts) > 1 && parts[len(parts)-1] == "" { // Java's split drops trailing empties
			parts = parts[:len(parts)-1]
		}
		if len(parts) < 2 {
			s[parts[0]] = -1
			continue
		}
		n, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			continue
		}
		s[parts[0]] = n
	}
	return s
}

func (s statsTrack) get(k string) int64 {
	if v, ok := s[k]; ok {
		return v
	}
	return -1
}

func (s statsTrack) String() string {
	out := "count=" + strconv.FormatInt(s.get("count"), 10) + ",bytes=" + strconv.FormatInt(s.get("bytes"), 10)
	keys := make([]string, 0, len(s))
	for k := range s {
		if k != "count" && k != "bytes" {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		sort.Strings(keys)
		out += "="
		for _, k := range keys {
			out += ";" + k + "=" + strconv.FormatInt(s[k], 10)
		}
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
	st["count"] = st.get("count") + countDiff
	st["bytes"] = st.get("bytes") + bytesDiff
	e.setNodeDataInPlace(sn, []byte(st.String()))
}

// checkQuota is ZooKeeperServer.checkQuota, run at prep: with
// zookeeper.enforceQuota set, a create (countDiff 1) or setData that would
// pass a hard limit of the nearest quota is refused with QuotaExceeded;
// passing a soft limit (count, bytes) only logs ZooKeeper's warning.
func (e *Engine) checkQuota(path string, bytesDiff, countDiff int64) error {
	if !e.cfg.EnforceQuota {
		return nil
	}
	prefix := e.quotaPrefix(path)
	if prefix == "" {
		return nil
	}
	ln := e.tree.lookup(QuotaZookeeper + prefix + "/" + QuotaLimitNode)
	sn := e.tree.lookup(QuotaZookeeper + prefix + "/" + QuotaStatNode)
	if ln == nil || sn == nil {
		return nil
	}
	lim, cur := parseStats(ln.data), parseStats(sn.data)
	// check compares one figure; name is "Count" or "Byte" as in
	// ZooKeeper's message ("[current count=3, hardCountLimit=2]").
	check := func(diff int64, soft, hard, name string) error {
		if diff == 0 || (lim.get(soft) < 0 && lim.get(hard) < 0) {
			return nil
		}
		now := cur.get(soft) + diff
		limit, kind := lim.get(soft), "soft"
		if lim.get(hard) > -1 {
			limit, kind = lim.get(hard), "hard"
		}
		if now <= limit {
			return nil
		}
		e.lg.Warn(fmt.Sprintf("Quota exceeded: %s [current %s=%d, %s%sLimit=%d]", prefix, soft, now, kind, name, limit))
		if kind == "hard" {
			return zk.CodeQuotaExceeded
		}
		return nil
	}
	if err := check(countDiff, "count", "countHardLimit", "Count"); err != nil {
		return err
	}
	return check(bytesDiff, "bytes", "byteHardLimit", "Byte")
}

func (e *Engine) setNodeDataInPlace(n *node, data []byte) {
	e.tree.dataSize += int64(len(data)-len(n.data)) * e.tree.dataWeight(n)
	n.data = data
	e.tree.touch(n)
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
			// Clone: parent may alias the txn's buffer, which a log
			// reader reuses.
			e.tree.quotas[strings.Clone(quotaRoot(parent))] = struct{}{}
		case QuotaStatNode:
			root := quotaRoot(parent)
			c, b := e.subtreeCounts(root)
			if n := e.tree.lookup(path); n != nil {
				st := parseStats(n.data)
				st["count"], st["bytes"] = c, b
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
