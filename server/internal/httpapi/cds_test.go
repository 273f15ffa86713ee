package httpapi

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/server/internal/auth"
)

// TestCDSHooksScreeningAndFeedbackAreAudited: over real HTTP with a real
// ES384 client JWT, discovery lists the services, a call answers a
// critical card only once its screening is an audit entry, and feedback
// (accepted, and overridden with its reason) is in the audit log when the
// call is answered.
func TestCDSHooksScreeningAndFeedbackAreAudited(t *testing.T) {
	e := newCDSEnv(t, serverOptions{})
	ctx := context.Background()
	resp, data := e.cdsDo(t, ctx, "GET", "/cds-services", e.cdsToken(t, "/cds-services", nil), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"msc-screening"`) {
		t.Fatalf("discovery: %d %s", resp.StatusCode, data)
	}

	const call = "/cds-services/msc-screening"
	resp, data = e.cdsDo(t, ctx, "POST", call, e.cdsToken(t, call, nil), hivCall())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("call: %d %s", resp.StatusCode, data)
	}
	cards := decodeCards(t, data)
	if len(cards) == 0 || cards[0].Indicator != "critical" {
		t.Fatalf("cards %s: want a critical card for HIV disease", data)
	}
	screening := e.entry(t, resp.Header.Get("X-Request-Id"), ActionCDSScreening)
	var out struct {
		Decision struct{ Outcome string } `json:"decision"`
		Cards    []string                 `json:"cards"`
	}
	json.Unmarshal(screening.Output, &out)
	switch {
	case screening.ActorID != cdsIssuer || screening.ActorRole != CDSRole:
		t.Errorf("screening actor %s/%s, want the CDS client", screening.ActorID, screening.ActorRole)
	case screening.RulesetDigest != e.rules.Current().Rulesets()[0].Digest:
		t.Errorf("screening ruleset %s, want the eligibility rules in force", screening.RulesetDigest)
	case out.Decision.Outcome != "ineligible" || len(out.Cards) != len(cards) || out.Cards[0] != cards[0].UUID:
		t.Errorf("screening output %s: want the decision and the cards answered", screening.Output)
	case !strings.Contains(string(screening.Input), `"Condition/c-hiv"`):
		t.Errorf("screening input %s: want the records the facts came from", screening.Input)
	}

	tests := []struct {
		name, body, want string
	}{
		{"accepted", `{"feedback":[{"card":"` + cards[0].UUID + `","outcome":"accepted","acceptedSuggestions":[{"id":"s1"}],"outcomeTimestamp":"2026-11-25T10:00:00Z"}]}`, `"outcome":"accepted"`},
		{"overridden with a reason", `{"feedback":[{"card":"` + cards[0].UUID + `","outcome":"overridden","outcomeTimestamp":"2026-11-25T10:00:00Z",
			"overrideReason":{"reason":{"system":"https://github.com/reocell/celltherapy/fhir/CodeSystem/msc-override-reason","code":"board-reviewed"},
			"userComment":"reviewed on 2026-11-20"}}]}`, `"code":"board-reviewed"`},
	}
	const feedback = call + "/feedback"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := e.cdsDo(t, ctx, "POST", feedback, e.cdsToken(t, feedback, nil), []byte(tc.body))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("feedback: %d %s", resp.StatusCode, data)
			}
			got := e.entry(t, resp.Header.Get("X-Request-Id"), ActionCDSFeedback)
			if !strings.Contains(string(got.Input), tc.want) || !strings.Contains(string(got.Input), cards[0].UUID) || got.ActorRole != CDSRole {
				t.Errorf("feedback entry %s by %s: want %s for card %s", got.Input, got.ActorRole, tc.want, cards[0].UUID)
			}
		})
	}
	if _, err := e.audit.Verify(ctx, nil); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}

// TestCDSHooksRoutesTakeOnlyTheClientJWT: the CDS Hooks rows of the route
// table are authenticated by the CDS client's JWT, not the server's
// bearer tokens: no token, a server token of any role, a JWT for another
// URL and a replayed jti are refused with 401.
func TestCDSHooksRoutesTakeOnlyTheClientJWT(t *testing.T) {
	e := newCDSEnv(t, serverOptions{})
	bodies := map[string][]byte{"/cds-services/{id}": hivCall(),
		"/cds-services/{id}/feedback": []byte(`{"feedback":[{"card":"c","outcome":"accepted","acceptedSuggestions":[{"id":"s1"}],"outcomeTimestamp":"2026-11-25T10:00:00Z"}]}`)}
	for _, rt := range e.api.Routes() {
		if rt.Auth == "" || rt.Auth == AuthConsole {
			continue
		}
		if rt.Auth != AuthCDSClient || rt.Roles != nil {
			t.Errorf("%s %s: Auth %q with roles %v", rt.Method, rt.Path, rt.Auth, rt.Roles)
		}
		path := strings.ReplaceAll(rt.Path, "{id}", "msc-screening")
		body := bodies[rt.Path]
		replayed := e.cdsToken(t, path, nil)
		if resp, data := e.cdsDo(t, context.Background(), rt.Method, path, replayed, body); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s with a good JWT: %d %s", rt.Method, path, resp.StatusCode, data)
		}
		refusals := map[string]string{
			"no token":        "",
			"server token":    e.token(t, auth.Doctor),
			"another URL":     e.cdsToken(t, "/cds-services/other", nil),
			"expired":         e.cdsToken(t, path, func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(time.Now().Add(-time.Hour)) }),
			"a replayed jti":  replayed,
			"unlisted issuer": e.cdsToken(t, path, func(c *jwt.Claims) { c.Issuer = "https://other-ehr.test/" }),
		}
		for name, token := range refusals {
			t.Run(rt.Method+" "+rt.Path+"/"+name, func(t *testing.T) {
				resp, data := e.cdsDo(t, knowinglyInvalid(context.Background()), rt.Method, path, token, body)
				if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("X-Request-Id") == "" {
					t.Errorf("%d %s, want 401 with a request id", resp.StatusCode, data)
				}
			})
		}
	}
}

// TestCDSHooksNotConfigured: without a CDS Hooks service the routes
// answer 404 in the server's error shape.
func TestCDSHooksNotConfigured(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	resp, data := ts.do(t, knowinglyInvalid(context.Background()), "GET", "/cds-services", "", "")
	if resp.StatusCode != http.StatusNotFound || decodeError(t, data).Code != CodeNotFound {
		t.Errorf("%d %s, want 404 not_found", resp.StatusCode, data)
	}
}

// TestCDSHooksNothingAnsweredUnaudited: when the audit log cannot store a
// screening or a feedback, the call fails and gives no card.
func TestCDSHooksNothingAnsweredUnaudited(t *testing.T) {
	e := newCDSEnv(t, serverOptions{})
	e.audit.Close()
	const call = "/cds-services/msc-screening"
	const feedback = call + "/feedback"
	tests := []struct{ path, body string }{
		{call, string(hivCall())},
		{feedback, `{"feedback":[{"card":"c","outcome":"accepted","acceptedSuggestions":[{"id":"s1"}],"outcomeTimestamp":"2026-11-25T10:00:00Z"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, data := e.cdsDo(t, context.Background(), "POST", tc.path, e.cdsToken(t, tc.path, nil), []byte(tc.body))
			if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(data), "cards") {
				t.Errorf("%d %s, want 500 and no card", resp.StatusCode, data)
			}
		})
	}
}

