package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
)

// Srvr asks a server the srvr four-letter word and returns its Mode
// ("standalone", "leader", "follower", ...), or an error.
func Srvr(addr string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, "srvr"); err != nil {
		return "", err
	}
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		if mode, ok := strings.CutPrefix(sc.Text(), "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s: srvr answered without a Mode line", addr)
}

// WaitServing polls addr until it serves: srvr answers with a Mode and,
// if path is not empty, a getData of path succeeds. It returns how long
// that took from the call.
func WaitServing(ctx context.Context, addr, path string, poll time.Duration) (time.Duration, error) {
	start := time.Now()
	var last error
	for {
		if err := ctx.Err(); err != nil {
			if last != nil {
				return time.Since(start), fmt.Errorf("%w (last: %v)", err, last)
			}
			return time.Since(start), err
		}
		last = probe(ctx, addr, path)
		if last == nil {
			return time.Since(start), nil
		}
		select {
		case <-time.After(poll):
		case <-ctx.Done():
		}
	}
}

// probe checks once that addr serves.
func probe(ctx context.Context, addr, path string) error {
	if _, err := Srvr(addr, 2*time.Second); err != nil {
		return err
	}
	if path == "" {
		return nil
	}
	c, err := zkclient.Dial(zkclient.Config{Servers: []string{addr}, SessionTimeout: 10 * time.Second, ConnectTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, _, err = c.Get(cctx, path, false)
	return err
}
