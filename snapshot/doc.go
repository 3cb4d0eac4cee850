// Package snapshot is Paddock's checkpoint store, kept in dataDir: a Pebble
// database holding the DataTree and the session table as of the last
// checkpoint, and the export stream that carries a whole image of it
// (`paddock snap export|import`, later follower catch-up).
//
// What it owns: the directories Dir/paddock.db (the Pebble database),
// Dir/paddock.db.import (where Import and Replace build a store before
// renaming it) and Dir/paddock.db.old (where Replace moves the store it
// replaces while it swaps them; Open moves it back, or removes it, after a
// crash).
// It imports only engine and zk from the project, plus Pebble, zstd
// (klauspost/compress) and the standard library; no Pebble type appears in
// its exported API. It reads no environment variable or flag.
//
// # Durability
//
// The txn log (package txnlog, in dataLogDir) is the only write-ahead log:
// Pebble runs with Options.DisableWAL. A checkpoint is one engine.Capture
// (the nodes changed since the previous one, tombstones for the deleted
// ones, the whole session table, all captured at one zxid), written as ONE
// Pebble batch together with the meta record that names its zxid. Write
// commits the batch, which puts it in the memtable (or, when larger than
// half of it, queues it as a flushable batch), then flushes, which writes
// it to sstables, syncs them and records them in the MANIFEST with one
// synced version edit. Only then does Write return, and only then is the
// checkpoint's zxid the store's: the txn log up to it may be purged.
//
// Nothing else is ever written between two checkpoints, so a memtable
// never holds part of two of them. A crash before the flush's version edit
// is durable loses the whole batch (there is no WAL to replay it from) and
// leaves the previous checkpoint; a crash after it keeps the whole
// checkpoint. Either way the meta record and the nodes agree; Load checks
// that they do by counting.
//
// A failed flush, a Pebble background error (compaction, corruption
// found) or a Pebble fatal error fails the store: Write returns an error
// wrapping ErrFailed from then on, and the server must stop. Pebble's
// fatal errors (a failed MANIFEST write, a broken invariant) panic, as
// Pebble requires of its Logger.Fatalf.
//
// # Concurrency
//
// A Store is safe for concurrent use. Write calls are serialized; Load,
// Walk, Verify and Export each read one Pebble iterator, a point-in-time
// view that always holds one whole checkpoint, and may run while Write goes
// on. Close waits for the operations in progress. Pebble runs its own
// flush and compaction goroutines.
//
// # Invariants
//
//   - The meta record exists in every store, from the moment Open creates
//     it; its Nodes and Sessions count the stored nodes and sessions.
//   - Every stored value starts with the format version and a CRC32C
//     (Castagnoli) over the key, the version byte and the payload, so that
//     a value found under the wrong key fails its check too.
//   - A node's parent sorts before it (its path is a prefix of the
//     node's), so readers check the tree's shape in one ordered pass.
//
// # Keys and values
//
// Besides its sstables, MANIFEST, OPTIONS, LOCK and marker files, Pebble
// keeps an empty WAL file (NNNNNN.log) even with its WAL disabled.
//
// Keys are a one-byte kind then the rest; Pebble's default bytewise
// comparer orders them. All integers are big-endian (jute's order).
//
//	key                                 value payload
//	+------+--------------------------+ +----------------------------------+
//	| 'm'  |                          | | meta: magic "PDKS", zxid int64,  |
//	|      |                          | | nodes int64, sessions int32,     |
//	|      |                          | | checkpoints int64, DBID 16 bytes |
//	| 'n'  | path (UTF-8, no length)  | | node, below                      |
//	| 's'  | session id, 8 bytes      | | timeout ms int32                 |
//	+------+--------------------------+ +----------------------------------+
//
//	value
//	+--------+------+---------------------------------------------------+
//	| offset | size | field                                             |
//	+--------+------+---------------------------------------------------+
//	|      0 |    1 | format version, 1                  (never change) |
//	|      1 |    4 | CRC32C of key, version byte, payload              |
//	|      5 |    n | payload                                           |
//	+--------+------+---------------------------------------------------+
//
//	node payload (jute encoding, ZooKeeper's DataNode then StatPersisted)
//	+------------------+-------------------------------------------------+
//	| data             | buffer: int32 length, -1 for null, then bytes   |
//	| acl              | vector<ACL>: int32 count (-1 null), then each   |
//	|                  | perms int32, scheme ustring, id ustring         |
//	| czxid, mzxid     | int64, int64                                    |
//	| ctime, mtime     | int64, int64 (ms)                               |
//	| version          | int32                                           |
//	| cversion         | int32 (as stored: creates of children)          |
//	| aversion         | int32                                           |
//	| ephemeralOwner   | int64, raw (container and TTL markers kept)     |
//	| pzxid            | int64                                           |
//	| numChildren      | int32                                           |
//	+------------------+-------------------------------------------------+
//
// A new format gets a new version number; Open refuses a store whose meta
// record has a version it does not know, and every reader refuses such a
// value (ErrUnknownFormat).
//
// # Export stream
//
// A zstd stream (klauspost/compress) of:
//
//	+--------+------+---------------------------------------------------+
//	| offset | size | field                                             |
//	+--------+------+---------------------------------------------------+
//	|      0 |    4 | magic "PDKX"                       (never change) |
//	|      4 |    4 | export version, 1                  (never change) |
//	|      8 |      | frames                                            |
//	+--------+------+---------------------------------------------------+
//
//	frame (9 + L bytes)
//	+--------+------+---------------------------------------------------+
//	|      0 |    1 | kind                                              |
//	|      1 |    4 | payload length L (at most MaxFrameLen, 64 MiB)    |
//	|      5 |    4 | CRC32C of kind, length and payload                |
//	|      9 |    L | payload                                           |
//	+--------+------+---------------------------------------------------+
//
//	kind  payload                                                 count
//	'H'   zxid int64, nodes int64, sessions int32,                first, 1
//	      checkpoints int64, DBID 16 bytes (the source store's)
//	'n'   path ustring, then the node payload above               one per node,
//	                                                              by path
//	's'   session id int64, timeout int32                         one per session,
//	                                                              by id
//	'T'   nodes int64, sessions int32                             last, 1
//
// The trailer's counts must match the header's and the frames', and
// nothing may follow it, so a truncated stream is refused even when it is
// cut between frames. The stream is not interpreted before it has been
// read whole: Import and Replace build the store aside and rename it into
// place.
//
// # Replacing a store
//
// Replace installs a stream over an existing store (a follower installing
// its leader's checkpoint) and keeps that store's DBID. It swaps the
// directories with renames, syncing Dir after each:
//
//	paddock.db        -> paddock.db.old   (sync Dir)
//	paddock.db.import -> paddock.db       (sync Dir)
//	remove paddock.db.old
//
// Open, Import and Replace first repair an interrupted swap: paddock.db.old
// without paddock.db is renamed back (the swap did not complete);
// paddock.db.old beside paddock.db is removed (it did).
package snapshot
