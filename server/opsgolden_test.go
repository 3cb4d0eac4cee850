package server_test

// Golden tests for the operator surface: every four-letter word (and, when
// the admin server is on, every AdminServer command) run against the same
// state on Paddock and on Apache ZooKeeper 3.8, compared field by field.
//
// testdata/ops/*.txt hold ZooKeeper's answers. Regenerate them with
// compat/capture-ops.sh, which starts Debian's ZooKeeper 3.8 with its
// AdminServer and runs
//
//	PADDOCK_GOLDEN_ZK=127.0.0.1:PORT PADDOCK_GOLDEN_ZK_ADMIN=127.0.0.1:APORT \
//	    go test ./server -run TestOpsGolden -rewrite
//
// The scenario is fixed: two sessions, four znodes, two ephemerals, three
// watches. The comparison (opsfields_test.go) splits each answer into fields
// and compares each one exactly, except the ones that legitimately differ
// (times, ids, ports, byte and packet counts, versions, paths), which must
// only have the same form; a field ZooKeeper prints that Paddock leaves out
// must be listed, with the reason, in opsAbsent.

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
)

const (
	envGoldenZK      = "PADDOCK_GOLDEN_ZK"
	envGoldenZKAdmin = "PADDOCK_GOLDEN_ZK_ADMIN"
	opsDir           = "testdata/ops"
)

// opsWords are the four-letter words captured, in the order they run.
// The resetting words (crst, srst) run last so they don't zero the others.
var opsWords = []string{"ruok", "isro", "srvr", "stat", "mntr", "conf", "cons", "envi",
	"wchs", "wchc", "wchp", "dump", "dirs", "crst", "srst"}

// rewriting reports whether -rewrite (defined by the package's internal
// tests, config_test.go) was given.
func rewriting() bool {
	f := flag.Lookup("rewrite")
	return f != nil && f.Value.String() == "true"
}

// sendWord sends a four-letter word and returns the whole answer.
func sendWord(t *testing.T, addr, word string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, rawTimeout)
	if err != nil {
		t.Fatalf("%s: dial %s: %v", word, addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(rawTimeout))
	if _, err := io.WriteString(c, word); err != nil {
		t.Fatalf("%s: write: %v", word, err)
	}
	b, err := io.ReadAll(bufio.NewReader(c))
	if err != nil {
		t.Fatalf("%s: read: %v", word, err)
	}
	return string(b)
}

// opsScenario builds the fixed state the golden answers describe and leaves
// it in place until the test ends.
func opsScenario(t *testing.T, addr string) {
	t.Helper()
	a := connect(t, addr, 30*time.Second)
	b := connect(t, addr, 30*time.Second)
	for _, n := range []struct {
		c     *client
		path  string
		data  string
		flags int32
	}{
		{a, "/g", "hello", 0},
		{a, "/g/c1", "", 0},
		{a, "/g/e1", "eph", zk.FlagEphemeral},
		{b, "/g/e2", "eph2", zk.FlagEphemeral},
	} {
		if _, err := n.c.Create(n.path, []byte(n.data), n.flags, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("create %s: %v", n.path, err)
		}
	}
	t.Cleanup(func() { cleanupTree(addr, "/g") })
	if _, _, _, err := a.GetW("/g"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := a.ExistsW("/g/none"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := a.ChildrenW("/g"); err != nil {
		t.Fatal(err)
	}
}

// goldenOpsServer returns the address of the server to capture from when
// rewriting, or starts a Paddock server configured as compat/lib.sh
// configures ZooKeeper.
func goldenOpsServer(t *testing.T) (addr, adminAddr string) {
	if rewriting() {
		addr = os.Getenv(envGoldenZK)
		if addr == "" {
			t.Fatalf("-rewrite needs %s=host:port of a ZooKeeper 3.8 (see compat/capture-ops.sh)", envGoldenZK)
		}
		return addr, os.Getenv(envGoldenZKAdmin)
	}
	if realZK() {
		t.Skip("compares Paddock with the captured ZooKeeper answers")
	}
	// compat/lib.sh's zoo.cfg, with the ports left to the system.
	dir := t.TempDir()
	cfg, _, err := server.ParseConfig(strings.NewReader(fmt.Sprintf(`tickTime=2000
dataDir=%s/data
dataLogDir=%s/log
clientPort=2181
clientPortAddress=127.0.0.1
4lw.commands.whitelist=*
extendedTypesEnabled=true
admin.enableServer=true
admin.serverAddress=127.0.0.1
admin.serverPort=8080
`, dir, dir)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientPort = 0
	cfg.AdminServerPort = 0
	s, err := server.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.AdminAddr() == nil {
		t.Fatal("the AdminServer did not start")
	}
	return s.Addr().String(), s.AdminAddr().String()
}

// adminGet fetches one AdminServer command.
func adminGet(t *testing.T, adminAddr, cmd string) string {
	t.Helper()
	cl := http.Client{Timeout: rawTimeout}
	resp, err := cl.Get("http://" + adminAddr + "/commands/" + cmd)
	if err != nil {
		t.Fatalf("admin %s: %v", cmd, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("admin %s: %v", cmd, err)
	}
	return string(b)
}

// opsAdminCommands are the AdminServer commands captured.
var opsAdminCommands = []string{"ruok", "is_read_only", "stats", "server_stats", "monitor",
	"configuration", "connections", "environment", "watch_summary", "watches",
	"watches_by_path", "dump", "dirs", "leader", "voting_view", "hash", "last_snapshot",
	"initial_configuration", "observers", "zabstate", "system_properties",
	"get_trace_mask", "connection_stat_reset", "stat_reset"} // resets last

func captureOps(t *testing.T, addr, adminAddr string) map[string]string {
	opsScenario(t, addr)
	out := map[string]string{}
	// The resetting commands run last, so the others see live figures.
	for _, w := range opsWords[:len(opsWords)-2] {
		out[w+".txt"] = sendWord(t, addr, w)
	}
	if adminAddr != "" {
		for _, c := range opsAdminCommands {
			out["admin_"+c+".json"] = adminGet(t, adminAddr, c)
		}
	}
	for _, w := range opsWords[len(opsWords)-2:] {
		out[w+".txt"] = sendWord(t, addr, w)
	}
	return out
}

func TestOpsGolden(t *testing.T) {
	addr, adminAddr := goldenOpsServer(t)
	got := captureOps(t, addr, adminAddr)
	if rewriting() {
		if err := os.MkdirAll(opsDir, 0o755); err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(got))
		for name, text := range got {
			if err := os.WriteFile(filepath.Join(opsDir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
		sort.Strings(names)
		t.Logf("wrote %s: %s", opsDir, strings.Join(names, " "))
		return
	}
	for _, w := range opsWords {
		want, err := os.ReadFile(filepath.Join(opsDir, w+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		compareOps(t, w, string(want), got[w+".txt"])
	}
	for _, c := range opsAdminCommands {
		name := "admin_" + c + ".json"
		want, err := os.ReadFile(filepath.Join(opsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		compareAdmin(t, c, string(want), got[name])
	}
}
