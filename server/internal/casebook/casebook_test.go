package casebook

import (
	"context"
	"errors"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

const open = `{"type": "open-case", "at": "2026-11-24T09:00:00Z", "caseId": "c-1", "patient": "p-1"}`

func TestExpectedVersionInTheBody(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		x       Expect
		want    int
		problem string // the JSON path named, "" for none
	}{
		{"none", open, Expect{}, -1, ""},
		{"given", `{"expectedVersion": 0, ` + open[1:], Expect{}, 0, ""},
		{"agrees with If-Match", `{"expectedVersion": 2, ` + open[1:], Expect{Version: 2, HasVersion: true}, 2, ""},
		{"differs from If-Match", `{"expectedVersion": 2, ` + open[1:], Expect{Version: 3, HasVersion: true}, 0, "$.expectedVersion"},
		{"not a number", `{"expectedVersion": "two", ` + open[1:], Expect{}, 0, "$.expectedVersion"},
		{"negative", `{"expectedVersion": -1, ` + open[1:], Expect{}, 0, "$.expectedVersion"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := tc.x
			cmd, err := decode([]byte(tc.body), &x)
			if tc.problem != "" {
				var e *procedure.InvalidError
				if !errors.As(err, &e) || len(e.Problems) == 0 || e.Problems[0].Path != tc.problem {
					t.Fatalf("%v, want a problem at %s", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := cmd.(*procedure.OpenCase); !ok {
				t.Errorf("decoded %T", cmd)
			}
			if got := map[bool]int{true: x.Version, false: -1}[x.HasVersion]; got != tc.want {
				t.Errorf("expected version %d, want %d", got, tc.want)
			}
		})
	}
}

// TestUsingKeepsTheStore: a book using other decision makers (here none,
// which keeps the defaults) reads and writes the same cases.
func TestUsingKeepsTheStore(t *testing.T) {
	ctx := context.Background()
	book := NewMemory(Options{})
	if _, err := book.Using(rulebook.Makers{}).OpenCase(ctx, procedure.Actor{ID: "a", Role: procedure.Administrator}, []byte(open), Expect{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, v, err := book.Case(ctx, "c-1"); err != nil || v != 1 {
		t.Fatalf("the case opened through Using: version %d, %v", v, err)
	}
}
