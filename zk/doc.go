// Package zk is Paddock's vocabulary: the leaf package every other package
// shares. It owns the domain numbers (Zxid, SessionID), the data types
// (Stat, ACL, Id), the op, error, event and create-mode codes, and the jute
// records of ZooKeeper's client protocol and transaction log together with
// their hand-written codec.
//
// Invariants:
//   - zk imports nothing from the project.
//   - The codec uses no reflection and no interface call per field: every
//     record has Append(dst []byte) []byte and Decode(*Decoder).
//   - The byte layout is exactly jute's, as defined in ZooKeeper's
//     zookeeper.jute; golden tests under testdata hold bytes captured from a
//     real Apache ZooKeeper 3.8 exchange.
//
// Jute encoding (big-endian throughout):
//
//	int      4 bytes, two's complement
//	long     8 bytes, two's complement
//	boolean  1 byte, 0 or 1
//	buffer   int length, then that many bytes; length -1 means null
//	ustring  int length, then UTF-8 bytes;  length -1 means null
//	vector   int count, then count elements; count -1 means null
//	record   its fields in declaration order, no framing of its own
//
// On the client port every packet is framed by a 4-byte big-endian length.
package zk
