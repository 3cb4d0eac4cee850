package robust

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one server process that can be killed, paused and started
// again with the same command line. Its methods are safe for concurrent
// use.
type process struct {
	name    string
	argv    []string
	env     []string // appended to os.Environ()
	logPath string   // stdout and stderr, appended across restarts

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{} // closed when cmd has exited
	paused bool
}

func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !isClosed(p.done) {
		return fmt.Errorf("robust: %s is already running (pid %d)", p.name, p.cmd.Process.Pid)
	}
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("robust: %s: %w", p.name, err)
	}
	defer f.Close() // the child has its own descriptor
	fmt.Fprintf(f, "==== robust: starting %s at %s: %s\n", p.name, time.Now().Format(time.RFC3339Nano), strings.Join(p.argv, " "))
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("robust: start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	p.cmd, p.done, p.paused = cmd, done, false
	return nil
}

// running reports whether the process has been started and not exited.
func (p *process) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !isClosed(p.done)
}

// exited returns a channel closed when the current process exits (nil if
// it was never started).
func (p *process) exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// kill sends SIGKILL and waits for the process to exit.
func (p *process) kill() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return fmt.Errorf("robust: kill %s: not running", p.name)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("robust: kill %s: %w", p.name, err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("robust: kill %s: pid %d did not exit within 30s", p.name, cmd.Process.Pid)
	}
	p.mu.Lock()
	p.paused = false
	p.mu.Unlock()
	return nil
}

// pause sends SIGSTOP; resume sends SIGCONT.
func (p *process) pause() error  { return p.stopCont(syscall.SIGSTOP, true) }
func (p *process) resume() error { return p.stopCont(syscall.SIGCONT, false) }

func (p *process) stopCont(sig syscall.Signal, paused bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || isClosed(p.done) {
		return fmt.Errorf("robust: %v %s: not running", sig, p.name)
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("robust: %v %s: %w", sig, p.name, err)
	}
	p.paused = paused
	return nil
}

// stop kills the process if it runs (resuming it first is unnecessary:
// SIGKILL ends a stopped process too).
func (p *process) stop() error {
	if !p.running() {
		return nil
	}
	return p.kill()
}

func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

func isClosed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// tail returns the last n lines of the file at path, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// serverSet is what both clusters share: one process, directory and
// client port per server, and the Cluster methods that only need those.
type serverSet struct {
	procs []*process
	dirs  []string
	ports []int // client ports
}

func (s *serverSet) N() int { return len(s.procs) }

func (s *serverSet) ClientAddr(i int) string { return fmt.Sprintf("127.0.0.1:%d", s.ports[i]) }

// Dir returns server i's directory.
func (s *serverSet) Dir(i int) string { return s.dirs[i] }

func (s *serverSet) Kill(i int) error    { return s.do(i, (*process).kill) }
func (s *serverSet) Restart(i int) error { return s.do(i, (*process).start) }
func (s *serverSet) Pause(i int) error   { return s.do(i, (*process).pause) }
func (s *serverSet) Resume(i int) error  { return s.do(i, (*process).resume) }

func (s *serverSet) do(i int, f func(*process) error) error {
	if err := checkIndex(s, i); err != nil {
		return err
	}
	return f(s.procs[i])
}

// startAll starts every server, then waits until each serves; on failure
// it shows the tail of the server's log (logName in its directory).
func (s *serverSet) startAll(ctx context.Context, lg *slog.Logger, kind, logName string, timeout time.Duration) error {
	for i, p := range s.procs {
		if err := p.start(); err != nil {
			return err
		}
		lg.Info(kind+" started", "server", i, "client", s.ClientAddr(i), "pid", p.pid())
	}
	for i, p := range s.procs {
		if err := waitServing(ctx, s.ClientAddr(i), p.exited(), timeout); err != nil {
			return fmt.Errorf("%w\n%s", err, tail(filepath.Join(s.dirs[i], logName), 20))
		}
	}
	return nil
}

// stopAll kills every server.
func (s *serverSet) stopAll() []error {
	var errs []error
	for _, p := range s.procs {
		errs = append(errs, p.stop())
	}
	return errs
}
