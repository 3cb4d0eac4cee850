package server

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/quorum"
	"github.com/paddockdb/paddock/zk"
)

// Dynamic reconfiguration (ZooKeeper's reconfig op). The members live in
// /zookeeper/config, as ZooKeeper writes it: a server.N line per member
// and version=<hex>, the zxid of the reconfig that wrote it (0 for the
// config file's own members). The leader preps a reconfig into a txn as
// ZooKeeper's PrepRequestProcessor does, and proposes it to raft as a
// membership change (ConfChangeV2, joint consensus when more than one
// member changes) carrying the txn: every server applies the txn and the
// change at the same point of the log, then dials the new members and
// drops the old. raft holds who votes; the addresses come from the config
// text. A restarted server takes the members from its tree when they are
// newer than its config file's.

// configText is /zookeeper/config's content for members, as ZooKeeper's
// QuorumVerifier.toString writes it: a server.N line per member by id,
// then version=<hex>.
func configText(members []ServerSpec, version zk.Zxid) []byte {
	servers := slices.Clone(members)
	slices.SortFunc(servers, func(a, b ServerSpec) int { return cmp.Compare(a.ID, b.ID) })
	var b strings.Builder
	for _, sv := range servers {
		fmt.Fprintf(&b, "server.%d=%s\n", sv.ID, sv)
	}
	fmt.Fprintf(&b, "version=%x", uint64(version))
	return []byte(b.String())
}

// parseConfigText parses configText's form back.
func parseConfigText(data []byte, multiAddress bool) ([]ServerSpec, zk.Zxid, error) {
	var members []ServerSpec
	var version uint64
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, 0, fmt.Errorf("config line %q has no '='", line)
		}
		if key == "version" {
			v, err := strconv.ParseUint(value, 16, 64)
			if err != nil {
				return nil, 0, fmt.Errorf("config version %q: %w", value, err)
			}
			version = v
			continue
		}
		sv, err := parseServerLine(key, value, multiAddress)
		if err != nil {
			return nil, 0, err
		}
		members = append(members, sv)
	}
	slices.SortFunc(members, func(a, b ServerSpec) int { return cmp.Compare(a.ID, b.ID) })
	return members, zk.Zxid(version), nil
}

// parseServerLine parses "server.N" = spec.
func parseServerLine(key, value string, multiAddress bool) (ServerSpec, error) {
	idText, ok := strings.CutPrefix(strings.TrimSpace(key), "server.")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id < 0 {
		return ServerSpec{}, fmt.Errorf("%q is not server.N", key)
	}
	sv, msg := parseServerSpec(strings.TrimSpace(value), multiAddress)
	if msg != "" {
		return ServerSpec{}, fmt.Errorf("%s: %q %s", key, value, msg)
	}
	sv.ID = id
	return sv, nil
}

// fileVersion is the version of the config file's members: the one in the
// dynamicConfigFile's name (zoo.cfg.dynamic.<hex>), else 0.
func fileVersion(cfg *Config) zk.Zxid {
	var version uint64
	if i := strings.LastIndex(cfg.DynamicConfigFile, ".dynamic."); i >= 0 {
		version, _ = strconv.ParseUint(cfg.DynamicConfigFile[i+len(".dynamic."):], 16, 64)
	}
	return zk.Zxid(version)
}

// membership returns the members and their version: those of
// /zookeeper/config in eng when newer than the config file's (a reconfig
// wrote them), else the file's, which it writes into eng's
// /zookeeper/config (as ZooKeeper does at every start).
func (s *Server) membership(eng *engine.Engine, nowMs int64) ([]ServerSpec, zk.Zxid) {
	members, version := s.cfg.Servers, fileVersion(&s.cfg)
	if data, _, err := eng.GetData(engine.ConfigZookeeper, nil, nil); err == nil && len(data) > 0 {
		m, v, err := parseConfigText(data, s.cfg.MultiAddressEnabled)
		switch {
		case err != nil:
			s.lg.Warn("/zookeeper/config cannot be read; using the config file's members", "err", err)
		case v > version && len(m) > 0:
			return m, v
		}
	}
	eng.SetConfigNode(configText(members, version), version, nowMs)
	return members, version
}

