package admin

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults, as ZooKeeper's JettyAdminServer has them, except the address:
// ZooKeeper listens on 0.0.0.0 and Paddock on 127.0.0.1.
const (
	DefaultAddr        = "127.0.0.1:8080"
	DefaultCommandURL  = "/commands"
	DefaultIdleTimeout = 30 * time.Second
)

// Config configures a Server. Zero fields take the defaults.
type Config struct {
	// Addr is host:port, from admin.serverAddress and admin.serverPort.
	// Default DefaultAddr; port 0 picks a free port (see Server.Addr).
	Addr string
	// CommandURL is the path commands live under (admin.commandURL).
	// It must start with "/"; a trailing "/" is ignored, and "/" alone
	// puts the commands at the root. Default DefaultCommandURL.
	CommandURL string
	// IdleTimeout is how long a connection may sit idle, and how long a
	// client may take to send a request's header (admin.idleTimeout).
	// Default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Logger receives the server's log lines. Default slog.Default().
	Logger *slog.Logger
}

// Server is a running AdminServer: a listener and the HTTP server on it.
type Server struct {
	ln    net.Listener
	srv   *http.Server
	lg    *slog.Logger
	url   string
	start sync.Once
}

// New checks cfg and binds the listener, so that errors such as "address
// already in use" surface here; Start begins serving.
func New(cfg Config, cmds Commands) (*Server, error) {
	if cmds == nil {
		return nil, errors.New("admin: nil Commands")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.CommandURL == "" {
		cfg.CommandURL = DefaultCommandURL
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if !strings.HasPrefix(cfg.CommandURL, "/") {
		return nil, fmt.Errorf("admin: command URL %q does not start with /", cfg.CommandURL)
	}
	prefix := strings.TrimRight(cfg.CommandURL, "/")
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("problem starting AdminServer on address %s and command URL %s: %w", cfg.Addr, cfg.CommandURL, err)
	}
	s := &Server{ln: ln, lg: cfg.Logger, url: cfg.CommandURL}
	s.srv = &http.Server{
		Handler:           &handler{prefix: prefix, cmds: cmds, lg: cfg.Logger},
		ReadHeaderTimeout: cfg.IdleTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Start serves requests in a goroutine until Close. Calls after the first
// do nothing.
func (s *Server) Start() {
	s.start.Do(func() {
		go func() {
			if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.lg.Error("AdminServer stopped", "err", err)
			}
		}()
		s.lg.Info("Started AdminServer", "address", s.ln.Addr().String(), "command_url", s.url)
	})
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops listening and closes every connection at once, as
// ZooKeeper's shutdown of its Jetty server does. It may be called
// whether or not Start was.
func (s *Server) Close() error {
	err := s.srv.Close()
	if lerr := s.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	return err
}

// handler is ZooKeeper's CommandServlet together with the parts of
// Jetty's request handling that scripts can see.
type handler struct {
	prefix string // the command URL without a trailing "/"; "" is the root
	cmds   Commands
	lg     *slog.Logger
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.lg.Error("AdminServer command panicked", "uri", r.RequestURI, "panic", v)
			errorPage(w, r, http.StatusInternalServerError, "Server Error")
		}
	}()
	p, bad := canonicalPath(rawPath(r))
	if bad != "" {
		badMessage(w, bad)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost, http.MethodPut, http.MethodDelete:
		errorPage(w, r, http.StatusMethodNotAllowed, "HTTP method "+r.Method+" is not supported by this URL")
		return
	case http.MethodTrace:
		errorPage(w, r, http.StatusForbidden, "Forbidden")
		return
	case http.MethodOptions:
		w.Header().Set("Allow", "GET, HEAD, TRACE, OPTIONS")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	default:
		errorPage(w, r, http.StatusNotImplemented, "Method "+r.Method+" is not defined in RFC 2068 and is not supported by the Servlet API")
		return
	}
	var rest string
	switch {
	case p == h.prefix || p == h.prefix+"/":
		h.index(w)
		return
	case strings.HasPrefix(p, h.prefix+"/"):
		rest = p[len(h.prefix)+1:]
	default:
		errorPage(w, r, http.StatusNotFound, "Not Found")
		return
	}
	params, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		w.Header().Set("Connection", "close")
		errorPage(w, r, http.StatusBadRequest, "Unable to parse URI query")
		return
	}
	resp, known := h.cmds.Run(rest, params)
	if !known {
		resp = UnknownCommand(rest)
	}
	body := resp.Body()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// index writes the links to every command, as CommandServlet does with
// println: no Content-Type, "\n" line ends.
func (h *handler) index(w http.ResponseWriter) {
	names := slices.Clone(h.cmds.Names())
	slices.Sort(names)
	var b []byte
	for _, n := range names {
		b = append(b, `<a href="`...)
		b = append(b, h.prefix...)
		b = append(b, '/')
		b = append(b, n...)
		b = append(b, `">`...)
		b = append(b, n...)
		b = append(b, "</a>\n<br/>\n"...)
	}
	w.Header()["Content-Type"] = nil // no sniffing: Jetty sends none
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// rawPath returns the request's path as sent, still percent-encoded.
func rawPath(r *http.Request) string {
	if uri := r.RequestURI; strings.HasPrefix(uri, "/") {
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
		return uri
	}
	return r.URL.EscapedPath()
}

// canonicalPath turns a raw request path into the decoded path Jetty
// matches servlets against: path parameters dropped from each segment,
// percent-decoded (as ISO-8859-1 when the bytes are not UTF-8), then "."
// and ".." resolved. bad is the reason for a 400 Bad Message, or "".
func canonicalPath(raw string) (path, bad string) {
	if !strings.HasPrefix(raw, "/") {
		raw = "/" + raw
	}
	if strings.IndexByte(raw, ';') >= 0 {
		segs := strings.Split(raw, "/")
		for i, s := range segs {
			name, _, params := strings.Cut(s, ";")
			if params && (name == "." || name == "..") {
				return "", "Ambiguous path parameters"
			}
			segs[i] = name
		}
		raw = strings.Join(segs, "/")
	}
	dec, err := url.PathUnescape(raw)
	if err != nil || strings.IndexByte(dec, 0) >= 0 {
		return "", "Bad Request"
	}
	if !utf8.ValidString(dec) {
		dec = latin1(dec)
	}
	path, ok := removeDotSegments(dec)
	if !ok {
		return "", "Bad Request"
	}
	return path, ""
}

// latin1 reads the bytes of s as ISO-8859-1.
func latin1(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// removeDotSegments resolves "." and ".." in p, which starts with "/",
// keeping empty segments and a trailing "/" after a final "." or "..".
// It reports false when ".." would climb above the root.
func removeDotSegments(p string) (string, bool) {
	if !strings.Contains(p, "/.") {
		return p, true
	}
	in := strings.Split(p, "/")
	out := make([]string, 1, len(in))
	for i := 1; i < len(in); i++ {
		last := i == len(in)-1
		switch in[i] {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) == 1 {
				return "", false
			}
			out = out[:len(out)-1]
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, in[i])
		}
	}
	if len(out) == 1 {
		return "/", true
	}
	return strings.Join(out, "/"), true
}

// parseQuery splits a raw query as Jetty's UrlEncoded does: pairs
// separated by '&' only (a ';' is data), the first '=' splitting name
// from value, '+' decoding to a space. A bad %-escape is an error.
func parseQuery(raw string) (url.Values, error) {
	v := url.Values{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		n, err := url.QueryUnescape(name)
		if err != nil {
			return nil, err
		}
		val, err := url.QueryUnescape(value)
		if err != nil {
			return nil, err
		}
		v[n] = append(v[n], val)
	}
	return v, nil
}

// errorPage answers with status, as Jetty's ErrorHandler does: an HTML page
// for GET, HEAD and POST, an empty body otherwise.
func errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	h := w.Header()
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		h.Set("Content-Length", "0")
		w.WriteHeader(status)
		return
	}
	title := strconv.Itoa(status) + " " + message
	uri := r.RequestURI
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	var b strings.Builder
	b.WriteString("<html>\n<head>\n")
	b.WriteString(`<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>` + "\n")
	b.WriteString("<title>Error " + escapeXML(title) + "</title>\n")
	b.WriteString("</head>\n<body><h2>HTTP ERROR " + escapeXML(title) + "</h2>\n<table>\n")
	b.WriteString("<tr><th>URI:</th><td>" + escapeXML(uri) + "</td></tr>\n")
	b.WriteString("<tr><th>STATUS:</th><td>" + strconv.Itoa(status) + "</td></tr>\n")
	b.WriteString("<tr><th>MESSAGE:</th><td>" + escapeXML(message) + "</td></tr>\n")
	b.WriteString("</table>\n\n</body>\n</html>\n")
	h.Set("Cache-Control", "must-revalidate,no-cache,no-store")
	h.Set("Content-Type", "text/html;charset=iso-8859-1")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// badMessage is Jetty's answer to a request it cannot parse.
func badMessage(w http.ResponseWriter, reason string) {
	body := "<h1>Bad Message 400</h1><pre>reason: " + escapeXML(reason) + "</pre>"
	h := w.Header()
	h.Set("Content-Type", "text/html;charset=iso-8859-1")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte(body))
}

// escapeXML is Jetty's StringUtil.sanitizeXmlString: the five XML
// specials as entities, other control characters as '?'.
func escapeXML(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\'':
			b.WriteString("&apos;")
		case '"':
			b.WriteString("&quot;")
		default:
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
				b.WriteByte('?')
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}
