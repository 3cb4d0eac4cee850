package zkcli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// syncBuffer collects what the shell writes (to a terminal or a pipe),
// safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	off int // where the next wait starts looking
}

func (o *syncBuffer) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

// wait waits for s to appear after what the previous wait consumed and
// returns the output up to and including it.
func (o *syncBuffer) wait(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o.mu.Lock()
		all := o.buf.String()
		if i := strings.Index(all[o.off:], s); i >= 0 {
			got := all[o.off : o.off+i+len(s)]
			o.off += i + len(s)
			o.mu.Unlock()
			return got
		}
		o.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("terminal never showed %q; it shows:\n%q", s, all[o.off:])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestInteractiveTerminal drives the shell through a pseudo-terminal:
// prompts with the command count, line editing, the up-arrow history, and
// a watch event printed while the prompt waits.
func TestInteractiveTerminal(t *testing.T) {
	e := newEnv(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 50, Cols: 200}); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := ptmx.Read(b)
			out.Write(b[:n])
			if err != nil {
				return
			}
		}
	}()
	done := make(chan int, 1)
	go func() { done <- Main([]string{"-server", e.addr, "-timeout", "4000"}, tty, tty, tty, "v") }()
	prompt := func(n string) string { return "[zk: " + e.addr + "(CONNECTED) " + n + "] " }
	typ := func(s string) {
		if _, err := ptmx.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}

	out.wait(t, "Connecting to "+e.addr)
	out.wait(t, "WatchedEvent state:SyncConnected type:None path:null")
	out.wait(t, prompt("0"))
	typ("create /pty x\r")
	out.wait(t, "Created /pty")
	out.wait(t, prompt("1"))
	// Line editing: type, erase two characters, retype.
	typ("get /ptz\x7f\x7fty\r")
	if got := out.wait(t, prompt("2")); !strings.Contains(got, "x\r\n") {
		t.Fatalf("get after editing printed %q", got)
	}
	typ("set /pty y\r")
	out.wait(t, prompt("3"))
	// Up arrow twice: "get /pty" again.
	typ("\x1b[A\x1b[A\r")
	if got := out.wait(t, prompt("4")); !strings.Contains(got, "y\r\n") {
		t.Fatalf("recalled get printed %q", got)
	}
	typ("history\r")
	got := out.wait(t, prompt("5"))
	for _, want := range []string{"0 - create /pty x", "1 - get /pty", "2 - set /pty y", "3 - get /pty", "4 - history"} {
		if !strings.Contains(got, want) {
			t.Fatalf("history lacks %q:\n%q", want, got)
		}
	}
	// A watch fired by another client while the prompt waits.
	typ("get -w /pty\r")
	out.wait(t, prompt("6"))
	if _, err := e.c.Set(ctx, "/pty", []byte("z"), -1); err != nil {
		t.Fatal(err)
	}
	out.wait(t, "WatchedEvent state:SyncConnected type:NodeDataChanged path:/pty")
	out.wait(t, prompt("6")) // redrawn below the event
	// An error goes to the terminal too.
	typ("get /nope\r")
	if got := out.wait(t, prompt("7")); !strings.Contains(got, "Node does not exist: /nope") {
		t.Fatalf("error not shown: %q", got)
	}
	typ("\x04") // Ctrl-D on an empty line
	select {
	case code := <-done:
		if code != 1 {
			t.Fatalf("exit status %d, want 1 (the last command failed)", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("shell did not end on Ctrl-D")
	}
	if _, ok, _ := e.c.Exists(ctx, "/pty", false); !ok {
		t.Fatal("/pty missing")
	}
}
