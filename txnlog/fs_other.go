//go:build !linux

package txnlog

import "os"

// fdatasync falls back to fsync (F_FULLFSYNC on darwin, through os.File.Sync).
func fdatasync(f *os.File, _ uintptr) error { return f.Sync() }

// preallocate is a no-op where fallocate does not exist.
func preallocate(*os.File, uintptr, int64) error { return nil }
