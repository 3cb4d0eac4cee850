package engine

import (
	"log/slog"

	"github.com/paddockdb/paddock/zk"
)

// Config configures an Engine.
type Config struct {
	// ExtendedTypes is zoo.cfg's extendedTypesEnabled: TTL nodes are
	// accepted only when it is set.
	ExtendedTypes bool
	// EnforceQuota is zookeeper.enforceQuota: writes that would pass a
	// quota's hard limit fail with QuotaExceeded.
	EnforceQuota bool
	// Logger receives warnings (quota exceeded and the like); nil discards.
	Logger *slog.Logger
}

// Request is a client request as the engine sees it.
type Request struct {
	Session zk.SessionID
	Xid     int32
	Op      zk.OpCode
	Body    zk.Record // the decoded request record; nil for bodiless ops
	Auth    []zk.Id   // the identities the connection has authenticated as
	Time    int64     // wall-clock milliseconds, stamped into the txn
}

// Engine is Paddock's state machine: the DataTree, the session table, the
// watches, and the prep step that turns write requests into transactions.
//
// Prep runs on the leader only and sees the tree plus every transaction
// still in flight (prepared but not yet applied), as ZooKeeper's
// PrepRequestProcessor does with its outstanding ChangeRecords. Apply is
// deterministic: it runs on every replica, in zxid order, and its result
// depends only on the tree and the transaction.
//
// An Engine is not safe for concurrent use: one owner goroutine drives it.
type Engine struct {
	cfg     Config
	lg      *slog.Logger
	tree    *Tree
	watches *Watches
	// sessions is the replicated session table: id -> negotiated timeout (ms).
	sessions map[zk.SessionID]int32
	lastZxid zk.Zxid // last applied
	nextZxid zk.Zxid // last assigned by Prep
	nextSID  int64
	pending  pendingChanges
}

// New returns an engine holding a fresh tree.
func New(cfg Config) *Engine {
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Engine{
		cfg:      cfg,
		lg:       lg,
		tree:     NewTree(),
		watches:  NewWatches(),
		sessions: make(map[zk.SessionID]int32),
		pending:  newPendingChanges(),
	}
}

// Tree returns the engine's DataTree.
func (e *Engine) Tree() *Tree { return e.tree }

// Watches returns the engine's watch table.
func (e *Engine) Watches() *Watches { return e.watches }

// LastZxid returns the zxid of the last applied transaction.
func (e *Engine) LastZxid() zk.Zxid { return e.lastZxid }

// SetLastZxid sets the last applied (and assigned) zxid, as recovery does
// after loading a snapshot or importing a ZooKeeper database.
func (e *Engine) SetLastZxid(z zk.Zxid) {
	e.lastZxid = z
	if e.nextZxid < z {
		e.nextZxid = z
	}
}

// InitSessionIDs seeds session id generation as ZooKeeper's
// SessionTrackerImpl.initializeNextSessionId does: the server id in the high
// byte, the start time in milliseconds below it.
func (e *Engine) InitSessionIDs(serverID int64, nowMs int64) {
	next := int64(uint64(nowMs<<24) >> 8)
	next |= serverID << 56
	if zk.SessionID(next) == ContainerOwner {
		next++
	}
	e.nextSID = next
}

// HasSession reports whether session s is open, and its timeout in ms.
func (e *Engine) HasSession(s zk.SessionID) (int32, bool) {
	t, ok := e.sessions[s]
	return t, ok
}

// Sessions returns the open sessions and their timeouts.
func (e *Engine) Sessions() map[zk.SessionID]int32 { return e.sessions }

// SessionPassword returns the password of session s as ZooKeeper computes
// it (ZooKeeperServer.generatePasswd): java.util.Random seeded with
// s ^ 0xB3415C00, 16 bytes.
func SessionPassword(s zk.SessionID) []byte {
	const superSecret = 0xB3415C00
	r := newJavaRandom(int64(s) ^ superSecret)
	p := make([]byte, zk.PasswordLen)
	r.nextBytes(p)
	return p
}

// javaRandom is java.util.Random's linear congruential generator.
type javaRandom struct{ seed int64 }

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ 0x5DEECE66D) & (1<<48 - 1)}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*0x5DEECE66D + 0xB) & (1<<48 - 1)
	return int32(r.seed >> (48 - bits))
}

func (r *javaRandom) nextBytes(b []byte) {
	for i := 0; i < len(b); {
		rnd := r.next(32)
		for n := min(len(b)-i, 4); n > 0; n-- {
			b[i] = byte(rnd)
			rnd >>= 8
			i++
		}
	}
}

// SetConfigNode sets /zookeeper/config to an ensemble's membership (the
// dynamic config, in ZooKeeper's text form), without a txn, as ZooKeeper's
// ZKDatabase.initConfigInZKDatabase does when a server starts or loads a
// snapshot: mzxid is the config's version, mtime nowMs, the data version
// -1.
func (e *Engine) SetConfigNode(data []byte, version zk.Zxid, nowMs int64) {
	e.setData(ConfigZookeeper, data, -1, version, nowMs)
}
