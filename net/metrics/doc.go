// Package metrics is Paddock's Prometheus exposition: the metrics the
// server observes on its hot paths, the gauges it samples at scrape time,
// and the HTTP endpoint that serves them, in the place of ZooKeeper 3.8's
// PrometheusMetricsProvider (metricsProvider.className=...Prometheus...).
// It owns
//
//   - Metrics: the registry, the histograms and summaries with their
//     allocation-free Observe* methods, and the scrape-time gauges;
//   - Handler: the text (and OpenMetrics) exposition;
//   - Server: the listener serving it at /metrics (metricsProvider.httpHost
//     and metricsProvider.httpPort; ZooKeeper's default port is 7000).
//
// # Names
//
// Values sampled at scrape time keep ZooKeeper's names: the mntr keys
// without "zk_" (znode_count, watch_count, outstanding_requests,
// num_alive_connections, ...), HELP equal to the name as ZooKeeper writes
// it, TYPE counter for the names ZooKeeper 3.8 registers as counters
// (ServerMetrics' getCounter names: commit_count, proposal_count, ...) and
// gauge for the rest.
//
// Latencies are observed twice. Paddock's own histograms are in seconds,
// with buckets for requests that take 20 us to 100 ms:
//
//	paddock_request_latency_seconds{op}    request arrival to reply, by op
//	paddock_fsync_latency_seconds          one fsync of the transaction log
//	paddock_commit_batch_records           records per group commit
//	paddock_checkpoint_duration_seconds    one checkpoint (snapshot)
//	paddock_apply_lag_seconds              proposal to application of a txn
//
// and ZooKeeper's summaries, which operators' dashboards and ZooKeeper's
// documented alert rules query, keep ZooKeeper's names, HELP, unit
// (milliseconds, or records) and quantiles (0.5, plus 0.9 and 0.99 for
// ZooKeeper's ADVANCED ones) over the Java client's 10-minute window of
// five age buckets; _count and _sum are exact, and the quantiles are read
// off a log-linear histogram, within 1/16 of a power of two of the truth
// (see zkSummary: prometheus.Summary costs ~650 ns an observation):
//
//	readlatency, updatelatency   by whether the op writes (ADVANCED)
//	fsynctime                    (BASIC; alert: rate(fsynctime_sum[1m]) > 100)
//	sync_processor_batch_size    (BASIC)
//	snapshottime                 (BASIC; alert: rate(snapshottime_sum[5m]) > 100)
//	propagation_latency          (ADVANCED)
//	election_time                (BASIC; alert: increase(election_time_count[5m]) > 0)
//
// Go runtime (go_*) and process (process_*) metrics stand in for the JVM
// and process metrics ZooKeeper exports with exportJvmInfo.
package metrics
