package cdshooks

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestSpecificationExamplesHaveTheShapes checks that the JSON shapes the
// tests hold our answers to accept every example of the specification.
func TestSpecificationExamplesHaveTheShapes(t *testing.T) {
	tests := []struct{ file, def string }{
		{"specification-current.discovery-example.json", "discovery"},
		{"specification-current.request-example.json", "request"},
		{"specification-current.response-example.json", "response"},
		{"specification-current.feedback-accepted-example.json", "feedback"},
		{"specification-current.feedback-overridden-example.json", "feedback"},
		{"specification-current.feedback-override-reason-example.json", "feedback"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if err := specSchema(t, tt.def, specFile(t, tt.file)); err != nil {
				t.Error(err)
			}
		})
	}
	// And they refuse what the specification forbids.
	for _, bad := range []struct{ def, doc string }{
		{"response", `{"cards":[{"summary":"` + strings.Repeat("x", 140) + `","indicator":"info","source":{"label":"x"}}]}`},
		{"response", `{"cards":[{"summary":"x","indicator":"urgent","source":{"label":"x"}}]}`},
		{"response", `{"cards":[{"summary":"x","indicator":"info","source":{"label":"x"},"overrideReasons":[{"system":"s","code":"c"}]}]}`},
		{"discovery", `{"services":[{"hook":"patient-view","id":"x"}]}`},
		{"feedback", `{"feedback":[{"card":"x","outcome":"accepted","outcomeTimestamp":"2020-12-11T00:00:00Z"}]}`},
	} {
		if specSchema(t, bad.def, []byte(bad.doc)) == nil {
			t.Errorf("the %s shape accepts %s", bad.def, bad.doc)
		}
	}
}

// TestSpecificationRequestExample sends the specification's patient-view
// example. Its fhirServer is a host we cannot reach offline, so it is
// pointed at the FHIR server test double; its one prefetch key is not ours,
// so the service fetches every template.
func TestSpecificationRequestExample(t *testing.T) {
	e := newEnv(t)
	fhirSrv := newFHIRDouble(t)
	var req map[string]any
	if err := json.Unmarshal(specFile(t, "specification-current.request-example.json"), &req); err != nil {
		t.Fatal(err)
	}
	req["fhirServer"] = fhirSrv.URL + "/fhir"
	body, _ := json.Marshal(req)
	code, out := e.do(t, "/cds-services/msc-screening", body)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d %s", code, out)
	}
	cards := decodeCards(t, out)
	if len(cards) != 1 || cards[0].Indicator != Critical || !strings.Contains(cards[0].Detail, "Condition/c-hiv") {
		t.Errorf("cards %s", out)
	}
	fhirSrv.mu.Lock()
	defer fhirSrv.mu.Unlock()
	if len(fhirSrv.tokens) == 0 || fhirSrv.tokens[0] != "Bearer some-opaque-fhir-access-token" {
		t.Errorf("FHIR server given %q", fhirSrv.tokens)
	}
}

// TestSpecificationOrderExamples sends the order-select and order-sign R4
// examples of the specification: their orders (a diet, a medication) are
// not MSC therapy, so there is no card.
func TestSpecificationOrderExamples(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ file, hook, service string }{
		{"hooks-order-select.r4-example.json", HookOrderSelect, "msc-screening-order-select"},
		{"hooks-order-sign.r4-example.json", HookOrderSign, "msc-screening-order-sign"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var ex map[string]any
			if err := json.Unmarshal(specFile(t, tt.file), &ex); err != nil {
				t.Fatal(err)
			}
			ex["hook"], ex["hookInstance"] = tt.hook, "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
			body, _ := json.Marshal(ex)
			code, out := e.do(t, "/cds-services/"+tt.service, body)
			if code != http.StatusOK || len(decodeCards(t, out)) != 0 {
				t.Errorf("HTTP %d %s; want 200 and no card", code, out)
			}
		})
	}
}

