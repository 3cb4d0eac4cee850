package zkimport

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/zk"
)

// VersionDir is the subdirectory of dataDir and dataLogDir where ZooKeeper
// keeps its files (FileTxnSnapLog.version + VERSION).
const VersionDir = "version-2"

// File name prefixes (FileSnap.SNAPSHOT_FILE_PREFIX,
// FileTxnLog.LOG_FILE_PREFIX).
const (
	snapPrefix = "snapshot"
	logPrefix  = "log"
)

// Config configures Import.
type Config struct {
	// SnapDir is ZooKeeper's dataDir, or its version-2 subdirectory.
	SnapDir string
	// LogDir is ZooKeeper's dataLogDir, or its version-2 subdirectory;
	// empty means SnapDir.
	LogDir string
	// IgnoreDigest imports even when the imported tree's digest differs
	// from the one ZooKeeper recorded (the mismatch is still reported in
	// the Summary).
	IgnoreDigest bool
	// Logger receives progress messages; nil discards.
	Logger *slog.Logger
}

// Summary describes an import.
type Summary struct {
	SnapDir, LogDir string // the version-2 directories read

	// Snapshot is the path of the snapshot used, SnapshotZxid the zxid in
	// its name: the last txn it is guaranteed to hold.
	Snapshot     string
	SnapshotZxid zk.Zxid
	DBID         int64
	// SnapshotNodes and SnapshotSessions count what the snapshot held.
	SnapshotNodes, SnapshotSessions int
	// Skipped lists newer snapshots that could not be read, and why: as
	// ZooKeeper does, Import falls back to an older one.
	Skipped []SkippedFile
	// Ignored lists files whose names look like ZooKeeper's but that
	// Import does not read (an unknown suffix, an unparsable zxid).
	Ignored []string

	// Logs are the txn log files read, in order.
	Logs []LogFile
	// TxnsApplied counts the txns applied over the snapshot;
	// FirstZxid and LastZxid are the first and last of them (0 if none).
	TxnsApplied         int
	FirstZxid, LastZxid zk.Zxid

	// Zxid is the engine's last zxid: LastZxid, or SnapshotZxid when no
	// txn followed the snapshot.
	Zxid zk.Zxid
	// Nodes counts the znodes imported (root and /zookeeper nodes
	// included), Sessions the open sessions.
	Nodes, Sessions int

	// Digests are the tree digest checks made.
	Digests []DigestCheck
	Took    time.Duration
}

// SkippedFile is a snapshot Import could not use.
type SkippedFile struct {
	Path string
	Err  error
}

// LogFile is a txn log file read.
type LogFile struct {
	Path    string
	Records int     // records read
	Applied int     // records applied (the others the snapshot held)
	End     LogEnd  // how the file ended
	EndAt   int64   // offset of that end
	First   zk.Zxid // first and last zxid read (0 when none)
	Last    zk.Zxid
}

// DigestCheck is one comparison of the imported tree's digest with the
// digest ZooKeeper recorded for the same zxid.
type DigestCheck struct {
	Zxid   zk.Zxid
	Source string // "snapshot" or "txn log"
	Want   int64  // ZooKeeper's
	Got    int64  // the imported tree's
	// Advisory marks a snapshot digest that may not match: txns after its
	// zxid were applied while the snapshot was written, and ZooKeeper
	// records the digest after the tree, racing with them (a tree may
	// hold the change of a txn whose digest was not yet recorded).
	// ZooKeeper only logs such a mismatch; the log digests decide.
	Advisory bool
}

// OK reports whether the digests agree.
func (c DigestCheck) OK() bool { return c.Want == c.Got }

