package casebook

import (
	"context"
	"fmt"
	"io"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
)

// The console's reads: typed, for pages rendered on the server.

// CaseAndHistory returns the case as it stands and its events, from one
// read of the store.
func (b *Book) CaseAndHistory(ctx context.Context, caseID string) (*procedure.Case, []procedure.Event, error) {
	events, err := b.cases.History(ctx, caseID)
	if err != nil {
		return nil, nil, err
	}
	c, err := procedure.Fold(events)
	if err != nil {
		return nil, nil, err
	}
	return c, events, nil
}

// Summarize returns the summary of a case as the store keeps it (its
// dues, findings and flags), under the book's params.
func (b *Book) Summarize(c *procedure.Case) procedure.Summary { return b.cases.Summarize(c) }

// WorkItems returns what is due, as procedure.Cases.Worklist does.
func (b *Book) WorkItems(ctx context.Context, q procedure.WorklistQuery) ([]procedure.WorkItem, error) {
	items, err := b.cases.Worklist(ctx, q)
	if err != nil {
		return nil, err
	}
	return items, nil
}

// WriteLeaflet writes the patient's aftercare leaflet of each
// administration, in lang ("en" or "ru").
func (b *Book) WriteLeaflet(ctx context.Context, w io.Writer, caseID, lang string) error {
	plans, err := b.cases.Aftercare(ctx, caseID)
	if err != nil {
		return err
	}
	if len(plans) == 0 {
		return fmt.Errorf("%w: case %q has no administration, so no aftercare plan yet", procedure.ErrNotFound, caseID)
	}
	for i, p := range plans {
		if i > 0 {
			io.WriteString(w, "\n\n")
		}
		if err := recommendations.WriteLeaflet(w, p, rules.WithLocale(lang)); err != nil {
			return err
		}
	}
	return nil
}
