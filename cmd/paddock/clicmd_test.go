package main

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/paddockdb/paddock/server"
)

// TestCLICommand checks that `paddock cli` reaches the shell: a one-shot
// command against an in-process server, and the exit statuses of a failed
// command and of bad options. The shell itself is tested in package zkcli.
func TestCLICommand(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.ClientPort = 0
	cfg.ClientPortAddress = "127.0.0.1"
	dir := t.TempDir()
	cfg.DataDir, cfg.DataLogDir = dir, dir
	cfg.AdminEnableServer = false
	s, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addr := s.Addr().String()
	for _, tc := range []struct {
		args      []string
		code      int
		out, errs string
	}{
		{[]string{"cli", "-server", addr, "ls", "/"}, 0, "[zookeeper]\n", ""},
		{[]string{"cli", "-server", addr, "get", "/nope"}, 1, "", "Node does not exist: /nope\n"},
		{[]string{"cli", "-server"}, 2, "", "Error: no argument found for option -server\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if code != tc.code || stdout.String() != tc.out || stderr.String() != tc.errs {
			t.Errorf("%q: exit %d stdout %q stderr %q, want %d %q %q", tc.args, code, stdout.String(), stderr.String(), tc.code, tc.out, tc.errs)
		}
	}
}
