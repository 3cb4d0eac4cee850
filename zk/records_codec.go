package zk

// Hand-written jute codec of every record in records.go and types.go. Each
// Append writes the fields in zookeeper.jute's declaration order; each Decode
// reads them back through the Decoder's sticky error. See doc.go for the
// primitive encodings.

// Minimum encoded sizes, used to bound vector counts before allocating.
const (
	aclMinLen        = 4 + 4 + 4 // perms, scheme length, id length
	multiHdrLen      = 4 + 1 + 4 // type, done, err
	txnOpMinLen      = 4 + 4     // type, data length
	clientInfoMinLen = 4 + 4
)

// ---- org.apache.zookeeper.data ----

// Append encodes s.
func (s *Stat) Append(dst []byte) []byte {
	dst = AppendInt64(dst, int64(s.Czxid))
	dst = AppendInt64(dst, int64(s.Mzxid))
	dst = AppendInt64(dst, s.Ctime)
	dst = AppendInt64(dst, s.Mtime)
	dst = AppendInt32(dst, s.Version)
	dst = AppendInt32(dst, s.Cversion)
	dst = AppendInt32(dst, s.Aversion)
	dst = AppendInt64(dst, int64(s.EphemeralOwner))
	dst = AppendInt32(dst, s.DataLength)
	dst = AppendInt32(dst, s.NumChildren)
	return AppendInt64(dst, int64(s.Pzxid))
}

// Decode decodes s.
func (s *Stat) Decode(d *Decoder) {
	s.Czxid = Zxid(d.Int64())
	s.Mzxid = Zxid(d.Int64())
	s.Ctime = d.Int64()
	s.Mtime = d.Int64()
	s.Version = d.Int32()
	s.Cversion = d.Int32()
	s.Aversion = d.Int32()
	s.EphemeralOwner = SessionID(d.Int64())
	s.DataLength = d.Int32()
	s.NumChildren = d.Int32()
	s.Pzxid = Zxid(d.Int64())
}

// Append encodes id.
func (id *Id) Append(dst []byte) []byte {
	dst = AppendString(dst, id.Scheme)
	return AppendString(dst, id.ID)
}

// Decode decodes id.
func (id *Id) Decode(d *Decoder) {
	id.Scheme = d.String()
	id.ID = d.String()
}

// Append encodes a.
func (a *ACL) Append(dst []byte) []byte {
	dst = AppendInt32(dst, a.Perms)
	return a.ID.Append(dst)
}

// Decode decodes a.
func (a *ACL) Decode(d *Decoder) {
	a.Perms = d.Int32()
	a.ID.Decode(d)
}

// Append encodes c.
func (c *ClientInfo) Append(dst []byte) []byte {
	dst = AppendString(dst, c.AuthScheme)
	return AppendString(dst, c.User)
}

// Decode decodes c.
func (c *ClientInfo) Decode(d *Decoder) {
	c.AuthScheme = d.String()
	c.User = d.String()
}

// AppendACLs appends a vector<ACL>; nil is written as null (-1).
func AppendACLs(dst []byte, acl []ACL) []byte {
	if acl == nil {
		return AppendInt32(dst, -1)
	}
	dst = AppendInt32(dst, int32(len(acl)))
	for i := range acl {
		dst = acl[i].Append(dst)
	}
	return dst
}

// ACLs reads a vector<ACL>; null decodes as nil, empty as a non-nil empty
// slice.
func (d *Decoder) ACLs() []ACL {
	n := d.VectorLen(aclMinLen)
	if n < 0 || d.err != nil {
		return nil
	}
	acl := make([]ACL, n)
	for i := range acl {
		acl[i].Decode(d)
	}
	if d.err != nil {
		return nil
	}
	return acl
}

// ---- org.apache.zookeeper.proto ----

// Append encodes r; the ReadOnly byte only when r.HasReadOnly.
func (r *ConnectRequest) Append(dst []byte) []byte {
	dst = AppendInt32(dst, r.ProtocolVersion)
	dst = AppendInt64(dst, int64(r.LastZxidSeen))
	dst = AppendInt32(dst, r.TimeOut)
	dst = AppendInt64(dst, int64(r.SessionID))
	dst = AppendBuffer(dst, r.Passwd)
	if r.HasReadOnly {
		dst = AppendBool(dst, r.ReadOnly)
	}
	return dst
}

