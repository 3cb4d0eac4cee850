package admin

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// zkNames are ZooKeeper 3.8's primary command names, out of order.
var zkNames = []string{
	"zabstate", "watches_by_path", "watches", "watch_summary", "voting_view",
	"system_properties", "stats", "stat_reset", "set_trace_mask",
	"server_stats", "ruok", "observers", "observer_connection_stat_reset",
	"monitor", "leader", "last_snapshot", "is_read_only",
	"initial_configuration", "hash", "get_trace_mask", "environment", "dump",
	"dirs", "connections", "connection_stat_reset", "configuration",
}

// fakeCommands knows ruok, monitor (alias mntr), leader, panic and echo,
// which answers with its parameters.
type fakeCommands struct {
	mu     sync.Mutex
	calls  []string
	params url.Values
}

func (f *fakeCommands) Names() []string { return slices.Clone(zkNames) }

func (f *fakeCommands) Run(name string, params url.Values) (Response, bool) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.params = params
	f.mu.Unlock()
	switch name {
	case "ruok":
		return OK("ruok"), true
	case "monitor", "mntr":
		return OK("monitor", Field{"znode_count", 5}, Field{"avg_latency", 0.5}), true
	case "leader", "lead":
		return OK("leader", Field{"error", "server is not initialized"}), true
	case "stat_reset":
		return NotServing(name), true
	case "panic":
		panic("boom")
	case "echo":
		var data Fields
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			data = append(data, Field{k, params[k]})
		}
		return OK("echo", data...), true
	}
	return Response{}, false
}

func (f *fakeCommands) ran() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func serve(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestIndex(t *testing.T) {
	h := &handler{prefix: "/commands", cmds: &fakeCommands{}, lg: quietLogger()}
	want := readGolden(t, "index.html")
	for _, target := range []string{"/commands", "/commands/", "/commands/ruok/..", "/commands/./", "/commands?x=%zz"} {
		rec := serve(t, h, "GET", target)
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), want) {
			t.Errorf("GET %s: %d\n%s\nwant 200 and ZooKeeper's index", target, rec.Code, rec.Body)
		}
		if ct, ok := rec.Header()["Content-Type"]; ok && ct != nil {
			t.Errorf("GET %s: Content-Type %q; ZooKeeper sends none", target, ct)
		}
	}
}

