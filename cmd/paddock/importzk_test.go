package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/server"
	"github.com/paddockdb/paddock/snapshot"
	pzk "github.com/paddockdb/paddock/zk"
	"github.com/paddockdb/paddock/zkimport"
)

// The golden source of these tests is Debian's Apache ZooKeeper 3.8, run
// by the test itself: its snapshot and log files are imported and the
// result compared with what its clients saw.

const (
	zkJar    = "/usr/share/java/zookeeper.jar"
	zkUser   = "alice:secret"
	zkViewer = "bob:pw"
)

// realZK is an Apache ZooKeeper server run by a test.
type realZK struct {
	dir, data, log string // data and log are dataDir and dataLogDir
	addr           string
	cmd            *exec.Cmd
	done           chan struct{}
}

// startZK starts a standalone ZooKeeper with snapCount 20 (so that it
// writes several snapshots and logs), TTL nodes enabled and no
// AdminServer, passing jvmArgs to java. The test is skipped when java or
// ZooKeeper's jar is missing.
func startZK(t *testing.T, jvmArgs ...string) *realZK {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java not found")
	}
	if _, err := os.Stat(zkJar); err != nil {
		t.Skipf("%s not found (apt-get install zookeeper)", zkJar)
	}
	dir := t.TempDir()
	z := &realZK{dir: dir, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "datalog"), done: make(chan struct{})}
	conf := filepath.Join(dir, "conf")
	for _, d := range []string{conf, z.data, z.log} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	z.addr = fmt.Sprintf("127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`tickTime=2000
dataDir=%s
dataLogDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
snapCount=20
preAllocSize=64
extendedTypesEnabled=true
admin.enableServer=false
4lw.commands.whitelist=srvr
`, z.data, z.log, port)
	logProps := fmt.Sprintf(`log4j.rootLogger=INFO, FILE
log4j.appender.FILE=org.apache.log4j.FileAppender
log4j.appender.FILE.File=%s
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%%d{ISO8601} - %%-5p [%%t:%%C{1}@%%L] - %%m%%n
`, filepath.Join(dir, "zookeeper.log"))
	if err := os.WriteFile(filepath.Join(conf, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "log4j.properties"), []byte(logProps), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dfile.encoding=UTF-8",
		"-Dlog4j.configuration=file:" + filepath.Join(conf, "log4j.properties")}
	args = append(args, jvmArgs...)
	args = append(args, "-cp", conf+":"+zkJar+":/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar",
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", filepath.Join(conf, "zoo.cfg"))
	out, err := os.Create(filepath.Join(dir, "zookeeper.out"))
	if err != nil {
		t.Fatal(err)
	}
	z.cmd = exec.Command(java, args...)
	z.cmd.Stdout, z.cmd.Stderr = out, out
	if err := z.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		z.cmd.Wait()
		out.Close()
		close(z.done)
	}()
	t.Cleanup(z.kill)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(z.srvr(), "Mode:") {
			return z
		}
		select {
		case <-z.done:
			t.Fatalf("ZooKeeper exited:\n%s", z.logs())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("ZooKeeper did not start:\n%s", z.logs())
	return nil
}

// srvr returns the answer to the srvr four-letter word, or "".
func (z *realZK) srvr() string {
	c, err := net.DialTimeout("tcp", z.addr, 200*time.Millisecond)
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write([]byte("srvr"))
	var b bytes.Buffer
	b.ReadFrom(c)
	return b.String()
}

// zxid returns ZooKeeper's last zxid, from srvr.
func (z *realZK) zxid(t *testing.T) pzk.Zxid {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(z.srvr()))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Zxid: 0x"); ok {
			n, err := strconv.ParseUint(v, 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return pzk.Zxid(n)
		}
	}
	t.Fatal("srvr printed no Zxid")
	return 0
}

// kill ends ZooKeeper with SIGKILL: its last log is not closed cleanly.
func (z *realZK) kill() {
	if z.cmd.Process != nil {
		z.cmd.Process.Kill()
		<-z.done
	}
}

func (z *realZK) logs() string {
	a, _ := os.ReadFile(filepath.Join(z.dir, "zookeeper.out"))
	b, _ := os.ReadFile(filepath.Join(z.dir, "zookeeper.log"))
	return string(a) + string(b)
}

// connect opens a go-zookeeper session and waits until it is established.
func (z *realZK) connect(t *testing.T, auth ...string) *zk.Conn {
	t.Helper()
	c, events, err := zk.Connect([]string{z.addr}, 10*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	timeout := time.After(10 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-events:
		case <-timeout:
			t.Fatalf("no session with %s", z.addr)
		}
	}
	for _, a := range auth {
		if err := c.AddAuth("digest", []byte(a)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// seen is a znode as a client saw it.
type seen struct {
	data     []byte
	stat     zk.Stat
	acl      []zk.ACL
	children []string
}

// recordTree reads every znode (the /zookeeper ones included) through c.
func recordTree(t *testing.T, c *zk.Conn) map[string]seen {
	t.Helper()
	tree := make(map[string]seen)
	queue := []string{"/"}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		data, st, err := c.Get(p)
		if err != nil {
			t.Fatalf("get %s: %v", p, err)
		}
		acl, st2, err := c.GetACL(p)
		if err != nil {
			t.Fatalf("getACL %s: %v", p, err)
		}
		kids, st3, err := c.Children(p)
		if err != nil {
			t.Fatalf("children %s: %v", p, err)
		}
		if *st != *st2 || *st != *st3 {
			t.Fatalf("%s changed while it was read", p)
		}
		slices.Sort(kids)
		tree[p] = seen{data: data, stat: *st, acl: acl, children: kids}
		for _, k := range kids {
			queue = append(queue, strings.TrimSuffix(p, "/")+"/"+k)
		}
	}
	return tree
}

// importAuth is what the recording client authenticated as.
func importAuth() []pzk.Id {
	return []pzk.Id{
		{Scheme: "digest", ID: engine.Digest(zkUser)},
		{Scheme: "digest", ID: engine.Digest(zkViewer)},
		{Scheme: "ip", ID: "127.0.0.1"},
	}
}

// compareTree checks that e holds exactly the znodes of want, each with
// the data, Stat, ACL and children the client saw.
func compareTree(t *testing.T, e *engine.Engine, want map[string]seen) {
	t.Helper()
	auth := importAuth()
	count := 0
	queue := []string{"/"}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		count++
		w, ok := want[p]
		if !ok {
			t.Errorf("%s: imported, but ZooKeeper did not have it", p)
			continue
		}
		data, st, err := e.GetData(p, auth, nil)
		if err != nil {
			t.Errorf("%s: getData: %v", p, err)
			continue
		}
		if !bytes.Equal(data, w.data) {
			t.Errorf("%s: data %q, ZooKeeper had %q", p, trim(data), trim(w.data))
		}
		if got := clientStat(st); got != w.stat {
			t.Errorf("%s: stat\n got %+v\nwant %+v", p, got, w.stat)
		}
		acl, _, err := e.GetACL(p, auth)
		if err != nil {
			t.Errorf("%s: getACL: %v", p, err)
		} else if got := clientACL(acl); !slices.Equal(got, w.acl) {
			t.Errorf("%s: ACL %v, ZooKeeper had %v", p, got, w.acl)
		}
		kids, _, err := e.GetChildren(p, auth, nil)
		if err != nil {
			t.Errorf("%s: getChildren: %v", p, err)
			continue
		}
		if !slices.Equal(kids, w.children) {
			t.Errorf("%s: children %v, ZooKeeper had %v", p, kids, w.children)
		}
		for _, k := range kids {
			queue = append(queue, strings.TrimSuffix(p, "/")+"/"+k)
		}
	}
	if count != len(want) {
		t.Errorf("imported %d znodes, ZooKeeper had %d", count, len(want))
	}
}

func trim(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

func clientStat(s pzk.Stat) zk.Stat {
	return zk.Stat{
		Czxid: int64(s.Czxid), Mzxid: int64(s.Mzxid), Ctime: s.Ctime, Mtime: s.Mtime,
		Version: s.Version, Cversion: s.Cversion, Aversion: s.Aversion,
		EphemeralOwner: int64(s.EphemeralOwner), DataLength: s.DataLength,
		NumChildren: s.NumChildren, Pzxid: int64(s.Pzxid),
	}
}

func clientACL(acl []pzk.ACL) []zk.ACL {
	out := make([]zk.ACL, len(acl))
	for i, a := range acl {
		out[i] = zk.ACL{Perms: a.Perms, Scheme: a.ID.Scheme, ID: a.ID.ID}
	}
	return out
}

// loadImported loads the checkpoint in dataDir into a fresh engine, as a
// Paddock server does at start.
func loadImported(t *testing.T, dataDir string) *engine.Engine {
	t.Helper()
	st, err := snapshot.Open(snapshot.Config{Dir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Verify(); err != nil {
		t.Fatalf("snap verify: %v", err)
	}
	e := engine.New(engine.Config{ExtendedTypes: true})
	if _, err := st.Load(e); err != nil {
		t.Fatal(err)
	}
	return e
}

// runImport runs `paddock import-zk` and returns its stdout.
func runImport(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"import-zk"}, args...), &out, &errb); code != 0 {
		t.Fatalf("paddock import-zk %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String()
}

// fatalIf returns a function that fails t on a non-nil error: ok(f())
// for any f returning a value and an error.
func fatalIf(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestImportZKArgs checks the arguments import-zk refuses before it reads
// anything.
func TestImportZKArgs(t *testing.T) {
	dir := t.TempDir()
	zkData := filepath.Join(dir, "zk")
	withLogs := filepath.Join(dir, "logs")
	for _, d := range []string{zkData, withLogs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(withLogs, "log.0000000000000001"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		errText string
	}{
		{"no flags", nil, 2, "usage: paddock import-zk"},
		{"no --out", []string{"--snap-dir", zkData}, 2, "usage: paddock import-zk"},
		{"extra argument", []string{"--snap-dir", zkData, "--out", filepath.Join(dir, "o"), "x"}, 2, "usage"},
		{"out inside ZooKeeper's dir", []string{"--snap-dir", zkData, "--out", filepath.Join(zkData, "paddock")}, 1, "inside it"},
		{"log-out with log files", []string{"--snap-dir", zkData, "--out", filepath.Join(dir, "o"), "--log-out", withLogs}, 1, "holds txn log files"},
		{"no ZooKeeper files", []string{"--snap-dir", zkData, "--out", filepath.Join(dir, "o")}, 1, "neither a version-2 directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"import-zk"}, tc.args...), &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.errText) {
				t.Fatalf("exit %d, want %d; stderr %q lacks %q", code, tc.code, stderr.String(), tc.errText)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "o")); !os.IsNotExist(err) {
		t.Fatalf("a refused import created its dataDir: %v", err)
	}
}

// TestImportZK drives a real ZooKeeper through every kind of znode and
// txn, kills it, imports its files and compares the imported tree,
// sessions and zxids with what its clients saw; then a Paddock server
// starts on the import and goes on above ZooKeeper's zxids.
func TestImportZK(t *testing.T) {
	z := startZK(t)
	ok := fatalIf(t)
	world := zk.WorldACL(zk.PermAll)
	holder := z.connect(t)        // stays open: its ephemerals and session are imported
	owner := z.connect(t, zkUser) // creates the digest-protected nodes

	ok(holder.Create("/app", []byte("v1"), 0, world))
	ok(holder.Create("/app/cfg", []byte("x"), 0, world))
	for i := range 5 {
		ok(holder.Set("/app/cfg", []byte(fmt.Sprintf("x%d", i)), -1))
	}
	ok(holder.Create("/app/lock", []byte("holder"), zk.FlagEphemeral, world))
	ok(holder.Create("/app/member-", nil, zk.FlagEphemeralSequential, world))
	for range 3 {
		ok(holder.Create("/app/job-", []byte("job"), zk.FlagSequence, world))
	}
	ok(owner.Create("/secure", []byte("s"), 0, zk.DigestACL(zk.PermAll, "alice", "secret")))
	ok(owner.Create("/secure/child", []byte("c"), 0,
		append(zk.DigestACL(zk.PermAll, "alice", "secret"), zk.WorldACL(zk.PermRead)...)))
	ok(owner.SetACL("/app/cfg", append(zk.DigestACL(zk.PermRead|zk.PermAdmin, "bob", "pw"),
		zk.WorldACL(zk.PermRead|zk.PermWrite|zk.PermCreate)...), -1))
	ok(holder.CreateContainer("/cont", nil, zk.FlagContainer, world))
	ok(holder.Create("/cont/item", []byte("i"), 0, world))
	ok(holder.CreateTTL("/ttl", []byte("t"), zk.FlagTTL, world, time.Hour))
	ok(holder.Create("/ünïcode", []byte("データ"), 0, world))
	ok(holder.Create("/nulldata", nil, 0, world))
	ok(holder.Create("/big", bytes.Repeat([]byte("0123456789abcdef"), 200<<10/16), 0, world))
	ok(holder.Create("/tmp", nil, 0, world))
	for i := range 5 {
		ok(holder.Create(fmt.Sprintf("/tmp/%d", i), []byte("t"), 0, world))
	}
	for _, i := range []int{1, 3} {
		if err := holder.Delete(fmt.Sprintf("/tmp/%d", i), -1); err != nil {
			t.Fatal(err)
		}
	}
	ok(holder.Multi(
		&zk.CreateRequest{Path: "/m", Data: []byte("multi"), Acl: world},
		&zk.SetDataRequest{Path: "/app", Data: []byte("v2"), Version: -1},
		&zk.DeleteRequest{Path: "/tmp/0", Version: -1},
	))
	// A failed multi and a failed create: error txns in the log.
	if _, err := holder.Multi(
		&zk.CreateRequest{Path: "/m2", Data: nil, Acl: world},
		&zk.CheckVersionRequest{Path: "/app", Version: 99},
	); err == nil {
		t.Fatal("multi with a bad version succeeded")
	}
	if _, err := holder.Create("/app", nil, 0, world); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("create of an existing node: %v", err)
	}
	// A session that closes: its closeSession txn deletes its ephemerals.
	gone := z.connect(t)
	ok(gone.Create("/app/gone", nil, zk.FlagEphemeral, world))
	gone.Close()
	// A quota on /app, made as zkCli's setquota makes it.
	ok(holder.Create("/zookeeper/quota/app", nil, 0, world))
	ok(holder.Create("/zookeeper/quota/app/zookeeper_limits", []byte("count=100,bytes=-1"), 0, world))
	ok(holder.Create("/zookeeper/quota/app/zookeeper_stats", []byte("count=0,bytes=0"), 0, world))
	// Churn: enough txns for several snapshots and log files.
	ok(holder.Create("/counter", []byte("0"), 0, world))
	for i := range 60 {
		ok(holder.Set("/counter", []byte(strconv.Itoa(i)), -1))
		if i%3 == 0 {
			// Each with an ACL of its own: a new entry of ZooKeeper's ACL
			// cache, which a fuzzy snapshot may miss.
			p := fmt.Sprintf("/app/churn-%d", i)
			ok(holder.Create(p, nil, 0, append(zk.DigestACL(zk.PermAll, p, "pw"), zk.WorldACL(zk.PermRead)...)))
			if i%2 == 0 {
				if err := holder.Delete(p, -1); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	reader := z.connect(t, zkUser, zkViewer)
	want := recordTree(t, reader)
	lastZxid := z.zxid(t)
	sessions := []int64{holder.SessionID(), owner.SessionID(), reader.SessionID()}
	goneID := gone.SessionID()
	z.kill()

	snaps, _ := filepath.Glob(filepath.Join(z.data, "version-2", "snapshot.*"))
	logs, _ := filepath.Glob(filepath.Join(z.log, "version-2", "log.*"))
	if len(snaps) < 2 || len(logs) < 2 {
		t.Fatalf("ZooKeeper wrote %d snapshots and %d logs; want several of each", len(snaps), len(logs))
	}

	out := filepath.Join(t.TempDir(), "paddock")
	outLog := filepath.Join(t.TempDir(), "paddock-log")
	text := runImport(t, "--snap-dir", z.data, "--log-dir", filepath.Join(z.log, "version-2"), "--out", out, "--log-out", outLog)
	t.Logf("import-zk:\n%s", text)

	e := loadImported(t, out)
	compareTree(t, e, want)
	if e.LastZxid() != lastZxid {
		t.Errorf("imported last zxid %s, ZooKeeper's %s", e.LastZxid(), lastZxid)
	}
	for _, s := range sessions {
		if to, ok := e.HasSession(pzk.SessionID(s)); !ok || to != 10000 {
			t.Errorf("session %#x: imported %v with timeout %d, want 10000", s, ok, to)
		}
	}
	if _, ok := e.HasSession(pzk.SessionID(goneID)); ok {
		t.Errorf("closed session %#x was imported", goneID)
	}
	if len(e.Sessions()) != len(sessions) {
		t.Errorf("imported %d sessions, want %d", len(e.Sessions()), len(sessions))
	}
	if got := e.Ephemerals(pzk.SessionID(holder.SessionID()), "/"); len(got) != 2 {
		t.Errorf("holder's ephemerals: %v, want /app/lock and /app/member-*", got)
	}

	// The summary: a snapshot after the first, logs applied over it, and
	// the tree digest checked against ZooKeeper's.
	_, sum, err := zkimport.Import(zkimport.Config{SnapDir: z.data, LogDir: z.log})
	if err != nil {
		t.Fatal(err)
	}
	if sum.SnapshotZxid == 0 || sum.TxnsApplied == 0 || sum.LastZxid != lastZxid || len(sum.Digests) == 0 {
		t.Errorf("summary: snapshot %s at %s, %d txns applied up to %s, %d digest checks",
			sum.Snapshot, sum.SnapshotZxid, sum.TxnsApplied, sum.LastZxid, len(sum.Digests))
	}
	for _, d := range sum.Digests {
		if !d.OK() {
			t.Errorf("digest at %s (%s): ZooKeeper's %#x, imported %#x", d.Zxid, d.Source, d.Want, d.Got)
		}
	}

	t.Run("variants", func(t *testing.T) { importVariants(t, z, want, lastZxid) })

	// A second import into the same dataDir is refused.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"import-zk", "--snap-dir", z.data, "--log-dir", z.log, "--out", out}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "already holds a checkpoint") {
		t.Errorf("second import: exit %d: %s", code, stderr.String())
	}

	// A Paddock server on the import serves ZooKeeper's tree and assigns
	// zxids above ZooKeeper's.
	cfg := server.DefaultConfig()
	cfg.ClientPort, cfg.ClientPortAddress = 0, "127.0.0.1"
	cfg.DataDir, cfg.DataLogDir = out, outLog
	cfg.ExtendedTypesEnabled = true
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, _, err := zk.Connect([]string{srv.Addr().String()}, 10*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data, st, err := c.Get("/counter")
	if err != nil || string(data) != "59" || *st != want["/counter"].stat {
		t.Errorf("Paddock's /counter: %q %+v %v; ZooKeeper's %+v", data, st, err, want["/counter"].stat)
	}
	ok(c.Create("/after", nil, 0, world))
	_, st, err = c.Get("/after")
	if err != nil {
		t.Fatal(err)
	}
	if pzk.Zxid(st.Czxid) <= lastZxid {
		t.Errorf("Paddock's first zxid after the import is %#x, not above ZooKeeper's %s", st.Czxid, lastZxid)
	}
}

// copyZK copies ZooKeeper's version-2 directories into a new temporary
// directory and returns the copies of dataDir and dataLogDir.
func copyZK(t *testing.T, z *realZK) (data, log string) {
	t.Helper()
	dir := t.TempDir()
	data, log = filepath.Join(dir, "data"), filepath.Join(dir, "log")
	for _, p := range [][2]string{{z.data, data}, {z.log, log}} {
		if err := os.CopyFS(p[1], os.DirFS(p[0])); err != nil {
			t.Fatal(err)
		}
	}
	return data, log
}

// zkFiles lists the snapshot or log files of a version-2 directory, oldest
// first.
func zkFiles(t *testing.T, dir, prefix string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, zkimport.VersionDir, prefix+".*"))
	if err != nil {
		t.Fatal(err)
	}
	zxid := func(p string) int64 {
		n, _ := strconv.ParseInt(strings.Split(filepath.Base(p), ".")[1], 16, 64)
		return n
	}
	slices.SortFunc(files, func(a, b string) int { return int(zxid(a) - zxid(b)) })
	return files
}

// importVariants imports altered copies of ZooKeeper's files: what
// ZooKeeper would recover from them, Import recovers too.
func importVariants(t *testing.T, z *realZK, want map[string]seen, lastZxid pzk.Zxid) {
	t.Run("newest snapshot corrupt", func(t *testing.T) {
		data, log := copyZK(t, z)
		snaps := zkFiles(t, data, "snapshot")
		newest := snaps[len(snaps)-1]
		b, err := os.ReadFile(newest)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x40
		if err := os.WriteFile(newest, b, 0o644); err != nil {
			t.Fatal(err)
		}
		e, sum, err := zkimport.Import(zkimport.Config{SnapDir: data, LogDir: log})
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Skipped) != 1 || sum.Skipped[0].Path != newest || sum.Snapshot != snaps[len(snaps)-2] {
			t.Fatalf("skipped %v, used %s", sum.Skipped, sum.Snapshot)
		}
		t.Logf("skipped %s: %v", filepath.Base(newest), sum.Skipped[0].Err)
		compareTree(t, e, want)
	})
	t.Run("each snapshot", func(t *testing.T) {
		// Each snapshot is fuzzy in its own way: whatever the base, the
		// replay ends in ZooKeeper's tree.
		n := len(zkFiles(t, z.data, "snapshot"))
		for i := range n {
			data, log := copyZK(t, z)
			snaps := zkFiles(t, data, "snapshot")
			for _, s := range snaps[i+1:] {
				os.Remove(s)
			}
			e, sum, err := zkimport.Import(zkimport.Config{SnapDir: data, LogDir: log})
			if err != nil {
				t.Fatalf("from %s: %v", filepath.Base(snaps[i]), err)
			}
			if sum.Snapshot != snaps[i] {
				t.Fatalf("used %s, not %s", sum.Snapshot, snaps[i])
			}
			compareTree(t, e, want)
		}
	})
	t.Run("only the first snapshot", func(t *testing.T) {
		// Every txn comes from the logs.
		data, log := copyZK(t, z)
		snaps := zkFiles(t, data, "snapshot")
		for _, s := range snaps[1:] {
			os.Remove(s)
		}
		e, sum, err := zkimport.Import(zkimport.Config{SnapDir: data, LogDir: log})
		if err != nil {
			t.Fatal(err)
		}
		if sum.SnapshotZxid != 0 || sum.FirstZxid != 1 || sum.LastZxid != lastZxid {
			t.Fatalf("snapshot at %s, applied %s to %s", sum.SnapshotZxid, sum.FirstZxid, sum.LastZxid)
		}
		compareTree(t, e, want)
	})
	t.Run("log missing", func(t *testing.T) {
		data, log := copyZK(t, z)
		snaps := zkFiles(t, data, "snapshot")
		for _, s := range snaps[1:] {
			os.Remove(s)
		}
		logs := zkFiles(t, log, "log")
		os.Remove(logs[1])
		_, _, err := zkimport.Import(zkimport.Config{SnapDir: data, LogDir: log})
		if !errors.Is(err, zkimport.ErrGap) {
			t.Fatalf("import without %s: %v, want ErrGap", filepath.Base(logs[1]), err)
		}
	})
	t.Run("torn last record", func(t *testing.T) {
		data, log := copyZK(t, z)
		_, sum, err := zkimport.Import(zkimport.Config{SnapDir: data, LogDir: log})
		if err != nil {
			t.Fatal(err)
		}
		last := sum.Logs[len(sum.Logs)-1]
		// Cut the last record's 'B': a write torn by a crash.
		if err := os.Truncate(last.Path, last.EndAt-1); err != nil {
			t.Fatal(err)
		}
		_, sum, err = zkimport.Import(zkimport.Config{SnapDir: data, LogDir: log})
		if err != nil {
			t.Fatal(err)
		}
		if got := sum.Logs[len(sum.Logs)-1]; got.End != zkimport.EndPartial || sum.Zxid != lastZxid-1 {
			t.Fatalf("last log ends with %s, zxid %s; want a partial record and zxid %s", got.End, sum.Zxid, lastZxid-1)
		}
	})
	t.Run("log record corrupt", func(t *testing.T) {
		data, log := copyZK(t, z)
		logs := zkFiles(t, log, "log")
		b, err := os.ReadFile(logs[len(logs)-1])
		if err != nil {
			t.Fatal(err)
		}
		b[zkimport.FileHeaderLen+8+4+10] ^= 1 // inside the first record
		if err := os.WriteFile(logs[len(logs)-1], b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := zkimport.Import(zkimport.Config{SnapDir: data, LogDir: log}); !errors.Is(err, zkimport.ErrChecksum) {
			t.Fatalf("import with a corrupt record: %v, want ErrChecksum", err)
		}
	})
}

// TestImportZKCompressed imports the compressed snapshots ZooKeeper writes
// with zookeeper.snapshot.compression.method gz and snappy.
func TestImportZKCompressed(t *testing.T) {
	for _, method := range []string{"gz", "snappy"} {
		t.Run(method, func(t *testing.T) {
			z := startZK(t, "-Dzookeeper.snapshot.compression.method="+method)
			ok := fatalIf(t)
			c := z.connect(t)
			world := zk.WorldACL(zk.PermAll)
			ok(c.Create("/c", []byte(method), 0, world))
			for i := range 40 {
				ok(c.Create(fmt.Sprintf("/c/n%02d", i), bytes.Repeat([]byte{byte(i)}, 100*i), 0, world))
			}
			ok(c.Create("/c/eph", nil, zk.FlagEphemeral, world))
			want := recordTree(t, c)
			lastZxid := z.zxid(t)
			z.kill()
			snaps := zkFiles(t, z.data, "snapshot")
			if len(snaps) < 2 || !strings.HasSuffix(snaps[len(snaps)-1], "."+method) {
				t.Fatalf("snapshots: %v", snaps)
			}
			out := filepath.Join(t.TempDir(), "paddock")
			text := runImport(t, "--snap-dir", z.data, "--log-dir", z.log, "--out", out)
			if !strings.Contains(text, "."+method+": zxid") {
				t.Fatalf("import did not use a .%s snapshot:\n%s", method, text)
			}
			e := loadImported(t, out)
			compareTree(t, e, want)
			if e.LastZxid() != lastZxid {
				t.Errorf("imported last zxid %s, ZooKeeper's %s", e.LastZxid(), lastZxid)
			}
		})
	}
}
