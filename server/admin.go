package server

import (
	"net"
	"net/url"
	"strconv"

	"github.com/paddockdb/paddock/net/admin"
)

// adminCmds serves the AdminServer's commands (net/admin) from the core:
// each runs on the core goroutine, as the four-letter words do.
type adminCmds struct{ s *Server }

func (a adminCmds) Names() []string { return adminCommandNames() }

func (a adminCmds) Run(name string, params url.Values) (admin.Response, bool) {
	primary, ok := adminPrimary(name)
	if !ok {
		return admin.Response{}, false
	}
	f, ok := a.runOnCore(name, params)
	if !ok {
		return admin.NotServing(name), true
	}
	return admin.Response{Command: primary, Data: toAdmin(f)}, true
}

// runOnCore runs a command on the core goroutine; false when the server
// is not serving.
func (a adminCmds) runOnCore(name string, params url.Values) (fields, bool) {
	it := &item{kind: itemCommand, word: name, params: params, cmdOut: make(chan fields, 1)}
	h := handler{s: a.s}
	if !h.submit(it) {
		return nil, false
	}
	select {
	case f := <-it.cmdOut:
		return f, !(f == nil && it.failed)
	case <-a.s.stop:
		return nil, false
	}
}

// adminPrimary resolves a command name or alias to its primary name.
func adminPrimary(name string) (string, bool) {
	for _, c := range adminCommands {
		if c.name == name {
			return c.name, true
		}
		for _, al := range c.aliases {
			if al == name {
				return c.name, true
			}
		}
	}
	return "", false
}

// toAdmin converts the core's fields, recursively, to net/admin's.
func toAdmin(f fields) admin.Fields {
	out := make(admin.Fields, len(f))
	for i, x := range f {
		out[i] = admin.Field{Key: x.Key, Value: toAdminValue(x.Value)}
	}
	return out
}

func toAdminValue(v any) any {
	switch x := v.(type) {
	case fields:
		return toAdmin(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toAdminValue(e)
		}
		return out
	}
	return v
}

// startAdmin starts the AdminServer when admin.enableServer is on. Unlike
// ZooKeeper, which exits when it cannot bind the admin port, a failure is
// logged and the server goes on serving clients without it.
func (s *Server) startAdmin() {
	c := s.cfg
	if !c.AdminEnableServer {
		return
	}
	addr := net.JoinHostPort(c.AdminServerAddress, strconv.Itoa(c.AdminServerPort))
	as, err := admin.New(admin.Config{
		Addr: addr, CommandURL: c.AdminCommandURL, IdleTimeout: c.AdminIdleTimeout, Logger: s.lg,
	}, adminCmds{s})
	if err != nil {
		s.lg.Error("AdminServer not started; serving clients without it (set admin.serverPort, or admin.enableServer=false)", "err", err)
		return
	}
	as.Start()
	s.admin = as
}

// AdminAddr returns the AdminServer's address, or nil when it is not
// running.
func (s *Server) AdminAddr() net.Addr {
	if s.admin == nil {
		return nil
	}
	return s.admin.Addr()
}
