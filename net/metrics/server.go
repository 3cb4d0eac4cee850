package metrics

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is where Listen serves when given no address: ZooKeeper's
// default metricsProvider.httpPort, on Paddock's default host.
const DefaultAddr = "127.0.0.1:7000"

// Path is the only path the metrics are served on, as ZooKeeper's
// provider maps its servlet to exactly "/metrics".
const Path = "/metrics"

// Server serves a Metrics' exposition over HTTP.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Listen binds addr (host:port; "" is DefaultAddr) and serves m there in a
// goroutine until Close: GET, HEAD and POST of /metrics (the Java
// client's servlet answers POST as GET) get the exposition, other
// methods 405 and other paths 404.
func Listen(addr string, m *Metrics, lg *slog.Logger) (*Server, error) {
	if m == nil {
		return nil, errors.New("metrics: nil Metrics")
	}
	if addr == "" {
		addr = DefaultAddr
	}
	if lg == nil {
		lg = slog.Default()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot start /metrics server: %w", err)
	}
	exposition := m.Handler()
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != Path {
			http.NotFound(w, r)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodPost:
			exposition.ServeHTTP(w, r)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
	s := &Server{ln: ln, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       30 * time.Second,
		ErrorLog:          slog.NewLogLogger(lg.Handler(), slog.LevelWarn),
	}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			lg.Error("/metrics server stopped", "err", err)
		}
	}()
	lg.Info("Starting /metrics HTTP endpoint", "address", ln.Addr().String())
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops listening and closes every connection.
func (s *Server) Close() error {
	err := s.srv.Close()
	if lerr := s.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	return err
}
