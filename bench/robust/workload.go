package robust

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/paddockdb/paddock/zk"
)

// WorkloadConfig configures a Workload.
type WorkloadConfig struct {
	// Servers are the client addresses of the ensemble.
	Servers []string
	// Clients is the number of concurrent clients, one session each
	// (default 8). Client i lists the servers starting with i mod N.
	Clients int
	// Keys is the number of znodes under Root (default 5).
	Keys int
	// Root is the parent of the keys (default /robust); SeqParent the
	// parent of the sequential znodes (default /robust-seq). Neither is
	// ever deleted.
	Root, SeqParent string
	// SessionTimeout is the session timeout asked for (default 6s; the
	// server may negotiate it down to 20 ticks).
	SessionTimeout time.Duration
	// OpDelay is the mean pause of a client between operations (default
	// 10ms; negative for none). It keeps the history small enough to
	// check and the CPU free for the servers.
	OpDelay time.Duration
	// Seed seeds the clients' random choices.
	Seed uint64
	// Logger receives progress and go-zk's log (at debug level); nil
	// discards.
	Logger *slog.Logger
}

// Workload runs concurrent clients doing random operations on a few
// znodes and records them in a History. Its methods are safe for
// concurrent use, but Run and FinalReads are meant to run one after the
// other.
type Workload struct {
	cfg   WorkloadConfig
	lg    *slog.Logger
	start time.Time
	keys  []string

	mu      sync.Mutex
	records []Record
}

// NewWorkload returns a Workload whose clock starts now.
func NewWorkload(cfg WorkloadConfig) *Workload {
	if cfg.Clients == 0 {
		cfg.Clients = 8
	}
	if cfg.Keys == 0 {
		cfg.Keys = 5
	}
	if cfg.Root == "" {
		cfg.Root = "/robust"
	}
	if cfg.SeqParent == "" {
		cfg.SeqParent = "/robust-seq"
	}
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = 6 * time.Second
	}
	if cfg.OpDelay == 0 {
		cfg.OpDelay = 10 * time.Millisecond
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	w := &Workload{cfg: cfg, lg: lg, start: time.Now()}
	for i := range cfg.Keys {
		w.keys = append(w.keys, fmt.Sprintf("%s/k%d", cfg.Root, i))
	}
	return w
}

// Keys returns the znodes the workload reads and writes.
func (w *Workload) Keys() []string { return slices.Clone(w.keys) }

func (w *Workload) now() int64 { return int64(time.Since(w.start)) }

func (w *Workload) record(r Record) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.records = append(w.records, r)
}

// History returns a copy of everything recorded so far.
func (w *Workload) History() *History {
	w.mu.Lock()
	defer w.mu.Unlock()
	return &History{Records: slices.Clone(w.records)}
}

