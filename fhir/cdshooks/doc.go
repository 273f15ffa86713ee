// Package cdshooks is a CDS Hooks 2.0 service that screens patients for
// contraindications to MSC therapy inside the EHR: discovery, a screening
// service on the patient-view, order-select and order-sign hooks, cards,
// and the feedback endpoint, behind the JWT authentication the
// specification requires of CDS clients.
//
// It is an http.Handler with its dependencies injected, for a server to
// mount at its root:
//
//	h, err := cdshooks.New(cdshooks.Config{
//		BaseURL:  "https://cds.clinic.example",
//		Screener: eligibility.NewDefaultScreener(),
//		Verifier: verifier, // cdshooks.NewVerifier(...)
//		Feedback: auditLog,
//	})
//	mux.Handle("/cds-services", h)
//	mux.Handle("/cds-services/", h)
package cdshooks
