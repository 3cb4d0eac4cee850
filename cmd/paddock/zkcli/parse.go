package zkcli

import (
	"regexp"
	"strconv"
	"strings"
)

// argsPattern is ZooKeeperMain.MyCommandOptions.ARGS_PATTERN with Java's
// \s spelt out ([ \t\n\x0B\f\r]; Go's \s lacks \x0B). Go's leftmost-first
// matching picks the same matches as Java's backtracking for it: a token
// is a run of non-blanks, or a "..." or '...' string.
var argsPattern = regexp.MustCompile(`[ \t\n\x0B\f\r]*([^"'][^ \t\n\x0B\f\r]*|"[^"]*"|'[^']*')[ \t\n\x0B\f\r]*`)

// tokenize splits a command line as ZooKeeperMain's parseCommand does:
// ARGS_PATTERN's matches, with the quotes of a quoted token stripped
// (QUOTED_PATTERN). An unterminated quote is skipped, so `create /x "a b`
// gives [create /x a b].
func tokenize(line string) []string {
	var args []string
	for _, m := range argsPattern.FindAllStringSubmatch(line, -1) {
		args = append(args, unquote(m[1]))
	}
	return args
}

// javaBlank is Java's \s.
func javaBlank(r rune) bool { return strings.ContainsRune(" \t\n\x0b\f\r", r) }

// unquote strips matching surrounding quotes, as QUOTED_PATTERN
// ^(['"])(.*)(\1)$ does; Java's '.' matches no line terminator.
func unquote(v string) string {
	if len(v) < 2 || (v[0] != '"' && v[0] != '\'') || v[len(v)-1] != v[0] {
		return v
	}
	mid := v[1 : len(v)-1]
	if strings.ContainsAny(mid, "\n\r\u0085\u2028\u2029") {
		return v
	}
	return mid
}

// optSpec is one commons-cli Option: a short name (zkCli's are all short,
// some longer than one letter, like reconfig's -members) and whether it
// takes a value.
type optSpec struct {
	name   string
	hasArg bool
	desc   string // for a required group's error message
}

// optGroup is a commons-cli OptionGroup: at most one of its options may be
// given, and one must be when required.
type optGroup struct {
	names    []string
	required bool
}

// cmdLine is a parsed command: its non-option arguments (the command name
// first, as commons-cli sees it) and the options given, with the first
// value of each.
type cmdLine struct {
	args []string
	opts map[string]string
}

func (c *cmdLine) has(name string) bool {
	_, ok := c.opts[name]
	return ok
}

func (c *cmdLine) value(name string) string { return c.opts[name] }

// parseError is a commons-cli ParseException; zkCli prints it as Java's
// Throwable.toString: the class name, ": " and the message.
type parseError struct {
	class string
	msg   string
}

func (e *parseError) Error() string { return "org.apache.commons.cli." + e.class + ": " + e.msg }

// optParser is commons-cli 1.4's DefaultParser with stopAtNonOption false,
// for options that have short names only (as every zkCli command's do).
type optParser struct {
	specs  []optSpec
	groups []optGroup

	cl       *cmdLine
	cur      *optSpec // the option waiting for its value
	curVal   bool     // cur already has its value
	selected map[int]string
	skip     bool
}

// parseOpts parses tokens (the command and its arguments).
func parseOpts(specs []optSpec, groups []optGroup, tokens []string) (*cmdLine, error) {
	p := &optParser{specs: specs, groups: groups, cl: &cmdLine{opts: map[string]string{}}, selected: map[int]string{}}
	for _, t := range tokens {
		if err := p.token(t); err != nil {
			return nil, err
		}
	}
	if err := p.checkRequiredArg(); err != nil {
		return nil, err
	}
	var missing []string
	for i, g := range p.groups {
		if g.required && p.selected[i] == "" {
			missing = append(missing, p.groupString(g))
		}
	}
	if len(missing) > 0 {
		s := "Missing required option"
		if len(missing) > 1 {
			s += "s"
		}
		return nil, &parseError{"MissingOptionException", s + ": " + strings.Join(missing, ", ")}
	}
	return p.cl, nil
}

func (p *optParser) spec(name string) *optSpec {
	for i := range p.specs {
		if p.specs[i].name == name {
			return &p.specs[i]
		}
	}
	return nil
}

