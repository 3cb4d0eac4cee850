package admin

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Expected texts are Java's: Double.toString / Float.toString as Jackson
// writes them.
func TestJavaDouble(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-1, "-1.0"},
		{1.5, "1.5"},
		{0.75, "0.75"},
		{0.1, "0.1"},
		{100, "100.0"},
		{123456.789, "123456.789"},
		{1234567, "1234567.0"},
		{9999999, "9999999.0"},
		{9999999.5, "9999999.5"},
		{1e7, "1.0E7"},
		{12345678, "1.2345678E7"},
		{1e21, "1.0E21"},
		{-2.5e10, "-2.5E10"},
		{0.001, "0.001"},
		{0.0012345, "0.0012345"},
		{0.000999, "9.99E-4"},
		{1e-4, "1.0E-4"},
		{1.5e-7, "1.5E-7"},
		{1.0 / 3, "0.3333333333333333"},
		{2.0 / 3, "0.6666666666666666"},
		{100.0 / 3, "33.333333333333336"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{math.SmallestNonzeroFloat64, "4.9E-324"},
		{math.NaN(), `"NaN"`},
		{math.Inf(1), `"Infinity"`},
		{math.Inf(-1), `"-Infinity"`},
	} {
		if got := string(MarshalJackson(tc.in)); got != tc.want {
			t.Errorf("MarshalJackson(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestJavaFloat(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want string
	}{
		{0, "0.0"},
		{0.1, "0.1"},
		{1.5, "1.5"},
		{1e10, "1.0E10"},
		{3.3333333, "3.3333333"},
		{math.MaxFloat32, "3.4028235E38"},
		{1e-5, "1.0E-5"},
	} {
		if got := string(MarshalJackson(tc.in)); got != tc.want {
			t.Errorf("MarshalJackson(float32 %v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestJacksonString(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", `""`},
		{"ruok", `"ruok"`},
		{`a"b\c/d`, `"a\"b\\c/d"`},
		{"\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001F` + "\x7f\""},
		{"é€😀\u2028\u0080", "\"é€😀\u2028\u0080\""},
		{"<script>&'", `"<script>&'"`},
		{"a\xffb", "\"a\uFFFDb\""},
		{"\xc3", "\"\uFFFD\""},
		{"\xe2\x82", "\"\uFFFD\uFFFD\""},
	} {
		if got := string(MarshalJackson(tc.in)); got != tc.want {
			t.Errorf("MarshalJackson(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

type zxid int64

func (z zxid) String() string { return "0x" + strconv.FormatInt(int64(z), 16) }

type opaque struct{ a, b int }

type named struct{ s string }

func (n named) String() string { return "named:" + n.s }

func TestJacksonLayout(t *testing.T) {
	three := 3
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, "null"},
		{"bools", []bool{true, false}, "[ true, false ]"},
		{"empty object", Fields{}, "{ }"},
		{"nil object", Fields(nil), "{ }"},
		{"empty array", []any{}, "[ ]"},
		{"nil slice", []string(nil), "[ ]"},
		{"nil map", map[string]any(nil), "{ }"},
		{"one key", Fields{{"a", 1}}, "{\n  \"a\" : 1\n}"},
		{"scalars", Fields{{"i", int32(-1)}, {"u", uint64(math.MaxUint64)}, {"f", 0.0}, {"s", "x"}, {"b", false}, {"n", nil}},
			"{\n  \"i\" : -1,\n  \"u\" : 18446744073709551615,\n  \"f\" : 0.0,\n  \"s\" : \"x\",\n  \"b\" : false,\n  \"n\" : null\n}"},
		{"array of scalars", []int64{1, 2, 3}, "[ 1, 2, 3 ]"},
		{"array of strings", []string{"/a", "/b"}, `[ "/a", "/b" ]`},
		{"nested object", Fields{{"o", Fields{{"x", 1}, {"y", Fields{{"z", 2}}}}}},
			"{\n  \"o\" : {\n    \"x\" : 1,\n    \"y\" : {\n      \"z\" : 2\n    }\n  }\n}"},
		{"array of objects", Fields{{"c", []Fields{{{"a", 1}}, {{"a", 2}}}}},
			"{\n  \"c\" : [ {\n    \"a\" : 1\n  }, {\n    \"a\" : 2\n  } ]\n}"},
		{"top-level array of objects", []any{Fields{{"a", 1}}, Fields{}},
			"[ {\n  \"a\" : 1\n}, { } ]"},
		{"nested arrays", []any{[]int{1}, []any{}, []any{[]string{"x"}}}, `[ [ 1 ], [ ], [ [ "x" ] ] ]`},
		{"array of objects in array", []any{[]Fields{{{"a", 1}}}},
			"[ [ {\n  \"a\" : 1\n} ] ]"},
		{"map sorted by text", map[string]any{"b": 1, "a": []string{}, "C": nil},
			"{\n  \"C\" : null,\n  \"a\" : [ ],\n  \"b\" : 1\n}"},
		{"map with int64 keys sorted numerically", map[int64][]int64{10: {1}, -2: {}, 9: {3, 4}},
			"{\n  \"-2\" : [ ],\n  \"9\" : [ 3, 4 ],\n  \"10\" : [ 1 ]\n}"},
		{"map of sets", map[int64][]string{1: {"/e1", "/e2"}},
			"{\n  \"1\" : [ \"/e1\", \"/e2\" ]\n}"},
		{"map in object", Fields{{"m", map[string]int{"k": 1}}},
			"{\n  \"m\" : {\n    \"k\" : 1\n  }\n}"},
		{"bytes as base64", []byte("hi!"), `"aGkh"`},
		{"pointer", &three, "3"},
		{"nil pointer", (*int)(nil), "null"},
		{"named integer with String is a number", zxid(255), "255"},
		{"array of named integers", []zxid{1, 2}, "[ 1, 2 ]"},
		{"duration is a number", time.Duration(5), "5"},
		{"struct with String", named{"x"}, `"named:x"`},
		{"error", errors.New("boom"), `"boom"`},
		{"other struct", opaque{1, 2}, `"{1 2}"`},
		{"any slice of Fields", []any{Fields{}}, "[ { } ]"},
		{"[]Field", []Field{{"a", []Field{}}}, "{\n  \"a\" : { }\n}"},
		{"array", [2]int{1, 2}, "[ 1, 2 ]"},
		{"nan in object", Fields{{"avg", math.NaN()}}, "{\n  \"avg\" : \"NaN\"\n}"},
	} {
		if got := string(MarshalJackson(tc.in)); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

func TestAppendJackson(t *testing.T) {
	got := string(AppendJackson([]byte("x="), Fields{{"a", 1}}))
	if want := "x={\n  \"a\" : 1\n}"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFieldsGet(t *testing.T) {
	f := Fields{{"a", 1}, {"b", 2}, {"a", 3}}
	if v, ok := f.Get("a"); !ok || v != 1 {
		t.Errorf("Get(a) = %v, %v; want 1, true", v, ok)
	}
	if _, ok := f.Get("c"); ok {
		t.Error("Get(c) found a key that is not there")
	}
}

// FuzzJacksonString checks that every string, valid UTF-8 or not, comes out
// as JSON that reads back as the string with each bad byte replaced.
func FuzzJacksonString(f *testing.F) {
	for _, s := range []string{"", "ruok", "\x00\x1f\"\\", "é€😀", "a\xffb", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := MarshalJackson(s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("MarshalJackson(%q) = %s: not JSON: %v", s, out, err)
		}
		var want strings.Builder
		for _, r := range s { // a bad byte ranges as one U+FFFD
			want.WriteRune(r)
		}
		if back != want.String() {
			t.Fatalf("MarshalJackson(%q) = %s reads back as %q", s, out, back)
		}
		for _, c := range out {
			if c < 0x20 {
				t.Fatalf("MarshalJackson(%q) = %s has a raw control byte", s, out)
			}
		}
	})
}

// FuzzJavaDouble checks Java's layout rules and that the digits read back
// as the same double.
func FuzzJavaDouble(f *testing.F) {
	for _, x := range []float64{0, 1, 0.001, 1e7, 1e-4, 12345678, math.MaxFloat64, 5e-324} {
		f.Add(math.Float64bits(x))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		x := math.Float64frombits(bits)
		out := string(MarshalJackson(x))
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if out[0] != '"' {
				t.Fatalf("%v written unquoted: %s", x, out)
			}
			return
		}
		back, err := strconv.ParseFloat(out, 64)
		if err != nil || math.Float64bits(back) != bits {
			t.Fatalf("%v (%#x) written %s, reads back as %v, %v", x, bits, out, back, err)
		}
		mant, _, sci := strings.Cut(out, "E")
		if !strings.Contains(mant, ".") || strings.HasSuffix(mant, ".") {
			t.Fatalf("%v written %s: no digit after the point", x, out)
		}
		abs := math.Abs(back)
		if plain := !sci; plain != (abs == 0 || (abs >= 1e-3 && abs < 1e7)) {
			t.Fatalf("%v written %s: wrong notation", x, out)
		}
		if sci && (mant[0] == '-' && mant[1] == '0' || mant[0] == '0') {
			t.Fatalf("%v written %s: mantissa not normalised", x, out)
		}
	})
}
