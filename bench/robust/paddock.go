package robust

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PaddockConfig configures StartPaddock.
type PaddockConfig struct {
	// Bin is the paddock binary (go build -o bin/paddock ./cmd/paddock).
	Bin string
	// Dir holds one directory per server, n1..nN: zoo.cfg, data/myid,
	// data, log, and paddock.log (the process's stdout and stderr).
	Dir string
	// N is the number of servers (default 3).
	N int
	// TickTime is tickTime (default 200ms); Paddock derives its raft
	// timing from it.
	TickTime time.Duration
	// IsolateMode is how Isolate blocks the peer proxies (default
	// Blackhole).
	IsolateMode BlockMode
	// Env is extra environment for the servers ("GOMAXPROCS=1").
	Env []string
	// Extra is appended to every server's zoo.cfg ("snapCount=1000\n").
	Extra string
	// StartTimeout bounds the wait for every server to serve (default 60s).
	StartTimeout time.Duration
	// Logger receives the cluster's actions; nil discards.
	Logger *slog.Logger
}

// PaddockCluster is an ensemble of Paddock servers on 127.0.0.1, one
// process each, whose quorum traffic runs through a Proxy per directed
// pair of servers so that Isolate can cut it. Its methods are safe for
// concurrent use.
//
// Paddock's contract (ARCHITECTURE.md, the ensemble): server K listens on
// the quorum port of its own server.K line and dials peer J at the
// host:port of server.J in its own zoo.cfg; every connection starts with
// a hello naming its sender, so the servers' configs may give different
// addresses for the same peer. Hence in nK/zoo.cfg:
//
//	server.K=127.0.0.1:<K's quorum port>:<K's election port>;127.0.0.1:<K's client port>
//	server.J=127.0.0.1:<port of proxy K->J>:<J's election port>;127.0.0.1:<J's client port>
//
// and proxy K->J forwards to J's quorum port. The election port is unused
// by Paddock but distinct and free, as ZooKeeper requires.
type PaddockCluster struct {
	cfg PaddockConfig
	lg  *slog.Logger
	serverSet
	proxies [][]*Proxy // proxies[k][j]: k dials j through it; nil on the diagonal
}

var _ Cluster = (*PaddockCluster)(nil)

// StartPaddock writes the servers' configuration under cfg.Dir, starts the
// proxies and servers, and waits until each server serves.
func StartPaddock(ctx context.Context, cfg PaddockConfig) (*PaddockCluster, error) {
	if cfg.N == 0 {
		cfg.N = 3
	}
	if cfg.TickTime == 0 {
		cfg.TickTime = 200 * time.Millisecond
	}
	if cfg.IsolateMode == Open {
		cfg.IsolateMode = Blackhole
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	bin, err := filepath.Abs(cfg.Bin)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("robust: paddock binary: %w", err)
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	n := cfg.N
	ports, err := freePorts(3 * n)
	if err != nil {
		return nil, err
	}
	clientPort, quorumPort, electionPort := ports[:n], ports[n:2*n], ports[2*n:]
	c := &PaddockCluster{cfg: cfg, lg: lg, serverSet: serverSet{ports: clientPort}}
	c.proxies = make([][]*Proxy, n)
	for k := range n {
		c.proxies[k] = make([]*Proxy, n)
		for j := range n {
			if j == k {
				continue
			}
			p, err := NewProxy(fmt.Sprintf("127.0.0.1:%d", quorumPort[j]), lg.With("from", k, "to", j))
			if err != nil {
				c.Close()
				return nil, err
			}
			c.proxies[k][j] = p
		}
	}
	for k := range n {
		d := filepath.Join(dir, fmt.Sprintf("n%d", k+1))
		for _, sub := range []string{"data", "log"} {
			if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
				c.Close()
				return nil, err
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "tickTime=%d\ninitLimit=10\nsyncLimit=5\n", cfg.TickTime.Milliseconds())
		fmt.Fprintf(&b, "dataDir=%s\ndataLogDir=%s\n", filepath.Join(d, "data"), filepath.Join(d, "log"))
		fmt.Fprintf(&b, "clientPort=%d\nclientPortAddress=127.0.0.1\n", clientPort[k])
		b.WriteString("4lw.commands.whitelist=*\nadmin.enableServer=false\n")
		b.WriteString(cfg.Extra)
		for j := range n {
			q := quorumPort[j]
			if j != k {
				q = c.proxies[k][j].Port()
			}
			fmt.Fprintf(&b, "server.%d=127.0.0.1:%d:%d;127.0.0.1:%d\n", j+1, q, electionPort[j], clientPort[j])
		}
		files := map[string]string{
			"zoo.cfg":   b.String(),
			"data/myid": fmt.Sprintf("%d\n", k+1),
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
				c.Close()
				return nil, err
			}
		}
		c.dirs = append(c.dirs, d)
		c.procs = append(c.procs, &process{
			name:    fmt.Sprintf("paddock%d", k+1),
			argv:    []string{bin, "server", filepath.Join(d, "zoo.cfg")},
			env:     cfg.Env,
			logPath: filepath.Join(d, "paddock.log"),
		})
	}
	if err := c.startAll(ctx, lg, "paddock", "paddock.log", cfg.StartTimeout); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Isolate blocks every proxy from and to server i.
func (c *PaddockCluster) Isolate(i int) error {
	if err := checkIndex(c, i); err != nil {
		return err
	}
	for j := range c.N() {
		if j != i {
			c.proxies[i][j].Block(c.cfg.IsolateMode)
			c.proxies[j][i].Block(c.cfg.IsolateMode)
		}
	}
	return nil
}

// Heal unblocks every proxy.
func (c *PaddockCluster) Heal() error {
	for k := range c.proxies {
		for _, p := range c.proxies[k] {
			if p != nil {
				p.Unblock()
			}
		}
	}
	return nil
}

func (c *PaddockCluster) Leader() (int, error) { return leaderOf(c) }

// Close kills every server and closes the proxies. The directories stay.
func (c *PaddockCluster) Close() error {
	errs := c.stopAll()
	for k := range c.proxies {
		for _, p := range c.proxies[k] {
			if p != nil {
				errs = append(errs, p.Close())
			}
		}
	}
	return errors.Join(errs...)
}
