// Package fhir reads eligibility facts from FHIR R4 records: a Bundle, or
// the prefetch of a CDS Hooks call (Patient, Condition, Observation,
// Procedure, MedicationStatement, MedicationRequest, MedicationAdministration
// and Medication resources, references resolved by fullUrl); and writes a
// case of the procedure as FHIR R4 resources (CaseBundle).
//
// Which codes say what is kept in code tables a clinician reviews: a value
// set per fact, of codes, ICD-10 ranges and prefixes and included FHIR
// ValueSet expansions (codes.yaml, embedded; see DefaultCodes,
// LoadCodesFile and LoadCodesFS), checked against their own JSON Schema;
// optionally a terminology server answers what they cannot hold
// (TerminologyClient). The mapping is safe by construction: a fact becomes
// true only from an active, confirmed record, false only from an explicit
// negative that no active record contradicts, and stays unknown without a
// record; refuted, entered-in-error and resolved records never make a fact
// true, and an active record no table knows is listed (Extract.Unreviewed). Each fact settled keeps the
// records it came from (Extract.Provenance), so that a decision's evidence
// can show them.
//
//	x, err := fhir.NewMapper(nil).FromBundle(data, fhir.Options{AsOf: today})
//	decision, err := eligibility.NewDefaultScreener().Screen(ctx, x.Facts)
//
// A case's history, as procedure.Cases.History returns it, becomes a Bundle
// of its Appointment, CarePlan, ServiceRequest, Consent, Procedures,
// BiologicallyDerivedProducts and a Task per stage, each with its R4 status:
//
//	bundle, err := fhir.CaseBundle(events, fhir.ExportOptions{})
package fhir
