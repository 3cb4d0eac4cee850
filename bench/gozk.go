package bench

import (
	"errors"
	"fmt"
	"sync"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/zk"
)

// gozkConn is a session of github.com/go-zookeeper/zk. Its calls are
// synchronous, so asynchronous requests are served by worker goroutines,
// as many as requests a run keeps outstanding on the session; the library
// pipelines concurrent calls onto its one connection.
type gozkConn struct {
	c *gozk.Conn

	work    chan *slot
	mu      sync.Mutex
	workers int
	closed  bool
}

// quiet drops go-zookeeper's log lines.
type quiet struct{}

func (quiet) Printf(string, ...any) {}

// gozkQueue is the capacity of a session's work queue; no run keeps more
// requests outstanding on one session.
const gozkQueue = 1 << 14

func dialGozk(o *Options) (*gozkConn, error) {
	c, events, err := gozk.Connect(o.Servers, o.SessionTimeout,
		gozk.WithLogger(quiet{}), gozk.WithLogInfo(false), gozk.WithMaxBufferSize(bigBuffer))
	if err != nil {
		return nil, err
	}
	deadline := time.After(o.SessionTimeout)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return nil, errors.New("bench: go-zookeeper closed before the session was established")
			}
			if ev.Type == gozk.EventSession && ev.State == gozk.StateHasSession {
				// The library never blocks on a full event channel, so
				// nobody needs to read it from here on.
				return &gozkConn{c: c, work: make(chan *slot, gozkQueue)}, nil
			}
			if ev.State == gozk.StateExpired || ev.State == gozk.StateAuthFailed {
				c.Close()
				return nil, fmt.Errorf("bench: go-zookeeper: session state %v", ev.State)
			}
		case <-deadline:
			c.Close()
			return nil, fmt.Errorf("bench: go-zookeeper: no session with %v within %v", o.Servers, o.SessionTimeout)
		}
	}
}

// ensureWorkers makes sure n requests can be outstanding at once.
func (g *gozkConn) ensureWorkers(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for ; g.workers < n && !g.closed; g.workers++ {
		go func() {
			for s := range g.work {
				s.finish(g.do(s))
			}
		}()
	}
}

func (g *gozkConn) start(s *slot) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		s.finish(gozk.ErrClosing)
		return
	}
	g.work <- s // never blocks: the queue holds more than a run's slots
	g.mu.Unlock()
}

// do runs s's request synchronously.
func (g *gozkConn) do(s *slot) error {
	var err error
	switch s.op {
	case opGetData:
		_, _, err = g.c.Get(s.path)
	case opSetData:
		_, err = g.c.Set(s.path, s.data, -1)
	case opExists:
		_, _, err = g.c.Exists(s.path)
	case opCreate:
		_, err = g.c.Create(s.path, s.data, s.mode, gozk.WorldACL(gozk.PermAll))
	case opDelete:
		err = g.c.Delete(s.path, -1)
	case opChildren:
		_, _, err = g.c.Children(s.path)
	default:
		err = errors.New("bench: unknown op")
	}
	return err
}

func (g *gozkConn) create(path string, data []byte, mode int32) (string, error) {
	return g.c.Create(path, data, mode, gozk.WorldACL(gozk.PermAll))
}

func (g *gozkConn) set(path string, data []byte) error {
	_, err := g.c.Set(path, data, -1)
	return err
}

func (g *gozkConn) get(path string) ([]byte, error) {
	b, _, err := g.c.Get(path)
	return b, err
}

func (g *gozkConn) del(path string) error { return g.c.Delete(path, -1) }

func (g *gozkConn) children(path string) ([]string, error) {
	kids, _, err := g.c.Children(path)
	return kids, err
}

// watchFired reports whether a go-zookeeper watch event is a real trigger
// rather than the library giving up on the watch.
func watchFired(ev gozk.Event) bool {
	return ev.Err == nil && ev.Type != gozk.EventNotWatching
}

func (g *gozkConn) existsW(path string, fire func()) (bool, error) {
	ok, _, ch, err := g.c.ExistsW(path)
	if err != nil {
		return false, err
	}
	go func() {
		if ev, open := <-ch; open && watchFired(ev) {
			fire()
		}
	}()
	return ok, nil
}

func (g *gozkConn) getW(path string, fire func(), armed func(error)) {
	go func() {
		_, _, ch, err := g.c.GetW(path)
		armed(err)
		if err != nil {
			return
		}
		if ev, open := <-ch; open && watchFired(ev) {
			fire()
		}
	}()
}

// gozkCodes maps go-zookeeper's errors onto ZooKeeper's codes.
var gozkCodes = map[error]zk.Code{
	gozk.ErrNoNode:                  zk.CodeNoNode,
	gozk.ErrNodeExists:              zk.CodeNodeExists,
	gozk.ErrNotEmpty:                zk.CodeNotEmpty,
	gozk.ErrBadVersion:              zk.CodeBadVersion,
	gozk.ErrNoAuth:                  zk.CodeNoAuth,
	gozk.ErrNoChildrenForEphemerals: zk.CodeNoChildrenForEphemerals,
	gozk.ErrSessionExpired:          zk.CodeSessionExpired,
	gozk.ErrInvalidACL:              zk.CodeInvalidACL,
	gozk.ErrAuthFailed:              zk.CodeAuthFailed,
	gozk.ErrConnectionClosed:        zk.CodeConnectionLoss,
	gozk.ErrSessionMoved:            zk.CodeSessionMoved,
	gozk.ErrBadArguments:            zk.CodeBadArguments,
	gozk.ErrAPIError:                zk.CodeAPIError,
}

func (g *gozkConn) code(err error) zk.Code {
	if c, ok := gozkCodes[err]; ok {
		return c
	}
	return zk.CodeSystemError
}

func (g *gozkConn) terminal(err error) bool {
	return err == gozk.ErrClosing || err == gozk.ErrSessionExpired || err == gozk.ErrAuthFailed ||
		err == gozk.ErrNoServer
}

func (g *gozkConn) close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.work)
	}
	g.mu.Unlock()
	g.c.Close()
}