func TestCommandPaths(t *testing.T) {
	f := &fakeCommands{}
	h := &handler{prefix: "/commands", cmds: f, lg: quietLogger()}
	for _, tc := range []struct {
		target string
		golden string // expected body, from testdata
		ran    string // the name Run must have been given
	}{
		{"/commands/ruok", "ruok.json", "ruok"},
		{"/commands/ruok?x=1&y", "ruok.json", "ruok"},
		{"/commands/ru%6Fk", "ruok.json", "ruok"},
		{"/commands/./ruok", "ruok.json", "ruok"},
		{"/commands/x/../ruok", "ruok.json", "ruok"},
		{"/x/../commands/ruok", "ruok.json", "ruok"},
		{"/commands/%2E%2E/commands/ruok", "ruok.json", "ruok"},
		{"/commands/a%2F..%2Fruok", "ruok.json", "ruok"},
		{"/commands;x=1/ruok", "ruok.json", "ruok"},
		{"/commands/ruok;", "ruok.json", "ruok"},
		{"/commands/ruok;jsessionid=1", "ruok.json", "ruok"},
		{"/commands/leader", "leader.json", "leader"},
		{"/commands/nosuch", "nosuch.json", "nosuch"},
		{"/commands/ruok/", "unknown_trailing_slash.json", "ruok/"},
		{"/commands/%01%0A%22%5C%2F%7F%09%0D%08%0C%1F", "unknown_escapes.json", "\x01\n\"\\/\x7f\t\r\b\f\x1f"},
		{"/commands/%C3%A9%E2%82%AC%F0%9F%98%80%C2%80%E2%80%A8", "unknown_unicode.json", "é€😀\u0080\u2028"},
		{"/commands/%C3%A9%FF", "unknown_latin1.json", "Ã©ÿ"},
	} {
		n := len(f.ran())
		rec := serve(t, h, "GET", tc.target)
		if rec.Code != 200 {
			t.Errorf("GET %s: status %d, want 200", tc.target, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("GET %s: Content-Type %q, want application/json", tc.target, ct)
		}
		if want := readGolden(t, tc.golden); !bytes.Equal(rec.Body.Bytes(), want) {
			t.Errorf("GET %s:\n%s\nwant (%s):\n%s", tc.target, rec.Body, tc.golden, want)
		}
		if calls := f.ran(); len(calls) != n+1 || calls[n] != tc.ran {
			t.Errorf("GET %s: Run called with %q, want %q", tc.target, calls[n:], tc.ran)
		}
	}
}

func TestCommandAnswers(t *testing.T) {
	h := &handler{prefix: "/commands", cmds: &fakeCommands{}, lg: quietLogger()}
	for _, tc := range []struct {
		target, want string
	}{
		// An alias reports the primary name the command gives.
		{"/commands/mntr", "{\n  \"znode_count\" : 5,\n  \"avg_latency\" : 0.5,\n  \"command\" : \"monitor\",\n  \"error\" : null\n}"},
		{"/commands/stat_reset", "{\n  \"command\" : \"stat_reset\",\n  \"error\" : \"" + ErrNotServing + "\"\n}"},
		{"/commands//ruok", "{\n  \"command\" : \"/ruok\",\n  \"error\" : \"Unknown command: /ruok\"\n}"},
		{"/commands/%3Bruok", "{\n  \"command\" : \";ruok\",\n  \"error\" : \"Unknown command: ;ruok\"\n}"},
		{"/commands/;x/ruok", "{\n  \"command\" : \"/ruok\",\n  \"error\" : \"Unknown command: /ruok\"\n}"},
		{"/commands/RUOK", "{\n  \"command\" : \"RUOK\",\n  \"error\" : \"Unknown command: RUOK\"\n}"},
	} {
		rec := serve(t, h, "GET", tc.target)
		if rec.Code != 200 || rec.Body.String() != tc.want {
			t.Errorf("GET %s: %d\n%s\nwant 200\n%s", tc.target, rec.Code, rec.Body, tc.want)
		}
		if cl := rec.Header().Get("Content-Length"); cl != "" && cl != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("GET %s: Content-Length %s for %d bytes", tc.target, cl, rec.Body.Len())
		}
	}
}

func TestParams(t *testing.T) {
	f := &fakeCommands{}
	h := &handler{prefix: "/commands", cmds: f, lg: quietLogger()}
	rec := serve(t, h, "GET", "/commands/echo?a=1&a=2&b=x+y%21&c&&d=1;e=2&=v&f=")
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	want := url.Values{"a": {"1", "2"}, "b": {"x y!"}, "c": {""}, "d": {"1;e=2"}, "": {"v"}, "f": {""}}
	if !reflect.DeepEqual(f.params, want) {
		t.Errorf("params %v, want %v", f.params, want)
	}
	if !strings.Contains(rec.Body.String(), "\"a\" : [ \"1\", \"2\" ]") {
		t.Errorf("body %s", rec.Body)
	}
}