// Import reads the ZooKeeper database in cfg.SnapDir and cfg.LogDir, as
// ZooKeeper's FileTxnSnapLog.restore does, and returns an engine holding
// it: the newest snapshot that reads back with valid checksums (falling
// back to older ones), then every txn of the logs after the snapshot's
// zxid, applied in zxid order.
//
// The returned engine has applied nothing else, and its next Capture is
// full: write it to a checkpoint store to make a Paddock dataDir. Its last
// zxid is the last imported one, so that Paddock's next zxids continue
// above ZooKeeper's.
//
// Import fails (and returns the summary so far) on a corrupt log record,
// a txn log gap (the logs do not hold every txn after the snapshot), a
// node the snapshot left without its ACL and no txn gave one (see
// doc.go), and, unless cfg.IgnoreDigest, a tree digest that differs from
// ZooKeeper's.
// It holds the whole snapshot in memory while it loads it into the
// engine.
func Import(cfg Config) (*engine.Engine, *Summary, error) {
	start := time.Now()
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	sum := &Summary{}
	logDir := cfg.LogDir
	if logDir == "" {
		logDir = cfg.SnapDir
	}
	var err error
	if sum.SnapDir, err = ResolveDir(cfg.SnapDir); err != nil {
		return nil, sum, err
	}
	if sum.LogDir, err = ResolveDir(logDir); err != nil {
		return nil, sum, err
	}

	snaps, ignored, err := listFiles(sum.SnapDir, snapPrefix, true)
	if err != nil {
		return nil, sum, err
	}
	sum.Ignored = append(sum.Ignored, ignored...)
	var snap *Snapshot
	for i := len(snaps) - 1; i >= 0; i-- {
		f := snaps[i]
		s, err := ReadSnapshotFile(f.path)
		if err != nil {
			lg.Warn("unusable snapshot; trying an older one", "file", f.path, "err", err)
			sum.Skipped = append(sum.Skipped, SkippedFile{Path: f.path, Err: err})
			continue
		}
		snap, sum.Snapshot, sum.SnapshotZxid = s, f.path, f.zxid
		break
	}
	if snap == nil {
		if len(snaps) == 0 {
			return nil, sum, fmt.Errorf("%w: no snapshot.* file in %s", ErrNoSnapshot, sum.SnapDir)
		}
		return nil, sum, fmt.Errorf("%w: none of the %d snapshots in %s reads back (the newest: %v)",
			ErrNoSnapshot, len(snaps), sum.SnapDir, sum.Skipped[0].Err)
	}
	sum.DBID = snap.Header.DBID
	sum.SnapshotNodes, sum.SnapshotSessions = len(snap.Nodes), len(snap.Sessions)
	lg.Info("snapshot read", "file", sum.Snapshot, "zxid", sum.SnapshotZxid.String(),
		"nodes", len(snap.Nodes), "sessions", len(snap.Sessions), "acls", len(snap.ACLs))

	setupQuota(snap)
	e := engine.New(engine.Config{ExtendedTypes: true, Logger: lg})
	dangling, err := restore(e, snap, sum.SnapshotZxid)
	if err != nil {
		return nil, sum, fmt.Errorf("%s: %w", sum.Snapshot, err)
	}
	digest := snap.Digest
	snap = nil // let the collector have it while the logs replay

	ck := checker{e: e, sum: sum}
	if digest != nil && (digest.Zxid <= 0 || digest.Zxid < sum.SnapshotZxid || digest.Version != DigestVersion) {
		// DataTree.deserializeZxidDigest: a zxid of 0 is "no digest" (as
		// in the snapshot.0 a new server writes), and one below the
		// snapshot's zxid (a new leader's snapshot) never applies.
		digest = nil
	}
	if digest != nil && digest.Zxid == sum.SnapshotZxid {
		ck.check(digest.Zxid, "snapshot", digest.Digest)
		digest = nil
	}

	logs, ignored, err := listFiles(sum.LogDir, logPrefix, false)
	if err != nil {
		return nil, sum, err
	}
	sum.Ignored = append(sum.Ignored, ignored...)
	r := replay{e: e, sum: sum, lg: lg, last: sum.SnapshotZxid, snapDigest: digest, ck: &ck, dangling: dangling}
	for _, f := range logsFrom(logs, sum.SnapshotZxid) {
		if err := r.file(f.path); err != nil {
			return nil, sum, err
		}
	}
	r.finish()
	if err := r.checkDangling(); err != nil {
		return nil, sum, fmt.Errorf("%s: %w", sum.Snapshot, err)
	}
	if err := ck.verdict(e.LastZxid()); err != nil && !cfg.IgnoreDigest {
		return nil, sum, err
	}
	sum.Zxid = e.LastZxid()
	sum.Nodes = e.Tree().NodeCount() - 1 // ZooKeeper counts the root twice
	sum.Sessions = len(e.Sessions())
	sum.Took = time.Since(start)
	e.ForgetCaptures()
	lg.Info("ZooKeeper database imported", "zxid", sum.Zxid.String(), "nodes", sum.Nodes,
		"sessions", sum.Sessions, "txnsApplied", sum.TxnsApplied, "took", sum.Took)
	return e, sum, nil
}

