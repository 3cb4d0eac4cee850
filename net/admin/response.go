package admin

import "net/url"

// Commands is what the server provides: the AdminServer's command table.
type Commands interface {
	// Names returns the primary name of every command. The listing at the
	// command URL shows them sorted.
	Names() []string

	// Run runs the command registered under name, which may be any of its
	// names (e.g. "mntr" for "monitor"); this package resolves nothing
	// itself. params are the request's query parameters; ZooKeeper uses
	// only the first value of each (params.Get).
	//
	// known is false when no command has that name; the server then
	// answers as ZooKeeper does, with UnknownCommand(name), and ignores
	// resp. Run may be called concurrently.
	Run(name string, params url.Values) (resp Response, known bool)
}

// Response is one command's answer: ZooKeeper's CommandResponse.
//
// ZooKeeper reports errors in two ways, and both are kept apart here:
//
//   - Error is the response's own error, set when the command could not
//     run at all (see UnknownCommand and NotServing). It is written after
//     the data as "error" : "<text>", or "error" : null when empty.
//   - A command that ran but failed puts a Field with Key "error" in Data
//     where ZooKeeper puts it (e.g. first, for leader's "server is not
//     initialized"). That field keeps its place and its value, and no
//     second "error" is written; see Fields.
type Response struct {
	// Command is the name written under "command". ZooKeeper writes the
	// command's primary name when it ran ("monitor" for GET
	// /commands/mntr) and the name as requested when it did not
	// (unknown command, server not running).
	Command string

	// Error is the response's own error; "" is written as null.
	Error string

	// Data are the command's keys, in order.
	Data Fields
}

// Keys of every response.
const (
	KeyCommand = "command"
	KeyError   = "error"
)

// ErrNotServing is ZooKeeper's error for a command that needs a running
// server when there is none.
const ErrNotServing = "This ZooKeeper instance is not currently serving requests"

// UnknownCommand is ZooKeeper's answer to a name no command has.
func UnknownCommand(name string) Response {
	return Response{Command: name, Error: "Unknown command: " + name}
}

// NotServing is ZooKeeper's answer to a command that needs a running
// server when there is none: name is the name as requested.
func NotServing(name string) Response {
	return Response{Command: name, Error: ErrNotServing}
}

// OK returns a response of the command with primary name primary and the
// given data, with no error of its own.
func OK(primary string, data ...Field) Response {
	return Response{Command: primary, Data: data}
}

// Fields lays r out as ZooKeeper's CommandResponse.toMap does with its
// LinkedHashMap: the data keys in order, then "command", then "error",
// except that a key the data already has keeps its place and the data's
// value. (toMap copies the data, puts "command" and "error", then puts the
// data again.) A key repeated in Data keeps its first place and its last
// value, as repeated puts do.
func (r Response) Fields() Fields {
	out := make(Fields, 0, len(r.Data)+2)
	var index map[string]int
	if len(r.Data) > 8 {
		index = make(map[string]int, len(r.Data)+2)
	}
	put := func(key string, value any) {
		if index != nil {
			if i, ok := index[key]; ok {
				out[i].Value = value
				return
			}
			index[key] = len(out)
		} else {
			for i := range out {
				if out[i].Key == key {
					out[i].Value = value
					return
				}
			}
		}
		out = append(out, Field{key, value})
	}
	for _, f := range r.Data {
		put(f.Key, f.Value)
	}
	put(KeyCommand, r.Command)
	if r.Error == "" {
		put(KeyError, nil)
	} else {
		put(KeyError, r.Error)
	}
	for _, f := range r.Data {
		put(f.Key, f.Value)
	}
	return out
}

// Body returns the response's HTTP body exactly as ZooKeeper's
// AdminServer writes it: MarshalJackson(r.Fields()).
func (r Response) Body() []byte {
	return MarshalJackson(r.Fields())
}
