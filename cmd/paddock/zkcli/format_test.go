package zkcli

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/zk"
)

func TestJavaDate(t *testing.T) {
	ms := time.Date(2026, 11, 23, 19, 20, 43, 0, time.UTC).UnixMilli()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("zoneinfo: %v", err)
	}
	for _, tc := range []struct {
		loc  *time.Location
		want string
	}{
		{time.UTC, "Mon Nov 23 19:20:43 UTC 2026"},
		{ny, "Mon Nov 23 14:20:43 EST 2026"},
		{time.FixedZone("", 5*3600+30*60), "Tue Nov 24 00:50:43 GMT+05:30 2026"},
		{time.FixedZone("", -3*3600), "Mon Nov 23 16:20:43 GMT-03:00 2026"},
	} {
		if got := javaDate(ms, tc.loc); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.loc, got, tc.want)
		}
	}
	if got := javaDate(0, time.UTC); got != "Thu Jan 01 00:00:00 UTC 1970" {
		t.Errorf("epoch: %q", got)
	}
}

func TestPrintStat(t *testing.T) {
	var b bytes.Buffer
	printStat(&b, zk.Stat{Czxid: 0x2, Mzxid: 0x3, Pzxid: 0x2, Version: 1, EphemeralOwner: 0x1000abc, DataLength: 4, Aversion: -1}, time.UTC)
	want := `cZxid = 0x2
ctime = Thu Jan 01 00:00:00 UTC 1970
mZxid = 0x3
mtime = Thu Jan 01 00:00:00 UTC 1970
pZxid = 0x2
cversion = 0
dataVersion = 1
aclVersion = -1
ephemeralOwner = 0x1000abc
dataLength = 4
numChildren = 0
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	printStat(&b, zk.Stat{Czxid: -1, EphemeralOwner: -2}, time.UTC)
	if !strings.HasPrefix(b.String(), "cZxid = 0xffffffffffffffff\n") || !strings.Contains(b.String(), "ephemeralOwner = 0xfffffffffffffffe\n") {
		t.Fatalf("negative values as Java's Long.toHexString: %s", b.String())
	}
}

func TestACLStrings(t *testing.T) {
	for _, tc := range []struct {
		acl  zk.ACL
		want string
	}{
		{zk.ACL{Perms: zk.PermAll, ID: zk.AnyoneID}, "'world,'anyone\n: cdrwa"},
		{zk.ACL{Perms: zk.PermRead | zk.PermAdmin, ID: zk.Id{Scheme: "digest", ID: "u1:x"}}, "'digest,'u1:x\n: ra"},
		{zk.ACL{Perms: 0, ID: zk.Id{Scheme: "ip", ID: "a,b%c}\n"}}, "'ip,'a%2Cb%25c%7D%0A\n: "},
	} {
		if got := idString(tc.acl.ID) + ": " + permString(tc.acl.Perms); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.acl, got, tc.want)
		}
	}
}

func TestParseACL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []zk.ACL
		errs string
	}{
		{"world:anyone:cdrwa", []zk.ACL{{Perms: zk.PermAll, ID: zk.AnyoneID}}, ""},
		{"ip:1.2.3.4:r,digest:u:hash=:rw", []zk.ACL{
			{Perms: zk.PermRead, ID: zk.Id{Scheme: "ip", ID: "1.2.3.4"}},
			{Perms: zk.PermRead | zk.PermWrite, ID: zk.Id{Scheme: "digest", ID: "u:hash="}}}, ""},
		{"world:anyone:rx", []zk.ACL{{Perms: zk.PermRead, ID: zk.AnyoneID}}, "Unknown perm type: x\n"},
		{"foo", []zk.ACL{}, "foo does not have the form scheme:id:perm\n"},
		{"a:b,world:anyone:r,", []zk.ACL{{Perms: zk.PermRead, ID: zk.AnyoneID}}, "a:b does not have the form scheme:id:perm\n"},
		{"", []zk.ACL{}, " does not have the form scheme:id:perm\n"},
		{",,", []zk.ACL{}, ""},
	} {
		var errw bytes.Buffer
		got := parseACL(tc.in, &errw)
		if !slices.Equal(got, tc.want) || errw.String() != tc.errs {
			t.Errorf("parseACL(%q) = %v %q, want %v %q", tc.in, got, errw.String(), tc.want, tc.errs)
		}
	}
}

func TestEventString(t *testing.T) {
	for _, tc := range []struct {
		ev   zkclient.Event
		want string
	}{
		{zkclient.Event{Type: zk.EventNone, State: zk.StateSyncConnected}, "WatchedEvent state:SyncConnected type:None path:null"},
		{zkclient.Event{Type: zk.EventNone, State: zk.StateExpired}, "WatchedEvent state:Expired type:None path:null"},
		{zkclient.Event{Type: zk.EventNodeDataChanged, State: zk.StateSyncConnected, Path: "/x"}, "WatchedEvent state:SyncConnected type:NodeDataChanged path:/x"},
		{zkclient.Event{Type: zk.EventDataWatchRemoved, State: zk.StateDisconnected, Path: "/x"}, "WatchedEvent state:Disconnected type:DataWatchRemoved path:/x"},
		{zkclient.Event{Type: 99, State: 42, Path: "/x"}, "WatchedEvent state:42 type:99 path:/x"},
	} {
		if got := eventString(tc.ev); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.ev, got, tc.want)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		err  error
		path string
		want string
	}{
		{zk.CodeNoNode, "/x", "Node does not exist: /x"},
		{zk.CodeNodeExists, "/x", "Node already exists: /x"},
		{zk.CodeNotEmpty, "/x", "Node not empty: /x"},
		{zk.CodeBadVersion, "/x", "version No is not valid : /x"},
		{zk.CodeNoAuth, "/x", "Insufficient permission : /x"},
		{zk.CodeNoAuth, noPath, "Insufficient permission : null"},
		{zk.CodeNoChildrenForEphemerals, "/x", "Ephemerals cannot have children: /x"},
		{zk.CodeInvalidACL, "/x", "Acl is not valid : /x"},
		{zkclient.ErrEmptyACL, "/x", "Acl is not valid : null"},
		{zk.CodeBadArguments, "/x", "Arguments are not valid : /x"},
		{zk.CodeNotReadOnly, "/x", "Not a read-only call: /x"},
		{zk.CodeQuotaExceeded, "/x", "Quota has exceeded : /x"},
		{zk.CodeNoWatcher, "/x", "KeeperErrorCode = No such watcher for /x"},
		{zk.CodeConnectionLoss, "/x", "KeeperErrorCode = ConnectionLoss for /x"},
		{zk.CodeConnectionLoss, noPath, "KeeperErrorCode = ConnectionLoss"},
		{zk.CodeReconfigDisabled, "", "KeeperErrorCode = Reconfig is disabled"},
		{zk.CodeReconfigInProgress, "", "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)"},
		{zk.CodeUnknownSession, "/x", "KeeperErrorCode = Unknown error -12 for /x"},
		{zkclient.ErrClosed, "/x", "KeeperErrorCode = Session expired for /x"},
		{fmt.Errorf("wrapped: %w", zk.CodeNoNode), "/y", "Node does not exist: /y"},
		{&zkclient.ArgumentError{Msg: "Path must start with / character"}, "x", "Path must start with / character"},
		{errors.New("other"), "/x", "other"},
	} {
		if got := wrap(tc.err, tc.path).Error(); got != tc.want {
			t.Errorf("wrap(%v, %q) = %q, want %q", tc.err, tc.path, got, tc.want)
		}
	}
}

func TestClientConfigString(t *testing.T) {
	cfg := "server.2=h2:2888:3888:participant;0.0.0.0:2182\nserver.1=h1:2888:3888:participant;127.0.0.1:2181\n" +
		"server.3=h3:2888:3888:observer;2183\nversion=100000000\n"
	if got := clientConfigString(cfg); got != "100000000 127.0.0.1:2181,0.0.0.0:2182,0.0.0.0:2183" {
		t.Fatalf("%q", got)
	}
	if got := clientConfigString(""); got != " " {
		t.Fatalf("empty config: %q", got)
	}
}

func TestJavaString(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
	}{{nil, "null"}, {[]byte{}, ""}, {[]byte("héllo"), "héllo"}, {[]byte{'a', 0xff, 0xfe, 'b'}, "a\ufffd\ufffdb"}} {
		if got := javaString(tc.in); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestStatsTrack(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want statsTrack
		out  string
		ok   bool
	}{
		{"count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1",
			statsTrack{"count": 5, "bytes": -1, "byteHardLimit": -1, "countHardLimit": -1},
			"count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1", true},
		{"count=2,bytes=0", statsTrack{"count": 2, "bytes": 0}, "count=2,bytes=0", true},
		{"", statsTrack{}, "count=-1,bytes=-1", true},
		{"count==5,bytes=4", statsTrack{"count": -1, "bytes": 4}, "count=-1,bytes=4", true},
		{"count=,bytes=4", nil, "", false}, // Java: ArrayIndexOutOfBoundsException
		{"bytes=7;;,count=1", statsTrack{"bytes": 7, "count": 1}, "count=1,bytes=7", true},
		{"count=1,", statsTrack{"count": 1}, "count=1,bytes=-1", true},
		{"count", nil, "", false},
		{",count=1", nil, "", false},
		{"count=x", nil, "", false},
		{"count= 1", nil, "", false},
	} {
		st, err := parseStatsTrack(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("parse(%q): %v", tc.in, err)
			continue
		}
		if !tc.ok {
			continue
		}
		if len(st) != len(tc.want) {
			t.Errorf("parse(%q) = %v, want %v", tc.in, st, tc.want)
		}
		for k, v := range tc.want {
			if st[k] != v {
				t.Errorf("parse(%q)[%s] = %d, want %d", tc.in, k, st[k], v)
			}
		}
		if st.String() != tc.out {
			t.Errorf("parse(%q).String() = %q, want %q", tc.in, st.String(), tc.out)
		}
	}
}
