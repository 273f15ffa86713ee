package procedure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/therapy"
)

// This file is the one place the procedure calls the decision packages.

// Deciders are the decision makers the procedure's guards consult, each
// with its ruleset. All are immutable and safe for concurrent use.
type Deciders struct {
	Screener *eligibility.Screener
	Selector *therapy.Selector
	Planner  *recommendations.Planner
	Triager  *recommendations.Triager
}

// DefaultDeciders returns the deciders of the embedded default rules.
func DefaultDeciders() Deciders {
	return Deciders{
		Screener: eligibility.NewDefaultScreener(),
		Selector: therapy.NewDefaultSelector(),
		Planner:  recommendations.NewDefaultPlanner(),
		Triager:  recommendations.NewDefaultTriager(),
	}
}

// withDefaults fills in the deciders left nil.
func (d Deciders) withDefaults() Deciders {
	if d.Screener == nil {
		d.Screener = eligibility.NewDefaultScreener()
	}
	if d.Selector == nil {
		d.Selector = therapy.NewDefaultSelector()
	}
	if d.Planner == nil {
		d.Planner = recommendations.NewDefaultPlanner()
	}
	if d.Triager == nil {
		d.Triager = recommendations.NewDefaultTriager()
	}
	return d
}

// dayOf is the calendar day of t in loc, as the decision packages hold a
// date (midnight UTC).
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func record(kind, digest string, facts, decision any) (*DecisionRecord, error) {
	f, err := json.Marshal(facts)
	if err != nil {
		return nil, err
	}
	d, err := json.Marshal(decision)
	if err != nil {
		return nil, err
	}
	return &DecisionRecord{Kind: kind, Digest: digest, Facts: f, Decision: d}, nil
}

// factProblems turns the decision packages' fact errors into an
// *InvalidError whose fields are paths in the command.
func factProblems(err error, prefix string) error {
	var fe rules.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	var ps problems
	for _, f := range fe {
		ps.add(prefix+strings.TrimPrefix(f.Path, "$"), "%s", f.Message)
	}
	return ps.err()
}

// asOfDay sets a decision's facts.asOf to the clinic's calendar day of the
// command's instant, or refuses an asOf that is another day: a decision is
// of the day it is made, whatever its facts say.
func asOfDay(asOf **time.Time, at time.Time, loc *time.Location) error {
	day := dayOf(at, loc)
	if *asOf == nil {
		*asOf = &day
		return nil
	}
	if given := (*asOf).UTC(); !given.Equal(day) {
		return (problems{{Path: "$.facts.asOf", Message: fmt.Sprintf("is %s, but the command happened on %s (%s, time zone %s): a decision is of the day it is made; leave asOf out or give that day",
			given.Format(time.DateOnly), day.Format(time.DateOnly), at.In(loc).Format(time.RFC3339), loc)}}).err()
	}
	return nil
}

func (d Deciders) screen(ctx context.Context, facts eligibility.Facts, at time.Time, loc *time.Location) (screeningData, *DecisionRecord, error) {
	if err := asOfDay(&facts.AsOf, at, loc); err != nil {
		return screeningData{}, nil, err
	}
	dec, err := d.Screener.Screen(ctx, facts)
	if err != nil {
		return screeningData{}, nil, factProblems(err, "$.facts")
	}
	out := screeningData{Outcome: string(dec.Outcome), AsOf: dec.AsOf.String(), Findings: []string{}}
	var from time.Time
	for _, f := range dec.Findings {
		out.Findings = append(out.Findings, f.Rule)
		switch {
		case f.Duration != eligibility.Temporary:
			out.Permanent = true
		case f.RescreenFrom != nil && f.RescreenFrom.After(from):
			from = f.RescreenFrom.Time
		}
	}
	if !out.Permanent && !from.IsZero() {
		out.RescreenFrom = rules.DateOf(from).String()
	}
	rec, err := record(eligibility.DecisionKind, dec.Ruleset.Digest, facts, dec)
	return out, rec, err
}

