package server_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The AdminServer half of the golden comparison: each command's JSON is
// parsed keeping key order and compared with ZooKeeper's key by key.

// jval is a parsed JSON value that keeps object key order.
type jval struct {
	keys  []string         // object keys, in order
	obj   map[string]*jval // object members; nil unless an object
	arr   []*jval          // array elements; isArr tells an empty one apart
	isArr bool
	text  string // a scalar as written ("null", "true", "12", "1.5", or a string's value)
	str   bool   // the scalar is a string
}

func (v *jval) kind() string {
	switch {
	case v.obj != nil:
		return "object"
	case v.isArr:
		return "array"
	case v.str:
		return "string"
	}
	return "scalar"
}

func parseJSON(text string) (*jval, error) {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	v, err := parseValue(d)
	if err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

func parseValue(d *json.Decoder) (*jval, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jval{obj: map[string]*jval{}}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				m, err := parseValue(d)
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, k)
				v.obj[k] = m
			}
			_, err := d.Token()
			return v, err
		case '[':
			v := &jval{isArr: true}
			for d.More() {
				m, err := parseValue(d)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, m)
			}
			_, err := d.Token()
			return v, err
		}
	case string:
		return &jval{text: t, str: true}, nil
	case json.Number:
		return &jval{text: t.String()}, nil
	case bool:
		return &jval{text: fmt.Sprint(t)}, nil
	case nil:
		return &jval{text: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// adminLike are the keys whose values legitimately differ (times, ids,
// ports, sizes, counts of packets and bytes, paths, versions): Paddock's
// must have ZooKeeper's form. Every other scalar must be equal.
var adminLike = map[string]*regexp.Regexp{
	"remote_socket_address": regexp.MustCompile(`^127\.0\.0\.1:\d+$`),
	"version":               reVer,
	"data_dir":              regexp.MustCompile(`^/`),
	"data_log_dir":          regexp.MustCompile(`^/`),
	"initial_configuration": regexp.MustCompile(`(?s)clientPort=`),
	"zxid":                  regexp.MustCompile(`^[0-9a-f]+$`),
}

// adminInts are the integer keys that differ legitimately.
var adminInts = map[string]bool{
	"client_port": true, "session_id": true, "established": true, "last_zxid": true, "last_cxid": true,
	"last_response_time": true, "last_latency": true, "min_latency": true, "avg_latency": true,
	"max_latency": true, "packets_received": true, "packets_sent": true, "uptime": true,
	"open_file_descriptor_count": true, "max_file_descriptor_count": true, "datadir_size": true,
	"logdir_size": true, "data_dir_size": true, "log_dir_size": true, "last_processed_zxid": true,
	"bytes_received_count": true, "response_bytes": true, "last_client_response_size": true,
	"min_client_response_size": true, "max_client_response_size": true, "last_buffer_size": true,
	"min_buffer_size": true, "max_buffer_size": true, "timestamp": true,
	"outstanding_requests": true, // requests in the pipeline right then
}

// adminAbsent are the keys of ZooKeeper's answers Paddock leaves out.
var adminAbsent = map[string]string{
	"non_mtlsremote_conn_count": "no TLS client port yet",
	"non_mtlslocal_conn_count":  "no TLS client port yet",
}

// adminDataKeyed are objects whose keys are data (session ids, expiry
// times): their members are compared as a sorted list, keys masked.
var adminDataKeyed = map[string]bool{
	"expiry_time_to_session_ids": true, "session_id_to_ephemeral_paths": true, "session_id_to_watched_paths": true,
}

// compareAdmin compares one command's answer with ZooKeeper's.
func compareAdmin(t *testing.T, cmd, want, got string) {
	t.Helper()
	w, err := parseJSON(want)
	if err != nil {
		t.Fatalf("admin %s: ZooKeeper's answer: %v", cmd, err)
	}
	g, err := parseJSON(got)
	if err != nil {
		t.Errorf("admin %s: %v in %q", cmd, err, got)
		return
	}
	switch cmd {
	case "monitor":
		// mntr's keys, without "zk_", in the same order; compare them with
		// mntr's rules.
		toKV := func(v *jval) kvs {
			out := kvs{vals: map[string]string{}}
			for _, k := range v.keys {
				out.keys = append(out.keys, "zk_"+k)
				out.vals["zk_"+k] = v.obj[k].text
			}
			return out
		}
		wk, gk := toKV(w), toKV(g)
		rules := map[string]rule{"zk_command": exact, "zk_error": exact}
		for _, k := range wk.keys {
			if rules[k] == nil {
				rules[k] = mntrRule(k, wk.vals[k])
			}
		}
		compareKV(t, "admin monitor", wk, gk, rules, matchAbsent(mntrAbsent, wk.keys), mntrExtra, false)
		return
	case "environment", "system_properties":
		// Java's properties against Go's: the shape only.
		if g.obj == nil || g.obj["command"] == nil || g.obj["command"].text != cmd || g.obj["error"].text != "null" {
			t.Errorf("admin %s: %s", cmd, got)
		}
		return
	}
	compareJSON(t, "admin "+cmd, "", w, g)
}

func compareJSON(t *testing.T, where, key string, w, g *jval) {
	t.Helper()
	if w.kind() != g.kind() && !(w.text == "null" || g.text == "null") {
		t.Errorf("%s: %s where ZooKeeper has %s", where, g.kind(), w.kind())
		return
	}
	switch {
	case w.obj != nil && adminDataKeyed[key]:
		members := func(v *jval) []string {
			var out []string
			for _, k := range v.keys {
				out = append(out, maskIDs(flatJSON(v.obj[k])))
			}
			slices.Sort(out)
			return out
		}
		if wm, gm := members(w), members(g); !slices.Equal(wm, gm) {
			t.Errorf("%s: members %q, ZooKeeper %q", where, gm, wm)
		}
	case w.obj != nil:
		var shared, order []string
		for _, k := range w.keys {
			if g.obj[k] == nil {
				if _, excused := adminAbsent[k]; !excused {
					t.Errorf("%s.%s missing (ZooKeeper: %s)", where, k, flatJSON(w.obj[k]))
				}
				continue
			}
			shared = append(shared, k)
			compareJSON(t, where+"."+k, k, w.obj[k], g.obj[k])
		}
		for _, k := range g.keys {
			if w.obj[k] == nil {
				t.Errorf("%s.%s = %s is not ZooKeeper's", where, k, flatJSON(g.obj[k]))
			} else {
				order = append(order, k)
			}
		}
		if !slices.Equal(order, shared) {
			t.Errorf("%s: keys in order %v, ZooKeeper %v", where, order, shared)
		}
	case w.isArr:
		if len(w.arr) != len(g.arr) {
			t.Errorf("%s: %d elements, ZooKeeper %d: %s vs %s", where, len(g.arr), len(w.arr), flatJSON(g), flatJSON(w))
			return
		}
		// Elements come in hash order in ZooKeeper: sort both by content
		// with the varying values masked.
		ws, gs := sortedElems(w.arr), sortedElems(g.arr)
		for i := range ws {
			compareJSON(t, fmt.Sprintf("%s[%d]", where, i), key, ws[i], gs[i])
		}
	default:
		if re := adminLike[key]; re != nil {
			if err := like(re)(w.text, g.text); err != nil {
				t.Errorf("%s: %v", where, err)
			}
			return
		}
		if reDouble.MatchString(w.text) && strings.Contains(key, "latency") {
			if err := like(reDouble)(w.text, g.text); err != nil {
				t.Errorf("%s: %v", where, err)
			}
			return
		}
		// Session ids (long numbers) in arrays differ too.
		if adminInts[key] || (reInt.MatchString(w.text) && len(w.text) > 10) {
			if err := like(reInt)(w.text, g.text); err != nil {
				t.Errorf("%s: %v", where, err)
			}
			return
		}
		if w.text != g.text || w.str != g.str {
			t.Errorf("%s: %s, ZooKeeper %s", where, flatJSON(g), flatJSON(w))
		}
	}
}

var reLongInt = regexp.MustCompile(`\b\d{6,}\b`)

// maskIDs hides long numbers (session ids, times) in a flattened value.
func maskIDs(s string) string { return reLongInt.ReplaceAllString(s, "N") }

func sortedElems(a []*jval) []*jval {
	out := slices.Clone(a)
	slices.SortStableFunc(out, func(x, y *jval) int {
		return strings.Compare(elemKey(x), elemKey(y))
	})
	return out
}

// elemKey orders array elements by their stable content.
func elemKey(v *jval) string {
	if v.obj != nil {
		var b strings.Builder
		for _, k := range []string{"interest_ops", "last_operation", "session_timeout"} {
			if m := v.obj[k]; m != nil {
				b.WriteString(m.text + "|")
			}
		}
		return b.String()
	}
	return maskIDs(v.text)
}

// flatJSON renders v compactly, for messages and masked comparisons.
func flatJSON(v *jval) string {
	switch {
	case v.obj != nil:
		parts := make([]string, len(v.keys))
		for i, k := range v.keys {
			parts[i] = fmt.Sprintf("%q:%s", k, flatJSON(v.obj[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case v.isArr:
		parts := make([]string, len(v.arr))
		for i, e := range v.arr {
			parts[i] = flatJSON(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case v.str:
		return fmt.Sprintf("%q", v.text)
	}
	return v.text
}
