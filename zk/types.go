package zk

import (
	"fmt"
	"strconv"
)

// Zxid is a ZooKeeper transaction id: the epoch (leader term) in the high 32
// bits and a counter within the epoch in the low 32 bits.
type Zxid int64

// MakeZxid builds a Zxid from an epoch and a counter.
func MakeZxid(epoch, counter uint32) Zxid { return Zxid(uint64(epoch)<<32 | uint64(counter)) }

// Epoch returns the high 32 bits.
func (z Zxid) Epoch() uint32 { return uint32(uint64(z) >> 32) }

// Counter returns the low 32 bits.
func (z Zxid) Counter() uint32 { return uint32(uint64(z)) }

// String prints the zxid as ZooKeeper logs it: 0x followed by lower-case hex.
func (z Zxid) String() string { return "0x" + strconv.FormatUint(uint64(z), 16) }

// SessionID identifies a client session. ZooKeeper puts the server id in the
// high byte.
type SessionID int64

// String prints the id as ZooKeeper logs it: 0x followed by lower-case hex.
func (s SessionID) String() string { return "0x" + strconv.FormatUint(uint64(s), 16) }

// Stat is a znode's metadata as sent to clients (jute data.Stat).
type Stat struct {
	Czxid          Zxid
	Mzxid          Zxid
	Ctime          int64 // milliseconds since the epoch
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner SessionID
	DataLength     int32
	NumChildren    int32
	Pzxid          Zxid
}

// Id is an authentication identity: a scheme and an id within it.
type Id struct {
	Scheme string
	ID     string
}

// ACL grants Perms to the identities matched by ID.
type ACL struct {
	Perms int32
	ID    Id
}

// Permission bits of an ACL.
const (
	PermRead   int32 = 1 << 0
	PermWrite  int32 = 1 << 1
	PermCreate int32 = 1 << 2
	PermDelete int32 = 1 << 3
	PermAdmin  int32 = 1 << 4
	PermAll    int32 = PermRead | PermWrite | PermCreate | PermDelete | PermAdmin
)

// Well-known identities and ACLs (ZooDefs.Ids).
var (
	AnyoneID = Id{Scheme: "world", ID: "anyone"}
	AuthIDs  = Id{Scheme: "auth", ID: ""}
)

// OpenACLUnsafe is world:anyone with every permission.
func OpenACLUnsafe() []ACL { return []ACL{{Perms: PermAll, ID: AnyoneID}} }

// ReadACLUnsafe is world:anyone with read permission.
func ReadACLUnsafe() []ACL { return []ACL{{Perms: PermRead, ID: AnyoneID}} }

// ClientInfo is one entry of a whoAmI response.
type ClientInfo struct {
	AuthScheme string
	User       string
}

// OpCode is a request type (ZooDefs.OpCode). Values never change.
type OpCode int32

// Op codes of the client protocol and the transaction log.
const (
	OpNotification         OpCode = 0
	OpCreate               OpCode = 1
	OpDelete               OpCode = 2
	OpExists               OpCode = 3
	OpGetData              OpCode = 4
	OpSetData              OpCode = 5
	OpGetACL               OpCode = 6
	OpSetACL               OpCode = 7
	OpGetChildren          OpCode = 8
	OpSync                 OpCode = 9
	OpPing                 OpCode = 11
	OpGetChildren2         OpCode = 12
	OpCheck                OpCode = 13
	OpMulti                OpCode = 14
	OpCreate2              OpCode = 15
	OpReconfig             OpCode = 16
	OpCheckWatches         OpCode = 17
	OpRemoveWatches        OpCode = 18
	OpCreateContainer      OpCode = 19
	OpDeleteContainer      OpCode = 20
	OpCreateTTL            OpCode = 21
	OpMultiRead            OpCode = 22
	OpAuth                 OpCode = 100
	OpSetWatches           OpCode = 101
	OpSASL                 OpCode = 102
	OpGetEphemerals        OpCode = 103
	OpGetAllChildrenNumber OpCode = 104
	OpSetWatches2          OpCode = 105
	OpAddWatch             OpCode = 106
	OpWhoAmI               OpCode = 107
	OpCreateSession        OpCode = -10
	OpCloseSession         OpCode = -11
	OpError                OpCode = -1
)

var opNames = map[OpCode]string{
	OpNotification: "notification", OpCreate: "create", OpDelete: "delete", OpExists: "exists",
	OpGetData: "getData", OpSetData: "setData", OpGetACL: "getACL", OpSetACL: "setACL",
	OpGetChildren: "getChildren", OpSync: "sync", OpPing: "ping", OpGetChildren2: "getChildren2",
	OpCheck: "check", OpMulti: "multi", OpCreate2: "create2", OpReconfig: "reconfig",
	OpCheckWatches: "checkWatches", OpRemoveWatches: "removeWatches",
	OpCreateContainer: "createContainer", OpDeleteContainer: "deleteContainer",
	OpCreateTTL: "createTTL", OpMultiRead: "multiRead", OpAuth: "auth", OpSetWatches: "setWatches",
	OpSASL: "sasl", OpGetEphemerals: "getEphemerals", OpGetAllChildrenNumber: "getAllChildrenNumber",
	OpSetWatches2: "setWatches2", OpAddWatch: "addWatch", OpWhoAmI: "whoAmI",
	OpCreateSession: "createSession", OpCloseSession: "closeSession", OpError: "error",
}

// String returns ZooKeeper's name for the op (Request.op2String).
func (o OpCode) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("unknown %d", int32(o))
}

