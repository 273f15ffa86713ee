package rules

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// DefaultMaxFactsBytes is the most JSON a set of facts may take, unless the
// caller of DecodeReader gives another limit: a patient's facts take a few
// hundred bytes.
const DefaultMaxFactsBytes = 1 << 20

// The first and last years of the dates and instants facts may hold:
// 1900-01-01 to 2199-12-31. Patients' dates fall well inside; the bounds
// keep every date a decision computes from them (a re-screening five years
// on, say) within the years that dates can be written in (see Date), and
// refuse typing slips such as 9999.
const (
	firstFactYear = 1900
	lastFactYear  = 2199
)

// The same bounds in Unix seconds, which a check compares without the cost
// of calendar arithmetic: 1900-01-01T00:00:00Z, and the first instant past
// 2199 (2200-01-01T00:00:00Z).
const (
	firstFactUnix = -2208988800
	pastFactUnix  = 7258118400
)

// ErrFactsTooLarge is in the FieldErrors of facts longer than the limit.
var ErrFactsTooLarge = errors.New("facts too large")

// decodeReader decodes a JSON object of facts from r into dst, with the
// checks of DecodeJSON. It reads at most maxBytes (DefaultMaxFactsBytes when
// zero or less) and refuses longer input as soon as it has read that much,
// so that memory stays bounded by the limit whatever r holds.
func (v *vocabulary) decodeReader(r io.Reader, dst any, maxBytes int64) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxFactsBytes
	}
	lr := &limitReader{r: r, left: maxBytes}
	err := v.decodeFrom(lr, dst)
	if lr.over {
		return FieldErrors{{Path: "$", Message: fmt.Sprintf("facts are longer than %s bytes; send at most that much", thousands(maxBytes)), err: ErrFactsTooLarge}}
	}
	return err
}

// limitReader reads at most left bytes of r, then fails.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Input of exactly the limit is fine: only a byte past it is over.
		var probe [1]byte
		if n, err := l.r.Read(probe[:]); n == 0 && err != nil {
			return 0, err
		}
		l.over = true
		return 0, ErrFactsTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// checkedFacts returns the facts whose values Validate checks: enums,
// ranges, dates and instants.
func checkedFacts(facts []factInfo) []int {
	var out []int
	for i, f := range facts {
		if len(f.Enum) > 0 || f.Type == typeNumber || f.Type == typeInteger || f.Type == typeDate || f.Type == typeInstant {
			out = append(out, i)
		}
	}
	return out
}

// parseRange reads the tag range=MIN..MAX of a number fact.
func parseRange(tag string) (lo, hi float64, err error) {
	spec, ok := strings.CutPrefix(tag, "range=")
	a, b, ok2 := strings.Cut(spec, "..")
	if !ok || !ok2 {
		return 0, 0, errors.New(`needs the tag fact:"range=MIN..MAX" (the values it may take)`)
	}
	lo, err1 := strconv.ParseFloat(a, 64)
	hi, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || !(lo <= hi) {
		return 0, 0, fmt.Errorf("has the tag fact:%q, not a range MIN..MAX of two numbers", tag)
	}
	return lo, hi, nil
}

// Validate checks facts built in Go, a pointer to the vocabulary's struct,
// as DecodeJSON checks decoded ones: strings within their enumeration,
// numbers within their range, dates and instants from firstFactYear to
// lastFactYear. It returns FieldErrors naming the JSON path of each offender,
// or nil. Ruleset.Evaluate calls it first.
func (v *vocabulary) validateAny(facts any) error {
	rv := reflect.ValueOf(facts)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Type().Elem() != v.typ {
		return fmt.Errorf("rules: validate %T, want *%s", facts, v.typ)
	}
	return v.validate(rv.UnsafePointer())
}

// validate checks the facts struct at base. Valid facts cost no allocation.
func (v *vocabulary) validate(base unsafe.Pointer) error {
	var errs FieldErrors
	for _, i := range v.checked {
		p := v.pointer(base, i)
		if p == nil {
			continue
		}
		if msg := v.check(i, p); msg != "" {
			errs.add("$."+v.facts[i].Name, "%s", msg)
		}
	}
	return errs.err()
}

// check returns what is wrong with the value at p of fact i, or "".
func (v *vocabulary) check(i int, p unsafe.Pointer) string {
	f := &v.facts[i]
	switch f.Type {
	case typeString:
		if s := *(*string)(p); !slices.Contains(f.Enum, s) {
			return fmt.Sprintf("%q is not one of %s%s", s, strings.Join(f.Enum, ", "), didYouMean(s, f.Enum))
		}
	case typeNumber:
		return f.checkNumber(*(*float64)(p))
	case typeInteger:
		return f.checkNumber(float64(*(*int)(p)))
	case typeDate, typeInstant:
		return checkDay(*(*time.Time)(p))
	}
	return ""
}

func (f *factInfo) checkNumber(n float64) string {
	if n >= f.Min && n <= f.Max {
		return ""
	}
	return fmt.Sprintf("want a number from %v to %v, got %v", f.Min, f.Max, n)
}

func checkDay(t time.Time) string {
	if u := t.Unix(); u >= firstFactUnix && u < pastFactUnix {
		return ""
	}
	return fmt.Sprintf("%s is outside the days facts may hold, %d-01-01 to %d-12-31", t.Format(time.DateOnly), firstFactYear, lastFactYear)
}

// outOfBounds returns what is wrong with a decoded value of fact i, or "".
func (v *vocabulary) outOfBounds(i int, val any) string {
	f := &v.facts[i]
	switch x := val.(type) {
	case float64:
		return f.checkNumber(x)
	case int:
		return f.checkNumber(float64(x))
	case time.Time:
		return checkDay(x)
	}
	return ""
}

// checkThen returns an error when the value of a then: expression is one a
// decision could not be written with: a date beyond the years a Date can be
// written in, or a number that is not finite.
func checkThen(v any) error {
	switch x := v.(type) {
	case time.Time:
		if y := x.Year(); y < minDateYear || y > maxDateYear {
			return fmt.Errorf("%w: it gives a date in the year %d", errThenValue, y)
		}
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Errorf("%w: it gives %v", errThenValue, x)
		}
	}
	return nil
}

var errThenValue = errors.New("a value no decision can hold")
