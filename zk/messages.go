package zk

import (
	"encoding/binary"
	"fmt"
)

// Client-port messages and transactions: which record follows a header, and
// the 4-byte length framing of the client port.
//
//	client -> server            server -> client
//	len ConnectRequest          len ConnectResponse
//	len RequestHeader [body]    len ReplyHeader [body]
//
// The first packet of a connection is the connect request; every later one
// is a RequestHeader followed by the body its Type selects (NewRequest). A
// reply is a ReplyHeader followed by the body its request's op selects
// (NewResponse), or by nothing when Err is not 0. Watch events are replies
// with Xid -1, Zxid -1, Err 0 and a WatcherEvent body.

// NewRequest returns an empty request record for op code typ, to Decode a
// request body into. Ops that have no body (ping, closeSession, whoAmI)
// return (nil, true); op codes that are not client requests return
// (nil, false).
//
// NB: sasl (102) is not supported (its GetSASLRequest record is not
// modelled), nor are createSession and deleteContainer: ZooKeeper generates
// those internally (its Request.isValid admits them from clients too, but
// their bodies are not jute records).
func NewRequest(typ OpCode) (Record, bool) {
	switch typ {
	case OpCreate, OpCreate2, OpCreateContainer:
		return new(CreateRequest), true
	case OpCreateTTL:
		return new(CreateTTLRequest), true
	case OpDelete:
		return new(DeleteRequest), true
	case OpExists:
		return new(ExistsRequest), true
	case OpGetData:
		return new(GetDataRequest), true
	case OpSetData:
		return new(SetDataRequest), true
	case OpGetACL:
		return new(GetACLRequest), true
	case OpSetACL:
		return new(SetACLRequest), true
	case OpGetChildren:
		return new(GetChildrenRequest), true
	case OpGetChildren2:
		return new(GetChildren2Request), true
	case OpCheck:
		return new(CheckVersionRequest), true
	case OpMulti, OpMultiRead:
		return new(MultiRequest), true
	case OpSync:
		return new(SyncRequest), true
	case OpAuth:
		return new(AuthPacket), true
	case OpSetWatches:
		return new(SetWatches), true
	case OpSetWatches2:
		return new(SetWatches2), true
	case OpAddWatch:
		return new(AddWatchRequest), true
	case OpCheckWatches:
		return new(CheckWatchesRequest), true
	case OpRemoveWatches:
		return new(RemoveWatchesRequest), true
	case OpGetEphemerals:
		return new(GetEphemeralsRequest), true
	case OpGetAllChildrenNumber:
		return new(GetAllChildrenNumberRequest), true
	case OpReconfig:
		return new(ReconfigRequest), true
	case OpPing, OpCloseSession, OpWhoAmI:
		return nil, true
	}
	return nil, false
}

// DecodeRequest decodes the body b of a request of op code typ, which must
// fill b exactly. Bodiless ops return (nil, nil) when b is empty. An unknown
// op code fails with ErrBadRecord.
func DecodeRequest(typ OpCode, b []byte) (Record, error) {
	r, ok := NewRequest(typ)
	if !ok {
		return nil, fmt.Errorf("%w: unknown request op %d", ErrBadRecord, int32(typ))
	}
	d := NewDecoder(b)
	if r != nil {
		r.Decode(&d)
	}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("zk: %s request: %w", typ, err)
	}
	return r, nil
}

// NewResponse returns an empty record for the body of a successful reply
// (ReplyHeader.Err 0) to a request of op code typ, as ZooKeeper 3.8's
// FinalRequestProcessor sends it. Replies without a body (delete, ping,
// closeSession, setWatches, setWatches2, auth, checkWatches,
// removeWatches) return (nil, true); unknown op codes (nil, false).
//
// NB: ZooKeeper answers addWatch with an ErrorResponse{0} body, a top-level
// check with a SetDataResponse, reconfig with a GetDataResponse (the new
// config), and createContainer and createTTL with a Create2Response.
func NewResponse(typ OpCode) (Record, bool) {
	switch typ {
	case OpCreate:
		return new(CreateResponse), true
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return new(Create2Response), true
	case OpExists:
		return new(ExistsResponse), true
	case OpGetData, OpReconfig:
		return new(GetDataResponse), true
	case OpSetData, OpCheck:
		return new(SetDataResponse), true
	case OpGetACL:
		return new(GetACLResponse), true
	case OpSetACL:
		return new(SetACLResponse), true
	case OpGetChildren:
		return new(GetChildrenResponse), true
	case OpGetChildren2:
		return new(GetChildren2Response), true
	case OpMulti, OpMultiRead:
		return new(MultiResponse), true
	case OpSync:
		return new(SyncResponse), true
	case OpAddWatch:
		return new(ErrorResponse), true
	case OpGetEphemerals:
		return new(GetEphemeralsResponse), true
	case OpGetAllChildrenNumber:
		return new(GetAllChildrenNumberResponse), true
	case OpWhoAmI:
		return new(WhoAmIResponse), true
	case OpDelete, OpPing, OpCloseSession, OpSetWatches, OpSetWatches2,
		OpAuth, OpCheckWatches, OpRemoveWatches:
		return nil, true
	}
	return nil, false
}

