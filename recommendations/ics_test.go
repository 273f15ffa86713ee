package recommendations_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/reocell/celltherapy/recommendations"
)

func planWithDoctorItem(t *testing.T) *recommendations.Plan {
	t.Helper()
	p := plan(t, `{"administeredAt":"2026-11-24T09:30:00+01:00","route":"intra-articular","site":"left knee"}`)
	err := p.Add(recommendations.Individual{
		ID:   "knee-brace",
		Text: "Wear the knee brace when walking; take it off at night, for sleep.\nAsk us, if unsure: \\ none.",
		For:  14 * 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestICSParsesBack writes the plan and reads it with a well-kept iCalendar
// library: every item and contact comes back with its times and text.
func TestICSParsesBack(t *testing.T) {
	p := planWithDoctorItem(t)
	var buf bytes.Buffer
	if err := recommendations.WriteICS(&buf, p); err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("ParseCalendar: %v", err)
	}
	events := cal.Events()
	if want := len(p.Items) + len(p.Schedule); len(events) != want {
		t.Fatalf("%d events, want %d", len(events), want)
	}
	uids := map[string]bool{}
	for i, e := range events {
		uid := e.GetProperty(ics.ComponentPropertyUniqueId).Value
		if uids[uid] {
			t.Errorf("UID %s twice", uid)
		}
		uids[uid] = true
		stamp, err := e.GetDtStampTime()
		if err != nil || !stamp.Equal(administered) {
			t.Errorf("event %d: DTSTAMP %v (%v), want the administration", i, stamp, err)
		}
		summary := e.GetProperty(ics.ComponentPropertySummary).Value
		desc := e.GetProperty(ics.ComponentPropertyDescription).Value
		if i >= len(p.Items) {
			c := p.Schedule[i-len(p.Items)]
			day, err := e.GetAllDayStartAt()
			if err != nil || day.Format(time.DateOnly) != c.Day.String() {
				t.Errorf("contact %s: start %v (%v), want %s", c.ID, day, err, c.Day)
			}
			if !strings.HasPrefix(unescape(desc), c.Purpose) {
				t.Errorf("contact %s: description %q, want %q first", c.ID, desc, c.Purpose)
			}
			if !c.Unconfirmed || !strings.Contains(summary, "to be confirmed") || !strings.Contains(unescape(desc), "your doctor will confirm it") {
				t.Errorf("contact %s of the unconfirmed default schedule: summary %q, description %q do not say the doctor will confirm it", c.ID, summary, desc)
			}
			continue
		}
		it := p.Items[i]
		if !strings.Contains(unescape(desc), it.Text) {
			t.Errorf("item %s: description %q lacks the text %q", it.ID, unescape(desc), it.Text)
		}
		if it.Until == nil {
			day, err := e.GetAllDayStartAt()
			if err != nil || day.Format(time.DateOnly) != "2026-11-24" || !strings.HasPrefix(summary, "From now on") {
				t.Errorf("open-ended item %s: all-day start %v (%v), summary %q", it.ID, day, err, summary)
			}
			continue
		}
		start, err1 := e.GetStartAt()
		end, err2 := e.GetEndAt()
		if err1 != nil || err2 != nil || !start.Equal(it.From) || !end.Equal(*it.Until) {
			t.Errorf("item %s: [%v, %v) (%v, %v), want [%v, %v)", it.ID, start, end, err1, err2, it.From, *it.Until)
		}
		if unescape(summary) != it.Title {
			t.Errorf("item %s: summary %q, want %q", it.ID, summary, it.Title)
		}
	}
}

// unescape undoes RFC 5545 TEXT escaping, which the library leaves in place.
func unescape(s string) string {
	return strings.NewReplacer(`\\`, `\`, `\;`, ";", `\,`, ",", `\n`, "\n", `\N`, "\n").Replace(s)
}

// TestICSLines checks the line format by hand: CRLF only, no line over 75
// octets, folds that do not split a character, and escaped TEXT.
func TestICSLines(t *testing.T) {
	p := planWithDoctorItem(t)
	p.Items[0].Text = strings.Repeat("Ünïcödé ", 30) // folds across multi-byte characters
	var buf bytes.Buffer
	if err := recommendations.WriteICS(&buf, p); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
		t.Error("does not end with END:VCALENDAR and CRLF")
	}
	if strings.Count(out, "\n") != strings.Count(out, "\r\n") || strings.Count(out, "\r") != strings.Count(out, "\r\n") {
		t.Error("a line break that is not CRLF")
	}
	var unfolded []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("fold splits a character: %q", line)
		}
		if strings.HasPrefix(line, " ") {
			unfolded[len(unfolded)-1] += line[1:]
			continue
		}
		unfolded = append(unfolded, line)
	}
	var desc string
	for _, l := range unfolded {
		if strings.HasPrefix(l, "DESCRIPTION:Wear the knee brace") {
			desc = l
		}
	}
	want := `DESCRIPTION:Wear the knee brace when walking\; take it off at night\, for sleep.\nAsk us\, if unsure: \\ none.\n\n(Your doctor's individual recommendation.)`
	if desc != want {
		t.Errorf("escaped description\n got %s\nwant %s", desc, want)
	}
	for _, prop := range []string{"VERSION:2.0", "PRODID:", "DTSTAMP:20261124T083000Z"} {
		if !strings.Contains(out, prop) {
			t.Errorf("no %s", prop)
		}
	}
}

func TestICSIsReproducible(t *testing.T) {
	var a, b bytes.Buffer
	if err := recommendations.WriteICS(&a, planWithDoctorItem(t)); err != nil {
		t.Fatal(err)
	}
	if err := recommendations.WriteICS(&b, planWithDoctorItem(t)); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("two writes of the same plan differ")
	}
}

func TestOutputNeedsAdministration(t *testing.T) {
	p := plan(t, `{}`)
	var buf bytes.Buffer
	if err := recommendations.WriteICS(&buf, p); err != recommendations.ErrNoAdministration {
		t.Errorf("WriteICS: %v, want ErrNoAdministration", err)
	}
	if err := recommendations.WriteLeaflet(&buf, p); err != recommendations.ErrNoAdministration {
		t.Errorf("WriteLeaflet: %v, want ErrNoAdministration", err)
	}
}