// Special xids of the client protocol.
const (
	XidWatchEvent   int32 = -1
	XidPing         int32 = -2
	XidAuth         int32 = -4
	XidSetWatches   int32 = -8
	XidNotification       = XidWatchEvent
)

// Code is a ZooKeeper error code (KeeperException.Code). Values never change.
type Code int32

// Error codes.
const (
	CodeOK                       Code = 0
	CodeSystemError              Code = -1
	CodeRuntimeInconsistency     Code = -2
	CodeDataInconsistency        Code = -3
	CodeConnectionLoss           Code = -4
	CodeMarshallingError         Code = -5
	CodeUnimplemented            Code = -6
	CodeOperationTimeout         Code = -7
	CodeBadArguments             Code = -8
	CodeUnknownSession           Code = -12
	CodeNewConfigNoQuorum        Code = -13
	CodeReconfigInProgress       Code = -14
	CodeAPIError                 Code = -100
	CodeNoNode                   Code = -101
	CodeNoAuth                   Code = -102
	CodeBadVersion               Code = -103
	CodeNoChildrenForEphemerals  Code = -108
	CodeNodeExists               Code = -110
	CodeNotEmpty                 Code = -111
	CodeSessionExpired           Code = -112
	CodeInvalidCallback          Code = -113
	CodeInvalidACL               Code = -114
	CodeAuthFailed               Code = -115
	CodeSessionMoved             Code = -118
	CodeNotReadOnly              Code = -119
	CodeEphemeralOnLocalSession  Code = -120
	CodeNoWatcher                Code = -121
	CodeRequestTimeout           Code = -122
	CodeReconfigDisabled         Code = -123
	CodeSessionClosedRequireSASL Code = -124
	CodeQuotaExceeded            Code = -125
	CodeThrottledOp              Code = -127
)

var codeNames = map[Code]string{
	CodeOK: "ok", CodeSystemError: "system error", CodeRuntimeInconsistency: "runtime inconsistency",
	CodeDataInconsistency: "data inconsistency", CodeConnectionLoss: "connection loss",
	CodeMarshallingError: "marshalling error", CodeUnimplemented: "unimplemented",
	CodeOperationTimeout: "operation timeout", CodeBadArguments: "bad arguments",
	CodeUnknownSession: "unknown session", CodeNewConfigNoQuorum: "no quorum of new config",
	CodeReconfigInProgress: "reconfig in progress", CodeAPIError: "api error",
	CodeNoNode: "no node", CodeNoAuth: "not authenticated", CodeBadVersion: "bad version",
	CodeNoChildrenForEphemerals: "no children for ephemerals", CodeNodeExists: "node exists",
	CodeNotEmpty: "directory not empty", CodeSessionExpired: "session expired",
	CodeInvalidCallback: "invalid callback", CodeInvalidACL: "invalid ACL",
	CodeAuthFailed: "authentication failed", CodeSessionMoved: "session moved",
	CodeNotReadOnly: "not a read-only call", CodeEphemeralOnLocalSession: "ephemeral on local session",
	CodeNoWatcher: "no watcher", CodeRequestTimeout: "request timeout",
	CodeReconfigDisabled: "reconfig disabled", CodeSessionClosedRequireSASL: "session closed, SASL auth required",
	CodeQuotaExceeded: "quota exceeded", CodeThrottledOp: "throttled op",
}

// Error implements error, so a Code can be returned and compared directly.
func (c Code) Error() string {
	if s, ok := codeNames[c]; ok {
		return "zk: " + s
	}
	return fmt.Sprintf("zk: unknown error %d", int32(c))
}

// EventType is the type of a watch event (Watcher.Event.EventType).
type EventType int32

// Event types.
const (
	EventNone                   EventType = -1
	EventNodeCreated            EventType = 1
	EventNodeDeleted            EventType = 2
	EventNodeDataChanged        EventType = 3
	EventNodeChildrenChanged    EventType = 4
	EventDataWatchRemoved       EventType = 5
	EventChildWatchRemoved      EventType = 6
	EventPersistentWatchRemoved EventType = 7
)

// KeeperState is the client state carried by a watch event.
type KeeperState int32

// Keeper states.
const (
	StateDisconnected      KeeperState = 0
	StateSyncConnected     KeeperState = 3
	StateAuthFailed        KeeperState = 4
	StateConnectedReadOnly KeeperState = 5
	StateSaslAuthenticated KeeperState = 6
	StateExpired           KeeperState = -112
	StateClosed            KeeperState = 7
)

// CreateMode flags of create requests.
const (
	ModePersistent                  int32 = 0
	ModeEphemeral                   int32 = 1
	ModePersistentSequential        int32 = 2
	ModeEphemeralSequential         int32 = 3
	ModeContainer                   int32 = 4
	ModePersistentWithTTL           int32 = 5
	ModePersistentSequentialWithTTL int32 = 6
)

// WatcherType selects watches in checkWatches and removeWatches requests.
const (
	WatcherTypeChildren            int32 = 1
	WatcherTypeData                int32 = 2
	WatcherTypeAny                 int32 = 3
	WatcherTypePersistent          int32 = 4
	WatcherTypePersistentRecursive int32 = 5
)

// AddWatch modes.
const (
	AddWatchModePersistent          int32 = 0
	AddWatchModePersistentRecursive int32 = 1
)

// Limits and fixed values of the protocol.
const (
	// DefaultMaxBuffer is jute.maxbuffer's default: the largest packet
	// (and so the largest znode data) accepted, 1 MiB - 1.
	DefaultMaxBuffer = 0xfffff
	// PasswordLen is the length of a session password.
	PasswordLen = 16
	// ProtocolVersion is the only protocol version ZooKeeper has used.
	ProtocolVersion = 0
)
