package recommendations

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// ErrNoAdministration is returned by WriteICS and WriteLeaflet for a plan
// whose moment of administration is unknown: nothing in it can be dated.
var ErrNoAdministration = errors.New("recommendations: the plan has no moment of administration (administeredAt)")

// WriteICS writes the plan and its monitoring schedule as an iCalendar file
// (RFC 5545) that calendar apps import: one event per item and per contact.
//
// An item with an end is a timed event over its window, in UTC. An item that
// applies until the doctor says otherwise is an all-day note on its first
// day (a calendar has no good way to show an event without an end). Contacts
// are all-day events on their day, since the clinic sets the hour. Every
// event is transparent: none blocks the patient's time.
//
// The output is reproducible: DTSTAMP is the moment of administration and
// each UID is derived from the plan (ruleset, facts) and the item's id, so
// that importing the file again updates the same events.
//
// The calendar's own words are in the locale of rules.WithLocale, as the
// leaflet's are. A contact of an unconfirmed schedule says its date is
// proposed, for the doctor to confirm.
func WriteICS(w io.Writer, plan *Plan, opts ...rules.Option) error {
	if plan.AdministeredAt == nil {
		return ErrNoAdministration
	}
	x := textsIn(ruleskit.NewSettings(opts...).Locale)
	at := *plan.AdministeredAt
	iw := &icsWriter{w: bufio.NewWriter(w)}
	stamp := icsTime(at)
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s", plan.Ruleset.Digest,
		at.UTC().Format(time.RFC3339Nano), deref(plan.Facts.Route), deref(plan.Facts.Site)))
	uid := func(id string) string { return id + "-" + hex.EncodeToString(sum[:8]) + "@celltherapy.reocell" }

	iw.line("BEGIN:VCALENDAR")
	iw.line("VERSION:2.0")
	iw.line("PRODID:-//ReoCell//celltherapy aftercare//EN")
	iw.line("CALSCALE:GREGORIAN")
	iw.line("METHOD:PUBLISH")
	iw.prop("X-WR-CALNAME", x.calendarName)
	for _, it := range plan.Items {
		iw.line("BEGIN:VEVENT")
		iw.line("UID:" + uid(it.ID))
		iw.line("DTSTAMP:" + stamp)
		desc := it.Text
		if it.Unconfirmed {
			desc += "\n\n" + x.periodToConfirm
		}
		if it.Origin == FromDoctor {
			desc += "\n\n" + x.doctorsOwn
		}
		if it.Until != nil {
			iw.line("DTSTART:" + icsTime(it.From))
			iw.line("DTEND:" + icsTime(*it.Until))
			iw.prop("SUMMARY", it.Title)
		} else {
			day := dayOf(it.From)
			iw.line("DTSTART;VALUE=DATE:" + day.Format("20060102"))
			iw.line("DTEND;VALUE=DATE:" + day.AddDate(0, 0, 1).Format("20060102"))
			iw.prop("SUMMARY", x.fromNowOn+it.Title)
			desc += "\n\n" + fmt.Sprintf(x.appliesFrom, x.time(it.From))
		}
		iw.prop("DESCRIPTION", desc)
		iw.line("CATEGORIES:AFTERCARE")
		iw.line("TRANSP:TRANSPARENT")
		iw.line("END:VEVENT")
	}
	for _, c := range plan.Schedule {
		iw.line("BEGIN:VEVENT")
		iw.line("UID:" + uid("contact-"+c.ID))
		iw.line("DTSTAMP:" + stamp)
		iw.line("DTSTART;VALUE=DATE:" + c.Day.Format("20060102"))
		iw.line("DTEND;VALUE=DATE:" + c.Day.AddDate(0, 0, 1).Format("20060102"))
		summary, desc := x.contactTitle(c), c.Purpose
		if c.Unconfirmed {
			summary += " " + x.toBeConfirmed
			desc += "\n\n" + x.proposedDayDetail
		}
		iw.prop("SUMMARY", summary)
		iw.prop("DESCRIPTION", desc)
		iw.line("CATEGORIES:FOLLOW-UP")
		iw.line("TRANSP:TRANSPARENT")
		iw.line("END:VEVENT")
	}
	iw.line("END:VCALENDAR")
	if iw.err != nil {
		return iw.err
	}
	return iw.w.Flush()
}

// dayOf returns the calendar day of t in t's own location, at midnight UTC.
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// icsTime formats t as an RFC 5545 DATE-TIME in UTC.
func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icsWriter writes content lines: CRLF line ends, folded at 75 octets
// without splitting a UTF-8 sequence. It keeps the first error.
type icsWriter struct {
	w   *bufio.Writer
	err error
}

const icsLineOctets = 75

func (iw *icsWriter) line(s string) {
	if iw.err != nil {
		return
	}
	limit := icsLineOctets
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		iw.write(s[:cut], "\r\n ")
		s = s[cut:]
		limit = icsLineOctets - 1 // the leading space of a continuation line counts
	}
	iw.write(s, "\r\n")
}

func (iw *icsWriter) write(parts ...string) {
	for _, p := range parts {
		if _, err := iw.w.WriteString(p); err != nil && iw.err == nil {
			iw.err = err
		}
	}
}

// prop writes a property whose value is TEXT, escaped.
func (iw *icsWriter) prop(name, text string) { iw.line(name + ":" + icsEscape(text)) }

var icsEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// icsEscape escapes TEXT (RFC 5545, 3.3.11): backslash, semicolon, comma and
// line breaks.
func icsEscape(s string) string { return icsEscaper.Replace(s) }