// peersOf is the quorum's view of members.
func peersOf(members []ServerSpec) []quorum.Peer {
	peers := make([]quorum.Peer, 0, len(members))
	for _, sv := range members {
		a := sv.Addrs[0]
		peers = append(peers, quorum.Peer{ID: uint64(sv.ID), Addr: net.JoinHostPort(a.Host, strconv.Itoa(a.QuorumPort)), Learner: sv.Role == RoleObserver})
	}
	return peers
}

// setMembers makes members the ensemble's: the quorum dials them, and this
// server learns its own role. A server no longer among them stops serving
// clients (it is no part of any quorum: ZooKeeper's leaves the ensemble).
func (k *core) setMembers(members []ServerSpec, version zk.Zxid) {
	e := k.ens
	e.members, e.version = members, version
	was := e.member
	e.member = false
	for _, sv := range members {
		if sv.ID == k.s.cfg.MyID {
			e.member, e.learner = true, sv.Role == RoleObserver
		}
	}
	e.node.SetPeers(peersOf(members))
	if was && !e.member {
		k.s.lg.Warn("this server was removed from the ensemble: it serves no clients", "version", version.String())
		k.failInFlight("this server was removed from the ensemble")
		for _, cl := range k.clients {
			cl.conn.Close(errRemoved)
			k.detach(cl)
		}
	}
}

var errRemoved = errors.New("this server is not a member of the ensemble: it serves no clients")

// reconfigApplied reacts to an applied reconfig txn: the new members, and
// a checkpoint soon, so that raft's next snapshot (which a new member
// needs: it refuses one that predates it) carries the new membership.
func (k *core) reconfigApplied(txn *zk.Txn) {
	b, ok := txn.Body.(*zk.SetDataTxn)
	if !ok {
		return
	}
	members, version, err := parseConfigText(b.Data, k.s.cfg.MultiAddressEnabled)
	if err != nil {
		k.s.lg.Error("a reconfig's /zookeeper/config cannot be read", "zxid", txn.Header.Zxid.String(), "err", err)
		return
	}
	k.setMembers(members, version)
	k.s.lg.Info("membership changed", "version", version.String(), "members", len(members),
		"member", k.ens.member, "observer", k.ens.learner)
	if cp := k.cp; cp != nil {
		if cp.running {
			cp.since = cp.every
		} else {
			k.checkpoint()
		}
	}
}

// prepReconfig preps a reconfig on the leader and proposes it: as a
// membership change carrying the txn, or, when the checks fail, as the
// ErrorTxn.
func (k *core) prepReconfig(r *fwdReq, now time.Time) {
	e := k.ens
	q, _ := r.rec.(*zk.ReconfigRequest)
	var members []ServerSpec
	txn := k.eng.PrepReconfig(&engine.Request{Session: r.session, Xid: r.xid, Op: zk.OpReconfig, Body: r.rec, Auth: r.auth, Time: now.UnixMilli()},
		k.s.cfg.SkipACL, func(zxid zk.Zxid) ([]byte, error) {
			if q == nil {
				return nil, zk.CodeMarshallingError
			}
			var err error
			if members, err = k.nextMembers(q); err != nil {
				return nil, err
			}
			return configText(members, zxid), nil
		})
	if engine.TxnError(txn) != zk.CodeOK {
		k.propose(txn)
		return
	}
	var voters, learners []uint64
	for _, sv := range members {
		if sv.Role == RoleObserver {
			learners = append(learners, uint64(sv.ID))
		} else {
			voters = append(voters, uint64(sv.ID))
		}
	}
	// Should raft refuse the change (one still in progress), the error
	// goes in the log in its place.
	fallback := &zk.Txn{Header: txn.Header, Body: &zk.ErrorTxn{Err: zk.CodeReconfigInProgress}}
	fallback.Header.Type = zk.OpError
	e.reconfigZxid = txn.Header.Zxid
	k.stats.txnsLogged++
	k.s.lg.Info("proposing a reconfig", "zxid", txn.Header.Zxid.String(), "voters", voters, "observers", learners)
	e.node.ProposeConfChange(voters, learners, zk.AppendTxn(nil, txn), zk.AppendTxn(nil, fallback))
}

