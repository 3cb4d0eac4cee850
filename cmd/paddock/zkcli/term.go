package zkcli

import (
	"errors"
	"io"
	"os"

	"golang.org/x/term"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// runTerminal reads commands with golang.org/x/term's line editor: arrow
// keys, the up/down history of this session, Ctrl-D (on an empty line) or
// Ctrl-C to leave. Everything the shell prints goes through the editor so
// that output arriving while a line is being typed (watch events) redraws
// the prompt and the line below it.
func (s *Shell) runTerminal(in *os.File, out io.Writer) error {
	fd := int(in.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return err
	}
	defer term.Restore(fd, old)
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{in, out}, s.prompt())
	if w, h, err := term.GetSize(fd); err == nil {
		t.SetSize(w, h)
	}
	stop := watchResize(fd, t)
	defer stop()
	s.setOutput(t, t)
	for !s.quit {
		t.SetPrompt(s.prompt())
		line, err := t.ReadLine()
		if err != nil && !errors.Is(err, term.ErrPasteIndicator) {
			if errors.Is(err, io.EOF) {
				io.WriteString(t, "\n")
				return nil
			}
			return err
		}
		s.executeLine(line)
	}
	return nil
}
