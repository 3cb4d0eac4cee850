package zk

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

var (
	testStat = Stat{
		Czxid: MakeZxid(1, 2), Mzxid: MakeZxid(1, 7), Ctime: 1700000000000, Mtime: 1700000000999,
		Version: 3, Cversion: 4, Aversion: 5, EphemeralOwner: 0x1000066e9900007,
		DataLength: 5, NumChildren: 2, Pzxid: MakeZxid(1, 6),
	}
	testACL = []ACL{
		{Perms: PermAll, ID: AnyoneID},
		{Perms: PermRead | PermAdmin, ID: Id{Scheme: "digest", ID: "golden:abc="}},
	}
)

// codecCases holds one value of every record, with nil and empty slices
// mixed so that the round trip shows null and empty apart.
func codecCases() []struct {
	name string
	rec  Record
} {
	return []struct {
		name string
		rec  Record
	}{
		{"Stat", &testStat},
		{"Stat/zero", &Stat{}},
		{"Id", &Id{Scheme: "ip", ID: "127.0.0.1"}},
		{"ACL", &testACL[1]},
		{"ClientInfo", &ClientInfo{AuthScheme: "ip", User: "10.0.0.1"}},
		{"ConnectRequest/old", &ConnectRequest{LastZxidSeen: 0x42, TimeOut: 30000, SessionID: 0x77, Passwd: make([]byte, 16)}},
		{"ConnectRequest/readOnly", &ConnectRequest{TimeOut: 4000, Passwd: []byte("0123456789abcdef"), ReadOnly: true, HasReadOnly: true}},
		{"ConnectRequest/readOnlyFalse", &ConnectRequest{TimeOut: 4000, Passwd: []byte{}, HasReadOnly: true}},
		{"ConnectRequest/nullPasswd", &ConnectRequest{TimeOut: 4000}},
		{"ConnectResponse/old", &ConnectResponse{TimeOut: 4000, SessionID: 0x1000066e9900007, Passwd: make([]byte, 16)}},
		{"ConnectResponse/readOnly", &ConnectResponse{TimeOut: 4000, SessionID: 1, Passwd: make([]byte, 16), ReadOnly: true, HasReadOnly: true}},
		{"SetWatches", &SetWatches{RelativeZxid: 9, DataWatches: []string{"/a", "/b"}, ExistWatches: []string{}, ChildWatches: nil}},
		{"SetWatches2", &SetWatches2{RelativeZxid: 9, DataWatches: []string{"/a"}, ExistWatches: nil, ChildWatches: []string{},
			PersistentWatches: []string{"/p"}, PersistentRecursiveWatches: []string{"/r", ""}}},
		{"RequestHeader", &RequestHeader{Xid: 7, Type: OpGetData}},
		{"MultiHeader", &MultiHeader{Type: OpCreate, Done: false, Err: -1}},
		{"AuthPacket", &AuthPacket{Scheme: "digest", Auth: []byte("u:p")}},
		{"ReplyHeader", &ReplyHeader{Xid: -1, Zxid: -1, Err: CodeOK}},
		{"GetDataRequest", &GetDataRequest{Path: "/a/b", Watch: true}},
		{"SetDataRequest", &SetDataRequest{Path: "/a", Data: []byte("data"), Version: -1}},
		{"SetDataRequest/nullData", &SetDataRequest{Path: "/a", Version: 3}},
		{"SetDataRequest/emptyData", &SetDataRequest{Path: "/a", Data: []byte{}, Version: 3}},
		{"ReconfigRequest", &ReconfigRequest{JoiningServers: "server.4=h:2888:3888", LeavingServers: "3", NewMembers: "", CurConfigID: -1}},
		{"SetDataResponse", &SetDataResponse{Stat: testStat}},
		{"CreateRequest", &CreateRequest{Path: "/n", Data: []byte("x"), ACL: testACL, Flags: ModeEphemeralSequential}},
		{"CreateRequest/nullACL", &CreateRequest{Path: "/n", Flags: ModeContainer}},
		{"CreateRequest/emptyACL", &CreateRequest{Path: "/n", Data: []byte{}, ACL: []ACL{}}},
		{"CreateTTLRequest", &CreateTTLRequest{Path: "/t", Data: []byte("t"), ACL: OpenACLUnsafe(), Flags: ModePersistentWithTTL, TTL: 60000}},
		{"DeleteRequest", &DeleteRequest{Path: "/d", Version: 2}},
		{"GetChildrenRequest", &GetChildrenRequest{Path: "/", Watch: true}},
		{"GetAllChildrenNumberRequest", &GetAllChildrenNumberRequest{Path: "/x"}},
		{"GetChildren2Request", &GetChildren2Request{Path: "/x"}},
		{"CheckVersionRequest", &CheckVersionRequest{Path: "/c", Version: 9}},
		{"SyncRequest", &SyncRequest{Path: "/s"}},
		{"SyncResponse", &SyncResponse{Path: "/s"}},
		{"GetACLRequest", &GetACLRequest{Path: "/a"}},
		{"SetACLRequest", &SetACLRequest{Path: "/a", ACL: testACL, Version: 1}},
		{"SetACLResponse", &SetACLResponse{Stat: testStat}},
		{"AddWatchRequest", &AddWatchRequest{Path: "/w", Mode: AddWatchModePersistentRecursive}},
		{"WatcherEvent", &WatcherEvent{Type: EventNodeDeleted, State: StateSyncConnected, Path: "/w"}},
		{"ErrorResponse", &ErrorResponse{Err: CodeNoNode}},
		{"CreateResponse", &CreateResponse{Path: "/n0000000001"}},
		{"Create2Response", &Create2Response{Path: "/n", Stat: testStat}},
		{"ExistsRequest", &ExistsRequest{Path: "/e", Watch: true}},
		{"ExistsResponse", &ExistsResponse{Stat: testStat}},
		{"GetDataResponse", &GetDataResponse{Data: []byte("hello"), Stat: testStat}},
		{"GetDataResponse/null", &GetDataResponse{Stat: testStat}},
		{"GetChildrenResponse", &GetChildrenResponse{Children: []string{"a", "b", "c"}}},
		{"GetChildrenResponse/empty", &GetChildrenResponse{Children: []string{}}},
		{"GetAllChildrenNumberResponse", &GetAllChildrenNumberResponse{TotalNumber: 12}},
		{"GetChildren2Response", &GetChildren2Response{Children: []string{"x"}, Stat: testStat}},
		{"GetACLResponse", &GetACLResponse{ACL: testACL, Stat: testStat}},
		{"CheckWatchesRequest", &CheckWatchesRequest{Path: "/c", Type: WatcherTypeData}},
		{"RemoveWatchesRequest", &RemoveWatchesRequest{Path: "/c", Type: WatcherTypeAny}},
		{"GetEphemeralsRequest", &GetEphemeralsRequest{PrefixPath: "/"}},
		{"GetEphemeralsResponse", &GetEphemeralsResponse{Ephemerals: []string{"/e1", "/e2"}}},
		{"WhoAmIResponse", &WhoAmIResponse{ClientInfo: []ClientInfo{{"ip", "127.0.0.1"}, {"digest", "u"}}}},
		{"WhoAmIResponse/null", &WhoAmIResponse{}},
		{"MultiRequest", &MultiRequest{Ops: []MultiOp{
			{MultiHeader{Type: OpCreate, Err: -1}, &CreateRequest{Path: "/m", Data: []byte("m"), ACL: OpenACLUnsafe()}},
			{MultiHeader{Type: OpCreate2, Err: -1}, &CreateRequest{Path: "/m2", ACL: OpenACLUnsafe(), Flags: ModeEphemeral}},
			{MultiHeader{Type: OpCreateContainer, Err: -1}, &CreateRequest{Path: "/c", ACL: OpenACLUnsafe(), Flags: ModeContainer}},
			{MultiHeader{Type: OpCreateTTL, Err: -1}, &CreateTTLRequest{Path: "/t", ACL: OpenACLUnsafe(), Flags: ModePersistentWithTTL, TTL: 5}},
			{MultiHeader{Type: OpSetData, Err: -1}, &SetDataRequest{Path: "/m", Data: []byte("n"), Version: 0}},
			{MultiHeader{Type: OpCheck, Err: -1}, &CheckVersionRequest{Path: "/m", Version: 1}},
			{MultiHeader{Type: OpDelete, Err: -1}, &DeleteRequest{Path: "/m", Version: -1}},
		}}},
		{"MultiRequest/read", &MultiRequest{Ops: []MultiOp{
			{MultiHeader{Type: OpGetData, Err: -1}, &GetDataRequest{Path: "/a"}},
			{MultiHeader{Type: OpGetChildren, Err: -1}, &GetChildrenRequest{Path: "/"}},
		}}},
		{"MultiRequest/empty", &MultiRequest{}},
		{"MultiResponse", &MultiResponse{Results: []MultiResult{
			{MultiHeader{Type: OpCreate}, &CreateResponse{Path: "/m"}},
			{MultiHeader{Type: OpCreate2}, &Create2Response{Path: "/m2", Stat: testStat}},
			{MultiHeader{Type: OpSetData}, &SetDataResponse{Stat: testStat}},
			{MultiHeader{Type: OpCheck}, nil},
			{MultiHeader{Type: OpDelete}, nil},
			{MultiHeader{Type: OpGetData}, &GetDataResponse{Data: []byte("d"), Stat: testStat}},
			{MultiHeader{Type: OpGetChildren}, &GetChildrenResponse{Children: []string{}}},
		}}},
		{"MultiResponse/failed", &MultiResponse{Results: []MultiResult{
			{MultiHeader{Type: OpError, Err: CodeOK}, &ErrorResponse{Err: CodeOK}},
			{MultiHeader{Type: OpError, Err: CodeBadVersion}, &ErrorResponse{Err: CodeBadVersion}},
			{MultiHeader{Type: OpError, Err: CodeRuntimeInconsistency}, &ErrorResponse{Err: CodeRuntimeInconsistency}},
		}}},
		{"MultiResponse/empty", &MultiResponse{}},
		{"TxnHeader", &TxnHeader{ClientID: 0x77, Cxid: 3, Zxid: MakeZxid(2, 9), Time: 1700000000000, Type: OpCreate}},
		{"CreateTxn", &CreateTxn{Path: "/n", Data: []byte("x"), ACL: testACL, Ephemeral: true, ParentCVersion: 4}},
		{"CreateTTLTxn", &CreateTTLTxn{Path: "/t", Data: []byte{}, ACL: OpenACLUnsafe(), ParentCVersion: 1, TTL: 1000}},
		{"CreateContainerTxn", &CreateContainerTxn{Path: "/c", ACL: OpenACLUnsafe(), ParentCVersion: 2}},
		{"DeleteTxn", &DeleteTxn{Path: "/d"}},
		{"SetDataTxn", &SetDataTxn{Path: "/s", Data: []byte("v"), Version: 8}},
		{"CheckVersionTxn", &CheckVersionTxn{Path: "/c", Version: 8}},
		{"SetACLTxn", &SetACLTxn{Path: "/a", ACL: testACL, Version: 2}},
		{"CreateSessionTxn", &CreateSessionTxn{TimeOut: 30000}},
		{"CloseSessionTxn", &CloseSessionTxn{Paths2Delete: []string{"/e1", "/e2"}}},
		{"CloseSessionTxn/null", &CloseSessionTxn{}},
		{"ErrorTxn", &ErrorTxn{Err: CodeNodeExists}},
		{"MultiTxn", &MultiTxn{Txns: []TxnOp{
			{OpCreate, &CreateTxn{Path: "/m", Data: []byte("m"), ACL: OpenACLUnsafe(), ParentCVersion: 1}},
			{OpCreateTTL, &CreateTTLTxn{Path: "/t", ACL: OpenACLUnsafe(), TTL: 5}},
			{OpCreateContainer, &CreateContainerTxn{Path: "/c", ACL: OpenACLUnsafe()}},
			{OpSetData, &SetDataTxn{Path: "/m", Data: []byte("n"), Version: 1}},
			{OpCheck, &CheckVersionTxn{Path: "/m", Version: 1}},
			{OpDelete, &DeleteTxn{Path: "/m"}},
			{OpDeleteContainer, &DeleteTxn{Path: "/c"}},
			{OpError, &ErrorTxn{Err: CodeRuntimeInconsistency}},
		}}},
		{"MultiTxn/null", &MultiTxn{}},
		{"MultiTxn/empty", &MultiTxn{Txns: []TxnOp{}}},
	}
}

