package main

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/paddockdb/paddock/server/servertest"
)

// TestCrashKill9 starts the real binary, drives writes through
// go-zookeeper while recording what was acknowledged, kills the server
// with SIGKILL at a random moment, restarts it on the same data, and
// checks that every acknowledged write is there with its exact data and
// version, and that nothing is there that was never attempted.
//
// Cycles: 5 by default; PADDOCK_CRASH_CYCLES overrides
// (.ci/run runs 25).
func TestCrashKill9(t *testing.T) {
	cycles := 5
	if v := os.Getenv("PADDOCK_CRASH_CYCLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("PADDOCK_CRASH_CYCLES: %v", err)
		}
		cycles = n
	}
	bin := filepath.Join(t.TempDir(), "paddock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	port := freePort(t)
	cfg := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(
		"tickTime=500\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\n",
		filepath.Join(dir, "data"), port)), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	model := newCrashModel()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for cycle := range cycles {
		srv := startBinary(t, bin, cfg, addr, filepath.Join(dir, fmt.Sprintf("server-%d.log", cycle)))
		model.check(t, addr, cycle)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				model.work(addr, cycle, w, stop)
			}()
		}
		time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		srv.Wait()
		close(stop)
		wg.Wait()
	}
	srv := startBinary(t, bin, cfg, addr, filepath.Join(dir, "server-final.log"))
	model.check(t, addr, cycles)
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()
	acked, attempted := model.counts()
	t.Logf("%d cycles: %d writes acknowledged, %d attempted; all acknowledged writes survived", cycles, acked, attempted)
	if acked == 0 {
		t.Fatal("no write was ever acknowledged: the test checked nothing")
	}
}

func freePort(t *testing.T) int { return servertest.FreePort(t) }

// startBinary runs `paddock server cfg` and waits until srvr answers.
func startBinary(t *testing.T, bin, cfg, addr, logPath string) *exec.Cmd {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "server", cfg)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		logf.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Write([]byte("srvr"))
			c.SetReadDeadline(time.Now().Add(time.Second))
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "Mode:") {
					c.Close()
					return cmd
				}
			}
			c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, _ := os.ReadFile(logPath)
	t.Fatalf("server did not start:\n%s", out)
	return nil
}

// crashModel records, per key, the last acknowledged value and version and
// every value attempted after it.
type crashModel struct {
	mu   sync.Mutex
	keys map[string]*keyState
	// stats
	acked, attempted int
}

type keyState struct {
	created   bool   // the create was acknowledged
	value     string // last acknowledged value
	version   int32  // its version
	inFlight  []string
	attempted bool // a create was attempted
}

func newCrashModel() *crashModel { return &crashModel{keys: make(map[string]*keyState)} }

func (m *crashModel) counts() (int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.acked, m.attempted
}

// work runs until stop: creates a few keys of its own, then sets them in
// turn, each write recorded before it is sent and when it is acknowledged.
func (m *crashModel) work(addr string, cycle, worker int, stop <-chan struct{}) {
	conn, _, err := zk.Connect([]string{addr}, 2*time.Second, zk.WithLogInfo(false),
		zk.WithLogger(nopLogger{}))
	if err != nil {
		return
	}
	defer conn.Close()
	keys := make([]string, 3)
	for i := range keys {
		keys[i] = fmt.Sprintf("/c%d-w%d-k%d", cycle, worker, i)
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		key := keys[i%len(keys)]
		m.mu.Lock()
		ks := m.keys[key]
		if ks == nil {
			ks = &keyState{}
			m.keys[key] = ks
		}
		value := fmt.Sprintf("%s-v%d", key, i)
		create := !ks.created
		if create {
			ks.attempted = true
		}
		ks.inFlight = append(ks.inFlight, value)
		m.attempted++
		version := ks.version
		m.mu.Unlock()

		var stat *zk.Stat
		if create {
			_, err = conn.Create(key, []byte(value), 0, zk.WorldACL(zk.PermAll))
			if errors.Is(err, zk.ErrNodeExists) {
				continue // a create acknowledged by the server but not to us
			}
		} else {
			stat, err = conn.Set(key, []byte(value), version)
		}
		if err != nil {
			return // the server is gone; what is in flight stays unknown
		}
		m.mu.Lock()
		ks.created = true
		ks.value = value
		if stat != nil {
			ks.version = stat.Version
		}
		ks.inFlight = nil
		m.acked++
		m.mu.Unlock()
	}
}

// check reads every key back: an acknowledged value must be there with its
// version (or a later attempted one); a key whose create was never
// acknowledged may be missing; a key never attempted must not exist.
func (m *crashModel) check(t *testing.T, addr string, cycle int) {
	t.Helper()
	conn, _, err := zk.Connect([]string{addr}, 5*time.Second, zk.WithLogInfo(false), zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	children, _, err := conn.Children("/")
	if err != nil {
		t.Fatalf("cycle %d: ls /: %v", cycle, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	present := make(map[string]bool)
	for _, c := range children {
		if c == "zookeeper" {
			continue
		}
		key := "/" + c
		present[key] = true
		if ks := m.keys[key]; ks == nil || !ks.attempted {
			t.Fatalf("cycle %d: %s exists but was never attempted", cycle, key)
		}
	}
	for key, ks := range m.keys {
		data, stat, err := conn.Get(key)
		if errors.Is(err, zk.ErrNoNode) {
			if ks.created {
				t.Fatalf("cycle %d: %s was acknowledged (value %q) but is gone", cycle, key, ks.value)
			}
			continue
		}
		if err != nil {
			t.Fatalf("cycle %d: get %s: %v", cycle, key, err)
		}
		got := string(data)
		switch {
		case ks.created && got == ks.value && stat.Version == ks.version:
		case contains(ks.inFlight, got):
			// A write in flight at the kill was made durable but not
			// acknowledged: allowed. It is the new truth.
			ks.created = true
			ks.value, ks.version = got, stat.Version
		default:
			t.Fatalf("cycle %d: %s = %q version %d; acknowledged %q version %d, in flight %q",
				cycle, key, got, stat.Version, ks.value, ks.version, ks.inFlight)
		}
		ks.inFlight = nil
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
