package httpapi

// The server's one adapter onto the CDS Hooks service (fhir/cdshooks): its
// routes and the audit log as its feedback and screening sinks.

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/fhir/cdshooks"
	"github.com/reocell/celltherapy/server/internal/audit"
)

// AuthCDSClient is the Auth of the CDS Hooks routes: a CDS client's JWT,
// checked by the CDS Hooks service itself (issuer and jku allow-listed,
// aud the URL called, a jti accepted once), not the server's bearer tokens.
const AuthCDSClient = "cds-client-jwt"

// CDS Hooks audit actions.
const (
	ActionCDSFeedback  = "cds-feedback"
	ActionCDSScreening = "cds-screening"
)

// CDSRole is the actor role of the audit entries a CDS client causes.
const CDSRole = "cds-client"

// cdsHandler serves a CDS Hooks route with the CDS Hooks service, or 404
// when none is configured.
func (s *Server) cdsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cds == nil {
			s.fail(w, r, &Error{Code: CodeNotFound, Message: "CDS Hooks is not configured on this server (see --cds-clients)"})
			return
		}
		s.cds.ServeHTTP(w, r)
	})
}

// CDSAudit is the audit log as the CDS Hooks service's FeedbackSink and
// ScreeningSink: each feedback and each screening is an audit entry,
// committed before the call is answered.
type CDSAudit struct {
	Log AuditLog
}

var (
	_ cdshooks.FeedbackSink  = CDSAudit{}
	_ cdshooks.ScreeningSink = CDSAudit{}
)

// RecordFeedback appends one card's feedback (accepted or overridden, with
// the override reason) to the audit log.
func (a CDSAudit) RecordFeedback(ctx context.Context, f cdshooks.Feedback) error {
	in, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return a.append(ctx, audit.Record{ActorID: f.Client, Action: ActionCDSFeedback, Input: in})
}

// RecordScreening appends one screening to the audit log: what was read
// (facts and the records they came from) as input, the decision and the
// cards given as output.
func (a CDSAudit) RecordScreening(ctx context.Context, sc cdshooks.Screening) error {
	out, err := json.Marshal(struct {
		Decision json.RawMessage `json:"decision"`
		Cards    []string        `json:"cards"`
	}{sc.Decision, sc.Cards})
	if err != nil {
		return err
	}
	in, err := json.Marshal(screeningInput{Service: sc.Service, Hook: sc.Hook, HookInstance: sc.HookInstance,
		Client: sc.Client, Tenant: sc.Tenant, PatientID: sc.PatientID, At: sc.At, Facts: sc.Facts, Provenance: sc.Provenance,
		Open: sc.Open, Unreviewed: sc.Unreviewed, Unavailable: sc.Unavailable, CodeTables: sc.CodeTables})
	if err != nil {
		return err
	}
	var d struct {
		Ruleset struct {
			Digest string `json:"digest"`
		} `json:"ruleset"`
	}
	if err := json.Unmarshal(sc.Decision, &d); err != nil {
		return err
	}
	return a.append(ctx, audit.Record{ActorID: sc.Client, Action: ActionCDSScreening,
		RulesetDigest: d.Ruleset.Digest, Input: in, Output: out})
}

// screeningInput is what a screening read: cdshooks.Screening without
// the decision and the cards, which are its output.
type screeningInput struct {
	Service      string          `json:"service"`
	Hook         string          `json:"hook"`
	HookInstance string          `json:"hookInstance"`
	Client       string          `json:"client"`
	Tenant       string          `json:"tenant,omitempty"`
	PatientID    string          `json:"patientId"`
	At           time.Time       `json:"at"`
	Facts        json.RawMessage `json:"facts"`
	Provenance   fhir.Provenance `json:"provenance"`
	// What the records left unsettled, and the code tables (by digest)
	// the facts were read with.
	Open        fhir.Provenance         `json:"open,omitempty"`
	Unreviewed  []fhir.UnreviewedRecord `json:"unreviewedRecords,omitempty"`
	Unavailable map[string]string       `json:"unavailable,omitempty"`
	CodeTables  fhir.CodeTables         `json:"codeTables"`
}

func (a CDSAudit) append(ctx context.Context, rec audit.Record) error {
	rec.ActorRole = CDSRole
	rec.RequestID = info(ctx).id
	// What was read or fed back is recorded whatever the caller does next.
	_, err := a.Log.Append(context.WithoutCancel(ctx), rec)
	return err
}