// newLike returns a new zero record of r's type.
func newLike(r Record) Record { return reflect.New(reflect.TypeOf(r).Elem()).Interface().(Record) }

func TestRecordRoundTrip(t *testing.T) {
	for _, tc := range codecCases() {
		t.Run(tc.name, func(t *testing.T) {
			enc := tc.rec.Append([]byte("prefix"))
			if !bytes.HasPrefix(enc, []byte("prefix")) {
				t.Fatal("Append clobbered dst")
			}
			enc = enc[len("prefix"):]
			got := newLike(tc.rec)
			d := NewDecoder(enc)
			got.Decode(&d)
			if err := d.Finish(); err != nil {
				t.Fatalf("decode: %v\n%x", err, enc)
			}
			if !reflect.DeepEqual(got, tc.rec) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tc.rec)
			}
			if again := got.Append(nil); !bytes.Equal(again, enc) {
				t.Fatalf("re-encoding differs:\n got %x\nwant %x", again, enc)
			}
			// Every strict prefix fails, except the connect records
			// without their optional last byte.
			optional := -1
			switch r := tc.rec.(type) {
			case *ConnectRequest:
				if r.HasReadOnly {
					optional = len(enc) - 1
				}
			case *ConnectResponse:
				if r.HasReadOnly {
					optional = len(enc) - 1
				}
			}
			for n := 0; n < len(enc); n++ {
				d := NewDecoder(enc[:n])
				newLike(tc.rec).Decode(&d)
				if err := d.Finish(); (err == nil) != (n == optional) {
					t.Errorf("prefix of %d/%d bytes: err %v", n, len(enc), err)
				}
			}
		})
	}
}

