//go:build !linux

package robust

import "syscall"

// sysProcAttr puts a server in its own process group, so a Ctrl-C meant
// for the test does not reach it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
