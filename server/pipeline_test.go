package server_test

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/paddockdb/paddock/server"
	wire "github.com/paddockdb/paddock/zk"
)

// startManual starts an in-process server whose log becomes durable only
// when the test calls Release.
func startManual(t *testing.T) (*server.Server, *server.ManualLog, string) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.ClientPort = 0
	cfg.ClientPortAddress = "127.0.0.1"
	cfg.DataDir, cfg.DataLogDir = t.TempDir(), t.TempDir()
	s, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l := server.UseManualLog(s)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, l, s.Addr().String()
}

// dialReleasing connects while releasing the log, since a new session is a
// txn that must be durable before the handshake is answered.
func dialReleasing(t *testing.T, l *server.ManualLog, addr string) *rawConn {
	t.Helper()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				l.Release()
			}
		}
	}()
	defer close(stop)
	return rawDial(t, addr, 4*time.Second)
}

func wait(t *testing.T, ch chan rawReply, what string) rawReply {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(3 * time.Second):
		t.Fatalf("no reply to %s", what)
	}
	return rawReply{}
}

func notYet(t *testing.T, ch chan rawReply, what string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s answered before its txn was durable: %+v", what, r)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestPipelineWaitsForDurability: a write is answered, applied and
// watched only once the log says it is durable; the writer's later reads
// wait behind it (FIFO), while other clients' reads are answered at once
// from the durable state.
func TestPipelineWaitsForDurability(t *testing.T) {
	_, l, addr := startManual(t)
	w := dialReleasing(t, l, addr)
	o := dialReleasing(t, l, addr)

	// Another client watches for the node.
	if code, _ := o.exists("/p", true); code != wire.CodeNoNode {
		t.Fatalf("exists: %v", code)
	}
	create, _ := w.send(w.nextXid(), wire.OpCreate, encCreate("/p", []byte("v1"), openACL, 0))
	get, _ := w.send(w.nextXid(), wire.OpGetData, encPathWatch("/p", false))
	notYet(t, create, "create")
	notYet(t, get, "the writer's read behind its create")
	// Another client's read does not see the write yet.
	if code, _ := o.exists("/p", false); code != wire.CodeNoNode {
		t.Fatalf("a non-durable create is visible to another client: %v", code)
	}
	if _, ok := o.nextEvent(20 * time.Millisecond); ok {
		t.Fatal("watch fired before the create was durable")
	}

	l.Release()
	if r := wait(t, create, "create"); r.Err != 0 {
		t.Fatalf("create: %v", r.Err)
	}
	if r := wait(t, get, "getData"); r.Err != 0 {
		t.Fatalf("getData after the create: %v", r.Err)
	}
	o.mustEvent(wire.EventNodeCreated, "/p")

	// A rejected write is a txn too (an ErrorTxn) and waits like one.
	dup, _ := w.send(w.nextXid(), wire.OpCreate, encCreate("/p", nil, openACL, 0))
	notYet(t, dup, "a rejected create")
	l.Release()
	if r := wait(t, dup, "a rejected create"); r.Err != wire.CodeNodeExists {
		t.Fatalf("duplicate create: %v", r.Err)
	}
}

// TestPipelineLogFailureStops: an fsync failure stops the server without
// acknowledging what was not durable.
func TestPipelineLogFailureStops(t *testing.T) {
	s, l, addr := startManual(t)
	w := dialReleasing(t, l, addr)
	create, _ := w.send(w.nextXid(), wire.OpCreate, encCreate("/lost", nil, openACL, 0))
	notYet(t, create, "create")
	l.Fail(errors.New("injected fsync failure"))
	select {
	case <-s.Failed():
	case <-time.After(3 * time.Second):
		t.Fatal("server did not stop on a log failure")
	}
	if s.Err() == nil {
		t.Fatal("Err is nil after Failed closed")
	}
	select {
	case r := <-create:
		if r.Err == 0 {
			t.Fatalf("a write was acknowledged after the log failed: %+v", r)
		}
	case <-time.After(100 * time.Millisecond):
	}
}
