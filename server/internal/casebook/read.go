package casebook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/recommendations"
)

// Case returns the case as JSON and its version.
func (b *Book) Case(ctx context.Context, caseID string) ([]byte, int, error) {
	c, err := b.cases.Case(ctx, caseID)
	if err != nil {
		return nil, 0, err
	}
	data, err := json.Marshal(c)
	return data, c.Version, err
}

// History returns the case's events as JSON: {"events": [...]}.
func (b *Book) History(ctx context.Context, caseID string) ([]byte, error) {
	events, err := b.cases.History(ctx, caseID)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Events []procedure.Event `json:"events"`
	}{events})
}

// WriteAftercare writes the case's aftercare calendar (iCalendar): the
// plan of each administration in order. A case without an administration
// has none (NotFound).
func (b *Book) WriteAftercare(ctx context.Context, w io.Writer, caseID string) error {
	plans, err := b.cases.Aftercare(ctx, caseID)
	if err != nil {
		return err
	}
	if len(plans) == 0 {
		return fmt.Errorf("%w: case %q has no administration, so no aftercare plan yet", procedure.ErrNotFound, caseID)
	}
	for _, p := range plans {
		if err := recommendations.WriteICS(w, p); err != nil {
			return err
		}
	}
	return nil
}

// DefaultListLimit is how many cases List returns when no limit is given.
const DefaultListLimit = 100

// List returns the summaries of cases as JSON: {"cases": [...]}, by id,
// in stage (any when ""), after the id after, at most limit ("": DefaultListLimit).
func (b *Book) List(ctx context.Context, stage, after, limit string) ([]byte, error) {
	q := procedure.CaseQuery{Stage: procedure.Stage(stage), After: after}
	if stage != "" && !knownStage(q.Stage) {
		return nil, invalid("stage", fmt.Sprintf("unknown stage %q", stage))
	}
	n, err := parseLimit(limit)
	if err != nil {
		return nil, err
	}
	q.Limit = n
	if n == 0 {
		q.Limit = DefaultListLimit
	}
	list, err := b.cases.List(ctx, q)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []procedure.Summary{}
	}
	return json.Marshal(struct {
		Cases []procedure.Summary `json:"cases"`
	}{list})
}

// Worklist returns what is due as of asOf (RFC 3339; "" is now), for role
// ("" for every role), at most limit, as JSON: {"asOf", "items": [...]}.
func (b *Book) Worklist(ctx context.Context, asOf, role, limit string, now time.Time) ([]byte, error) {
	q := procedure.WorklistQuery{AsOf: now, Role: procedure.Role(role)}
	if asOf != "" {
		t, err := time.Parse(time.RFC3339, asOf)
		if err != nil {
			return nil, invalid("asOf", "must be an RFC 3339 instant, such as 2026-11-25T09:00:00Z")
		}
		q.AsOf = t
	}
	if role != "" && !q.Role.Valid() {
		return nil, invalid("role", fmt.Sprintf("unknown role %q", role))
	}
	n, err := parseLimit(limit)
	if err != nil {
		return nil, err
	}
	q.Limit = n
	items, err := b.cases.Worklist(ctx, q)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []procedure.WorkItem{}
	}
	return json.Marshal(struct {
		AsOf  time.Time            `json:"asOf"`
		Items []procedure.WorkItem `json:"items"`
	}{q.AsOf.UTC(), items})
}

func parseLimit(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10000 {
		return 0, invalid("limit", "must be a whole number from 1 to 10000")
	}
	return n, nil
}

func knownStage(s procedure.Stage) bool {
	for _, row := range procedure.StageTable() {
		if row.Stage == s {
			return true
		}
	}
	return false
}
