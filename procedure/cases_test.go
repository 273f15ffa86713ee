package procedure_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/storetest"
)

// racingStore is a MemoryStore where another writer gets in first: before
// each of the first `races` appends it appends the given command's events
// itself, through a second case API on the same store.
type racingStore struct {
	*procedure.MemoryStore
	other   *procedure.Cases
	command string
	races   int
}

func (r *racingStore) Append(ctx context.Context, req procedure.AppendRequest) (procedure.AppendResult, error) {
	if r.races > 0 && req.ExpectedVersion > 0 {
		r.races--
		cmd, err := procedure.DecodeCommand([]byte(r.command))
		if err != nil {
			return procedure.AppendResult{}, err
		}
		if _, err := r.other.Give(ctx, req.CaseID, procedure.Actor{ID: "other", Role: procedure.Doctor}, cmd); err != nil {
			return procedure.AppendResult{}, err
		}
	}
	return r.MemoryStore.Append(ctx, req)
}

func TestConflictRetry(t *testing.T) {
	adverse := `{"type": "record-adverse-event", "at": "2026-12-04T10:00:00Z", "description": "d", "severity": "mild"}`
	withdraw := `{"type": "withdraw", "at": "2026-12-04T10:00:00Z", "reason": "moved away"}`
	tests := []struct {
		name            string
		retries, races  int
		racer           string
		wantRule        string
		wantConflict    bool
		wantAdverseEvts int
	}{
		{"no retries: the conflict is returned", 0, 1, adverse, "", true, 2},
		{"retried on the case as it now stands", 3, 2, adverse, "", false, 4},
		{"a bounded number of times", 2, 3, adverse, "", true, 4},
		{"the guard is checked again", 3, 1, withdraw, "command-stage", false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := procedure.NewMemoryStore()
			seed := procedure.NewCases(mem, procedure.WithClock(storetest.Now))
			if _, err := storetest.Drive(context.Background(), seed, "c", storetest.WholeCase("c", true)); err != nil {
				t.Fatal(err)
			}
			store := &racingStore{MemoryStore: mem, other: seed, command: tc.racer, races: tc.races}
			cases := procedure.NewCases(store, procedure.WithClock(storetest.Now), procedure.WithRetries(tc.retries))
			_, err := give(cases, procedure.Doctor, adverse)
			switch {
			case tc.wantConflict && !errors.Is(err, procedure.ErrConflict):
				t.Errorf("got %v, want ErrConflict", err)
			case tc.wantRule != "":
				checkRefusal(t, err, tc.wantRule, "", nil)
			case !tc.wantConflict && tc.wantRule == "" && err != nil:
				t.Errorf("got %v, want success", err)
			}
			c, _ := seed.Case(context.Background(), "c")
			if len(c.AdverseEvents) != tc.wantAdverseEvts {
				t.Errorf("%d adverse events recorded, want %d", len(c.AdverseEvents), tc.wantAdverseEvts)
			}
		})
	}
}