func TestErrors(t *testing.T) {
	f := &fakeCommands{}
	h := &handler{prefix: "/commands", cmds: f, lg: quietLogger()}
	for _, tc := range []struct {
		method, target string
		status         int
		contentType    string
		body           string // substring; "" means an empty body
		header         string // a header that must be present, "Name: value"
	}{
		{"GET", "/", 404, "text/html;charset=iso-8859-1", "<title>Error 404 Not Found</title>", "Cache-Control: must-revalidate,no-cache,no-store"},
		{"GET", "/foo", 404, "text/html;charset=iso-8859-1", "<tr><th>URI:</th><td>/foo</td></tr>", ""},
		{"GET", "/nope%3Cb%3E&x", 404, "text/html;charset=iso-8859-1", "<td>/nope%3Cb%3E&amp;x</td>", ""},
		{"GET", "/commandsX", 404, "text/html;charset=iso-8859-1", "HTTP ERROR 404 Not Found", ""},
		{"GET", "/COMMANDS/ruok", 404, "text/html;charset=iso-8859-1", "Not Found", ""},
		{"GET", "/commands/..", 404, "text/html;charset=iso-8859-1", "<td>/commands/..</td>", ""},
		{"GET", "/commands/a/../../x", 404, "text/html;charset=iso-8859-1", "Not Found", ""},
		{"GET", "/../commands/ruok", 400, "text/html;charset=iso-8859-1", "<h1>Bad Message 400</h1><pre>reason: Bad Request</pre>", "Connection: close"},
		{"GET", "/commands/ruok%00", 400, "text/html;charset=iso-8859-1", "reason: Bad Request", "Connection: close"},
		{"GET", "/commands/.;/ruok", 400, "text/html;charset=iso-8859-1", "reason: Ambiguous path parameters", ""},
		{"GET", "/commands/..;/commands/ruok", 400, "text/html;charset=iso-8859-1", "reason: Ambiguous path parameters", ""},
		{"GET", "/commands/ruok?a=%zz", 400, "text/html;charset=iso-8859-1", "<title>Error 400 Unable to parse URI query</title>", "Connection: close"},
		{"POST", "/commands/ruok", 405, "text/html;charset=iso-8859-1", "<title>Error 405 HTTP method POST is not supported by this URL</title>", ""},
		{"POST", "/commands", 405, "text/html;charset=iso-8859-1", "HTTP method POST is not supported by this URL", ""},
		{"POST", "/nope", 405, "text/html;charset=iso-8859-1", "<td>/nope</td>", ""},
		{"PUT", "/commands/ruok", 405, "", "", "Content-Length: 0"},
		{"DELETE", "/commands", 405, "", "", ""},
		{"TRACE", "/commands/ruok", 403, "", "", ""},
		{"TRACE", "/nope", 403, "", "", ""},
		{"OPTIONS", "/commands/ruok", 200, "", "", "Allow: GET, HEAD, TRACE, OPTIONS"},
		{"OPTIONS", "/nope", 200, "", "", "Allow: GET, HEAD, TRACE, OPTIONS"},
		{"PATCH", "/commands/ruok", 501, "", "", ""},
		{"FOO", "/commands", 501, "", "", ""},
		{"GET", "/commands/panic", 500, "text/html;charset=iso-8859-1", "HTTP ERROR 500 Server Error", ""},
	} {
		before := len(f.ran())
		rec := serve(t, h, tc.method, tc.target)
		what := tc.method + " " + tc.target
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", what, rec.Code, tc.status)
		}
		if ct := rec.Header().Get("Content-Type"); ct != tc.contentType {
			t.Errorf("%s: Content-Type %q, want %q", what, ct, tc.contentType)
		}
		switch {
		case tc.body == "" && rec.Body.Len() != 0:
			t.Errorf("%s: body %q, want none", what, rec.Body)
		case !strings.Contains(rec.Body.String(), tc.body):
			t.Errorf("%s: body\n%s\nlacks %q", what, rec.Body, tc.body)
		}
		if tc.header != "" {
			name, value, _ := strings.Cut(tc.header, ": ")
			if got := rec.Header().Get(name); got != value {
				t.Errorf("%s: %s %q, want %q", what, name, got, value)
			}
		}
		if cl := rec.Header().Get("Content-Length"); cl != "" && cl != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("%s: Content-Length %s for %d bytes", what, cl, rec.Body.Len())
		}
		if ran := f.ran()[before:]; tc.target != "/commands/panic" && len(ran) != 0 {
			t.Errorf("%s: ran %q", what, ran)
		}
	}
}