// TestCDSHooksScreensWithTheRulesInForce: after a reload the next call
// screens with the new rules (the card's source names their version).
func TestCDSHooksScreensWithTheRulesInForce(t *testing.T) {
	dir := t.TempDir()
	writeRules := func(version string) {
		t.Helper()
		data, err := fs.ReadFile(eligibility.DefaultFS(), "contraindications.yaml")
		if err != nil {
			t.Fatal(err)
		}
		data = regexp.MustCompile(`(?m)^version: "[^"]*"`).ReplaceAll(data, []byte(`version: "`+version+`"`))
		if err := os.WriteFile(filepath.Join(dir, "contraindications.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeRules("clinic-1")
	e := newCDSEnv(t, serverOptions{rulesDir: dir})
	const call = "/cds-services/msc-screening"
	for _, version := range []string{"clinic-1", "clinic-2"} {
		writeRules(version)
		if err := e.rules.Reload(); err != nil {
			t.Fatal(err)
		}
		resp, data := e.cdsDo(t, context.Background(), "POST", call, e.cdsToken(t, call, nil), hivCall())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", resp.StatusCode, data)
		}
		if cards := decodeCards(t, data); !strings.Contains(cards[0].Source.Label, version) {
			t.Errorf("card source %q, want the rules %s", cards[0].Source.Label, version)
		}
	}
}
