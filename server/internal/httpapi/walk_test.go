package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/server/internal/casebook"
)

// TestRefusedCommandFromDomainToBody walks each kind of refusal from the
// case API, as the domain returns it, through the one status table to the
// status and error body the caller gets: the code, the status, and what
// is at fault (JSON path, header, rule).
func TestRefusedCommandFromDomainToBody(t *testing.T) {
	ctx := context.Background()
	book := casebook.NewMemory(casebook.Options{})
	admin := procedure.Actor{ID: "a", Role: procedure.Administrator}
	if _, err := book.OpenCase(ctx, admin, []byte(SampleOpenCase("w")), casebook.Expect{}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		role        procedure.Role
		caseID      string
		body        string
		x           casebook.Expect
		is          error // the domain's code the error matches
		status      int
		code        Code
		path, field string
		rule        string
	}{
		{"invalid field", procedure.Administrator, "w", `{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "", "specialist": "x", "slot": "2026-11-27T10:00:00Z"}`,
			casebook.Expect{}, procedure.ErrInvalid, 400, CodeBadInput, "$.reason", "", ""},
		{"key differs from the header", procedure.Administrator, "w", `{"type": "withdraw", "at": "2026-11-24T10:00:00Z", "reason": "r", "key": "k-1"}`,
			casebook.Expect{Key: "k-2"}, procedure.ErrInvalid, 400, CodeBadInput, "$.key", "Idempotency-Key", ""},
		{"role", procedure.Nurse, "w", bookAppointment, casebook.Expect{}, procedure.ErrForbidden, 403, CodeForbidden, "", "", ""},
		{"no such case", procedure.Administrator, "nobody", bookAppointment, casebook.Expect{}, procedure.ErrNotFound, 404, CodeNotFound, "", "", ""},
		{"stale version", procedure.Administrator, "w", bookAppointment, casebook.Expect{Version: 7, HasVersion: true}, procedure.ErrConflict, 409, CodeConflict, "", "", ""},
		{"a rule", procedure.Administrator, "w", `{"type": "book-appointment", "at": "2026-11-24T09:05:00Z", "reason": "r", "specialist": "s", "slot": "2026-11-20T10:00:00Z"}`,
			casebook.Expect{}, procedure.ErrRefused, 422, CodeGuardNotMet, "", "", "slot-in-future"},
	}
	srv := New(Deps{Cases: book})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := book.Give(ctx, tc.caseID, procedure.Actor{ID: "u", Role: tc.role}, []byte(tc.body), tc.x, nil)
			if !errors.Is(err, tc.is) {
				t.Fatalf("the domain returned %v, want it to match %v", err, tc.is)
			}
			rec := httptest.NewRecorder()
			srv.fail(rec, httptest.NewRequest("POST", "/v1/cases/"+tc.caseID+"/commands", nil), err)
			var e Error
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("%s: %v", rec.Body, err)
			}
			if rec.Code != tc.status || e.Code != tc.code || e.Code.Status() != rec.Code {
				t.Fatalf("%d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
			if e.Path != tc.path || e.Field != tc.field || e.Rule != tc.rule || e.Message == "" || e.Message == "internal error" {
				t.Errorf("%s: want path %q field %q rule %q and a message", rec.Body, tc.path, tc.field, tc.rule)
			}
		})
	}
}
