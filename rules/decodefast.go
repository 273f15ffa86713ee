package rules

import (
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// decodeFast decodes a JSON object of facts that is well formed and valid
// straight into the facts struct at dst (a pointer to the vocabulary's
// struct), without building maps or JSON tokens: the common case, which
// batches of patients make hot. It returns false, leaving dst in an
// unspecified state, at the first thing it does not take: anything wrong
// with the input, and the rare valid shapes it leaves to the careful path
// (escapes in strings, null at the top). The careful path then decodes
// again and reports every problem; the differential test in
// decodefast_test.go holds the two to the same results.
func (v *vocabulary) decodeFast(data []byte, dst reflect.Value) bool {
	d := fastDecoder{data: data, v: v}
	d.space()
	if !d.object(dst, v.root) {
		return false
	}
	d.space()
	return d.i == len(d.data)
}

type fastDecoder struct {
	data []byte
	i    int
	v    *vocabulary
}

func (d *fastDecoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) next(c byte) bool {
	d.space()
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
		return true
	}
	return false
}

// object decodes an object of the fields of one group into the struct dst.
func (d *fastDecoder) object(dst reflect.Value, fields []vfield) bool {
	if !d.next('{') || len(fields) > 64 {
		return false
	}
	var seen uint64
	if d.next('}') {
		return true
	}
	for {
		d.space()
		key, ok := d.str()
		if !ok || !d.next(':') {
			return false
		}
		i := slices.IndexFunc(fields, func(f vfield) bool { return f.name == string(key) })
		if i < 0 || seen&(1<<i) != 0 {
			return false // unknown or given twice: the careful path says which
		}
		seen |= 1 << i
		if !d.value(dst, fields[i]) {
			return false
		}
		if d.next('}') {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}

// value decodes the value of field f of the struct dst.
func (d *fastDecoder) value(dst reflect.Value, f vfield) bool {
	d.space()
	if d.literal("null") {
		return true
	}
	field := dst.Field(f.index)
	if f.fact < 0 {
		p := reflect.New(field.Type().Elem())
		if !d.object(p.Elem(), f.fields) {
			return false
		}
		field.Set(p)
		return true
	}
	var p unsafe.Pointer
	switch fact := &d.v.facts[f.fact]; fact.Type {
	case typeBool:
		b := d.literal("true")
		if !b && !d.literal("false") {
			return false
		}
		p = unsafe.Pointer(&b)
	case typeNumber, typeInteger:
		n, ok := d.number()
		if !ok {
			return false
		}
		if fact.Type == typeNumber {
			p = unsafe.Pointer(&n)
			break
		}
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return false
		}
		k := int(n)
		p = unsafe.Pointer(&k)
	default:
		s, ok := d.str()
		if !ok {
			return false
		}
		if p, ok = fastString(fact, string(s)); !ok {
			return false
		}
	}
	// Every fact field is a pointer to a value laid out as bool, float64,
	// int, string or time.Time (NewVocabulary checks it).
	*(*unsafe.Pointer)(field.Addr().UnsafePointer()) = p
	return true
}

// fastString checks a string fact's value and returns a pointer to it.
func fastString(f *factInfo, s string) (unsafe.Pointer, bool) {
	switch f.Type {
	case typeString:
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
			return nil, false
		}
		return unsafe.Pointer(&s), true
	case typeDate:
		t, err := time.Parse(time.DateOnly, s)
		return unsafe.Pointer(&t), err == nil
	case typeInstant:
		t, err := time.Parse(time.RFC3339Nano, s)
		return unsafe.Pointer(&t), err == nil
	}
	return nil, false
}

func (d *fastDecoder) literal(word string) bool {
	if len(d.data)-d.i >= len(word) && string(d.data[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return true
	}
	return false
}

// str reads a string without escapes, of valid UTF-8 and no control
// characters, and returns its bytes.
func (d *fastDecoder) str() ([]byte, bool) {
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return nil, false
	}
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.data); j++ {
		c := d.data[j]
		switch {
		case c == '"':
			d.i = j + 1
			s := d.data[start:j]
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// number reads a number as JSON writes them and returns its value.
func (d *fastDecoder) number() (float64, bool) {
	start, j := d.i, d.i
	digits := func() int {
		k := j
		for j < len(d.data) && d.data[j] >= '0' && d.data[j] <= '9' {
			j++
		}
		return j - k
	}
	if j < len(d.data) && d.data[j] == '-' {
		j++
	}
	if j < len(d.data) && d.data[j] == '0' {
		j++
	} else if digits() == 0 {
		return 0, false
	}
	if j < len(d.data) && d.data[j] == '.' {
		j++
		if digits() == 0 {
			return 0, false
		}
	}
	if j < len(d.data) && (d.data[j] == 'e' || d.data[j] == 'E') {
		j++
		if j < len(d.data) && (d.data[j] == '+' || d.data[j] == '-') {
			j++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	n, err := strconv.ParseFloat(string(d.data[start:j]), 64)
	if err != nil || math.IsInf(n, 0) {
		return 0, false
	}
	d.i = j
	return n, true
}
