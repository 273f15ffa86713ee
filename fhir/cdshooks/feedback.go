package cdshooks

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/reocell/celltherapy/fhir"
)

// FeedbackSink stores what clinicians did with cards, in the audit log.
type FeedbackSink interface {
	// RecordFeedback stores one card's feedback; an error means it was not
	// stored.
	RecordFeedback(ctx context.Context, f Feedback) error
}

// Feedback is what a clinician did with one card.
type Feedback struct {
	// Service is the id of the CDS service that gave the card.
	Service string `json:"service"`
	// Client is the iss of the CDS client that reported it, Tenant its
	// tenant claim if any.
	Client string `json:"client"`
	Tenant string `json:"tenant,omitempty"`
	// Card is the card's uuid.
	Card string `json:"card"`
	// Outcome is "accepted" or "overridden".
	Outcome             string          `json:"outcome"`
	AcceptedSuggestions []string        `json:"acceptedSuggestions,omitempty"`
	OverrideReason      *OverrideReason `json:"overrideReason,omitempty"`
	OutcomeTimestamp    time.Time       `json:"outcomeTimestamp"`
	// ReceivedAt is when the service received the feedback.
	ReceivedAt time.Time `json:"receivedAt"`
}

// OverrideReason is why a clinician overrode a card.
type OverrideReason struct {
	Reason      *fhir.Coding `json:"reason,omitempty"`
	UserComment string       `json:"userComment,omitempty"`
}

type feedbackRequest struct {
	Feedback []struct {
		Card                string `json:"card"`
		Outcome             string `json:"outcome"`
		AcceptedSuggestions []struct {
			ID string `json:"id"`
		} `json:"acceptedSuggestions"`
		OverrideReason   *OverrideReason `json:"overrideReason"`
		OutcomeTimestamp string          `json:"outcomeTimestamp"`
	} `json:"feedback"`
}

// handleFeedback checks every feedback of a request before storing any,
// so that a bad request stores nothing.
func (h *Handler) handleFeedback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if _, ok := h.service(id); !ok {
			writeError(w, http.StatusNotFound, "not_found", "no CDS service "+id)
			return
		}
		var req feedbackRequest
		if err := decodeBody(w, r, 1<<20, &req); err != nil {
			writeError(w, http.StatusBadRequest, "invalid", err.Error())
			return
		}
		caller := callerOf(r.Context())
		out, problems := req.check(Feedback{Service: id, Client: caller.Issuer, Tenant: caller.Tenant, ReceivedAt: h.cfg.Now()})
		if len(problems) > 0 {
			writeError(w, http.StatusBadRequest, "invalid", "the feedback cannot be stored", problems...)
			return
		}
		for _, fb := range out {
			if err := h.cfg.Feedback.RecordFeedback(r.Context(), fb); err != nil {
				h.internal(w, err)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}

// check returns the request's feedback, each filled in from base, and the
// problems found, each at its JSON path.
func (req *feedbackRequest) check(base Feedback) (out []Feedback, problems []string) {
	if len(req.Feedback) == 0 {
		problems = append(problems, "$.feedback: want at least one feedback")
	}
	for i, f := range req.Feedback {
		at := fmt.Sprintf("$.feedback[%d]", i)
		fb := base
		fb.Card, fb.Outcome, fb.OverrideReason = f.Card, f.Outcome, f.OverrideReason
		if f.Card == "" {
			problems = append(problems, at+".card: missing (the card's uuid)")
		}
		switch {
		case f.Outcome != "accepted" && f.Outcome != "overridden":
			problems = append(problems, at+".outcome: want accepted or overridden")
		case f.Outcome == "accepted" && f.OverrideReason != nil:
			problems = append(problems, at+".overrideReason: only for an overridden card")
		case f.Outcome == "accepted" && len(f.AcceptedSuggestions) == 0:
			problems = append(problems, at+".acceptedSuggestions: required for an accepted card (the suggestions the clinician took)")
		case f.Outcome == "overridden" && len(f.AcceptedSuggestions) > 0:
			problems = append(problems, at+".acceptedSuggestions: only for an accepted card")
		}
		if o := f.OverrideReason; o != nil {
			switch {
			case o.Reason == nil && o.UserComment == "":
				problems = append(problems, at+".overrideReason: empty; give reason (a Coding of the card's overrideReasons) or userComment, or leave it out")
			case o.Reason != nil && o.Reason.Code == "":
				problems = append(problems, at+".overrideReason.reason.code: missing")
			case o.Reason != nil && o.Reason.System == "":
				problems = append(problems, at+".overrideReason.reason.system: missing")
			}
		}
		for j, s := range f.AcceptedSuggestions {
			if s.ID == "" {
				problems = append(problems, fmt.Sprintf("%s.acceptedSuggestions[%d].id: missing", at, j))
			}
			fb.AcceptedSuggestions = append(fb.AcceptedSuggestions, s.ID)
		}
		t, err := time.Parse(time.RFC3339Nano, f.OutcomeTimestamp)
		switch {
		case f.OutcomeTimestamp == "":
			problems = append(problems, at+".outcomeTimestamp: missing")
		case err != nil:
			problems = append(problems, at+".outcomeTimestamp: want an RFC 3339 instant in UTC")
		default:
			if _, off := t.Zone(); off != 0 {
				problems = append(problems, at+".outcomeTimestamp: want the instant in UTC (Z), as the specification requires")
			}
		}
		fb.OutcomeTimestamp = t
		out = append(out, fb)
	}
	return out, problems
}
