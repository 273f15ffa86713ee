package rules_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// endless is a reader of a JSON object that never ends: {"a": true, "b":
// "xxxx...
type endless struct{ started bool }

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	if !e.started {
		n = copy(p, `{"a": true, "b": "`)
		e.started = true
	}
	for i := n; i < len(p); i++ {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestDecodeReaderRefusesInputOverTheLimitWhileReading(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := testKind.DecodeReader(&endless{}, 0)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, rules.ErrFactsTooLarge) {
		t.Fatalf("error %v is not ErrFactsTooLarge", err)
	}
	var fe rules.FieldErrors
	if !errors.As(err, &fe) || fe[0].Path != "$" || !strings.Contains(fe[0].Message, "1,048,576 bytes") {
		t.Errorf("error %v does not say the limit", err)
	}
	// Memory is bounded by the 1 MiB limit, not by the input, which has no end.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("reading allocated %d MiB", grew>>20)
	}
}

func TestDecodeLimitIsSettable(t *testing.T) {
	small := `{"a": true}`
	big := `{"a": true, "color": "red", "group": {"count": 3}}`
	tests := []struct {
		name  string
		src   string
		limit int64
		ok    bool
	}{
		{"under a small limit", small, 20, true},
		{"over a small limit", big, 20, false},
		{"at the limit exactly", small, int64(len(small)), true},
		{"the default limit", big, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testKind.DecodeReader(strings.NewReader(tt.src), tt.limit)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, rules.ErrFactsTooLarge)) {
				t.Errorf("error %v, want ok=%v", err, tt.ok)
			}
		})
	}
	huge := `{"a": true, "b": "` + strings.Repeat("x", rules.DefaultMaxFactsBytes) + `"}`
	if _, err := testKind.Decode([]byte(huge)); !errors.Is(err, rules.ErrFactsTooLarge) {
		t.Errorf("Decode of more than the default limit: %v", err)
	}
}

func TestDecodeBoundsDatesAndNumbers(t *testing.T) {
	tests := []struct {
		src, path string // path is "" when the facts are good
	}{
		{`{"asOf": "1900-01-01"}`, ""},
		{`{"asOf": "2199-12-31"}`, ""},
		{`{"asOf": "1899-12-31"}`, "$.asOf"},
		{`{"asOf": "2200-01-01"}`, "$.asOf"},
		{`{"group": {"day": "9999-01-01"}}`, "$.group.day"},
		{`{"group": {"at": "2199-12-31T23:59:59Z"}}`, ""},
		{`{"group": {"at": "2200-01-01T00:00:00Z"}}`, "$.group.at"},
		{`{"group": {"at": "1899-12-31T23:00:00-02:00"}}`, ""}, // 1900-01-01T01:00Z
		{`{"n": 1e6}`, ""},
		{`{"n": -1e6}`, ""},
		{`{"n": 1e308}`, "$.n"},
		{`{"n": -1000001}`, "$.n"},
		{`{"group": {"count": 2000000}}`, "$.group.count"},
		{`{"b": [1, [2, [3]], {"x": 1}]}`, "$.b"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			err := rules.VocabDecodeJSON(testKind, []byte(tt.src), &testFacts{})
			var fe rules.FieldErrors
			switch {
			case tt.path == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.path != "" && (!errors.As(err, &fe) || len(fe) != 1 || fe[0].Path != tt.path):
				t.Errorf("error %v, want one at %s", err, tt.path)
			}
		})
	}
}

func TestValidateChecksFactsBuiltInGo(t *testing.T) {
	day := func(y int) *time.Time { return new(time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC)) }
	tests := []struct {
		name  string
		facts testFacts
		path  string
		msg   string
	}{
		{"valid", testFacts{A: new(true), N: new(3.0), Color: new("red"), Group: &testGroup{Day: day(2026), Count: new(2)}}, "", ""},
		{"enum", testFacts{Color: new("purple")}, "$.color", `"purple" is not one of red, green`},
		{"number over its range", testFacts{N: new(1e308)}, "$.n", "want a number from -1e+06 to 1e+06, got 1e+308"},
		{"NaN", testFacts{N: new(math.NaN())}, "$.n", "got NaN"},
		{"integer under its range", testFacts{Group: &testGroup{Count: new(-2_000_000)}}, "$.group.count", "got -2e+06"},
		{"date in the year 9999", testFacts{Group: &testGroup{Day: day(9999)}}, "$.group.day", "9999-06-01 is outside the days facts may hold, 1900-01-01 to 2199-12-31"},
		{"instant before 1900", testFacts{Group: &testGroup{At: day(1850)}}, "$.group.at", "1850-06-01 is outside"},
		{"asOf", testFacts{AsOf: day(2200)}, "$.asOf", "outside"},
	}
	rs := ruleset(t, "a")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ruleskit.Validate(testKind, &tt.facts)
			_, evalErr := ruleskit.Evaluate(context.Background(), rs, &tt.facts)
			if !reflect.DeepEqual(err, evalErr) {
				t.Errorf("Evaluate: %v, Validate: %v", evalErr, err)
			}
			if tt.path == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			var fe rules.FieldErrors
			if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Path != tt.path || !strings.Contains(fe[0].Message, tt.msg) {
				t.Errorf("error %v, want %s: ...%s...", err, tt.path, tt.msg)
			}
		})
	}
	if err := ruleskit.Validate(testKind, testFacts{}); err == nil {
		t.Error("Validate accepted a struct value, not a pointer")
	}
}

