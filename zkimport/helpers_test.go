package zkimport

import (
	"hash/adler32"
	"os"
	"path/filepath"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// Writers of ZooKeeper's formats, for tests: FileSnap.serialize and
// FileTxnLog.append in miniature.

func appendHeader(b []byte, magic int32, dbid int64) []byte {
	b = zk.AppendInt32(b, magic)
	b = zk.AppendInt32(b, FileVersion)
	return zk.AppendInt64(b, dbid)
}

// appendSeal appends SnapStream.sealStream's seal: the Adler32 of b, "/".
func appendSeal(b []byte) []byte {
	b = zk.AppendInt64(b, int64(adler32.Checksum(b)))
	return zk.AppendString(b, "/")
}

// snapSpec describes a snapshot to build.
type snapSpec struct {
	sessions []sessionSpec
	acls     []aclSpec
	nodes    []Node // Path "" is the root, as ZooKeeper writes it
	digest   *ZxidDigest
	lastZxid *zk.Zxid
}

type sessionSpec struct {
	id      zk.SessionID
	timeout int32
}

type aclSpec struct {
	ref int64
	acl []zk.ACL
}

func (s *snapSpec) bytes() []byte {
	b := appendHeader(nil, SnapMagic, 7)
	b = zk.AppendInt32(b, int32(len(s.sessions)))
	for _, ss := range s.sessions {
		b = zk.AppendInt64(b, int64(ss.id))
		b = zk.AppendInt32(b, ss.timeout)
	}
	b = zk.AppendInt32(b, int32(len(s.acls)))
	for _, a := range s.acls {
		b = zk.AppendInt64(b, a.ref)
		b = zk.AppendInt32(b, int32(len(a.acl)))
		for _, x := range a.acl {
			b = x.Append(b)
		}
	}
	for _, n := range s.nodes {
		b = zk.AppendString(b, n.Path)
		b = zk.AppendBuffer(b, n.Data)
		b = zk.AppendInt64(b, n.ACLRef)
		b = appendStat(b, &n.Stat)
	}
	b = zk.AppendString(b, "/")
	b = appendSeal(b)
	if s.digest != nil {
		b = zk.AppendInt64(b, int64(s.digest.Zxid))
		b = zk.AppendInt32(b, s.digest.Version)
		b = zk.AppendInt64(b, s.digest.Digest)
		b = appendSeal(b)
	}
	if s.lastZxid != nil {
		b = zk.AppendInt64(b, int64(*s.lastZxid))
		b = appendSeal(b)
	}
	return b
}

func appendStat(b []byte, s *StatPersisted) []byte {
	b = zk.AppendInt64(b, int64(s.Czxid))
	b = zk.AppendInt64(b, int64(s.Mzxid))
	b = zk.AppendInt64(b, s.Ctime)
	b = zk.AppendInt64(b, s.Mtime)
	b = zk.AppendInt32(b, s.Version)
	b = zk.AppendInt32(b, s.Cversion)
	b = zk.AppendInt32(b, s.Aversion)
	b = zk.AppendInt64(b, int64(s.EphemeralOwner))
	return zk.AppendInt64(b, int64(s.Pzxid))
}

// logRecord is one record of a log to build: a txn and, optionally, its
// digest; raw, if set, replaces the encoded txn.
type logRecord struct {
	txn    zk.Txn
	digest *TxnDigest
	raw    []byte
}

func (r *logRecord) payload() []byte {
	if r.raw != nil {
		return r.raw
	}
	b := zk.AppendTxn(nil, &r.txn)
	if r.digest != nil {
		b = zk.AppendInt32(b, r.digest.Version)
		b = zk.AppendInt64(b, r.digest.Digest)
	}
	return b
}

// buildLog writes a log file's bytes: the header, the records, then pad
// zeros (preallocated space).
func buildLog(recs []logRecord, pad int) []byte {
	b := appendHeader(nil, LogMagic, 7)
	for i := range recs {
		p := recs[i].payload()
		b = zk.AppendInt64(b, int64(adler32.Checksum(p)))
		b = zk.AppendBuffer(b, p)
		b = append(b, EndOfRecord)
	}
	return append(b, make([]byte, pad)...)
}

// The fixture tree: a small ZooKeeper database as 3.8 writes it.

var (
	digestACL = []zk.ACL{{Perms: zk.PermAll, ID: zk.Id{Scheme: "digest", ID: "alice:BnYxF1iLZKZ3Tfs2TmGZMJjZNyY="}}}
	readACL   = zk.ReadACLUnsafe()
)

const (
	fixtureSession zk.SessionID = 0x1000000abc0001
	ttlOwnerHour   zk.SessionID = -0x0100000000000000 | 3600000
)

func stat(czxid zk.Zxid, cversion int32, owner zk.SessionID) StatPersisted {
	return StatPersisted{Czxid: czxid, Mzxid: czxid, Pzxid: czxid, Ctime: 1000 + int64(czxid), Mtime: 1000 + int64(czxid),
		Cversion: cversion, EphemeralOwner: owner}
}

// fixtureSnapshot is a snapshot at zxid 5: /a (digest ACL) with the
// ephemeral /a/e, the TTL node /t, and the reserved nodes.
func fixtureSnapshot() *snapSpec {
	return &snapSpec{
		sessions: []sessionSpec{{fixtureSession, 30000}},
		acls:     []aclSpec{{1, readACL}, {2, digestACL}},
		nodes: []Node{
			{Path: "", Data: []byte{}, ACLRef: -1, Stat: StatPersisted{Cversion: 2, Pzxid: 4}},
			{Path: "/zookeeper", Data: []byte{}, ACLRef: -1},
			{Path: "/zookeeper/config", Data: []byte{}, ACLRef: 1, Stat: StatPersisted{Aversion: -1}},
			{Path: "/zookeeper/quota", Data: []byte{}, ACLRef: -1},
			{Path: "/a", Data: []byte("data"), ACLRef: 2, Stat: stat(2, 1, 0)},
			{Path: "/a/e", Data: nil, ACLRef: -1, Stat: stat(3, 0, fixtureSession)},
			{Path: "/t", Data: []byte("ttl"), ACLRef: -1, Stat: stat(4, 0, ttlOwnerHour)},
		},
	}
}

// writeZK writes files into dir/version-2.
func writeZK(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	v2 := filepath.Join(dir, VersionDir)
	if err := os.MkdirAll(v2, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(v2, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func hdr(zxid zk.Zxid, typ zk.OpCode) zk.TxnHeader {
	return zk.TxnHeader{ClientID: fixtureSession, Cxid: int32(zxid), Zxid: zxid, Time: 1000 + int64(zxid), Type: typ}
}
