package fhir

import (
	"fmt"
	"strconv"

	"github.com/reocell/celltherapy/procedure"
)

const snomed = "http://snomed.info/sct"

// routeCodes are the SNOMED CT codes of the routes of clinic procedure, 05
// ("Route of administration value" hierarchy, the codes of R4's
// route-codes value set). "local" (into the affected area) has no one
// code: it is exported as text only, until the medical board chooses a
// code for each local route the clinic uses.
var routeCodes = map[string]Coding{
	"intravenous":     {System: snomed, Code: "47625008", Display: "Intravenous route"},
	"intra-articular": {System: snomed, Code: "12130007", Display: "Intra-articular route"},
	"intrathecal":     {System: snomed, Code: "72607000", Display: "Intrathecal route"},
	"subcutaneous":    {System: snomed, Code: "34206005", Display: "Subcutaneous route"},
}

// routeConcept returns the route as a CodeableConcept: the SNOMED CT code
// when there is one, and the clinic's word.
func routeConcept(route string) CodeableConcept {
	if c, ok := routeCodes[route]; ok {
		return CodeableConcept{Coding: []Coding{c}, Text: route}
	}
	return CodeableConcept{Text: route}
}

// ucumCells is a count of cells in UCUM: the annotation {cells} of unity.
func ucumCells(n float64) *Quantity {
	return &Quantity{Value: n, Unit: "cells", System: "http://unitsofmeasure.org", Code: "{cells}"}
}

// build adds every resource of the case to x.entries, in a fixed order.
func (x *exporter) build() {
	s, c := x.s, x.c
	x.patient = x.add(x.id("Patient", 1), Patient{ResourceType: "Patient", ID: x.id("Patient", 1),
		Identifier: []Identifier{{System: x.opts.PatientSystem, Value: c.Patient}},
		// The case keeps no name: the clinic's records hold it.
		Name:   []HumanName{{Extension: []Extension{{URL: DataAbsentReason, ValueCode: "masked"}}}},
		Gender: "unknown"})
	if c.Plan != nil {
		x.carePlan = "urn:uuid:" + x.id("CarePlan", s.planVersion)
		x.order = "urn:uuid:" + x.id("ServiceRequest", s.planVersion)
		x.consent = "urn:uuid:" + x.id("Consent", s.planVersion)
	}
	x.addAppointment()
	if c.Plan != nil {
		x.addCarePlan()
		x.addOrder()
		x.addConsent()
	}
	x.addProducts()
	for _, col := range s.collections {
		x.addCollection(col)
	}
	for _, a := range c.Administrations {
		x.addAdministration(a)
	}
	x.addTasks()
}

func (x *exporter) addAppointment() {
	a := x.c.Appointment
	if a == nil {
		return
	}
	id := x.id("Appointment", x.s.bookedVersion)
	x.appointment = x.add(id, Appointment{
		ResourceType: "Appointment", ID: id, Status: appointmentStatus(x.c),
		ReasonCode:  []CodeableConcept{{Text: a.Reason}},
		Description: "Initial consultation: " + a.Reason,
		Start:       instant(a.Slot), End: instant(a.Slot.Add(x.opts.SlotLength)),
		Created: instant(x.s.bookedAt),
		Participant: []AppointmentParticipant{
			{Actor: &Reference{Reference: x.patient}, Status: "accepted"},
			{Actor: &Reference{Display: a.Specialist}, Status: "accepted"},
		},
	})
}

// planText says the plan in a line: type, procedures, route, site, dose.
func planText(p *procedure.Plan) string {
	t := fmt.Sprintf("%s MSC therapy: %d procedure(s), %s", p.Therapy, p.Procedures, p.Route)
	if p.Site != "" {
		t += " into the " + p.Site
	}
	t += fmt.Sprintf(", %s cells each", strconv.FormatFloat(p.Cells, 'f', -1, 64))
	if p.IntervalDays > 0 {
		t += fmt.Sprintf(", %d days apart", p.IntervalDays)
	}
	return t
}

func (x *exporter) addCarePlan() {
	p := x.c.Plan
	var quorum []Reference
	for _, m := range p.Quorum {
		quorum = append(quorum, Reference{Display: m})
	}
	id := x.id("CarePlan", x.s.planVersion)
	x.add(id, CarePlan{
		ResourceType: "CarePlan", ID: id, Status: planStatus(x.c), Intent: "plan",
		Title: "Individual MSC therapy plan", Description: planText(p),
		Subject: ref(x.patient), Period: &Period{Start: instant(x.s.planAt)}, Created: instant(x.s.planAt),
		Author: &Reference{Display: "medical board"}, Contributor: quorum,
		SupportingInfo: []Reference{ref(x.consent)},
		Activity:       []CarePlanActivity{{Reference: &Reference{Reference: x.order}}},
	})
}

func (x *exporter) addOrder() {
	p := x.c.Plan
	timing := &Timing{Repeat: TimingRepeat{Count: p.Procedures}}
	if p.IntervalDays > 0 {
		timing.Repeat.Period, timing.Repeat.PeriodUnit = p.IntervalDays, "d"
	}
	var site []CodeableConcept
	if p.Site != "" {
		site = []CodeableConcept{{Text: p.Site}}
	}
	id := x.id("ServiceRequest", x.s.planVersion)
	x.add(id, ServiceRequest{
		ResourceType: "ServiceRequest", ID: id, BasedOn: []Reference{ref(x.carePlan)},
		Status: planStatus(x.c), Intent: "order",
		Code:        &CodeableConcept{Coding: []Coding{x.opts.OrderCode}, Text: p.Therapy + " MSC therapy"},
		OrderDetail: []CodeableConcept{routeConcept(p.Route)},
		Subject:     ref(x.patient), OccurrenceTiming: timing, AuthoredOn: instant(x.s.planAt),
		Requester: &Reference{Display: "medical board"}, SupportingInfo: []Reference{ref(x.consent)},
		BodySite: site, Note: []Annotation{{Text: planText(p)}},
	})
}

func (x *exporter) addConsent() {
	status := consentStatus(x.s)
	var prov *ConsentProvision
	switch {
	case x.s.consentAt.IsZero():
	case x.s.consentGiven:
		prov = &ConsentProvision{Type: "permit"}
	default:
		prov = &ConsentProvision{Type: "deny"}
	}
	if prov != nil {
		prov.Data = []ConsentDataItem{{Meaning: "related", Reference: ref(x.order)}}
	}
	at := x.s.consentAt
	if at.IsZero() {
		at = x.s.planAt
	}
	id := x.id("Consent", x.s.planVersion)
	x.add(id, Consent{
		ResourceType: "Consent", ID: id, Status: status,
		Scope:    CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/consentscope", Code: "treatment", Display: "Treatment"}}},
		Category: []CodeableConcept{{Coding: []Coding{{System: "http://loinc.org", Code: "59284-0", Display: "Patient Consent"}}}},
		Patient:  ref(x.patient), DateTime: instant(at), Performer: []Reference{ref(x.patient)},
		PolicyRule: &CodeableConcept{Text: "clinic procedure, 03: the patient's agreement to the individual plan, recorded by the doctor"},
		Provision:  prov,
	})
}