// Setup creates Root and SeqParent and deletes the keys, so that every
// key starts absent, as the model assumes. It retries until timeout.
func (w *Workload) Setup(ctx context.Context, timeout time.Duration) error {
	c, err := dial(w.cfg.Servers, w.cfg.SessionTimeout, 0, w.lg)
	if err != nil {
		return err
	}
	defer c.Close()
	acl := gozk.WorldACL(gozk.PermAll)
	deadline := time.Now().Add(timeout)
	try := func(what string, f func() error) error {
		for {
			err := f()
			if err == nil {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("robust: setup: %s: %w", what, err)
			}
			if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
				return err
			}
		}
	}
	for _, p := range []string{w.cfg.Root, w.cfg.SeqParent} {
		err := try("create "+p, func() error {
			_, err := c.Create(p, nil, 0, acl)
			if errors.Is(err, gozk.ErrNodeExists) {
				return nil
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, k := range w.keys {
		err := try("delete "+k, func() error {
			err := c.Delete(k, -1)
			if errors.Is(err, gozk.ErrNoNode) {
				return nil
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Run runs the clients until ctx is done. Operations in flight then fail
// with an unknown outcome.
func (w *Workload) Run(ctx context.Context) error {
	if len(w.cfg.Servers) == 0 {
		return errors.New("robust: workload without servers")
	}
	var wg sync.WaitGroup
	errs := make([]error, w.cfg.Clients)
	for id := range w.cfg.Clients {
		wg.Go(func() { errs[id] = w.client(ctx, id) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// session is one client's view, for choosing operations and for the
// floor of its plain gets (see Record.Floor).
type session struct {
	id        int
	rng       *rand.Rand
	counter   int
	versions  map[string]int32 // last version seen per key
	floor     int64
	floorSess zk.SessionID
}

func (w *Workload) client(ctx context.Context, id int) error {
	servers := rotate(w.cfg.Servers, id%len(w.cfg.Servers))
	lg := w.lg.With("client", id)
	c, err := dial(servers, w.cfg.SessionTimeout, 0, lg)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, c.Close)
	defer stop()
	defer c.Close()
	s := &session{
		id:       id,
		rng:      rand.New(rand.NewPCG(w.cfg.Seed, uint64(id))),
		versions: make(map[string]int32),
	}
	for ctx.Err() == nil {
		in := w.pick(s)
		before := zk.SessionID(c.SessionID())
		call := w.now()
		out := w.do(c, in)
		ret := w.now()
		after := zk.SessionID(c.SessionID())
		if before != s.floorSess || after != s.floorSess {
			// A new session starts from last zxid 0: no floor.
			s.floor, s.floorSess = 0, after
		}
		r := Record{Client: id, Server: c.Server(), Session: after, Input: in, Output: out, Call: call, Return: ret}
		switch {
		case in.Kind == OpGet:
			r.Floor = s.floor
		case out.Status != StatusUnknown && before == after:
			s.floor = call
		}
		w.record(r)
		w.observe(s, in, out)
		if out.Status == StatusUnknown {
			// The connection is gone: a client retrying at once while it
			// reconnects only piles up operations of unknown outcome,
			// which cost porcupine dearly and check nothing.
			if sleepCtx(ctx, 100*time.Millisecond+time.Duration(s.rng.Int64N(int64(100*time.Millisecond)))) != nil {
				break
			}
		}
		if d := w.cfg.OpDelay; d > 0 {
			if sleepCtx(ctx, time.Duration(s.rng.Int64N(int64(2*d)))) != nil {
				break
			}
		}
	}
	return nil
}

// pick chooses the next operation: reads and writes on a random key,
// conditional writes on the version the client last saw.
func (w *Workload) pick(s *session) Input {
	key := w.keys[s.rng.IntN(len(w.keys))]
	version := func() int32 {
		if v, ok := s.versions[key]; ok && s.rng.IntN(4) != 0 {
			return v
		}
		if s.rng.IntN(2) == 0 {
			return -1
		}
		return int32(s.rng.IntN(4))
	}
	data := func() string {
		s.counter++
		return fmt.Sprintf("c%d-%d", s.id, s.counter)
	}
	switch n := s.rng.IntN(100); {
	case n < 12:
		return Input{Kind: OpCreate, Path: key, Data: data()}
	case n < 20:
		return Input{Kind: OpDelete, Path: key, Version: version()}
	case n < 45:
		return Input{Kind: OpSet, Path: key, Data: data(), Version: version()}
	case n < 65:
		return Input{Kind: OpGet, Path: key}
	case n < 90:
		return Input{Kind: OpSyncGet, Path: key}
	default:
		return Input{Kind: OpSeqCreate, Path: w.cfg.SeqParent}
	}
}

// observe remembers the versions the client saw, for its next
// conditional writes.
func (w *Workload) observe(s *session, in Input, out Output) {
	switch {
	case out.Status == StatusOK && in.Kind == OpCreate:
		s.versions[in.Path] = 0
	case out.Status == StatusOK && (in.Kind == OpSet || in.Kind == OpGet || in.Kind == OpSyncGet):
		s.versions[in.Path] = out.Version
	case out.Status == StatusNoNode || (out.Status == StatusOK && in.Kind == OpDelete):
		delete(s.versions, in.Path)
	}
}

// do performs one operation.
func (w *Workload) do(c *client, in Input) Output {
	acl := gozk.WorldACL(gozk.PermAll)
	switch in.Kind {
	case OpCreate:
		_, err := c.Create(in.Path, []byte(in.Data), 0, acl)
		return Output{Status: statusOf(err)}
	case OpSet:
		st, err := c.Set(in.Path, []byte(in.Data), in.Version)
		out := Output{Status: statusOf(err)}
		if err == nil {
			out.Version, out.Czxid, out.Mzxid = st.Version, zk.Zxid(st.Czxid), zk.Zxid(st.Mzxid)
		}
		return out
	case OpDelete:
		return Output{Status: statusOf(c.Delete(in.Path, in.Version))}
	case OpGet:
		return get(c, in.Path)
	case OpSyncGet:
		// NB: sync the root, which always exists: sync orders the whole
		// server, whatever its path.
		if _, err := c.Sync(w.cfg.Root); err != nil {
			return Output{Status: StatusUnknown}
		}
		return get(c, in.Path)
	case OpSeqCreate:
		name, err := c.Create(in.Path+"/item-", nil, gozk.FlagSequence, acl)
		out := Output{Status: statusOf(err)}
		if err == nil {
			n, perr := seqNumber(name)
			if perr != nil {
				w.lg.Error("bad sequential name", "name", name, "err", perr)
				out.Status, out.Seq = StatusOK, -1 // the model rejects it
			} else {
				out.Seq = n
			}
		}
		if out.Status != StatusOK && out.Status != StatusUnknown {
			w.lg.Error("sequential create failed definitely", "err", err)
		}
		return out
	}
	panic(fmt.Sprintf("robust: unknown operation %v", in.Kind))
}

func get(c *client, path string) Output {
	data, st, err := c.Get(path)
	out := Output{Status: statusOf(err)}
	switch out.Status {
	case StatusOK:
		out.Data, out.Version, out.Czxid, out.Mzxid = string(data), st.Version, zk.Zxid(st.Czxid), zk.Zxid(st.Mzxid)
	case StatusNoNode:
	default:
		out.Status = StatusUnknown
	}
	return out
}

// seqNumber parses the number ZooKeeper appended to a sequential name
// (ten digits, or more once the counter wraps).
func seqNumber(name string) (int64, error) {
	i := strings.LastIndex(name, "item-")
	if i < 0 {
		return 0, fmt.Errorf("robust: %q is not a sequential name", name)
	}
	return strconv.ParseInt(name[i+len("item-"):], 10, 64)
}

// FinalState is what one server holds at the end, read through a session
// connected to it alone after a sync.
type FinalState struct {
	Server string
	// Nodes maps each key to its state (Status OK or NoNode).
	Nodes map[string]Output
	// Seqs are the numbers of the sequential znodes, ascending.
	Seqs []int64
}

// FinalReads reads every key and the sequential znodes from each server
// alone (sync, then read), recording each key read as a sync-get of
// client Clients+i, so the checker also verifies that every server holds
// every acknowledged write. A server that cannot answer within timeout is
// an error.
func (w *Workload) FinalReads(ctx context.Context, timeout time.Duration) ([]FinalState, error) {
	finals := make([]FinalState, len(w.cfg.Servers))
	errs := make([]error, len(w.cfg.Servers))
	var wg sync.WaitGroup
	for i, addr := range w.cfg.Servers {
		wg.Go(func() { finals[i], errs[i] = w.finalRead(ctx, w.cfg.Clients+i, addr, timeout) })
	}
	wg.Wait()
	return finals, errors.Join(errs...)
}

func (w *Workload) finalRead(ctx context.Context, clientID int, addr string, timeout time.Duration) (FinalState, error) {
	f := FinalState{Server: addr, Nodes: make(map[string]Output)}
	c, err := dial([]string{addr}, w.cfg.SessionTimeout, 0, w.lg.With("final", addr))
	if err != nil {
		return f, err
	}
	defer c.Close()
	deadline := time.Now().Add(timeout)
	retry := func(what string, f func() bool) error {
		for !f() {
			if time.Now().After(deadline) {
				return fmt.Errorf("robust: final read of %s on %s: no answer within %v", what, addr, timeout)
			}
			if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
				return err
			}
		}
		return nil
	}
	for _, k := range w.keys {
		err := retry(k, func() bool {
			call := w.now()
			if _, err := c.Sync(w.cfg.Root); err != nil {
				return false
			}
			out := get(c, k)
			ret := w.now()
			if out.Status == StatusUnknown {
				return false
			}
			w.record(Record{Client: clientID, Server: addr, Session: zk.SessionID(c.SessionID()),
				Input: Input{Kind: OpSyncGet, Path: k}, Output: out, Call: call, Return: ret})
			f.Nodes[k] = out
			return true
		})
		if err != nil {
			return f, err
		}
	}
	err = retry(w.cfg.SeqParent, func() bool {
		if _, err := c.Sync(w.cfg.Root); err != nil {
			return false
		}
		names, _, err := c.Children(w.cfg.SeqParent)
		if err != nil {
			return false
		}
		f.Seqs = f.Seqs[:0]
		for _, name := range names {
			n, err := seqNumber(name)
			if err != nil {
				continue // not ours
			}
			f.Seqs = append(f.Seqs, n)
		}
		slices.Sort(f.Seqs)
		return true
	})
	return f, err
}
