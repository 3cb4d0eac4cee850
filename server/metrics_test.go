package server_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/server"
)

// TestPrometheusMetrics: with metricsProvider.className naming ZooKeeper's
// Prometheus provider, /metrics on metricsProvider.httpPort has mntr's
// gauges with live values, ZooKeeper's summaries and Paddock's histograms
// fed by real requests and fsyncs.
func TestPrometheusMetrics(t *testing.T) {
	addr := startServer(t, func(c *server.Config) {
		c.MetricsProviderClassName = server.MetricsProviderPrometheus
		c.MetricsHTTPHost = "127.0.0.1"
		c.MetricsHTTPPort = 0
	}, func(c *server.Config) { c.DataLogDir = c.DataDir })
	c := dial(t, addr)
	for _, p := range []string{"/m1", "/m2", "/m3"} {
		if _, err := c.Create(p, []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.Get("/m1"); err != nil {
		t.Fatal(err)
	}
	body := scrape(t, metricsAddr(t, addr))
	for _, re := range []string{
		`(?m)^znode_count 8$`, // 5 + 3
		`(?m)^num_alive_connections 1$`,
		`(?m)^approximate_data_size \d+$`,
		`(?m)^paddock_request_latency_seconds_count\{op="create"\} 3$`,
		`(?m)^paddock_request_latency_seconds_count\{op="getData"\} 1$`,
		`(?m)^paddock_fsync_latency_seconds_count [1-9]\d*$`,
		`(?m)^paddock_commit_batch_records_count [1-9]\d*$`,
		`(?m)^updatelatency_count [1-9]\d*$`,
		`(?m)^fsynctime_count [1-9]\d*$`,
		`(?m)^go_goroutines \d+$`,
	} {
		if !regexp.MustCompile(re).MatchString(body) {
			t.Errorf("/metrics lacks %s", re)
		}
	}
	if strings.Contains(body, "avg_fsynctime") {
		t.Errorf("/metrics exports mntr's flattened summaries as gauges")
	}
}

func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}