// Decode decodes r. The ReadOnly byte is read, and HasReadOnly set, only
// when input remains after the password.
//
// NB: ZooKeeper 3.8 reads the optional byte the same way and ignores
// anything after it; callers that want that leniency must not call Finish.
func (r *ConnectRequest) Decode(d *Decoder) {
	r.ProtocolVersion = d.Int32()
	r.LastZxidSeen = Zxid(d.Int64())
	r.TimeOut = d.Int32()
	r.SessionID = SessionID(d.Int64())
	r.Passwd = d.Buffer()
	r.ReadOnly, r.HasReadOnly = false, false
	if d.err == nil && d.Remaining() > 0 {
		r.ReadOnly = d.Bool()
		r.HasReadOnly = true
	}
}

// Append encodes r; the ReadOnly byte only when r.HasReadOnly.
func (r *ConnectResponse) Append(dst []byte) []byte {
	dst = AppendInt32(dst, r.ProtocolVersion)
	dst = AppendInt32(dst, r.TimeOut)
	dst = AppendInt64(dst, int64(r.SessionID))
	dst = AppendBuffer(dst, r.Passwd)
	if r.HasReadOnly {
		dst = AppendBool(dst, r.ReadOnly)
	}
	return dst
}

// Decode decodes r. As for ConnectRequest, the ReadOnly byte is optional.
func (r *ConnectResponse) Decode(d *Decoder) {
	r.ProtocolVersion = d.Int32()
	r.TimeOut = d.Int32()
	r.SessionID = SessionID(d.Int64())
	r.Passwd = d.Buffer()
	r.ReadOnly, r.HasReadOnly = false, false
	if d.err == nil && d.Remaining() > 0 {
		r.ReadOnly = d.Bool()
		r.HasReadOnly = true
	}
}

// Append encodes r.
func (r *SetWatches) Append(dst []byte) []byte {
	dst = AppendInt64(dst, int64(r.RelativeZxid))
	dst = AppendStrings(dst, r.DataWatches)
	dst = AppendStrings(dst, r.ExistWatches)
	return AppendStrings(dst, r.ChildWatches)
}

// Decode decodes r.
func (r *SetWatches) Decode(d *Decoder) {
	r.RelativeZxid = Zxid(d.Int64())
	r.DataWatches = d.Strings()
	r.ExistWatches = d.Strings()
	r.ChildWatches = d.Strings()
}

// Append encodes r.
func (r *SetWatches2) Append(dst []byte) []byte {
	dst = AppendInt64(dst, int64(r.RelativeZxid))
	dst = AppendStrings(dst, r.DataWatches)
	dst = AppendStrings(dst, r.ExistWatches)
	dst = AppendStrings(dst, r.ChildWatches)
	dst = AppendStrings(dst, r.PersistentWatches)
	return AppendStrings(dst, r.PersistentRecursiveWatches)
}

// Decode decodes r.
func (r *SetWatches2) Decode(d *Decoder) {
	r.RelativeZxid = Zxid(d.Int64())
	r.DataWatches = d.Strings()
	r.ExistWatches = d.Strings()
	r.ChildWatches = d.Strings()
	r.PersistentWatches = d.Strings()
	r.PersistentRecursiveWatches = d.Strings()
}

// Append encodes h.
func (h *RequestHeader) Append(dst []byte) []byte {
	dst = AppendInt32(dst, h.Xid)
	return AppendInt32(dst, int32(h.Type))
}

// Decode decodes h.
func (h *RequestHeader) Decode(d *Decoder) {
	h.Xid = d.Int32()
	h.Type = OpCode(d.Int32())
}

// Append encodes h.
func (h *MultiHeader) Append(dst []byte) []byte {
	dst = AppendInt32(dst, int32(h.Type))
	dst = AppendBool(dst, h.Done)
	return AppendInt32(dst, int32(h.Err))
}

// Decode decodes h.
func (h *MultiHeader) Decode(d *Decoder) {
	h.Type = OpCode(d.Int32())
	h.Done = d.Bool()
	h.Err = Code(d.Int32())
}

// Append encodes p.
func (p *AuthPacket) Append(dst []byte) []byte {
	dst = AppendInt32(dst, p.Type)
	dst = AppendString(dst, p.Scheme)
	return AppendBuffer(dst, p.Auth)
}

