package zkimport

import (
	"encoding/binary"
	"hash/crc32"
	"strings"

	"github.com/paddockdb/paddock/engine"
)

// digestSkipPrefix excludes the nodes below /zookeeper/ from the digest
// (ZooDefs.ZOOKEEPER_NODE_SUBTREE): their quota stats are updated in place
// by each server. /zookeeper itself counts.
const digestSkipPrefix = "/zookeeper/"

// NodeDigest is ZooKeeper's digest of one znode (DigestCalculator,
// version 2): the CRC32 (IEEE) of the path, the data and 60 bytes of
// StatPersisted (czxid, mzxid, pzxid, ctime, mtime, version, cversion,
// aversion, ephemeralOwner, big-endian). The root is digested under the
// path "", and nodes below /zookeeper/ count 0.
//
// NB: ZooKeeper digests String.getBytes() in the JVM's default charset,
// UTF-8 unless the JVM runs with another file.encoding (a JDK 17 in a
// POSIX locale uses ASCII, turning non-ASCII characters into '?'): paths
// are digested as UTF-8 here.
func NodeDigest(n *engine.NodeRecord) uint32 {
	path := n.Path
	if strings.HasPrefix(path, digestSkipPrefix) {
		return 0
	}
	if path == "/" {
		path = ""
	}
	var b [60]byte
	binary.BigEndian.PutUint64(b[0:], uint64(n.Czxid))
	binary.BigEndian.PutUint64(b[8:], uint64(n.Mzxid))
	binary.BigEndian.PutUint64(b[16:], uint64(n.Pzxid))
	binary.BigEndian.PutUint64(b[24:], uint64(n.Ctime))
	binary.BigEndian.PutUint64(b[32:], uint64(n.Mtime))
	binary.BigEndian.PutUint32(b[40:], uint32(n.Version))
	binary.BigEndian.PutUint32(b[44:], uint32(n.Cversion))
	binary.BigEndian.PutUint32(b[48:], uint32(n.Aversion))
	binary.BigEndian.PutUint64(b[52:], uint64(n.EphemeralOwner))
	c := crc32.ChecksumIEEE([]byte(path))
	c = crc32.Update(c, crc32.IEEETable, n.Data)
	return crc32.Update(c, crc32.IEEETable, b[:])
}

// TreeDigest is ZooKeeper's digest of a whole tree (AdHash): the sum,
// wrapping, of every node's NodeDigest.
func TreeDigest(nodes []engine.NodeRecord) int64 {
	var sum int64
	for i := range nodes {
		sum += int64(NodeDigest(&nodes[i]))
	}
	return sum
}

// engineDigest returns the digest of e's tree. It takes a full capture, so
// it costs O(tree), and leaves e's next Capture full.
func engineDigest(e *engine.Engine) int64 {
	e.ForgetCaptures()
	d := TreeDigest(e.Capture().Nodes)
	e.ForgetCaptures()
	return d
}
