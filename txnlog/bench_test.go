package txnlog

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"
)

// BenchmarkAppendDurable appends records in batches against the real
// filesystem (a temp dir) and waits after each batch until it is durable:
// batch 1 is one writer waiting on every record; larger batches are many
// concurrent writers, whose records share writes and fdatasyncs. One op is
// one record.
func BenchmarkAppendDurable(b *testing.B) {
	for _, size := range []int{100, 1024} {
		for _, batch := range []int{1, 16, 128} {
			b.Run(fmt.Sprintf("size=%d/batch=%d", size, batch), func(b *testing.B) {
				benchAppendDurable(b, size, batch)
			})
		}
	}
}

func benchAppendDurable(b *testing.B, size, batch int) {
	l, _, err := Open(Config{Dir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	data := testData(7, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	idx := uint64(0)
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
		for range n {
			idx++
			if err := l.Append(idx, data); err != nil {
				b.Fatal(err)
			}
		}
		if err := l.WaitDurable(idx); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	elapsed := time.Since(start)
	b.StopTimer()
	st := l.Stats()
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(st.Syncs)/elapsed.Seconds(), "fsyncs/s")
	b.ReportMetric(float64(b.N)/float64(max(st.Syncs, 1)), "records/fsync")
	if st.Syncs > 0 {
		b.ReportMetric(float64(st.TotalSync.Microseconds())/float64(st.Syncs), "us/fsync")
	}
}

// BenchmarkAppendFrame is the frame encoder alone.
func BenchmarkAppendFrame(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			data := testData(3, size)
			buf := make([]byte, 0, frameSize(size))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := range b.N {
				buf = appendFrame(buf[:0], uint64(i)+1, data)
			}
		})
	}
}

// BenchmarkAppendQueue is the cost of Append alone (encoding under the
// mutex), with a filesystem that discards writes; the sync goroutine still
// runs on the other core.
func BenchmarkAppendQueue(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			l, _, err := Open(Config{Dir: testDir, FS: nullFS{}, SegmentSize: 1 << 40, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			data := testData(3, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := range b.N {
				if err := l.Append(uint64(i)+1, data); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			l.Close()
		})
	}
}

// BenchmarkReplay reads a log of 1 KiB records back.
func BenchmarkReplay(b *testing.B) {
	m := newMemFS(b)
	l, _, err := Open(Config{Dir: testDir, FS: m, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	data := testData(1, 1024)
	for i := range uint64(n) {
		l.Append(i+1, data)
	}
	l.Close()
	l, _, err = Open(Config{Dir: testDir, FS: m, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.SetBytes(n * 1024)
	b.ReportAllocs()
	for range b.N {
		if err := l.Replay(0, func(uint64, []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// nullFS is an empty directory whose files discard what is written.
type nullFS struct{}

func (nullFS) OpenFile(string, int, os.FileMode) (File, error) { return nullFile{}, nil }
func (nullFS) Remove(string) error                             { return nil }
func (nullFS) Rename(string, string) error                     { return nil }
func (nullFS) ReadDir(string) ([]string, error)                { return nil, nil }
func (nullFS) MkdirAll(string, os.FileMode) error              { return nil }
func (nullFS) SyncDir(string) error                            { return nil }

type nullFile struct{}

func (nullFile) ReadAt([]byte, int64) (int, error)      { return 0, io.EOF }
func (nullFile) WriteAt(p []byte, _ int64) (int, error) { return len(p), nil }
func (nullFile) Write(p []byte) (int, error)            { return len(p), nil }
func (nullFile) Sync() error                            { return nil }
func (nullFile) Truncate(int64) error                   { return nil }
func (nullFile) Size() (int64, error)                   { return 0, nil }
func (nullFile) Preallocate(int64) error                { return nil }
func (nullFile) Close() error                           { return nil }
