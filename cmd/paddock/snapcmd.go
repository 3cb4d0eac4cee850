package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/paddockdb/paddock/engine"
	"github.com/paddockdb/paddock/server"
	"github.com/paddockdb/paddock/snapshot"
	"github.com/paddockdb/paddock/txnlog"
	"github.com/paddockdb/paddock/zk"
)

const snapUsage = `usage: paddock snap dump|verify [-dir DATADIR | zoo.cfg]
       paddock snap export [-dir DATADIR | zoo.cfg] FILE   (- for stdout)
       paddock snap import -dir NEWDATADIR FILE            (- for stdin)
       paddock purge [-dir DATADIR -logdir DATALOGDIR | zoo.cfg]

  dump     print every znode and session of the last checkpoint, as
           ZooKeeper's SnapshotFormatter: path, Stat fields, data length
  verify   check checksums, parents and child counts
  export   write a zstd-compressed full image of the last checkpoint
  import   build a new dataDir from such an image
  purge    remove txn log segments the last checkpoint covers (the server
           must be stopped; a running server purges by itself every
           autopurge.purgeInterval)
`

// dirs resolves -dir/-logdir or a zoo.cfg argument into dataDir and
// dataLogDir; rest is what remains of the arguments.
func dirs(fs *flag.FlagSet, dir, logDir string) (string, string, []string, error) {
	args := fs.Args()
	if dir == "" {
		if len(args) > 0 && !isFileArg(args[0]) {
			cfg, _, err := server.LoadConfig(args[0])
			if err != nil {
				return "", "", nil, err
			}
			return cfg.DataDir, cfg.DataLogDir, args[1:], nil
		}
		d := server.DefaultConfig()
		return d.DataDir, d.DataLogDir, args, nil
	}
	if logDir == "" {
		logDir = dir
	}
	return dir, logDir, args, nil
}

// isFileArg tells an export/import file argument from a zoo.cfg: a config
// ends in .cfg.
func isFileArg(a string) bool { return len(a) < 4 || a[len(a)-4:] != ".cfg" }

func runSnap(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, snapUsage)
		return 2
	}
	verb := args[0]
	fs := flag.NewFlagSet("snap "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dirFlag := fs.String("dir", "", "the data directory (dataDir)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	dataDir, _, rest, err := dirs(fs, *dirFlag, "")
	if err != nil {
		return fail(stderr, err)
	}
	if verb == "import" {
		if *dirFlag == "" || len(rest) != 1 {
			fmt.Fprint(stderr, snapUsage)
			return 2
		}
		in, closeIn, err := openIn(rest[0])
		if err != nil {
			return fail(stderr, err)
		}
		defer closeIn()
		meta, err := snapshot.Import(snapshot.Config{Dir: dataDir}, in)
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "imported %d znodes and %d sessions at zxid %s into %s\n", meta.Nodes, meta.Sessions, meta.Zxid, dataDir)
		return 0
	}
	st, err := snapshot.Open(snapshot.Config{Dir: dataDir})
	if err != nil {
		return fail(stderr, err)
	}
	defer st.Close()
	switch verb {
	case "dump":
		meta := st.Meta()
		fmt.Fprintf(stdout, "Checkpoint at zxid %s: %d znodes, %d sessions\n", meta.Zxid, meta.Nodes, meta.Sessions)
		err = st.Walk(func(n engine.NodeRecord) error {
			fmt.Fprintf(stdout, "%s\n  cZxid = %s\n  ctime = %d\n  mZxid = %s\n  mtime = %d\n  pZxid = %s\n  cversion = %d\n  dataVersion = %d\n  aclVersion = %d\n  ephemeralOwner = %#x\n  dataLength = %d\n",
				n.Path, n.Czxid, n.Ctime, n.Mzxid, n.Mtime, n.Pzxid, n.Cversion*2-n.NumChildren, n.Version, n.Aversion, uint64(n.EphemeralOwner), len(n.Data))
			return nil
		}, func(id zk.SessionID, timeout int32) error {
			fmt.Fprintf(stdout, "Session %s timeout %d\n", id, timeout)
			return nil
		})
	case "verify":
		var rep snapshot.Report
		rep, err = st.Verify()
		if err == nil {
			fmt.Fprintf(stdout, "%s: OK: zxid %s, %d znodes, %d sessions, %d data bytes\n", dataDir, rep.Meta.Zxid, rep.Nodes, rep.Sessions, rep.DataBytes)
		} else {
			for _, p := range rep.Problems {
				fmt.Fprintln(stderr, p)
			}
		}
	case "export":
		if len(rest) != 1 {
			fmt.Fprint(stderr, snapUsage)
			return 2
		}
		out, closeOut, oerr := openOut(rest[0])
		if oerr != nil {
			return fail(stderr, oerr)
		}
		var meta snapshot.Meta
		meta, err = st.Export(out)
		if cerr := closeOut(); err == nil {
			err = cerr
		}
		if err == nil && rest[0] != "-" {
			fmt.Fprintf(stdout, "exported %d znodes and %d sessions at zxid %s to %s\n", meta.Nodes, meta.Sessions, meta.Zxid, rest[0])
		}
	default:
		fmt.Fprint(stderr, snapUsage)
		return 2
	}
	if err != nil {
		return fail(stderr, err)
	}
	return 0
}

// runPurge removes the log segments covered by the last checkpoint.
func runPurge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dirFlag := fs.String("dir", "", "the data directory (dataDir)")
	logFlag := fs.String("logdir", "", "the txn log directory (dataLogDir; default dataDir)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dataDir, logDir, _, err := dirs(fs, *dirFlag, *logFlag)
	if err != nil {
		return fail(stderr, err)
	}
	// Opening the store takes its lock: a running server makes this fail.
	st, err := snapshot.Open(snapshot.Config{Dir: dataDir})
	if err != nil {
		return fail(stderr, fmt.Errorf("%w (is the server running? it purges by itself)", err))
	}
	zxid := st.Meta().Zxid
	st.Close()
	if zxid == 0 {
		fmt.Fprintln(stdout, "no checkpoint yet: nothing to purge")
		return 0
	}
	l, _, err := txnlog.Open(txnlog.Config{Dir: logDir})
	if err != nil {
		return fail(stderr, err)
	}
	removed, err := l.PurgeBefore(uint64(zxid) + 1)
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	for _, r := range removed {
		fmt.Fprintf(stdout, "removed %s\n", r)
	}
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "purged %d segments before the checkpoint at zxid %s\n", len(removed), zxid)
	return 0
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "paddock: %v\n", err)
	return 1
}

func openIn(name string) (io.Reader, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

func openOut(name string) (io.Writer, func() error, error) {
	if name == "-" {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() error {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}, nil
}