func (d Deciders) selectTherapy(ctx context.Context, facts therapy.Facts, at time.Time, loc *time.Location) (therapyData, *DecisionRecord, error) {
	if err := asOfDay(&facts.AsOf, at, loc); err != nil {
		return therapyData{}, nil, err
	}
	dec, err := d.Selector.Select(ctx, facts)
	if err != nil {
		return therapyData{}, nil, factProblems(err, "$.facts")
	}
	out := therapyData{
		Choice:             string(dec.Choice),
		AutologousSuitable: dec.Options.Autologous.Suitable,
		AllogeneicSuitable: dec.Options.Allogeneic.Suitable,
		Routes:             []string{},
		Source:             string(dec.Options.Autologous.Source),
		CultureDays:        int(dec.Options.Autologous.EarliestStart.Sub(dec.AsOf.Time) / (24 * time.Hour)),
	}
	for _, r := range dec.Routes {
		out.Routes = append(out.Routes, string(r))
	}
	rec, err := record(therapy.DecisionKind, dec.Ruleset.Digest, facts, dec)
	return out, rec, err
}

func (d Deciders) planAftercare(ctx context.Context, a Administration) (aftercareData, *DecisionRecord, error) {
	at, route := a.At, a.Route
	facts := recommendations.Facts{AdministeredAt: &at, Route: &route}
	if a.Site != "" {
		facts.Site = &a.Site
	}
	plan, err := d.Planner.Plan(ctx, facts)
	if err != nil {
		return aftercareData{}, nil, factProblems(err, "$")
	}
	out := aftercareData{Administration: a.Number, Outcome: string(plan.Outcome), SideEffectsUntil: plan.SideEffectsUntil, Contacts: []Contact{}}
	for _, c := range plan.Schedule {
		out.Contacts = append(out.Contacts, Contact{ID: fmt.Sprintf("a%d-%s", a.Number, c.ID), Kind: string(c.Contact),
			Day: c.Day.String(), AssessesEffectiveness: c.AssessesEffectiveness})
	}
	rec, err := record(recommendations.AftercareDecisionKind, plan.Ruleset.Digest, facts, plan)
	return out, rec, err
}

func (d Deciders) triage(ctx context.Context, administeredAt, now time.Time, s recommendations.Symptom) (triageData, *DecisionRecord, error) {
	facts := recommendations.TriageFacts{AdministeredAt: &administeredAt, Now: &now, Symptom: &s}
	dec, err := d.Triager.Triage(ctx, facts)
	if err != nil {
		return triageData{}, nil, factProblems(err, "$")
	}
	out := triageData{Outcome: string(dec.Outcome), Flagged: dec.Outcome == recommendations.ContactClinic}
	if s.Name != nil {
		out.Symptom = *s.Name
	}
	rec, err := record(recommendations.TriageDecisionKind, dec.Ruleset.Digest, facts, dec)
	return out, rec, err
}

// checkSymptom checks a reported symptom with the triage vocabulary's own
// decoder (names on its list, instants in range).
func checkSymptom(ps *problems, s recommendations.Symptom) {
	b, err := json.Marshal(map[string]any{"symptom": s})
	if err == nil {
		_, err = recommendations.DecodeTriageFacts(b)
	}
	var fe rules.FieldErrors
	if errors.As(err, &fe) {
		for _, f := range fe {
			ps.add(f.Path, "%s", f.Message)
		}
	} else if err != nil {
		ps.add("$.symptom", "%v", err)
	}
}

// AftercarePlans returns the aftercare plans recorded in a case's history,
// one per administration in order, decoded from the stored decisions, for
// a calendar (recommendations.WriteICS) or a leaflet.
func AftercarePlans(events []Event) ([]*recommendations.Plan, error) {
	var plans []*recommendations.Plan
	for _, e := range events {
		if e.Type != AftercarePlanned || e.Decision == nil {
			continue
		}
		p := new(recommendations.Plan)
		if err := json.Unmarshal(e.Decision.Decision, p); err != nil {
			return nil, fmt.Errorf("procedure: event %s: aftercare plan: %w", e.ID(), err)
		}
		plans = append(plans, p)
	}
	return plans, nil
}
