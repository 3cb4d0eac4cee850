package server

import (
	"net"
	"strconv"
	"strings"

	"github.com/paddockdb/paddock/net/metrics"
)

// startMetrics serves Prometheus metrics on metricsProvider.httpHost and
// httpPort when metricsProvider.className names ZooKeeper's Prometheus
// provider or metrics.enabled is set. The gauges are mntr's figures, read
// on the core goroutine at scrape time; the histograms are fed on the hot
// paths through s.metrics. As with the AdminServer, a port that cannot be
// bound is logged and the server goes on without metrics.
func (s *Server) startMetrics() {
	c := s.cfg
	if !c.PrometheusEnabled() {
		return
	}
	m := metrics.New(s.gauges)
	addr := net.JoinHostPort(c.MetricsHTTPHost, strconv.Itoa(c.MetricsHTTPPort))
	ms, err := metrics.Listen(addr, m, s.lg)
	if err != nil {
		s.lg.Error("metrics not served; serving clients without them (set metricsProvider.httpPort)", "addr", addr, "err", err)
		return
	}
	s.metrics = m
	s.metricsSrv = ms
}

// gauges emits mntr's numeric figures, for a Prometheus scrape.
func (s *Server) gauges(emit func(name string, value float64)) {
	f, ok := adminCmds{s}.runOnCore("monitor", nil)
	if !ok {
		return
	}
	for _, x := range f {
		if summaryKey(x.Key) {
			continue // the metrics' own summaries and histograms cover these
		}
		if v, ok := asFloat(x.Value); ok {
			emit(x.Key, v)
		}
	}
}

// summaryKey reports mntr's flattened summaries (avg_X, p99_X, ...).
func summaryKey(k string) bool {
	for _, p := range []string{"avg_", "min_", "max_", "cnt_", "sum_", "p50_", "p95_", "p99_", "p999_"} {
		if strings.HasPrefix(k, p) && k != "avg_latency" && k != "min_latency" && k != "max_latency" {
			return true
		}
	}
	return false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// MetricsAddr returns the address Prometheus metrics are served on, or nil.
func (s *Server) MetricsAddr() net.Addr {
	if s.metricsSrv == nil {
		return nil
	}
	return s.metricsSrv.Addr()
}
