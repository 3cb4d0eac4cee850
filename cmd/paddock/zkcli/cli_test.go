package zkcli

// End-to-end tests of the shell against an in-process Paddock server:
// every command one-shot, and piped sessions for what needs a session
// (watches, history, redo, close, connect, auth). Outputs are compared
// line for line; {stat P} in an expected output stands for StatPrinter's
// lines of P's current Stat.

import (
	"bytes"
	"context"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/server"
	"github.com/paddockdb/paddock/server/servertest"
	"github.com/paddockdb/paddock/zk"
)

// startServer starts a Paddock server in-process and returns its address.
func startServer(t *testing.T) string {
	t.Helper()
	return startServerOn(t, t.TempDir(), 0).Addr().String()
}

// startServerOn starts a Paddock server on dir and 127.0.0.1:port (0: any
// port); it is closed when the test ends.
func startServerOn(t *testing.T, dir string, port int) *server.Server {
	t.Helper()
	cfg := servertest.Config(dir)
	cfg.ClientPort = port
	cfg.TickTime = 200 * time.Millisecond
	cfg.MinSessionTimeout, cfg.MaxSessionTimeout = 400*time.Millisecond, 4*time.Second
	cfg.ExtendedTypesEnabled = true
	return servertest.Start(t, cfg)
}

// env is a server and a client to prepare and inspect it.
type env struct {
	t    *testing.T
	addr string
	c    *zkclient.Client
}

