// Package robust owns Paddock's robustness suite: a Jepsen-style test that
// runs a ZooKeeper-protocol ensemble (Paddock, or Apache ZooKeeper 3.8 to
// prove the harness), drives it with concurrent clients while a nemesis
// kills, pauses and isolates servers, and checks the recorded history for
// linearizability with github.com/anishathalye/porcupine.
//
// The pieces:
//
//	Proxy        a fault-injecting TCP proxy (Refuse, Blackhole, latency)
//	Cluster      an ensemble on 127.0.0.1 with faults: ZooKeeperCluster
//	             (Debian's JVMs; no Isolate), PaddockCluster (paddock
//	             processes whose quorum traffic runs through one Proxy per
//	             directed pair of servers)
//	Model        the sequential specification, partitioned by znode
//	Workload     clients (go-zk, one session each) doing random creates,
//	             sets, deletes, gets, sync+gets and sequential creates on a
//	             few znodes; then the final reads of every server alone
//	RunNemesis   the fault schedule: kill the leader, kill a follower,
//	             pause a server, isolate the leader, pause the leader,
//	             each undone after a while
//	Check        porcupine on the history, plus session and final-state
//	             checks by zxid
//	MeasureFailover  time from SIGKILL of the leader to the first write
//	             acknowledged after it
//
// What is checked (see model.go and check.go):
//
//   - Writes and sync+get are linearizable, per znode. An operation whose
//     reply was lost (connection loss, session expiry) may or may not have
//     taken effect, at any time after its call.
//   - A plain get may lag (ZooKeeper serves it from the connected server)
//     but not behind what its session has seen: it must be linearizable
//     between its session's last linearizable call and its return, and by
//     zxid never older than what the session last read or wrote.
//   - Sequential numbers are unique and increase in real-time order.
//   - At the end every server holds the same tree, and every acknowledged
//     write is on every server unless a later operation may have undone it.
//
// The tests (robust_test.go) start real servers, so they run only when
// ROBUST_ZK=1 or ROBUST_PADDOCK_BIN is set; run.sh builds Paddock and runs
// its tests. A violation leaves porcupine's visualization, the history
// and the servers' logs in the run directory.
//
// The package imports only Paddock's zk (for Zxid and SessionID): it sees
// servers only over the wire and as processes. It is Linux-only in practice (signals, process
// groups). Libraries here read no environment; only the tests do.
package robust
