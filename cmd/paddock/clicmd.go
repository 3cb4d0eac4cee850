package main

import (
	"io"
	"os"

	"github.com/paddockdb/paddock/cmd/paddock/zkcli"
	"github.com/paddockdb/paddock/server"
)

// runCLI is `paddock cli`: zkCli.sh's shell (package zkcli), reading the
// process's stdin. Its exit status is the last command's: 0, 1 for a
// failed command, 127 for an unknown one, 2 for bad options.
func runCLI(args []string, stdout, stderr io.Writer) int {
	return zkcli.Main(args, os.Stdin, stdout, stderr, server.Version)
}
