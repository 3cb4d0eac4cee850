package snapshot_test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/zk"
)

// syntheticTree returns a full capture of a fresh engine's tree plus
// parents*kids nodes of dataLen bytes under /p<i>/n<j>.
func syntheticTree(parents, kids, dataLen int) *engine.Capture {
	c := engine.New(engine.Config{}).Capture()
	c.Nodes[0].NumChildren += int32(parents)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range parents {
		p := fmt.Sprintf("/p%04d", i)
		c.Nodes = append(c.Nodes, engine.NodeRecord{Path: p, Data: []byte{}, ACL: zk.OpenACLUnsafe(),
			Czxid: 1, Mzxid: 1, Pzxid: 2, Ctime: 1_700_000_000_000, Mtime: 1_700_000_000_000, Cversion: int32(kids), NumChildren: int32(kids)})
		for j := range kids {
			// Random data: compression gains nothing, as with most real
			// payloads that are not text.
			data := make([]byte, dataLen)
			for k := range data {
				data[k] = byte(rng.Uint32())
			}
			c.Nodes = append(c.Nodes, engine.NodeRecord{Path: fmt.Sprintf("%s/n%06d", p, j), Data: data, ACL: zk.OpenACLUnsafe(),
				Czxid: 2, Mzxid: 2, Pzxid: 2, Ctime: 1_700_000_000_000, Mtime: 1_700_000_000_000})
		}
	}
	c.Zxid = 2
	c.Sessions = map[zk.SessionID]int32{1: 30000, 2: 10000}
	return c
}

func benchConfig(b *testing.B, where string) snapshot.Config {
	if where == "disk" {
		return snapshot.Config{Dir: b.TempDir()}
	}
	return memConfig(vfs.NewMem())
}

// BenchmarkWrite writes incremental checkpoints of n changed nodes of 100
// bytes each, over a store of 10,000 nodes: the batch, the commit, the
// flush (with its fsyncs on disk).
func BenchmarkWrite(b *testing.B) {
	for _, where := range []string{"mem", "disk"} {
		for _, n := range []int{100, 1000, 10_000} {
			b.Run(fmt.Sprintf("%s/changed=%d", where, n), func(b *testing.B) {
				st, err := snapshot.Open(benchConfig(b, where))
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				full := syntheticTree(10, 1000, 100)
				if err := st.Write(full); err != nil {
					b.Fatal(err)
				}
				changed := &engine.Capture{Zxid: full.Zxid, Sessions: full.Sessions}
				for i := range full.Nodes {
					if len(changed.Nodes) < n && len(full.Nodes[i].Data) > 0 {
						changed.Nodes = append(changed.Nodes, full.Nodes[i])
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					changed.Zxid++
					for i := range changed.Nodes {
						changed.Nodes[i].Mzxid = changed.Zxid
						changed.Nodes[i].Version++
					}
					if err := st.Write(changed); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/node")
			})
		}
	}
}

// BenchmarkLoad loads a checkpoint of 100,000 nodes of 100 bytes into a
// fresh engine, and reports the store's disk use.
func BenchmarkLoad(b *testing.B) {
	for _, where := range []string{"mem", "disk"} {
		b.Run(where, func(b *testing.B) {
			cfg := benchConfig(b, where)
			st, err := snapshot.Open(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			full := syntheticTree(100, 1000, 100)
			if err := st.Write(full); err != nil {
				b.Fatal(err)
			}
			nodes := len(full.Nodes)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				e := engine.New(engine.Config{})
				if _, err := st.Load(e); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*nodes), "ns/node")
			if where == "disk" {
				b.ReportMetric(float64(duBytes(b, cfg.Dir))/float64(nodes), "disk-B/node")
			}
		})
	}
}

// BenchmarkWalk is Load without the engine: the store's own share.
func BenchmarkWalk(b *testing.B) {
	st, err := snapshot.Open(memConfig(vfs.NewMem()))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	full := syntheticTree(100, 1000, 100)
	if err := st.Write(full); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := st.Walk(func(engine.NodeRecord) error { return nil }, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(full.Nodes)), "ns/node")
}

// BenchmarkFullWrite writes a full checkpoint of 100,000 nodes.
func BenchmarkFullWrite(b *testing.B) {
	st, err := snapshot.Open(benchConfig(b, "disk"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	full := syntheticTree(100, 1000, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		full.Zxid++
		if err := st.Write(full); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(full.Nodes)), "ns/node")
}

// BenchmarkExport exports 100,000 nodes of 100 bytes, and imports them.
func BenchmarkExport(b *testing.B) {
	st, err := snapshot.Open(memConfig(vfs.NewMem()))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	full := syntheticTree(100, 1000, 100)
	if err := st.Write(full); err != nil {
		b.Fatal(err)
	}
	var stream bytes.Buffer
	if _, err := st.Export(&stream); err != nil {
		b.Fatal(err)
	}
	b.Run("export", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.Export(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(full.Nodes)), "ns/node")
		b.ReportMetric(float64(stream.Len())/float64(len(full.Nodes)), "stream-B/node")
	})
	b.Run("import", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := snapshot.Import(memConfig(vfs.NewMem()), bytes.NewReader(stream.Bytes())); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(full.Nodes)), "ns/node")
	})
}

func duBytes(b *testing.B, dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// BenchmarkOpen opens and closes a store of 100,000 nodes on disk.
func BenchmarkOpen(b *testing.B) {
	cfg := benchConfig(b, "disk")
	st, err := snapshot.Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Write(syntheticTree(100, 1000, 100)); err != nil {
		b.Fatal(err)
	}
	st.Close()
	b.ReportAllocs()
	for b.Loop() {
		st, err := snapshot.Open(cfg)
		if err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
}
