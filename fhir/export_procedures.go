package fhir

import (
	"strconv"

	"github.com/reocell/celltherapy/procedure"
)

// addProducts adds a BiologicallyDerivedProduct for each lot the history
// names: donor cells allocated, or the patient's own cells released.
func (x *exporter) addProducts() {
	x.lots = map[string]string{}
	for _, l := range x.s.lots {
		id := x.id("BiologicallyDerivedProduct", l.version)
		p := BiologicallyDerivedProduct{
			ResourceType: "BiologicallyDerivedProduct", ID: id,
			ProductCategory: "cells",
			Status:          productStatus(x.s, l),
			Quantity:        cellQuantity(l.cells),
		}
		if l.name != "" {
			p.Identifier = []Identifier{{System: x.opts.LotSystem, Value: l.name}}
		}
		if l.allogeneic {
			p.ProductCode = &CodeableConcept{Text: "Mesenchymal stem cells, allogeneic (donor)"}
			p.Collection = &BDPCollection{Source: &Reference{Display: "donor"}}
		} else {
			p.ProductCode = &CodeableConcept{Text: "Mesenchymal stem cells, autologous"}
			p.Collection = &BDPCollection{Source: &Reference{Reference: x.patient}, CollectedDateTime: instant(l.collected)}
		}
		if x.order != "" && l.version > x.s.planVersion {
			p.Request = []Reference{ref(x.order)}
		}
		full := x.add(id, p)
		if l.name != "" {
			x.lots[l.name] = full
		}
	}
}

// basedOn returns the order an event of version v was given under: the
// plan in force, when v is after it.
func (x *exporter) basedOn(v int) []Reference {
	if x.order == "" || v < x.s.planVersion {
		return nil
	}
	return []Reference{ref(x.order)}
}

// addCollection adds the Procedure of a biomaterial collection.
func (x *exporter) addCollection(col collection) {
	id := x.id("Procedure", col.version)
	x.add(id, Procedure{
		ResourceType: "Procedure", ID: id, BasedOn: x.basedOn(col.version), Status: "completed",
		Code:              CodeableConcept{Text: "Collection of biomaterial (" + col.source + ") for autologous MSC culture"},
		Subject:           ref(x.patient),
		PerformedDateTime: instant(col.at),
		Note:              []Annotation{{Text: "source: " + col.source}},
	})
}

// addAdministration adds the Procedure of one administration: when, the
// route (a SNOMED CT code where one exists) and site, the dose in cells
// and the lot given.
func (x *exporter) addAdministration(a procedure.Administration) {
	route := routeConcept(a.Route)
	var site []CodeableConcept
	if a.Site != "" {
		site = []CodeableConcept{{Text: a.Site}}
	}
	ext := []Extension{
		{URL: RouteExtension, ValueCodeableConcept: &route},
		{URL: DoseExtension, ValueQuantity: ucumCells(a.Cells)},
	}
	if u, ok := x.lots[a.Lot]; ok {
		// The lot given: R4's usedReference may not name a
		// BiologicallyDerivedProduct, R5's Procedure.used may.
		lot := ref(u)
		ext = append(ext, Extension{URL: UsedExtension, Extension: []Extension{{URL: "reference", ValueReference: &lot}}})
	}
	id := x.id("Procedure", a.Version)
	x.add(id, Procedure{
		ResourceType: "Procedure", ID: id,
		Extension: ext,
		BasedOn:   x.basedOn(a.Version), Status: "completed",
		Code: CodeableConcept{Coding: []Coding{x.opts.OrderCode},
			Text: "Administration of mesenchymal stem cells, procedure " + strconv.Itoa(a.Number)},
		Subject:           ref(x.patient),
		PerformedDateTime: instant(a.At),
		BodySite:          site,
		Note:              []Annotation{{Text: "lot " + a.Lot + ", " + strconv.FormatFloat(a.Cells, 'f', -1, 64) + " cells, " + a.Route}},
	})
}

// addTasks adds a Task for each stage of the procedure but closed, in the
// stage table's order.
func (x *exporter) addTasks() {
	for _, row := range procedure.StageTable() {
		if row.Stage == procedure.Closed {
			continue
		}
		status, reason := taskStatus(x.s, row.Stage)
		t := Task{
			ResourceType: "Task", ID: x.id("Task/"+string(row.Stage), 1), Status: status, Intent: "order",
			Code:        CodeableConcept{Coding: []Coding{{System: StageSystem, Code: string(row.Stage), Display: row.Title}}},
			Description: row.Title + " (" + row.Source + "): leaves when " + row.Leaves,
			For:         ref(x.patient), AuthoredOn: instant(x.c.OpenedAt),
			Focus: x.focus(row.Stage),
		}
		if reason != "" {
			t.StatusReason = &CodeableConcept{Text: reason}
		}
		if v, ok := x.s.visits[row.Stage]; ok {
			t.ExecutionPeriod = &Period{Start: instant(v.entered)}
			if v.hasLeft {
				t.ExecutionPeriod.End = instant(v.left)
			}
		}
		x.add(t.ID, t)
	}
}

// focus returns what the Task of a stage acts on, when it is exported.
func (x *exporter) focus(st procedure.Stage) *Reference {
	var url string
	switch st {
	case procedure.Booking, procedure.Consultation:
		url = x.appointment
	case procedure.BoardReview:
		url = x.carePlan
	case procedure.Consent:
		url = x.consent
	case procedure.Preparation, procedure.Administering:
		url = x.order
	}
	if url == "" {
		return nil
	}
	return &Reference{Reference: url}
}
