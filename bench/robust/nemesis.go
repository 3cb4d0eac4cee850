package robust

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Fault is a kind of failure the nemesis injects.
type Fault string

const (
	// KillLeader: SIGKILL the leader, restart it FaultDuration later.
	KillLeader Fault = "kill-leader"
	// KillFollower: SIGKILL a random follower, restart it later.
	KillFollower Fault = "kill-follower"
	// Pause: SIGSTOP a random server, SIGCONT it later.
	Pause Fault = "pause"
	// PauseLeader: SIGSTOP the leader, SIGCONT it later. If the pause
	// outlasts the followers' patience they elect another leader, and the
	// old one wakes up believing it still leads.
	PauseLeader Fault = "pause-leader"
	// IsolateLeader: cut the leader off from its peers, heal later.
	// Skipped (once logged) when the cluster returns ErrUnsupported.
	IsolateLeader Fault = "isolate-leader"
)

// AllFaults is the default schedule, applied in turn.
var AllFaults = []Fault{KillLeader, KillFollower, Pause, IsolateLeader, PauseLeader}

// NemesisConfig configures RunNemesis.
type NemesisConfig struct {
	// Faults are applied in turn, cycling (default AllFaults).
	Faults []Fault
	// FaultDuration is how long each fault lasts (default 3s).
	FaultDuration time.Duration
	// Interval is the quiet time between the cluster being healthy again
	// and the next fault (default 2s).
	Interval time.Duration
	// HealthTimeout bounds the wait for every server to be back as leader
	// or follower before the next fault (default 60s); past it the next
	// fault is injected anyway, and the wait logged.
	HealthTimeout time.Duration
	// Seed picks the victims of KillFollower and Pause.
	Seed uint64
	// Logger receives each action; nil discards.
	Logger *slog.Logger
}

// NemesisEvent is one action of the nemesis.
type NemesisEvent struct {
	// At is the time since RunNemesis started.
	At     time.Duration
	Fault  Fault
	Server int    // -1 if none
	Action string // "inject", "undo", "skip", "unhealthy"
	Err    error
}

func (e NemesisEvent) String() string {
	s := fmt.Sprintf("%8.3fs %-14s %-9s server %d", e.At.Seconds(), e.Fault, e.Action, e.Server)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// RunNemesis injects faults into c until ctx is done, then undoes the one
// in progress, and returns what it did. Every action is logged with its
// time.
func RunNemesis(ctx context.Context, c Cluster, cfg NemesisConfig) []NemesisEvent {
	faults := cfg.Faults
	if len(faults) == 0 {
		faults = AllFaults
	}
	if cfg.FaultDuration == 0 {
		cfg.FaultDuration = 3 * time.Second
	}
	if cfg.Interval == 0 {
		cfg.Interval = 2 * time.Second
	}
	if cfg.HealthTimeout == 0 {
		cfg.HealthTimeout = 60 * time.Second
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	n := &nemesis{c: c, lg: lg, start: time.Now(), rng: rand.New(rand.NewPCG(cfg.Seed, 0x6e656d))}
	unsupported := make(map[Fault]bool)
	for i := 0; ctx.Err() == nil; i++ {
		f := faults[i%len(faults)]
		if unsupported[f] {
			if len(unsupported) == len(faults) {
				<-ctx.Done()
				break
			}
			continue
		}
		if err := WaitHealthy(ctx, c, cfg.HealthTimeout); err != nil {
			if ctx.Err() != nil {
				break
			}
			n.log(NemesisEvent{Fault: f, Server: -1, Action: "unhealthy", Err: err})
		}
		if sleepCtx(ctx, cfg.Interval) != nil {
			break
		}
		undo, server, err := n.inject(f)
		if errors.Is(err, ErrUnsupported) {
			unsupported[f] = true
			n.log(NemesisEvent{Fault: f, Server: server, Action: "skip", Err: err})
			continue
		}
		n.log(NemesisEvent{Fault: f, Server: server, Action: "inject", Err: err})
		if err != nil || undo == nil {
			continue
		}
		_ = sleepCtx(ctx, cfg.FaultDuration)
		n.log(NemesisEvent{Fault: f, Server: server, Action: "undo", Err: undo()})
	}
	return n.events
}

type nemesis struct {
	c     Cluster
	lg    *slog.Logger
	start time.Time
	rng   *rand.Rand

	mu     sync.Mutex
	events []NemesisEvent
}

func (n *nemesis) log(e NemesisEvent) {
	e.At = time.Since(n.start)
	n.mu.Lock()
	n.events = append(n.events, e)
	n.mu.Unlock()
	attrs := []any{"at", e.At.Round(time.Millisecond), "fault", e.Fault, "action", e.Action, "server", e.Server}
	if e.Err != nil {
		n.lg.Warn("nemesis", append(attrs, "err", e.Err)...)
		return
	}
	n.lg.Info("nemesis", attrs...)
}

// inject starts fault f and returns the function that ends it.
func (n *nemesis) inject(f Fault) (undo func() error, server int, err error) {
	c := n.c
	switch f {
	case KillLeader, IsolateLeader, PauseLeader:
		l, err := c.Leader()
		if err != nil {
			return nil, -1, err
		}
		switch f {
		case KillLeader:
			return func() error { return c.Restart(l) }, l, c.Kill(l)
		case PauseLeader:
			return func() error { return c.Resume(l) }, l, c.Pause(l)
		}
		if err := c.Isolate(l); err != nil {
			return nil, l, err
		}
		return c.Heal, l, nil
	case KillFollower:
		l, err := c.Leader()
		if err != nil {
			return nil, -1, err
		}
		v := n.rng.IntN(c.N() - 1)
		if v >= l {
			v++
		}
		return func() error { return c.Restart(v) }, v, c.Kill(v)
	case Pause:
		v := n.rng.IntN(c.N())
		return func() error { return c.Resume(v) }, v, c.Pause(v)
	}
	return nil, -1, fmt.Errorf("robust: unknown fault %q", f)
}