func newEnv(t *testing.T) *env {
	addr := startServer(t)
	c, err := zkclient.Dial(zkclient.Config{Servers: []string{addr}, SessionTimeout: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &env{t: t, addr: addr, c: c}
}

var ctx = context.Background()

// mk creates nodes: "path" or "path=data".
func (e *env) mk(specs ...string) {
	e.t.Helper()
	for _, s := range specs {
		p, d, hasData := strings.Cut(s, "=")
		var data []byte
		if hasData {
			data = []byte(d)
		}
		if _, _, err := e.c.Create(ctx, p, data, zk.OpenACLUnsafe(), zk.ModePersistent, 0); err != nil {
			e.t.Fatalf("create %s: %v", p, err)
		}
	}
}

// run runs the shell with args after -server, and stdin.
func (e *env) run(stdin string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := Main(append([]string{"-server", e.addr, "-timeout", "4000"}, args...), strings.NewReader(stdin), &out, &errb, "test-version")
	return out.String(), errb.String(), code
}

var statRef = regexp.MustCompile(`\{stat ([^}]*)\}\n`)

// expand replaces {stat P} and {addr}.
func (e *env) expand(s string) string {
	e.t.Helper()
	s = strings.ReplaceAll(s, "{addr}", e.addr)
	return statRef.ReplaceAllStringFunc(s, func(m string) string {
		p := statRef.FindStringSubmatch(m)[1]
		st, ok, err := e.c.Exists(ctx, p, false)
		if err != nil || !ok {
			e.t.Fatalf("stat of %s for the expected output: %v %v", p, ok, err)
		}
		var b bytes.Buffer
		printStat(&b, st, time.Local)
		return b.String()
	})
}

func (e *env) check(name, gotOut, gotErr string, gotCode int, wantOut, wantErr string, wantCode int) {
	e.t.Helper()
	wantOut, wantErr = e.expand(wantOut), e.expand(wantErr)
	if gotOut != wantOut || gotErr != wantErr || gotCode != wantCode {
		e.t.Errorf("%s:\n--- stdout:\n%s--- want:\n%s--- stderr:\n%s--- want:\n%s--- exit %d, want %d",
			name, gotOut, wantOut, gotErr, wantErr, gotCode, wantCode)
	}
}

// TestOneShot runs every command as `paddock cli -server ADDR cmd args`.
func TestOneShot(t *testing.T) {
	e := newEnv(t)
	usageOut := usageText()
	e.mk("/c=one", "/n", "/ls", "/ls/b=b", "/ls/a", "/ls/a/x", "/ne", "/ne/kid", "/d", "/d2", "/d3",
		"/tree", "/tree/a", "/tree/a/b", "/tree/c", "/sq", "/s", "/q", "/q/a", "/acl=x", "/r", "/r/k")
	for _, tc := range []struct {
		name  string
		setup func()
		args  string
		out   string
		err   string
		code  int
	}{
		{name: "create", args: "create /new data", err: "Created /new\n"},
		{name: "create existing", args: "create /c x", err: "Node already exists: /c\n", code: 1},
		{name: "create no parent", args: "create /no/such x", err: "Node does not exist: /no/such\n", code: 1},
		{name: "create sequential", args: "create -s /s/seq- x", err: "Created /s/seq-0000000000\n"},
		{name: "create ephemeral sequential", args: "create -e -s /s/es x", err: "Created /s/es0000000001\n"},
		{name: "create container", args: "create -c /cont", err: "Created /cont\n"},
		{name: "create ttl", args: "create -t 60000 /ttl x", err: "Created /ttl\n"},
		{name: "create ttl sequential", args: "create -s -t 60000 /s/ttl- x", err: "Created /s/ttl-0000000002\n"},
		{name: "create ttl not a number", args: "create -t abc /t", err: "-t argument must be a long value\n", code: 1},
		{name: "create ttl zero", args: "create -t 0 /t", err: "ttl must be positive and cannot be larger than: 1099511627775\n", code: 1},
		{name: "create ttl ephemeral", args: "create -t 5 -e /t", err: "TTLs cannot be used with Ephemeral znodes\n", code: 1},
		{name: "create ttl container", args: "create -c -t 5 /t", err: "TTLs cannot be used with Container znodes\n", code: 1},
		{name: "create container ephemeral", args: "create -c -e /t", err: "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.\n", code: 1},
		{name: "create missing ttl", args: "create /t -t", err: "org.apache.commons.cli.MissingArgumentException: Missing argument for option: t\n", code: 1},
		{name: "create relative", args: "create t", err: "Path must start with / character\n", code: 1},
		{name: "create trailing slash", args: "create /t/", err: "Path must not end with / character\n", code: 1},
		{name: "create usage", args: "create", err: "create [-s] [-e] [-c] [-t ttl] path [data] [acl]\n", code: 1},
		{name: "create with acl", args: "create /racl x world:anyone:r", err: "Created /racl\n"},
		{name: "create bad acl", args: "create /bacl x foo",
			err: "foo does not have the form scheme:id:perm\nKeeperErrorCode = InvalidACL\nAcl is not valid : null\n", code: 1},
		{name: "create auth acl without auth", args: "create /aacl x auth::cdrwa",
			err: "KeeperErrorCode = InvalidACL for /aacl\nAcl is not valid : /aacl\n", code: 1},

		{name: "get", args: "get /c", out: "one\n"},
		{name: "get null", args: "get /n", out: "null\n"},
		{name: "get -s", args: "get -s /c", out: "one\n{stat /c}\n"},
		{name: "get missing", args: "get /missing", err: "Node does not exist: /missing\n", code: 1},
		{name: "get deprecated watch", args: "get /c 1", out: "one\n",
			err: "'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.\n"},
		{name: "get usage", args: "get", err: "get [-s] [-w] path\n", code: 1},
		{name: "get bad option", args: "get -x /c", err: "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x\n", code: 1},

		{name: "set", args: "set /d new"},
		{name: "set -s", args: "set -s /d2 v", out: "{stat /d2}\n"},
		{name: "set bad version", args: "set -v 7 /c x", err: "version No is not valid : /c\n", code: 1},
		{name: "set version", args: "set -v 0 /sq x"},
		{name: "set usage", args: "set /c", err: "set [-s] [-v version] path data\n", code: 1},
		{name: "set version not a number", args: "set -v x /c y", err: "-v argument must be an int value\n", code: 1},
		{name: "set missing", args: "set /missing x", err: "Node does not exist: /missing\n", code: 1},

		{name: "delete", args: "delete /d3"},
		{name: "delete not empty", args: "delete /ne", err: "Node not empty: /ne\n", code: 1},
		{name: "delete bad version", args: "delete -v 9 /d2", err: "version No is not valid : /d2\n", code: 1},
		{name: "delete deprecated version", setup: func() { e.mk("/dv") }, args: "delete /dv 5",
			err: "'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.\n"},
		{name: "delete usage", args: "delete", err: "delete [-v version] path\n", code: 1},

		{name: "deleteall", args: "deleteall /tree"},
		{name: "deleteall batch 1", setup: func() { e.mk("/t2", "/t2/a", "/t2/a/b") }, args: "deleteall /t2 -b 1"},
		{name: "deleteall missing", args: "deleteall /nope", err: "Node does not exist: /nope\n", code: 1},
		{name: "deleteall bad batch", args: "deleteall /x -b y", err: "-b argument must be an int value\n", code: 1},
		{name: "deleteall usage", args: "deleteall", err: "deleteall path [-b batch size]\n", code: 1},
		{name: "deleteall partly", setup: func() {
			e.mk("/pd", "/pd/ro", "/pd/ro/kid")
			if _, err := e.c.SetACL(ctx, "/pd/ro", zk.ReadACLUnsafe(), -1); err != nil {
				t.Fatal(err)
			}
		}, args: "deleteall /pd", err: "Failed to delete some node(s) in the subtree!\n", code: 1},

		{name: "ls", args: "ls /ls", out: "[a, b]\n"},
		{name: "ls -s", args: "ls -s /ls", out: "[a, b]\n{stat /ls}\n"},
		{name: "ls -R", args: "ls -R /ls", out: "/ls\n/ls/a\n/ls/b\n/ls/a/x\n"},
		{name: "ls -?", args: "ls -? /ls", out: lsHelp + "[a, b]\n"},
		{name: "ls missing", args: "ls /nope", err: "Node does not exist: /nope\n", code: 1},
		{name: "ls -R missing", args: "ls -R /nope", err: "Node does not exist: /nope\n", code: 1},
		{name: "ls usage", args: "ls", err: "ls [-s] [-w] [-R] path\n", code: 1},
		{name: "ls empty", args: "ls /ls/b", out: "[]\n"},

		{name: "stat", args: "stat /c", out: "{stat /c}\n"},
		{name: "stat missing", args: "stat /nope", err: "Node does not exist: /nope\n", code: 1},
		{name: "stat usage", args: "stat", err: "stat [-w] path\n", code: 1},

		{name: "sync", args: "sync /", out: "Sync is OK\n"},
		{name: "sync usage", args: "sync", err: "sync path\n", code: 1},
		{name: "sync bad path", args: "sync x", err: "Path must start with / character\n", code: 1},

		{name: "getAcl", args: "getAcl /c", out: "'world,'anyone\n: cdrwa\n"},
		{name: "getAcl -s", args: "getAcl -s /c", out: "'world,'anyone\n: cdrwa\n{stat /c}\n"},
		{name: "getAcl missing", args: "getAcl /nope", err: "Node does not exist: /nope\n", code: 1},
		{name: "setAcl", args: "setAcl /acl world:anyone:cdra"},
		{name: "setAcl -s", args: "setAcl -s /d world:anyone:cdrwa,ip:127.0.0.1:r", out: "{stat /d}\n"},
		{name: "setAcl bad version", args: "setAcl -v 5 /c world:anyone:r", err: "version No is not valid : /c\n", code: 1},
		{name: "setAcl bad acl", args: "setAcl /c bogus", err: "bogus does not have the form scheme:id:perm\nAcl is not valid : null\n", code: 1},
		{name: "setAcl usage", args: "setAcl /c", err: "setAcl [-s] [-v version] [-R] path acl\n", code: 1},
		{name: "setAcl -R", args: "setAcl -R /r world:anyone:cdrw"},

		{name: "getEphemerals", args: "getEphemerals", out: "[]\n"},
		{name: "getAllChildrenNumber", args: "getAllChildrenNumber /ls", out: "3\n"},
		{name: "getAllChildrenNumber usage", args: "getAllChildrenNumber", err: "getAllChildrenNumber path\n", code: 1},

		{name: "setquota", args: "setquota -n 5 /q"},
		{name: "listquota", args: "listquota /q",
			out: "Output quota for /q count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1\nOutput stat for /q count=2,bytes=0\n",
			err: "absolute path is /zookeeper/quota/q/zookeeper_limits\n"},
		{name: "setquota bytes", args: "setquota -b 100 /q"},
		{name: "setquota zero", args: "setquota -n 0 /q", err: "the num quota must be greater than zero\n", code: 1},
		{name: "setquota negative bytes", args: "setquota -B -1 /q", err: "the bytes quota must be greater than or equal to zero\n", code: 1},
		{name: "setquota not a number", args: "setquota -n x /q", err: "NumberFormatException happens when parsing the option value\n", code: 1},
		{name: "setquota no option", args: "setquota /q",
			err: "org.apache.commons.cli.MissingOptionException: Missing required option: [-n num soft quota, -b bytes soft quota, -N num hard quota, -B bytes hard quota]\n", code: 1},
		{name: "setquota two options", args: "setquota -N 10 -B 1000 /q",
			err: "org.apache.commons.cli.AlreadySelectedException: The option 'B' was specified but an option from this group has already been selected: 'N'\n", code: 1},
		{name: "setquota under parent", args: "setquota -n 1 /q/a", err: "/q/a has a parent /q which has a quota\n", code: 1},
		{name: "setquota missing node", args: "setquota -n 1 /nope", err: "/nope does not exist.\n", code: 1},
		{name: "setquota quota tree", args: "setquota -n 1 /zookeeper/quota/x", err: "cannot set a quota under the path: /zookeeper/quota\n", code: 1},
		{name: "setquota above child", setup: func() { e.mk("/q2", "/q2/c") }, args: "setquota -n 2 /q2/c"},
		{name: "setquota parent of quota", args: "setquota -n 2 /q2", err: "/q2 has a child /q2/c which has a quota\n", code: 1},
		{name: "delquota -n", args: "delquota -n /q"},
		{name: "listquota after delquota -n", args: "listquota /q",
			out: "Output quota for /q count=-1,bytes=100=;byteHardLimit=-1;countHardLimit=-1\nOutput stat for /q count=2,bytes=0\n",
			err: "absolute path is /zookeeper/quota/q/zookeeper_limits\n"},
		{name: "delquota", args: "delquota /q"},
		{name: "delquota again", args: "delquota /q", out: "Quota does not exist for /q\n"},
		{name: "listquota none", args: "listquota /q",
			err: "absolute path is /zookeeper/quota/q/zookeeper_limits\nquota for /q does not exist.\n", code: 1},
		{name: "quota tree trimmed", args: "ls /zookeeper/quota", out: "[q2]\n"},

		{name: "config", args: "config", out: "\n"},
		{name: "config -c", args: "config -c", out: " \n"},
		{name: "config -s", args: "config -s", out: "\n{stat /zookeeper/config}\n"},
		{name: "reconfig disabled", args: "reconfig -add server.2=127.0.0.1:2888:3888;2182", err: "KeeperErrorCode = Reconfig is disabled\n", code: 1},
		{name: "reconfig usage", args: "reconfig", err: commands["reconfig"].usage() + "\n", code: 1},
		{name: "reconfig bad version", args: "reconfig -remove 2 -v xyz", err: "-v must be followed by a long (configuration version)\n", code: 1},
		{name: "reconfig mixed", args: "reconfig -remove 2 -members x", err: "Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)\n", code: 1},

		{name: "whoami", args: "whoami", out: "Auth scheme: User\nip: 127.0.0.1\n"},
		{name: "version", args: "version", out: "Paddock CLI version: test-version\n"},
		{name: "version usage", args: "version x", err: "version \n", code: 1},
		{name: "addauth", args: "addauth digest u:p"},
		{name: "addauth usage", args: "addauth", err: "addauth scheme auth\n", code: 1},
		{name: "addauth bad scheme", args: "addauth nosuch x", code: 1},
		{name: "addWatch", args: "addWatch -m persistent /c"},
		{name: "addWatch bad mode", args: "addWatch -m sometimes /c", err: commands["addWatch"].usage() + "\n", code: 1},
		{name: "removewatches none", args: "removewatches /c", err: "KeeperErrorCode = No such watcher for /c\n", code: 1},
		{name: "close", args: "close"},
		{name: "history", args: "history", out: "0 - null\n"},
		{name: "printwatches", args: "printwatches", out: "printwatches is on\n"},
		{name: "help", args: "help", out: usageOut},
		{name: "unknown", args: "bogus", err: usageOut + "Command not found: Command not found bogus\n", code: 127},
	} {
		if tc.setup != nil {
			tc.setup()
		}
		out, errOut, code := e.run("", strings.Fields(tc.args)...)
		e.check(tc.name, out, errOut, code, tc.out, tc.err, tc.code)
	}

	// What the commands did.
	for _, p := range []string{"/tree", "/t2", "/d3", "/dv"} {
		if _, ok, _ := e.c.Exists(ctx, p, false); ok {
			t.Errorf("%s still exists", p)
		}
	}
	if _, ok, _ := e.c.Exists(ctx, "/s/es0000000001", false); ok {
		t.Error("the one-shot session's ephemeral outlived it")
	}
	if acl, _, _ := e.c.GetACL(ctx, "/r/k"); len(acl) != 1 || acl[0].Perms != zk.PermAll&^zk.PermAdmin {
		t.Errorf("setAcl -R left /r/k with %v", acl)
	}
	if st, _, _ := e.c.Exists(ctx, "/cont", false); st.EphemeralOwner != 0 {
		t.Errorf("container stat %+v", st)
	}
}

// TestQuotedArgs: one-shot arguments are taken as given (no re-tokenizing),
// piped lines are tokenized with zkCli.sh's quoting.
func TestQuotedArgs(t *testing.T) {
	e := newEnv(t)
	out, errOut, code := e.run("", "create", "/sp", "a b c")
	e.check("one-shot argument with blanks", out, errOut, code, "", "Created /sp\n", 0)
	out, errOut, code = e.run("create /sq \"x y\"\ncreate /sr 'p q'\nget /sq\nget /sr\nget /sp\n")
	e.check("piped quoting", out, errOut, code,
		"Connecting to {addr}\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\nx y\np q\na b c\n",
		"Created /sq\nCreated /sr\n", 0)
}

const connected = "Connecting to {addr}\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n"

func watcher(ev string) string { return "\nWATCHER::\n\nWatchedEvent " + ev + "\n" }

// TestPipedWatches: watch events print as zkCli.sh prints them, before the
// output of the command whose reply followed them.
func TestPipedWatches(t *testing.T) {
	e := newEnv(t)
	e.mk("/w=1")
	in := `get -w /w
set /w 2
set /w 3
ls -w /w
create /w/c x
stat -w /w/new
create /w/new x
addWatch /w
create /w/c/d x
set /w/c/d y
removewatches /w
removewatches /w
get -w /w
stat -w /w
ls -w /w
removewatches /w -c
removewatches /w -d
ls -w -R /w
create /w/c/d/e x
printwatches off
get -w /w/c
set /w/c z
printwatches
printwatches on
quit
`
	out, errOut, code := e.run(in)
	want := connected + "1\n" +
		watcher("state:SyncConnected type:NodeDataChanged path:/w") +
		"[]\n" +
		watcher("state:SyncConnected type:NodeChildrenChanged path:/w") +
		watcher("state:SyncConnected type:NodeCreated path:/w/new") +
		watcher("state:SyncConnected type:NodeCreated path:/w/c/d") +
		watcher("state:SyncConnected type:NodeDataChanged path:/w/c/d") +
		watcher("state:SyncConnected type:PersistentWatchRemoved path:/w") +
		"3\n" +
		"{stat /w}\n" +
		"[c, new]\n" +
		watcher("state:SyncConnected type:ChildWatchRemoved path:/w") +
		watcher("state:SyncConnected type:DataWatchRemoved path:/w") +
		"/w\n/w/c\n/w/new\n/w/c/d\n" +
		watcher("state:SyncConnected type:NodeChildrenChanged path:/w/c/d") +
		"x\n" +
		"printwatches is off\n" +
		watcher("state:Closed type:None path:null")
	wantErr := "Created /w/c\nNode does not exist: /w/new\nCreated /w/new\nCreated /w/c/d\n" +
		"KeeperErrorCode = No such watcher for /w\nCreated /w/c/d/e\n"
	e.check("watches", out, errOut, code, want, wantErr, 0)
}

// TestPipedHistory covers history, redo, printwatches, the exit status of
// a piped session and quit.
func TestPipedHistory(t *testing.T) {
	e := newEnv(t)
	e.mk("/h=hv")
	in := "get /h\nget /nope\nhistory\nredo 0\nredo 1\nredo 99\nredo x\nredo 4\n\n   \n\"\nhistory\nls /nope\n"
	out, errOut, code := e.run(in)
	want := connected + "hv\n" +
		"0 - get /h\n1 - get /nope\n2 - history\n" +
		"hv\n" +
		"0 - get /h\n1 - get /nope\n2 - history\n3 - get /h\n4 - get /nope\n5 - redo 99\n6 - redo x\n7 - get /nope\n8 - history\n"
	wantErr := "Node does not exist: /nope\n" + // get /nope
		"Node does not exist: /nope\n" + // redo 1
		"Command index out of range\n" +
		"Command index is not a number: x\n" +
		"Node does not exist: /nope\n" + // redo 4
		"Node does not exist: /nope\n" // ls /nope
	// The session ends with a failed command: exit status 1, no Closed
	// event (end of input closes quietly).
	e.check("history", out, errOut, code, want, wantErr, 1)

	out, errOut, code = e.run("redo 0\nhistory\nquit\nget /h\n")
	e.check("redo of a redo", out, errOut, code,
		connected+"0 - redo 0\n1 - history\n"+watcher("state:Closed type:None path:null"),
		"Command index out of range\n", 0)

	out, errOut, code = e.run("get /nope\nquit\n")
	e.check("quit keeps the last status", out, errOut, code,
		connected+watcher("state:Closed type:None path:null"), "Node does not exist: /nope\n", 1)
}

// TestPipedSession covers what needs a session to last: ephemerals, auth,
// close and connect.
func TestPipedSession(t *testing.T) {
	e := newEnv(t)
	u1 := "digest:u1:fpT/y03U+EjItKZOSLGvjnJlyng=:cdrwa" // u1:p1
	in := "create -e /e x\ncreate /e/kid x\ngetEphemerals\ngetEphemerals /e\ngetEphemerals /x\n" +
		"addauth digest u1:p1\ncreate /sec s " + u1 + "\ngetAcl /sec\nwhoami\n" +
		"close\nls /\nhistory\nconnect\nget /sec\nls /\nconnect " + e.addr + "\ncreate /x\naddauth nosuch x\nls /\nquit\n"
	out, errOut, code := e.run(in)
	want := connected +
		"[/e]\n[/e]\n[]\n" +
		"'digest,'u1:fpT/y03U+EjItKZOSLGvjnJlyng=\n: cdrwa\n" +
		"Auth scheme: User\ndigest: u1\nip: 127.0.0.1\n" +
		watcher("state:Closed type:None path:null") +
		"Not connected\n" +
		"1 - create /e/kid x\n2 - getEphemerals\n3 - getEphemerals /e\n4 - getEphemerals /x\n" +
		"5 - addauth digest u1:p1\n6 - create /sec s " + u1 + "\n7 - getAcl /sec\n8 - whoami\n9 - close\n10 - ls /\n11 - history\n" +
		"Not connected\n" + // history's own check, as zkCli.sh
		watcher("state:SyncConnected type:None path:null") +
		"[sec, zookeeper]\n" +
		watcher("state:Closed type:None path:null") +
		watcher("state:SyncConnected type:None path:null") +
		watcher("state:AuthFailed type:None path:null") +
		"Not connected\n"
	wantErr := "Created /e\nEphemerals cannot have children: /e/kid\nCreated /sec\n" +
		"Insufficient permission : /sec\nCreated /x\n"
	e.check("session", out, errOut, code, want, wantErr, 0)
	if _, ok, _ := e.c.Exists(ctx, "/e", false); ok {
		t.Error("ephemeral /e outlived the closed session")
	}
}

// TestConnectFailure: a server that is not there.
func TestConnectFailure(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"-server", "127.0.0.1:1", "-timeout", "1000", "ls", "/"}, strings.NewReader(""), &out, &errb, "v")
	if code != 1 || out.Len() != 0 || !strings.Contains(errb.String(), "127.0.0.1:1") {
		t.Fatalf("one-shot: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	code = Main([]string{"-server", "127.0.0.1:1", "-timeout", "1000"}, strings.NewReader("ls /\nhistory\n"), &out, &errb, "v")
	if code != 0 || out.String() != "Connecting to 127.0.0.1:1\nNot connected\n0 - ls /\n1 - history\nNot connected\n" {
		t.Fatalf("piped: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := Main([]string{"-server"}, strings.NewReader(""), &out, &errb, "v"); code != 2 ||
		errb.String() != "Error: no argument found for option -server\n" {
		t.Fatalf("bad options: exit %d, stderr %q", code, errb.String())
	}
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestPipedFailover: the shell's server goes away and its data directory
// comes back as the other listed server; the session, with its ephemeral
// znode, carries on there, and the shell prints the state changes.
func TestPipedFailover(t *testing.T) {
	dir := t.TempDir()
	p1, p2 := freePort(t), freePort(t)
	a1, a2 := "127.0.0.1:"+strconv.Itoa(p1), "127.0.0.1:"+strconv.Itoa(p2)
	s1 := startServerOn(t, dir, p1)
	stdin, feed := io.Pipe()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- Main([]string{"-server", a1 + "," + a2, "-timeout", "4000"}, stdin, out, errOut, "v") }()
	out.wait(t, "WatchedEvent state:SyncConnected type:None path:null")
	io.WriteString(feed, "create -e /eph x\n")
	errOut.wait(t, "Created /eph\n")
	s1.Close()
	out.wait(t, "WatchedEvent state:Disconnected type:None path:null")
	startServerOn(t, dir, p2)
	out.wait(t, "WatchedEvent state:SyncConnected type:None path:null")
	io.WriteString(feed, "ls /\nquit\n")
	out.wait(t, "[eph, zookeeper]\n")
	out.wait(t, "WatchedEvent state:Closed type:None path:null")
	feed.Close()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit status %d; stderr:\n%s", code, errOut.buf.String())
		}
	case <-time.After(waitLong):
		t.Fatal("shell did not end")
	}
}

const waitLong = 10 * time.Second
