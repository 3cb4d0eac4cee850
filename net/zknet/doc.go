// Package zknet is Paddock's client port: the TCP listener, the
// connections, the framing, the connect handshake plumbing, per-connection
// ordered and coalesced output, four-letter-word dispatch and the
// connection limits. It knows nothing of znodes or sessions: everything
// past the framing goes to a Handler, so the package is tested against a
// fake one.
//
// It behaves as Apache ZooKeeper 3.8's NIOServerCnxn and
// NIOServerCnxnFactory do on the wire; where it differs the code says so
// with an NB.
//
// # Wire format
//
// Every packet in both directions is a 4-byte big-endian length, then that
// many bytes of jute-encoded payload:
//
//	+--------+---------------------------------------------+
//	| len    | payload (len bytes)                          |
//	| int32  |                                              |
//	+--------+---------------------------------------------+
//
// The first packet of a connection is a ConnectRequest; every later one
// starts with a RequestHeader:
//
//	ConnectRequest                       request frame
//	+-----------------+--------+         +-------+--------+----------+
//	| protocolVersion | int32  |         | xid   | int32  |          |
//	| lastZxidSeen    | int64  |         | type  | int32  | (header) |
//	| timeOut         | int32  |         +-------+--------+----------+
//	| sessionId       | int64  |         | body: the op's record      |
//	| passwd          | buffer |         +----------------------------+
//	| readOnly        | byte   |  optional: absent from old clients
//	+-----------------+--------+           and go-zookeeper
//
//	ConnectResponse                      reply frame
//	+-----------------+--------+         +-------+--------+----------+
//	| protocolVersion | int32  |         | xid   | int32  |          |
//	| timeOut         | int32  |         | zxid  | int64  | (header) |
//	| sessionId       | int64  |         | err   | int32  |          |
//	| passwd          | buffer |         +-------+--------+----------+
//	| readOnly        | byte   |  only if  | body: the reply record     |
//	+-----------------+--------+  the      +----------------------------+
//	                              request had it
//
// A length below 0 or above Config.MaxBuffer (jute.maxbuffer, with no
// extra slack) closes the connection, as ZooKeeper's readLength does.
//
// Instead of a length, the first 4 bytes of a connection may be a
// four-letter word ("ruok", "srvr", ...): the server writes the word's
// output, unframed, and closes the connection.
//
// # Invariants
//
//   - Handler.Request sees only frames that follow a handshake whose
//     Handler.Connect returned keepOpen; frames of one connection arrive in
//     order, from that connection's reader goroutine.
//   - Output leaves in exactly the order of the Send, SendReply and
//     SendEvent calls; the connection's writer goroutine writes everything
//     queued so far in one Write.
//   - Handler.Closed is called exactly once per connection admitted past
//     MaxCnxns and MaxClientCnxns (four-letter-word and failed handshakes
//     included), after its last Handler.Request call has returned and its
//     socket is closed; nothing is delivered after it.
//   - A connection stops counting against MaxClientCnxns when it starts
//     closing, as in ZooKeeper.
//   - Server.Close returns only after every goroutine of the package has
//     exited.
//   - No reflection; in steady state the only allocation per request is
//     its payload slice.
//
// # Imports
//
// From the project zknet imports only package zk. It must never import
// engine, txnlog, snapshot, quorum or server.
package zknet
