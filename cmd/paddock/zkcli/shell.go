package zkcli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
)

// Shell is one zkCli session: ZooKeeperMain's state.
type Shell struct {
	version  string
	loc      *time.Location
	timeout  time.Duration
	readOnly bool
	// oneShot: a command from the command line. NB: zkCli.sh prints
	// "Connecting to ..." and the connection's WATCHER events in one-shot
	// mode too; Paddock prints only the command's output.
	oneShot bool

	// out and errw are what commands and the event goroutine write to:
	// one write at a time, to stdout and stderr, which runTerminal
	// replaces (all under wmu).
	wmu            sync.Mutex
	stdout, stderr io.Writer
	out, errw      io.Writer

	ctx          context.Context
	zk           *zkclient.Client // nil before the first connect or after a failed one
	host         string
	printWatches atomic.Bool
	history      map[int]string
	count        int // commandCount
	exitCode     int
	quit         bool
}

func newShell(stdout, stderr io.Writer, version string) *Shell {
	s := &Shell{
		version: version,
		loc:     time.Local,
		timeout: 30 * time.Second,
		ctx:     context.Background(),
		history: map[int]string{},
	}
	s.stdout, s.stderr = stdout, stderr
	s.out, s.errw = &shellWriter{s: s}, &shellWriter{s: s, err: true}
	s.printWatches.Store(true)
	return s
}

// setOutput redirects the shell's output.
func (s *Shell) setOutput(stdout, stderr io.Writer) {
	s.wmu.Lock()
	s.stdout, s.stderr = stdout, stderr
	s.wmu.Unlock()
}

// shellWriter writes to the shell's current stdout or stderr, serializing
// the command and event goroutines.
type shellWriter struct {
	s   *Shell
	err bool
}

func (w *shellWriter) Write(p []byte) (int, error) {
	w.s.wmu.Lock()
	defer w.s.wmu.Unlock()
	if w.err {
		return w.s.stderr.Write(p)
	}
	return w.s.stdout.Write(p)
}

func (s *Shell) outs(str string)  { io.WriteString(s.out, str) }
func (s *Shell) outln(str string) { io.WriteString(s.out, str+"\n") }
func (s *Shell) errln(str string) { io.WriteString(s.errw, str+"\n") }

// watcher is MyWatcher.process: every event, when printwatches is on.
func (s *Shell) watcher(ev zkclient.Event) {
	if s.oneShot || !s.printWatches.Load() {
		return
	}
	// printMessage("WATCHER::") and printMessage(event): each behind a
	// blank line.
	s.outs("\nWATCHER::\n\n" + eventString(ev) + "\n")
}

// state is the prompt's state: the Java client's States name.
func (s *Shell) state() string {
	if s.zk == nil {
		return "CLOSED"
	}
	st := s.zk.State()
	if st == zkclient.StateExpired {
		return "CLOSED"
	}
	return st.String()
}

// prompt is ZooKeeperMain.getPrompt.
func (s *Shell) prompt() string {
	return "[zk: " + s.host + "(" + s.state() + ") " + strconv.Itoa(s.count) + "] "
}

// alive reports whether commands can run (ZooKeeper.States.isAlive).
func (s *Shell) alive() bool { return s.zk != nil && s.zk.State().Alive() }

// connect is connectToZK: it closes the current session and opens a new
// one to host, a comma-separated server list.
// NB: the Java client connects in the background and retries forever;
// Paddock waits for the session (up to the session timeout) and reports
// a failure.
func (s *Shell) connect(host string) error {
	if s.alive() {
		s.zk.Close()
	}
	s.host = host
	s.zk = nil
	servers := strings.Split(host, ",")
	c, err := zkclient.Dial(zkclient.Config{
		Servers:        servers,
		SessionTimeout: s.timeout,
		CanBeReadOnly:  s.readOnly,
		Events:         s.watcher,
	})
	if err != nil {
		return err
	}
	c.DrainEvents()
	s.zk = c
	return nil
}

// closeQuietly ends the session without printing its Closed event.
// NB: zkCli.sh leaves the session open at the end of its input (its
// ephemerals live on until it expires); Paddock closes it.
func (s *Shell) closeQuietly() {
	s.printWatches.Store(false)
	if s.zk != nil {
		s.zk.Close()
	}
}

// executeLine is ZooKeeperMain.executeLine.
// NB: a line of blanks, or one without a token (a lone quote), is
// ignored; zkCli.sh looks for the command " " in the first case and runs
// the previous command again in the second.
func (s *Shell) executeLine(line string) {
	if strings.TrimFunc(line, javaBlank) == "" {
		return
	}
	tokens := tokenize(line)
	if len(tokens) == 0 {
		return
	}
	s.history[s.count] = line
	s.processCmd(tokens)
	s.count++
}

// processCmd is ZooKeeperMain.processCmd: run, and turn a CliException
// into its message on stderr and its exit code.
func (s *Shell) processCmd(tokens []string) {
	err := s.processZKCmd(tokens)
	if s.quit {
		return
	}
	if err == nil {
		s.exitCode = exitOK
		return
	}
	var ce *cliError
	if !errors.As(err, &ce) {
		ce = &cliError{msg: err.Error(), code: exitFailure}
	}
	s.exitCode = ce.code
	if !ce.quiet {
		s.errln(ce.msg)
	}
}

