package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/paddockdb/paddock/server"
)

// TestEnsembleAdminCommands: the AdminServer's ensemble commands (leader,
// voting_view, zabstate, observers) answer with the ensemble's state, in
// ZooKeeper's field names.
func TestEnsembleAdminCommands(t *testing.T) {
	e := startEnsembleWith(t, 3, 1, func(c *server.Config) {
		c.AdminEnableServer = true
		c.AdminServerAddress = "127.0.0.1"
		c.AdminServerPort = freePort(t)
	})
	l := e.leader()
	get := func(i int, cmd string) map[string]any {
		t.Helper()
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/commands/%s", e.cfgs[i].AdminServerPort, cmd))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m["error"] != nil {
			t.Fatalf("%s on server %d: error %v", cmd, i+1, m["error"])
		}
		return m
	}
	f := (l + 1) % 3
	for _, i := range []int{l, f, 3} {
		m := get(i, "leader")
		if m["is_leader"] != (i == l) || m["leader_id"] != float64(l+1) || m["leader_ip"] != "127.0.0.1" {
			t.Errorf("leader on server %d: %v", i+1, m)
		}
		z := get(i, "zabstate")
		if z["myid"] != float64(i+1) || z["zabstate"] != "broadcast" || z["voting"] != (i != 3) || z["is_leader"] != (i == l) {
			t.Errorf("zabstate on server %d: %v", i+1, z)
		}
	}
	v := get(f, "voting_view")["current_config"].(map[string]any)
	if len(v) != 3 {
		t.Fatalf("voting_view lists %d voters, want 3 (the observer does not vote): %v", len(v), v)
	}
	one := v["1"].(map[string]any)
	q := e.cfgs[0].Servers[0].Addrs[0]
	if fmt.Sprint(one["serverAddresses"]) != fmt.Sprintf("[127.0.0.1:%d]", q.QuorumPort) ||
		fmt.Sprint(one["electionAddresses"]) != fmt.Sprintf("[127.0.0.1:%d]", q.ElectionPort) ||
		one["clientAddress"] != fmt.Sprintf("127.0.0.1:%d", e.cfgs[0].ClientPort) || one["learnerType"] != "participant" {
		t.Errorf("voting_view entry for server 1: %v", one)
	}
	waitFor(t, 5*time.Second, "the leader to count its observer", func() bool {
		return get(l, "observers")["synced_observers"] == float64(1)
	})
}
