package robust

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// echoServer echoes every line it reads; it stops with the test.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func newTestProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := NewProxy(echoServer(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

type lineConn struct {
	net.Conn
	r *bufio.Reader
}

func dialLine(t *testing.T, addr string) *lineConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &lineConn{c, bufio.NewReader(c)}
}

// roundTrip sends line and waits up to d for its echo.
func (c *lineConn) roundTrip(line string, d time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(d))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	s, err := c.r.ReadString('\n')
	return strings.TrimSuffix(s, "\n"), err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestProxyForwards(t *testing.T) {
	p := newTestProxy(t)
	c := dialLine(t, p.Addr())
	for _, s := range []string{"a", "bb", strings.Repeat("x", 100000)} {
		got, err := c.roundTrip(s, 2*time.Second)
		if err != nil || got != s {
			t.Fatalf("roundTrip(%d bytes) = %d bytes, %v", len(s), len(got), err)
		}
	}
}

func TestProxyRefuse(t *testing.T) {
	p := newTestProxy(t)
	old := dialLine(t, p.Addr())
	if _, err := old.roundTrip("hello", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Block(Refuse)
	if p.Mode() != Refuse {
		t.Fatalf("Mode() = %v", p.Mode())
	}
	t.Run("existing connection is reset", func(t *testing.T) {
		_, err := old.roundTrip("again", 2*time.Second)
		if err == nil || isTimeout(err) {
			t.Fatalf("roundTrip on a refused proxy: err = %v, want a closed connection", err)
		}
	})
	t.Run("new connection is reset", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", p.Addr(), time.Second)
		if err != nil {
			return // reset before the handshake completed: refused
		}
		defer c.Close()
		lc := &lineConn{c, bufio.NewReader(c)}
		_, err = lc.roundTrip("new", 2*time.Second)
		if err == nil || isTimeout(err) {
			t.Fatalf("roundTrip on a refused proxy: err = %v, want a closed connection", err)
		}
	})
	p.Unblock()
	t.Run("unblock forwards again", func(t *testing.T) {
		c := dialLine(t, p.Addr())
		if got, err := c.roundTrip("back", 2*time.Second); err != nil || got != "back" {
			t.Fatalf("roundTrip = %q, %v", got, err)
		}
	})
}

func TestProxyBlackhole(t *testing.T) {
	p := newTestProxy(t)
	old := dialLine(t, p.Addr())
	if _, err := old.roundTrip("hello", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Block(Blackhole)
	// Both an existing and a new connection stay open but get nothing back.
	_, err := old.roundTrip("held", 300*time.Millisecond)
	if !isTimeout(err) {
		t.Fatalf("existing connection: err = %v, want a timeout", err)
	}
	fresh := dialLine(t, p.Addr())
	_, err = fresh.roundTrip("held too", 300*time.Millisecond)
	if !isTimeout(err) {
		t.Fatalf("new connection: err = %v, want a timeout", err)
	}
	p.Unblock()
	// The held bytes are delivered after Unblock, in order, not lost.
	for _, c := range []struct {
		conn *lineConn
		want string
	}{{old, "held"}, {fresh, "held too"}} {
		_ = c.conn.SetDeadline(time.Now().Add(2 * time.Second))
		got, err := c.conn.r.ReadString('\n')
		if err != nil || strings.TrimSuffix(got, "\n") != c.want {
			t.Fatalf("after Unblock read %q, %v; want %q", got, err, c.want)
		}
	}
	if got, err := old.roundTrip("after", 2*time.Second); err != nil || got != "after" {
		t.Fatalf("roundTrip after Unblock = %q, %v", got, err)
	}
}

func TestProxyBlackholeThenRefuse(t *testing.T) {
	p := newTestProxy(t)
	c := dialLine(t, p.Addr())
	p.Block(Blackhole)
	if _, err := c.roundTrip("held", 200*time.Millisecond); !isTimeout(err) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	p.Block(Refuse)
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.r.ReadString('\n'); err == nil || isTimeout(err) {
		t.Fatalf("held connection after Refuse: err = %v, want a closed connection", err)
	}
}

func TestProxyLatency(t *testing.T) {
	p := newTestProxy(t)
	const d = 100 * time.Millisecond
	p.SetLatency(d)
	c := dialLine(t, p.Addr())
	start := time.Now()
	if _, err := c.roundTrip("slow", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// Each direction is delayed once.
	if rtt := time.Since(start); rtt < 2*d {
		t.Fatalf("round trip took %v, want at least %v", rtt, 2*d)
	}
	p.SetLatency(0)
	start = time.Now()
	if _, err := c.roundTrip("fast", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if rtt := time.Since(start); rtt >= d {
		t.Fatalf("round trip without latency took %v", rtt)
	}
}

func TestProxyClose(t *testing.T) {
	p, err := NewProxy(echoServer(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := dialLine(t, p.Addr())
	if _, err := c.roundTrip("x", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Block(Blackhole)
	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close of a blackholed proxy hangs")
	}
	if _, err := c.roundTrip("y", 2*time.Second); err == nil || isTimeout(err) {
		t.Fatalf("after Close: err = %v, want a closed connection", err)
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("dial after Close succeeded")
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
