package server_test

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
	"github.com/paddockdb/paddock/snapshot"
	wire "github.com/paddockdb/paddock/zk"
)

// startOn starts an in-process server on data directory dir.
func startOn(t *testing.T, dir string) (*server.Server, string) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.ClientPort = 0
	cfg.ClientPortAddress = "127.0.0.1"
	cfg.DataDir, cfg.DataLogDir = dir, dir
	cfg.TickTime = testTick
	cfg.MinSessionTimeout, cfg.MaxSessionTimeout = testMinSession, testMaxSession
	s, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	return s, s.Addr().String()
}

// TestRestartKeepsEverything: what a server acknowledged is there after a
// restart on the same dataLogDir, with the same Stats and zxids; a session
// restored from the log can be re-attached with its password, and one that
// is not expires on time, taking its ephemerals with it.
func TestRestartKeepsEverything(t *testing.T) {
	if realZK() {
		t.Skip("restarts an in-process server")
	}
	dir := t.TempDir()
	s1, addr := startOn(t, dir)
	c := rawDial(t, addr, 4*time.Second)
	keep := rawDial(t, addr, 4*time.Second)
	gone := rawDial(t, addr, 4*time.Second)
	c.createErr("/app", []byte("v0"), openACL, 0)
	c.setData("/app", []byte("v1"), 0)
	_, seq, _ := c.create2("/app/s-", nil, openACL, wire.ModePersistentSequential)
	keep.createErr("/app/keep", nil, openACL, wire.ModeEphemeral)
	gone.createErr("/app/gone", nil, openACL, wire.ModeEphemeral)
	code, data, before := c.getData("/app", false)
	if code != 0 {
		t.Fatal(code)
	}
	keepID, keepPass := keep.Connect.SessionID, keep.Connect.Passwd
	c.closeSession()
	s1.Close() // the sessions of keep and gone stay open in the log

	s2, addr2 := startOn(t, dir)
	defer s2.Close()
	r := rawDial(t, addr2, 4*time.Second)
	code, data2, after := r.getData("/app", false)
	if code != 0 || string(data2) != string(data) || after != before {
		t.Fatalf("after restart: %v %q %+v, before %q %+v", code, data2, after, data, before)
	}
	if code, _ := r.exists(seq, false); code != 0 {
		t.Fatalf("sequential node %s lost: %v", seq, code)
	}
	// Re-attach keep's session: its ephemeral survives.
	k2, err := rawDialOpt(t, addr2, rawDialOpts{SessionID: keepID, Passwd: keepPass, Timeout: 4 * time.Second})
	if err != nil || k2.Connect.SessionID != keepID {
		t.Fatalf("re-attach after restart: %v (%+v)", err, k2.Connect)
	}
	// gone's session expires (timeout 4 s at most), deleting its ephemeral.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := r.exists("/app/gone", false)
		if code == wire.CodeNoNode {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an unattached restored session never expired")
		}
		k2.ping()
		time.Sleep(100 * time.Millisecond)
	}
	if code, _ := r.exists("/app/keep", false); code != 0 {
		t.Fatalf("the re-attached session's ephemeral is gone: %v", code)
	}
	// New writes continue above the recovered zxids.
	_, st := r.setData("/app", []byte("v2"), -1)
	if st.Mzxid <= after.Mzxid {
		t.Fatalf("zxid went back after restart: %s <= %s", st.Mzxid, after.Mzxid)
	}
	// go-zookeeper sees the same.
	zc, _, err := zk.Connect([]string{addr2}, 4*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer zc.Close()
	got, _, err := zc.Get("/app")
	if err != nil || string(got) != "v2" {
		t.Fatalf("go-zookeeper get: %q %v", got, err)
	}
}

// TestCheckpointRecoveryAndPurge: with a small snapCount the server writes
// checkpoints in the background; a restart loads the last one and replays
// only the log after it; autopurge removes log segments older than the
// retained checkpoints.
func TestCheckpointRecoveryAndPurge(t *testing.T) {
	if realZK() {
		t.Skip("restarts an in-process server")
	}
	dir := t.TempDir()
	start := func() (*server.Server, string) {
		cfg := server.DefaultConfig()
		cfg.ClientPort = 0
		cfg.ClientPortAddress = "127.0.0.1"
		cfg.DataDir, cfg.DataLogDir = filepath.Join(dir, "data"), filepath.Join(dir, "log")
		cfg.TickTime = testTick
		cfg.MinSessionTimeout, cfg.MaxSessionTimeout = testMinSession, testMaxSession
		cfg.SnapCount = 20
		cfg.PurgeInterval = 100 * time.Millisecond
		s, err := server.New(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		return s, s.Addr().String()
	}
	want := map[string]string{}
	for round := range 6 {
		s, addr := start()
		c := rawDial(t, addr, 4*time.Second)
		// What earlier rounds wrote is there.
		for p, v := range want {
			if code, data, _ := c.getData(p, false); code != 0 || string(data) != v {
				t.Fatalf("round %d: %s = %q (%v), want %q", round, p, data, code, v)
			}
		}
		for i := range 30 {
			p := fmt.Sprintf("/r%d-%d", round, i%7)
			v := fmt.Sprintf("v%d", i)
			if _, ok := want[p]; !ok {
				c.createErr(p, []byte(v), openACL, 0)
			} else {
				c.setData(p, []byte(v), -1)
			}
			want[p] = v
		}
		c.closeSession()
		time.Sleep(300 * time.Millisecond) // a checkpoint and a purge run
		s.Close()
	}
	st, err := snapshot.Open(snapshot.Config{Dir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	meta := st.Meta()
	st.Close()
	if meta.Zxid == 0 || meta.Checkpoints < 5 {
		t.Fatalf("checkpoints: %+v", meta)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "log", "log.*"))
	if len(segs) >= 6 {
		t.Fatalf("no segment was purged: %v", segs)
	}
	// Everything is there after a last restart.
	s, addr := start()
	defer s.Close()
	c := rawDial(t, addr, 4*time.Second)
	for p, v := range want {
		if code, data, _ := c.getData(p, false); code != 0 || string(data) != v {
			t.Fatalf("final: %s = %q (%v), want %q", p, data, code, v)
		}
	}
}

// TestDirsOfDifferentDatabasesRefused: a dataDir and a dataLogDir that
// belong to different databases, or look swapped, are refused at start.
func TestDirsOfDifferentDatabasesRefused(t *testing.T) {
	if realZK() {
		t.Skip("starts in-process servers")
	}
	base := t.TempDir()
	try := func(data, log string) error {
		cfg := server.DefaultConfig()
		cfg.ClientPort, cfg.ClientPortAddress = 0, "127.0.0.1"
		cfg.DataDir, cfg.DataLogDir = data, log
		s, err := server.New(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		if err := s.Start(); err != nil {
			return err
		}
		return s.Close()
	}
	a, b := filepath.Join(base, "a"), filepath.Join(base, "b")
	if err := try(a+"/data", a+"/log"); err != nil {
		t.Fatal(err)
	}
	if err := try(b+"/data", b+"/log"); err != nil {
		t.Fatal(err)
	}
	if err := try(a+"/data", a+"/log"); err != nil {
		t.Fatalf("restart on the same dirs: %v", err)
	}
	err := try(a+"/data", b+"/log")
	if err == nil || !strings.Contains(err.Error(), "different databases") {
		t.Fatalf("mixed dirs: %v", err)
	}
	err = try(a+"/log", a+"/data")
	if err == nil || !strings.Contains(err.Error(), "swapped") {
		t.Fatalf("swapped dirs: %v", err)
	}
}
