// Package engine is Paddock's state machine: the DataTree (znodes in a
// B-tree ordered by parent path then name, so a node's children are one
// range scan), the replicated session table, watches, ACL checks, quotas,
// and the container and TTL sweep candidates.
//
// The write path has two halves, as in ZooKeeper:
//
//	Prep  (leader only)   request -> zk.Txn, checked against the tree plus
//	                      the txns still in flight (pending change records);
//	                      a rejected request yields an error and no txn.
//	Apply (every replica) zk.Txn -> Result, in zxid order, deterministic:
//	                      the result depends only on the tree and the txn.
//
// Between the two, the txn is made durable (txnlog) and, in an ensemble,
// committed by a majority (quorum); the engine knows nothing of either.
//
// Invariants:
//   - No I/O, no goroutines, no clocks: time arrives inside txns and as
//     arguments. One owner goroutine drives an Engine; nothing in it is safe
//     for concurrent use.
//   - Apply copies what it keeps out of the txn (data, paths), since decoded
//     records alias their frame or log buffer.
//   - engine imports only zk from the project (and google/btree).
package engine
