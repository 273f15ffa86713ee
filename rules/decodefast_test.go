package rules

import (
	"reflect"
	"testing"
	"time"
)

type fastFacts struct {
	AsOf  *time.Time `json:"asOf" expr:"asOf" fact:"date"`
	A     *bool      `json:"a" expr:"a"`
	N     *float64   `json:"n" expr:"n" fact:"range=-1e6..1e6"`
	K     *int       `json:"k" expr:"k" fact:"range=-1000..1000"`
	Color *string    `json:"color" expr:"color" fact:"enum=red|green"`
	Name  *string    `json:"name" expr:"name"`
	Group *struct {
		At  *time.Time `json:"at" expr:"at" fact:"instant"`
		Day *time.Time `json:"day" expr:"day" fact:"date"`
	} `json:"group" expr:"group"`
}

func fastVocab(t testing.TB) *vocabulary {
	t.Helper()
	v, err := newVocabulary(reflect.TypeFor[fastFacts]())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkFast holds the fast path to the careful one: when it takes the
// input and its facts pass the checks decodeJSON runs after it (ranges and
// the days facts may hold, which the fast path leaves to them), the careful
// path must take it too and give the same facts.
func checkFast(t *testing.T, v *vocabulary, data []byte) (took bool) {
	t.Helper()
	var fast, careful fastFacts
	took = v.decodeFast(data, reflect.ValueOf(&fast).Elem()) && v.validateAny(&fast) == nil
	err := v.decodeCareful(data, &careful)
	if took && err != nil {
		t.Fatalf("%q: fast path took it, careful path says %v", data, err)
	}
	if took && !reflect.DeepEqual(fast, careful) {
		t.Fatalf("%q: fast path gave %+v, careful path %+v", data, v.plain(&fast), v.plain(&careful))
	}
	return took
}

func TestDecodeFast(t *testing.T) {
	v := fastVocab(t)
	tests := []struct {
		in   string
		took bool
	}{
		{`{}`, true},
		{` { "a" : true , "n": -1.5e3, "k": 3, "color": "red", "name": "Łódź" } `, true},
		{`{"asOf": "2026-11-24", "group": {"at": "2026-11-24T09:30:00+01:00", "day": null}}`, true},
		{`{"group": {}, "a": null}`, true},
		{`{"k": 2.0}`, true},
		// Left to the careful path, which reports them.
		{`{"a": true, "a": false}`, false},
		{`{"b": true}`, false},
		{`{"a": "true"}`, false},
		{`{"k": 2.5}`, false},
		{`{"n": 1e400}`, false},
		{`{"n": 01}`, false},
		{`{"n": .5}`, false},
		{`{"n": +1}`, false},
		{`{"color": "blue"}`, false},
		{`{"asOf": "2026-02-30"}`, false},
		{`{"asOf": "0000-01-01"}`, false}, // a real day, outside the days facts may hold
		{`{"group": {"at": "9999-12-31T23:59:59Z"}}`, false},
		{`{"name": "a\"b"}`, false},
		{"{\"name\": \"\xff\"}", false},
		{`{"a": true}{}`, false},
		{`{"a": true,}`, false},
		{`null`, false},
		{`{"group": []}`, false},
		{`{"a": truex}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := checkFast(t, v, []byte(tt.in)); got != tt.took {
				t.Errorf("fast path took it: %v, want %v", got, tt.took)
			}
		})
	}
}

// FuzzDecodeFast feeds both decoding paths any bytes and holds them to the
// same facts.
func FuzzDecodeFast(f *testing.F) {
	f.Add([]byte(`{"a": true, "n": 2, "k": 3, "color": "green", "group": {"day": "2024-02-29", "at": "2026-11-24T09:30:00Z"}}`))
	f.Add([]byte(`{"name": "x", "asOf": "2026-01-01"}`))
	v := fastVocab(f)
	f.Fuzz(func(t *testing.T, data []byte) { checkFast(t, v, data) })
}
