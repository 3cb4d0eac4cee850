package zkcli

import (
	"slices"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"ls /", []string{"ls", "/"}},
		{"  ls   /zookeeper  ", []string{"ls", "/zookeeper"}},
		{"\tget\t/a", []string{"get", "/a"}},
		{`create /x "a b c"`, []string{"create", "/x", "a b c"}},
		{`create /x 'x y'`, []string{"create", "/x", "x y"}},
		{`create /x "unterminated`, []string{"create", "/x", "unterminated"}},
		{`create /x ""`, []string{"create", "/x", ""}},
		{`set /x a"b"c`, []string{"set", "/x", `a"b"c`}},
		{`set /x "a'b"`, []string{"set", "/x", "a'b"}},
		{`set /x 'it''s'`, []string{"set", "/x", "it", "s"}},
		{"set /x \x0bv", []string{"set", "/x", "v"}}, // Java's \s has vertical tab
		{" \"b c", []string{` "b`, "c"}},             // Java's backtracking into the blank
		{"", nil},
		{"   ", []string{" "}}, // as Java: the last blank is a token
		{`"`, nil},
	} {
		if got := tokenize(tc.line); !slices.Equal(got, tc.want) {
			t.Errorf("tokenize(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestParseOpts(t *testing.T) {
	specs := []optSpec{{name: "s"}, {name: "e"}, {name: "t", hasArg: true}, {name: "v", hasArg: true}, {name: "members", hasArg: true}}
	for _, tc := range []struct {
		tokens string
		args   []string
		opts   map[string]string
		err    string
	}{
		{"create /x d", []string{"create", "/x", "d"}, map[string]string{}, ""},
		{"create -s -e /x", []string{"create", "/x"}, map[string]string{"s": "", "e": ""}, ""},
		{"create /x -s", []string{"create", "/x"}, map[string]string{"s": ""}, ""},
		{"create -es /x", []string{"create", "/x"}, map[string]string{"s": "", "e": ""}, ""},
		{"create -t 100 /x", []string{"create", "/x"}, map[string]string{"t": "100"}, ""},
		{"create -t100 /x", []string{"create", "/x"}, map[string]string{"t": "100"}, ""},
		{"create -st100 /x", []string{"create", "/x"}, map[string]string{"s": "", "t": "100"}, ""},
		{"create -t=100 /x", []string{"create", "/x"}, map[string]string{"t": "100"}, ""},
		{`create -t "5" /x`, []string{"create", "/x"}, map[string]string{"t": "5"}, ""},
		{"set -v -1 /x d", []string{"set", "/x", "d"}, map[string]string{"v": "-1"}, ""},
		{"set -v 1 -v 2 /x d", []string{"set", "/x", "d"}, map[string]string{"v": "1"}, ""},
		{"create -t /x", []string{"create"}, map[string]string{"t": "/x"}, ""},
		{"create -- -s x", []string{"create", "-s", "x"}, map[string]string{}, ""},
		{"create - x", []string{"create", "-", "x"}, map[string]string{}, ""},
		{"r -members a=b", []string{"r"}, map[string]string{"members": "a=b"}, ""},
		{"create -t", nil, nil, "org.apache.commons.cli.MissingArgumentException: Missing argument for option: t"},
		{"create -t -e /x", nil, nil, "org.apache.commons.cli.MissingArgumentException: Missing argument for option: t"},
		{"create -x /x", nil, nil, "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x"},
		{"create -sx /x", nil, nil, "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -sx"},
		{"create --s /x", nil, nil, "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: --s"},
		{"set /x -1", nil, nil, "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -1"},
		{"create -s=1 /x", nil, nil, "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -s=1"},
	} {
		cl, err := parseOpts(specs, nil, strings.Fields(tc.tokens))
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: err %v, want %q", tc.tokens, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.tokens, err)
			continue
		}
		if !slices.Equal(cl.args, tc.args) || len(cl.opts) != len(tc.opts) {
			t.Errorf("%q: args %q opts %v, want %q %v", tc.tokens, cl.args, cl.opts, tc.args, tc.opts)
			continue
		}
		for k, v := range tc.opts {
			if !cl.has(k) || cl.value(k) != v {
				t.Errorf("%q: option %s = %q, want %q", tc.tokens, k, cl.value(k), v)
			}
		}
	}
}

func TestParseOptsGroups(t *testing.T) {
	group := []optGroup{{names: []string{"n", "b", "N", "B"}, required: true}}
	for _, tc := range []struct {
		tokens string
		err    string
	}{
		{"setquota -n 5 /q", ""},
		{"setquota -N 10 -B 1000 /q", "org.apache.commons.cli.AlreadySelectedException: The option 'B' was specified but an option from this group has already been selected: 'N'"},
		{"setquota -n 1 -n 2 /q", ""},
		{"setquota /q", "org.apache.commons.cli.MissingOptionException: Missing required option: [-n num soft quota, -b bytes soft quota, -N num hard quota, -B bytes hard quota]"},
	} {
		_, err := parseOpts(quotaGroup, group, strings.Fields(tc.tokens))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.err {
			t.Errorf("%q: err %q, want %q", tc.tokens, got, tc.err)
		}
	}
}

func TestParseMainOptions(t *testing.T) {
	o, err := parseMainOptions(strings.Fields("-timeout 5000 -r -server h:1,h:2 -bogus get -s /x"))
	if err != nil || o.server != "h:1,h:2" || o.timeout.Milliseconds() != 5000 || !o.readOnly ||
		!slices.Equal(o.command, []string{"get", "-s", "/x"}) {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = parseMainOptions(nil)
	if err != nil || o.server != "localhost:2181" || o.timeout.Seconds() != 30 || o.command != nil {
		t.Fatalf("defaults %+v %v", o, err)
	}
	for _, bad := range []string{"-server", "-timeout", "-timeout x", "-timeout 0", "-client-configuration"} {
		if _, err := parseMainOptions(strings.Fields(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	o, err = parseMainOptions(strings.Fields("-client-configuration f.properties -waitforconnection"))
	if err != nil || len(o.warnings) != 1 {
		t.Fatalf("client-configuration: %+v %v", o, err)
	}
}

func TestJavaDecodeInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"3", 3, true}, {"-3", -3, true}, {"+3", 3, true}, {"0x1f", 31, true}, {"#10", 16, true},
		{"010", 8, true}, {"0", 0, true}, {"x", 0, false}, {"", 0, false}, {"--1", 0, false},
		{"0x-1", 0, false}, {"09", 0, false}, {"2147483648", 0, false}, {"1_0", 0, false},
	} {
		got, err := javaDecodeInt(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("javaDecodeInt(%q) = %d, %v", tc.in, got, err)
		}
	}
}
