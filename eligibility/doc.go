// Package eligibility screens a patient for the contraindications to
// mesenchymal stem cell therapy: any one present means the therapy must be
// declined (clinic procedure, 03). The rules are the embedded
// contraindications.yaml, or a clinic's own ruleset of decision eligibility.
//
//	decision, err := eligibility.NewDefaultScreener().Screen(ctx, facts)
//
// The decision is ineligible when any contraindication rule fired, whatever
// else is unknown; otherwise undetermined, with the facts to ask for, when
// unknown facts keep a rule open; otherwise eligible.
package eligibility
