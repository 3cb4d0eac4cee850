package zkcli

import (
	"io"
	"strings"
	"testing"
)

// FuzzTokenize: the command-line tokenizer never panics, and a line
// without quotes splits exactly at Java's blanks (but for a line of blanks
// only, whose last blank is a token, as in Java).
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"ls /", `create /x "a b"`, "set /x 'y", " \"b c", "\x0b\f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got := tokenize(line)
		if strings.ContainsAny(line, `"'`) {
			return
		}
		want := strings.FieldsFunc(line, javaBlank)
		if len(want) == 0 && line != "" {
			want = []string{line[len(line)-1:]}
		}
		if len(got) != len(want) {
			t.Fatalf("tokenize(%q) = %q, want %q", line, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("tokenize(%q) = %q, want %q", line, got, want)
			}
		}
	})
}

// FuzzParseOpts: option parsing never panics, and what it accepts keeps
// every non-option token that does not start with '-' (and follows no
// option taking a value) in order.
func FuzzParseOpts(f *testing.F) {
	for _, s := range []string{"create -s -e /x d", "create -t100 /x", "set -v -1 /x d", "create -- -x", "ls -?", "setquota -n 1 -b 2 /q"} {
		f.Add(s)
	}
	specs := []optSpec{{name: "s"}, {name: "e"}, {name: "?"}, {name: "t", hasArg: true}, {name: "members", hasArg: true}}
	groups := []optGroup{{names: []string{"s", "e"}}}
	f.Fuzz(func(t *testing.T, line string) {
		tokens := tokenize(line)
		cl, err := parseOpts(specs, groups, tokens)
		if err != nil {
			return
		}
		if cl.has("s") && cl.has("e") {
			t.Fatalf("%q: both options of a group accepted", line)
		}
		if len(tokens) > 0 && !strings.HasPrefix(tokens[0], "-") && (len(cl.args) == 0 || cl.args[0] != tokens[0]) {
			t.Fatalf("%q: first token lost: %q", line, cl.args)
		}
	})
}

// FuzzStatsTrack: quota data never makes the parser panic, and what it
// accepts prints as a string that parses back to the same values.
func FuzzStatsTrack(f *testing.F) {
	for _, s := range []string{"count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=10", "count=2,bytes=0", "", "=5", "a==1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := parseStatsTrack(s)
		if err != nil {
			return
		}
		again, err := parseStatsTrack(st.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, st.String(), err)
		}
		for _, k := range []string{"count", "bytes"} {
			if again.get(k) != st.get(k) {
				t.Fatalf("%q: %s %d became %d through %q", s, k, st.get(k), again.get(k), st.String())
			}
		}
		for k, v := range st {
			if again[k] != v {
				t.Fatalf("%q: %s %d became %d through %q", s, k, v, again[k], st.String())
			}
		}
	})
}

// FuzzParseACL: ACL strings never make the parser panic, and it returns
// one ACL per entry with two colons.
func FuzzParseACL(f *testing.F) {
	for _, s := range []string{"world:anyone:cdrwa", "ip:1.2.3.4:r,digest:u:h:rw", "foo", ",,", "a:b:c:d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		acl := parseACL(s, io.Discard)
		n := 0
		for _, e := range javaSplit(s, ",") {
			if i, j := strings.IndexByte(e, ':'), strings.LastIndexByte(e, ':'); i >= 0 && i != j {
				n++
			}
		}
		if len(acl) != n {
			t.Fatalf("parseACL(%q) gave %d ACLs, want %d", s, len(acl), n)
		}
	})
}
