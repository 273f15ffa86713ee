package rules_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/rules"
)

func TestDecodeJSON(t *testing.T) {
	var f testFacts
	err := rules.VocabDecodeJSON(testKind, []byte(`{"a": true, "b": null, "n": 2.5, "color": "red",
		"group": {"day": "2024-02-29", "at": "2026-11-24T09:30:00+01:00", "count": 3}}`), &f)
	if err != nil {
		t.Fatal(err)
	}
	if !*f.A || f.B != nil || *f.N != 2.5 || *f.Color != "red" || *f.Group.Count != 3 {
		t.Errorf("decoded %+v", f)
	}
	if !f.Group.Day.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) || !f.Group.At.Equal(time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("times %v %v", f.Group.Day, f.Group.At)
	}
}

func TestDecodeJSONErrorsNameThePath(t *testing.T) {
	tests := []struct {
		in   string
		want []string // paths
	}{
		{`{"a": "yes"}`, []string{"$.a"}},
		{`{"aa": true}`, []string{"$.aa"}},
		{`{"a": true, "a": false}`, []string{"$.a"}},
		{`{"n": "5"}`, []string{"$.n"}},
		{`{"color": "blue"}`, []string{"$.color"}},
		{`{"group": {"day": "2023-02-29"}}`, []string{"$.group.day"}},
		{`{"group": {"day": "2023-2-1"}}`, []string{"$.group.day"}},
		{`{"group": {"at": "2026-11-24 09:30"}}`, []string{"$.group.at"}},
		{`{"group": {"count": 1.5}}`, []string{"$.group.count"}},
		{`{"group": 5}`, []string{"$.group"}},
		{`{"group": {"dya": "2023-01-01"}, "b": 1}`, []string{"$.b", "$.group.dya"}},
		{`[1]`, []string{"$"}},
		{`{"a": true} {}`, []string{"$"}},
		{`{"a": tru`, []string{"$"}},
		{strings.Repeat(`{"x":`, 100) + "1" + strings.Repeat("}", 100), []string{"$"}},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 40)], func(t *testing.T) {
			var f testFacts
			err := rules.VocabDecodeJSON(testKind, []byte(tt.in), &f)
			var fe rules.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not FieldErrors", err)
			}
			var paths []string
			for _, e := range fe {
				paths = append(paths, e.Path)
			}
			if strings.Join(paths, " ") != strings.Join(tt.want, " ") {
				t.Errorf("paths %v, want %v (%v)", paths, tt.want, err)
			}
		})
	}
}

func TestPlainRoundTrip(t *testing.T) {
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	in := testFacts{A: new(true), Group: &testGroup{Day: &day}}
	plain := rules.VocabPlain(testKind, &in)
	var out testFacts
	if err := rules.VocabDecodeValue(testKind, plain, &out); err != nil {
		t.Fatal(err)
	}
	if !*out.A || !out.Group.Day.Equal(day) || out.B != nil {
		t.Errorf("round trip gave %+v", out)
	}
}
