package txnlog

import (
	"io"
	"os"
	"path/filepath"
	"sort"
)

// FS is the small filesystem interface all of the package's I/O goes
// through, so that tests can drop unsynced bytes (MemFS.Crash) and inject
// errors (MemFS.InjectError). Implementations must be safe for concurrent
// use; a File is used by one goroutine at a time.
type FS interface {
	OpenFile(name string, flag int, perm os.FileMode) (File, error)
	Remove(name string) error
	Rename(oldname, newname string) error
	// ReadDir returns the names of the entries of dir, sorted.
	ReadDir(dir string) ([]string, error)
	MkdirAll(dir string, perm os.FileMode) error
	// SyncDir makes the directory's entries durable (fsync of the
	// directory): creations, renames and removals in it.
	SyncDir(dir string) error
}

// File is an open file of an FS.
type File interface {
	io.ReaderAt
	io.WriterAt
	io.Writer
	// Sync makes the file's data durable, and its size when it changed
	// (fdatasync on Linux).
	Sync() error
	Truncate(size int64) error
	Size() (int64, error)
	// Preallocate reserves disk space for the file up to size bytes. The
	// file may grow to size, filled with zeros (on Linux it does: see
	// preallocate), which readers take as the end of the written data; it
	// may be a no-op where not supported.
	Preallocate(size int64) error
	Close() error
}

// OSFS returns the FS of the operating system.
func OSFS() FS { return osFS{} }

type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &osFile{File: f, fd: f.Fd()}, nil
}

func (osFS) Remove(name string) error             { return os.Remove(name) }
func (osFS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }
func (osFS) MkdirAll(dir string, perm os.FileMode) error {
	return os.MkdirAll(dir, perm)
}

func (osFS) ReadDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	sort.Strings(names)
	return names, nil
}

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(filepath.Clean(dir))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// osFile is a File of OSFS. fd is cached at open: Fd is not free, and the
// file is only closed after its last use.
type osFile struct {
	*os.File
	fd uintptr
}

func (f *osFile) Sync() error { return fdatasync(f.File, f.fd) }

func (f *osFile) Size() (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (f *osFile) Preallocate(size int64) error { return preallocate(f.File, f.fd, size) }
