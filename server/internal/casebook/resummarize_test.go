package casebook

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/sqlite"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// A case stored with a summary that lacks its findings (as the code before
// findings wrote it) gets its worklist entries when the book opens.
func TestOpenRecomputesStoredSummaries(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "cases.db")
	store, err := sqlite.Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	cases := procedure.NewCases(store, procedure.WithClock(storetest.Now))
	steps := storetest.WholeCase("c-1", true)[:18] // administered, then a severe adverse event
	steps = append(steps, storetest.Step{Role: procedure.Doctor, Command: `{"type": "record-adverse-event", "at": "2026-11-26T12:00:00Z", "description": "anaphylaxis", "severity": "severe"}`})
	if _, err := storetest.Drive(ctx, cases, "c-1", steps); err != nil {
		t.Fatal(err)
	}
	list, err := cases.List(ctx, procedure.CaseQuery{})
	if err != nil {
		t.Fatal(err)
	}
	old := list[0]
	old.Due = nil
	if ok, err := store.PutSummary(ctx, old); !ok || err != nil {
		t.Fatal(ok, err)
	}
	store.Close()

	book, err := Open(ctx, Options{SQLiteFile: file, Now: storetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	items, err := book.cases.Worklist(ctx, procedure.WorklistQuery{AsOf: time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC), Role: procedure.Board})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range items {
		found = found || it.What == procedure.DueSevereAdverse
	}
	if !found {
		t.Errorf("after opening, the board's worklist lacks the severe adverse event: %+v", items)
	}
}
