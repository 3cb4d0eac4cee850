package server

import (
	"cmp"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// AdminServer commands whose answers differ in an ensemble (Commands.java:
// LeaderCommand, VotingViewCommand, SyncedObserverConsCommand,
// ZabStateCommand). Standalone, they answer as a standalone ZooKeeper.

// spec returns the server.N entry with id, or nil.
func (k *core) spec(id uint64) *ServerSpec {
	for i := range k.ens.members {
		if uint64(k.ens.members[i].ID) == id {
			return &k.ens.members[i]
		}
	}
	return nil
}

func (k *core) cmdLeader(url.Values) fields {
	e := k.ens
	if e == nil {
		return fields{{"error", "server is not initialized"}}
	}
	lead, ip := int64(-1), ""
	if e.lead != 0 {
		lead = int64(e.lead)
		if sp := k.spec(e.lead); sp != nil {
			var hosts []string
			for _, a := range sp.Addrs {
				hosts = append(hosts, a.Host)
			}
			ip = strings.Join(hosts, "|")
		}
	}
	return fields{{"is_leader", e.isLeader()}, {"leader_id", lead}, {"leader_ip", ip}}
}

func hostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// clientAddress is a member's client address as ZooKeeper shows it: from
// its server.N line, or for this server from clientPortAddress and
// clientPort; "" when unknown.
func (k *core) clientAddress(sp *ServerSpec) string {
	switch {
	case sp.ClientPort >= 0:
		return hostPort(sp.ClientAddr, sp.ClientPort)
	case sp.ID == k.s.cfg.MyID:
		addr := k.s.cfg.ClientPortAddress
		if addr == "" {
			addr = "0.0.0.0"
		}
		return hostPort(addr, k.s.cfg.ClientPort)
	}
	return ""
}

func (k *core) cmdVotingView(url.Values) fields {
	var view fields
	if k.ens != nil {
		servers := slices.Clone(k.ens.members)
		slices.SortFunc(servers, func(a, b ServerSpec) int { return cmp.Compare(a.ID, b.ID) })
		for i := range servers {
			sp := &servers[i]
			if sp.Role == RoleObserver {
				continue
			}
			var quorum, election []string
			for _, a := range sp.Addrs {
				quorum = append(quorum, hostPort(a.Host, a.QuorumPort))
				election = append(election, hostPort(a.Host, a.ElectionPort))
			}
			view.add(strconv.FormatInt(sp.ID, 10), fields{
				{"serverAddresses", quorum}, {"electionAddresses", election},
				{"clientAddress", k.clientAddress(sp)}, {"learnerType", "participant"},
			})
		}
	}
	if view == nil {
		view = fields{}
	}
	return fields{{"current_config", view}}
}

func (k *core) cmdObservers(url.Values) fields {
	observers := []any{}
	if e := k.ens; e != nil && e.isLeader() {
		q := e.node.Status()
		for _, f := range q.Followers {
			if f.Learner && f.Active {
				observers = append(observers, fields{{"sid", int64(f.ID)}})
			}
		}
	}
	return fields{{"synced_observers", len(observers)}, {"observers", observers}}
}

func (k *core) cmdZabState(url.Values) fields {
	e := k.ens
	if e == nil {
		return fields{{"voting", false}, {"zabstate", ""}}
	}
	sp := k.spec(e.id)
	var quorum, election []string
	for _, a := range sp.Addrs {
		quorum = append(quorum, hostPort(a.Host, a.QuorumPort))
		election = append(election, hostPort(a.Host, a.ElectionPort))
	}
	state := "broadcast"
	if e.lead == 0 {
		state = "election"
	} else if e.isLeader() && !e.ready {
		state = "synchronization"
	}
	z := k.eng.LastZxid()
	return fields{
		{"myid", k.s.cfg.MyID},
		{"is_leader", e.isLeader()},
		{"quorum_address", strings.Join(quorum, "|")},
		{"election_address", strings.Join(election, "|")},
		{"client_address", k.clientAddress(sp)},
		{"voting", !e.learner},
		{"last_zxid", z.String()},
		{"zab_epoch", int64(z) >> 32},
		{"zab_counter", int64(z) & 0xffffffff},
		{"zabstate", state},
	}
}
