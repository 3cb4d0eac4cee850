// Package server is Paddock's composition root: it wires the engine, the
// client-port listener and (later) the txn log, snapshots and quorum from a
// Config. It is embeddable, so tests and benchmarks start real servers
// in-process.
package server

import (
	"errors"
	"log/slog"
	"net"
)

// Server is one standalone Paddock server.
type Server struct {
	cfg Config
	lg  *slog.Logger
}

// New returns a server for cfg; lg nil means discard logs.
func New(cfg Config, lg *slog.Logger) (*Server, error) {
	return nil, errors.New("server: not implemented yet")
}

// Start opens the client port and starts serving.
func (s *Server) Start() error { return errors.New("server: not implemented yet") }

// Addr returns the address the client port listens on.
func (s *Server) Addr() net.Addr { return nil }

// Close stops serving and releases everything.
func (s *Server) Close() error { return nil }
