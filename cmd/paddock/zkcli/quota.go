package zkcli

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/paddockdb/paddock/zk"
)

// Quota znodes (org.apache.zookeeper.Quotas).
const (
	procZookeeper  = "/zookeeper"
	quotaZookeeper = "/zookeeper/quota"
	limitNode      = "zookeeper_limits"
	statNode       = "zookeeper_stats"
)

func quotaPath(path string) string { return quotaZookeeper + path }
func limitPath(path string) string { return quotaZookeeper + path + "/" + limitNode }
func statPath(path string) string  { return quotaZookeeper + path + "/" + statNode }

// statsTrack is org.apache.zookeeper.StatsTrack: the key=value pairs of a
// quota or stat znode; a missing key reads as -1.
type statsTrack map[string]int64

var pairSeparator = regexp.MustCompile(`[,;]+`)

var errStatsTrack = errors.New("malformed quota data")

// parseStatsTrack reads "count=4,bytes=5=;countHardLimit=10" as
// StatsTrack(String) does: pairs split at runs of ',' and ';', each split
// at '=', an empty value reading as -1. Where Java would throw (a pair
// without '=', a value that is not a long), it fails with errStatsTrack.
func parseStatsTrack(s string) (statsTrack, error) {
	st := statsTrack{}
	if s == "" {
		return st, nil
	}
	pairs := pairSeparator.Split(s, -1)
	for len(pairs) > 0 && pairs[len(pairs)-1] == "" {
		pairs = pairs[:len(pairs)-1]
	}
	for _, kv := range pairs {
		parts := javaSplit(kv, "=")
		if len(parts) < 2 {
			return nil, fmt.Errorf("%w: %q", errStatsTrack, kv)
		}
		v := parts[1]
		if v == "" {
			v = "-1"
		}
		n, err := parseJavaLong(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %q", errStatsTrack, kv)
		}
		st[parts[0]] = n
	}
	return st, nil
}

// parseJavaLong is Long.parseLong: an optional sign and decimal digits.
func parseJavaLong(s string) (int64, error) {
	if s == "" || strings.ContainsAny(s, "_ ") {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}

func (st statsTrack) get(k string) int64 {
	if v, ok := st[k]; ok {
		return v
	}
	return -1
}

// String is StatsTrack.toString: count and bytes first, then, after an
// extra '=' that old parsers skip, the other keys sorted, ';'-separated.
func (st statsTrack) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "count=%d,bytes=%d", st.get("count"), st.get("bytes"))
	var keys []string
	for k := range st {
		if k != "count" && k != "bytes" {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		b.WriteByte('=')
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, ";%s=%d", k, st[k])
		}
	}
	return b.String()
}

var quotaGroup = []optSpec{
	{name: "n", hasArg: true, desc: "num soft quota"},
	{name: "b", hasArg: true, desc: "bytes soft quota"},
	{name: "N", hasArg: true, desc: "num hard quota"},
	{name: "B", hasArg: true, desc: "bytes hard quota"},
}

