// Package zkimport reads an Apache ZooKeeper 3.5–3.9 database (the
// snapshot.* and log.* files of dataDir and dataLogDir) into a Paddock
// engine, for `paddock import-zk`.
//
// What it owns: nothing on disk. It reads ZooKeeper's files and never
// writes; the caller (cmd/paddock) writes the returned engine to a
// checkpoint store. It imports only engine and zk from the project (plus
// klauspost/compress for snappy); it reads no environment variable or
// flag.
//
// Import does what ZooKeeper's FileTxnSnapLog.restore does: it reads the
// newest snapshot whose checksums verify (falling back to older ones, as
// FileSnap.deserialize does), restores its nodes and sessions, then applies
// every txn of the logs whose zxid is above the zxid in the snapshot's
// file name, in order. Snapshots are fuzzy (taken while txns apply), so a
// replayed txn may already be in the snapshot: engine.Apply, like
// DataTree.processTxn, makes that harmless. Before the replay, the quota
// stats nodes (/zookeeper/quota/P/zookeeper_stats) are recomputed from the
// snapshot's tree, as DataTree.setupQuota does: they are as fuzzy as the
// rest. A node of a fuzzy snapshot may also refer to an ACL its create or
// setACL added to the ACL cache after the cache was written: it is
// restored without one, and the replay of that txn must give it its ACL
// (or a later txn delete it), else the import fails. Import then compares
// the tree's digest with the digests ZooKeeper recorded (see below).
//
// Invariants:
//   - Every checksum is verified: a snapshot's Adler32 seals, each log
//     record's Adler32.
//   - A length read from a file never allocates more than the file holds:
//     buffers grow as bytes arrive.
//   - Txns apply in strictly increasing zxid order, without a gap inside
//     an epoch (ErrGap), so that a missing log file cannot go unnoticed.
//
// # Encoding
//
// Jute, big-endian: int 4 bytes, long 8 bytes, buffer and ustring an int
// length (-1 for null) then the bytes, vector an int count then the
// elements.
//
// # Snapshot file: version-2/snapshot.<zxid in hex>[.gz|.snappy]
//
// The name's zxid is the last txn applied when the snapshot began; txns
// applied while it was written may be in it too. ".gz" is gzip, ".snappy"
// snappy-java's stream format (8-byte magic 82 'SNAPPY' 00, int version,
// int compatible version, then chunks {int length, snappy block});
// compression is on the whole file, and the Adler32 covers the
// uncompressed bytes. The Adler32 is a running one: each seal checks every
// byte before it, earlier seals included.
//
//	+--------------------------------+---------------------------------------+
//	| field                          | encoding                              |
//	+--------------------------------+---------------------------------------+
//	| FileHeader                     | int magic 0x5a4b534e "ZKSN",          |
//	|                                | int version 2, long dbid              |
//	| session count                  | int n                                 |
//	| n sessions                     | long id, int timeout (ms)             |
//	| ACL cache size                 | int m                                 |
//	| m ACL cache entries            | long ref, vector<ACL>                 |
//	|                                |   ACL: int perms, ustring scheme,     |
//	|                                |        ustring id                     |
//	| nodes, parents first (DFS)     | ustring path ("" for the root),       |
//	|                                | buffer data, long acl ref (-1: world: |
//	|                                | anyone, all perms, not in the cache), |
//	|                                | StatPersisted: long czxid, mzxid,     |
//	|                                | ctime, mtime, int version, cversion,  |
//	|                                | aversion, long ephemeralOwner, pzxid  |
//	| end of tree                    | ustring "/"                           |
//	| seal                           | long Adler32 of all bytes before it,  |
//	|                                | ustring "/"                           |
//	+--------------------------------+---------------------------------------+
//	| 3.6+ (zookeeper.digest.enabled, the default):                          |
//	| ZxidDigest                     | long zxid, int version (2),           |
//	|                                | long digest (a hex ustring before 2)  |
//	| seal                           | as above                              |
//	+--------------------------------+---------------------------------------+
//	| 3.9+ (zookeeper.serializeLastProcessedZxid.enabled, the default):      |
//	| lastProcessedZxid              | long                                  |
//	| seal                           | as above                              |
//	+--------------------------------+---------------------------------------+
//
// The file does not say which optional sections it has; each layout is
// accepted only if its seals verify. A node's stored cversion counts the
// creates of its children; clients see 2*cversion - numChildren. The
// snapshot does not store numChildren: it is counted from the file. The
// ephemeralOwner is raw: 0x8000000000000000 marks a container, a high byte
// 0xff a TTL node (TTL in the low 40 bits, extendedTypesEnabled).
//
// # Txn log file: version-2/log.<zxid of its first record, in hex>
//
//	+--------------------------------+---------------------------------------+
//	| FileHeader                     | int magic 0x5a4b4c47 "ZKLG",          |
//	|                                | int version 2, long dbid              |
//	| records:                       |                                       |
//	|   checksum                     | long Adler32 of the record bytes      |
//	|   record                       | buffer: TxnHeader, txn body,          |
//	|                                | [TxnDigest, 3.6+]                     |
//	|   end of record                | byte 0x42 'B'                         |
//	| preallocated space             | zeros (a record length of 0 ends the  |
//	|                                | log)                                  |
//	+--------------------------------+---------------------------------------+
//
//	TxnHeader   long clientId, int cxid, long zxid, long time (ms), int type
//	body        by type (zk.NewTxnBody): CreateTxn, CreateTTLTxn,
//	            CreateContainerTxn, DeleteTxn, SetDataTxn, SetACLTxn,
//	            CreateSessionTxn, CloseSessionTxn (3.6+; empty before),
//	            ErrorTxn, MultiTxn (vector of {int type, buffer body})
//	TxnDigest   int version (2), long tree digest after the txn
//
// A file that ends inside a record, or a record without its 'B', is a
// torn write: as ZooKeeper does, the record is dropped and the next file
// read. A record whose Adler32 does not match fails the import, as it
// fails ZooKeeper's start.
//
// # Digests
//
// ZooKeeper 3.6+ keeps a digest of its tree: the wrapping sum over the
// nodes (the root as "", none below /zookeeper/) of CRC32(path, data, 60
// bytes of czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion,
// ephemeralOwner). Each log record carries the digest after its txn, and
// the snapshot the digest at some zxid. Import checks the imported tree
// against the snapshot's digest when it reaches that zxid, and against the
// last record's digest at the end (when no txn without a digest changed the
// tree after it): a mismatch means the import differs from ZooKeeper's
// tree and fails it (ErrDigestMismatch) unless Config.IgnoreDigest.
//
// NB: a snapshot's digest is only advisory when txns follow it. ZooKeeper
// writes it after the tree, from the digest it records after applying
// each txn, while txns go on applying: the tree may already hold the
// change of the txn after the digest's zxid (seen with 3.8 and snapCount
// 20). ZooKeeper itself only logs that mismatch. Only when no txn follows
// the digest's zxid must it match.
package zkimport
