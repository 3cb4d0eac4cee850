// Package servertest starts in-process Paddock servers for the tests of
// other packages (the client, the CLI, the benchmarks, the commands), so
// each does not write its own start-up.
package servertest

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"testing"

	"github.com/paddockdb/paddock/server"
)

// Config is server.DefaultConfig for a test: 127.0.0.1 on a free port,
// dataDir and dataLogDir dir, no AdminServer (tests that want it turn it
// on, on port 0).
func Config(dir string) server.Config {
	cfg := server.DefaultConfig()
	cfg.ClientPort = 0
	cfg.ClientPortAddress = "127.0.0.1"
	cfg.DataDir, cfg.DataLogDir = dir, dir
	cfg.AdminEnableServer = false
	return cfg
}

// Start starts a server with cfg (logs discarded); it is closed when the
// test ends (Close is idempotent, so the test may close it earlier).
func Start(tb testing.TB, cfg server.Config) *server.Server {
	tb.Helper()
	s, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("server.New: %v", err)
	}
	if err := s.Start(); err != nil {
		tb.Fatalf("server.Start: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// FreePort returns a port that is free on 127.0.0.1, from below the
// kernel's ephemeral range (32768-60999 by default), so that no outgoing
// connection or listener on port 0 takes it before the server binds it
// (an ensemble's ports must be known before its servers start).
func FreePort(tb testing.TB) int {
	tb.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	for range 1000 {
		if nextPort == 0 || nextPort >= 32000 {
			nextPort = 24000 + rand.IntN(7000)
		}
		nextPort++
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", nextPort))
		if err == nil {
			ln.Close()
			return nextPort
		}
	}
	tb.Fatal("no free port in 24000-31999")
	return 0
}

var (
	portMu   sync.Mutex
	nextPort int
)
