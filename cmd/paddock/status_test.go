package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockdb/paddock/server/servertest"
)

// TestStatus: `paddock status zoo.cfg` prints the Mode of the server the
// config names and exits 0; with nothing listening it prints zkServer.sh's
// error and exits 1.
func TestStatus(t *testing.T) {
	dir := t.TempDir()
	srv := servertest.Start(t, servertest.Config(dir))
	port := srv.Addr().(*net.TCPAddr).Port
	zoo := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(zoo, []byte(fmt.Sprintf("dataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n", dir, port)), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"status", zoo}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stdout %q stderr %q", code, stdout.String(), stderr.String())
	}
	want := fmt.Sprintf("Using config: %s\nClient port found: %d. Client address: 127.0.0.1. Client SSL: false.\nMode: standalone\n", zoo, port)
	if stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}

	// Down: a port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := l.Addr().String()
	l.Close()
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"status", "-server", free}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d with no server; stdout %q", code, stdout.String())
	}
	if !strings.HasPrefix(stderr.String(), "Error contacting service. It is probably not running.") {
		t.Errorf("stderr %q", stderr.String())
	}
	if strings.Contains(stdout.String(), "Mode:") {
		t.Errorf("stdout %q has a Mode with no server", stdout.String())
	}
}