// Decode decodes p.
func (p *AuthPacket) Decode(d *Decoder) {
	p.Type = d.Int32()
	p.Scheme = d.String()
	p.Auth = d.Buffer()
}

// Append encodes h.
func (h *ReplyHeader) Append(dst []byte) []byte {
	dst = AppendInt32(dst, h.Xid)
	dst = AppendInt64(dst, int64(h.Zxid))
	return AppendInt32(dst, int32(h.Err))
}

// Decode decodes h.
func (h *ReplyHeader) Decode(d *Decoder) {
	h.Xid = d.Int32()
	h.Zxid = Zxid(d.Int64())
	h.Err = Code(d.Int32())
}

// Append encodes r.
func (r *GetDataRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return AppendBool(dst, r.Watch)
}

// Decode decodes r.
func (r *GetDataRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Watch = d.Bool()
}

// Append encodes r.
func (r *SetDataRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	dst = AppendBuffer(dst, r.Data)
	return AppendInt32(dst, r.Version)
}

// Decode decodes r.
func (r *SetDataRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.Version = d.Int32()
}

// Append encodes r.
func (r *ReconfigRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.JoiningServers)
	dst = AppendString(dst, r.LeavingServers)
	dst = AppendString(dst, r.NewMembers)
	return AppendInt64(dst, r.CurConfigID)
}

// Decode decodes r.
func (r *ReconfigRequest) Decode(d *Decoder) {
	r.JoiningServers = d.String()
	r.LeavingServers = d.String()
	r.NewMembers = d.String()
	r.CurConfigID = d.Int64()
}

// Append encodes r.
func (r *SetDataResponse) Append(dst []byte) []byte { return r.Stat.Append(dst) }

// Decode decodes r.
func (r *SetDataResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// Append encodes r.
func (r *CreateRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	dst = AppendBuffer(dst, r.Data)
	dst = AppendACLs(dst, r.ACL)
	return AppendInt32(dst, r.Flags)
}

// Decode decodes r.
func (r *CreateRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = d.ACLs()
	r.Flags = d.Int32()
}

// Append encodes r.
func (r *CreateTTLRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	dst = AppendBuffer(dst, r.Data)
	dst = AppendACLs(dst, r.ACL)
	dst = AppendInt32(dst, r.Flags)
	return AppendInt64(dst, r.TTL)
}

// Decode decodes r.
func (r *CreateTTLRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = d.ACLs()
	r.Flags = d.Int32()
	r.TTL = d.Int64()
}

// Append encodes r.
func (r *DeleteRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return AppendInt32(dst, r.Version)
}

// Decode decodes r.
func (r *DeleteRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Version = d.Int32()
}

// Append encodes r.
func (r *GetChildrenRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return AppendBool(dst, r.Watch)
}

// Decode decodes r.
func (r *GetChildrenRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Watch = d.Bool()
}

// Append encodes r.
func (r *GetAllChildrenNumberRequest) Append(dst []byte) []byte { return AppendString(dst, r.Path) }

// Decode decodes r.
func (r *GetAllChildrenNumberRequest) Decode(d *Decoder) { r.Path = d.String() }

// Append encodes r.
func (r *GetChildren2Request) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return AppendBool(dst, r.Watch)
}

// Decode decodes r.
func (r *GetChildren2Request) Decode(d *Decoder) {
	r.Path = d.String()
	r.Watch = d.Bool()
}

// Append encodes r.
func (r *CheckVersionRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return AppendInt32(dst, r.Version)
}

// Decode decodes r.
func (r *CheckVersionRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Version = d.Int32()
}

// Append encodes r.
func (r *SyncRequest) Append(dst []byte) []byte { return AppendString(dst, r.Path) }

// Decode decodes r.
func (r *SyncRequest) Decode(d *Decoder) { r.Path = d.String() }

// Append encodes r.
func (r *SyncResponse) Append(dst []byte) []byte { return AppendString(dst, r.Path) }

// Decode decodes r.
func (r *SyncResponse) Decode(d *Decoder) { r.Path = d.String() }

// Append encodes r.
func (r *GetACLRequest) Append(dst []byte) []byte { return AppendString(dst, r.Path) }

// Decode decodes r.
func (r *GetACLRequest) Decode(d *Decoder) { r.Path = d.String() }

