package cdshooks

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/reocell/celltherapy/fhir"
)

// ScreeningSink records the screenings the service did, for the audit log:
// what it read, what it decided and which cards it gave (so that feedback
// on a card can be traced to its decision).
type ScreeningSink interface {
	// RecordScreening stores one screening; on an error the call is
	// answered 500 and no card is given.
	RecordScreening(ctx context.Context, s Screening) error
}

// Screening is one screening done for a CDS Hooks call.
type Screening struct {
	Service      string          `json:"service"`
	Hook         string          `json:"hook"`
	HookInstance string          `json:"hookInstance"`
	Client       string          `json:"client"`
	Tenant       string          `json:"tenant,omitempty"`
	PatientID    string          `json:"patientId"`
	At           time.Time       `json:"at"`
	Facts        json.RawMessage `json:"facts"`
	Provenance   fhir.Provenance `json:"provenance"`
	// Open, Unreviewed and Unavailable are what the records left unsettled
	// (see fhir.Extract); CodeTables names the tables the facts were read
	// with, by digest.
	Open        fhir.Provenance         `json:"open,omitempty"`
	Unreviewed  []fhir.UnreviewedRecord `json:"unreviewedRecords,omitempty"`
	Unavailable map[string]string       `json:"unavailable,omitempty"`
	CodeTables  fhir.CodeTables         `json:"codeTables"`
	Decision    json.RawMessage         `json:"decision"`
	// Cards are the uuids of the cards given, in order.
	Cards []string `json:"cards"`
}

func newScreening(r *http.Request, req *request, svc Service, now time.Time, x *fhir.Extract, unavailable map[string]string, decision json.RawMessage, cards []Card) Screening {
	s := Screening{Service: svc.ID, Hook: req.Hook, HookInstance: req.HookInstance, PatientID: req.Context.PatientID,
		At: now, Provenance: x.Provenance, Open: x.Open, Unreviewed: x.Unreviewed, Unavailable: unavailable, CodeTables: x.CodeTables, Decision: decision}
	if c := callerOf(r.Context()); c != nil {
		s.Client, s.Tenant = c.Issuer, c.Tenant
	}
	s.Facts, _ = json.Marshal(x.Facts)
	for _, c := range cards {
		s.Cards = append(s.Cards, c.UUID)
	}
	return s
}
