package zkclient

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"

	"github.com/paddockdb/paddock/zk"
)

// Errors of the client itself. Server error codes come back as zk.Code
// values (zk.CodeNoNode, ...), which are errors and compare with ==.
var (
	// ErrConnectionLoss means the request's connection failed before its
	// reply arrived: it may or may not have been applied. The client goes
	// on reconnecting with the same session.
	ErrConnectionLoss error = zk.CodeConnectionLoss
	// ErrSessionExpired means the server declared the session expired
	// when the client re-attached; the client is dead.
	ErrSessionExpired error = zk.CodeSessionExpired
	// ErrAuthFailed means the server rejected an auth packet and closed
	// the connection; the client is dead (Java's AUTH_FAILED state).
	ErrAuthFailed error = zk.CodeAuthFailed
	// ErrClosed means Close was called.
	ErrClosed = errors.New("zkclient: client closed")
	// ErrEmptyACL is returned, before anything is sent, by Create and
	// SetACL for an empty ACL list; it wraps zk.CodeInvalidACL as the Java
	// client's InvalidACLException (which has no path) does.
	ErrEmptyACL = fmt.Errorf("%w: empty ACL list", zk.CodeInvalidACL)
)

// ArgumentError is an argument the client rejects before sending anything,
// as the Java client throws IllegalArgumentException: a malformed path, a
// TTL out of range. Its message is the Java client's.
type ArgumentError struct{ Msg string }

func (e *ArgumentError) Error() string { return e.Msg }

// MaxTTL is the largest TTL of a TTL node, in milliseconds
// (EphemeralType.TTL.maxValue: 40 bits).
const MaxTTL = 1<<40 - 1

// ValidateTTL checks a TTL as the Java client does for the TTL create
// modes (EphemeralType.TTL.toEphemeralOwner).
func ValidateTTL(ttl int64) error {
	if ttl <= 0 || ttl > MaxTTL {
		return &ArgumentError{Msg: "ttl must be positive and cannot be larger than: " + strconv.FormatInt(MaxTTL, 10)}
	}
	return nil
}

// ValidatePath checks a znode path as the Java client's
// PathUtils.validatePath does, with the same messages. A sequential
// create's path is checked with a digit appended (so it may end in '/').
// Positions in messages count UTF-16 code units, as Java does.
func ValidatePath(path string, sequential bool) error {
	if sequential {
		path += "1"
	}
	if len(path) == 0 {
		return &ArgumentError{Msg: "Path length must be > 0"}
	}
	if path[0] != '/' {
		return &ArgumentError{Msg: "Path must start with / character"}
	}
	if len(path) == 1 {
		return nil
	}
	if path[len(path)-1] == '/' {
		return &ArgumentError{Msg: "Path must not end with / character"}
	}
	chars := utf16.Encode([]rune(path))
	reason := ""
	lastc := uint16('/')
	for i := 1; i < len(chars); lastc, i = chars[i], i+1 {
		c := chars[i]
		switch {
		case c == 0:
			reason = "null character not allowed @" + strconv.Itoa(i)
		case c == '/' && lastc == '/':
			reason = "empty node name specified @" + strconv.Itoa(i)
		case c == '.' && lastc == '.':
			if chars[i-2] == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				reason = "relative paths not allowed @" + strconv.Itoa(i)
			}
		case c == '.':
			if chars[i-1] == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				reason = "relative paths not allowed @" + strconv.Itoa(i)
			}
		case c > 0 && c <= 0x1f, c >= 0x7f && c <= 0x9f, c >= 0xd800 && c <= 0xf8ff, c >= 0xfff0:
			reason = "invalid character @" + strconv.Itoa(i)
		}
		if reason != "" {
			return &ArgumentError{Msg: "Invalid path string \"" + path + "\" caused by " + reason}
		}
	}
	return nil
}
