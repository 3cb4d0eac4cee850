package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paddockdb/paddock/txnlog"
	"github.com/paddockdb/paddock/zk"
)

const logUsage = `usage: paddock log dump|verify [-dir DATALOGDIR | zoo.cfg]

  dump     print every txn of the log, one a line, as ZooKeeper's TxnLogToolkit:
           time, session, cxid, zxid (hex), op and its arguments
  verify   check every record's checksum and order; exit 1 at the first bad one
`

// runLog is `paddock log dump|verify`.
func runLog(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, logUsage)
		return 2
	}
	verb := args[0]
	fs := flag.NewFlagSet("log "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "the txn log directory (dataLogDir)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	// -dir names the log directory itself; a zoo.cfg gives its dataLogDir.
	_, logDir, rest, err := dirs(fs, *dir, *dir)
	if err != nil {
		return fail(stderr, err)
	}
	if len(rest) != 0 {
		fmt.Fprint(stderr, logUsage)
		return 2
	}
	*dir = logDir
	switch verb {
	case "dump":
		err := txnlog.ReadDir(txnlog.OSFS(), *dir, func(seg string, off int64, index uint64, data []byte) error {
			txn, err := zk.DecodeTxn(data)
			if err != nil {
				return fmt.Errorf("%s offset %d: record %#x does not decode: %w", seg, off, index, err)
			}
			fmt.Fprintln(stdout, FormatTxn(&txn))
			return nil
		})
		if err != nil {
			fmt.Fprintf(stderr, "paddock: %v\n", err)
			return 1
		}
		return 0
	case "verify":
		rep, err := txnlog.Verify(txnlog.OSFS(), *dir)
		if err != nil {
			fmt.Fprintf(stderr, "paddock: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: OK\n%s\n", *dir, rep)
		return 0
	}
	fmt.Fprint(stderr, logUsage)
	return 2
}

// FormatTxn prints a txn on one line: ZooKeeper's TxnLogToolkit prefix
// (time, session, cxid, zxid, op) then the body's fields.
func FormatTxn(t *zk.Txn) string {
	h := t.Header
	var b strings.Builder
	fmt.Fprintf(&b, "%s session %#x cxid %#x zxid %s %s", time.UnixMilli(h.Time).UTC().Format("2006-01-02T15:04:05.000Z"),
		uint64(h.ClientID), uint32(h.Cxid), h.Zxid, h.Type)
	if body := formatBody(t.Body); body != "" {
		b.WriteString(" ")
		b.WriteString(body)
	}
	return b.String()
}

func formatBody(r zk.Record) string {
	switch b := r.(type) {
	case *zk.CreateTxn:
		return fmt.Sprintf("%s data=%s acl=%s ephemeral=%t parentCVersion=%d", b.Path, quoteData(b.Data), formatACL(b.ACL), b.Ephemeral, b.ParentCVersion)
	case *zk.CreateContainerTxn:
		return fmt.Sprintf("%s data=%s acl=%s parentCVersion=%d", b.Path, quoteData(b.Data), formatACL(b.ACL), b.ParentCVersion)
	case *zk.CreateTTLTxn:
		return fmt.Sprintf("%s data=%s acl=%s parentCVersion=%d ttl=%d", b.Path, quoteData(b.Data), formatACL(b.ACL), b.ParentCVersion, b.TTL)
	case *zk.DeleteTxn:
		return b.Path
	case *zk.SetDataTxn:
		return fmt.Sprintf("%s data=%s version=%d", b.Path, quoteData(b.Data), b.Version)
	case *zk.SetACLTxn:
		return fmt.Sprintf("%s acl=%s version=%d", b.Path, formatACL(b.ACL), b.Version)
	case *zk.CheckVersionTxn:
		return fmt.Sprintf("%s version=%d", b.Path, b.Version)
	case *zk.CreateSessionTxn:
		return fmt.Sprintf("timeout=%d", b.TimeOut)
	case *zk.CloseSessionTxn:
		return "ephemerals=[" + strings.Join(b.Paths2Delete, ",") + "]"
	case *zk.ErrorTxn:
		return fmt.Sprintf("err=%d (%s)", int32(b.Err), strings.TrimPrefix(b.Err.Error(), "zk: "))
	case *zk.MultiTxn:
		parts := make([]string, len(b.Txns))
		for i, op := range b.Txns {
			parts[i] = op.Type.String()
			if s := formatBody(op.Body); s != "" {
				parts[i] += " " + s
			}
		}
		return "[" + strings.Join(parts, "; ") + "]"
	case nil:
		return ""
	}
	return fmt.Sprintf("%+v", r)
}

func formatACL(acl []zk.ACL) string {
	parts := make([]string, len(acl))
	for i, a := range acl {
		perms := ""
		for _, p := range []struct {
			bit int32
			c   string
		}{{zk.PermCreate, "c"}, {zk.PermDelete, "d"}, {zk.PermRead, "r"}, {zk.PermWrite, "w"}, {zk.PermAdmin, "a"}} {
			if a.Perms&p.bit != 0 {
				perms += p.c
			}
		}
		parts[i] = a.ID.Scheme + ":" + a.ID.ID + ":" + perms
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// quoteData prints data as a Go-quoted string when it is text, else as hex.
func quoteData(d []byte) string {
	if d == nil {
		return "null"
	}
	if utf8.Valid(d) {
		return strconv.Quote(string(d))
	}
	return fmt.Sprintf("#%x", d)
}
