package zkclient

import (
	"bytes"
	"context"
	"strconv"

	"github.com/paddockdb/paddock/zk"
)

// Typed helpers: one synchronous method per operation, checking their
// arguments as the Java client does before sending anything (paths, TTLs,
// empty ACLs: *ArgumentError and ErrEmptyACL).

// ConfigPath is the znode holding the ensemble's dynamic configuration
// (ZooDefs.CONFIG_NODE).
const ConfigPath = "/zookeeper/config"

// modeNames are the Java CreateMode names, by flag.
var modeNames = [...]string{
	zk.ModePersistent:                  "PERSISTENT",
	zk.ModeEphemeral:                   "EPHEMERAL",
	zk.ModePersistentSequential:        "PERSISTENT_SEQUENTIAL",
	zk.ModeEphemeralSequential:         "EPHEMERAL_SEQUENTIAL",
	zk.ModeContainer:                   "CONTAINER",
	zk.ModePersistentWithTTL:           "PERSISTENT_WITH_TTL",
	zk.ModePersistentSequentialWithTTL: "PERSISTENT_SEQUENTIAL_WITH_TTL",
}

func isSequential(mode int32) bool {
	return mode == zk.ModePersistentSequential || mode == zk.ModeEphemeralSequential ||
		mode == zk.ModePersistentSequentialWithTTL
}

func isTTL(mode int32) bool {
	return mode == zk.ModePersistentWithTTL || mode == zk.ModePersistentSequentialWithTTL
}

// Create creates a znode and returns its path (with the sequence suffix of
// sequential modes) and Stat. As the Java client's create with a Stat, it
// sends createTTL for the TTL modes (ttl in milliseconds, required),
// createContainer for zk.ModeContainer and create2 otherwise; ttl must be
// 0 for the other modes.
func (c *Client) Create(ctx context.Context, path string, data []byte, acl []zk.ACL, mode int32, ttl int64) (string, zk.Stat, error) {
	if mode < 0 || int(mode) >= len(modeNames) {
		return "", zk.Stat{}, &ArgumentError{Msg: "Received an invalid flag value: " + strconv.Itoa(int(mode)) + " to convert to a CreateMode"}
	}
	if err := ValidatePath(path, isSequential(mode)); err != nil {
		return "", zk.Stat{}, err
	}
	if isTTL(mode) {
		if err := ValidateTTL(ttl); err != nil {
			return "", zk.Stat{}, err
		}
	} else if ttl != 0 {
		return "", zk.Stat{}, &ArgumentError{Msg: "ttl not valid for mode: " + modeNames[mode]}
	}
	if len(acl) == 0 {
		return "", zk.Stat{}, ErrEmptyACL
	}
	var resp zk.Create2Response
	var err error
	switch {
	case isTTL(mode):
		_, err = c.Do(ctx, zk.OpCreateTTL, &zk.CreateTTLRequest{Path: path, Data: data, ACL: acl, Flags: mode, TTL: ttl}, &resp)
	case mode == zk.ModeContainer:
		_, err = c.Do(ctx, zk.OpCreateContainer, &zk.CreateRequest{Path: path, Data: data, ACL: acl, Flags: mode}, &resp)
	default:
		_, err = c.Do(ctx, zk.OpCreate2, &zk.CreateRequest{Path: path, Data: data, ACL: acl, Flags: mode}, &resp)
	}
	if err != nil {
		return "", zk.Stat{}, err
	}
	return resp.Path, resp.Stat, nil
}

// Get returns a znode's data (nil when the znode holds null) and Stat,
// leaving a data watch when watch is set and the znode exists.
func (c *Client) Get(ctx context.Context, path string, watch bool) ([]byte, zk.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return nil, zk.Stat{}, err
	}
	var resp zk.GetDataResponse
	if _, err := c.Do(ctx, zk.OpGetData, &zk.GetDataRequest{Path: path, Watch: watch}, &resp); err != nil {
		return nil, zk.Stat{}, err
	}
	return resp.Data, resp.Stat, nil
}

// Set sets a znode's data if its version is version (-1: any).
func (c *Client) Set(ctx context.Context, path string, data []byte, version int32) (zk.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return zk.Stat{}, err
	}
	var resp zk.SetDataResponse
	_, err := c.Do(ctx, zk.OpSetData, &zk.SetDataRequest{Path: path, Data: data, Version: version}, &resp)
	return resp.Stat, err
}

// Delete deletes a znode if its version is version (-1: any).
func (c *Client) Delete(ctx context.Context, path string, version int32) error {
	if err := ValidatePath(path, false); err != nil {
		return err
	}
	_, err := c.Do(ctx, zk.OpDelete, &zk.DeleteRequest{Path: path, Version: version}, nil)
	return err
}

