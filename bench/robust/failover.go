package robust

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	gozk "github.com/go-zookeeper/zk"
)

// FailoverConfig configures MeasureFailover.
type FailoverConfig struct {
	// Runs is the number of leader kills (default 5).
	Runs int
	// Path is the znode the writer sets (default /robust-failover).
	Path string
	// SessionTimeout is the writer's session timeout (default 6s).
	SessionTimeout time.Duration
	// Backoff is the writer's pause after failing to reach every server
	// (default 20ms; go-zk's own is a second).
	Backoff time.Duration
	// Timeout bounds each run's wait for a write after the kill, and each
	// wait for the cluster to be healthy (default 60s).
	Timeout time.Duration
	// Logger receives each run; nil discards.
	Logger *slog.Logger
}

// FailoverResult holds the times from SIGKILL of the leader to the first
// acknowledged write issued after it.
type FailoverResult struct {
	Runs             []time.Duration
	Min, Median, Max time.Duration
}

func (r FailoverResult) String() string {
	return fmt.Sprintf("failover over %d runs: min %v, median %v, max %v",
		len(r.Runs), r.Min.Round(time.Millisecond), r.Median.Round(time.Millisecond), r.Max.Round(time.Millisecond))
}

// MeasureFailover measures how long writes stop when the leader dies:
// Runs times, it finds the leader, connects a client to the other servers
// doing back-to-back setData, kills the leader with SIGKILL, and times
// from the kill to the acknowledgement of the first write called after
// it (a write acknowledged after the kill but called before may have
// committed under the old leader). Then it restarts the old leader and
// waits for the cluster to be healthy.
func MeasureFailover(ctx context.Context, c Cluster, cfg FailoverConfig) (FailoverResult, error) {
	if cfg.Runs == 0 {
		cfg.Runs = 5
	}
	if cfg.Path == "" {
		cfg.Path = "/robust-failover"
	}
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = 6 * time.Second
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 20 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	if c.N() < 3 {
		return FailoverResult{}, errors.New("robust: failover needs at least 3 servers")
	}
	var res FailoverResult
	for run := range cfg.Runs {
		d, err := failoverOnce(ctx, c, cfg, lg.With("run", run))
		if err != nil {
			return res, fmt.Errorf("robust: failover run %d: %w", run, err)
		}
		lg.Info("failover", "run", run, "time", d)
		res.Runs = append(res.Runs, d)
	}
	sorted := slices.Sorted(slices.Values(res.Runs))
	res.Min, res.Max = sorted[0], sorted[len(sorted)-1]
	if m := len(sorted); m%2 == 1 {
		res.Median = sorted[m/2]
	} else {
		res.Median = (sorted[m/2-1] + sorted[m/2]) / 2
	}
	return res, nil
}

func failoverOnce(ctx context.Context, c Cluster, cfg FailoverConfig, lg *slog.Logger) (time.Duration, error) {
	if err := WaitHealthy(ctx, c, cfg.Timeout); err != nil {
		return 0, err
	}
	leader, err := c.Leader()
	if err != nil {
		return 0, err
	}
	var survivors []string
	for i := range c.N() {
		if i != leader {
			survivors = append(survivors, c.ClientAddr(i))
		}
	}
	cl, err := dial(survivors, cfg.SessionTimeout, cfg.Backoff, lg)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	// Warm up: the session exists and a write goes through.
	deadline := time.Now().Add(cfg.Timeout)
	for {
		_, err := cl.Create(cfg.Path, nil, 0, gozk.WorldACL(gozk.PermAll))
		if err == nil || errors.Is(err, gozk.ErrNodeExists) {
			if _, err = cl.Set(cfg.Path, []byte("warm"), -1); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no write through %v within %v: %w", survivors, cfg.Timeout, err)
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return 0, err
		}
	}

	var killedAt atomic.Int64 // UnixNano of the kill; 0 before
	first := make(chan time.Time, 1)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for i := 0; wctx.Err() == nil; i++ {
			call := time.Now()
			_, err := cl.Set(cfg.Path, []byte(strconv.Itoa(i)), -1)
			ack := time.Now()
			if err != nil {
				_ = sleepCtx(wctx, time.Millisecond)
				continue
			}
			if k := killedAt.Load(); k != 0 && call.UnixNano() >= k {
				first <- ack
				return
			}
		}
	}()
	_ = sleepCtx(ctx, 200*time.Millisecond) // the writer is running
	kill := time.Now()
	killedAt.Store(kill.UnixNano())
	if err := c.Kill(leader); err != nil {
		return 0, err
	}
	lg.Info("killed leader", "server", leader)
	var d time.Duration
	select {
	case ack := <-first:
		d = ack.Sub(kill)
	case <-time.After(cfg.Timeout):
		err = fmt.Errorf("no write acknowledged within %v of killing leader %d", cfg.Timeout, leader)
	case <-ctx.Done():
		err = ctx.Err()
	}
	stop()
	cl.Close()
	if rerr := c.Restart(leader); rerr != nil && err == nil {
		err = rerr
	}
	return d, err
}
