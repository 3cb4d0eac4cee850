package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockdb/paddock/server/servertest"
)

// startBenchServer runs a Paddock server in-process for the bench tests.
func startBenchServer(t *testing.T) string {
	t.Helper()
	return servertest.Start(t, servertest.Config(t.TempDir())).Addr().String()
}

// TestBenchCommand: a 0.2 s run of two workloads writes a table, JSON lines
// with the documented fields and ops > 0, and charts; report reads the
// JSON back.
func TestBenchCommand(t *testing.T) {
	addr := startBenchServer(t)
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "out.json")
	charts := filepath.Join(dir, "charts")
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "-server", addr, "-label", "paddock", "-workloads", "setData,getData",
		"-duration", "200ms", "-warmup", "50ms", "-clients", "2", "-outstanding", "4", "-keys", "100",
		"-json", jsonFile, "-charts", charts}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "setData") || !strings.Contains(stdout.String(), "p99 ms") {
		t.Errorf("no table on stdout:\n%s", stdout.String())
	}
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d JSON lines, want 2:\n%s", len(lines), b)
	}
	fields := []string{"label", "servers", "workload", "client", "clients", "outstanding", "value_size", "keys",
		"start", "setup_s", "warmup_s", "duration_s", "ops", "errors", "ops_per_sec", "mean_ms", "p50_ms", "p90_ms",
		"p99_ms", "p999_ms", "max_ms", "server_pids", "server_rss_bytes", "server_peak_rss_bytes", "server_cpu_s",
		"server_cpu_us_per_op", "client_cpu_us_per_op", "machine"}
	for i, want := range []string{"setData", "getData"} {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		for _, f := range fields {
			if _, ok := m[f]; !ok {
				t.Errorf("%s: no field %q", want, f)
			}
		}
		if m["workload"] != want || m["label"] != "paddock" || m["client"] != "native" {
			t.Errorf("line %d: workload %v label %v client %v", i, m["workload"], m["label"], m["client"])
		}
		if ops, _ := m["ops"].(float64); ops <= 0 {
			t.Errorf("%s: ops %v, want > 0", want, m["ops"])
		}
		if errs, _ := m["errors"].(float64); errs != 0 {
			t.Errorf("%s: errors %v", want, m["errors"])
		}
	}
	if _, err := os.Stat(filepath.Join(charts, "throughput.png")); err != nil {
		t.Errorf("no throughput chart: %v", err)
	}

	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"bench", "report", "-base", "paddock", jsonFile}, &stdout, &stderr); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "ops/s") || !strings.Contains(stdout.String(), "getData") {
		t.Errorf("report output:\n%s", stdout.String())
	}

	stdout.Reset()
	if code := run([]string{"bench", "wait", "-server", addr, "-timeout", "10s"}, &stdout, &stderr); code != 0 {
		t.Fatalf("wait: exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "serving after ") {
		t.Errorf("wait printed %q", stdout.String())
	}
}

func TestBenchUsageAndSetupFailure(t *testing.T) {
	var stdout, stderr bytes.Buffer
	for _, args := range [][]string{
		{"bench", "-workloads", "nosuch"},
		{"bench", "-client", "java"},
		{"bench", "-ramp", "1,x"},
		{"bench", "extra"},
		{"bench", "report"},
	} {
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	stdout.Reset()
	if code := run([]string{"bench", "-list", "-workloads", "all,load"}, &stdout, &stderr); code != 0 ||
		!strings.HasPrefix(stdout.String(), "setData\n") || !strings.HasSuffix(stdout.String(), "ramp\nload\n") {
		t.Errorf("-list: exit %d, output %q", code, stdout.String())
	}
	// Nothing listens on port 1: setup fails, exit 1.
	stderr.Reset()
	if code := run([]string{"bench", "-server", "127.0.0.1:1", "-workloads", "setData", "-session-timeout", "300ms", "-quiet"}, &stdout, &stderr); code != 1 {
		t.Errorf("no server: exit %d, want 1 (stderr %q)", code, stderr.String())
	}
}
