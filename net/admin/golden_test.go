package admin

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The golden files in testdata are bodies written by ZooKeeper 3.8.0's
// AdminServer (see testdata/README). These tests build the same responses
// by hand, from the captured values, and compare byte for byte.

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	want := readGolden(t, name)
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from ZooKeeper's:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func clientResponse(last, minSize, maxSize int) Fields {
	return Fields{{"last_buffer_size", last}, {"min_buffer_size", minSize}, {"max_buffer_size", maxSize}}
}

func sessionless(addr string) Fields {
	return Fields{
		{"remote_socket_address", addr},
		{"interest_ops", 1},
		{"outstanding_requests", int64(0)},
		{"packets_received", int64(0)},
		{"packets_sent", int64(0)},
	}
}

const version = "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC"

func TestGoldenResponses(t *testing.T) {
	for _, tc := range []struct {
		file string
		resp Response
	}{
		{"ruok.json", OK("ruok")},
		{"connection_stat_reset.json", OK("connection_stat_reset")},
		{"nosuch.json", UnknownCommand("nosuch")},
		{"unknown_trailing_slash.json", UnknownCommand("ruok/")},
		{"unknown_escapes.json", UnknownCommand("\x01\n\"\\/\x7f\t\r\b\f\x1f")},
		{"unknown_unicode.json", UnknownCommand("é€😀\u0080\u2028")},
		{"unknown_latin1.json", UnknownCommand("Ã©ÿ")},
		{"configuration.json", OK("configuration",
			Field{"client_port", 21900},
			Field{"data_dir", "/tmp/zkcap/data/version-2"},
			Field{"data_log_dir", "/tmp/zkcap/log/version-2"},
			Field{"tick_time", 2000},
			Field{"max_client_cnxns", 60},
			Field{"min_session_timeout", 4000},
			Field{"max_session_timeout", 40000},
			Field{"server_id", int64(0)},
			Field{"client_port_listen_backlog", -1},
		)},
		// leader and set_trace_mask put their error in the data, so it comes first.
		{"leader.json", OK("leader", Field{"error", "server is not initialized"})},
		{"set_trace_mask.json", OK("set_trace_mask", Field{"error", "setTraceMask requires long traceMask argument"})},
		{"connections.json", OK("connections",
			Field{"connections", []Fields{}},
			Field{"secure_connections", []Fields(nil)},
		)},
		{"connections_sessionless.json", OK("connections",
			Field{"connections", []Fields{{
				{"remote_socket_address", "127.0.0.1:57300"},
				{"interest_ops", 1},
				{"outstanding_requests", int64(0)},
				{"packets_received", int64(0)},
				{"packets_sent", int64(0)},
				{"session_id", int64(0)},
				{"last_operation", nil},
				{"established", int64(1795461980260)},
				{"session_timeout", 10000},
				{"last_cxid", int64(0)},
				{"last_zxid", int64(0)},
				{"last_response_time", int64(0)},
				{"last_latency", int64(0)},
				{"min_latency", int64(0)},
				{"avg_latency", int64(0)},
				{"max_latency", int64(0)},
			}}},
			Field{"secure_connections", []Fields{}},
		)},
		{"stats_with_connections.json", OK("stats",
			Field{"version", version},
			Field{"read_only", false},
			Field{"server_stats", Fields{
				{"packets_sent", int64(16)},
				{"packets_received", int64(13)},
				{"fsync_threshold_exceed_count", int64(0)},
				{"client_response_stats", clientResponse(16, 16, 106)},
				{"data_dir_size", int64(67108880)},
				{"log_dir_size", int64(457)},
				{"provider_null", false},
				{"server_state", "standalone"},
				{"last_processed_zxid", int64(28)},
				{"outstanding_requests", int64(0)},
				{"avg_latency", 0.75},
				{"max_latency", int64(2)},
				{"min_latency", int64(0)},
				{"num_alive_client_connections", 3},
				{"auth_failed_count", int64(0)},
				{"non_mtlsremote_conn_count", int64(0)},
				{"non_mtlslocal_conn_count", int64(0)},
				{"uptime", int64(322329)},
			}},
			Field{"client_response", clientResponse(16, 16, 106)},
			Field{"node_count", 5},
			Field{"connections", []Fields{
				sessionless("127.0.0.1:43704"),
				sessionless("127.0.0.1:43698"),
				sessionless("127.0.0.1:57300"),
			}},
			Field{"secure_connections", []Fields{}},
		)},
		{"dump.json", OK("dump",
			Field{"expiry_time_to_session_ids", map[int64][]int64{}},
			Field{"session_id_to_ephemeral_paths", map[int64][]string{}},
		)},
		{"watches.json", OK("watches", Field{"session_id_to_watched_paths", map[int64][]string(nil)})},
		{"watches_by_path.json", OK("watches_by_path", Field{"path_to_session_ids", map[string][]int64{}})},
		{"watch_summary.json", OK("watch_summary",
			Field{"num_connections", 0}, Field{"num_paths", 0}, Field{"num_total_watches", 0})},
		{"hash.json", OK("hash", Field{"digests", []Fields{}})},
		{"initial_configuration.json", OK("initial_configuration", Field{"initial_configuration",
			"tickTime=2000\ndataDir=/tmp/zkcap/data\ndataLogDir=/tmp/zkcap/log\nclientPort=21900\n" +
				"clientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nextendedTypesEnabled=true\n" +
				"admin.enableServer=true\nadmin.serverAddress=127.0.0.1\nadmin.serverPort=18080\n"})},
		{"last_snapshot.json", OK("last_snapshot", Field{"zxid", "0"}, Field{"timestamp", int64(1795461664)})},
		{"is_read_only.json", OK("is_read_only", Field{"read_only", false})},
		{"get_trace_mask.json", OK("get_trace_mask", Field{"tracemask", int64(306)})},
		{"dirs.json", OK("dirs", Field{"datadir_size", int64(0)}, Field{"logdir_size", int64(457)})},
		{"zabstate.json", OK("zabstate", Field{"voting", false}, Field{"zabstate", ""})},
		{"voting_view.json", OK("voting_view", Field{"current_config", map[int64]any{}})},
		{"observers.json", OK("observers", Field{"synced_observers", 0}, Field{"observers", []Fields{}})},
	} {
		t.Run(tc.file, func(t *testing.T) {
			compareGolden(t, tc.file, tc.resp.Body())
		})
	}
}

