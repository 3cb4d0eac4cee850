// Package zkclient is a ZooKeeper client built on package zk's records and
// codec. It owns one session at a time: the TCP connection to one of the
// configured servers, the connect handshake, pings, reconnection to the
// next server with the same session, the client-side watch registry that is
// re-sent with setWatches after a reconnect, and the matching of replies to
// requests.
//
// It behaves as Apache ZooKeeper 3.8's Java client (ClientCnxn,
// ZKWatchManager, ZooKeeper) does where that is observable; where it
// differs the code says so with an NB.
//
// # Pipelining
//
// Go is the asynchronous core: it encodes the request at once into the
// connection's output buffer and returns; the writer goroutine sends
// everything queued since its last write in one Write, so many outstanding
// requests cost one system call per batch. One reader goroutine per
// connection reads replies, which ZooKeeper sends in request order, and
// matches each to the oldest pending request (its xid must agree, or the
// connection is dropped). Do, and every typed helper, wait for Go's
// completion.
//
// Per request, in steady state, Go allocates nothing of its own: the
// pending-request structs are pooled, the output buffers are swapped and
// reused, and replies whose records hold no strings or byte slices
// (setData, exists, setACL, ...) are decoded straight from the read buffer.
// Other replies are copied once so the decoded record may outlive the read
// buffer.
//
// # Ordering
//
// Watch events and state changes are passed to Config.Events on one
// goroutine, in the order they happened. A synchronous call (Do and the
// helpers) returns only after every event received before its reply has
// been handed to Config.Events and returned, so a caller sees "the watch
// fired" before "my write succeeded" when the server sent them that way.
// Hence Config.Events must not call Do, a helper or Close; it may call Go.
//
// # Invariants
//
//   - Requests are written in the order Go was called, and the pending
//     queue holds them in that order; replies complete them in that order.
//   - Every request is completed exactly once: by its reply, or with
//     ErrConnectionLoss when its connection (or the connection attempt it
//     waited for) fails, or with the client's terminal error (ErrClosed,
//     ErrSessionExpired, ErrAuthFailed).
//   - After a terminal state no request is sent and no event but the
//     terminal one is delivered.
//
// # Imports
//
// From the project zkclient imports only package zk.
package zkclient