func TestValidateOfValidFactsDoesNotAllocate(t *testing.T) {
	facts := &testFacts{AsOf: new(time.Now()), N: new(3.0), Color: new("green"), Group: &testGroup{Count: new(1), At: new(time.Now())}}
	if n := testing.AllocsPerRun(100, func() { _ = ruleskit.Validate(testKind, facts) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func TestNumberFactsDeclareTheirRange(t *testing.T) {
	tests := []struct {
		name    string
		newKind func() error
		want    string
	}{
		{"no range", kindOf[struct {
			N *float64 `json:"n" expr:"n"`
		}], `needs the tag fact:"range=MIN..MAX"`},
		{"a range that is not one", kindOf[struct {
			N *int `json:"n" expr:"n" fact:"range=5..1"`
		}], "not a range MIN..MAX"},
		{"words", kindOf[struct {
			N *int `json:"n" expr:"n" fact:"range=low..high"`
		}], "not a range MIN..MAX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.newKind()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	var f ruleskit.Fact
	for _, x := range ruleskit.Facts(testKind) {
		if x.Name == "n" {
			f = x
		}
	}
	if f.Min != -1e6 || f.Max != 1e6 {
		t.Errorf("n ranges over %v..%v", f.Min, f.Max)
	}
}

// kindOf makes a kind of facts F, for tests of what a facts type may be.
func kindOf[F any]() error {
	_, err := ruleskit.NewKind(ruleskit.Spec[F, any]{Then: struct{}{}, Params: struct{}{},
		Name:   "k",
		Decide: func(context.Context, *rules.Ruleset, F, ...rules.Option) (any, error) { return nil, nil },
	})
	return err
}

func TestDateEncodesExactlyWhatItDecodes(t *testing.T) {
	tests := []struct {
		year int
		ok   bool
	}{{1, true}, {1900, true}, {2199, true}, {9999, true}, {10000, false}, {0, false}, {-1, false}}
	for _, tt := range tests {
		d := rules.Date{Time: time.Date(tt.year, 3, 1, 0, 0, 0, 0, time.UTC)}
		js, err := json.Marshal(d)
		if (err == nil) != tt.ok {
			t.Errorf("year %d: encode %s, %v", tt.year, js, err)
			continue
		}
		if err != nil {
			continue
		}
		var back rules.Date
		if err := json.Unmarshal(js, &back); err != nil || !back.Equal(d.Time) {
			t.Errorf("year %d: %s decodes as %v, %v", tt.year, js, back, err)
		}
	}
	var d rules.Date
	if err := json.Unmarshal([]byte(`"0000-01-01"`), &d); err == nil {
		t.Error("the year 0, which cannot be encoded, was decoded")
	}
}

func TestThenValueNoDecisionCanHoldIsARuleError(t *testing.T) {
	rs := ruleset(t, "a", "    then: {until: 'addYears(group.day, 7900)'}\n")
	day := time.Date(2199, 12, 31, 0, 0, 0, 0, time.UTC)
	_, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{A: new(true), Group: &testGroup{Day: &day}})
	var re *rules.RuleError
	if !errors.As(err, &re) || re.Rule != "r" || !strings.Contains(err.Error(), "then.until") || !strings.Contains(err.Error(), "year 10099") {
		t.Errorf("error %v", err)
	}
	day = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := ruleskit.Evaluate(context.Background(), rs, &testFacts{A: new(true), Group: &testGroup{Day: &day}}); err != nil {
		t.Errorf("year 9926 is fine: %v", err)
	}
}

func TestFactYearsInUnixSeconds(t *testing.T) {
	// An instant one second either side of the bounds, 1900 to 2199.
	first := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	past := time.Date(2199+1, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		at time.Time
		ok bool
	}{{first, true}, {first.Add(-time.Second), false}, {past.Add(-time.Second), true}, {past, false}} {
		err := ruleskit.Validate(testKind, &testFacts{Group: &testGroup{At: &tt.at}})
		if (err == nil) != tt.ok {
			t.Errorf("%v: %v", tt.at, err)
		}
	}
}
