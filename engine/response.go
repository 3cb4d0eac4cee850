package engine

import "github.com/paddockdb/paddock/zk"

// Response builds the reply body of a write whose txn applied with result
// res, as FinalRequestProcessor does for each op: create answers the path,
// create2/createTTL/createContainer the path and Stat, setData and setACL
// the Stat, delete nothing, multi one result per op. A top-level check gets
// a bare header: ZooKeeper 3.8 never answers it (its reply serialization
// throws on the missing Stat), which leaves clients hanging.
func Response(op zk.OpCode, res Result) (zk.Record, zk.Code) {
	if op == zk.OpMulti && res.Multi != nil {
		// A failed multi too answers header err 0; the results carry the codes.
		return multiResponse(res.Multi), zk.CodeOK
	}
	if res.Err != zk.CodeOK {
		return nil, res.Err
	}
	switch op {
	case zk.OpCreate:
		return &zk.CreateResponse{Path: res.Path}, zk.CodeOK
	case zk.OpCreate2, zk.OpCreateTTL, zk.OpCreateContainer:
		return &zk.Create2Response{Path: res.Path, Stat: res.Stat}, zk.CodeOK
	case zk.OpSetData:
		return &zk.SetDataResponse{Stat: res.Stat}, zk.CodeOK
	case zk.OpSetACL:
		return &zk.SetACLResponse{Stat: res.Stat}, zk.CodeOK
	}
	return nil, zk.CodeOK
}

func multiResponse(subs []SubResult) *zk.MultiResponse {
	out := &zk.MultiResponse{Results: make([]zk.MultiResult, len(subs))}
	for i, s := range subs {
		r := &out.Results[i]
		if s.Type == zk.OpError || s.Err != zk.CodeOK {
			r.Header = zk.MultiHeader{Type: zk.OpError, Err: s.Err}
			r.Body = &zk.ErrorResponse{Err: s.Err}
			continue
		}
		r.Header = zk.MultiHeader{Type: s.Type}
		switch s.Type {
		case zk.OpCreate:
			r.Body = &zk.CreateResponse{Path: s.Path}
		case zk.OpCreate2, zk.OpCreateTTL, zk.OpCreateContainer:
			// OpResult.CreateResult with a Stat is typed create2.
			r.Header.Type = zk.OpCreate2
			r.Body = &zk.Create2Response{Path: s.Path, Stat: s.Stat}
		case zk.OpSetData:
			r.Body = &zk.SetDataResponse{Stat: s.Stat}
		}
	}
	return out
}