// Exists returns a znode's Stat and true, or false when it does not exist
// (not an error). With watch set it leaves a data watch on an existing
// znode and an exist watch on a missing one.
func (c *Client) Exists(ctx context.Context, path string, watch bool) (zk.Stat, bool, error) {
	if err := ValidatePath(path, false); err != nil {
		return zk.Stat{}, false, err
	}
	var resp zk.ExistsResponse
	_, err := c.Do(ctx, zk.OpExists, &zk.ExistsRequest{Path: path, Watch: watch}, &resp)
	switch err {
	case nil:
		return resp.Stat, true, nil
	case zk.CodeNoNode:
		return zk.Stat{}, false, nil
	}
	return zk.Stat{}, false, err
}

// Children returns a znode's children, in the server's order, and its
// Stat (op getChildren2), leaving a child watch when watch is set.
func (c *Client) Children(ctx context.Context, path string, watch bool) ([]string, zk.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return nil, zk.Stat{}, err
	}
	var resp zk.GetChildren2Response
	if _, err := c.Do(ctx, zk.OpGetChildren2, &zk.GetChildren2Request{Path: path, Watch: watch}, &resp); err != nil {
		return nil, zk.Stat{}, err
	}
	return resp.Children, resp.Stat, nil
}

// GetACL returns a znode's ACL and Stat.
func (c *Client) GetACL(ctx context.Context, path string) ([]zk.ACL, zk.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return nil, zk.Stat{}, err
	}
	var resp zk.GetACLResponse
	if _, err := c.Do(ctx, zk.OpGetACL, &zk.GetACLRequest{Path: path}, &resp); err != nil {
		return nil, zk.Stat{}, err
	}
	return resp.ACL, resp.Stat, nil
}

// SetACL sets a znode's ACL if its ACL version is version (-1: any).
func (c *Client) SetACL(ctx context.Context, path string, acl []zk.ACL, version int32) (zk.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return zk.Stat{}, err
	}
	if len(acl) == 0 {
		return zk.Stat{}, ErrEmptyACL
	}
	var resp zk.SetACLResponse
	_, err := c.Do(ctx, zk.OpSetACL, &zk.SetACLRequest{Path: path, ACL: acl, Version: version}, &resp)
	return resp.Stat, err
}

// Sync waits until the server has applied everything committed before it
// (op sync) and returns the path the server echoes.
func (c *Client) Sync(ctx context.Context, path string) (string, error) {
	if err := ValidatePath(path, false); err != nil {
		return "", err
	}
	var resp zk.SyncResponse
	if _, err := c.Do(ctx, zk.OpSync, &zk.SyncRequest{Path: path}, &resp); err != nil {
		return "", err
	}
	return resp.Path, nil
}

// Multi runs ops as one transaction (op multi), or as multiRead when every
// op is a getData or getChildren, as the Java client chooses. Each op needs
// its Header.Type and Body; Done and Err are filled in. When the
// transaction fails, the results (with an error result per op) come back
// with the first op's error, as the Java client throws it. (A multiRead
// does not fail as a whole: its failed reads are error results.)
func (c *Client) Multi(ctx context.Context, ops ...zk.MultiOp) ([]zk.MultiResult, error) {
	req := zk.MultiRequest{Ops: make([]zk.MultiOp, len(ops))}
	read := len(ops) > 0
	for i, o := range ops {
		o.Header.Done, o.Header.Err = false, zk.CodeSystemError
		req.Ops[i] = o
		if o.Header.Type != zk.OpGetData && o.Header.Type != zk.OpGetChildren {
			read = false
		}
		if o.Body != nil {
			p, seq := multiOpPath(o)
			if err := ValidatePath(p, seq); err != nil {
				return nil, err
			}
		}
	}
	op := zk.OpMulti
	if read {
		op = zk.OpMultiRead
	}
	var resp zk.MultiResponse
	_, err := c.Do(ctx, op, &req, &resp)
	if err == nil {
		err = multiErr(resp.Results)
	}
	return resp.Results, err
}

// multiErr returns the first failure among a multi's results: ZooKeeper
// answers a failed multi with error 0 in the reply header and an error
// result per op, and the Java client throws the first non-zero one.
func multiErr(res []zk.MultiResult) error {
	for _, r := range res {
		if e, ok := r.Body.(*zk.ErrorResponse); ok && e.Err != zk.CodeOK {
			return e.Err
		}
	}
	return nil
}

// multiOpPath returns the path of a multi op and whether it creates a
// sequential node.
func multiOpPath(o zk.MultiOp) (string, bool) {
	switch b := o.Body.(type) {
	case *zk.CreateRequest:
		return b.Path, isSequential(b.Flags)
	case *zk.CreateTTLRequest:
		return b.Path, isSequential(b.Flags)
	case *zk.DeleteRequest:
		return b.Path, false
	case *zk.SetDataRequest:
		return b.Path, false
	case *zk.CheckVersionRequest:
		return b.Path, false
	case *zk.GetDataRequest:
		return b.Path, false
	case *zk.GetChildrenRequest:
		return b.Path, false
	}
	return "/", false
}

// AddAuth adds an identity to the session (an auth packet, xid -4) and
// waits for the server's answer. The identity is sent again on every
// reconnect. A rejected one (zk.CodeAuthFailed, for an unknown scheme or
// bad credentials) kills the client, as in the Java client.
func (c *Client) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	c.mu.Lock()
	c.authInfo = append(c.authInfo, authData{scheme: scheme, auth: bytes.Clone(auth)})
	c.mu.Unlock()
	cl := getCall()
	cl.op = zk.OpAuth
	_, err := c.wait(ctx, cl, &zk.AuthPacket{Scheme: scheme, Auth: auth}, zk.XidAuth)
	return err
}

