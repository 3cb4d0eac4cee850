package main

import (
	"bytes"
	"testing"

	"github.com/paddockdb/paddock/server/servertest"
)

// TestCLICommand checks that `paddock cli` reaches the shell: a one-shot
// command against an in-process server, and the exit statuses of a failed
// command and of bad options. The shell itself is tested in package zkcli.
func TestCLICommand(t *testing.T) {
	addr := servertest.Start(t, servertest.Config(t.TempDir())).Addr().String()
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