// processZKCmd is ZooKeeperMain.processZKCmd.
func (s *Shell) processZKCmd(tokens []string) error {
	name := tokens[0]
	c, ok := commands[name]
	if !ok {
		io.WriteString(s.errw, usageText())
		return &cliError{msg: "Command not found: Command not found " + name, code: exitNotFound}
	}
	switch {
	case name == "quit":
		s.quit = true
		if s.zk != nil {
			s.zk.Close()
		}
		return nil
	case name == "help":
		s.outs(usageText())
		return nil
	case name == "redo" && len(tokens) >= 2:
		i, err := javaDecodeInt(tokens[1])
		if err != nil {
			// NB: zkCli.sh dies with a NumberFormatException here.
			return fail("Command index is not a number: " + tokens[1])
		}
		if s.count <= i || i < 0 {
			return fail("Command index out of range")
		}
		line := s.history[i]
		again := tokenize(line)
		if len(again) == 0 || again[0] == "redo" {
			return fail("No redoing redos")
		}
		s.history[s.count] = line
		s.processCmd(again)
		if s.quit {
			return nil
		}
	case name == "history":
		for i := s.count - 10; i <= s.count; i++ {
			if i < 0 {
				continue
			}
			h, ok := s.history[i]
			if !ok {
				h = "null"
			}
			s.outln(strconv.Itoa(i) + " - " + h)
		}
	case name == "printwatches":
		if len(tokens) == 1 {
			state := "off"
			if s.printWatches.Load() {
				state = "on"
			}
			s.outln("printwatches is " + state)
		} else {
			s.printWatches.Store(tokens[1] == "on")
		}
	case name == "connect":
		host := s.host
		if len(tokens) >= 2 {
			host = tokens[1]
		}
		if err := s.connect(host); err != nil {
			return fail(err.Error())
		}
	}
	// The CliCommands need a live session (and, as in zkCli.sh, the
	// built-ins above are followed by this check too).
	if !s.alive() {
		s.outln("Not connected")
		return nil
	}
	if c.run == nil {
		return nil
	}
	return c.run(s, c, tokens)
}

// javaDecodeInt is Integer.decode: decimal, 0x/0X/# hex, 0 octal, signed.
func javaDecodeInt(v string) (int, error) {
	neg := false
	s := v
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0X"):
		base, s = 16, s[2:]
	case strings.HasPrefix(s, "#"):
		base, s = 16, s[1:]
	case strings.HasPrefix(s, "0") && len(s) > 1:
		base, s = 8, s[1:]
	}
	if s == "" || s[0] == '-' || s[0] == '+' || strings.Contains(s, "_") {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.ParseInt(s, base, 64)
	if err != nil {
		return 0, err
	}
	if neg {
		n = -n
	}
	if n < -1<<31 || n > 1<<31-1 {
		return 0, strconv.ErrRange
	}
	return int(n), nil
}

// runLines reads commands from r, one per line, as ZooKeeperMain does
// without JLine: no prompt.
func (s *Shell) runLines(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for !s.quit {
		line, err := br.ReadString('\n')
		if line == "" && err != nil {
			return
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		s.executeLine(line)
		if err != nil {
			return
		}
	}
}

// Main runs `paddock cli` with its arguments (those after "cli") and
// returns the exit status: with a command, that command's (0, 1 when it
// failed, 127 when it does not exist); without, the status of the last
// command read from stdin, interactively with line editing when stdin is
// a terminal.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, version string) int {
	o, err := parseMainOptions(args)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	s := newShell(stdout, stderr, version)
	s.timeout, s.readOnly = o.timeout, o.readOnly
	for _, w := range o.warnings {
		fmt.Fprintln(stderr, w)
	}
	if len(o.command) > 0 {
		s.oneShot = true
		if err := s.connect(o.server); err != nil {
			fmt.Fprintln(stderr, err)
			return exitFailure
		}
		s.processCmd(o.command)
		s.closeQuietly()
		return s.exitCode
	}
	s.outln("Connecting to " + o.server)
	if err := s.connect(o.server); err != nil {
		s.errln(err.Error())
		s.exitCode = exitFailure
	}
	if f, ok := stdin.(*os.File); ok && isTerminal(f) {
		if err := s.runTerminal(f, stdout); err != nil {
			fmt.Fprintln(stderr, err)
		}
	} else {
		s.runLines(stdin)
	}
	s.closeQuietly()
	return s.exitCode
}

// mainOptions are ZooKeeperMain.MyCommandOptions.
type mainOptions struct {
	server   string
	timeout  time.Duration
	readOnly bool
	command  []string
	warnings []string
}

// parseMainOptions is MyCommandOptions.parseOptions: -server, -timeout,
// -r, -client-configuration and -waitforconnection before the command;
// other dashed words are ignored, as in zkCli.sh.
// NB: a missing option value or a bad -timeout is an error here (exit
// status 2); zkCli.sh goes on with defaults or dies.
func parseMainOptions(args []string) (mainOptions, error) {
	o := mainOptions{server: "localhost:2181", timeout: 30 * time.Second}
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("Error: no argument found for option %s", a)
			}
			i++
			return args[i], nil
		}
		switch a {
		case "-server":
			v, err := next()
			if err != nil {
				return o, err
			}
			o.server = v
		case "-timeout":
			v, err := next()
			if err != nil {
				return o, err
			}
			ms, err := strconv.ParseInt(v, 10, 32)
			if err != nil || ms <= 0 {
				return o, fmt.Errorf("Error: -timeout must be a positive number of milliseconds: %q", v)
			}
			o.timeout = time.Duration(ms) * time.Millisecond
		case "-r":
			o.readOnly = true
		case "-client-configuration":
			v, err := next()
			if err != nil {
				return o, err
			}
			o.warnings = append(o.warnings, "paddock cli: -client-configuration "+v+" ignored (not supported)")
		case "-waitforconnection":
			// Always so: Paddock waits for the session.
		default:
			if !strings.HasPrefix(a, "-") {
				o.command = args[i:]
				return o, nil
			}
		}
	}
	return o, nil
}