// AddWatch leaves a persistent watch (zk.AddWatchModePersistent) or a
// persistent recursive one (zk.AddWatchModePersistentRecursive) on path.
func (c *Client) AddWatch(ctx context.Context, path string, mode int32) error {
	if err := ValidatePath(path, false); err != nil {
		return err
	}
	var resp zk.ErrorResponse
	_, err := c.Do(ctx, zk.OpAddWatch, &zk.AddWatchRequest{Path: path, Mode: mode}, &resp)
	if err == nil && resp.Err != zk.CodeOK {
		err = resp.Err
	}
	return err
}

// RemoveWatches removes this client's watches of type typ
// (zk.WatcherTypeChildren, zk.WatcherTypeData, zk.WatcherTypeAny) on path,
// and delivers a ChildWatchRemoved, DataWatchRemoved or
// PersistentWatchRemoved event for each kind removed, as the Java
// client's removeAllWatches. With local set, the watches are removed here
// even when the server could not be asked. It fails with zk.CodeNoWatcher
// when the client holds no such watch.
func (c *Client) RemoveWatches(ctx context.Context, path string, typ int32, local bool) error {
	if err := ValidatePath(path, false); err != nil {
		return err
	}
	cl := getCall()
	cl.op = zk.OpRemoveWatches
	cl.reg, cl.path, cl.wtype, cl.local = regRemove, path, typ, local
	_, err := c.wait(ctx, cl, &zk.RemoveWatchesRequest{Path: path, Type: typ}, 0)
	return err
}

// GetEphemerals returns the paths of the session's ephemeral znodes under
// prefix ("/" for all).
func (c *Client) GetEphemerals(ctx context.Context, prefix string) ([]string, error) {
	if err := ValidatePath(prefix, false); err != nil {
		return nil, err
	}
	var resp zk.GetEphemeralsResponse
	if _, err := c.Do(ctx, zk.OpGetEphemerals, &zk.GetEphemeralsRequest{PrefixPath: prefix}, &resp); err != nil {
		return nil, err
	}
	return resp.Ephemerals, nil
}

// GetAllChildrenNumber returns the number of descendants of a znode.
func (c *Client) GetAllChildrenNumber(ctx context.Context, path string) (int32, error) {
	if err := ValidatePath(path, false); err != nil {
		return 0, err
	}
	var resp zk.GetAllChildrenNumberResponse
	if _, err := c.Do(ctx, zk.OpGetAllChildrenNumber, &zk.GetAllChildrenNumberRequest{Path: path}, &resp); err != nil {
		return 0, err
	}
	return resp.TotalNumber, nil
}

// WhoAmI returns the session's identities (op whoAmI).
func (c *Client) WhoAmI(ctx context.Context) ([]zk.ClientInfo, error) {
	var resp zk.WhoAmIResponse
	if _, err := c.Do(ctx, zk.OpWhoAmI, nil, &resp); err != nil {
		return nil, err
	}
	return resp.ClientInfo, nil
}

// GetConfig returns the ensemble's configuration: the data and Stat of
// ConfigPath, leaving a data watch when watch is set.
func (c *Client) GetConfig(ctx context.Context, watch bool) ([]byte, zk.Stat, error) {
	return c.Get(ctx, ConfigPath, watch)
}

// Reconfig changes the ensemble's membership (op reconfig), incrementally
// (joining and leaving: comma-separated server specs and ids) or not
// (members), from configuration version fromConfig (-1: any). It returns
// the new configuration and the Stat of ConfigPath.
func (c *Client) Reconfig(ctx context.Context, joining, leaving, members string, fromConfig int64) ([]byte, zk.Stat, error) {
	var resp zk.GetDataResponse
	req := reconfigRequest{zk.ReconfigRequest{JoiningServers: joining, LeavingServers: leaving, NewMembers: members, CurConfigID: fromConfig}}
	if _, err := c.Do(ctx, zk.OpReconfig, &req, &resp); err != nil {
		return nil, zk.Stat{}, err
	}
	return resp.Data, resp.Stat, nil
}

// reconfigRequest encodes an empty string of a ReconfigRequest as a null
// ustring, as the Java client sends the arguments it was not given (the
// server tells "not given" from "empty" by null).
type reconfigRequest struct{ zk.ReconfigRequest }

func appendNullable(dst []byte, s string) []byte {
	if s == "" {
		return zk.AppendInt32(dst, -1)
	}
	return zk.AppendString(dst, s)
}

// Append encodes r.
func (r *reconfigRequest) Append(dst []byte) []byte {
	dst = appendNullable(dst, r.JoiningServers)
	dst = appendNullable(dst, r.LeavingServers)
	dst = appendNullable(dst, r.NewMembers)
	return zk.AppendInt64(dst, r.CurConfigID)
}
