package zkcli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// zkCliPath is Debian's zkCli.sh (package zookeeper).
const zkCliPath = "/usr/share/zookeeper/bin/zkCli.sh"

// needZkCli skips the test, saying why, when zkCli.sh or java is missing.
func needZkCli(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(zkCliPath); err != nil {
		t.Skipf("comparison with Apache ZooKeeper's CLI skipped: %s is not installed (apt-get install zookeeper): %v", zkCliPath, err)
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skipf("comparison with Apache ZooKeeper's CLI skipped: java is not installed (apt-get install default-jre-headless): %v", err)
	}
}

// runZkCli runs zkCli.sh against addr with stdin and the extra args.
func runZkCli(t *testing.T, addr, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, zkCliPath, append([]string{"-server", addr}, args...)...)
	cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx128m")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("zkCli.sh: %v\nstderr:\n%s", err, errb.String())
	}
	return out.String(), errb.String(), code
}

var (
	// Connection chatter of either shell, and zkCli.sh's logging.
	chatter = regexp.MustCompile(`^(Connecting to .*|Welcome to ZooKeeper!|JLine support is (en|dis)abled|WATCHER::|WatchedEvent state:.*|SLF4J:.*|\d{4}-\d\d-\d\d[ T].*|)$`)
	// Values that legitimately differ between two sessions.
	zxidLine = regexp.MustCompile(`^(cZxid|mZxid|pZxid|ephemeralOwner) = 0x[0-9a-f]+$`)
	dateLine = regexp.MustCompile(`^(ctime|mtime) = [A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ \d{4}$`)
)

// commandLines drops chatter and masks ids and times.
func commandLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		switch {
		case chatter.MatchString(l):
		case zxidLine.MatchString(l):
			out = append(out, strings.SplitN(l, " = ", 2)[0]+" = 0x?")
		case dateLine.MatchString(l):
			out = append(out, strings.SplitN(l, " = ", 2)[0]+" = <date>")
		default:
			out = append(out, l)
		}
	}
	return out
}

func sameLines(t *testing.T, what, zkOut, ours string) {
	t.Helper()
	a, b := commandLines(zkOut), commandLines(ours)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("%s differs.\n--- zkCli.sh:\n%s\n--- paddock cli:\n%s\n--- raw zkCli.sh:\n%s\n--- raw paddock cli:\n%s",
			what, strings.Join(a, "\n"), strings.Join(b, "\n"), zkOut, ours)
	}
}

// TestSeedSessionLikeZkCli runs the "getting started" session through
// Debian's zkCli.sh and through paddock cli against the same Paddock
// server and compares what the commands print, line for line, on stdout
// and stderr, and the exit statuses.
func TestSeedSessionLikeZkCli(t *testing.T) {
	needZkCli(t)
	e := newEnv(t)
	session := strings.Join([]string{
		"create /zk_test my_data",
		"ls /",
		"get /zk_test",
		"set /zk_test junk",
		"get -s /zk_test",
		"stat /zk_test",
		"getAcl /zk_test",
		"create /zk_test again",
		"set -v 7 /zk_test x",
		"delete /zk_test",
		"get /zk_test",
		"ls /",
		"quit",
	}, "\n") + "\n"
	zkOut, zkErr, zkCode := runZkCli(t, e.addr, session)
	out, errOut, code := e.run(session)
	sameLines(t, "piped session stdout", zkOut, out)
	sameLines(t, "piped session stderr", zkErr, errOut)
	if zkCode != code {
		t.Errorf("piped session: zkCli.sh exit %d, paddock cli %d", zkCode, code)
	}
	if !strings.Contains(out, "dataVersion = 1\n") {
		t.Errorf("stat lines missing from:\n%s", out)
	}

	// One-shot, succeeding and failing: the whole sequence through
	// zkCli.sh, then through paddock cli (it ends where it started).
	oneShots := [][]string{{"ls", "/"}, {"get", "/zk_test"}, {"create", "/zk_test", "one"}, {"get", "-s", "/zk_test"},
		{"create", "/zk_test", "two"}, {"delete", "/zk_test"}}
	type result struct {
		out, err string
		code     int
	}
	var ref []result
	for _, args := range oneShots {
		o, e, c := runZkCli(t, e.addr, "", args...)
		ref = append(ref, result{o, e, c})
	}
	for i, args := range oneShots {
		out, errOut, code := e.run("", args...)
		what := "one-shot " + strings.Join(args, " ")
		sameLines(t, what+" stdout", ref[i].out, out)
		sameLines(t, what+" stderr", ref[i].err, errOut)
		if ref[i].code != code {
			t.Errorf("%s: zkCli.sh exit %d, paddock cli %d", what, ref[i].code, code)
		}
	}
}
