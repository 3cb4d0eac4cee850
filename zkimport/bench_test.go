package zkimport

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// bigSnapshot is a snapshot of n nodes of 100 bytes, 100 per parent.
func bigSnapshot(n int) []byte {
	spec := fixtureSnapshot()
	data := bytes.Repeat([]byte("x"), 100)
	for i := range n / 100 {
		p := fmt.Sprintf("/p%04d", i)
		spec.nodes = append(spec.nodes, Node{Path: p, ACLRef: -1, Stat: stat(zk.Zxid(10+i), 100, 0)})
		for j := range 99 {
			spec.nodes = append(spec.nodes, Node{Path: fmt.Sprintf("%s/c%02d", p, j), Data: data, ACLRef: -1, Stat: stat(zk.Zxid(10+i), 0, 0)})
		}
	}
	return spec.bytes()
}

func BenchmarkReadSnapshot(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		snap := bigSnapshot(n)
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(snap)))
			for b.Loop() {
				if _, err := ReadSnapshot(bytes.NewReader(snap)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkImport(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		dir := b.TempDir()
		writeZK(b, dir, map[string][]byte{"snapshot.5": bigSnapshot(n)})
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Import(Config{SnapDir: dir}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
