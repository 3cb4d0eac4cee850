package zkcli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/zk"
)

// Output formats of zkCli.sh, each named after the Java code it mirrors.

// printStat is StatPrinter.print.
func printStat(w io.Writer, s zk.Stat, loc *time.Location) {
	fmt.Fprintf(w, "cZxid = 0x%x\n", uint64(s.Czxid))
	fmt.Fprintf(w, "ctime = %s\n", javaDate(s.Ctime, loc))
	fmt.Fprintf(w, "mZxid = 0x%x\n", uint64(s.Mzxid))
	fmt.Fprintf(w, "mtime = %s\n", javaDate(s.Mtime, loc))
	fmt.Fprintf(w, "pZxid = 0x%x\n", uint64(s.Pzxid))
	fmt.Fprintf(w, "cversion = %d\n", s.Cversion)
	fmt.Fprintf(w, "dataVersion = %d\n", s.Version)
	fmt.Fprintf(w, "aclVersion = %d\n", s.Aversion)
	fmt.Fprintf(w, "ephemeralOwner = 0x%x\n", uint64(s.EphemeralOwner))
	fmt.Fprintf(w, "dataLength = %d\n", s.DataLength)
	fmt.Fprintf(w, "numChildren = %d\n", s.NumChildren)
}

// javaDate formats milliseconds since the epoch as java.util.Date's
// toString does, "EEE MMM dd HH:mm:ss zzz yyyy" in the local zone: "Mon
// Nov 23 19:20:43 UTC 2026". A zone without an abbreviation prints as
// Java's GMT+hh:mm.
func javaDate(ms int64, loc *time.Location) string {
	t := time.UnixMilli(ms).In(loc)
	zone, off := t.Zone()
	if zone == "" || zone[0] == '+' || zone[0] == '-' {
		sign := '+'
		if off < 0 {
			sign, off = '-', -off
		}
		zone = fmt.Sprintf("GMT%c%02d:%02d", sign, off/3600, off/60%60)
	}
	return t.Format("Mon Jan 02 15:04:05 ") + zone + " " + t.Format("2006")
}

// permString is ZKUtil.getPermString: the letters of perms, in the order
// c d r w a.
func permString(perms int32) string {
	var b []byte
	for _, p := range []struct {
		bit int32
		c   byte
	}{{zk.PermCreate, 'c'}, {zk.PermDelete, 'd'}, {zk.PermRead, 'r'}, {zk.PermWrite, 'w'}, {zk.PermAdmin, 'a'}} {
		if perms&p.bit != 0 {
			b = append(b, p.c)
		}
	}
	return string(b)
}

// idString is jute's toString of an Id (ToStringOutputArchive): each
// string quoted with a leading ' and escaped, comma-separated, and a
// newline ending the top-level record. getAcl prints it followed by ": "
// and the permissions, hence its two-line output.
func idString(id zk.Id) string {
	return "'" + juteEscape(id.Scheme) + ",'" + juteEscape(id.ID) + "\n"
}

func juteEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case 0:
			b.WriteString("%00")
		case '\n':
			b.WriteString("%0A")
		case '\r':
			b.WriteString("%0D")
		case ',':
			b.WriteString("%2C")
		case '}':
			b.WriteString("%7D")
		case '%':
			b.WriteString("%25")
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// javaString is new String(data, UTF_8): invalid UTF-8 turns into U+FFFD,
// one per bad byte; a nil slice (a null znode) prints as "null".
func javaString(data []byte) string {
	if data == nil {
		return "null"
	}
	if utf8.Valid(data) {
		return string(data)
	}
	var b strings.Builder
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		b.WriteRune(r)
		data = data[n:]
	}
	return b.String()
}

// javaList is List.toString: "[a, b]".
func javaList(s []string) string { return "[" + strings.Join(s, ", ") + "]" }

