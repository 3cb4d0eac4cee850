package zkcli

import (
	"errors"

	"github.com/paddockdb/paddock/net/zkclient"
	"github.com/paddockdb/paddock/zk"
)

// cliError is a CliException: its message goes to stderr and its code
// becomes the exit status. A quiet one was already reported by the
// command itself (which zkCli.sh treats as success: NB, Paddock exits 1).
type cliError struct {
	msg   string
	code  int
	quiet bool
}

func (e *cliError) Error() string { return e.msg }

// Exit statuses of zkCli.sh (CliException.DEFAULT_EXCEPTION_EXIT_CODE and
// CommandNotFoundException's).
const (
	exitOK       = 0
	exitFailure  = 1
	exitNotFound = 127
)

// fail is a CliException with a message: MalformedCommandException,
// MalformedPathException, CliParseException(String).
func fail(msg string) error { return &cliError{msg: msg, code: exitFailure} }

// failed reports a failure the command has already printed.
func failed() error { return &cliError{code: exitFailure, quiet: true} }

// parseFail is CliParseException(ParseException): commons-cli's error as
// Java's toString prints it.
func parseFail(err error) error { return fail(err.Error()) }

// noPath stands for a Java KeeperException without a path (null), which
// CliWrapperException prints as "null".
const noPath = "\x00null"

// wrap is CliWrapperException: the message zkCli.sh prints for a failed
// call on path. Client-side argument errors print as their message
// (MalformedPathException); ErrEmptyACL is the Java client's path-less
// InvalidACLException; ErrClosed is the SessionExpired code Java's client
// fails requests with once closed.
func wrap(err error, path string) error {
	var ae *zkclient.ArgumentError
	if errors.As(err, &ae) {
		return fail(ae.Msg)
	}
	if errors.Is(err, zkclient.ErrEmptyACL) {
		path = noPath
	}
	if errors.Is(err, zkclient.ErrClosed) {
		err = zk.CodeSessionExpired
	}
	var code zk.Code
	if !errors.As(err, &code) {
		return fail(err.Error())
	}
	p, msgPath := path, path
	if path == noPath {
		p, msgPath = "null", ""
	}
	switch code {
	case zk.CodeNoNode:
		return fail("Node does not exist: " + p)
	case zk.CodeNoChildrenForEphemerals:
		return fail("Ephemerals cannot have children: " + p)
	case zk.CodeNodeExists:
		return fail("Node already exists: " + p)
	case zk.CodeNotEmpty:
		return fail("Node not empty: " + p)
	case zk.CodeNotReadOnly:
		return fail("Not a read-only call: " + p)
	case zk.CodeInvalidACL:
		return fail("Acl is not valid : " + p)
	case zk.CodeNoAuth:
		return fail("Insufficient permission : " + p)
	case zk.CodeBadArguments:
		return fail("Arguments are not valid : " + p)
	case zk.CodeBadVersion:
		return fail("version No is not valid : " + p)
	case zk.CodeReconfigInProgress:
		return fail("Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)")
	case zk.CodeNewConfigNoQuorum:
		return fail("No quorum of new config is connected and up-to-date with the leader of last commmitted config" +
			" - try invoking reconfiguration after new servers are connected and synced")
	case zk.CodeQuotaExceeded:
		return fail("Quota has exceeded : " + p)
	}
	return fail(keeperMessage(code, msgPath))
}

// codeOf returns the ZooKeeper code of err, or CodeSystemError.
func codeOf(err error) zk.Code {
	var code zk.Code
	if errors.As(err, &code) {
		return code
	}
	if errors.Is(err, zkclient.ErrClosed) {
		return zk.CodeSessionExpired
	}
	return zk.CodeSystemError
}
