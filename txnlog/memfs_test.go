package txnlog

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"syscall"
	"testing"
)

func TestMemFSCrash(t *testing.T) {
	m := NewMemFS()
	m.MkdirAll("/d", 0o755)
	open := func(name string) File {
		f, err := m.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	read := func(m *MemFS, name string) string {
		b, err := m.ReadFile(name)
		if err != nil {
			return "<" + err.Error() + ">"
		}
		return string(b)
	}

	a := open("/d/a")
	a.Write([]byte("synced"))
	a.Sync()
	a.Write([]byte(" unsynced"))
	if c := m.Crash(); read(c, "/d/a") != "<open /d/a: file does not exist>" {
		t.Fatalf("a file whose name was never synced survived: %q", read(c, "/d/a"))
	}
	m.SyncDir("/d")
	if c := m.Crash(); read(c, "/d/a") != "synced" {
		t.Fatalf("after SyncDir: %q", read(c, "/d/a"))
	}
	// A rename is not durable until SyncDir; the open file follows it.
	m.Rename("/d/a", "/d/b")
	a.Sync()
	if c := m.Crash(); read(c, "/d/a") != "synced unsynced" || read(c, "/d/b")[0] != '<' {
		t.Fatalf("unsynced rename: a=%q b=%q", read(c, "/d/a"), read(c, "/d/b"))
	}
	m.SyncDir("/d")
	if c := m.Crash(); read(c, "/d/b") != "synced unsynced" || read(c, "/d/a")[0] != '<' {
		t.Fatalf("synced rename: a=%q b=%q", read(c, "/d/a"), read(c, "/d/b"))
	}
	// Truncate and remove, likewise.
	a.Truncate(3)
	m.Remove("/d/b")
	if c := m.Crash(); read(c, "/d/b") != "synced unsynced" {
		t.Fatalf("unsynced truncate+remove: %q", read(c, "/d/b"))
	}
	a.Sync()
	if c := m.Crash(); read(c, "/d/b") != "syn" {
		t.Fatalf("synced truncate, unsynced remove: %q", read(c, "/d/b"))
	}
	m.SyncDir("/d")
	if c := m.Crash(); read(c, "/d/b")[0] != '<' {
		t.Fatalf("synced remove: %q", read(c, "/d/b"))
	}
	// The crashed copy is independent and usable.
	c := m.Crash()
	f, err := c.OpenFile("/d/new", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("xy"), 4)
	if b, _ := c.ReadFile("/d/new"); string(b) != "\x00\x00\x00\x00xy" {
		t.Fatalf("sparse write: %q", b)
	}
	if _, err := m.ReadFile("/d/new"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("crash copy shares state")
	}
}

func TestMemFSOps(t *testing.T) {
	m := NewMemFS()
	if _, err := m.OpenFile("/nodir/f", os.O_RDWR|os.O_CREATE, 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("create in a missing directory: %v", err)
	}
	m.MkdirAll("/a/b", 0o755)
	m.WriteFile("/a/b/y", []byte("12345"))
	m.WriteFile("/a/b/x", nil)
	names, err := m.ReadDir("/a/b")
	if err != nil || !slices.Equal(names, []string{"x", "y"}) {
		t.Fatalf("ReadDir = %v, %v", names, err)
	}
	if names, _ := m.ReadDir("/a"); !slices.Equal(names, []string{"b"}) {
		t.Fatalf("ReadDir(/a) = %v", names)
	}
	if _, err := m.OpenFile("/a/b/y", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("O_EXCL: %v", err)
	}
	if _, err := m.OpenFile("/a/b/z", os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	f, _ := m.OpenFile("/a/b/y", os.O_RDONLY, 0)
	buf := make([]byte, 4)
	if n, err := f.ReadAt(buf, 3); n != 2 || err != io.EOF || string(buf[:2]) != "45" {
		t.Fatalf("ReadAt past the end: %d %v", n, err)
	}
	if _, err := f.WriteAt([]byte("no"), 0); err == nil {
		t.Fatal("write to a read-only file")
	}
	f.Close()
	if err := f.Close(); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	f, _ = m.OpenFile("/a/b/y", os.O_RDWR|os.O_TRUNC, 0)
	if sz, _ := f.Size(); sz != 0 {
		t.Fatalf("O_TRUNC left %d bytes", sz)
	}

	// Injected errors match by op and name, change nothing, and clear.
	m.InjectError(OpSync, "/b/y", syscall.EIO)
	f.Write([]byte("abc"))
	if err := f.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Sync: %v", err)
	}
	g, _ := m.OpenFile("/a/b/x", os.O_RDWR, 0)
	if err := g.Sync(); err != nil {
		t.Fatalf("Sync of another file: %v", err)
	}
	m.InjectError(OpRename, "/a/b/q", syscall.EXDEV)
	if err := m.Rename("/a/b/x", "/a/b/q"); !errors.Is(err, syscall.EXDEV) {
		t.Fatalf("Rename: %v", err)
	}
	if _, err := m.ReadFile("/a/b/x"); err != nil {
		t.Fatal("a failed rename moved the file")
	}
	m.InjectError(OpWrite, "y", syscall.ENOSPC)
	if _, err := f.WriteAt([]byte("zz"), 0); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("WriteAt: %v", err)
	}
	if b, _ := m.ReadFile("/a/b/y"); string(b) != "abc" {
		t.Fatalf("a failed write changed the file: %q", b)
	}
	m.ClearErrors()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}
