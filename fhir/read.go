package fhir

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The FHIR R4 status codes the mapping reads, and which of them count.
var (
	conditionClinical     = codeSet("active", "recurrence", "relapse", "inactive", "remission", "resolved")
	conditionVerification = codeSet("unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error")
	observationStatus     = codeSet("registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown")
	procedureStatus       = codeSet("preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown")
	medicationStatus      = codeSet("active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken")
	requestStatus         = codeSet("active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown")
	requestIntent         = codeSet("proposal", "plan", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option")
	administrationStatus  = codeSet("in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped", "unknown")
)

// treatmentStatus says, per resource type and status, whether a record of
// a cancer treatment means the treatment took place (or is taking place)
// and whether it is still going on. Statuses not listed mean it did not:
// not done, not taken, intended, draft, cancelled, entered in error,
// unknown. A MedicationRequest counts only for the intents that are
// orders (order, original-order, reflex-order, filler-order,
// instance-order): a proposal, plan or option is not a treatment.
var treatmentStatus = map[string]map[string]struct{ ongoing bool }{
	"Procedure":                {"completed": {}, "stopped": {}, "in-progress": {true}, "on-hold": {true}},
	"MedicationStatement":      {"completed": {}, "stopped": {}, "active": {true}, "on-hold": {true}},
	"MedicationAdministration": {"completed": {}, "stopped": {}, "in-progress": {true}, "on-hold": {true}},
	"MedicationRequest":        {"completed": {}, "stopped": {}, "active": {true}, "on-hold": {true}},
}

var orderIntents = codeSet("order", "original-order", "reflex-order", "filler-order", "instance-order")

const (
	clinicalSystem     = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	verificationSystem = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
)

func codeSet(codes ...string) map[string]bool {
	m := map[string]bool{}
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// factAcc gathers what the records say about one yes/no fact.
type factAcc struct {
	active []Source // active, confirmed conditions: the fact is true
	open   []Source // other active records of it: the fact is at least unknown
	votes  []vote   // observation answers
}

// vote is one observation's answer.
type vote struct {
	yes      bool
	dated    bool
	date     time.Time // the last day the observation may mean
	earliest time.Time // the first day it may mean: a "no" ages from it
	validFor int       // noValidDays of its table, 0 for no limit
	stands   bool      // yesStands of its table: a yes no later no outweighs
	source   Source
}

// treatmentAcc gathers cancer treatment records and their ends.
type treatmentAcc struct {
	treated    []Source // treatment records: everTreated is true
	ends       []dated  // known ends of treatments, and abatements of resolved cancers
	endUnknown []Source // treatments whose end no date tells
}

type dated struct {
	day    time.Time
	source Source
}

func (r *reader) read(f found) {
	path, res := f.path, f.res
	switch res.ResourceType {
	case "Condition":
		r.readCondition(path, res)
	case "Observation":
		r.readObservation(path, res)
	case "Procedure":
		r.checkStatus(path+".status", res.Status, procedureStatus, true)
		r.checkSubject(path+".subject", res.Subject)
		r.readTreatment(path, res, res.Code, res.PerformedDateTime, res.PerformedPeriod, "performed")
	case "MedicationStatement":
		r.checkStatus(path+".status", res.Status, medicationStatus, true)
		r.checkSubject(path+".subject", res.Subject)
		r.readTreatment(path, res, r.medicine(path, res), res.EffectiveDateTime, res.EffectivePeriod, "effective")
	case "MedicationAdministration":
		r.checkStatus(path+".status", res.Status, administrationStatus, true)
		r.checkSubject(path+".subject", res.Subject)
		r.readTreatment(path, res, r.medicine(path, res), res.EffectiveDateTime, res.EffectivePeriod, "effective")
	case "MedicationRequest":
		r.checkStatus(path+".status", res.Status, requestStatus, true)
		r.checkStatus(path+".intent", res.Intent, requestIntent, true)
		r.checkSubject(path+".subject", res.Subject)
		if !orderIntents[res.Intent] {
			return // a proposal, plan or option: nothing was given
		}
		// The end of an ordered treatment is the end of the order's
		// validity; authoredOn is its start, not its end, so without a
		// validity period the end is unknown (and asked).
		var period *Period
		if res.DispenseRequest != nil {
			period = res.DispenseRequest.ValidityPeriod
		}
		r.readTreatment(path, res, r.medicine(path, res), "", period, "dispenseRequest.validity")
	}
}

// medicine returns the codes of the medicine a medication record names:
// its medicationCodeableConcept, or the code and ingredient codes of the
// Medication its medicationReference names (contained in the record, an
// entry of the input by fullUrl or by type and id, or fetched with
// Options.Fetch). It returns nil when the Medication cannot be found.
func (r *reader) medicine(path string, res *resource) *CodeableConcept {
	if res.MedicationCodeableConcept != nil || res.MedicationReference == nil {
		return res.MedicationCodeableConcept
	}
	ref := res.MedicationReference.Reference
	var med *resource
	switch {
	case strings.HasPrefix(ref, "#"):
		for i, raw := range res.Contained {
			c, ok, bad := decodeResource(fmt.Sprintf("%s.contained[%d]", path, i), raw)
			if bad != nil {
				r.errs = append(r.errs, bad)
				return nil
			}
			if ok && c.ResourceType == "Medication" && c.ID == ref[1:] {
				med = c
				break
			}
		}
	case r.byURL[ref].res != nil:
		med = r.byURL[ref].res
	default:
		if f := r.byURL[relativeRef(ref)]; f.res != nil {
			med = f.res
		} else if r.opts.Fetch != nil && strings.HasPrefix(relativeRef(ref), "Medication/") {
			if raw, err := r.opts.Fetch(ref); err == nil {
				if c, ok, bad := decodeResource(path+".medicationReference", raw); bad == nil && ok && c.ResourceType == "Medication" {
					med = c
				}
			}
		}
	}
	if med == nil || med.ResourceType != "Medication" {
		return nil
	}
	cc := &CodeableConcept{Text: res.MedicationReference.Display}
	if med.Code != nil {
		cc.Coding = append(cc.Coding, med.Code.Coding...)
		cc.Text = cmp.Or(med.Code.Text, cc.Text)
	}
	for _, in := range med.Ingredient {
		if in.ItemCodeableConcept != nil {
			cc.Coding = append(cc.Coding, in.ItemCodeableConcept.Coding...)
		}
	}
	return cc
}

// relativeRef returns Type/id of a reference, absolute or relative, without
// its version.
func relativeRef(ref string) string {
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	parts := strings.Split(ref, "/")
	if len(parts) < 2 {
		return ref
	}
	return parts[len(parts)-2] + "/" + parts[len(parts)-1]
}

func (r *reader) checkStatus(path, status string, allowed map[string]bool, required bool) {
	switch {
	case status == "" && required:
		r.fail(path, "missing: FHIR R4 requires a status")
	case status != "" && !allowed[status]:
		r.fail(path, "%q is not a FHIR R4 status code here; want one of %v", status, slices.Sorted(mapsKeys(allowed)))
	}
}

// statusCode returns the code of the status concept in system, checking it.
func (r *reader) statusCode(path string, cc *CodeableConcept, system string, allowed map[string]bool) string {
	if cc == nil {
		return ""
	}
	for i, c := range cc.Coding {
		if c.System != system {
			continue
		}
		if !allowed[c.Code] {
			r.fail(path+".coding["+itoa(i)+"].code", "%q is not a code of %s; want one of %v", c.Code, system, slices.Sorted(mapsKeys(allowed)))
			return ""
		}
		return c.Code
	}
	return ""
}

func (r *reader) readCondition(path string, c *resource) {
	clinical := r.statusCode(path+".clinicalStatus", c.ClinicalStatus, clinicalSystem, conditionClinical)
	verification := r.statusCode(path+".verificationStatus", c.VerificationStatus, verificationSystem, conditionVerification)
	r.checkSubject(path+".subject", c.Subject)
	if verification == "refuted" || verification == "entered-in-error" {
		return // never a fact
	}
	active := clinical == "active" || clinical == "recurrence" || clinical == "relapse"
	ref := refOf("Condition", c.ID, path)
	matches := r.match("Condition", c.Code)
	for _, m := range matches {
		if m.table.fact == "" {
			continue // a reviewed code: not a contraindication
		}
		m.source.Reference = ref
		switch {
		case active && verification == "confirmed" && !m.ask:
			a := r.fact(m.table.fact)
			a.active = append(a.active, m.source)
		case active:
			// Provisional, differential, unconfirmed, not said, or a code
			// the tables leave to ask: a record outranks a "no".
			a := r.fact(m.table.fact)
			a.open = append(a.open, m.source)
		case verification == "confirmed" && !m.ask && m.table.fact == "oncology.active" &&
			(clinical == "resolved" || clinical == "remission" || clinical == "inactive"):
			// A cancer that is over still dates its treatment: its end is
			// no earlier than the abatement.
			r.readAbatement(path, c, m.source)
		}
	}
	if active && len(matches) == 0 {
		r.unreviewedRecord(ref, c.Code, nil)
	}
}

// unreviewedRecord lists an active record whose code no set of the tables
// holds: nobody has said whether it is a contraindication.
func (r *reader) unreviewedRecord(ref string, cc *CodeableConcept, med *Reference) {
	u := UnreviewedRecord{Reference: ref}
	switch {
	case cc != nil:
		u.Coding, u.Text = cc.Coding, cc.Text
	case med != nil:
		u.Text = "medication " + med.Reference + " not found"
		if med.Display != "" {
			u.Text += " (" + med.Display + ")"
		}
	}
	r.unreviewed = append(r.unreviewed, u)
}

func (r *reader) readAbatement(path string, c *resource, src Source) {
	s, at := c.AbatementDateTime, path+".abatementDateTime"
	if s == "" && c.AbatementPeriod != nil {
		s, at = c.AbatementPeriod.End, path+".abatementPeriod.end"
	}
	if s == "" {
		return
	}
	d, err := parseFHIRDate(s)
	if err != nil {
		r.fail(at, "%v", err)
		return
	}
	r.treatment.ends = append(r.treatment.ends, dated{d.last, src})
}

func (r *reader) readObservation(path string, o *resource) {
	r.checkStatus(path+".status", o.Status, observationStatus, true)
	r.checkSubject(path+".subject", o.Subject)
	switch o.Status {
	case "final", "amended", "corrected":
	default:
		return // not a result anyone stands by
	}
	when, at := o.EffectiveDateTime, path+".effectiveDateTime"
	if when == "" && o.EffectiveInstant != "" {
		when, at = o.EffectiveInstant, path+".effectiveInstant"
	}
	if when == "" && o.EffectivePeriod != nil {
		when, at = o.EffectivePeriod.End, path+".effectivePeriod.end"
		if when == "" {
			when, at = o.EffectivePeriod.Start, path+".effectivePeriod.start"
		}
	}
	var date fhirDate
	if when != "" {
		var err error
		if date, err = parseFHIRDate(when); err != nil {
			r.fail(at, "%v", err)
			return
		}
	}
	ref := refOf("Observation", o.ID, path)
	for _, m := range r.match("Observation", o.Code) {
		yes, ok := r.answer(m.table, o)
		if !ok {
			continue // an answer the table does not list (e.g. "unknown")
		}
		m.source.Reference = ref
		a := r.fact(m.table.fact)
		a.votes = append(a.votes, vote{yes: yes, dated: when != "", date: date.last, earliest: date.first, validFor: m.table.noValidDays, stands: m.table.yesStands, source: m.source})
	}
}

// answer reads an observation's value as yes or no by its table.
func (r *reader) answer(tb *table, o *resource) (yes, ok bool) {
	if o.ValueBoolean != nil && tb.boolean {
		return *o.ValueBoolean, true
	}
	if o.ValueCodeableConcept == nil {
		return false, false
	}
	for _, c := range o.ValueCodeableConcept.Coding {
		k := key{c.System, c.Code}
		if _, in := tb.yes[k]; in {
			return true, true
		}
	}
	for _, c := range o.ValueCodeableConcept.Coding {
		k := key{c.System, c.Code}
		if _, in := tb.no[k]; in {
			return false, true
		}
	}
	return false, false
}

// readTreatment reads a Procedure or MedicationStatement of a cancer
// treatment.
func (r *reader) readTreatment(path string, res *resource, code *CodeableConcept, when string, period *Period, elem string) {
	typ, id, status := res.ResourceType, res.ID, res.Status
	lookup := typ
	if medicationRecords[typ] {
		lookup = "MedicationStatement"
	}
	matches := r.match(lookup, code)
	st, happened := treatmentStatus[typ][status]
	if typ != "Procedure" && st.ongoing && len(matches) == 0 {
		r.unreviewedRecord(refOf(typ, id, path), code, res.MedicationReference)
	}
	if !happened {
		return // not done, not taken, planned, entered in error, or unknown
	}
	ongoing := st.ongoing
	for _, m := range matches {
		if m.table.fact == "" {
			continue // a reviewed medicine: not a cancer treatment
		}
		m.source.Reference = refOf(typ, id, path)
		r.treatment.treated = append(r.treatment.treated, m.source)
		s, at := when, path+"."+elem+"DateTime"
		if s == "" && period != nil {
			s, at = period.End, path+"."+elem+"Period.end"
		}
		var end time.Time
		if s != "" {
			d, err := parseFHIRDate(s)
			if err != nil {
				r.fail(at, "%v", err)
				return
			}
			end = d.last
		}
		if ongoing && end.Before(r.asOf) {
			end = r.asOf // still going on: it ends today at the earliest
		}
		if end.IsZero() {
			r.treatment.endUnknown = append(r.treatment.endUnknown, m.source)
			continue
		}
		r.treatment.ends = append(r.treatment.ends, dated{end, m.source})
	}
}
