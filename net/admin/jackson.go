package admin

import (
	"encoding"
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Field is one key of a JSON object, kept in order.
type Field struct {
	Key   string
	Value any
}

// Fields is an ordered JSON object, as ZooKeeper's LinkedHashMap-backed
// command responses are. Keys are written as given; they should be unique.
//
// A Value may be nil (null), a bool, any integer or floating-point type,
// a string, Fields or []Field (a nested object), a slice or array (a JSON
// array; []byte is a base64 string, as Jackson writes byte[]), a map (an
// object with its keys sorted: integer keys numerically, others by their
// text), or a pointer to any of these (nil is null). See MarshalJackson.
type Fields []Field

// Get returns the value of the first field named key.
func (f Fields) Get(key string) (any, bool) {
	for _, x := range f {
		if x.Key == key {
			return x.Value, true
		}
	}
	return nil, false
}

// MarshalJackson renders v as ZooKeeper's JsonOutputter does: Jackson's
// ObjectMapper with INDENT_OUTPUT, whose DefaultPrettyPrinter writes
//
//	{
//	  "key" : "value",
//	  "list" : [ 1, 2 ],
//	  "objects" : [ {
//	    "a" : 1
//	  }, {
//	    "a" : 2
//	  } ],
//	  "empty_list" : [ ],
//	  "empty_object" : { }
//	}
//
// with no newline at the end. Objects indent by two spaces per level and
// arrays stay on their line. Numbers of a kind (named integer types such as
// zk.Zxid included) are numbers, whatever String method they have.
// float64 and float32 are written as Java's Double.toString and
// Float.toString write them (0.0, 1.5, 1.0E-4, 1.2345678E7, -0.0), in
// their shortest form; NaN and the infinities are quoted strings ("NaN",
// "Infinity", "-Infinity"), as Jackson's QUOTE_NON_NUMERIC_NUMBERS does.
// Strings are UTF-8 with Jackson's escapes: \" \\ \b \t \n \f \r, other
// control characters as \u00XX (upper-case hex), everything else raw
// (including '/', DEL and U+2028); a byte that is not valid UTF-8 becomes
// U+FFFD. A nil slice or map is written as an empty array or object; use
// an untyped nil for null. A struct or other value with a String, Error
// or MarshalText method is written as that string, and any other value
// as the string fmt.Sprint gives.
func MarshalJackson(v any) []byte {
	return AppendJackson(make([]byte, 0, 256), v)
}

// AppendJackson appends MarshalJackson(v) to dst.
func AppendJackson(dst []byte, v any) []byte {
	return appendValue(dst, v, 0)
}

// appendValue writes v for an object nesting level of level: the number of
// objects v is inside. Arrays do not count, as Jackson's FixedSpaceIndenter
// is inline.
func appendValue(b []byte, v any, level int) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case float64:
		return appendJavaFloat(b, x, 64)
	case float32:
		return appendJavaFloat(b, float64(x), 32)
	case Fields:
		return appendFields(b, x, level)
	case []Field:
		return appendFields(b, x, level)
	case []any:
		return appendArray(b, len(x), level, func(b []byte, i int) []byte { return appendValue(b, x[i], level) })
	case []Fields:
		return appendArray(b, len(x), level, func(b []byte, i int) []byte { return appendFields(b, x[i], level) })
	case []string:
		return appendArray(b, len(x), level, func(b []byte, i int) []byte { return appendString(b, x[i]) })
	case []int64:
		return appendArray(b, len(x), level, func(b []byte, i int) []byte { return strconv.AppendInt(b, x[i], 10) })
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return appendObject(b, len(keys), level, func(b []byte, i int) []byte {
			b = appendString(b, keys[i])
			b = append(b, " : "...)
			return appendValue(b, x[keys[i]], level+1)
		})
	}
	return appendReflect(b, reflect.ValueOf(v), level)
}

var (
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	stringerType      = reflect.TypeFor[fmt.Stringer]()
	errorType         = reflect.TypeFor[error]()
	fieldsType        = reflect.TypeFor[Fields]()
)

func appendReflect(b []byte, v reflect.Value, level int) []byte {
	switch v.Kind() {
	case reflect.Invalid:
		return append(b, "null"...)
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10)
	case reflect.Float32:
		return appendJavaFloat(b, v.Float(), 32)
	case reflect.Float64:
		return appendJavaFloat(b, v.Float(), 64)
	case reflect.String:
		return appendString(b, v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(b, "null"...)
		}
		if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
			if s, ok := asText(v); ok {
				return appendString(b, s)
			}
		}
		return appendReflect(b, v.Elem(), level)
	case reflect.Slice, reflect.Array:
		if v.Type().ConvertibleTo(fieldsType) {
			return appendFields(b, v.Convert(fieldsType).Interface().(Fields), level)
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			raw := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(raw), v)
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, raw)
			return append(b, '"')
		}
		return appendArray(b, v.Len(), level, func(b []byte, i int) []byte { return appendReflect(b, v.Index(i), level) })
	case reflect.Map:
		return appendMap(b, v, level)
	}
	if s, ok := asText(v); ok {
		return appendString(b, s)
	}
	if v.CanInterface() {
		return appendString(b, fmt.Sprint(v.Interface()))
	}
	return appendString(b, v.String())
}

