//go:build !unix

package zkcli

import "golang.org/x/term"

// watchResize does nothing where there is no SIGWINCH.
func watchResize(int, *term.Terminal) func() { return func() {} }
