package admin

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestAgainstZooKeeper sends the same raw requests to a running ZooKeeper
// 3.8 AdminServer and to this package's handler (with the fake commands,
// which answer ruok and the listing as ZooKeeper does) and compares status,
// Content-Type and, for 200s, the body. It runs only when
// PADDOCK_ZK_ADMIN_ADDR names the AdminServer, e.g. 127.0.0.1:8080.
func TestAgainstZooKeeper(t *testing.T) {
	zkAddr := os.Getenv("PADDOCK_ZK_ADMIN_ADDR")
	if zkAddr == "" {
		t.Skip("PADDOCK_ZK_ADMIN_ADDR not set")
	}
	s, err := New(Config{Addr: "127.0.0.1:0", Logger: quietLogger()}, &fakeCommands{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Start()
	for _, req := range []string{
		"GET /commands", "GET /commands/", "GET /commands/ruok", "GET /commands/ruok/",
		"GET /commands/ruok/x", "GET /commands/ru%20ok", "GET /commands/nosuch?x=1",
		"GET /", "GET /foo", "GET /commandsX", "GET /COMMANDS/ruok", "GET /commands//ruok",
		"GET /commands/%2Fruok", "GET /commands/ruok%2F", "GET /commands/./ruok",
		"GET /commands/x/../ruok", "GET /commands/%2E%2E/commands/ruok", "GET /x/../commands/ruok",
		"GET /commands/..", "GET /commands/ruok/.", "GET /commands/ruok/..", "GET /commands/a/../../x",
		"GET /commands;x=1/ruok", "GET /commands/;x/ruok", "GET /commands/ruok;", "GET /commands/%3Bruok",
		"GET /commands/.;/ruok", "GET /commands/a%2F..%2Fruok", "GET /commands/%C3%A9%FF",
		"GET /commands/%01%0A%22%5C%2F%7F%09%0D%08%0C%1F", "GET /commands/ruok%00",
		"GET /../commands/ruok", "GET /commands/ruok?a=%zz", "GET /commands/RUOK",
		"HEAD /commands/ruok", "HEAD /commands", "HEAD /nope",
		"POST /commands/ruok", "POST /nope", "PUT /commands/ruok", "DELETE /commands",
		"TRACE /commands/ruok", "OPTIONS /commands/ruok", "OPTIONS /nope", "PATCH /commands/ruok",
		"FOO /commands",
	} {
		want := rawExchange(t, zkAddr, req)
		got := rawExchange(t, s.Addr().String(), req)
		if got.status != want.status || got.contentType != want.contentType {
			t.Errorf("%s: got %d %q, ZooKeeper %d %q", req, got.status, got.contentType, want.status, want.contentType)
			continue
		}
		if want.status == 200 && !bytes.Equal(got.body, want.body) {
			t.Errorf("%s: body\n%s\nZooKeeper's\n%s", req, got.body, want.body)
		}
		if got.allow != want.allow {
			t.Errorf("%s: Allow %q, ZooKeeper %q", req, got.allow, want.allow)
		}
	}
}

type exchange struct {
	status             int
	contentType, allow string
	body               []byte
}

func rawExchange(t *testing.T, addr, req string) exchange {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	method, _, _ := strings.Cut(req, " ")
	if _, err := io.WriteString(conn, req+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s on %s: %v", req, addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return exchange{resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Allow"), body}
}