func TestRecordLayout(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  Record
		hex  string
	}{
		{"Stat", &Stat{Czxid: 1, Mzxid: 2, Ctime: 3, Mtime: 4, Version: 5, Cversion: 6, Aversion: 7, EphemeralOwner: 8, DataLength: 9, NumChildren: 10, Pzxid: 11},
			"0000000000000001 0000000000000002 0000000000000003 0000000000000004 00000005 00000006 00000007 0000000000000008 00000009 0000000a 000000000000000b"},
		{"ReplyHeader", &ReplyHeader{Xid: 1, Zxid: 0x1_00000002, Err: CodeNoNode}, "00000001 0000000100000002 ffffff9b"},
		{"GetDataRequest", &GetDataRequest{Path: "/a", Watch: true}, "00000002 2f61 01"},
		{"SetDataRequest/null", &SetDataRequest{Path: "", Version: -1}, "00000000 ffffffff ffffffff"},
		{"ConnectRequest/old", &ConnectRequest{TimeOut: 4000, Passwd: []byte{}}, "00000000 0000000000000000 00000fa0 0000000000000000 00000000"},
		{"ConnectRequest/readOnly", &ConnectRequest{TimeOut: 4000, Passwd: []byte{}, ReadOnly: true, HasReadOnly: true}, "00000000 0000000000000000 00000fa0 0000000000000000 00000000 01"},
		{"CreateRequest", &CreateRequest{Path: "/n", Data: []byte{}, ACL: OpenACLUnsafe(), Flags: 3},
			"00000002 2f6e 00000000 00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65 00000003"},
		{"MultiRequest", &MultiRequest{Ops: []MultiOp{{MultiHeader{Type: OpDelete, Err: -1}, &DeleteRequest{Path: "/d", Version: 1}}}},
			"00000002 00 ffffffff 00000002 2f64 00000001 ffffffff 01 ffffffff"},
		{"MultiResponse", &MultiResponse{Results: []MultiResult{{MultiHeader{Type: OpError, Err: CodeBadVersion}, &ErrorResponse{CodeBadVersion}}, {MultiHeader{Type: OpDelete}, nil}}},
			"ffffffff 00 ffffff99 ffffff99 00000002 00 00000000 ffffffff 01 ffffffff"},
		{"MultiTxn", &MultiTxn{Txns: []TxnOp{{OpDelete, &DeleteTxn{Path: "/d"}}}}, "00000001 00000002 00000006 00000002 2f64"},
		{"CloseSessionTxn/null", &CloseSessionTxn{}, "ffffffff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := hex.DecodeString(strings.ReplaceAll(tc.hex, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.rec.Append(nil); !bytes.Equal(got, want) {
				t.Fatalf("got  %x\nwant %x", got, want)
			}
		})
	}
}

