// Command paddock is Paddock's one binary: a ZooKeeper-compatible
// coordination server and its tools.
//
//	paddock server [zoo.cfg]   serve (standalone on 127.0.0.1:2181 with data
//	                           under ./paddock-data when no config is given)
//	paddock log dump|verify    print or check the txn log
//	paddock snap ...           print, check, export or import checkpoints
//	paddock purge              remove log segments the checkpoint covers
//	paddock import-zk ...      build a dataDir from an Apache ZooKeeper one
//	paddock status [zoo.cfg]   print the server's Mode, as zkServer.sh status
//	paddock version            print the version
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"syscall"

	"github.com/paddockdb/paddock/server"
)

const usage = `usage: paddock <command> [arguments]

commands:
  server [zoo.cfg]   run a server; with no config: standalone on 127.0.0.1:2181, data in ./paddock-data
  log dump|verify    print or check the txn log ([-dir DATALOGDIR | zoo.cfg])
  snap dump|verify|export|import
                     print, check, export or import the checkpoint store
  purge              remove txn log segments covered by the last checkpoint
  import-zk --snap-dir ZK_DATADIR [--log-dir ZK_DATALOGDIR] --out DATADIR [--log-out DATALOGDIR]
                     build a new dataDir from Apache ZooKeeper 3.5-3.9's snapshots and logs
  status [zoo.cfg]   print the server's Mode (standalone, leader, follower, observer), as zkServer.sh status;
                     exit status 1 when it is not running
  bench [flags]      load a server and measure it (paddock bench -h); bench report FILE... compares results
  cli [-server host:port[,...]] [cmd args]
                     zkCli.sh's shell: run one command, or read commands from stdin
  version            print the version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "server":
		return runServer(args[1:], stderr)
	case "log":
		return runLog(args[1:], stdout, stderr)
	case "snap":
		return runSnap(args[1:], stdout, stderr)
	case "purge":
		return runPurge(args[1:], stdout, stderr)
	case "import-zk":
		return runImportZK(args[1:], stdout, stderr)
	case "status":
		return runStatus(args[1:], stdout, stderr)
	case "bench":
		return runBench(args[1:], stdout, stderr)
	case "cli":
		return runCLI(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "paddock %s\n", server.Version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "paddock: unknown command %q\n%s", args[0], usage)
	return 2
}

func runServer(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	logJSON := fs.Bool("log-json", false, "log in JSON instead of text")
	pprofAddr := fs.String("pprof", "", "serve Go's net/http/pprof profiles on this address (e.g. 127.0.0.1:6060)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "paddock: -log-level: %v\n", err)
		return 2
	}
	opts := &slog.HandlerOptions{Level: level}
	var lg *slog.Logger
	if *logJSON {
		lg = slog.New(slog.NewJSONHandler(stderr, opts))
	} else {
		lg = slog.New(slog.NewTextHandler(stderr, opts))
	}

	var cfg server.Config
	switch fs.NArg() {
	case 0:
		cfg = server.DefaultConfig()
	case 1:
		c, warnings, err := server.LoadConfig(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "paddock: %v\n", err)
			return 1
		}
		for _, w := range warnings {
			lg.Warn(w)
		}
		cfg = c
	default:
		fmt.Fprintln(stderr, "paddock server: at most one config file")
		return 2
	}
	for _, d := range []string{cfg.DataDir, cfg.DataLogDir} {
		if d == "" {
			continue
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			fmt.Fprintf(stderr, "paddock: %v\n", err)
			return 1
		}
	}
	if *pprofAddr != "" {
		ln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			fmt.Fprintf(stderr, "paddock: -pprof: %v\n", err)
			return 1
		}
		lg.Info("serving pprof", "addr", ln.Addr().String())
		go http.Serve(ln, nil) // net/http/pprof registers on the default mux
	}
	srv, err := server.New(cfg, lg)
	if err == nil {
		err = srv.Start()
	}
	if err != nil {
		fmt.Fprintf(stderr, "paddock: %v\n", err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		lg.Info("shutting down", "signal", s.String())
	case <-srv.Failed():
		// A failed log write or fsync: stop rather than acknowledge unsafely.
		srv.Close()
		fmt.Fprintf(stderr, "paddock: %v\n", srv.Err())
		return 1
	}
	if err := srv.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		lg.Warn("close", "err", err)
	}
	return 0
}
