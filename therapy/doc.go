// Package therapy chooses between autologous and allogeneic mesenchymal stem
// cell therapy for a patient who has passed screening, with the biomaterial
// to collect, the routes of administration and the dose plan, from the rules
// of therapy.yaml (or a clinic's own rule file of decision: therapy).
//
//	facts, err := therapy.DecodeFacts(data)
//	decision, err := therapy.NewDefaultSelector().Select(ctx, facts)
//
// The decision's choice is only the rules' advice: the final choice is the
// doctor's and the patient's (clinic procedure, 04).
package therapy
