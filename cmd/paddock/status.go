package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/paddockdb/paddock/server"
)

// runStatus is `paddock status [zoo.cfg]`: zkServer.sh status. It asks the
// server at the config's client address for srvr (the one four-letter word
// ZooKeeper whitelists by default) and prints its Mode line; exit status 1
// when the server cannot be reached or does not answer.
func runStatus(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("server", "", "host:port to ask instead of the config's client address")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: paddock status [-server host:port] [zoo.cfg]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := server.DefaultConfig()
	switch fs.NArg() {
	case 0:
		fmt.Fprintln(stdout, "Using config: (none: the defaults of `paddock server`)")
	case 1:
		c, _, err := server.LoadConfig(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "paddock status: %v\n", err)
			return 1
		}
		cfg = c
		fmt.Fprintf(stdout, "Using config: %s\n", fs.Arg(0))
	default:
		fs.Usage()
		return 2
	}
	if *addr == "" {
		host := cfg.ClientPortAddress
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		fmt.Fprintf(stdout, "Client port found: %d. Client address: %s. Client SSL: false.\n", cfg.ClientPort, host)
		*addr = net.JoinHostPort(host, strconv.Itoa(cfg.ClientPort))
	}
	mode, err := fetchMode(*addr, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "Error contacting service. It is probably not running. (%v)\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Mode: %s\n", mode)
	return 0
}

// fetchMode sends srvr to addr and returns what follows "Mode: ".
func fetchMode(addr string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, "srvr"); err != nil {
		return "", err
	}
	sc := bufio.NewScanner(c)
	var first string
	for sc.Scan() {
		line := sc.Text()
		if first == "" {
			first = line
		}
		if mode, ok := strings.CutPrefix(line, "Mode: "); ok {
			return mode, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if first != "" {
		return "", fmt.Errorf("%s answered srvr with %q", addr, first)
	}
	return "", fmt.Errorf("%s closed the connection without answering srvr", addr)
}
