// Package zkcli is `paddock cli`: a ZooKeeper shell that accepts Apache
// ZooKeeper 3.8's zkCli.sh commands, flags and argument quoting and prints
// what zkCli.sh prints, interactively (line editing and history through
// golang.org/x/term when stdin is a terminal), from piped stdin, or for one
// command given on the command line.
//
// It owns the command-line handling of ZooKeeperMain (option parsing,
// tokenizing, the numbered history, redo, printwatches, connect), one
// implementation per CliCommand of org.apache.zookeeper.cli (with
// commons-cli's DefaultParser rules for flags), and the output formats:
// StatPrinter, ACLs as jute's toString prints them, Java's Date.toString,
// WatchedEvent.toString, KeeperException messages and the CliException
// exit codes. The session itself is package zkclient's.
//
// Where Paddock's shell deliberately differs from zkCli.sh (one-shot
// output without connection chatter, exit status 1 for every printed
// error, the session closed at end of input, no crash on bad numbers) the
// code says so with an NB; README-section.md lists the differences.
package zkcli
