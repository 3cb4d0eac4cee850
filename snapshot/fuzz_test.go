package snapshot

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/zk"
)

func seedNodes() []engine.NodeRecord {
	return []engine.NodeRecord{
		{Path: "/", Data: []byte{}, ACL: zk.OpenACLUnsafe(), NumChildren: 2, Cversion: 2, Pzxid: 7},
		{Path: "/a", Data: []byte("data"), ACL: []zk.ACL{{Perms: zk.PermRead, ID: zk.Id{Scheme: "ip", ID: "10.0.0.0/8"}}, {Perms: zk.PermAll, ID: zk.AnyoneID}},
			Czxid: 1, Mzxid: 2, Pzxid: 3, Ctime: 4, Mtime: 5, Version: 6, Cversion: 7, Aversion: 8, EphemeralOwner: 0x0100000000000001, NumChildren: 1},
		{Path: "/a/null", Data: nil, ACL: []zk.ACL{}, EphemeralOwner: engine.ContainerOwner},
		{Path: "/ttl", Data: []byte{0}, ACL: nil, EphemeralOwner: -0x0100000000000000 | 1000},
	}
}

func encodeNode(n *engine.NodeRecord) (key, value []byte) {
	key = appendNodeKey(nil, n.Path)
	return key, appendValue(nil, key, appendNodePayload(nil, n))
}

// FuzzValue feeds stored values to the value decoders: they must never
// panic, and what they accept must encode back to what they decode.
func FuzzValue(f *testing.F) {
	for _, n := range seedNodes() {
		key, value := encodeNode(&n)
		f.Add(key, value)
	}
	m := Meta{Zxid: 5, Nodes: 3, Sessions: 1, Checkpoints: 2, DBID: DBID{1, 2, 3}}
	f.Add(metaKey, appendValue(nil, metaKey, appendMetaPayload(nil, &m)))
	sk := appendSessionKey(nil, 0x0100000000000001)
	f.Add(sk, appendValue(nil, sk, appendSessionPayload(nil, 30000)))
	f.Add([]byte("n/x"), []byte{1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, key, value []byte) {
		payload, err := openValue(key, value)
		if err != nil || len(key) == 0 {
			return
		}
		switch key[0] {
		case kindMeta:
			m, err := decodeMeta(value)
			if err != nil {
				return
			}
			v := appendValue(nil, metaKey, appendMetaPayload(nil, &m))
			if m2, err := decodeMeta(v); err != nil || m2 != m {
				t.Fatalf("meta %+v re-decodes as %+v, %v", m, m2, err)
			}
		case kindSession:
			id, to, err := decodeSession(key, payload)
			if err != nil {
				return
			}
			if k := appendSessionKey(nil, id); !bytes.Equal(k, key) || !bytes.Equal(appendSessionPayload(nil, to), payload) {
				t.Fatalf("session %s %d re-encodes differently", id, to)
			}
		case kindNode:
			var nd nodeDecoder
			rec, err := nd.decode(string(key[1:]), payload)
			if err != nil {
				return
			}
			if n := nodePayloadLen(rec); n != len(appendNodePayload(nil, rec)) {
				t.Fatalf("nodePayloadLen %d, encoded %d", n, len(appendNodePayload(nil, rec)))
			}
			first := *rec
			first.ACL = append([]zk.ACL(nil), rec.ACL...)
			if rec.ACL != nil && len(rec.ACL) == 0 {
				first.ACL = []zk.ACL{}
			}
			_, v := encodeNode(&first)
			payload2, err := openValue(key, v)
			if err != nil {
				t.Fatal(err)
			}
			var nd2 nodeDecoder
			again, err := nd2.decode(first.Path, payload2)
			if err != nil {
				t.Fatalf("re-encoded node does not decode: %v", err)
			}
			if !reflect.DeepEqual(*again, first) {
				t.Fatalf("node %+v re-decodes as %+v", first, *again)
			}
		}
	})
}

// seedStream returns an uncompressed export stream of the seed nodes.
func seedStream() []byte {
	var buf bytes.Buffer
	sw := &streamWriter{w: &buf}
	sw.start()
	nodes := seedNodes()
	m := Meta{Zxid: 9, Nodes: int64(len(nodes)), Sessions: 2, Checkpoints: 1}
	at := sw.begin(frameHeader)
	sw.buf = appendMetaFields(sw.buf, &m)
	sw.end(at)
	for i := range nodes {
		at := sw.begin(frameNode)
		sw.buf = zk.AppendString(sw.buf, nodes[i].Path)
		sw.buf = appendNodePayload(sw.buf, &nodes[i])
		sw.end(at)
	}
	for _, id := range []zk.SessionID{1, 0x0100000000000001} {
		at := sw.begin(frameSession)
		sw.buf = zk.AppendInt64(sw.buf, int64(id))
		sw.buf = zk.AppendInt32(sw.buf, 4000)
		sw.end(at)
	}
	at = sw.begin(frameTrailer)
	sw.buf = zk.AppendInt64(sw.buf, m.Nodes)
	sw.buf = zk.AppendInt32(sw.buf, int32(m.Sessions))
	sw.end(at)
	sw.flush()
	return buf.Bytes()
}

func TestSeedStream(t *testing.T) {
	var n, s int
	m, err := readStream(bytes.NewReader(seedStream()), streamHandler{
		node:    func(string, []byte, *engine.NodeRecord) error { n++; return nil },
		session: func(zk.SessionID, int32) error { s++; return nil },
	})
	if err != nil || n != 4 || s != 2 || m.Zxid != 9 {
		t.Fatalf("seed stream: %+v, %d nodes, %d sessions, %v", m, n, s, err)
	}
}

// FuzzStream feeds uncompressed export streams to the stream reader: it
// must never panic, and a stream it accepts must be the one its records
// write back (the format has one encoding per image).
func FuzzStream(f *testing.F) {
	seed := seedStream()
	f.Add(seed)
	f.Add(seed[:len(seed)-3])
	f.Add(seed[:8])
	f.Fuzz(func(t *testing.T, data []byte) {
		type node struct {
			path    string
			payload []byte
		}
		var nodes []node
		var sessions [][2]int64
		m, err := readStream(bytes.NewReader(data), streamHandler{
			node: func(path string, payload []byte, _ *engine.NodeRecord) error {
				nodes = append(nodes, node{strings.Clone(path), bytes.Clone(payload)})
				return nil
			},
			session: func(id zk.SessionID, timeout int32) error {
				sessions = append(sessions, [2]int64{int64(id), int64(timeout)})
				return nil
			},
		})
		if err != nil {
			return
		}
		var buf bytes.Buffer
		sw := &streamWriter{w: &buf}
		sw.start()
		at := sw.begin(frameHeader)
		sw.buf = appendMetaFields(sw.buf, &m)
		sw.end(at)
		for _, n := range nodes {
			at := sw.begin(frameNode)
			sw.buf = zk.AppendString(sw.buf, n.path)
			sw.buf = append(sw.buf, n.payload...)
			sw.end(at)
		}
		for _, s := range sessions {
			at := sw.begin(frameSession)
			sw.buf = zk.AppendInt64(sw.buf, s[0])
			sw.buf = zk.AppendInt32(sw.buf, int32(s[1]))
			sw.end(at)
		}
		at = sw.begin(frameTrailer)
		sw.buf = zk.AppendInt64(sw.buf, int64(len(nodes)))
		sw.buf = zk.AppendInt32(sw.buf, int32(len(sessions)))
		sw.end(at)
		sw.flush()
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("accepted stream of %d bytes writes back as %d different bytes", len(data), buf.Len())
		}
	})
}