// restore loads snap into the fresh engine e. It returns the nodes whose
// ACL reference the snapshot's ACL cache lacks, restored with an empty
// ACL: a fuzzy snapshot may hold a node whose create or setACL made a new
// ACL after the cache was written. The replay of that txn must then give
// them their ACL, or a later txn delete them; see replay.resolve.
func restore(e *engine.Engine, snap *Snapshot, zxid zk.Zxid) (map[string]danglingACL, error) {
	dangling := make(map[string]danglingACL)
	for i := range snap.Nodes {
		n := &snap.Nodes[i]
		acl, ok := snap.ACL(n.ACLRef)
		if !ok {
			// NB: ZooKeeper keeps the reference (ReferenceCountedACLCache
			// logs "Ignoring acl") and fails any access to the node until
			// a txn sets its ACL.
			dangling[n.Path] = danglingACL{ref: n.ACLRef, czxid: n.Stat.Czxid}
		}
		st := &n.Stat
		err := e.Restore(engine.NodeRecord{
			Path: n.Path, Data: n.Data, ACL: acl,
			Czxid: st.Czxid, Mzxid: st.Mzxid, Pzxid: st.Pzxid, Ctime: st.Ctime, Mtime: st.Mtime,
			Version: st.Version, Cversion: st.Cversion, Aversion: st.Aversion,
			EphemeralOwner: st.EphemeralOwner, NumChildren: n.NumChildren,
		})
		if err != nil {
			return nil, err
		}
	}
	e.FinishRestore(zxid, snap.Sessions)
	return dangling, nil
}

// danglingACL is a restored node whose ACL reference was missing.
type danglingACL struct {
	ref   int64
	czxid zk.Zxid
}

// checker compares the engine's tree digest with ZooKeeper's.
type checker struct {
	e   *engine.Engine
	sum *Summary
}

// check records the comparison of the engine's digest, now, with want.
func (c *checker) check(zxid zk.Zxid, source string, want int64) {
	c.sum.Digests = append(c.sum.Digests, DigestCheck{Zxid: zxid, Source: source, Want: want, Got: engineDigest(c.e)})
}

// verdict judges the checks once the replay ended at last: a log digest
// must match; a snapshot digest must match only if no txn followed its
// zxid (the snapshot cannot have been fuzzy then), and is advisory
// otherwise.
func (c *checker) verdict(last zk.Zxid) error {
	var err error
	for i := range c.sum.Digests {
		dc := &c.sum.Digests[i]
		if dc.OK() {
			continue
		}
		if dc.Source == "snapshot" && dc.Zxid != last {
			dc.Advisory = true
			continue
		}
		if err == nil {
			err = fmt.Errorf("%w at zxid %s: ZooKeeper's %s says %#x, the imported tree's is %#x",
				ErrDigestMismatch, dc.Zxid, dc.Source, uint64(dc.Want), uint64(dc.Got))
		}
	}
	return err
}

// replay applies the txn log records after the snapshot.
type replay struct {
	e    *engine.Engine
	sum  *Summary
	lg   *slog.Logger
	last zk.Zxid // the last zxid applied (the snapshot's at first)
	ck   *checker
	// snapDigest is the snapshot's digest, when it is of a zxid after the
	// snapshot's own (a fuzzy snapshot): checked once that zxid applies.
	snapDigest *ZxidDigest
	// logDigest is the digest of the last txn that carried one, and
	// touched whether a txn without one changed the tree since.
	logDigest *TxnDigest
	digestAt  zk.Zxid
	touched   bool
	// dangling are the snapshot's nodes whose ACL was missing, until a
	// txn gives them their ACL or deletes them.
	dangling map[string]danglingACL
}

