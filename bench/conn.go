package bench

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/zk"
)

// conn is one session of one of the two client libraries.
type conn interface {
	// start issues s's prepared request (s.op, s.path) asynchronously;
	// s.finish is called exactly once with its outcome, on some other
	// goroutine or, for a dead session, before start returns.
	start(s *slot)
	// Synchronous calls, for setup and the recipes.
	create(path string, data []byte, mode int32) (string, error)
	set(path string, data []byte) error
	get(path string) ([]byte, error)
	del(path string) error
	children(path string) ([]string, error)
	// existsW asks whether path exists and leaves a watch on it; fire is
	// called once, on another goroutine, when the watch triggers.
	existsW(path string, fire func()) (bool, error)
	// getW leaves a data watch on path asynchronously: armed gets the
	// reply's outcome, fire is called once when the watch triggers. Both
	// run on other goroutines and must not block.
	getW(path string, fire func(), armed func(error))
	// code maps an error of the library onto ZooKeeper's error code
	// (zk.CodeSystemError for errors that are not the server's).
	code(err error) zk.Code
	// terminal reports whether err means the session is dead.
	terminal(err error) bool
	close()
}

// syncTimeout bounds every synchronous call.
const syncTimeout = 60 * time.Second

// bigBuffer is the largest reply either client accepts: the children of a
// parent with 100,000 children exceed jute.maxbuffer's 1 MiB.
const bigBuffer = 64 << 20

// openACL is world:anyone with every permission.
var openACL = zk.OpenACLUnsafe()

// dial opens one session with the client library o.Client names.
func dial(o *Options) (conn, error) {
	if o.Client == ClientGozk {
		return dialGozk(o)
	}
	return dialNative(o)
}

// nativeConn is a session of Paddock's own client.
type nativeConn struct {
	c *zkclient.Client

	mu      sync.Mutex
	watches map[string]func() // path -> the one pending fire
}

func dialNative(o *Options) (*nativeConn, error) {
	n := &nativeConn{watches: map[string]func(){}}
	c, err := zkclient.Dial(zkclient.Config{
		Servers:        o.Servers,
		FirstServer:    true,
		SessionTimeout: o.SessionTimeout,
		ConnectTimeout: o.SessionTimeout,
		Events:         n.event,
		MaxBuffer:      bigBuffer,
	})
	if err != nil {
		return nil, err
	}
	n.c = c
	return n, nil
}

// event runs on the client's event goroutine: it fires the watch waiting
// on the event's path.
func (n *nativeConn) event(ev zkclient.Event) {
	if ev.Type == zk.EventNone {
		return
	}
	n.mu.Lock()
	f := n.watches[ev.Path]
	delete(n.watches, ev.Path)
	n.mu.Unlock()
	if f != nil {
		f()
	}
}

func (n *nativeConn) start(s *slot) {
	switch s.op {
	case opGetData:
		s.getReq.Path = s.path
		n.c.Go(zk.OpGetData, &s.getReq, &s.getResp, s.cb)
	case opSetData:
		s.setReq.Path, s.setReq.Data, s.setReq.Version = s.path, s.data, -1
		n.c.Go(zk.OpSetData, &s.setReq, &s.setResp, s.cb)
	case opExists:
		s.existsReq.Path = s.path
		n.c.Go(zk.OpExists, &s.existsReq, &s.existsResp, s.cb)
	case opCreate:
		s.createReq.Path, s.createReq.Data, s.createReq.ACL, s.createReq.Flags = s.path, s.data, openACL, s.mode
		n.c.Go(zk.OpCreate, &s.createReq, nil, s.cb)
	case opDelete:
		s.deleteReq.Path, s.deleteReq.Version = s.path, -1
		n.c.Go(zk.OpDelete, &s.deleteReq, nil, s.cb)
	case opChildren:
		s.childrenReq.Path = s.path
		n.c.Go(zk.OpGetChildren2, &s.childrenReq, &s.childrenResp, s.cb)
	default:
		s.finish(errors.New("bench: unknown op"))
	}
}

func ctxSync() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), syncTimeout)
}

func (n *nativeConn) create(path string, data []byte, mode int32) (string, error) {
	ctx, cancel := ctxSync()
	defer cancel()
	p, _, err := n.c.Create(ctx, path, data, openACL, mode, 0)
	return p, err
}

func (n *nativeConn) set(path string, data []byte) error {
	ctx, cancel := ctxSync()
	defer cancel()
	_, err := n.c.Set(ctx, path, data, -1)
	return err
}

func (n *nativeConn) get(path string) ([]byte, error) {
	ctx, cancel := ctxSync()
	defer cancel()
	b, _, err := n.c.Get(ctx, path, false)
	return b, err
}

func (n *nativeConn) del(path string) error {
	ctx, cancel := ctxSync()
	defer cancel()
	return n.c.Delete(ctx, path, -1)
}

func (n *nativeConn) children(path string) ([]string, error) {
	ctx, cancel := ctxSync()
	defer cancel()
	kids, _, err := n.c.Children(ctx, path, false)
	return kids, err
}

func (n *nativeConn) existsW(path string, fire func()) (bool, error) {
	n.mu.Lock()
	n.watches[path] = fire
	n.mu.Unlock()
	ctx, cancel := ctxSync()
	defer cancel()
	_, ok, err := n.c.Exists(ctx, path, true)
	if err != nil || !ok {
		// No data watch to wait for (an exist watch on a node that
		// never comes back is left with the server; nobody waits on it).
		n.mu.Lock()
		delete(n.watches, path)
		n.mu.Unlock()
	}
	return ok, err
}

func (n *nativeConn) getW(path string, fire func(), armed func(error)) {
	n.mu.Lock()
	n.watches[path] = fire
	n.mu.Unlock()
	n.c.Go(zk.OpGetData, &zk.GetDataRequest{Path: path, Watch: true}, nil, func(_ int64, err error) {
		if err != nil {
			n.mu.Lock()
			delete(n.watches, path)
			n.mu.Unlock()
		}
		armed(err)
	})
}

func (n *nativeConn) code(err error) zk.Code {
	var c zk.Code
	if errors.As(err, &c) {
		return c
	}
	return zk.CodeSystemError
}

func (n *nativeConn) terminal(err error) bool {
	return errors.Is(err, zkclient.ErrClosed) || errors.Is(err, zkclient.ErrSessionExpired) ||
		errors.Is(err, zkclient.ErrAuthFailed)
}

func (n *nativeConn) close() { n.c.Close() }
