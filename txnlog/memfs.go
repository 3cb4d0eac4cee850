package txnlog

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// MemFS is an in-memory FS for tests that models what survives a power
// loss. Every file keeps its current bytes and the bytes of its last Sync;
// every directory keeps its current entries and the entries of its last
// SyncDir. Crash returns a new MemFS holding only the durable state: for
// each durable directory entry, the synced bytes of the file it names.
// Directories made by MkdirAll are durable at once.
//
// InjectError makes matching operations fail, so tests can check that an
// I/O error (an fsync error above all) surfaces.
//
// MemFS is safe for concurrent use; each operation is atomic with respect
// to Crash.
type MemFS struct {
	mu      sync.Mutex
	files   map[string]*memNode // current directory entries, by clean path
	durable map[string]*memNode // entries as of the last SyncDir of their directory
	dirs    map[string]bool
	faults  []memFault
}

type memNode struct {
	data   []byte // current contents
	synced []byte // contents as of the last Sync
	// prealloc is the largest Preallocate size, for tests to inspect.
	prealloc int64
}

type memFault struct {
	op, name string
	err      error
}

// NewMemFS returns an empty MemFS holding the root directory.
func NewMemFS() *MemFS {
	return &MemFS{
		files:   map[string]*memNode{},
		durable: map[string]*memNode{},
		dirs:    map[string]bool{"/": true, ".": true},
	}
}

// Operation names for InjectError.
const (
	OpOpen        = "open"
	OpRead        = "read"
	OpWrite       = "write"
	OpSync        = "sync"
	OpTruncate    = "truncate"
	OpSize        = "size"
	OpPreallocate = "preallocate"
	OpClose       = "close"
	OpRemove      = "remove"
	OpRename      = "rename"
	OpReadDir     = "readdir"
	OpMkdirAll    = "mkdir"
	OpSyncDir     = "syncdir"
)

// InjectError makes every later operation op (one of the Op constants) on
// a path containing nameSubstring fail with err, until ClearErrors. A
// rename matches on either name. A failed operation changes nothing.
func (m *MemFS) InjectError(op, nameSubstring string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = append(m.faults, memFault{op: op, name: nameSubstring, err: err})
}

// ClearErrors removes every injected error.
func (m *MemFS) ClearErrors() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = nil
}

// fault returns the injected error for op on any of names. REQUIRES: m.mu held.
func (m *MemFS) fault(op string, names ...string) error {
	for _, f := range m.faults {
		if f.op != op {
			continue
		}
		for _, n := range names {
			if strings.Contains(n, f.name) {
				return &os.PathError{Op: op, Path: n, Err: f.err}
			}
		}
	}
	return nil
}

// Crash returns a new MemFS holding only what was durable in m: the
// entries of the last SyncDir of each directory, each with the bytes of
// its file's last Sync. m is unchanged and may go on being used.
func (m *MemFS) Crash() *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := NewMemFS()
	for d := range m.dirs {
		c.dirs[d] = true
	}
	// Two entries naming one node stay one node.
	nodes := map[*memNode]*memNode{}
	for name, n := range m.durable {
		cn, ok := nodes[n]
		if !ok {
			cn = &memNode{data: slices.Clone(n.synced), synced: slices.Clone(n.synced)}
			nodes[n] = cn
		}
		c.files[name] = cn
		c.durable[name] = cn
	}
	return c
}

