package procedure_test

import (
	"errors"
	"testing"

	"github.com/reocell/celltherapy/procedure"
)

func TestDecodeCommandErrors(t *testing.T) {
	tests := []struct {
		name, json, field string
	}{
		{"not JSON", `{"type": `, "$"},
		{"no type", `{"at": "2026-11-02T09:00:00Z"}`, "$.type"},
		{"an unknown type", `{"type": "teleport", "at": "2026-11-02T09:00:00Z"}`, "$.type"},
		{"an unknown field", `{"type": "agree", "at": "2026-11-02T09:00:00Z", "mood": "good"}`, "$.mood"},
		{"a field of the wrong type", `{"type": "release-product", "at": "2026-11-02T09:00:00Z", "lot": "L", "cells": "many", "checksPassed": true}`, "$.cells"},
		{"no instant", `{"type": "agree"}`, "$.at"},
		{"an instant that is not one", `{"type": "agree", "at": "yesterday"}`, "$"},
		{"two values", `{"type": "agree", "at": "2026-11-02T09:00:00Z"} {}`, "$"},
		{"a plan of no procedures", `{"type": "propose-plan", "at": "2026-11-02T09:00:00Z", "therapy": "allogeneic", "route": "local", "site": "scalp", "cells": 1, "procedures": 0, "quorum": ["a"]}`, "$.procedures"},
		{"several procedures without an interval", `{"type": "propose-plan", "at": "2026-11-02T09:00:00Z", "therapy": "allogeneic", "route": "local", "site": "scalp", "cells": 1, "procedures": 3, "quorum": ["a"]}`, "$.intervalDays"},
		{"a quorum member twice", `{"type": "decline", "at": "2026-11-02T09:00:00Z", "quorum": ["a", "a"]}`, "$.quorum[1]"},
		{"a case id with a slash", `{"type": "open-case", "at": "2026-11-02T09:00:00Z", "caseId": "a/b", "patient": "p"}`, "$.caseId"},
		{"an adverse event without a severity", `{"type": "record-adverse-event", "at": "2026-11-02T09:00:00Z", "description": "d"}`, "$.severity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := procedure.DecodeCommand([]byte(tc.json))
			var ie *procedure.InvalidError
			if !errors.As(err, &ie) || !errors.Is(err, procedure.ErrInvalid) {
				t.Fatalf("got %v, want an InvalidError", err)
			}
			for _, p := range ie.Problems {
				if p.Field == tc.field {
					return
				}
			}
			t.Errorf("problems %+v do not name %s", ie.Problems, tc.field)
		})
	}
}

// TestEveryCommandDecodes checks that every command in the table decodes
// from its type and reports its own fields.
func TestEveryCommandDecodes(t *testing.T) {
	for _, typ := range []string{"open-case", "book-appointment", "cancel-case", "record-consultation", "record-measure-result",
		"cancel-measure", "screen", "select-therapy", "propose-plan", "decline", "agree", "refuse", "collect-biomaterial",
		"start-culture", "fail-culture", "allocate-lot", "release-product", "administer", "refer-to-board", "record-contact",
		"report-side-effect", "review-side-effect", "record-adverse-event", "assess-effectiveness", "complete", "withdraw"} {
		_, err := procedure.DecodeCommand([]byte(`{"type": "` + typ + `", "at": "2026-11-02T09:00:00Z"}`))
		var ie *procedure.InvalidError
		if err != nil && !errors.As(err, &ie) {
			t.Errorf("%s: %v", typ, err)
		}
		if ie != nil {
			for _, p := range ie.Problems {
				if p.Field == "$.type" {
					t.Errorf("%s: unknown type", typ)
				}
			}
		}
	}
}
