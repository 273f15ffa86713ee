// Package recommendations makes what follows an administration of the cell
// product: the aftercare plan (the clinic's six general guidelines, each with
// its window measured from the administration, plus the doctor's individual
// recommendations), the monitoring schedule (the contacts the doctor makes in
// the months the therapeutic effect takes to develop), and side-effect triage
// (is a symptom the patient reports expected, or should they contact the
// clinic?).
//
// Plans and triage answers come from YAML rule files (see docs/design.md); the
// defaults, aftercare.yaml and triage.yaml, are embedded. Most users need one
// call:
//
//	plan, err := recommendations.NewDefaultPlanner().Plan(ctx, facts)
//
// and then plan.InForce(t), WriteICS or WriteLeaflet.
package recommendations
