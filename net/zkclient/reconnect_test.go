package zkclient_test

import (
	"net"
	"slices"
	"testing"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/zk"
)

// TestReconnectResendsWatches: after a connection loss the client
// re-attaches its session and re-sends its watches (setWatches with the
// last zxid): a change made while it was away fires at once, and a watch
// not yet fired still fires later.
func TestReconnectResendsWatches(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	p := newProxy(t, s.Addr().String())
	w, ev := dial(t, []string{p.addr()})
	m, _ := dial(t, []string{s.Addr().String()})
	open := zk.OpenACLUnsafe()
	for _, path := range []string{"/r", "/r/missed", "/r/later"} {
		_, _, err := m.Create(bg, path, nil, open, zk.ModePersistent, 0)
		must(t, "create "+path, err)
	}
	_, _, err := w.Get(bg, "/r/missed", true)
	must(t, "get -w missed", err)
	_, _, err = w.Get(bg, "/r/later", true)
	must(t, "get -w later", err)
	_, _, err = w.Children(bg, "/r", true)
	must(t, "ls -w", err)
	_, _, err = w.Exists(bg, "/r/new", true)
	must(t, "exists -w", err)
	must(t, "addWatch", w.AddWatch(bg, "/r/later", zk.AddWatchModePersistent))
	sid := w.SessionID()

	p.setRefuse(true)
	p.cut()
	ev.want(t, zk.EventNone, zk.StateDisconnected, "")
	_, err = m.Set(bg, "/r/missed", []byte("x"), -1)
	must(t, "set missed", err)
	_, _, err = m.Create(bg, "/r/new", nil, open, zk.ModePersistent, 0)
	must(t, "create new", err)
	p.setRefuse(false)
	ev.want(t, zk.EventNone, zk.StateSyncConnected, "")
	if w.SessionID() != sid {
		t.Fatalf("new session %v, want %v", w.SessionID(), sid)
	}
	// The missed changes fire at once, in setWatches' list order: data,
	// exist, child.
	ev.want(t, zk.EventNodeDataChanged, sc, "/r/missed")
	ev.want(t, zk.EventNodeCreated, sc, "/r/new")
	ev.want(t, zk.EventNodeChildrenChanged, sc, "/r")
	_, err = m.Set(bg, "/r/later", []byte("y"), -1)
	must(t, "set later", err)
	ev.want(t, zk.EventNodeDataChanged, sc, "/r/later")
	_, err = m.Set(bg, "/r/later", []byte("z"), -1)
	must(t, "set later again", err)
	ev.want(t, zk.EventNodeDataChanged, sc, "/r/later") // the persistent watch survived
}

// TestReconnectReplaysAuth: identities added with AddAuth are sent again
// on a new connection.
func TestReconnectReplaysAuth(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	p := newProxy(t, s.Addr().String())
	c, ev := dial(t, []string{p.addr()})
	must(t, "addauth", c.AddAuth(bg, "digest", []byte("u1:p1")))
	p.cut()
	ev.want(t, zk.EventNone, zk.StateDisconnected, "")
	ev.want(t, zk.EventNone, zk.StateSyncConnected, "")
	who, err := c.WhoAmI(bg)
	must(t, "whoami", err)
	if !slices.Contains(who, zk.ClientInfo{AuthScheme: "digest", User: "u1"}) {
		t.Fatalf("whoami after reconnect %v", who)
	}
}

