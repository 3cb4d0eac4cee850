package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
)

// TestStorageTools runs a server that writes checkpoints, then the offline
// tools on its directories: log verify/dump, snap verify/dump/export/import
// and purge.
func TestStorageTools(t *testing.T) {
	dir := t.TempDir()
	data, logs := filepath.Join(dir, "data"), filepath.Join(dir, "log")
	cfg := server.DefaultConfig()
	cfg.ClientPort, cfg.ClientPortAddress = 0, "127.0.0.1"
	cfg.DataDir, cfg.DataLogDir = data, logs
	cfg.SnapCount = 4
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c, _, err := zk.Connect([]string{srv.Addr().String()}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		if _, err := c.Create(fmt.Sprintf("/tool%d", i), []byte("payload"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	time.Sleep(200 * time.Millisecond) // let the last checkpoint finish
	srv.Close()

	runOK := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("paddock %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	if out := runOK("log", "verify", "-dir", logs); !strings.Contains(out, "OK") {
		t.Fatalf("log verify: %s", out)
	}
	if out := runOK("log", "dump", "-dir", logs); !strings.Contains(out, "create /tool11 data=\"payload\"") {
		t.Fatalf("log dump lacks the last create:\n%s", out)
	}
	if out := runOK("snap", "verify", "-dir", data); !strings.Contains(out, "OK") {
		t.Fatalf("snap verify: %s", out)
	}
	// Checkpoints are taken every 3 or 4 txns: the first covers /tool1.
	if out := runOK("snap", "dump", "-dir", data); !strings.Contains(out, "/tool1\n") || !strings.Contains(out, "dataLength = 7") {
		t.Fatalf("snap dump:\n%s", out)
	}
	img := filepath.Join(dir, "image.zst")
	runOK("snap", "export", "-dir", data, img)
	runOK("snap", "import", "-dir", filepath.Join(dir, "copy"), img)
	if a, b := runOK("snap", "dump", "-dir", data), runOK("snap", "dump", "-dir", filepath.Join(dir, "copy")); a != b {
		t.Fatalf("imported copy differs:\n%s\n---\n%s", a, b)
	}
	if out := runOK("purge", "-dir", data, "-logdir", logs); !strings.Contains(out, "purged") {
		t.Fatalf("purge: %s", out)
	}
	// A corrupt export is refused with a clear error.
	var out, errb bytes.Buffer
	if code := run([]string{"snap", "import", "-dir", filepath.Join(dir, "bad"), filepath.Join(dir, "missing.zst")}, &out, &errb); code != 1 {
		t.Fatalf("import of a missing file: exit %d", code)
	}
}
