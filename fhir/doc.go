// Package fhir reads eligibility facts from FHIR R4 records: a Bundle, or
// the prefetch of a CDS Hooks call (Patient, Condition, Observation,
// Procedure and MedicationStatement resources).
//
// Which codes say what is kept in code tables a clinician reviews
// (codes.yaml, embedded; see DefaultCodes and LoadCodes), checked against
// their own JSON Schema. The mapping is safe by construction: a fact becomes
// true only from an active, confirmed record, false only from an explicit
// negative, and stays unknown without a record; refuted, entered-in-error
// and resolved records never make a fact true. Each fact settled keeps the
// records it came from (Extract.Provenance), so that a decision's evidence
// can show them.
//
//	x, err := fhir.NewMapper(nil).FromBundle(data, fhir.Options{AsOf: today})
//	decision, err := eligibility.NewDefaultScreener().Screen(ctx, x.Facts)
package fhir
