package zkcli

import (
	"context"
	"errors"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/zk"
)

// command is one zkCli command: its name, its option string (the usage
// line is name + " " + options) and, for the CliCommands, what runs it;
// the built-ins of ZooKeeperMain (connect, history, ...) have no run.
type command struct {
	name string
	opts string
	run  func(s *Shell, c *command, tokens []string) error
}

func (c *command) usage() string { return c.name + " " + c.opts }

// commands maps names to commands; filled by init to break the cycle
// through the run functions.
var commands map[string]*command

func init() {
	commands = map[string]*command{}
	for _, c := range []*command{
		{"connect", "host:port", nil},
		{"history", "", nil},
		{"redo", "cmdno", nil},
		{"printwatches", "on|off", nil},
		{"quit", "", nil},
		// NB: help is Paddock's; zkCli.sh prints this list for any
		// unknown command.
		{"help", "", nil},
		{"close", "", (*Shell).cmdClose},
		{"create", "[-s] [-e] [-c] [-t ttl] path [data] [acl]", (*Shell).cmdCreate},
		{"delete", "[-v version] path", (*Shell).cmdDelete},
		{"deleteall", "path [-b batch size]", (*Shell).cmdDeleteAll},
		{"set", "[-s] [-v version] path data", (*Shell).cmdSet},
		{"get", "[-s] [-w] path", (*Shell).cmdGet},
		{"ls", "[-s] [-w] [-R] path", (*Shell).cmdLs},
		{"getAcl", "[-s] path", (*Shell).cmdGetACL},
		{"setAcl", "[-s] [-v version] [-R] path acl", (*Shell).cmdSetACL},
		{"stat", "[-w] path", (*Shell).cmdStat},
		{"sync", "path", (*Shell).cmdSync},
		{"setquota", "-n|-b|-N|-B val path", (*Shell).cmdSetQuota},
		{"listquota", "path", (*Shell).cmdListQuota},
		{"delquota", "[-n|-b|-N|-B] path", (*Shell).cmdDelQuota},
		{"addauth", "scheme auth", (*Shell).cmdAddAuth},
		{"reconfig", "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | " +
			"[-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]", (*Shell).cmdReconfig},
		{"config", "[-c] [-w] [-s]", (*Shell).cmdConfig},
		{"removewatches", "path [-c|-d|-a] [-l]", (*Shell).cmdRemoveWatches},
		{"getEphemerals", "path", (*Shell).cmdGetEphemerals},
		{"getAllChildrenNumber", "path", (*Shell).cmdGetAllChildrenNumber},
		{"version", "", (*Shell).cmdVersion},
		{"addWatch", "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE", (*Shell).cmdAddWatch},
		{"whoami", "", (*Shell).cmdWhoAmI},
	} {
		commands[c.name] = c
	}
}

// usageText is ZooKeeperMain.usage: a header and every command, sorted.
func usageText() string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("paddock cli -server host:port[,host:port...] -timeout ms -r cmd args\n")
	for _, n := range names {
		b.WriteString("\t" + commands[n].usage() + "\n")
	}
	return b.String()
}

// deprecated rewrites "cmd path watch" into "cmd path -w" as the
// retainCompatibility methods of ls, get and stat do: the raw third token
// (whatever it was) becomes -w.
func (s *Shell) deprecated(specs []optSpec, tokens []string, msg string) (*cmdLine, error) {
	tokens = slices.Clone(tokens)
	tokens[2] = "-w"
	s.errln(msg)
	cl, err := parseOpts(specs, nil, tokens)
	if err != nil {
		return nil, parseFail(err)
	}
	return cl, nil
}

// parsePathCmd parses get and stat, whose old form was "cmd path watch":
// a path is required, and a third argument is read as -w after the
// deprecation message.
func (s *Shell) parsePathCmd(c *command, specs []optSpec, tokens []string, deprecation string) (*cmdLine, error) {
	cl, err := parseOpts(specs, nil, tokens)
	if err != nil {
		return nil, parseFail(err)
	}
	if len(cl.args) < 2 {
		return nil, fail(c.usage())
	}
	if len(cl.args) > 2 {
		if cl, err = s.deprecated(specs, tokens, deprecation); err != nil {
			return nil, err
		}
		if len(cl.args) < 2 {
			return nil, fail(c.usage())
		}
	}
	return cl, nil
}

