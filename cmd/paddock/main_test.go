package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.cfg")
	if err := os.WriteFile(bad, []byte("tickTime=abc\ndataDir="+dir+"\nclientPort=2181\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		out     string // substring of stdout
		errText string // substring of stderr
	}{
		{"no args", nil, 2, "", "usage: paddock"},
		{"unknown", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"version", []string{"version"}, 0, "paddock 3.8.4-paddock", ""},
		{"help", []string{"help"}, 0, "usage: paddock", ""},
		{"missing config", []string{"server", filepath.Join(dir, "nope.cfg")}, 1, "", "nope.cfg"},
		{"bad value names the key", []string{"server", bad}, 1, "", "tickTime"},
		{"two configs", []string{"server", bad, bad}, 2, "", "at most one config file"},
		{"bad log level", []string{"server", "-log-level", "loud"}, 2, "", "-log-level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.out) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tc.out)
			}
			if !strings.Contains(stderr.String(), tc.errText) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.errText)
			}
			if tc.code == 1 && strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
				t.Errorf("error is not one line: %q", stderr.String())
			}
		})
	}
}