// Append encodes r.
func (r *SetACLRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	dst = AppendACLs(dst, r.ACL)
	return AppendInt32(dst, r.Version)
}

// Decode decodes r.
func (r *SetACLRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.ACL = d.ACLs()
	r.Version = d.Int32()
}

// Append encodes r.
func (r *SetACLResponse) Append(dst []byte) []byte { return r.Stat.Append(dst) }

// Decode decodes r.
func (r *SetACLResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// Append encodes r.
func (r *AddWatchRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return AppendInt32(dst, r.Mode)
}

// Decode decodes r.
func (r *AddWatchRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Mode = d.Int32()
}

// Append encodes e.
func (e *WatcherEvent) Append(dst []byte) []byte {
	dst = AppendInt32(dst, int32(e.Type))
	dst = AppendInt32(dst, int32(e.State))
	return AppendString(dst, e.Path)
}

// Decode decodes e.
func (e *WatcherEvent) Decode(d *Decoder) {
	e.Type = EventType(d.Int32())
	e.State = KeeperState(d.Int32())
	e.Path = d.String()
}

// Append encodes r.
func (r *ErrorResponse) Append(dst []byte) []byte { return AppendInt32(dst, int32(r.Err)) }

// Decode decodes r.
func (r *ErrorResponse) Decode(d *Decoder) { r.Err = Code(d.Int32()) }

// Append encodes r.
func (r *CreateResponse) Append(dst []byte) []byte { return AppendString(dst, r.Path) }

// Decode decodes r.
func (r *CreateResponse) Decode(d *Decoder) { r.Path = d.String() }

// Append encodes r.
func (r *Create2Response) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return r.Stat.Append(dst)
}

// Decode decodes r.
func (r *Create2Response) Decode(d *Decoder) {
	r.Path = d.String()
	r.Stat.Decode(d)
}

// Append encodes r.
func (r *ExistsRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return AppendBool(dst, r.Watch)
}

// Decode decodes r.
func (r *ExistsRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Watch = d.Bool()
}

// Append encodes r.
func (r *ExistsResponse) Append(dst []byte) []byte { return r.Stat.Append(dst) }