// ---- Framing ----

// BeginFrame appends a placeholder for a 4-byte length prefix to dst and
// returns the extended slice and the offset of the prefix, to be passed to
// EndFrame once the frame's contents are appended.
func BeginFrame(dst []byte) ([]byte, int) {
	return append(dst, 0, 0, 0, 0), len(dst)
}

// EndFrame back-fills the length prefix at offset start with the number of
// bytes appended after it.
//
// REQUIRES: start came from BeginFrame on a prefix of dst.
func EndFrame(dst []byte, start int) []byte {
	binary.BigEndian.PutUint32(dst[start:start+4], uint32(len(dst)-start-4))
	return dst
}

// AppendFrame appends r framed by its length: the form of the connect
// request and response. A nil r makes an empty frame.
func AppendFrame(dst []byte, r Record) []byte {
	dst, start := BeginFrame(dst)
	if r != nil {
		dst = r.Append(dst)
	}
	return EndFrame(dst, start)
}

// AppendRequest appends a framed request: h followed by body, which may be
// nil.
func AppendRequest(dst []byte, h RequestHeader, body Record) []byte {
	dst, start := BeginFrame(dst)
	dst = h.Append(dst)
	if body != nil {
		dst = body.Append(dst)
	}
	return EndFrame(dst, start)
}

// AppendReply appends a framed reply: h followed by body, which may be nil
// (as it must be, but for multi, when h.Err is not 0).
func AppendReply(dst []byte, h ReplyHeader, body Record) []byte {
	dst, start := BeginFrame(dst)
	dst = h.Append(dst)
	if body != nil {
		dst = body.Append(dst)
	}
	return EndFrame(dst, start)
}

// AppendWatcherEvent appends a framed watch notification as ZooKeeper sends
// it: ReplyHeader{Xid: -1, Zxid: -1, Err: 0} followed by ev.
func AppendWatcherEvent(dst []byte, ev *WatcherEvent) []byte {
	dst, start := BeginFrame(dst)
	h := ReplyHeader{Xid: XidWatchEvent, Zxid: -1, Err: CodeOK}
	dst = h.Append(dst)
	dst = ev.Append(dst)
	return EndFrame(dst, start)
}

// ---- Transactions ----

// NewTxnBody returns an empty body record for a transaction of type typ, as
// ZooKeeper's SerializeUtils.deserializeTxn chooses it: create and create2
// share CreateTxn, delete and deleteContainer DeleteTxn, and setData and
// reconfig SetDataTxn. Other types fail with ErrBadRecord.
func NewTxnBody(typ OpCode) (Record, error) {
	switch typ {
	case OpCreateSession:
		return new(CreateSessionTxn), nil
	case OpCloseSession:
		return new(CloseSessionTxn), nil
	case OpCreate, OpCreate2:
		return new(CreateTxn), nil
	case OpCreateTTL:
		return new(CreateTTLTxn), nil
	case OpCreateContainer:
		return new(CreateContainerTxn), nil
	case OpDelete, OpDeleteContainer:
		return new(DeleteTxn), nil
	case OpSetData, OpReconfig:
		return new(SetDataTxn), nil
	case OpSetACL:
		return new(SetACLTxn), nil
	case OpCheck:
		return new(CheckVersionTxn), nil
	case OpError:
		return new(ErrorTxn), nil
	case OpMulti:
		return new(MultiTxn), nil
	}
	return nil, fmt.Errorf("%w: unknown txn type %d", ErrBadRecord, int32(typ))
}

// AppendTxn appends t's header followed by its body (nothing for a nil
// body).
func AppendTxn(dst []byte, t *Txn) []byte {
	dst = t.Header.Append(dst)
	if t.Body != nil {
		dst = t.Body.Append(dst)
	}
	return dst
}

// DecodeTxn decodes a transaction written by AppendTxn: a TxnHeader and the
// body its Type selects (NewTxnBody), which must end b. A closeSession with
// no body bytes (logs written before ZooKeeper 3.6) decodes as an empty
// CloseSessionTxn.
//
// NB: ZooKeeper's own log entries may end with a TxnDigest (int version,
// long digest) after the body, and pre-3.3 create txns lack parentCVersion;
// DecodeTxn rejects both (ErrTrailing, ErrShort).
func DecodeTxn(b []byte) (Txn, error) {
	var t Txn
	d := NewDecoder(b)
	t.Header.Decode(&d)
	if err := d.Err(); err != nil {
		return Txn{}, fmt.Errorf("zk: txn header: %w", err)
	}
	if t.Header.Type == OpCloseSession && d.Remaining() == 0 {
		t.Body = new(CloseSessionTxn)
		return t, nil
	}
	body, err := NewTxnBody(t.Header.Type)
	if err != nil {
		return Txn{}, fmt.Errorf("zk: txn %s: %w", t.Header.Zxid, err)
	}
	body.Decode(&d)
	if err := d.Finish(); err != nil {
		return Txn{}, fmt.Errorf("zk: txn %s (%s): %w", t.Header.Zxid, t.Header.Type, err)
	}
	t.Body = body
	return t, nil
}