// nextMembers is the membership a reconfig asks for, checked as ZooKeeper
// checks it: nothing else in progress, curConfigId the current version (or
// -1), a well-formed server list, at least two voters (one with
// standaloneEnabled=false), and a majority of them connected and synced.
func (k *core) nextMembers(q *zk.ReconfigRequest) ([]ServerSpec, error) {
	e := k.ens
	if e.reconfigZxid != 0 {
		return nil, zk.CodeReconfigInProgress
	}
	if q.CurConfigID != -1 && zk.Zxid(q.CurConfigID) != e.version {
		return nil, zk.CodeBadVersion
	}
	multi := k.s.cfg.MultiAddressEnabled
	var next []ServerSpec
	if q.NewMembers != "" {
		// Non-incremental: the whole list, by commas or lines.
		for _, line := range strings.Split(strings.ReplaceAll(q.NewMembers, ",", "\n"), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			key, value, ok := strings.Cut(line, "=")
			if !ok {
				return nil, zk.CodeBadArguments
			}
			if strings.TrimSpace(key) == "version" {
				continue
			}
			sv, err := parseServerLine(key, value, multi)
			if err != nil || sv.ClientPort < 0 {
				return nil, zk.CodeBadArguments
			}
			if slices.ContainsFunc(next, func(o ServerSpec) bool { return o.ID == sv.ID }) {
				return nil, zk.CodeBadArguments
			}
			next = append(next, sv)
		}
	} else {
		next = slices.Clone(e.members)
		for _, s := range splitList(q.LeavingServers) {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, zk.CodeBadArguments
			}
			next = slices.DeleteFunc(next, func(o ServerSpec) bool { return o.ID == id })
		}
		for _, s := range splitList(q.JoiningServers) {
			key, value, ok := strings.Cut(s, "=")
			if !ok || strings.Contains(value, "=") {
				return nil, zk.CodeBadArguments
			}
			sv, err := parseServerLine(key, value, multi)
			if err != nil || sv.ClientPort < 0 {
				// ZooKeeper: "each server should have 3 ports specified".
				return nil, zk.CodeBadArguments
			}
			next = slices.DeleteFunc(next, func(o ServerSpec) bool { return o.ID == sv.ID })
			next = append(next, sv)
		}
	}
	slices.SortFunc(next, func(a, b ServerSpec) int { return cmp.Compare(a.ID, b.ID) })
	if duplicateAddress(next) {
		return nil, zk.CodeBadArguments
	}
	var voters []int64
	for _, sv := range next {
		if sv.Role != RoleObserver {
			voters = append(voters, sv.ID)
		}
	}
	if len(voters) < 1 || k.s.cfg.StandaloneEnabled && len(voters) < 2 {
		return nil, zk.CodeBadArguments
	}
	// A majority of the new voters must be up to date with this leader,
	// or the new membership could not commit anything (ZooKeeper's
	// Leader.isQuorumSynced): a new server counts once it has caught up.
	st := e.node.Status()
	synced := 0
	for _, id := range voters {
		if uint64(id) == e.id {
			synced++
			continue
		}
		for _, f := range st.Followers {
			if f.ID == uint64(id) && f.Active && f.Match > 0 && f.Match+syncedLag >= st.Commit {
				synced++
			}
		}
	}
	if synced <= len(voters)/2 {
		return nil, zk.CodeNewConfigNoQuorum
	}
	return next, nil
}

// splitList splits a comma-separated list, trimming the parts and dropping
// empty ones (ZooKeeper's StringUtils.split).
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// duplicateAddress reports two members sharing a quorum or election
// address (QuorumServer.checkAddressDuplicate).
func duplicateAddress(members []ServerSpec) bool {
	seen := make(map[string]int64)
	for _, sv := range members {
		for _, a := range sv.Addrs {
			for _, port := range []int{a.QuorumPort, a.ElectionPort} {
				key := net.JoinHostPort(a.Host, strconv.Itoa(port))
				if id, ok := seen[key]; ok && id != sv.ID {
					return true
				}
				seen[key] = sv.ID
			}
		}
	}
	return false
}
