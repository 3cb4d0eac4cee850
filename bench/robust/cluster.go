package robust

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"
)

// Cluster is an ensemble of ZooKeeper-protocol servers running on this
// machine, with the faults the nemesis injects. Servers are numbered 0..N-1
// here (server i has myid i+1). Implementations are safe for concurrent
// use.
type Cluster interface {
	// N is the number of servers.
	N() int
	// ClientAddr is server i's client address, host:port.
	ClientAddr(i int) string
	// Kill sends SIGKILL to server i and waits for it to exit.
	Kill(i int) error
	// Restart starts server i again after Kill, on the same data.
	Restart(i int) error
	// Pause sends SIGSTOP to server i.
	Pause(i int) error
	// Resume sends SIGCONT to server i.
	Resume(i int) error
	// Isolate cuts server i off from all its peers (quorum traffic in
	// both directions); clients can still reach it. It may return an
	// error wrapping ErrUnsupported.
	Isolate(i int) error
	// Heal undoes every Isolate.
	Heal() error
	// Leader is the index of a server whose srvr four-letter word reports
	// "Mode: leader", or an error if none does right now.
	Leader() (int, error)
	// Close stops every server and releases the cluster's resources.
	Close() error
}

// ErrUnsupported is wrapped by the errors of faults a Cluster cannot
// inject.
var ErrUnsupported = errors.ErrUnsupported

// Srvr sends the srvr four-letter word to addr and returns the mode it
// reports ("leader", "follower", "observer", "standalone"), reading the
// whole answer within timeout.
func Srvr(addr string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, "srvr"); err != nil {
		return "", err
	}
	sc := bufio.NewScanner(c)
	mode := ""
	for sc.Scan() {
		if m, ok := strings.CutPrefix(sc.Text(), "Mode: "); ok {
			mode = strings.TrimSpace(m)
		}
	}
	if mode == "" {
		if err := sc.Err(); err != nil {
			return "", fmt.Errorf("robust: srvr %s: %w", addr, err)
		}
		return "", fmt.Errorf("robust: srvr %s: no Mode: line (not serving)", addr)
	}
	return mode, nil
}

// Modes asks every server of c for its mode, concurrently; a server that
// does not answer within timeout has mode "" and an error.
func Modes(c Cluster, timeout time.Duration) ([]string, []error) {
	modes := make([]string, c.N())
	errs := make([]error, c.N())
	var wg sync.WaitGroup
	for i := range c.N() {
		wg.Go(func() { modes[i], errs[i] = Srvr(c.ClientAddr(i), timeout) })
	}
	wg.Wait()
	return modes, errs
}

// leaderOf is Cluster.Leader for implementations that poll srvr.
func leaderOf(c Cluster) (int, error) {
	modes, _ := Modes(c, time.Second)
	for i, m := range modes {
		if m == "leader" {
			return i, nil
		}
	}
	return -1, fmt.Errorf("robust: no leader (modes %q)", modes)
}

// WaitLeader polls c.Leader until it names a server or timeout passes.
func WaitLeader(ctx context.Context, c Cluster, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		l, err := c.Leader()
		if err == nil {
			return l, nil
		}
		if time.Now().After(deadline) {
			return -1, fmt.Errorf("robust: no leader within %v: %w", timeout, err)
		}
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			return -1, err
		}
	}
}

// WaitHealthy polls until every server of c answers srvr as leader or
// follower with exactly one leader, or timeout passes.
func WaitHealthy(ctx context.Context, c Cluster, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		modes, _ := Modes(c, time.Second)
		leaders, ok := 0, true
		for _, m := range modes {
			switch m {
			case "leader":
				leaders++
			case "follower", "observer":
			default:
				ok = false
			}
		}
		if ok && leaders == 1 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("robust: cluster not healthy within %v (modes %q)", timeout, modes)
		}
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
}

// waitServing waits until server i answers srvr with a mode, failing early
// if its process exits.
func waitServing(ctx context.Context, addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		m, err := Srvr(addr, time.Second)
		if err == nil && m != "" {
			return nil
		}
		if isClosed(exited) {
			return fmt.Errorf("robust: server on %s exited before serving", addr)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("robust: server on %s not serving within %v: %v", addr, timeout, err)
		}
		if err := sleepCtx(ctx, 300*time.Millisecond); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// freePorts returns n distinct ports that were free on 127.0.0.1: it
// holds a listener on each at once, then closes them. The ports come from
// below the kernel's ephemeral range (24000-31999), so that the proxies'
// listeners on port 0 and the outgoing connections of this and earlier
// runs, which take ephemeral ports, cannot take them between Close and the
// server's bind (that happened: "bind: address already in use").
//
// NB: another process may still take one; the start then fails loudly.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			return nil, fmt.Errorf("robust: no free port in 24000-31999 after %d tries", tries)
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 24000+rand.IntN(8000)))
		if err != nil {
			continue
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// checkIndex validates a server index.
func checkIndex(c interface{ N() int }, i int) error {
	if i < 0 || i >= c.N() {
		return fmt.Errorf("robust: server index %d out of range [0,%d)", i, c.N())
	}
	return nil
}