// lsHelp is HelpFormatter's output for `ls -?`.
const lsHelp = `usage: ls [options] path
 -?   help
 -R   recurse
 -s   stat
 -w   watch
`

func (s *Shell) cmdLs(c *command, tokens []string) error {
	specs := []optSpec{{name: "?"}, {name: "s"}, {name: "w"}, {name: "R"}}
	cl, err := parseOpts(specs, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if cl.has("?") {
		s.outs(lsHelp)
	}
	if len(cl.args) > 2 {
		if cl, err = s.deprecated(specs, tokens, "'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead."); err != nil {
			return err
		}
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	path, watch := cl.args[1], cl.has("w")
	if cl.has("R") {
		return s.visitDFS(path, watch, func(p string) error {
			s.outln(p)
			return nil
		})
	}
	kids, st, err := s.zk.Children(s.ctx, path, watch)
	if err != nil {
		return wrap(err, path)
	}
	sort.Strings(kids)
	s.outln(javaList(kids))
	if cl.has("s") {
		s.stat(st)
	}
	return nil
}

// visitDFS is ZKUtil.visitSubTreeDFS: path (which must exist), then, for
// each node, all its children sorted before the subtree of each. A node
// gone in between is skipped.
func (s *Shell) visitDFS(path string, watch bool, cb func(string) error) error {
	if err := zkclient.ValidatePath(path, false); err != nil {
		return wrap(err, path)
	}
	if _, _, err := s.zk.Get(s.ctx, path, watch); err != nil {
		return wrap(err, path)
	}
	if err := cb(path); err != nil {
		return err
	}
	return s.visitChildren(path, watch, cb)
}

func (s *Shell) visitChildren(path string, watch bool, cb func(string) error) error {
	kids, _, err := s.zk.Children(s.ctx, path, watch)
	if errors.Is(err, zk.CodeNoNode) {
		return nil
	}
	if err != nil {
		return wrap(err, path)
	}
	sort.Strings(kids)
	prefix := path + "/"
	if path == "/" {
		prefix = "/"
	}
	for _, k := range kids {
		if err := cb(prefix + k); err != nil {
			return err
		}
	}
	for _, k := range kids {
		if err := s.visitChildren(prefix+k, watch, cb); err != nil {
			return err
		}
	}
	return nil
}

func (s *Shell) cmdGet(c *command, tokens []string) error {
	cl, err := s.parsePathCmd(c, []optSpec{{name: "s"}, {name: "w"}}, tokens,
		"'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.")
	if err != nil {
		return err
	}
	path := cl.args[1]
	data, st, err := s.zk.Get(s.ctx, path, cl.has("w"))
	if err != nil {
		return wrap(err, path)
	}
	s.outln(javaString(data))
	if cl.has("s") {
		s.stat(st)
	}
	return nil
}

func (s *Shell) cmdCreate(c *command, tokens []string) error {
	cl, err := parseOpts([]optSpec{{name: "e"}, {name: "s"}, {name: "c"}, {name: "t", hasArg: true}}, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	hasE, hasS, hasC, hasT := cl.has("e"), cl.has("s"), cl.has("c"), cl.has("t")
	if hasC && (hasE || hasS) {
		return fail("-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.")
	}
	var ttl int64
	if hasT {
		if ttl, err = parseJavaLong(cl.value("t")); err != nil {
			return fail("-t argument must be a long value")
		}
	}
	if hasT && hasE {
		return fail("TTLs cannot be used with Ephemeral znodes")
	}
	if hasT && hasC {
		return fail("TTLs cannot be used with Container znodes")
	}
	var mode int32
	switch {
	case hasE && hasS:
		mode = zk.ModeEphemeralSequential
	case hasE:
		mode = zk.ModeEphemeral
	case hasS && hasT:
		mode = zk.ModePersistentSequentialWithTTL
	case hasS:
		mode = zk.ModePersistentSequential
	case hasC:
		mode = zk.ModeContainer
	case hasT:
		mode = zk.ModePersistentWithTTL
	default:
		mode = zk.ModePersistent
	}
	if hasT {
		if err := zkclient.ValidateTTL(ttl); err != nil {
			return fail(err.Error())
		}
	}
	path := cl.args[1]
	var data []byte
	if len(cl.args) > 2 {
		data = []byte(cl.args[2])
	}
	acl := zk.OpenACLUnsafe()
	if len(cl.args) > 3 {
		acl = parseACL(cl.args[3], s.errw)
	}
	p, _, err := s.zk.Create(s.ctx, path, data, acl, mode, ttl)
	switch {
	case err == nil:
		s.errln("Created " + p)
		return nil
	case errors.Is(err, zk.CodeEphemeralOnLocalSession):
		s.errln("Unable to create ephemeral node on a local session")
	case errors.Is(err, zkclient.ErrEmptyACL):
		s.errln(keeperMessage(zk.CodeInvalidACL, ""))
	case errors.Is(err, zk.CodeInvalidACL):
		s.errln(keeperMessage(zk.CodeInvalidACL, path))
	}
	return wrap(err, path)
}

// intArg parses an int option value as Integer.parseInt.
// NB: zkCli.sh dies with a NumberFormatException stack trace instead.
func intArg(cl *cmdLine, name string, def int32) (int32, error) {
	if !cl.has(name) {
		return def, nil
	}
	v, err := strconv.ParseInt(cl.value(name), 10, 32)
	if err != nil || strings.Contains(cl.value(name), "_") {
		return 0, fail("-" + name + " argument must be an int value")
	}
	return int32(v), nil
}

func (s *Shell) cmdSet(c *command, tokens []string) error {
	cl, err := parseOpts([]optSpec{{name: "s"}, {name: "v", hasArg: true}}, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 3 {
		return fail(c.usage())
	}
	path := cl.args[1]
	version, err := intArg(cl, "v", -1)
	if err != nil {
		return err
	}
	st, err := s.zk.Set(s.ctx, path, []byte(cl.args[2]), version)
	if err != nil {
		return wrap(err, path)
	}
	if cl.has("s") {
		s.stat(st)
	}
	return nil
}

func (s *Shell) cmdDelete(c *command, tokens []string) error {
	specs := []optSpec{{name: "v", hasArg: true}}
	cl, err := parseOpts(specs, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	if len(cl.args) > 2 {
		// The old "delete path version" form: ZooKeeper warns and then
		// ignores the version.
		s.errln("'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.")
	}
	path := cl.args[1]
	version, err := intArg(cl, "v", -1)
	if err != nil {
		return err
	}
	if err := s.zk.Delete(s.ctx, path, version); err != nil {
		return wrap(err, path)
	}
	return nil
}

func (s *Shell) cmdDeleteAll(c *command, tokens []string) error {
	cl, err := parseOpts([]optSpec{{name: "b", hasArg: true}}, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	batch, err := intArg(cl, "b", 1000)
	if err != nil {
		return err
	}
	path := cl.args[1]
	if err := zkclient.ValidatePath(path, false); err != nil {
		return wrap(err, path)
	}
	tree, err := s.listSubTreeBFS(path)
	if err != nil {
		return err
	}
	if !s.deleteInBatch(tree, int(batch)) {
		s.errln("Failed to delete some node(s) in the subtree!")
		return failed()
	}
	return nil
}

// listSubTreeBFS is ZKUtil.listSubTreeBFS: path and its descendants,
// breadth first.
func (s *Shell) listSubTreeBFS(root string) ([]string, error) {
	tree := []string{root}
	for i := 0; i < len(tree); i++ {
		node := tree[i]
		kids, _, err := s.zk.Children(s.ctx, node, false)
		if err != nil {
			return nil, wrap(err, node)
		}
		prefix := node
		if node == "/" {
			prefix = ""
		}
		for _, k := range kids {
			tree = append(tree, prefix+"/"+k)
		}
	}
	return tree, nil
}

// deleteInBatch is ZKUtil.deleteInBatch: deletes from the leaves up, in
// multis of batch deletes, up to ten multis in flight; it stops sending
// after a failure and reports whether all succeeded.
func (s *Shell) deleteInBatch(tree []string, batch int) bool {
	const rateLimit = 10
	sem := make(chan struct{}, rateLimit)
	var mu sync.Mutex
	ok := true
	var wg sync.WaitGroup
	var ops []zk.MultiOp
	for i := len(tree) - 1; i >= 0; i-- {
		ops = append(ops, zk.MultiOp{
			Header: zk.MultiHeader{Type: zk.OpDelete, Err: zk.CodeSystemError},
			Body:   &zk.DeleteRequest{Path: tree[i], Version: -1},
		})
		if len(ops) != batch && i != 0 {
			continue
		}
		mu.Lock()
		stop := !ok
		mu.Unlock()
		if stop {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		resp := new(zk.MultiResponse)
		s.zk.Go(zk.OpMulti, &zk.MultiRequest{Ops: ops}, resp, func(_ int64, err error) {
			good := err == nil
			for _, r := range resp.Results {
				if e, isErr := r.Body.(*zk.ErrorResponse); isErr && e.Err != zk.CodeOK {
					good = false
				}
			}
			mu.Lock()
			ok = ok && good
			mu.Unlock()
			<-sem
			wg.Done()
		})
		ops = nil
	}
	wg.Wait()
	return ok
}

func (s *Shell) cmdStat(c *command, tokens []string) error {
	cl, err := s.parsePathCmd(c, []optSpec{{name: "w"}}, tokens,
		"'stat path [watch]' has been deprecated. Please use 'stat [-w] path' instead.")
	if err != nil {
		return err
	}
	path := cl.args[1]
	st, ok, err := s.zk.Exists(s.ctx, path, cl.has("w"))
	if err != nil {
		return wrap(err, path)
	}
	if !ok {
		return wrap(zk.CodeNoNode, path)
	}
	s.stat(st)
	return nil
}

// syncTimeout is SyncCommand.SYNC_TIMEOUT.
const syncTimeout = 30 * time.Second

func (s *Shell) cmdSync(c *command, tokens []string) error {
	cl, err := parseOpts(nil, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	path := cl.args[1]
	ctx, cancel := context.WithTimeout(s.ctx, syncTimeout)
	defer cancel()
	_, err = s.zk.Sync(ctx, path)
	var ae *zkclient.ArgumentError
	switch {
	case err == nil:
		s.outln("Sync is OK")
		return nil
	case errors.As(err, &ae):
		return fail(ae.Msg)
	case errors.Is(err, context.DeadlineExceeded):
		return fail("Sync did not finish within " + syncTimeout.String())
	}
	// NB: zkCli.sh prints this and succeeds.
	s.outln("Sync has failed. rc=" + strconv.Itoa(int(codeOf(err))))
	return failed()
}

func (s *Shell) cmdGetACL(c *command, tokens []string) error {
	cl, err := parseOpts([]optSpec{{name: "s"}}, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	path := cl.args[1]
	acl, st, err := s.zk.GetACL(s.ctx, path)
	if err != nil {
		return wrap(err, path)
	}
	for _, a := range acl {
		s.outs(idString(a.ID) + ": " + permString(a.Perms) + "\n")
	}
	if cl.has("s") {
		s.stat(st)
	}
	return nil
}

func (s *Shell) cmdSetACL(c *command, tokens []string) error {
	cl, err := parseOpts([]optSpec{{name: "s"}, {name: "v", hasArg: true}, {name: "R"}}, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 3 {
		return fail(c.usage())
	}
	path := cl.args[1]
	acl := parseACL(cl.args[2], s.errw)
	version, err := intArg(cl, "v", -1)
	if err != nil {
		return err
	}
	if cl.has("R") {
		return s.visitDFS(path, false, func(p string) error {
			if _, err := s.zk.SetACL(s.ctx, p, acl, version); err != nil {
				var ae *zkclient.ArgumentError
				if errors.As(err, &ae) {
					return fail(ae.Msg)
				}
				// NB: zkCli.sh prints this without a newline.
				mp := p
				if errors.Is(err, zkclient.ErrEmptyACL) {
					mp = ""
				}
				s.outln(keeperMessage(codeOf(err), mp))
			}
			return nil
		})
	}
	st, err := s.zk.SetACL(s.ctx, path, acl, version)
	if err != nil {
		return wrap(err, path)
	}
	if cl.has("s") {
		s.stat(st)
	}
	return nil
}

func (s *Shell) cmdAddAuth(c *command, tokens []string) error {
	cl, err := parseOpts(nil, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	var auth []byte
	if len(cl.args) >= 3 {
		auth = []byte(cl.args[2])
	}
	// NB: zkCli.sh does not wait for the server's answer; a rejected auth
	// shows only as the AuthFailed event. Paddock waits and exits 1.
	if err := s.zk.AddAuth(s.ctx, cl.args[1], auth); err != nil {
		if errors.Is(err, zkclient.ErrAuthFailed) {
			return failed()
		}
		return wrap(err, noPath)
	}
	return nil
}

func (s *Shell) cmdAddWatch(c *command, tokens []string) error {
	cl, err := parseOpts([]optSpec{{name: "m", hasArg: true}}, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) != 2 {
		return fail(c.usage())
	}
	mode := zk.AddWatchModePersistentRecursive
	if cl.has("m") {
		switch strings.ToUpper(cl.value("m")) {
		case "PERSISTENT":
			mode = zk.AddWatchModePersistent
		case "PERSISTENT_RECURSIVE":
			mode = zk.AddWatchModePersistentRecursive
		default:
			return fail(c.usage())
		}
	}
	path := cl.args[1]
	if err := s.zk.AddWatch(s.ctx, path, mode); err != nil {
		// NB: zkCli.sh dies on a malformed path here.
		return wrap(err, path)
	}
	return nil
}

func (s *Shell) cmdRemoveWatches(c *command, tokens []string) error {
	cl, err := parseOpts([]optSpec{{name: "c"}, {name: "d"}, {name: "a"}, {name: "l"}}, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	typ := zk.WatcherTypeAny
	switch {
	case cl.has("c"):
		typ = zk.WatcherTypeChildren
	case cl.has("d"):
		typ = zk.WatcherTypeData
	}
	path := cl.args[1]
	if err := s.zk.RemoveWatches(s.ctx, path, typ, cl.has("l")); err != nil {
		return wrap(err, path)
	}
	return nil
}

func (s *Shell) cmdGetEphemerals(c *command, tokens []string) error {
	cl, err := parseOpts(nil, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	prefix := "/"
	if len(cl.args) >= 2 {
		prefix = cl.args[1]
	}
	eph, err := s.zk.GetEphemerals(s.ctx, prefix)
	if err != nil {
		return wrap(err, noPath)
	}
	s.outln(javaList(eph))
	return nil
}

func (s *Shell) cmdGetAllChildrenNumber(c *command, tokens []string) error {
	cl, err := parseOpts(nil, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) < 2 {
		return fail(c.usage())
	}
	path := cl.args[1]
	n, err := s.zk.GetAllChildrenNumber(s.ctx, path)
	if err != nil {
		return wrap(err, path)
	}
	s.outln(strconv.Itoa(int(n)))
	return nil
}

func (s *Shell) cmdConfig(c *command, tokens []string) error {
	cl, err := parseOpts([]optSpec{{name: "s"}, {name: "w"}, {name: "c"}}, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	data, st, err := s.zk.GetConfig(s.ctx, cl.has("w"))
	if err != nil {
		return wrap(err, zkclient.ConfigPath)
	}
	if cl.has("c") {
		s.outln(clientConfigString(javaString(data)))
	} else {
		s.outln(javaString(data))
	}
	if cl.has("s") {
		s.stat(st)
	}
	return nil
}

// clientConfigString is ConfigUtils.getClientConfigStr: the config's
// version, a space, and the client addresses of its server.N entries,
// comma-separated.
// NB: ZooKeeper walks a Properties (hash) table, in no set order; Paddock
// sorts the server keys.
func clientConfigString(cfg string) string {
	props := map[string]string{}
	for _, line := range strings.Split(cfg, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		props[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	var keys []string
	for k := range props {
		if strings.HasPrefix(k, "server.") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var addrs []string
	for _, k := range keys {
		_, client, ok := strings.Cut(props[k], ";")
		if !ok {
			addrs = append(addrs, "")
			continue
		}
		client, _, _ = strings.Cut(client, ";")
		if !strings.Contains(client, ":") {
			client = "0.0.0.0:" + client
		}
		addrs = append(addrs, client)
	}
	return props["version"] + " " + strings.Join(addrs, ",")
}

func (s *Shell) cmdReconfig(c *command, tokens []string) error {
	cl, err := parseOpts([]optSpec{{name: "s"}, {name: "v", hasArg: true}, {name: "file", hasArg: true},
		{name: "members", hasArg: true}, {name: "add", hasArg: true}, {name: "remove", hasArg: true}}, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	nonIncremental := cl.has("file") || cl.has("members")
	incremental := cl.has("add") || cl.has("remove")
	if !nonIncremental && !incremental {
		return fail(c.usage())
	}
	version := int64(-1)
	if cl.has("v") {
		v, err := strconv.ParseUint(cl.value("v"), 16, 64)
		if err != nil || strings.Contains(cl.value("v"), "_") {
			return fail("-v must be followed by a long (configuration version)")
		}
		version = int64(v)
	}
	if nonIncremental && incremental {
		return fail("Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)")
	}
	if cl.has("file") && cl.has("members") {
		return fail("Can't use -file and -members together (conflicting non-incremental modes)")
	}
	var joining, leaving, members string
	if cl.has("add") {
		joining = strings.ToLower(cl.value("add"))
	}
	if cl.has("remove") {
		leaving = strings.ToLower(cl.value("remove"))
	}
	if cl.has("members") {
		members = strings.ToLower(cl.value("members"))
	}
	if cl.has("file") {
		// NB: ZooKeeper parses the file as a dynamic config and sends its
		// canonical form; Paddock sends its server.N, group.N and
		// weight.N lines as they are.
		data, err := os.ReadFile(cl.value("file"))
		if err != nil {
			return fail("Error processing " + cl.value("file") + err.Error())
		}
		var lines []string
		for _, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "server.") || strings.HasPrefix(l, "group.") || strings.HasPrefix(l, "weight.") {
				lines = append(lines, l)
			}
		}
		members = strings.Join(lines, "\n")
	}
	cfg, st, err := s.zk.Reconfig(s.ctx, joining, leaving, members, version)
	if err != nil {
		return wrap(err, "")
	}
	s.outln("Committed new configuration:\n" + javaString(cfg))
	if cl.has("s") {
		s.stat(st)
	}
	return nil
}

func (s *Shell) cmdWhoAmI(c *command, tokens []string) error {
	who, err := s.zk.WhoAmI(s.ctx)
	if err != nil {
		return wrap(err, noPath)
	}
	s.outln("Auth scheme: User")
	for _, ci := range who {
		s.outln(ci.AuthScheme + ": " + ci.User)
	}
	return nil
}

func (s *Shell) cmdVersion(c *command, tokens []string) error {
	cl, err := parseOpts(nil, nil, tokens)
	if err != nil {
		return parseFail(err)
	}
	if len(cl.args) > 1 {
		return fail(c.usage())
	}
	// NB: zkCli.sh prints "ZooKeeper CLI version: 3.8.0-<git>, built on ...".
	s.outln("Paddock CLI version: " + s.version)
	return nil
}

func (s *Shell) cmdClose(c *command, tokens []string) error {
	if err := s.zk.Close(); err != nil {
		return fail(err.Error())
	}
	return nil
}

// stat prints a Stat on stdout.
func (s *Shell) stat(st zk.Stat) {
	var b strings.Builder
	printStat(&b, st, s.loc)
	s.outs(b.String())
}