var keeperStateNames = map[zk.KeeperState]string{
	-1: "Unknown", zk.StateDisconnected: "Disconnected", 1: "NoSyncConnected",
	zk.StateSyncConnected: "SyncConnected", zk.StateAuthFailed: "AuthFailed",
	zk.StateConnectedReadOnly: "ConnectedReadOnly", zk.StateSaslAuthenticated: "SaslAuthenticated",
	zk.StateExpired: "Expired", zk.StateClosed: "Closed",
}

var eventTypeNames = map[zk.EventType]string{
	zk.EventNone: "None", zk.EventNodeCreated: "NodeCreated", zk.EventNodeDeleted: "NodeDeleted",
	zk.EventNodeDataChanged: "NodeDataChanged", zk.EventNodeChildrenChanged: "NodeChildrenChanged",
	zk.EventDataWatchRemoved: "DataWatchRemoved", zk.EventChildWatchRemoved: "ChildWatchRemoved",
	zk.EventPersistentWatchRemoved: "PersistentWatchRemoved",
}

// eventString is WatchedEvent.toString; state changes have the path null.
func eventString(ev zkclient.Event) string {
	state, ok := keeperStateNames[ev.State]
	if !ok {
		state = strconv.Itoa(int(ev.State))
	}
	typ, ok := eventTypeNames[ev.Type]
	if !ok {
		typ = strconv.Itoa(int(ev.Type))
	}
	path := ev.Path
	if ev.Type == zk.EventNone && path == "" {
		path = "null"
	}
	return "WatchedEvent state:" + state + " type:" + typ + " path:" + path
}

// codeMessages are KeeperException.getCodeMessage's texts; codes it does
// not name (UnknownSession, RequestTimeout) print as "Unknown error N".
var codeMessages = map[zk.Code]string{
	zk.CodeOK:                       "ok",
	zk.CodeSystemError:              "SystemError",
	zk.CodeRuntimeInconsistency:     "RuntimeInconsistency",
	zk.CodeDataInconsistency:        "DataInconsistency",
	zk.CodeConnectionLoss:           "ConnectionLoss",
	zk.CodeMarshallingError:         "MarshallingError",
	zk.CodeNewConfigNoQuorum:        "NewConfigNoQuorum",
	zk.CodeReconfigInProgress:       "ReconfigInProgress",
	zk.CodeUnimplemented:            "Unimplemented",
	zk.CodeOperationTimeout:         "OperationTimeout",
	zk.CodeBadArguments:             "BadArguments",
	zk.CodeAPIError:                 "APIError",
	zk.CodeNoNode:                   "NoNode",
	zk.CodeNoAuth:                   "NoAuth",
	zk.CodeBadVersion:               "BadVersion",
	zk.CodeNoChildrenForEphemerals:  "NoChildrenForEphemerals",
	zk.CodeNodeExists:               "NodeExists",
	zk.CodeInvalidACL:               "InvalidACL",
	zk.CodeAuthFailed:               "AuthFailed",
	zk.CodeNotEmpty:                 "Directory not empty",
	zk.CodeSessionExpired:           "Session expired",
	zk.CodeInvalidCallback:          "Invalid callback",
	zk.CodeSessionMoved:             "Session moved",
	zk.CodeNotReadOnly:              "Not a read-only call",
	zk.CodeEphemeralOnLocalSession:  "Ephemeral node on local session",
	zk.CodeNoWatcher:                "No such watcher",
	zk.CodeReconfigDisabled:         "Reconfig is disabled",
	zk.CodeSessionClosedRequireSASL: "Session closed because client failed to authenticate",
	zk.CodeQuotaExceeded:            "Quota has exceeded",
	zk.CodeThrottledOp:              "Op throttled due to high load",
}

// keeperMessage is KeeperException.getMessage: "KeeperErrorCode = NoNode
// for /x", without " for ..." when path is "" (the Java exception's path
// is null or empty).
func keeperMessage(c zk.Code, path string) string {
	m, ok := codeMessages[c]
	if !ok {
		m = "Unknown error " + strconv.Itoa(int(c))
	}
	if path == "" {
		return "KeeperErrorCode = " + m
	}
	return "KeeperErrorCode = " + m + " for " + path
}
