// Package procedure carries one patient's case through the clinic's MSC
// therapy procedure: booking, the initial consultation, diagnostics, the
// medical board, the patient's agreement, preparing the cells,
// administration and follow-up (clinic procedure, 01 to 05).
//
// A case is its history of events; its state is the pure fold of those
// events (Fold). Commands are checked against the case by the rules of the
// procedure, which consult the decision packages (eligibility, therapy,
// recommendations) and keep each decision, its facts and its ruleset digest
// in the event. The stage table (StageTable) is the one description of the
// procedure; WriteDoc renders it as docs/procedure.md.
//
//	cases := procedure.NewCases(store) // a MemoryStore, or procedure/sqlite, procedure/postgres
//	cmd, err := procedure.DecodeCommand(body)
//	res, err := cases.Give(ctx, caseID, procedure.Actor{ID: "dr-7", Role: procedure.Doctor}, cmd)
//
// Refusals are typed: *InvalidError (ErrInvalid) names each bad field,
// *ForbiddenError (ErrForbidden) the role, *RefusedError (ErrRefused) the
// rule of the procedure; ErrNotFound and ErrConflict complete the set.
// Nothing is appended when a command is refused.
package procedure