// TestFailover: the client's server goes away and the same data directory
// comes back as another listed server; the client moves its session there
// with its ephemerals and watches.
func TestFailover(t *testing.T) {
	dir := t.TempDir()
	port1, port2 := freePort(t), freePort(t)
	addr1, addr2 := "127.0.0.1:"+itoa(port1), "127.0.0.1:"+itoa(port2)
	s1 := startServer(t, dir, port1)
	c, ev := dial(t, []string{addr1, addr2})
	if c.Server() != addr1 {
		t.Fatalf("connected to %s, want %s", c.Server(), addr1)
	}
	open := zk.OpenACLUnsafe()
	_, _, err := c.Create(bg, "/f", []byte("1"), open, zk.ModePersistent, 0)
	must(t, "create", err)
	_, _, err = c.Create(bg, "/f/eph", nil, open, zk.ModeEphemeral, 0)
	must(t, "create ephemeral", err)
	_, _, err = c.Get(bg, "/f", true)
	must(t, "get -w", err)
	sid := c.SessionID()

	s1.Close()
	ev.want(t, zk.EventNone, zk.StateDisconnected, "")
	startServer(t, dir, port2)
	ev.want(t, zk.EventNone, zk.StateSyncConnected, "")
	if c.Server() != addr2 || c.SessionID() != sid {
		t.Fatalf("reconnected to %s session %v, want %s session %v", c.Server(), c.SessionID(), addr2, sid)
	}
	kids, _, err := c.Children(bg, "/f", false)
	must(t, "ls", err)
	if !slices.Equal(kids, []string{"eph"}) {
		t.Fatalf("children after failover %v", kids)
	}
	_, err = c.Set(bg, "/f", []byte("2"), -1)
	must(t, "set", err)
	ev.want(t, zk.EventNodeDataChanged, sc, "/f")
}

// TestSessionExpiry: a client kept away longer than its session timeout
// finds the session expired when it gets back: Expired event, then every
// call fails with ErrSessionExpired.
func TestSessionExpiry(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	p := newProxy(t, s.Addr().String())
	c, ev := dial(t, []string{p.addr()}, func(cfg *zkclient.Config) { cfg.SessionTimeout = 500 * time.Millisecond })
	m, _ := dial(t, []string{s.Addr().String()})
	_, _, err := c.Create(bg, "/x", nil, zk.OpenACLUnsafe(), zk.ModeEphemeral, 0)
	must(t, "create ephemeral", err)
	if got := c.SessionTimeout(); got != 500*time.Millisecond {
		t.Fatalf("negotiated timeout %v", got)
	}
	p.setRefuse(true)
	p.setStall(true) // the client notices by its read timeout
	ev.want(t, zk.EventNone, zk.StateDisconnected, "")
	deadline := time.Now().Add(waitLong)
	for {
		_, ok, err := m.Exists(bg, "/x", false)
		must(t, "exists", err)
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("session never expired on the server")
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.cut()
	p.setRefuse(false)
	ev.want(t, zk.EventNone, zk.StateExpired, "")
	if st := c.State(); st != zkclient.StateExpired || st.Alive() {
		t.Fatalf("state %v", st)
	}
	_, _, err = c.Get(bg, "/", false)
	wantErr(t, "get after expiry", err, zkclient.ErrSessionExpired)
	wantErr(t, "Err", c.Err(), zkclient.ErrSessionExpired)
	must(t, "close", c.Close())
	ev.none(t)
}

// TestReadOnlyServer: a server that accepts the session in read-only mode
// makes the state ConnectedReadOnly, with that event.
func TestReadOnlyServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go fakeServer(ln, true)
	ev := newEvents()
	c, err := zkclient.Dial(zkclient.Config{Servers: []string{ln.Addr().String()}, CanBeReadOnly: true, Events: ev.fn})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ev.want(t, zk.EventNone, zk.StateConnectedReadOnly, "")
	if st := c.State(); st != zkclient.StateConnectedReadOnly || !st.Alive() || st.String() != "CONNECTEDREADONLY" {
		t.Fatalf("state %v", st)
	}
}

// TestIdleSessionStaysAlive: pings keep an idle session and its
// connection alive well past the session timeout.
func TestIdleSessionStaysAlive(t *testing.T) {
	s := startServer(t, t.TempDir(), 0)
	c, ev := dial(t, []string{s.Addr().String()}, func(cfg *zkclient.Config) { cfg.SessionTimeout = 600 * time.Millisecond })
	sid := c.SessionID()
	_, _, err := c.Create(bg, "/idle", nil, zk.OpenACLUnsafe(), zk.ModeEphemeral, 0)
	must(t, "create", err)
	time.Sleep(2 * time.Second)
	ev.none(t)
	if _, ok, err := c.Exists(bg, "/idle", false); err != nil || !ok || c.SessionID() != sid {
		t.Fatalf("after idling: exists %v %v, session %v (was %v)", ok, err, c.SessionID(), sid)
	}
}