func TestCommandURL(t *testing.T) {
	for _, tc := range []struct {
		prefix, index, ruok, notFound string
	}{
		{"/admin/cmds", "/admin/cmds", "/admin/cmds/ruok", "/commands/ruok"},
		{"", "/", "/ruok", ""},
	} {
		h := &handler{prefix: tc.prefix, cmds: &fakeCommands{}, lg: quietLogger()}
		rec := serve(t, h, "GET", tc.index)
		if !strings.HasPrefix(rec.Body.String(), `<a href="`+tc.prefix+`/configuration">configuration</a>`+"\n<br/>\n") {
			t.Errorf("prefix %q: index\n%s", tc.prefix, rec.Body)
		}
		if rec := serve(t, h, "GET", tc.ruok); !bytes.Equal(rec.Body.Bytes(), readGolden(t, "ruok.json")) {
			t.Errorf("prefix %q: GET %s: %d %s", tc.prefix, tc.ruok, rec.Code, rec.Body)
		}
		if tc.notFound != "" {
			if rec := serve(t, h, "GET", tc.notFound); rec.Code != 404 {
				t.Errorf("prefix %q: GET %s: %d, want 404", tc.prefix, tc.notFound, rec.Code)
			}
		}
	}
}

func TestCanonicalPath(t *testing.T) {
	for _, tc := range []struct {
		raw, path, bad string
	}{
		{"/commands/ruok", "/commands/ruok", ""},
		{"/commands/", "/commands/", ""},
		{"/commands//ruok", "/commands//ruok", ""},
		{"/commands/ruok/.", "/commands/ruok/", ""},
		{"/commands/ruok/..", "/commands/", ""},
		{"/a/./b/../c", "/a/c", ""},
		{"/..", "", "Bad Request"},
		{"/a/../..", "", "Bad Request"},
		{"/.", "/", ""},
		{"/a/..", "/", ""},
		{"/a;b/c;d=e", "/a/c", ""},
		{"/a/%3B", "/a/;", ""},
		{"/a/..;x", "", "Ambiguous path parameters"},
		{"/a%00", "", "Bad Request"},
		{"/a%zz", "", "Bad Request"},
		{"/%FF", "/ÿ", ""},
		{"/%C3%A9", "/é", ""},
		{"/a+b", "/a+b", ""},
		{"/.hidden/..x", "/.hidden/..x", ""},
	} {
		path, bad := canonicalPath(tc.raw)
		if path != tc.path || bad != tc.bad {
			t.Errorf("canonicalPath(%q) = %q, %q; want %q, %q", tc.raw, path, bad, tc.path, tc.bad)
		}
	}
}

// FuzzCanonicalPath checks that a canonical path is absolute, valid UTF-8,
// free of NUL and of dot segments, and that canonicalising it again
// changes nothing.
func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"/commands/ruok", "/a/../b", "/%2E%2E/x", "/a;b/c", "/%FF", "/..;/", "//./"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		path, bad := canonicalPath(raw)
		if bad != "" {
			if path != "" {
				t.Fatalf("canonicalPath(%q) = %q with reason %q", raw, path, bad)
			}
			return
		}
		if !strings.HasPrefix(path, "/") || strings.IndexByte(path, 0) >= 0 || !utf8Valid(path) {
			t.Fatalf("canonicalPath(%q) = %q", raw, path)
		}
		for _, seg := range strings.Split(path, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("canonicalPath(%q) = %q keeps a dot segment", raw, path)
			}
		}
		again, bad := canonicalPath(escapePath(path))
		if bad != "" || again != path {
			t.Fatalf("canonicalPath(%q) = %q, then %q, %q", raw, path, again, bad)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// escapePath percent-encodes every byte that could be read as syntax.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + string("0123456789ABCDEF"[c>>4]) + string("0123456789ABCDEF"[c&15]))
		}
	}
	return b.String()
}