// Decode decodes r.
func (r *ExistsResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// Append encodes r.
func (r *GetDataResponse) Append(dst []byte) []byte {
	dst = AppendBuffer(dst, r.Data)
	return r.Stat.Append(dst)
}

// Decode decodes r.
func (r *GetDataResponse) Decode(d *Decoder) {
	r.Data = d.Buffer()
	r.Stat.Decode(d)
}

// Append encodes r.
func (r *GetChildrenResponse) Append(dst []byte) []byte { return AppendStrings(dst, r.Children) }

// Decode decodes r.
func (r *GetChildrenResponse) Decode(d *Decoder) { r.Children = d.Strings() }

// Append encodes r.
func (r *GetAllChildrenNumberResponse) Append(dst []byte) []byte {
	return AppendInt32(dst, r.TotalNumber)
}

// Decode decodes r.
func (r *GetAllChildrenNumberResponse) Decode(d *Decoder) { r.TotalNumber = d.Int32() }

// Append encodes r.
func (r *GetChildren2Response) Append(dst []byte) []byte {
	dst = AppendStrings(dst, r.Children)
	return r.Stat.Append(dst)
}

// Decode decodes r.
func (r *GetChildren2Response) Decode(d *Decoder) {
	r.Children = d.Strings()
	r.Stat.Decode(d)
}

// Append encodes r.
func (r *GetACLResponse) Append(dst []byte) []byte {
	dst = AppendACLs(dst, r.ACL)
	return r.Stat.Append(dst)
}

// Decode decodes r.
func (r *GetACLResponse) Decode(d *Decoder) {
	r.ACL = d.ACLs()
	r.Stat.Decode(d)
}

// Append encodes r.
func (r *CheckWatchesRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return AppendInt32(dst, r.Type)
}

// Decode decodes r.
func (r *CheckWatchesRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Type = d.Int32()
}

// Append encodes r.
func (r *RemoveWatchesRequest) Append(dst []byte) []byte {
	dst = AppendString(dst, r.Path)
	return AppendInt32(dst, r.Type)
}

// Decode decodes r.
func (r *RemoveWatchesRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Type = d.Int32()
}

// Append encodes r.
func (r *GetEphemeralsRequest) Append(dst []byte) []byte { return AppendString(dst, r.PrefixPath) }

// Decode decodes r.
func (r *GetEphemeralsRequest) Decode(d *Decoder) { r.PrefixPath = d.String() }

// Append encodes r.
func (r *GetEphemeralsResponse) Append(dst []byte) []byte { return AppendStrings(dst, r.Ephemerals) }

// Decode decodes r.
func (r *GetEphemeralsResponse) Decode(d *Decoder) { r.Ephemerals = d.Strings() }

// Append encodes r.
func (r *WhoAmIResponse) Append(dst []byte) []byte {
	if r.ClientInfo == nil {
		return AppendInt32(dst, -1)
	}
	dst = AppendInt32(dst, int32(len(r.ClientInfo)))
	for i := range r.ClientInfo {
		dst = r.ClientInfo[i].Append(dst)
	}
	return dst
}

// Decode decodes r.
func (r *WhoAmIResponse) Decode(d *Decoder) {
	r.ClientInfo = nil
	n := d.VectorLen(clientInfoMinLen)
	if n < 0 || d.err != nil {
		return
	}
	ci := make([]ClientInfo, n)
	for i := range ci {
		ci[i].Decode(d)
	}
	if d.err == nil {
		r.ClientInfo = ci
	}
}

// multiEnd is the header that ends a multi request or response.
var multiEnd = MultiHeader{Type: OpError, Done: true, Err: CodeSystemError}

// Append encodes r: each op's header and body, then the end header
// {Type: -1, Done: true, Err: -1}. A nil Body writes no body.
func (r *MultiRequest) Append(dst []byte) []byte {
	for i := range r.Ops {
		op := &r.Ops[i]
		dst = op.Header.Append(dst)
		if op.Body != nil {
			dst = op.Body.Append(dst)
		}
	}
	return multiEnd.Append(dst)
}

// Decode decodes r: headers and bodies until a header with Done set, as
// ZooKeeper's MultiOperationRecord does. The body type follows the header's
// op code; any other op code fails with ErrBadRecord.
//
// NB: like ZooKeeper, Decode ignores the Type and Err of the end header and
// does not check that ops are all writes (multi) or all reads (multiRead);
// that is the server's job. The Err of each op header is whatever the client
// sent (-1 from the Java and Go clients).
func (r *MultiRequest) Decode(d *Decoder) {
	r.Ops = nil
	for d.err == nil {
		var h MultiHeader
		h.Decode(d)
		if d.err != nil || h.Done {
			break
		}
		body, ok := newMultiOpBody(h.Type)
		if !ok {
			d.Fail(ErrBadRecord)
			break
		}
		body.Decode(d)
		if r.Ops == nil {
			// Each op takes at least a header, so this bounds the
			// allocation by the input.
			r.Ops = make([]MultiOp, 0, min(8, d.Remaining()/multiHdrLen+1))
		}
		r.Ops = append(r.Ops, MultiOp{Header: h, Body: body})
	}
	if d.err != nil {
		r.Ops = nil
	}
}

// newMultiOpBody returns the request record of an op inside a multi or
// multiRead (MultiOperationRecord.deserialize).
func newMultiOpBody(typ OpCode) (Record, bool) {
	switch typ {
	case OpCreate, OpCreate2, OpCreateContainer:
		return new(CreateRequest), true
	case OpCreateTTL:
		return new(CreateTTLRequest), true
	case OpDelete:
		return new(DeleteRequest), true
	case OpSetData:
		return new(SetDataRequest), true
	case OpCheck:
		return new(CheckVersionRequest), true
	case OpGetChildren:
		return new(GetChildrenRequest), true
	case OpGetData:
		return new(GetDataRequest), true
	}
	return nil, false
}

// Append encodes r as ZooKeeper's MultiResponse.serialize does: each
// result's header and body, then the end header {-1, true, -1}. A nil Body
// writes no body (delete and check results).
//
// REQUIRES: each header's Type names its Body as documented on MultiResult;
// ZooKeeper writes Err as 0 for every result but error results, whose Err
// repeats the body's code.
func (r *MultiResponse) Append(dst []byte) []byte {
	for i := range r.Results {
		res := &r.Results[i]
		dst = res.Header.Append(dst)
		if res.Body != nil {
			dst = res.Body.Append(dst)
		}
	}
	return multiEnd.Append(dst)
}

// Decode decodes r: headers and bodies until a header with Done set. The
// body type follows the header's op code (see MultiResult); any other op
// code fails with ErrBadRecord.
func (r *MultiResponse) Decode(d *Decoder) {
	r.Results = nil
	for d.err == nil {
		var h MultiHeader
		h.Decode(d)
		if d.err != nil || h.Done {
			break
		}
		body, ok := newMultiResultBody(h.Type)
		if !ok {
			d.Fail(ErrBadRecord)
			break
		}
		if body != nil {
			body.Decode(d)
		}
		if r.Results == nil {
			r.Results = make([]MultiResult, 0, min(8, d.Remaining()/multiHdrLen+1))
		}
		r.Results = append(r.Results, MultiResult{Header: h, Body: body})
	}
	if d.err != nil {
		r.Results = nil
	}
}

// newMultiResultBody returns the response record of a result inside a multi
// response (MultiResponse.deserialize); delete and check results have none.
// ZooKeeper answers createContainer and createTTL with create2 results; the
// other two codes are accepted here for symmetry.
func newMultiResultBody(typ OpCode) (Record, bool) {
	switch typ {
	case OpCreate:
		return new(CreateResponse), true
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return new(Create2Response), true
	case OpDelete, OpDeleteContainer, OpCheck:
		return nil, true
	case OpSetData:
		return new(SetDataResponse), true
	case OpGetChildren:
		return new(GetChildrenResponse), true
	case OpGetData:
		return new(GetDataResponse), true
	case OpError:
		return new(ErrorResponse), true
	}
	return nil, false
}

// ---- org.apache.zookeeper.txn ----

// Append encodes h.
func (h *TxnHeader) Append(dst []byte) []byte {
	dst = AppendInt64(dst, int64(h.ClientID))
	dst = AppendInt32(dst, h.Cxid)
	dst = AppendInt64(dst, int64(h.Zxid))
	dst = AppendInt64(dst, h.Time)
	return AppendInt32(dst, int32(h.Type))
}

// Decode decodes h.
func (h *TxnHeader) Decode(d *Decoder) {
	h.ClientID = SessionID(d.Int64())
	h.Cxid = d.Int32()
	h.Zxid = Zxid(d.Int64())
	h.Time = d.Int64()
	h.Type = OpCode(d.Int32())
}

// Append encodes t.
func (t *CreateTxn) Append(dst []byte) []byte {
	dst = AppendString(dst, t.Path)
	dst = AppendBuffer(dst, t.Data)
	dst = AppendACLs(dst, t.ACL)
	dst = AppendBool(dst, t.Ephemeral)
	return AppendInt32(dst, t.ParentCVersion)
}

// Decode decodes t.
func (t *CreateTxn) Decode(d *Decoder) {
	t.Path = d.String()
	t.Data = d.Buffer()
	t.ACL = d.ACLs()
	t.Ephemeral = d.Bool()
	t.ParentCVersion = d.Int32()
}

// Append encodes t.
func (t *CreateTTLTxn) Append(dst []byte) []byte {
	dst = AppendString(dst, t.Path)
	dst = AppendBuffer(dst, t.Data)
	dst = AppendACLs(dst, t.ACL)
	dst = AppendInt32(dst, t.ParentCVersion)
	return AppendInt64(dst, t.TTL)
}

// Decode decodes t.
func (t *CreateTTLTxn) Decode(d *Decoder) {
	t.Path = d.String()
	t.Data = d.Buffer()
	t.ACL = d.ACLs()
	t.ParentCVersion = d.Int32()
	t.TTL = d.Int64()
}

// Append encodes t.
func (t *CreateContainerTxn) Append(dst []byte) []byte {
	dst = AppendString(dst, t.Path)
	dst = AppendBuffer(dst, t.Data)
	dst = AppendACLs(dst, t.ACL)
	return AppendInt32(dst, t.ParentCVersion)
}

// Decode decodes t.
func (t *CreateContainerTxn) Decode(d *Decoder) {
	t.Path = d.String()
	t.Data = d.Buffer()
	t.ACL = d.ACLs()
	t.ParentCVersion = d.Int32()
}

// Append encodes t.
func (t *DeleteTxn) Append(dst []byte) []byte { return AppendString(dst, t.Path) }

// Decode decodes t.
func (t *DeleteTxn) Decode(d *Decoder) { t.Path = d.String() }

// Append encodes t.
func (t *SetDataTxn) Append(dst []byte) []byte {
	dst = AppendString(dst, t.Path)
	dst = AppendBuffer(dst, t.Data)
	return AppendInt32(dst, t.Version)
}

// Decode decodes t.
func (t *SetDataTxn) Decode(d *Decoder) {
	t.Path = d.String()
	t.Data = d.Buffer()
	t.Version = d.Int32()
}

// Append encodes t.
func (t *CheckVersionTxn) Append(dst []byte) []byte {
	dst = AppendString(dst, t.Path)
	return AppendInt32(dst, t.Version)
}

// Decode decodes t.
func (t *CheckVersionTxn) Decode(d *Decoder) {
	t.Path = d.String()
	t.Version = d.Int32()
}

// Append encodes t.
func (t *SetACLTxn) Append(dst []byte) []byte {
	dst = AppendString(dst, t.Path)
	dst = AppendACLs(dst, t.ACL)
	return AppendInt32(dst, t.Version)
}

// Decode decodes t.
func (t *SetACLTxn) Decode(d *Decoder) {
	t.Path = d.String()
	t.ACL = d.ACLs()
	t.Version = d.Int32()
}

// Append encodes t.
func (t *CreateSessionTxn) Append(dst []byte) []byte { return AppendInt32(dst, t.TimeOut) }

// Decode decodes t.
func (t *CreateSessionTxn) Decode(d *Decoder) { t.TimeOut = d.Int32() }

// Append encodes t.
func (t *CloseSessionTxn) Append(dst []byte) []byte { return AppendStrings(dst, t.Paths2Delete) }

// Decode decodes t.
func (t *CloseSessionTxn) Decode(d *Decoder) { t.Paths2Delete = d.Strings() }

// Append encodes t.
func (t *ErrorTxn) Append(dst []byte) []byte { return AppendInt32(dst, int32(t.Err)) }

// Decode decodes t.
func (t *ErrorTxn) Decode(d *Decoder) { t.Err = Code(d.Int32()) }

// Append encodes t as vector<Txn{int type; buffer data}>, each data buffer
// holding its op's encoded body (empty for a nil Body). Nil Txns is written
// as a null vector.
func (t *MultiTxn) Append(dst []byte) []byte {
	if t.Txns == nil {
		return AppendInt32(dst, -1)
	}
	dst = AppendInt32(dst, int32(len(t.Txns)))
	for i := range t.Txns {
		op := &t.Txns[i]
		dst = AppendInt32(dst, int32(op.Type))
		var start int
		dst, start = BeginFrame(dst)
		if op.Body != nil {
			dst = op.Body.Append(dst)
		}
		dst = EndFrame(dst, start)
	}
	return dst
}

// Decode decodes t, decoding each data buffer into the body its type names
// (the types DataTree.processTxn accepts inside a multi, plus create2).
// A body must fill its buffer exactly.
func (t *MultiTxn) Decode(d *Decoder) {
	t.Txns = nil
	n := d.VectorLen(txnOpMinLen)
	if n < 0 || d.err != nil {
		return
	}
	txns := make([]TxnOp, n)
	for i := range txns {
		typ := OpCode(d.Int32())
		data := d.Buffer()
		if d.err != nil {
			return
		}
		body, ok := newMultiTxnBody(typ)
		if !ok {
			d.Fail(ErrBadRecord)
			return
		}
		sub := NewDecoder(data)
		body.Decode(&sub)
		if err := sub.Finish(); err != nil {
			d.Fail(err)
			return
		}
		txns[i] = TxnOp{Type: typ, Body: body}
	}
	t.Txns = txns
}

func newMultiTxnBody(typ OpCode) (Record, bool) {
	switch typ {
	case OpCreate, OpCreate2:
		return new(CreateTxn), true
	case OpCreateTTL:
		return new(CreateTTLTxn), true
	case OpCreateContainer:
		return new(CreateContainerTxn), true
	case OpDelete, OpDeleteContainer:
		return new(DeleteTxn), true
	case OpSetData:
		return new(SetDataTxn), true
	case OpCheck:
		return new(CheckVersionTxn), true
	case OpError:
		return new(ErrorTxn), true
	}
	return nil, false
}