// asText returns the text of a value that has an Error, String or
// MarshalText method.
func asText(v reflect.Value) (string, bool) {
	if !v.CanInterface() {
		return "", false
	}
	t := v.Type()
	switch {
	case t.Implements(errorType):
		return v.Interface().(error).Error(), true
	case t.Implements(stringerType):
		return v.Interface().(fmt.Stringer).String(), true
	case t.Implements(textMarshalerType):
		text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return err.Error(), true
		}
		return string(text), true
	}
	return "", false
}

func appendMap(b []byte, v reflect.Value, level int) []byte {
	type entry struct {
		key   string
		num   int64
		unum  uint64
		value reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	kind := v.Type().Key().Kind()
	for it := v.MapRange(); it.Next(); {
		k := it.Key()
		e := entry{value: it.Value()}
		switch k.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			e.num = k.Int()
			e.key = strconv.FormatInt(e.num, 10)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			e.unum = k.Uint()
			e.key = strconv.FormatUint(e.unum, 10)
		case reflect.String:
			e.key = k.String()
		default:
			var buf []byte
			buf = appendReflect(buf, k, 0)
			if s, err := strconv.Unquote(string(buf)); err == nil {
				e.key = s
			} else {
				e.key = string(buf)
			}
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(x, y entry) int {
		switch kind {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return cmpOrdered(x.num, y.num)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return cmpOrdered(x.unum, y.unum)
		}
		return strings.Compare(x.key, y.key)
	})
	return appendObject(b, len(entries), level, func(b []byte, i int) []byte {
		b = appendString(b, entries[i].key)
		b = append(b, " : "...)
		return appendReflect(b, entries[i].value, level+1)
	})
}

func cmpOrdered[T int64 | uint64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func appendFields(b []byte, f []Field, level int) []byte {
	return appendObject(b, len(f), level, func(b []byte, i int) []byte {
		b = appendString(b, f[i].Key)
		b = append(b, " : "...)
		return appendValue(b, f[i].Value, level+1)
	})
}

// appendObject writes an object of n entries; entry writes the i-th
// "key" : value.
func appendObject(b []byte, n, level int, entry func(b []byte, i int) []byte) []byte {
	if n == 0 {
		return append(b, "{ }"...)
	}
	b = append(b, '{')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendIndent(b, level+1)
		b = entry(b, i)
	}
	b = appendIndent(b, level)
	return append(b, '}')
}

func appendIndent(b []byte, level int) []byte {
	b = append(b, '\n')
	for range level {
		b = append(b, "  "...)
	}
	return b
}

// appendArray writes an array of n values; value writes the i-th.
func appendArray(b []byte, n, level int, value func(b []byte, i int) []byte) []byte {
	if n == 0 {
		return append(b, "[ ]"...)
	}
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, ' ')
		b = value(b, i)
	}
	return append(b, " ]"...)
}

const hexUpper = "0123456789ABCDEF"

// appendString writes s quoted with Jackson's default escapes.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexUpper[c>>4], hexUpper[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJavaFloat writes f as Java's Double.toString (bits 64) or
// Float.toString (bits 32) of JDK 19 and later does, using the shortest
// digits (at least two) that read back as f: decimal notation for 1.0E-3 <= |f| < 1.0E7, with at least one
// digit after the point, and computerized scientific notation otherwise.
// Non-finite values are quoted, as Jackson writes them.
func appendJavaFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits) // [-]d[.ddd]e±dd
	if s[1] == 'e' || s[0] == '-' && s[2] == 'e' {
		// One digit is enough to read back, but Java chooses among one-
		// and two-digit decimals the one closest to the exact value:
		// 4.9E-324, not 5.0E-324. Rounding to two digits finds it.
		s = strconv.AppendFloat(tmp[:0], f, 'e', 1, bits)
	}
	if s[0] == '-' {
		b = append(b, '-')
		s = s[1:]
	}
	e := slices.Index(s, 'e')
	exp, _ := strconv.Atoi(string(s[e+1:]))
	var digits [24]byte
	nd := copy(digits[:], s[:1])
	if e > 1 {
		nd += copy(digits[nd:], s[2:e])
	}
	for nd > 1 && digits[nd-1] == '0' { // "4.0" from the two-digit rounding is "4"
		nd--
	}
	d := digits[:nd]
	if exp < -3 || exp >= 7 {
		b = append(b, d[0], '.')
		if len(d) > 1 {
			b = append(b, d[1:]...)
		} else {
			b = append(b, '0')
		}
		b = append(b, 'E')
		return strconv.AppendInt(b, int64(exp), 10)
	}
	if exp < 0 {
		b = append(b, '0', '.')
		for range -exp - 1 {
			b = append(b, '0')
		}
		return append(b, d...)
	}
	if len(d) > exp+1 {
		b = append(b, d[:exp+1]...)
		b = append(b, '.')
		return append(b, d[exp+1:]...)
	}
	b = append(b, d...)
	for range exp + 1 - len(d) {
		b = append(b, '0')
	}
	return append(b, '.', '0')
}
