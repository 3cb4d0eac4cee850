//go:build linux

package txnlog

import (
	"errors"
	"os"
	"syscall"
)

// fallocKeepSize is FALLOC_FL_KEEP_SIZE from linux/falloc.h.
const fallocKeepSize = 0x1

// fdatasync flushes the file's data and the metadata needed to read it back
// (its size), but not its timestamps: one journal commit fewer than fsync.
func fdatasync(f *os.File, fd uintptr) error {
	for {
		err := syscall.Fdatasync(int(fd))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
		}
		return nil
	}
}

// preallocate reserves blocks up to size without changing the file size.
// Filesystems without fallocate (tmpfs on old kernels, some FUSE and
// network filesystems) make it a no-op.
func preallocate(f *os.File, fd uintptr, size int64) error {
	for {
		err := syscall.Fallocate(int(fd), fallocKeepSize, 0, size)
		switch {
		case err == nil:
			return nil
		case err == syscall.EINTR:
			continue
		case errors.Is(err, syscall.EOPNOTSUPP), errors.Is(err, syscall.ENOSYS):
			return nil
		default:
			return &os.PathError{Op: "fallocate", Path: f.Name(), Err: err}
		}
	}
}
