// Package quorum replicates Paddock's transactions with Raft
// (go.etcd.io/raft/v3): it owns the raft node of one server, its log in
// dataLogDir (kept by txnlog), the peer transport on the quorum port and
// the application messages servers exchange over it (forwarded requests,
// session touches). Raft types never leave the package: the server sees
// Entries, leader changes, read-index answers and messages through a
// Handler.
//
// # Roles
//
// server.N lines become raft members: participants are voters, observers
// are learners (they replicate and serve, never vote). PreVote and
// CheckQuorum are on, so a leader cut off from a majority steps down
// within an election timeout, and a partitioned server cannot disrupt the
// ensemble when it comes back.
//
// # The log
//
// txnlog keeps records under strictly increasing indexes and never
// rewrites them; raft sometimes must replace a follower's uncommitted
// suffix. So the log is log-structured, as etcd's WAL is: every record
// carries its own sequence number as the txnlog index, and its payload is
// one of
//
//	'E' + raftpb.Entry      an entry; one at index i replaces every entry >= i
//	'H' + raftpb.HardState  term, vote, commit
//	'S' + raftpb.SnapshotMetadata  a snapshot of this server's own: the
//	                               log starts there, later entries stay
//	'R' + raftpb.SnapshotMetadata  the leader's snapshot, installed: the
//	                               log starts there, every entry goes
//
// The state machine's checkpoints are raft's snapshots (see snapshot.go):
// once one is durable, segments holding only what it covers are purged.
//
// Recovery replays them in order into a raft.MemoryStorage. Entries, term
// and vote are fsynced (group commit: one fdatasync per Ready) before any
// message that depends on them leaves; the commit index is recorded lazily
// (raft re-learns it).
//
// # Transport
//
// One TCP connection per direction and peer. The dialer sends a hello
// (magic "PDKQ", version, its id); then frames of [u32 length][u8 kind]
// [payload]: kind 1 a raftpb.Message, kind 2 an application message.
// A snapshot travels on a connection of its own: kind 3 the MsgSnap, the
// zstd export stream in kind 4 chunks, kind 5 its end; the receiver
// answers one byte once the stream is synced to a file.
// Outgoing frames queue per peer and are dropped when the queue is full or
// the peer unreachable (raft retries; the server handles lost application
// messages with sequence numbers). Each server listens on its own
// server.N quorum address and dials peers at the addresses its own config
// gives them, so a proxy can sit between any two servers.
package quorum
