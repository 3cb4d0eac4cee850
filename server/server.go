// Package server is Paddock's composition root: it wires the engine and the
// client-port listener (and, as they land, the txn log, snapshots and
// quorum) from a Config. It is embeddable, so tests and benchmarks start
// real servers in-process.
//
// Request path (standalone): a connection goroutine in net/zknet reads a
// frame; the handler decodes it with the zk codec on that goroutine and
// queues it to the core goroutine, which owns the engine. The core answers
// reads from the tree, turns writes into txns (engine.Prep), commits them
// and applies them (engine.Apply), fires watches and queues the reply on
// the connection. One goroutine in order gives per-session FIFO and
// ZooKeeper's guarantee that a client sees a watch event before any reply
// that reflects the change.
//
// Writes are durable before they are answered: the core appends each txn
// to the txn log in dataLogDir (txnlog, group commit) and applies it once
// the log reports it synced. At start the log is replayed into the engine.
//
// In an ensemble (server.N lines, myid) the txns go through raft instead
// (package quorum; see ensemble.go): the leader preps, a majority makes
// them durable, every server applies them in log order.
package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/paddockdb/paddock/net/admin"
	"github.com/paddockdb/paddock/net/metrics"
	"github.com/paddockdb/paddock/net/zknet"
	"github.com/paddockdb/paddock/txnlog"
	"github.com/paddockdb/paddock/zk"
)

// metricsSink is what the server reports to the Prometheus metrics
// (net/metrics). Its methods are called on hot paths and must be cheap.
type metricsSink interface {
	ObserveRequest(op zk.OpCode, d time.Duration)
	ObserveFsync(d time.Duration)
	ObserveBatch(records int)
	ObserveCheckpoint(d time.Duration)
	ObserveApplyLag(d time.Duration)
}

// Server is one Paddock server, standalone or an ensemble member. Its methods are safe for
// concurrent use.
type Server struct {
	cfg   Config
	lg    *slog.Logger
	net   *zknet.Server
	core  *core
	start time.Time

	// metrics receives latency and storage observations; nil when the
	// Prometheus metrics are off.
	metrics    metricsSink
	admin      *admin.Server   // nil unless the AdminServer runs
	metricsSrv *metrics.Server // nil unless Prometheus metrics are served

	// logStats reads the txn log's counters; nil without a log.
	logStats func() txnlog.Stats

	mu      sync.Mutex
	started bool
	closed  bool
	stop    chan struct{}
	wg      sync.WaitGroup

	failOnce sync.Once
	failed   chan struct{}
	failErr  error
}

// Failed is closed when the server has stopped serving because of an error
// it cannot survive (a failed write or fsync of the txn log); Err says why.
// The caller should Close it and exit.
func (s *Server) Failed() <-chan struct{} { return s.failed }

// Err returns the error that closed Failed, or nil.
func (s *Server) Err() error {
	select {
	case <-s.failed:
		return s.failErr
	default:
		return nil
	}
}

func (s *Server) fail(err error) {
	s.failOnce.Do(func() {
		s.failErr = err
		close(s.failed)
	})
}

// New returns a server for cfg; lg nil means discard logs.
func New(cfg Config, lg *slog.Logger) (*Server, error) {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.CheckMembership(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, lg: lg, stop: make(chan struct{}), failed: make(chan struct{})}
	s.core = newCore(s)
	addr := net.JoinHostPort(cfg.ClientPortAddress, strconv.Itoa(cfg.ClientPort))
	ns, err := zknet.NewServer(zknet.Config{
		Addr:                addr,
		MaxClientCnxns:      cfg.MaxClientCnxns,
		MaxBuffer:           cfg.JuteMaxBuffer,
		FourLetterWhitelist: cfg.FourLetterWords,
		Logger:              lg,
	}, &handler{s: s})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.net = ns
	return s, nil
}

// Start opens the client port and starts serving.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return errors.New("server: already started")
	}
	s.started = true
	s.start = time.Now()
	if s.cfg.Distributed() {
		if err := s.openEnsemble(); err != nil {
			return fmt.Errorf("server: %w", err)
		}
	} else if s.core.log == nil { // a test may have given its own
		if err := s.openStorage(); err != nil {
			return fmt.Errorf("server: %w", err)
		}
	}
	// Before the core runs: the hot paths read s.metrics unlocked.
	s.startMetrics()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.core.run(s.stop)
	}()
	if s.core.ens != nil {
		s.core.ens.node.Start()
	}
	if err := s.net.Start(); err != nil {
		close(s.stop)
		s.wg.Wait()
		if s.metricsSrv != nil {
			s.metricsSrv.Close()
		}
		if s.core.ens != nil {
			s.core.ens.node.Close()
		}
		if s.core.log != nil {
			s.core.log.Close()
		}
		s.core.closeStorage()
		return fmt.Errorf("server: %w", err)
	}
	s.startAdmin()
	s.lg.Info("serving", "clientPort", s.net.Addr().String(), "tickTime", s.cfg.TickTime,
		"minSessionTimeout", s.cfg.MinSessionTimeout, "maxSessionTimeout", s.cfg.MaxSessionTimeout)
	return nil
}

// Addr returns the address the client port listens on.
func (s *Server) Addr() net.Addr { return s.net.Addr() }

// Close stops serving and releases everything. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	started := s.started
	s.mu.Unlock()
	err := s.net.Close()
	if s.admin != nil {
		s.admin.Close()
	}
	if s.metricsSrv != nil {
		s.metricsSrv.Close()
	}
	if started {
		close(s.stop)
		s.wg.Wait()
	}
	if s.core.ens != nil {
		if nerr := s.core.ens.node.Close(); err == nil {
			err = nerr
		}
	}
	if s.core.log != nil {
		if lerr := s.core.log.Close(); err == nil {
			err = lerr
		}
	}
	if serr := s.core.closeStorage(); err == nil {
		err = serr
	}
	return err
}
