package fhir

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// yesNo is what the records settle about one yes/no fact.
type yesNo struct {
	known, value bool
	sources      []Source
	open         []Source // active records that keep the fact from being false
}

// resolve settles a yes/no fact by the safety rules: an active, confirmed
// condition makes it true whatever else is recorded; otherwise the latest
// observation answers (a "yes" on the same day as a "no" wins, an undated
// "yes" or one of a yesStands table counts whatever came later, an undated
// or stale "no" does not); otherwise it is unknown.
func (r *reader) resolve(name string) yesNo {
	a := r.acc[name]
	if a == nil {
		return yesNo{}
	}
	yn := r.resolveVotes(a)
	if len(a.open) > 0 && !(yn.known && yn.value) {
		return yesNo{open: a.open} // a record outranks a "no": ask
	}
	return yn
}

func (r *reader) resolveVotes(a *factAcc) yesNo {
	if len(a.active) > 0 {
		return yesNo{known: true, value: true, sources: a.active}
	}
	var standingYes []Source
	var latest *vote
	for i := range a.votes {
		v := &a.votes[i]
		switch {
		case v.yes && (v.stands || !v.dated):
			standingYes = append(standingYes, v.source)
		case !v.dated:
		case latest == nil || v.date.After(latest.date) || v.date.Equal(latest.date) && v.yes && !latest.yes:
			latest = v
		}
	}
	if len(standingYes) > 0 {
		return yesNo{known: true, value: true, sources: standingYes}
	}
	if latest == nil {
		return yesNo{}
	}
	if latest.yes {
		return yesNo{known: true, value: true, sources: []Source{latest.source}}
	}
	if latest.validFor > 0 && latest.earliest.AddDate(0, 0, latest.validFor).Before(r.asOf) {
		return yesNo{} // the "no" is too old to screen on today
	}
	return yesNo{known: true, value: false, sources: []Source{latest.source}}
}

// unavailable keeps a fact that is not true from being false when records
// of a type that could make it true were not all read.
func (r *reader) unavailable(fact string, yn yesNo) yesNo {
	if yn.known && yn.value || len(r.opts.Unavailable) == 0 {
		return yn
	}
	var open []Source
	for _, tb := range r.codes.tables {
		if tb.fact != fact {
			continue
		}
		types := []string{tb.resource}
		if tb.resource == "MedicationStatement" {
			types = []string{"MedicationStatement", "MedicationRequest", "MedicationAdministration"}
		}
		for _, typ := range types {
			if why, ok := r.opts.Unavailable[typ]; ok {
				open = append(open, Source{Reference: typ + " (" + why + ")"})
			}
		}
	}
	if len(open) == 0 {
		return yn
	}
	return yesNo{open: append(yn.open, open...)}
}

// treatment settles oncology.everTreated and oncology.lastTreatmentEnd.
// Treatment records make everTreated true whatever the screening answer
// says. The last end is the latest known end, unknown when any treatment's
// end is unknown, and never given when the patient was never treated.
func (r *reader) treatmentFacts() (ever yesNo, end *time.Time, endSources []Source) {
	t := &r.treatment
	if len(t.treated) > 0 {
		ever = yesNo{known: true, value: true, sources: t.treated}
	} else {
		ever = r.resolve("oncology.everTreated")
	}
	if ever.known && !ever.value || len(t.endUnknown) > 0 || len(t.ends) == 0 {
		return ever, nil, nil
	}
	last := slices.MaxFunc(t.ends, func(a, b dated) int { return a.day.Compare(b.day) })
	for _, d := range t.ends {
		if d.day.Equal(last.day) {
			endSources = append(endSources, d.source)
		}
	}
	return ever, &last.day, endSources
}

// yesNoFacts are the yes/no facts of the eligibility vocabulary that code
// tables speak to, other than oncology.everTreated.
var yesNoFacts = []string{"oncology.active", "pregnant", "breastfeeding", "hiv", "immunodeficiency",
	"mentalStateUnstable", "acuteInflammation", "chronicExacerbation", "clottingDisorder"}

// extract settles every fact and records where each came from.
func (r *reader) extract() *Extract {
	x := &Extract{Provenance: Provenance{}, Open: Provenance{}, Unreviewed: r.unreviewed,
		CodeTables: CodeTables{Name: r.codes.name, Version: r.codes.version, Digest: r.codes.digest}}
	known := map[string]*bool{}
	for _, name := range yesNoFacts {
		yn := r.unavailable(name, r.resolve(name))
		if yn.known {
			known[name] = &yn.value
			x.Provenance[name] = dedupe(yn.sources)
		}
		if len(yn.open) > 0 {
			x.Open[name] = dedupe(yn.open)
		}
	}
	ever, end, endSources := r.treatmentFacts()
	ever = r.unavailable("oncology.everTreated", ever)
	if ever.known {
		known["oncology.everTreated"] = &ever.value
		x.Provenance["oncology.everTreated"] = dedupe(ever.sources)
	}
	if len(ever.open) > 0 {
		x.Open["oncology.everTreated"] = dedupe(ever.open)
	}
	if end != nil {
		x.Provenance["oncology.lastTreatmentEnd"] = dedupe(endSources)
	}
	x.Facts = eligibilityFacts(r.asOf, known, end)
	switch {
	case r.termErr != nil:
		x.Terminology = fmt.Sprintf("the terminology server %s failed (%v): the local value sets were used", r.termName, r.termErr)
	case r.termNeed:
		x.Terminology = "the code tables name concepts for a terminology server, and none is configured: the local value sets were used"
	case r.termUsed:
		x.Terminology = "the terminology server " + r.termName + " answered"
	}
	return x
}

func dedupe(s []Source) []Source {
	out := slices.Clone(s)
	slices.SortStableFunc(out, func(a, b Source) int {
		return cmp.Or(cmp.Compare(a.Reference, b.Reference), cmp.Compare(a.Coding.System, b.Coding.System), cmp.Compare(a.Coding.Code, b.Coding.Code))
	})
	return slices.Compact(out)
}

func mapsKeys(m map[string]bool) func(func(string) bool) { return maps.Keys(m) }

func itoa(i int) string { return strconv.Itoa(i) }