func TestWorklistDues(t *testing.T) {
	p := procedure.DefaultParams()
	day := func(s string) time.Time { d, _ := time.Parse(time.RFC3339, s); return d }
	tests := []struct {
		name string
		at   int
		want []procedure.Due
	}{
		{"booking", inBooking, []procedure.Due{{What: procedure.DueBooking, Who: procedure.Administrator, From: day("2026-11-02T09:00:00Z"), By: day("2026-11-04T09:00:00Z")}}},
		{"the appointment", inConsultation + 1, []procedure.Due{{What: procedure.DueConsultation, Who: procedure.Doctor, From: day("2026-11-05T00:00:00Z"), By: day("2026-11-05T10:00:00Z")}}},
		{"the board", inBoard, []procedure.Due{{What: procedure.DueBoardReview, Who: procedure.Board, From: day("2026-11-12T08:00:00Z"), By: day("2026-11-26T08:00:00Z")}}},
		{"a donor lot", inPreparation, []procedure.Due{{What: procedure.DueDonorLot, Who: procedure.Lab, From: day("2026-11-21T10:00:00Z"), By: day("2026-11-28T10:00:00Z")}}},
		{"a flagged report", flagged, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := caseAt(t, tc.at).Case(context.Background(), "c")
			if err != nil {
				t.Fatal(err)
			}
			got := procedure.Summarize(c, p).Due
			if tc.want == nil {
				for _, d := range got {
					if d.What == procedure.DueFlag && d.Ref == "26" {
						return
					}
				}
				t.Fatalf("dues %+v have no flagged report 26", got)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("dues %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i].What != tc.want[i].What || got[i].Who != tc.want[i].Who || !got[i].From.Equal(tc.want[i].From) || !got[i].By.Equal(tc.want[i].By) {
					t.Errorf("due %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestWorklistAsOf follows one case's administration due through time:
// not yet due, due, overdue, and gone once done.
func TestWorklistAsOf(t *testing.T) {
	cases := caseAt(t, administered)
	ctx := context.Background()
	at := func(s string) time.Time { d, _ := time.Parse(time.RFC3339, s); return d }
	find := func(asOf time.Time) *procedure.WorkItem {
		items, err := cases.Worklist(ctx, procedure.WorklistQuery{AsOf: asOf, Role: procedure.Doctor})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.What == procedure.DueAdministering {
				return &it
			}
		}
		return nil
	}
	if it := find(at("2026-12-01T12:00:00Z")); it != nil {
		t.Errorf("the second procedure is due before its interval: %+v", it)
	}
	if it := find(at("2026-12-02T08:00:00Z")); it == nil || it.Overdue {
		t.Errorf("on its day the second procedure is %+v, want due", it)
	}
	if it := find(at("2026-12-04T08:00:00Z")); it == nil || !it.Overdue {
		t.Errorf("two days later the second procedure is %+v, want overdue", it)
	}
}

func TestIdempotencyKeys(t *testing.T) {
	cases := caseAt(t, inBooking)
	book := `{"type": "book-appointment", "at": "2026-11-02T09:05:00Z", "key": "book-1", "reason": "r", "specialist": "s", "slot": "2026-11-05T10:00:00Z"}`
	first, err := give(cases, procedure.Administrator, book)
	if err != nil {
		t.Fatal(err)
	}
	// Sent again after it succeeded: the first result, though the case has
	// moved on and the command would now be refused.
	again, err := give(cases, procedure.Administrator, book)
	if err != nil || !again.Replayed || len(again.Events) != len(first.Events) || again.Events[0].Version != first.Events[0].Version {
		t.Fatalf("the same key again: %+v, %v", again, err)
	}
	h, _ := cases.History(context.Background(), "c")
	if len(h) != first.Case.Version {
		t.Errorf("history has %d events, want %d", len(h), first.Case.Version)
	}
	// The same command written another way (spaces, order, at in another
	// zone) is the same command.
	same := `{"key": "book-1", "slot": "2026-11-05T10:00:00Z", "at": "2026-11-02T10:05:00+01:00", "type": "book-appointment", "specialist": "s", "reason": "r"}`
	if again, err := give(cases, procedure.Administrator, same); err != nil || !again.Replayed {
		t.Fatalf("the same command written another way: %+v, %v", again, err)
	}
	// The key with another command, on this case or another, is refused
	// and appends nothing.
	for _, other := range []struct{ caseID, cmd string }{
		{"c", `{"type": "record-consultation", "at": "2026-11-05T10:10:00Z", "key": "book-1", "item": "history", "text": "t"}`},
		{"c", `{"type": "withdraw", "at": "2026-11-05T10:10:00Z", "key": "book-1"}`},
		{"c", strings.Replace(book, `"reason": "r"`, `"reason": "r2"`, 1)},
		{"d", `{"type": "open-case", "at": "2026-11-02T09:00:00Z", "caseId": "d", "patient": "p", "key": "book-1"}`},
	} {
		cmd, err := procedure.DecodeCommand([]byte(other.cmd))
		if err != nil {
			t.Fatal(err)
		}
		actor := procedure.Actor{ID: "a", Role: procedure.Administrator}
		if cmd.Head().Type == procedure.CmdRecordConsultation {
			actor.Role = procedure.Doctor
		}
		_, err = cases.Give(context.Background(), other.caseID, actor, cmd)
		var re *procedure.KeyReusedError
		if !errors.As(err, &re) || procedure.Code(err) != "idempotency-key-reused" {
			t.Errorf("%s with the key of another command: %v", cmd.Head().Type, err)
		}
	}
	if h, _ := cases.History(context.Background(), "c"); len(h) != first.Case.Version {
		t.Errorf("a reused key appended: %d events, want %d", len(h), first.Case.Version)
	}
	if _, err := cases.Case(context.Background(), "d"); !errors.Is(err, procedure.ErrNotFound) {
		t.Errorf("a reused key opened case d: %v", err)
	}
}

func TestWorklistQueryChecked(t *testing.T) {
	cases := caseAt(t, inBooking)
	for _, q := range []procedure.WorklistQuery{{}, {AsOf: storetest.Now(), Role: "janitor"}, {AsOf: storetest.Now(), Limit: -1}} {
		if _, err := cases.Worklist(context.Background(), q); !errors.Is(err, procedure.ErrInvalid) {
			t.Errorf("worklist %+v: %v, want ErrInvalid", q, err)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	cases := caseAt(t, inBooking)
	tests := []struct {
		role procedure.Role
		cmd  string
		code string
	}{
		{procedure.Administrator, `{"type": "book-appointment", "at": "2026-11-02T09:05:00Z"}`, "invalid"},
		{procedure.Nurse, `{"type": "cancel-case", "at": "2026-11-02T09:05:00Z", "reason": "r"}`, "forbidden"},
		{procedure.Doctor, `{"type": "agree", "at": "2026-11-02T09:05:00Z"}`, "refused"},
	}
	for _, tc := range tests {
		_, err := give(cases, tc.role, tc.cmd)
		if got := procedure.Code(err); got != tc.code {
			t.Errorf("%s: code %q (%v), want %q", tc.cmd, got, err, tc.code)
		}
	}
	_, err := cases.Case(context.Background(), "nope")
	if procedure.Code(err) != "not_found" || procedure.Code(procedure.ErrConflict) != "conflict" || procedure.Code(errors.New("disk on fire")) != "internal" {
		t.Errorf("codes of not found, conflict and other errors: %q %q %q", procedure.Code(err), procedure.Code(procedure.ErrConflict), procedure.Code(errors.New("x")))
	}
}

// TestRecordedByTheClock checks that events carry when they happened, as
// commands say, and when they were recorded, from the injected clock.
func TestRecordedByTheClock(t *testing.T) {
	recorded := time.Date(2026, 11, 2, 9, 0, 1, 123456789, time.UTC)
	cases := procedure.NewCases(procedure.NewMemoryStore(), procedure.WithClock(func() time.Time { return recorded }))
	res, err := give(cases, procedure.Administrator, `{"type": "open-case", "at": "2026-11-02T10:00:00+01:00", "caseId": "c", "patient": "p"}`)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Events[0]
	if !e.RecordedAt.Equal(recorded.Truncate(time.Microsecond)) || !e.At.Equal(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)) || e.At.Location() != time.UTC {
		t.Errorf("at %v, recorded %v; want the command's instant in UTC and the clock's to the microsecond", e.At, e.RecordedAt)
	}
}

// TestCommandsBuiltInGo checks commands a Go program builds: the type may
// be left out, but may not name another command; nil is no command.
func TestCommandsBuiltInGo(t *testing.T) {
	cases := caseAt(t, inBooking)
	ctx := context.Background()
	admin := procedure.Actor{ID: "a", Role: procedure.Administrator}
	at := time.Date(2026, 11, 2, 9, 5, 0, 0, time.UTC)
	book := &procedure.BookAppointment{Header: procedure.Header{At: at}, Reason: "r", Specialist: "s", Slot: at.Add(72 * time.Hour)}
	if res, err := cases.Give(ctx, "c", admin, book); err != nil || res.Case.Stage != procedure.Consultation {
		t.Fatalf("a booking without its type: %v", err)
	}
	wrong := &procedure.Agree{Header: procedure.Header{Type: procedure.CmdComplete, At: at}}
	_, err := cases.Give(ctx, "c", procedure.Actor{ID: "d", Role: procedure.Doctor}, wrong)
	checkRefusal(t, err, "", "$.type", nil)
	var none *procedure.Agree
	for _, cmd := range []procedure.Command{nil, none} {
		if _, err := cases.Give(ctx, "c", admin, cmd); !errors.Is(err, procedure.ErrInvalid) {
			t.Errorf("%T: %v, want ErrInvalid", cmd, err)
		}
	}
}
