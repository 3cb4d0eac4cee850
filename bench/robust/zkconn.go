package robust

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	gozk "github.com/go-zookeeper/zk"
)

// hostList is a gozk.HostProvider that tries the servers in the order
// given (go-zk's default shuffles them), pausing backoff after each round
// in which none accepted the session. Safe for concurrent use.
type hostList struct {
	servers []string
	backoff time.Duration

	mu      sync.Mutex
	next    int
	tried   int // servers tried since the last Connected
	stopped bool
}

// Init ignores go-zk's (shuffled) copy of the list.
func (h *hostList) Init([]string) error {
	if len(h.servers) == 0 {
		return errors.New("robust: empty server list")
	}
	return nil
}

func (h *hostList) Len() int { return len(h.servers) }

// Next returns the next server. retryStart is true only after stop: go-zk
// then checks whether the connection is closing (it sleeps a second and
// fails unsent requests on retryStart, so otherwise we pace it ourselves).
func (h *hostList) Next() (string, bool) {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return h.servers[0], true
	}
	if h.tried >= len(h.servers) {
		h.tried = 0
		h.mu.Unlock()
		time.Sleep(h.backoff)
		h.mu.Lock()
	}
	s := h.servers[h.next]
	h.next = (h.next + 1) % len(h.servers)
	h.tried++
	h.mu.Unlock()
	return s, false
}

func (h *hostList) Connected() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tried = 0
	// Reconnect to the same server first: go-zk calls Next before dialling,
	// so step back to the one just used.
	h.next = (h.next + len(h.servers) - 1) % len(h.servers)
}

func (h *hostList) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
}

// zkLogger sends go-zk's log lines to slog at debug level.
type zkLogger struct {
	lg *slog.Logger
}

func (l zkLogger) Printf(format string, args ...any) {
	l.lg.Debug(fmt.Sprintf(format, args...))
}

// client is a go-zk connection with an ordered server list.
type client struct {
	*gozk.Conn
	hosts *hostList
	once  sync.Once
}

// dial starts a session on servers, tried in order. It returns at once;
// the first request waits for the connection.
func dial(servers []string, sessionTimeout, backoff time.Duration, lg *slog.Logger) (*client, error) {
	if backoff <= 0 {
		backoff = 100 * time.Millisecond
	}
	h := &hostList{servers: append([]string(nil), servers...), backoff: backoff}
	conn, _, err := gozk.Connect(servers, sessionTimeout,
		gozk.WithHostProvider(h),
		gozk.WithLogger(zkLogger{lg}),
		gozk.WithLogInfo(false))
	if err != nil {
		return nil, fmt.Errorf("robust: connect %v: %w", servers, err)
	}
	return &client{Conn: conn, hosts: h}, nil
}

// Close ends the session; pending requests fail with a connection error.
// It is idempotent.
func (c *client) Close() {
	c.once.Do(func() {
		c.hosts.stop()
		c.Conn.Close()
	})
}

// rotate returns servers starting at index first.
func rotate(servers []string, first int) []string {
	out := make([]string, 0, len(servers))
	for i := range servers {
		out = append(out, servers[(first+i)%len(servers)])
	}
	return out
}

// statusOf maps a go-zk error to a Status: the ZooKeeper errors the model
// knows are definite; anything else (connection loss, session expiry,
// closing) leaves the outcome unknown.
func statusOf(err error) Status {
	switch {
	case err == nil:
		return StatusOK
	case errors.Is(err, gozk.ErrNodeExists):
		return StatusNodeExists
	case errors.Is(err, gozk.ErrNoNode):
		return StatusNoNode
	case errors.Is(err, gozk.ErrBadVersion):
		return StatusBadVersion
	}
	return StatusUnknown
}