// TestGoldenRoundTrip reads every captured body into Fields, in order,
// with integers as int64 and numbers with a point or exponent as float64,
// and checks that both MarshalJackson of the whole object and Response
// built from its parts give back the same bytes.
func TestGoldenRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) < 20 {
		t.Fatalf("golden files: %v, %v", files, err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			want := readGolden(t, name)
			all := decodeOrdered(t, want).(Fields)
			if got := MarshalJackson(all); !bytes.Equal(got, want) {
				t.Fatalf("MarshalJackson differs:\ngot:\n%s\nwant:\n%s", got, want)
			}
			resp := splitResponse(t, all)
			if got := resp.Body(); !bytes.Equal(got, want) {
				t.Fatalf("Response.Body differs:\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// splitResponse takes a response's fields apart again: "command" becomes
// Command; an "error" after it is the response's own Error, an "error"
// before it is data.
func splitResponse(t *testing.T, all Fields) Response {
	t.Helper()
	var r Response
	ci, ei := -1, -1
	for i, f := range all {
		switch f.Key {
		case KeyCommand:
			ci = i
			r.Command = f.Value.(string)
		case KeyError:
			ei = i
		}
	}
	if ci < 0 || ei < 0 {
		t.Fatalf("no command or error key in %v", all)
	}
	for i, f := range all {
		switch {
		case i == ci:
		case i == ei && ei > ci:
			if f.Value != nil {
				r.Error = f.Value.(string)
			}
		default:
			r.Data = append(r.Data, f)
		}
	}
	return r
}

func decodeOrdered(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v := decodeValue(t, dec)
	if dec.More() {
		t.Fatal("trailing data")
	}
	return v
}

func decodeValue(t *testing.T, dec *json.Decoder) any {
	t.Helper()
	tok, err := dec.Token()
	if err != nil {
		t.Fatal(err)
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '{':
			f := Fields{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					t.Fatal(err)
				}
				f = append(f, Field{k.(string), decodeValue(t, dec)})
			}
			dec.Token()
			return f
		case '[':
			a := []any{}
			for dec.More() {
				a = append(a, decodeValue(t, dec))
			}
			dec.Token()
			return a
		}
	case json.Number:
		if strings.ContainsAny(tok.String(), ".eE") {
			f, err := tok.Float64()
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		n, err := tok.Int64()
		if err != nil {
			t.Fatal(err)
		}
		return n
	default:
		return tok
	}
	t.Fatalf("unexpected token %v", tok)
	return nil
}

func TestResponseFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		resp Response
		want Fields
	}{
		{"no data", Response{Command: "ruok"}, Fields{{"command", "ruok"}, {"error", nil}}},
		{"own error", NotServing("mntr"), Fields{{"command", "mntr"}, {"error", ErrNotServing}}},
		{"data first", OK("dirs", Field{"a", 1}), Fields{{"a", 1}, {"command", "dirs"}, {"error", nil}}},
		{"error in data keeps its place", OK("leader", Field{"x", 1}, Field{"error", "e"}, Field{"y", 2}),
			Fields{{"x", 1}, {"error", "e"}, {"y", 2}, {"command", "leader"}}},
		{"data error beats own error", Response{Command: "c", Error: "own", Data: Fields{{"error", "data"}}},
			Fields{{"error", "data"}, {"command", "c"}}},
		{"command in data keeps its place and value", OK("c", Field{"command", "x"}),
			Fields{{"command", "x"}, {"error", nil}}},
		{"repeated key: first place, last value", OK("c", Field{"a", 1}, Field{"b", 2}, Field{"a", 3}),
			Fields{{"a", 3}, {"b", 2}, {"command", "c"}, {"error", nil}}},
	} {
		got := tc.resp.Fields()
		if string(MarshalJackson(got)) != string(MarshalJackson(tc.want)) {
			t.Errorf("%s: Fields() = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Many keys take the indexed path; the result must be the same.
	var data Fields
	for i := range 20 {
		data = append(data, Field{string(rune('a' + i)), i})
	}
	data = append(data, Field{"c", "again"})
	got := OK("m", data...).Fields()
	if len(got) != 22 || got[2].Value != "again" || got[20].Key != "command" || got[21].Key != "error" {
		t.Errorf("indexed Fields() = %v", got)
	}
}
