package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/zkimport"
)

const importZKUsage = `usage: paddock import-zk --snap-dir ZK_DATADIR [--log-dir ZK_DATALOGDIR] --out DATADIR [--log-out DATALOGDIR]

Builds a new Paddock dataDir from an Apache ZooKeeper 3.5-3.9 database:
the newest valid snapshot.* of ZK_DATADIR plus the txns of the log.* files
of ZK_DATALOGDIR after it (either directory or its version-2 subdirectory).
The znodes, their Stats and ACLs, the sessions and the zxids are kept;
Paddock's next zxids continue above ZooKeeper's. Stop ZooKeeper first.

DATADIR must not hold a checkpoint yet, and DATALOGDIR (default DATADIR)
no txn log segments: the import is a checkpoint, and Paddock needs no log
to start from it.

flags:
`

// runImportZK is `paddock import-zk`.
func runImportZK(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import-zk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, importZKUsage)
		fs.PrintDefaults()
	}
	snapDir := fs.String("snap-dir", "", "ZooKeeper's dataDir (snapshots)")
	logDir := fs.String("log-dir", "", "ZooKeeper's dataLogDir (txn logs; default --snap-dir)")
	out := fs.String("out", "", "the new Paddock dataDir")
	logOut := fs.String("log-out", "", "the new Paddock dataLogDir (default --out)")
	ignoreDigest := fs.Bool("ignore-digest", false, "import even if the tree's digest differs from ZooKeeper's")
	verbose := fs.Bool("v", false, "log progress to stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *snapDir == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	if *logDir == "" {
		*logDir = *snapDir
	}
	if *logOut == "" {
		*logOut = *out
	}
	if err := checkImportTargets(*out, *logOut, *snapDir, *logDir); err != nil {
		return fail(stderr, err)
	}
	lg := slog.New(slog.DiscardHandler)
	if *verbose {
		lg = slog.New(slog.NewTextHandler(stderr, nil))
	}

	e, sum, err := zkimport.Import(zkimport.Config{
		SnapDir: *snapDir, LogDir: *logDir, IgnoreDigest: *ignoreDigest, Logger: lg,
	})
	if sum != nil {
		printImportSummary(stdout, sum)
	}
	if err != nil {
		return fail(stderr, err)
	}

	for _, d := range []string{*out, *logOut} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fail(stderr, err)
		}
	}
	st, err := snapshot.Open(snapshot.Config{Dir: *out, Logger: lg})
	if err != nil {
		return fail(stderr, err)
	}
	if m := st.Meta(); m.Checkpoints > 0 {
		st.Close()
		return fail(stderr, fmt.Errorf("%s already holds a checkpoint (zxid %s): import into a new dataDir", *out, m.Zxid))
	}
	e.ForgetCaptures()
	c := e.Capture()
	err = st.Write(c)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("writing the checkpoint: %w", err))
	}
	fmt.Fprintf(stdout, "wrote a checkpoint of %d znodes and %d sessions at zxid %s to %s\n",
		len(c.Nodes), len(c.Sessions), c.Zxid, *out)
	fmt.Fprintf(stdout, "start Paddock with dataDir=%s and dataLogDir=%s; its sessions expire unless their clients reconnect within their timeouts\n",
		*out, *logOut)
	return 0
}

// checkImportTargets refuses targets that would mix the import with other
// data: a dataDir holding a checkpoint, a dataLogDir holding log segments
// (Paddock would replay them over the import), or a target inside
// ZooKeeper's directories.
func checkImportTargets(out, logOut, snapDir, logDir string) error {
	for _, t := range []string{out, logOut} {
		for _, z := range []string{snapDir, logDir} {
			if sameOrInside(t, z) {
				return fmt.Errorf("%s is ZooKeeper's directory %s or inside it: choose a new directory", t, z)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, snapshot.StoreDir)); err == nil {
		// Open it to tell an empty store (a server that never wrote a
		// checkpoint) from one that holds data.
		st, err := snapshot.Open(snapshot.Config{Dir: out})
		if err != nil {
			return err
		}
		m := st.Meta()
		st.Close()
		if m.Checkpoints > 0 {
			return fmt.Errorf("%s already holds a checkpoint (zxid %s): import into a new dataDir", out, m.Zxid)
		}
	}
	ents, err := os.ReadDir(logOut)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "log.") {
			return fmt.Errorf("%s holds txn log files (%s): Paddock would replay them over the import; use an empty dataLogDir", logOut, e.Name())
		}
	}
	return nil
}

// sameOrInside reports whether path a is b or inside it.
func sameOrInside(a, b string) bool {
	a, errA := filepath.Abs(a)
	b, errB := filepath.Abs(b)
	if errA != nil || errB != nil {
		return false
	}
	rel, err := filepath.Rel(b, a)
	return err == nil && (rel == "." || !strings.HasPrefix(rel, ".."))
}

func printImportSummary(w io.Writer, s *zkimport.Summary) {
	for _, f := range s.Skipped {
		fmt.Fprintf(w, "skipped snapshot %s: %v\n", f.Path, f.Err)
	}
	for _, f := range s.Ignored {
		fmt.Fprintf(w, "ignored %s (not a snapshot or log name ZooKeeper writes)\n", f)
	}
	if s.Snapshot == "" {
		return
	}
	fmt.Fprintf(w, "snapshot %s: zxid %s, %d znodes, %d sessions, dbid %d\n",
		s.Snapshot, s.SnapshotZxid, s.SnapshotNodes, s.SnapshotSessions, s.DBID)
	for _, l := range s.Logs {
		end := fmt.Sprintf("ends with %s at offset %d", l.End, l.EndAt)
		if l.End == zkimport.EndNone {
			end = "not read to its end"
		}
		fmt.Fprintf(w, "log %s: %d records (zxid %s to %s), %d applied, %s\n",
			l.Path, l.Records, l.First, l.Last, l.Applied, end)
	}
	if s.TxnsApplied > 0 {
		fmt.Fprintf(w, "applied %d txns, zxid %s to %s\n", s.TxnsApplied, s.FirstZxid, s.LastZxid)
	} else {
		fmt.Fprintln(w, "no txns after the snapshot")
	}
	for _, d := range s.Digests {
		verdict := "matches"
		switch {
		case d.Advisory:
			verdict = fmt.Sprintf("differs (ZooKeeper's %#x, imported %#x), as it may: txns applied while the snapshot was written",
				uint64(d.Want), uint64(d.Got))
		case !d.OK():
			verdict = fmt.Sprintf("DIFFERS: ZooKeeper's %#x, imported %#x", uint64(d.Want), uint64(d.Got))
		}
		fmt.Fprintf(w, "tree digest at zxid %s (from the %s) %s\n", d.Zxid, d.Source, verdict)
	}
	if len(s.Digests) == 0 {
		fmt.Fprintln(w, "no tree digest to check (ZooKeeper before 3.6, or digests disabled)")
	}
	if s.Nodes > 0 {
		fmt.Fprintf(w, "imported %d znodes and %d sessions, last zxid %s, in %v\n", s.Nodes, s.Sessions, s.Zxid, s.Took.Round(1e6))
	}
}