// file applies the records of the log file at path.
func (r *replay) file(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("zkimport: %w", err)
	}
	defer f.Close()
	lf := LogFile{Path: path}
	defer func() { r.sum.Logs = append(r.sum.Logs, lf) }()
	lr, err := NewLogReader(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		if errors.Is(err, ErrTruncated) {
			// A header cut short: the log was created as ZooKeeper
			// crashed; FileTxnIterator treats it as the end of the file.
			lf.End = EndPartial
			r.lg.Warn("txn log file ends inside its header", "file", path)
			return nil
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	for {
		ent, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		lf.Records++
		h := &ent.Txn.Header
		if lf.First == 0 {
			lf.First = h.Zxid
		}
		lf.Last = h.Zxid
		if h.Zxid <= r.sum.SnapshotZxid {
			continue // held by the snapshot
		}
		applied, err := r.apply(&ent)
		if applied {
			lf.Applied++
		}
		if err != nil {
			return fmt.Errorf("%s: record at offset %d: %w", path, ent.Offset, err)
		}
	}
	lf.End, lf.EndAt = lr.End(), lr.Offset()
	if lf.End == EndPartial {
		r.lg.Warn("txn log file ends with a partial record (a torn write); it is dropped, as ZooKeeper does",
			"file", path, "offset", lf.EndAt)
	}
	return nil
}

// apply applies one txn after checking it follows the previous one, then
// checks the snapshot's digest if it is of this txn.
func (r *replay) apply(ent *Entry) (applied bool, err error) {
	z := ent.Txn.Header.Zxid
	if z <= r.last {
		return false, fmt.Errorf("%w: txn %s after txn %s", ErrGap, z, r.last)
	}
	if z.Epoch() == r.last.Epoch() && z != r.last+1 {
		return false, fmt.Errorf("%w: txn %s follows txn %s in the same epoch: the txns between are missing (a log file lost, or a torn write in a log file that is not the last)",
			ErrGap, z, r.last)
	}
	r.e.Apply(&ent.Txn)
	if len(r.dangling) > 0 {
		r.resolve(&ent.Txn.Header, ent.Txn.Body)
	}
	r.last = z
	if r.sum.TxnsApplied == 0 {
		r.sum.FirstZxid = z
	}
	r.sum.TxnsApplied++
	r.sum.LastZxid = z
	if d := ent.Digest; d != nil && d.Version == DigestVersion {
		r.logDigest, r.digestAt, r.touched = d, z, false
	} else if changesTree(ent.Txn.Header.Type) {
		r.touched = true
	}
	if r.snapDigest != nil && r.snapDigest.Zxid == z {
		r.ck.check(z, "snapshot", r.snapDigest.Digest)
		r.snapDigest = nil
	}
	return true, nil
}

// finish checks the digest of the last txn that recorded one, if no txn
// after it could change the tree.
func (r *replay) finish() {
	if r.logDigest != nil && !r.touched {
		r.ck.check(r.digestAt, "txn log", r.logDigest.Digest)
	}
}

// resolve takes the nodes a txn gave their ACL to, or deleted, off the
// dangling list. A setACL applied sets the ACL. A create replayed over the
// node it created (its czxid) fails with NodeExists: the ACL it carries is
// the node's, set here with a setACL that keeps the node's aversion.
//
// NB: ZooKeeper gets there another way: its replay of the create or
// setACL adds the ACL to its cache before anything else, and the cache
// numbers it as it numbered it the first time, so the dangling reference
// comes to name it.
func (r *replay) resolve(h *zk.TxnHeader, body zk.Record) {
	var path string
	var acl []zk.ACL
	switch b := body.(type) {
	case *zk.SetACLTxn:
		delete(r.dangling, b.Path)
		return
	case *zk.DeleteTxn:
		delete(r.dangling, b.Path)
		return
	case *zk.CloseSessionTxn:
		for _, p := range b.Paths2Delete {
			delete(r.dangling, p)
		}
		return
	case *zk.MultiTxn:
		for _, op := range b.Txns {
			r.resolve(h, op.Body)
		}
		return
	case *zk.CreateTxn:
		path, acl = b.Path, b.ACL
	case *zk.CreateContainerTxn:
		path, acl = b.Path, b.ACL
	case *zk.CreateTTLTxn:
		path, acl = b.Path, b.ACL
	default:
		return
	}
	d, ok := r.dangling[path]
	if !ok || d.czxid != h.Zxid {
		return
	}
	_, st, err := r.e.GetACL(path, []zk.Id{{Scheme: engine.SchemeSuper}})
	if err != nil {
		return
	}
	fix := zk.Txn{Header: *h, Body: &zk.SetACLTxn{Path: path, ACL: acl, Version: st.Aversion}}
	fix.Header.Type = zk.OpSetACL
	r.e.Apply(&fix)
	delete(r.dangling, path)
}

// checkDangling fails if a node restored without its ACL still exists
// with it unset: ZooKeeper could not serve it either.
func (r *replay) checkDangling() error {
	super := []zk.Id{{Scheme: engine.SchemeSuper}}
	for p, d := range r.dangling {
		if _, err := r.e.Exists(p, super, nil); err == nil {
			return fmt.Errorf("%w: node %q refers to ACL %d, which the ACL cache lacks, and no txn after the snapshot sets its ACL",
				ErrCorrupt, p, d.ref)
		}
	}
	return nil
}

// changesTree reports whether a txn of type t may change a znode.
func changesTree(t zk.OpCode) bool {
	switch t {
	case zk.OpCreateSession, zk.OpError, zk.OpCheck:
		return false
	}
	return true
}

// ResolveDir returns the directory holding ZooKeeper's files for dir: its
// version-2 subdirectory when it has one, dir itself when it is one (or
// holds snapshot or log files directly).
func ResolveDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("zkimport: no directory given")
	}
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("zkimport: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("zkimport: %s is not a directory", dir)
	}
	sub := filepath.Join(dir, VersionDir)
	if st, err := os.Stat(sub); err == nil && st.IsDir() {
		return sub, nil
	}
	if filepath.Base(filepath.Clean(dir)) == VersionDir {
		return dir, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("zkimport: %w", err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), snapPrefix+".") || strings.HasPrefix(e.Name(), logPrefix+".") {
			return dir, nil
		}
	}
	return "", fmt.Errorf("zkimport: %s holds neither a %s directory nor ZooKeeper snapshot or log files", dir, VersionDir)
}

