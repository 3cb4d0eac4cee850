//go:build unix

package zkcli

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// watchResize keeps t's idea of the window size current (SIGWINCH) until
// the returned function is called.
func watchResize(fd int, t *term.Terminal) func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				if w, h, err := term.GetSize(fd); err == nil {
					t.SetSize(w, h)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
