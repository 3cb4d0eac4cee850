// Package txnlog is Paddock's write-ahead log, kept in dataLogDir: the only
// WAL of the server. It stores opaque records, each keyed by a strictly
// increasing uint64 index (the zxid in standalone mode, later raft entry
// indexes), in segment files; it frames and checksums them, commits them in
// groups with one write and one fdatasync per group, preallocates segments
// in the background, recovers from a torn tail and purges old segments.
//
// What it owns: the files named log.<16 hex digits>, <segment>.broken[.N],
// <segment>.broken.tmp and prealloc.<n>.tmp in its directory. It does not
// interpret records. It imports only the standard library: no project
// package (the import test in arch_test.go allows zk, which it does not
// need), and it reads no environment variable or flag.
//
// # Concurrency
//
// A Log is safe for concurrent use. Its indexes must increase in Append
// call order, so the caller serializes Append (it assigns the indexes
// under its own lock anyway). Two goroutines run inside: the sync
// goroutine, which writes, fsyncs and calls Config.OnDurable, and the
// preallocation goroutine. Waiters either take OnDurable's reports or
// block on their own index with WaitDurable. Close returns once everything
// appended before it is durable (or the log failed).
//
// # Invariants
//
//   - Indexes strictly increase within a segment and across segments; a
//     segment's name is the index of its first record, so names sort like
//     indexes and a segment holds indexes below the next one's name.
//   - A record is reported durable (Config.OnDurable, WaitDurable) only
//     after its bytes were written and fdatasynced, and, for the first
//     batch of a new segment, after the segment was renamed into place and
//     the directory fsynced. With Config.NoSync, "durable" means written.
//   - A new segment is written and synced under a temporary name, then
//     renamed: a segment name never exists on disk without its header and
//     first batch.
//   - A write or fsync error is sticky: it is reported once through
//     OnDurable, every later Append returns it, and nothing is retried. An
//     fsync is never retried because after a failed fsync Linux may have
//     marked the dirty pages clean and dropped the error, so a retry can
//     succeed with the data gone ("fsyncgate", PostgreSQL 2018). The
//     caller stops the server.
//   - Every frame starts 8-byte aligned, so its 4-byte length field never
//     straddles a 512-byte sector and cannot be torn by a partial sector
//     write (the reason etcd's WAL aligns its frames).
//
// # On-disk format
//
// All integers are little-endian. A segment is a header followed by
// frames, and possibly by zeros (preallocated space) after the last one:
//
//	segment header (24 bytes)
//	+--------+------+--------------------------------------------------+
//	| offset | size | field                                            |
//	+--------+------+--------------------------------------------------+
//	|      0 |    4 | magic "PDKL"                      (never change) |
//	|      4 |    4 | format version, 1                 (never change) |
//	|      8 |    8 | index of the first record (= the file name)      |
//	|     16 |    4 | reserved, 0                                      |
//	|     20 |    4 | CRC32C (Castagnoli) of bytes [0, 20)             |
//	+--------+------+--------------------------------------------------+
//
//	frame (16 + n + p bytes, starts 8-byte aligned)
//	+--------+------+--------------------------------------------------+
//	|      0 |    4 | length L = 8 + n: the bytes the checksum covers; |
//	|        |      | 0 means "end of written data" (zeros follow)     |
//	|      4 |    4 | CRC32C (Castagnoli) of bytes [8, 8+L): index,data|
//	|      8 |    8 | index                                            |
//	|     16 |    n | data, the opaque record (n <= MaxRecordSize)     |
//	|   16+n |    p | zero padding, p = (8 - n%8) % 8 (checked zero)   |
//	+--------+------+--------------------------------------------------+
//
// The length counts the index so that no record, not even an empty one,
// has length 0. A length above 8+MaxRecordSize (64 MiB) is invalid, and a
// reader never allocates more than the file holds, so a corrupt length
// cannot cause a huge allocation. Evolve the format by bumping the
// version; never change the meaning of version 1.
//
// # Group commit
//
// Append encodes the frame (the checksum computed before taking the
// mutex) into the pending buffer under the log's mutex and returns; it
// never waits for the disk. One sync goroutine swaps the pending buffer
// for a spare one, writes it with one WriteAt, fdatasyncs once and calls
// OnDurable with the batch's last index. While it syncs, appends fill the
// other buffer, so the batch grows with the load and the number of fsyncs
// stays bounded by the disk's fsync rate (pebble's commit pipeline and
// LogWriter; ZooKeeper's SyncRequestProcessor). Queued data is not bounded
// by the log: the caller bounds what it has in flight.
//
// After a batch leaves the current segment at or past
// Config.SegmentSize, the next batch starts a new segment. Its file was
// created as prealloc.<n>.tmp and preallocated in the background by
// another goroutine, ahead of need: filled with zeros up to PreAllocSize
// and synced (on Linux), so that an fdatasync after an append flushes data
// blocks only, never metadata; a roll that finds none ready creates one
// inline without preallocating.
//
// # Recovery
//
// Open reads and checks every segment, then tells three tails apart (as
// etcd's WAL decoder and repair do):
//
//   - Clean end: the last record is followed by EOF or only zeros.
//   - Torn tail: in the last segment, a frame cut short by EOF, or a bad
//     frame (checksum, length, padding, a zero length with data after it)
//     after which no valid-looking frame with a higher index starts at any
//     aligned offset. The bytes from the bad frame on are copied to
//     <segment>.broken (synced, renamed, directory synced), the segment is
//     truncated there and synced, and RecoveryInfo reports it. A last
//     segment left with no record is removed.
//   - Corruption: a bad frame anywhere else, a bad header of a segment
//     that is not the last, an intact frame whose index does not increase,
//     a header that disagrees with its file name. Open refuses with a
//     *CorruptionError (wrapping ErrCorrupt) naming the file, the offset
//     and the last good index, and telling the operator to run
//     `paddock log verify`.
//
// NB: a disk may persist the sectors of one unsynced group write out of
// order; if power fails then, a later frame of the batch can survive an
// earlier one, and Open reports corruption although none of those records
// was ever reported durable. That is the conservative choice: the operator
// checks with `paddock log verify` (ReadDir and Verify are its engine).
//
// Open also fdatasyncs the last segment and fsyncs the directory (and the
// parents of directories it creates), so what it recovered is durable even
// if the process that wrote it died before its fsync, and removes leftover
// temporary files. Appends after Open always go to a new segment; old
// segments are never written again, so a zero tail left in one stays a
// clean end.
//
// # Purge
//
// PurgeBefore(keep) removes whole segments, oldest first, whose records all
// lie below keep, so a crash mid-purge still leaves a contiguous suffix.
// The log never checks that it covers a given index: gaps between indexes
// are legal (zxids jump at each new epoch), so the caller compares
// RecoveryInfo.FirstIndex with its checkpoint's zxid.
package txnlog