// dataFile is a snapshot or log file and the zxid in its name.
type dataFile struct {
	path string
	zxid zk.Zxid
}

// listFiles lists the files of dir named prefix.<hex zxid> (and, for
// snapshots, prefix.<hex zxid>.gz or .snappy), sorted by zxid, as
// Util.sortDataDir does; ignored are the other names that start with
// prefix.
func listFiles(dir, prefix string, snapshots bool) (files []dataFile, ignored []string, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("zkimport: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, prefix+".") || e.IsDir() {
			continue
		}
		z, ok := parseName(name, prefix, snapshots)
		if !ok {
			ignored = append(ignored, filepath.Join(dir, name))
			continue
		}
		files = append(files, dataFile{path: filepath.Join(dir, name), zxid: z})
	}
	slices.SortStableFunc(files, func(a, b dataFile) int {
		if a.zxid != b.zxid {
			if a.zxid < b.zxid {
				return -1
			}
			return 1
		}
		return strings.Compare(a.path, b.path)
	})
	return files, ignored, nil
}

// parseName parses prefix.<hex zxid>[.gz|.snappy] (Util.getZxidFromName).
func parseName(name, prefix string, snapshots bool) (zk.Zxid, bool) {
	parts := strings.Split(name, ".")
	if len(parts) < 2 || parts[0] != prefix {
		return 0, false
	}
	switch {
	case len(parts) == 2:
	case len(parts) == 3 && snapshots && (parts[2] == suffixGzip || parts[2] == suffixSnappy):
	default:
		return 0, false
	}
	z, err := strconv.ParseInt(parts[1], 16, 64)
	if err != nil || z < 0 {
		return 0, false
	}
	return zk.Zxid(z), true
}

// logsFrom selects the log files that may hold txns after zxid
// (FileTxnLog.getLogFiles): the last one that starts at or before it, and
// every later one.
func logsFrom(logs []dataFile, zxid zk.Zxid) []dataFile {
	from := 0
	for i, f := range logs {
		if f.zxid > zxid {
			break
		}
		from = i
	}
	return logs[from:]
}