// cmdSetQuota is SetQuotaCommand.
func (s *Shell) cmdSetQuota(c *command, tokens []string) error {
	cl, err := parseOpts(quotaGroup, []optGroup{{names: []string{"n", "b", "N", "B"}, required: true}}, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	path := cl.args[1]
	if strings.HasPrefix(path, quotaZookeeper) {
		s.errln("cannot set a quota under the path: " + quotaZookeeper)
		return failed()
	}
	quota := statsTrack{"count": -1, "bytes": -1, "countHardLimit": -1, "byteHardLimit": -1}
	for _, o := range []struct {
		flag, key string
		num       bool // a count (> 0) rather than bytes (>= 0)
	}{{"n", "count", true}, {"b", "bytes", false}, {"N", "countHardLimit", true}, {"B", "byteHardLimit", false}} {
		if !cl.has(o.flag) {
			continue
		}
		var v int64
		var err error
		if o.num {
			v, err = strconv.ParseInt(cl.value(o.flag), 10, 32)
		} else {
			v, err = parseJavaLong(cl.value(o.flag))
		}
		switch {
		case err != nil:
			s.errln("NumberFormatException happens when parsing the option value")
			return failed()
		case o.num && v <= 0:
			s.errln("the num quota must be greater than zero")
			return failed()
		case !o.num && v < 0:
			s.errln("the bytes quota must be greater than or equal to zero")
			return failed()
		}
		quota[o.key] = v
	}
	return s.createQuota(path, quota)
}

// createQuota is SetQuotaCommand.createQuota.
func (s *Shell) createQuota(path string, quota statsTrack) error {
	_, ok, err := s.zk.Exists(s.ctx, path, false)
	if err != nil {
		return wrap(err, path)
	}
	if !ok {
		return fail(path + " does not exist.")
	}
	if err := s.checkIfChildQuota(path); err != nil {
		return err
	}
	if err := s.checkIfParentQuota(path); err != nil {
		return err
	}
	open := zk.OpenACLUnsafe()
	create := func(p string, data []byte) error {
		_, _, err := s.zk.Create(s.ctx, p, data, open, zk.ModePersistent, 0)
		if err != nil && !errors.Is(err, zk.CodeNodeExists) {
			return wrap(err, p)
		}
		return nil
	}
	if _, ok, err := s.zk.Exists(s.ctx, quotaZookeeper, false); err != nil {
		return wrap(err, quotaZookeeper)
	} else if !ok {
		// As ZooKeeper: /zookeeper, then /zookeeper/quota, both skipped
		// at the first NodeExists.
		_, _, err := s.zk.Create(s.ctx, procZookeeper, nil, open, zk.ModePersistent, 0)
		if err == nil {
			_, _, err = s.zk.Create(s.ctx, quotaZookeeper, nil, open, zk.ModePersistent, 0)
		}
		if err != nil && !errors.Is(err, zk.CodeNodeExists) {
			return wrap(err, quotaZookeeper)
		}
	}
	qp := quotaZookeeper
	splits := javaSplit(path, "/")
	for i := 1; i < len(splits); i++ {
		qp += "/" + splits[i]
		if _, ok, err := s.zk.Exists(s.ctx, qp, false); err != nil {
			return wrap(err, qp)
		} else if !ok {
			if err := create(qp, nil); err != nil {
				return err
			}
		}
	}
	sp, lp := qp+"/"+statNode, qp+"/"+limitNode
	_, ok, err = s.zk.Exists(s.ctx, lp, false)
	if err != nil {
		return wrap(err, lp)
	}
	if !ok {
		if _, _, err := s.zk.Create(s.ctx, lp, []byte(quota.String()), open, zk.ModePersistent, 0); err != nil {
			return wrap(err, lp)
		}
		if _, _, err := s.zk.Create(s.ctx, sp, []byte(statsTrack{"count": 0, "bytes": 0}.String()), open, zk.ModePersistent, 0); err != nil {
			return wrap(err, sp)
		}
		q, err := s.readStatsTrack(lp)
		if err != nil {
			return err
		}
		st, err := s.readStatsTrack(sp)
		if err != nil {
			return err
		}
		s.checkQuota(q, st)
		return nil
	}
	q, err := s.readStatsTrack(lp)
	if err != nil {
		return err
	}
	for _, k := range []string{"count", "bytes", "countHardLimit", "byteHardLimit"} {
		if v := quota.get(k); v > -1 {
			q[k] = v
		}
	}
	st, err := s.readStatsTrack(sp)
	if err != nil {
		return err
	}
	s.checkQuota(q, st)
	if _, err := s.zk.Set(s.ctx, lp, []byte(q.String()), -1); err != nil {
		return wrap(err, lp)
	}
	return nil
}

func (s *Shell) readStatsTrack(p string) (statsTrack, error) {
	data, _, err := s.zk.Get(s.ctx, p, false)
	if err != nil {
		return nil, wrap(err, p)
	}
	st, err := parseStatsTrack(string(data))
	if err != nil {
		return nil, fail(p + ": " + err.Error())
	}
	return st, nil
}

// checkQuota prints SetQuotaCommand.checkQuota's warnings (on stdout).
func (s *Shell) checkQuota(q, st statsTrack) {
	if c := st.get("count"); (q.get("count") > -1 && q.get("count") < c) || (q.get("countHardLimit") > -1 && q.get("countHardLimit") < c) {
		s.outln("[Warning]: the count quota you create is less than the existing count:" + strconv.FormatInt(c, 10))
	}
	if b := st.get("bytes"); (q.get("bytes") > -1 && q.get("bytes") < b) || (q.get("byteHardLimit") > -1 && q.get("byteHardLimit") < b) {
		s.outln("[Warning]: the bytes quota you create is less than the existing bytes:" + strconv.FormatInt(b, 10))
	}
}

// checkIfChildQuota fails when a descendant of path has a quota: a
// pre-order walk of path's quota subtree, as ZooKeeper's.
func (s *Shell) checkIfChildQuota(path string) error {
	real := quotaPath(path)
	err := s.visitDFS(real, false, func(qp string) error {
		kids, _, err := s.zk.Children(s.ctx, qp, false)
		if errors.Is(err, zk.CodeNoNode) {
			return nil
		}
		if err != nil {
			// ZooKeeper prints the stack trace and goes on.
			return nil
		}
		for _, k := range kids {
			if qp != quotaZookeeper+path && k == limitNode {
				return fail(path + " has a child " + strings.TrimPrefix(qp, quotaZookeeper) + " which has a quota")
			}
		}
		return nil
	})
	if err != nil && !isNoNode(err) {
		return err
	}
	return nil
}

// checkIfParentQuota fails when an ancestor of path has a quota.
func (s *Shell) checkIfParentQuota(path string) error {
	splits := javaSplit(path, "/")
	qp := quotaZookeeper
	for i := 1; i < len(splits)-1; i++ {
		qp += "/" + splits[i]
		kids, _, err := s.zk.Children(s.ctx, qp, false)
		if errors.Is(err, zk.CodeNoNode) {
			return nil
		}
		if err != nil {
			return wrap(err, qp)
		}
		if len(kids) == 0 {
			return nil
		}
		for _, k := range kids {
			if qp != quotaPath(path) && k == limitNode {
				return fail(path + " has a parent " + strings.TrimPrefix(qp, quotaZookeeper) + " which has a quota")
			}
		}
	}
	return nil
}

// cmdListQuota is ListQuotaCommand.
func (s *Shell) cmdListQuota(c *command, tokens []string) error {
	cl, err := parseOpts(nil, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	path := cl.args[1]
	s.errln("absolute path is " + limitPath(path))
	for i, p := range []string{limitPath(path), statPath(path)} {
		data, _, err := s.zk.Get(s.ctx, p, false)
		if errors.Is(err, zk.CodeNoNode) {
			s.errln("quota for " + path + " does not exist.")
			return failed()
		}
		if err != nil {
			return wrap(err, p)
		}
		st, err := parseStatsTrack(string(data))
		if err != nil {
			return fail(p + ": " + err.Error())
		}
		what := "quota"
		if i == 1 {
			what = "stat"
		}
		s.outln("Output " + what + " for " + path + " " + st.String())
	}
	return nil
}

// cmdDelQuota is DelQuotaCommand.
func (s *Shell) cmdDelQuota(c *command, tokens []string) error {
	specs := []optSpec{{name: "n", desc: "num soft quota"}, {name: "b", desc: "bytes soft quota"},
		{name: "N", desc: "num hard quota"}, {name: "B", desc: "bytes hard quota"}}
	cl, err := parseOpts(specs, []optGroup{{names: []string{"n", "b", "N", "B"}}}, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	path := cl.args[1]
	parent, lp := quotaPath(path), limitPath(path)
	_, ok, err := s.zk.Exists(s.ctx, lp, false)
	if err != nil {
		return wrap(err, lp)
	}
	if !ok {
		s.outln("Quota does not exist for " + path)
		return nil
	}
	data, _, err := s.zk.Get(s.ctx, lp, false)
	if errors.Is(err, zk.CodeNoNode) {
		s.errln("quota for " + path + " does not exist.")
		return failed()
	}
	if err != nil {
		return wrap(err, lp)
	}
	st, err := parseStatsTrack(string(data))
	if err != nil {
		return fail(lp + ": " + err.Error())
	}
	flags := map[string]string{"n": "count", "b": "bytes", "N": "countHardLimit", "B": "byteHardLimit"}
	flagged := false
	for f, k := range flags {
		if cl.has(f) {
			st[k] = -1
			flagged = true
		}
	}
	if flagged {
		if _, err := s.zk.Set(s.ctx, lp, []byte(st.String()), -1); err != nil {
			return wrap(err, lp)
		}
		return nil
	}
	kids, _, err := s.zk.Children(s.ctx, parent, false)
	if err != nil {
		return s.quotaGone(err, path, parent)
	}
	for _, k := range kids {
		if err := s.zk.Delete(s.ctx, parent+"/"+k, -1); err != nil {
			return s.quotaGone(err, path, parent+"/"+k)
		}
	}
	// Trim the quota tree up to the first ancestor with other children.
	for p := parent; p != quotaZookeeper; p = p[:strings.LastIndexByte(p, '/')] {
		kids, _, err := s.zk.Children(s.ctx, p, false)
		if err != nil {
			return s.quotaGone(err, path, p)
		}
		if len(kids) > 0 {
			break
		}
		if err := s.zk.Delete(s.ctx, p, -1); err != nil {
			return s.quotaGone(err, path, p)
		}
	}
	return nil
}

// quotaGone reports a failure while deleting a quota: NoNode as
// DelQuotaCommand's "does not exist", the rest as usual.
func (s *Shell) quotaGone(err error, path, p string) error {
	if errors.Is(err, zk.CodeNoNode) {
		s.errln("quota for " + path + " does not exist.")
		return failed()
	}
	return wrap(err, p)
}

func isNoNode(err error) bool {
	var ce *cliError
	return errors.As(err, &ce) && strings.HasPrefix(ce.msg, "Node does not exist: ")
}