func (p *optParser) groupString(g optGroup) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range g.names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("-" + n)
		if s := p.spec(n); s != nil && s.desc != "" {
			b.WriteString(" " + s.desc)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// acceptsArg reports whether the current option still takes a value.
func (p *optParser) acceptsArg() bool { return p.cur != nil && p.cur.hasArg && !p.curVal }

func (p *optParser) token(t string) error {
	switch {
	case p.skip:
		p.cl.args = append(p.cl.args, t)
	case t == "--":
		p.skip = true
	case p.acceptsArg() && p.isArgument(t):
		p.addValue(stripQuotes(t))
	case strings.HasPrefix(t, "--"):
		// No zkCli option has a long name.
		return p.unknown(t)
	case strings.HasPrefix(t, "-") && t != "-":
		if err := p.shortOption(t); err != nil {
			return err
		}
	default:
		if err := p.unknown(t); err != nil {
			return err
		}
	}
	if p.cur != nil && !p.acceptsArg() {
		p.cur = nil
	}
	return nil
}

// isArgument: not an option, or a negative number.
func (p *optParser) isArgument(t string) bool {
	return !p.isShortOption(t) || isNegativeNumber(t)
}

func (p *optParser) isShortOption(t string) bool {
	if !strings.HasPrefix(t, "-") || len(t) == 1 {
		return false
	}
	name := t[1:]
	if i := strings.IndexByte(t, '='); i >= 0 {
		name = t[1:i]
	}
	if p.spec(name) != nil {
		return true
	}
	return len(name) > 0 && p.spec(name[:1]) != nil
}

// isNegativeNumber approximates Java's Double.parseDouble succeeding (it
// takes a trailing type suffix d, D, f or F, and surrounding blanks).
func isNegativeNumber(t string) bool {
	s := strings.TrimSpace(t)
	if n := len(s); n > 1 && strings.ContainsRune("dDfF", rune(s[n-1])) {
		s = s[:n-1]
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func (p *optParser) shortOption(token string) error {
	t := token[1:]
	if eq := strings.IndexByte(t, '='); eq >= 0 && len(t) > 1 {
		opt, val := t[:eq], t[eq+1:]
		if len(opt) == 1 {
			if s := p.spec(opt); s != nil && s.hasArg {
				if err := p.handle(s); err != nil {
					return err
				}
				p.addValue(val)
				p.cur = nil
				return nil
			}
		}
		return p.unknown(token)
	}
	if s := p.spec(t); s != nil {
		return p.handle(s)
	}
	if len(t) == 1 {
		return p.unknown(token)
	}
	// Concatenated options: -es, or an option with its value: -t1000.
	for i := 1; i < len(token); i++ {
		s := p.spec(token[i : i+1])
		if s == nil {
			return p.unknown(token)
		}
		if err := p.handle(s); err != nil {
			return err
		}
		if p.cur != nil && i+1 < len(token) {
			p.addValue(token[i+1:])
			break
		}
	}
	return nil
}

// handle records an option: DefaultParser.handleOption.
func (p *optParser) handle(s *optSpec) error {
	if err := p.checkRequiredArg(); err != nil {
		return err
	}
	for i, g := range p.groups {
		for _, n := range g.names {
			if n != s.name {
				continue
			}
			if sel := p.selected[i]; sel != "" && sel != s.name {
				return &parseError{"AlreadySelectedException", "The option '" + s.name +
					"' was specified but an option from this group has already been selected: '" + sel + "'"}
			}
			p.selected[i] = s.name
		}
	}
	if _, ok := p.cl.opts[s.name]; !ok {
		p.cl.opts[s.name] = ""
	}
	if s.hasArg {
		p.cur, p.curVal = s, false
	} else {
		p.cur = nil
	}
	return nil
}

func (p *optParser) addValue(v string) {
	if p.cur == nil {
		return
	}
	if !p.curVal {
		if old := p.cl.opts[p.cur.name]; old == "" {
			p.cl.opts[p.cur.name] = v
		}
	}
	p.curVal = true
}

func (p *optParser) checkRequiredArg() error {
	if p.cur != nil && p.cur.hasArg && !p.curVal {
		return &parseError{"MissingArgumentException", "Missing argument for option: " + p.cur.name}
	}
	return nil
}

func (p *optParser) unknown(t string) error {
	if strings.HasPrefix(t, "-") && len(t) > 1 {
		return &parseError{"UnrecognizedOptionException", "Unrecognized option: " + t}
	}
	p.cl.args = append(p.cl.args, t)
	return nil
}

// stripQuotes is commons-cli's Util.stripLeadingAndTrailingQuotes.
func stripQuotes(s string) string {
	if len(s) > 1 && s[0] == '"' && s[len(s)-1] == '"' && !strings.Contains(s[1:len(s)-1], `"`) {
		return s[1 : len(s)-1]
	}
	return s
}
