// Package bench owns paddock bench's load generator: it drives a
// ZooKeeper-compatible server (Paddock or Apache ZooKeeper, standalone or
// an ensemble) over the wire with many sessions, each keeping many
// requests outstanding, and measures what the server delivers.
//
// A run is a list of workloads (see Workloads): steady request streams
// (setData, getData, exists, create, delete, getChildren on wide parents,
// read/write mixes), watch fan-out (one writer, many watching sessions),
// session churn, ZooKeeper's lock recipe under contention, a ramp that
// looks for the knee of the latency curve, and a bulk load. Each produces
// a Result: operations per second, HDR-histogram latency percentiles,
// errors, and, when the server runs on this machine, its resident memory
// and the CPU time it spent per request (the fair figure when client and
// server share the machine's cores).
//
// Two clients drive the load: "native", Paddock's own pipelined
// asynchronous client (net/zkclient; a request is reissued from the
// previous one's completion callback, so no goroutine switch sits between
// them), and "gozk", github.com/go-zookeeper/zk, whose calls are
// synchronous, so each outstanding request is a goroutine of its own (the
// library pipelines them onto the one connection).
//
// Results are printed as a table (WriteTable), written as JSON lines
// (WriteJSON; the fields are documented on Result and in bench/README.md),
// drawn as PNG charts (WriteCharts) and compared between servers
// (WriteRatios). Subpackage chart draws the charts and subpackage proc
// reads a server's figures from /proc.
package bench