func TestFeedback(t *testing.T) {
	e := newEnv(t)
	path := "/cds-services/msc-screening/feedback"
	tests := []struct {
		name   string
		body   []byte
		code   int
		stored []Feedback
	}{
		{"the specification's accepted example", specFile(t, "specification-current.feedback-accepted-example.json"), http.StatusOK,
			[]Feedback{{Card: "4e0a3a1e-3283-4575-ab82-028d55fe2719", Outcome: "accepted", AcceptedSuggestions: []string{"e56e1945-20b3-4393-8503-a1a20fd73152"}}}},
		{"the specification's overridden example", specFile(t, "specification-current.feedback-overridden-example.json"), http.StatusOK,
			[]Feedback{{Card: "f6b95768-b1c8-40dc-8385-bf3504b82ffb", Outcome: "overridden"}}},
		{"the specification's override reason example", specFile(t, "specification-current.feedback-override-reason-example.json"), http.StatusOK,
			[]Feedback{{Card: "9368d37b-283f-44a0-93ea-547cebab93ed", Outcome: "overridden", OverrideReason: &OverrideReason{UserComment: "A comment entered by the clinician."}}}},
		{"one bad feedback stores none", []byte(`{"feedback":[
			{"card":"a","outcome":"overridden","outcomeTimestamp":"2026-11-24T10:00:00Z"},
			{"card":"b","outcome":"ignored","outcomeTimestamp":"2026-11-24T10:00:00Z"}]}`), http.StatusBadRequest, nil},
		{"no timestamp", []byte(`{"feedback":[{"card":"a","outcome":"overridden"}]}`), http.StatusBadRequest, nil},
		{"no card", []byte(`{"feedback":[{"outcome":"overridden","outcomeTimestamp":"2026-11-24T10:00:00Z"}]}`), http.StatusBadRequest, nil},
		{"empty", []byte(`{"feedback":[]}`), http.StatusBadRequest, nil},
	}
	refused := []struct{ name, body, field string }{
		{"accepted without acceptedSuggestions", `{"feedback":[{"card":"a","outcome":"accepted","outcomeTimestamp":"2026-11-24T10:00:00Z"}]}`,
			"$.feedback[0].acceptedSuggestions: required"},
		{"an empty overrideReason", `{"feedback":[{"card":"a","outcome":"overridden","overrideReason":{},"outcomeTimestamp":"2026-11-24T10:00:00Z"}]}`,
			"$.feedback[0].overrideReason: empty"},
		{"a reason without its code", `{"feedback":[{"card":"a","outcome":"overridden","overrideReason":{"reason":{"system":"s"}},"outcomeTimestamp":"2026-11-24T10:00:00Z"}]}`,
			"$.feedback[0].overrideReason.reason.code: missing"},
		{"a time not in UTC", `{"feedback":[{"card":"a","outcome":"overridden","outcomeTimestamp":"2026-11-24T10:00:00+01:00"}]}`,
			"$.feedback[0].outcomeTimestamp: want the instant in UTC"},
		{"a suggestion without its id", `{"feedback":[{"card":"a","outcome":"accepted","acceptedSuggestions":[{}],"outcomeTimestamp":"2026-11-24T10:00:00Z"}]}`,
			"$.feedback[0].acceptedSuggestions[0].id: missing"},
	}
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) {
			before := len(e.feedback.all())
			code, out := e.do(t, path, []byte(r.body))
			if code != http.StatusBadRequest || !strings.Contains(string(out), r.field) || len(e.feedback.all()) != before {
				t.Errorf("HTTP %d %s; want 400 naming %q, nothing stored", code, out, r.field)
			}
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.feedback.all())
			code, out := e.do(t, path, tt.body)
			if code != tt.code {
				t.Fatalf("HTTP %d %s; want %d", code, out, tt.code)
			}
			got := e.feedback.all()[before:]
			if len(got) != len(tt.stored) {
				t.Fatalf("stored %d feedback, want %d", len(got), len(tt.stored))
			}
			for i, want := range tt.stored {
				g := got[i]
				if g.Card != want.Card || g.Outcome != want.Outcome || strings.Join(g.AcceptedSuggestions, ",") != strings.Join(want.AcceptedSuggestions, ",") ||
					g.Service != "msc-screening" || g.Client != testIssuer || g.OutcomeTimestamp.IsZero() || !g.ReceivedAt.Equal(testNow) {
					t.Errorf("stored %+v, want %+v", g, want)
				}
				if want.OverrideReason != nil && (g.OverrideReason == nil || g.OverrideReason.UserComment != want.OverrideReason.UserComment ||
					g.OverrideReason.Reason == nil || g.OverrideReason.Reason.Code != "d7ecf885") {
					t.Errorf("override reason %+v", g.OverrideReason)
				}
			}
		})
	}
	t.Run("a sink that fails answers 500", func(t *testing.T) {
		e.feedback.setFail(errors.New("disk full"))
		defer e.feedback.setFail(nil)
		code, out := e.do(t, path, specFile(t, "specification-current.feedback-overridden-example.json"))
		if code != http.StatusInternalServerError || strings.Contains(string(out), "disk full") {
			t.Errorf("HTTP %d %s; want 500 without the internal reason", code, out)
		}
	})
}
