package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/paddockdb/paddock/net/zknet"
	"github.com/paddockdb/paddock/zk"
)

// handler adapts the core to zknet.Handler. Its methods run on connection
// goroutines: they decode, then hand the work to the core goroutine.
type handler struct{ s *Server }

var errServerStopping = errors.New("server is shutting down")

// submit queues an item for the core, giving up if the server stops.
func (h *handler) submit(it *item) bool {
	select {
	case h.s.core.in <- it:
		return true
	case <-h.s.stop:
		return false
	}
}

func (h *handler) Connect(c *zknet.Conn, req *zk.ConnectRequest) (zk.ConnectResponse, bool, error) {
	it := &item{kind: itemConnect, conn: c, connReq: req, reply: make(chan connectResult, 1)}
	if !h.submit(it) {
		return zk.ConnectResponse{}, false, errServerStopping
	}
	select {
	case r := <-it.reply:
		return r.resp, r.keepOpen, r.err
	case <-h.s.stop:
		return zk.ConnectResponse{}, false, errServerStopping
	}
}

func (h *handler) Request(c *zknet.Conn, hdr zk.RequestHeader, body []byte) {
	it := &item{kind: itemRequest, conn: c, hdr: hdr, received: time.Now()}
	if _, known := zk.NewRequest(hdr.Type); !known {
		it.kind = itemUnknownOp
	} else {
		rec, err := zk.DecodeRequest(hdr.Type, body)
		if err != nil {
			h.s.lg.Warn("closing connection: malformed request",
				"remote", c.RemoteAddr().String(), "session", c.SessionID().String(),
				"op", hdr.Type.String(), "xid", hdr.Xid, "err", err)
			c.Close(fmt.Errorf("malformed %s request: %w", hdr.Type, err))
			return
		}
		it.rec = rec
	}
	h.submit(it)
}

func (h *handler) Closed(c *zknet.Conn, reason error) {
	h.submit(&item{kind: itemClosed, conn: c})
}

func (h *handler) FourLetter(word string) (string, bool) {
	it := &item{kind: itemFourLetter, word: word, out: make(chan fourLetterResult, 1)}
	if !h.submit(it) {
		return "", false
	}
	select {
	case r := <-it.out:
		return r.text, r.ok
	case <-h.s.stop:
		return "", false
	}
}
