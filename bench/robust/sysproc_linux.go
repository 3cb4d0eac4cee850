package robust

import "syscall"

// sysProcAttr puts a server in its own process group, so a Ctrl-C meant
// for the test does not reach it, and has the kernel kill it if the test
// process dies without Close.
//
// NB: Pdeathsig fires when the forking OS thread exits, not the process;
// Go keeps its threads unless a goroutine exits while locked to one, which
// this package never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
