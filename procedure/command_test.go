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
		{"an instant that is not one", `{"type": "agree", "at": "yesterday"}`, "$.at"},
		{"a slot that is not an instant", `{"type": "book-appointment", "at": "2026-11-02T09:00:00Z", "reason": "r", "specialist": "s", "slot": "soon"}`, "$.slot"},
		{"an expiry that is not an instant", `{"type": "release-product", "at": "2026-11-02T09:00:00Z", "lot": "L", "cells": 1, "checksPassed": true, "expires": "2026-13-01T00:00:00Z"}`, "$.expires"},
		{"a case opened in 1800", `{"type": "open-case", "at": "1800-11-02T09:00:00Z", "caseId": "c", "patient": "p"}`, "$.at"},
		{"a slot in 9999", `{"type": "book-appointment", "at": "2026-11-02T09:00:00Z", "reason": "r", "specialist": "s", "slot": "9999-11-05T10:00:00Z"}`, "$.slot"},
		{"an expiry in 2200", `{"type": "release-product", "at": "2026-11-02T09:00:00Z", "lot": "L", "cells": 1, "checksPassed": true, "expires": "2200-01-01T00:00:00Z"}`, "$.expires"},
		{"a duplicate type", `{"type": "withdraw", "type": "book-appointment", "at": "2026-11-02T09:00:00Z"}`, "$.type"},
		{"a duplicate facts", `{"type": "screen", "at": "2026-11-02T09:00:00Z", "facts": {"pregnant": true}, "facts": {"pregnant": false}}`, "$.facts"},
		{"a duplicate key deep down", `{"type": "record-consultation", "at": "2026-11-02T09:00:00Z", "item": "diagnostic-plan", "text": "t",
			"measures": [{"id": "m", "kind": "laboratory", "name": "n", "name": "o"}]}`, "$.measures[0].name"},
		{"a duplicate key inside facts", `{"type": "screen", "at": "2026-11-02T09:00:00Z", "facts": {"oncology": {"active": true, "active": false}}}`, "$.facts.oncology.active"},
		{"a duplicate odd key", `{"type": "agree", "at": "2026-11-02T09:00:00Z", "a b": 1, "a b": 2}`, `$["a b"]`},
		{"a key with a NUL", `{"type": "agree", "at": "2026-11-02T09:00:00Z", "key": "k\u0000"}`, "$.key"},
		{"a case id of a dot", `{"type": "open-case", "at": "2026-11-02T09:00:00Z", "caseId": ".", "patient": "p"}`, "$.caseId"},
		{"a case id of two dots", `{"type": "open-case", "at": "2026-11-02T09:00:00Z", "caseId": "..", "patient": "p"}`, "$.caseId"},
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
				if p.Path == tc.field {
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
	if n := len(procedure.CommandTypes()); n != 27 {
		t.Errorf("%d command types, want 27", n)
	}
	for _, typ := range procedure.CommandTypes() {
		if c, ok := procedure.NewCommand(typ); !ok || c.Head() == nil {
			t.Errorf("NewCommand(%s): %v", typ, ok)
		}
		_, err := procedure.DecodeCommand([]byte(`{"type": "` + string(typ) + `", "at": "2026-11-02T09:00:00Z"}`))
		var ie *procedure.InvalidError
		if err != nil && !errors.As(err, &ie) {
			t.Errorf("%s: %v", typ, err)
		}
		if ie != nil {
			for _, p := range ie.Problems {
				if p.Path == "$.type" {
					t.Errorf("%s: unknown type", typ)
				}
			}
		}
	}
}
