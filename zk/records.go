package zk

// Record is a jute record. Append encodes it onto dst; Decode reads it from
// d, leaving any error sticky in d.
//
// NB: Decode aliases d's input: decoded strings and []byte fields share
// memory with the buffer given to NewDecoder. A caller that keeps a decoded
// value after reusing that buffer must copy it (strings.Clone, bytes.Clone).
type Record interface {
	Append(dst []byte) []byte
	Decode(d *Decoder)
}

// ---- Client protocol (module org.apache.zookeeper.proto) ----

// ConnectRequest opens or re-attaches a session. ReadOnly is an optional
// trailing byte: clients older than 3.3 omit it, and so does go-zookeeper;
// HasReadOnly records whether it was present, and Append writes it only then.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    Zxid
	TimeOut         int32
	SessionID       SessionID
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// ConnectResponse answers a ConnectRequest. As for the request, the
// ReadOnly byte is written only when HasReadOnly is set (ZooKeeper echoes
// the byte only to clients that sent it).
type ConnectResponse struct {
	ProtocolVersion int32
	TimeOut         int32
	SessionID       SessionID
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

type SetWatches struct {
	RelativeZxid Zxid
	DataWatches  []string
	ExistWatches []string
	ChildWatches []string
}

type SetWatches2 struct {
	RelativeZxid               Zxid
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

type RequestHeader struct {
	Xid  int32
	Type OpCode
}

type MultiHeader struct {
	Type OpCode
	Done bool
	Err  Code
}

type AuthPacket struct {
	Type   int32
	Scheme string
	Auth   []byte
}

type ReplyHeader struct {
	Xid  int32
	Zxid Zxid
	Err  Code
}

type GetDataRequest struct {
	Path  string
	Watch bool
}

type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

type ReconfigRequest struct {
	JoiningServers string
	LeavingServers string
	NewMembers     string
	CurConfigID    int64
}

type SetDataResponse struct{ Stat Stat }

type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
}

type CreateTTLRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
	TTL   int64
}

type DeleteRequest struct {
	Path    string
	Version int32
}

type GetChildrenRequest struct {
	Path  string
	Watch bool
}

type GetAllChildrenNumberRequest struct{ Path string }

type GetChildren2Request struct {
	Path  string
	Watch bool
}

type CheckVersionRequest struct {
	Path    string
	Version int32
}

type SyncRequest struct{ Path string }

type SyncResponse struct{ Path string }

type GetACLRequest struct{ Path string }

type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

type SetACLResponse struct{ Stat Stat }

type AddWatchRequest struct {
	Path string
	Mode int32
}

type WatcherEvent struct {
	Type  EventType
	State KeeperState
	Path  string
}

type ErrorResponse struct{ Err Code }

type CreateResponse struct{ Path string }

type Create2Response struct {
	Path string
	Stat Stat
}

type ExistsRequest struct {
	Path  string
	Watch bool
}

type ExistsResponse struct{ Stat Stat }

type GetDataResponse struct {
	Data []byte
	Stat Stat
}

type GetChildrenResponse struct{ Children []string }

type GetAllChildrenNumberResponse struct{ TotalNumber int32 }

type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

type CheckWatchesRequest struct {
	Path string
	Type int32
}

type RemoveWatchesRequest struct {
	Path string
	Type int32
}

type GetEphemeralsRequest struct{ PrefixPath string }

type GetEphemeralsResponse struct{ Ephemerals []string }

type WhoAmIResponse struct{ ClientInfo []ClientInfo }

// MultiOp is one operation of a multi or multiRead request: its header and
// its request record (*CreateRequest, *CreateTTLRequest, *DeleteRequest,
// *SetDataRequest, *CheckVersionRequest, *GetChildrenRequest,
// *GetDataRequest).
type MultiOp struct {
	Header MultiHeader
	Body   Record
}

// MultiRequest is the body of multi (14) and multiRead (22): ops each behind a
// MultiHeader, ended by MultiHeader{Type: -1, Done: true, Err: -1}.
type MultiRequest struct{ Ops []MultiOp }

// MultiResult is one result of a multi response. Type is the op code of the
// result (or OpError, with Body *ErrorResponse); Body is nil for delete and
// check, *CreateResponse for create, *Create2Response for create2,
// createContainer and createTTL, *SetDataResponse for setData,
// *GetChildrenResponse and *GetDataResponse for multiRead.
type MultiResult struct {
	Header MultiHeader
	Body   Record
}

// MultiResponse is the body of a multi or multiRead reply, ended like the
// request by MultiHeader{Type: -1, Done: true, Err: -1}.
type MultiResponse struct{ Results []MultiResult }

// ---- Transaction log records (module org.apache.zookeeper.txn) ----

type TxnHeader struct {
	ClientID SessionID
	Cxid     int32
	Zxid     Zxid
	Time     int64 // milliseconds since the epoch
	Type     OpCode
}

type CreateTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	Ephemeral      bool
	ParentCVersion int32
}

type CreateTTLTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCVersion int32
	TTL            int64
}

type CreateContainerTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCVersion int32
}

type DeleteTxn struct{ Path string }

type SetDataTxn struct {
	Path    string
	Data    []byte
	Version int32
}

type CheckVersionTxn struct {
	Path    string
	Version int32
}

type SetACLTxn struct {
	Path    string
	ACL     []ACL
	Version int32
}

type CreateSessionTxn struct{ TimeOut int32 }

type CloseSessionTxn struct{ Paths2Delete []string }

type ErrorTxn struct{ Err Code }

// TxnOp is one element of a MultiTxn: jute's Txn{int type; buffer data},
// with the buffer decoded into the record its type names.
type TxnOp struct {
	Type OpCode
	Body Record
}

type MultiTxn struct{ Txns []TxnOp }

// Txn is one transaction as the log holds it: a header and the body record
// that Header.Type selects (*CreateTxn for create and create2,
// *CreateContainerTxn, *CreateTTLTxn, *DeleteTxn for delete and
// deleteContainer, *SetDataTxn, *SetACLTxn, *CheckVersionTxn,
// *CreateSessionTxn, *CloseSessionTxn (may be empty), *ErrorTxn, *MultiTxn).
type Txn struct {
	Header TxnHeader
	Body   Record
}