// WriteFile creates or replaces name with data, durably (synced, and its
// directory entry too): a helper to set up a test.
func (m *MemFS) WriteFile(name string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if !m.dirs[filepath.Dir(name)] {
		return &os.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	n := &memNode{data: slices.Clone(data), synced: slices.Clone(data)}
	m.files[name] = n
	m.durable[name] = n
	return nil
}

// ReadFile returns the current bytes of name.
func (m *MemFS) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.files[filepath.Clean(name)]
	if !ok {
		return nil, &os.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(n.data), nil
}

// Preallocated returns the largest size Preallocate reserved for name.
func (m *MemFS) Preallocated(name string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n, ok := m.files[filepath.Clean(name)]; ok {
		return n.prealloc
	}
	return 0
}

func (m *MemFS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if err := m.fault(OpOpen, name); err != nil {
		return nil, err
	}
	if m.dirs[name] {
		return nil, &os.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	n, ok := m.files[name]
	switch {
	case ok && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &os.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	case !ok && flag&os.O_CREATE == 0:
		return nil, &os.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case !ok:
		if !m.dirs[filepath.Dir(name)] {
			return nil, &os.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		n = &memNode{}
		m.files[name] = n
	}
	if flag&os.O_TRUNC != 0 {
		n.data = n.data[:0:0]
	}
	return &memFile{fs: m, node: n, name: name, writable: flag&(os.O_WRONLY|os.O_RDWR) != 0}, nil
}

func (m *MemFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if err := m.fault(OpRemove, name); err != nil {
		return err
	}
	if _, ok := m.files[name]; !ok {
		return &os.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(m.files, name)
	return nil
}

func (m *MemFS) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	oldname, newname = filepath.Clean(oldname), filepath.Clean(newname)
	if err := m.fault(OpRename, oldname, newname); err != nil {
		return err
	}
	n, ok := m.files[oldname]
	if !ok {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: fs.ErrNotExist}
	}
	if !m.dirs[filepath.Dir(newname)] {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: fs.ErrNotExist}
	}
	delete(m.files, oldname)
	m.files[newname] = n
	return nil
}

func (m *MemFS) ReadDir(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir = filepath.Clean(dir)
	if err := m.fault(OpReadDir, dir); err != nil {
		return nil, err
	}
	if !m.dirs[dir] {
		return nil, &os.PathError{Op: "open", Path: dir, Err: fs.ErrNotExist}
	}
	var names []string
	for name := range m.files {
		if filepath.Dir(name) == dir {
			names = append(names, filepath.Base(name))
		}
	}
	for d := range m.dirs {
		if d != dir && filepath.Dir(d) == dir {
			names = append(names, filepath.Base(d))
		}
	}
	slices.Sort(names)
	return names, nil
}

func (m *MemFS) MkdirAll(dir string, perm os.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir = filepath.Clean(dir)
	if err := m.fault(OpMkdirAll, dir); err != nil {
		return err
	}
	for d := dir; !m.dirs[d]; d = filepath.Dir(d) {
		if _, ok := m.files[d]; ok {
			return &os.PathError{Op: "mkdir", Path: d, Err: fs.ErrExist}
		}
		m.dirs[d] = true
	}
	return nil
}

func (m *MemFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir = filepath.Clean(dir)
	if err := m.fault(OpSyncDir, dir); err != nil {
		return err
	}
	if !m.dirs[dir] {
		return &os.PathError{Op: "open", Path: dir, Err: fs.ErrNotExist}
	}
	for name := range m.durable {
		if filepath.Dir(name) == dir {
			delete(m.durable, name)
		}
	}
	for name, n := range m.files {
		if filepath.Dir(name) == dir {
			m.durable[name] = n
		}
	}
	return nil
}

// memFile is an open file of a MemFS. It keeps its node across renames and
// removals, as an open file descriptor does.
type memFile struct {
	fs       *MemFS
	node     *memNode
	name     string // the name it was opened by, for errors and faults
	pos      int64
	writable bool
	closed   bool
}

func (f *memFile) check(op string) error {
	if f.closed {
		return &os.PathError{Op: op, Path: f.name, Err: fs.ErrClosed}
	}
	return f.fs.fault(op, f.name)
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check(OpRead); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, &os.PathError{Op: "read", Path: f.name, Err: fs.ErrInvalid}
	}
	if off >= int64(len(f.node.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.node.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.writeAt(p, off)
}

// writeAt writes p at off. REQUIRES: f.fs.mu held.
func (f *memFile) writeAt(p []byte, off int64) (int, error) {
	if err := f.check(OpWrite); err != nil {
		return 0, err
	}
	if !f.writable || off < 0 {
		return 0, &os.PathError{Op: "write", Path: f.name, Err: fs.ErrInvalid}
	}
	end := off + int64(len(p))
	if end > int64(len(f.node.data)) {
		if end > int64(cap(f.node.data)) {
			grown := make([]byte, len(f.node.data), max(end, 2*int64(cap(f.node.data))))
			copy(grown, f.node.data)
			f.node.data = grown
		}
		old := len(f.node.data)
		f.node.data = f.node.data[:end]
		clear(f.node.data[old:])
	}
	copy(f.node.data[off:], p)
	return len(p), nil
}

func (f *memFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	n, err := f.writeAt(p, f.pos)
	f.pos += int64(n)
	return n, err
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check(OpSync); err != nil {
		return err
	}
	f.node.synced = append(f.node.synced[:0], f.node.data...)
	return nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check(OpTruncate); err != nil {
		return err
	}
	if !f.writable || size < 0 {
		return &os.PathError{Op: "truncate", Path: f.name, Err: fs.ErrInvalid}
	}
	// As ext4 and xfs do, a truncate frees the blocks reserved past EOF.
	f.node.prealloc = 0
	if size <= int64(len(f.node.data)) {
		f.node.data = f.node.data[:size]
		return nil
	}
	_, err := f.writeAt(make([]byte, size-int64(len(f.node.data))), int64(len(f.node.data)))
	return err
}

func (f *memFile) Size() (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check(OpSize); err != nil {
		return 0, err
	}
	return int64(len(f.node.data)), nil
}

func (f *memFile) Preallocate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check(OpPreallocate); err != nil {
		return err
	}
	f.node.prealloc = max(f.node.prealloc, size)
	return nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return &os.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	if err := f.fs.fault(OpClose, f.name); err != nil {
		return err
	}
	f.closed = true
	return nil
}