func decodeErr(r Record, b []byte) error {
	d := NewDecoder(b)
	r.Decode(&d)
	return d.Finish()
}

func TestDecodeErrors(t *testing.T) {
	hx := func(s string) []byte {
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		rec  Record
		in   []byte
		want error
	}{
		{"buffer too long", new(SetDataRequest), hx("00000001 2f 7fffffff 00000000"), ErrBadLength},
		{"negative buffer", new(SetDataRequest), hx("00000001 2f fffffffe 00000000"), ErrBadLength},
		{"string too long", new(GetDataRequest), hx("7fffffff 00"), ErrBadLength},
		{"huge ACL count", new(CreateRequest), hx("00000001 2f ffffffff 10000000 00000000"), ErrBadLength},
		{"huge children count", new(GetChildrenResponse), hx("0fffffff 00000000"), ErrBadLength},
		{"huge MultiTxn count", new(MultiTxn), hx("7fffffff 00000002"), ErrBadLength},
		{"trailing", new(DeleteRequest), hx("00000001 2f 00000001 00"), ErrTrailing},
		{"short", new(ReplyHeader), hx("00000001 00000000"), ErrShort},
		{"multi unknown op", new(MultiRequest), hx("00000009 00 ffffffff 00000001 2f"), ErrBadRecord},
		{"multi nested multi", new(MultiRequest), hx("0000000e 00 ffffffff ffffffff 01 ffffffff"), ErrBadRecord},
		{"multi no end", new(MultiRequest), hx("00000002 00 ffffffff 00000001 2f 00000001"), ErrShort},
		{"multi response unknown op", new(MultiResponse), hx("00000003 00 00000000"), ErrBadRecord},
		{"multi txn unknown op", new(MultiTxn), hx("00000001 0000000e 00000000"), ErrBadRecord},
		{"multi txn body short", new(MultiTxn), hx("00000001 ffffffff 00000002 0000"), ErrShort},
		{"multi txn body trailing", new(MultiTxn), hx("00000001 ffffffff 00000005 0000000000"), ErrTrailing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := decodeErr(tc.rec, tc.in); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestMultiRequestDecodesBodyByType(t *testing.T) {
	want := map[OpCode]Record{
		OpCreate: new(CreateRequest), OpCreate2: new(CreateRequest), OpCreateContainer: new(CreateRequest),
		OpCreateTTL: new(CreateTTLRequest), OpDelete: new(DeleteRequest), OpSetData: new(SetDataRequest),
		OpCheck: new(CheckVersionRequest), OpGetChildren: new(GetChildrenRequest), OpGetData: new(GetDataRequest),
	}
	for op := OpCode(-20); op < 200; op++ {
		body, ok := newMultiOpBody(op)
		w, wok := want[op]
		if ok != wok || (ok && reflect.TypeOf(body) != reflect.TypeOf(w)) {
			t.Errorf("%s: body %T %v, want %T %v", op, body, ok, w, wok)
		}
	}
}

func TestNewRequest(t *testing.T) {
	want := map[OpCode]Record{
		OpCreate: new(CreateRequest), OpCreate2: new(CreateRequest), OpCreateContainer: new(CreateRequest),
		OpCreateTTL: new(CreateTTLRequest), OpDelete: new(DeleteRequest), OpExists: new(ExistsRequest),
		OpGetData: new(GetDataRequest), OpSetData: new(SetDataRequest), OpGetACL: new(GetACLRequest),
		OpSetACL: new(SetACLRequest), OpGetChildren: new(GetChildrenRequest), OpGetChildren2: new(GetChildren2Request),
		OpCheck: new(CheckVersionRequest), OpMulti: new(MultiRequest), OpMultiRead: new(MultiRequest),
		OpSync: new(SyncRequest), OpAuth: new(AuthPacket), OpSetWatches: new(SetWatches), OpSetWatches2: new(SetWatches2),
		OpAddWatch: new(AddWatchRequest), OpCheckWatches: new(CheckWatchesRequest), OpRemoveWatches: new(RemoveWatchesRequest),
		OpGetEphemerals: new(GetEphemeralsRequest), OpGetAllChildrenNumber: new(GetAllChildrenNumberRequest),
		OpReconfig: new(ReconfigRequest), OpPing: nil, OpCloseSession: nil, OpWhoAmI: nil,
	}
	for op := OpCode(-20); op < 200; op++ {
		r, ok := NewRequest(op)
		w, wok := want[op]
		if ok != wok || reflect.TypeOf(r) != reflect.TypeOf(w) {
			t.Errorf("NewRequest(%s) = %T, %v; want %T, %v", op, r, ok, w, wok)
		}
		if _, ok := NewResponse(op); ok != wok {
			t.Errorf("NewResponse(%s) known = %v, NewRequest known = %v", op, ok, wok)
		}
	}
}

func TestDecodeRequest(t *testing.T) {
	body := (&GetDataRequest{Path: "/x", Watch: true}).Append(nil)
	r, err := DecodeRequest(OpGetData, body)
	if err != nil || !reflect.DeepEqual(r, &GetDataRequest{Path: "/x", Watch: true}) {
		t.Fatalf("DecodeRequest = %+v, %v", r, err)
	}
	if r, err := DecodeRequest(OpPing, nil); r != nil || err != nil {
		t.Fatalf("ping: %v, %v", r, err)
	}
	if _, err := DecodeRequest(OpPing, []byte{0}); !errors.Is(err, ErrTrailing) {
		t.Fatalf("ping with a body: %v", err)
	}
	if _, err := DecodeRequest(OpGetData, body[:3]); !errors.Is(err, ErrShort) {
		t.Fatalf("short: %v", err)
	}
	if _, err := DecodeRequest(OpSASL, nil); !errors.Is(err, ErrBadRecord) {
		t.Fatalf("sasl: %v", err)
	}
}

type txnSample struct {
	typ  OpCode
	body Record
}

// txnSamples holds a body of every transaction type.
func txnSamples() []txnSample {
	return []txnSample{
		{OpCreateSession, &CreateSessionTxn{TimeOut: 30000}},
		{OpCloseSession, &CloseSessionTxn{Paths2Delete: []string{"/e"}}},
		{OpCloseSession, &CloseSessionTxn{Paths2Delete: []string{}}},
		{OpCreate, &CreateTxn{Path: "/a", Data: []byte("x"), ACL: OpenACLUnsafe(), ParentCVersion: 1}},
		{OpCreate2, &CreateTxn{Path: "/a", ACL: OpenACLUnsafe(), Ephemeral: true, ParentCVersion: 1}},
		{OpCreateTTL, &CreateTTLTxn{Path: "/t", ACL: OpenACLUnsafe(), TTL: 10}},
		{OpCreateContainer, &CreateContainerTxn{Path: "/c", ACL: OpenACLUnsafe()}},
		{OpDelete, &DeleteTxn{Path: "/a"}},
		{OpDeleteContainer, &DeleteTxn{Path: "/c"}},
		{OpSetData, &SetDataTxn{Path: "/a", Data: []byte("y"), Version: 1}},
		{OpReconfig, &SetDataTxn{Path: "/zookeeper/config", Data: []byte("server.1=h:2888:3888"), Version: -1}},
		{OpSetACL, &SetACLTxn{Path: "/a", ACL: ReadACLUnsafe(), Version: 0}},
		{OpError, &ErrorTxn{Err: CodeNodeExists}},
		{OpMulti, &MultiTxn{Txns: []TxnOp{{OpCreate, &CreateTxn{Path: "/m", ACL: OpenACLUnsafe()}}, {OpError, &ErrorTxn{CodeOK}}}}},
	}
}

func TestTxnRoundTrip(t *testing.T) {
	hdr := TxnHeader{ClientID: 0x1000066e9900007, Cxid: 12, Zxid: MakeZxid(1, 0x60), Time: 1700000000000}
	for _, tc := range txnSamples() {
		t.Run(tc.typ.String(), func(t *testing.T) {
			h := hdr
			h.Type = tc.typ
			in := Txn{Header: h, Body: tc.body}
			enc := AppendTxn(nil, &in)
			got, err := DecodeTxn(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, in) {
				t.Fatalf("got %+v\nwant %+v", got, in)
			}
			if _, err := DecodeTxn(append(enc, 0)); !errors.Is(err, ErrTrailing) {
				t.Fatalf("trailing byte: %v", err)
			}
			body, err := NewTxnBody(tc.typ)
			if err != nil || reflect.TypeOf(body) != reflect.TypeOf(tc.body) {
				t.Fatalf("NewTxnBody = %T, %v", body, err)
			}
		})
	}
	t.Run("emptyCloseSession", func(t *testing.T) {
		h := hdr
		h.Type = OpCloseSession
		got, err := DecodeTxn(h.Append(nil))
		if err != nil || !reflect.DeepEqual(got.Body, &CloseSessionTxn{}) {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		h := hdr
		h.Type = OpGetData
		if _, err := DecodeTxn(h.Append(nil)); !errors.Is(err, ErrBadRecord) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("shortHeader", func(t *testing.T) {
		if _, err := DecodeTxn(hdr.Append(nil)[:20]); !errors.Is(err, ErrShort) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestFraming(t *testing.T) {
	h := ReplyHeader{Xid: 5, Zxid: 0x10, Err: CodeOK}
	got := AppendReply([]byte("xx"), h, &SyncResponse{Path: "/s"})
	want, _ := hex.DecodeString("7878" + "00000016" + "00000005" + "0000000000000010" + "00000000" + "00000002" + "2f73")
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendReply:\n got %x\nwant %x", got, want)
	}
	got = AppendReply(nil, ReplyHeader{Xid: 5, Zxid: 0x10, Err: CodeNoNode}, nil)
	want, _ = hex.DecodeString("00000010" + "00000005" + "0000000000000010" + "ffffff9b")
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendReply(nil body):\n got %x\nwant %x", got, want)
	}
	got = AppendWatcherEvent(nil, &WatcherEvent{Type: EventNodeCreated, State: StateSyncConnected, Path: "/w"})
	want, _ = hex.DecodeString("0000001e" + "ffffffff" + "ffffffffffffffff" + "00000000" + "00000001" + "00000003" + "00000002" + "2f77")
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendWatcherEvent:\n got %x\nwant %x", got, want)
	}
	got = AppendRequest(nil, RequestHeader{Xid: XidPing, Type: OpPing}, nil)
	want, _ = hex.DecodeString("00000008" + "fffffffe" + "0000000b")
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendRequest(ping):\n got %x\nwant %x", got, want)
	}
	got = AppendFrame(nil, &ConnectResponse{TimeOut: 4000, SessionID: 1, Passwd: []byte{}})
	want, _ = hex.DecodeString("00000014" + "00000000" + "00000fa0" + "0000000000000001" + "00000000")
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendFrame:\n got %x\nwant %x", got, want)
	}
}

func TestConnectRequestOptionalByte(t *testing.T) {
	old := (&ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)}).Append(nil)
	var r ConnectRequest
	if err := decodeErr(&r, old); err != nil || r.HasReadOnly {
		t.Fatalf("old client: %+v %v", r, err)
	}
	r = ConnectRequest{}
	if err := decodeErr(&r, append(old, 1)); err != nil || !r.HasReadOnly || !r.ReadOnly {
		t.Fatalf("read-only client: %+v %v", r, err)
	}
	// ZooKeeper ignores anything after the byte; the decoder reads it and
	// leaves the rest for Finish to report.
	r = ConnectRequest{}
	if err := decodeErr(&r, append(old, 0, 9)); !errors.Is(err, ErrTrailing) || !r.HasReadOnly || r.ReadOnly {
		t.Fatalf("extra bytes: %+v %v", r, err)
	}
}

// Decoding aliases the input (see Record); this pins that down so that a
// change to copying is a deliberate one.
func TestDecodeAliases(t *testing.T) {
	b := (&SetDataRequest{Path: "/p", Data: []byte("abc")}).Append(nil)
	var r SetDataRequest
	if err := decodeErr(&r, b); err != nil {
		t.Fatal(err)
	}
	b[len(b)-5] = 'X' // last data byte
	if string(r.Data) != "abX" {
		t.Fatalf("Data = %q, want aliasing", r.Data)
	}
}

func TestNullStringDecodesEmpty(t *testing.T) {
	var r GetDataRequest
	if err := decodeErr(&r, []byte{0xff, 0xff, 0xff, 0xff, 1}); err != nil || r.Path != "" || !r.Watch {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestZxidString(t *testing.T) {
	for _, tc := range []struct {
		z    Zxid
		want string
	}{
		{0, "0x0"},
		{MakeZxid(1, 2), "0x100000002"},
		{MakeZxid(0xffffffff, 0xffffffff), "0xffffffffffffffff"},
		{-1, "0xffffffffffffffff"},
		{0x6e, "0x6e"},
	} {
		if got := tc.z.String(); got != tc.want {
			t.Errorf("Zxid(%d).String() = %s, want %s", int64(tc.z), got, tc.want)
		}
	}
	z := MakeZxid(7, 9)
	if z.Epoch() != 7 || z.Counter() != 9 {
		t.Errorf("MakeZxid(7, 9): epoch %d counter %d", z.Epoch(), z.Counter())
	}
}

func TestSessionIDString(t *testing.T) {
	for _, tc := range []struct {
		s    SessionID
		want string
	}{
		{0, "0x0"},
		{0x1000066e9900007, "0x1000066e9900007"},
		{-0x8000000000000000, "0x8000000000000000"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("SessionID(%d).String() = %s, want %s", int64(tc.s), got, tc.want)
		}
	}
}

func TestCodeError(t *testing.T) {
	for _, tc := range []struct {
		c    Code
		want string
	}{
		{CodeOK, "zk: ok"},
		{CodeNoNode, "zk: no node"},
		{CodeBadVersion, "zk: bad version"},
		{CodeNodeExists, "zk: node exists"},
		{CodeReconfigDisabled, "zk: reconfig disabled"},
		{Code(-999), "zk: unknown error -999"},
	} {
		if got := tc.c.Error(); got != tc.want {
			t.Errorf("Code(%d).Error() = %q, want %q", int32(tc.c), got, tc.want)
		}
	}
	var err error = CodeNoNode
	if !errors.Is(err, CodeNoNode) || errors.Is(err, CodeNodeExists) {
		t.Error("Code does not compare as an error value")
	}
	if OpCode(999).String() != "unknown 999" || OpGetData.String() != "getData" {
		t.Error("OpCode.String")
	}
}