// FuzzParseQuery checks the query splitter against net/url's where the two
// agree on syntax (no ';', which Jetty treats as data).
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "a&&b=", "x=%zz", "a=1;b=2", "+=+%20", "=&="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := parseQuery(raw)
		if strings.Contains(raw, ";") {
			return
		}
		want, werr := url.ParseQuery(raw)
		if (err == nil) != (werr == nil) {
			t.Fatalf("parseQuery(%q) error %v, url.ParseQuery %v", raw, err, werr)
		}
		if err == nil && !(len(got) == 0 && len(want) == 0) && !reflect.DeepEqual(got, want) {
			t.Fatalf("parseQuery(%q) = %v, url.ParseQuery %v", raw, got, want)
		}
	})
}

func TestServerLifecycle(t *testing.T) {
	f := &fakeCommands{}
	s, err := New(Config{Addr: "127.0.0.1:0", Logger: quietLogger()}, f)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	s.Start() // idempotent
	base := "http://" + s.Addr().String()

	resp, err := http.Get(base + "/commands/ruok")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, readGolden(t, "ruok.json")) ||
		resp.Header.Get("Content-Type") != "application/json" || resp.ContentLength != int64(len(body)) {
		t.Errorf("GET ruok: %d %v %q", resp.StatusCode, resp.Header, body)
	}

	// A large answer still has a Content-Length, as Jetty's has.
	resp, err = http.Get(base + "/commands/mntr")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.ContentLength <= 0 {
		t.Errorf("GET mntr: Content-Length %d", resp.ContentLength)
	}

	// HEAD runs the command (as HttpServlet.doHead does) and sends no body.
	before := len(f.ran())
	resp, err = http.Head(base + "/commands/ruok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(readGolden(t, "ruok.json"))) || len(f.ran()) != before+1 {
		t.Errorf("HEAD ruok: %d, Content-Length %d, ran %q", resp.StatusCode, resp.ContentLength, f.ran()[before:])
	}

	// The listing has no Content-Type over the wire either.
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("GET /commands HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	raw, _ := io.ReadAll(conn)
	conn.Close()
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 200 OK") || strings.Contains(strings.ToLower(head), "content-type") ||
		!strings.Contains(head, "Content-Length: 1424") {
		t.Errorf("GET /commands header:\n%s", head)
	}

	// The port is taken: New reports it.
	if _, err := New(Config{Addr: s.Addr().String(), Logger: quietLogger()}, f); err == nil {
		t.Error("New on a busy address succeeded")
	}

	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	if _, err := client.Get(base + "/commands/ruok"); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Config{Addr: "127.0.0.1:0", CommandURL: "commands"}, &fakeCommands{}); err == nil {
		t.Error("accepted a command URL without a leading /")
	}
	if _, err := New(Config{Addr: "127.0.0.1:0"}, nil); err == nil {
		t.Error("accepted nil Commands")
	}
	// Close without Start releases the port, and Start after Close does
	// not take it again.
	s, err := New(Config{Addr: "127.0.0.1:0", Logger: quietLogger()}, &fakeCommands{})
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	if err := s.Close(); err != nil {
		t.Errorf("Close before Start: %v", err)
	}
	s.Start()
	time.Sleep(10 * time.Millisecond)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("port not released: %v", err)
	}
	ln.Close()
}

func TestDefaults(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0"}, &fakeCommands{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.url != DefaultCommandURL || s.srv.IdleTimeout != DefaultIdleTimeout || s.lg == nil {
		t.Errorf("defaults: url %q idle %v", s.url, s.srv.IdleTimeout)
	}
	if h := s.srv.Handler.(*handler); h.prefix != "/commands" {
		t.Errorf("prefix %q", h.prefix)
	}
}
