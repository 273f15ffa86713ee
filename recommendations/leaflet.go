package recommendations

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

// WriteLeaflet writes the plan as a plain-text leaflet for the patient: the
// recommendations with their dates, the doctor's schedule of contacts, and
// what to do about side effects. Times are shown in the time zone of the
// administration. The leaflet's own words are in the locale of
// rules.WithLocale ("en" or "ru"; English for any other); the plan's texts
// come in the locale it was made in. A contact of an unconfirmed schedule is
// shown as proposed, for the doctor to confirm.
func WriteLeaflet(w io.Writer, plan *Plan, opts ...rules.Option) error {
	if plan.AdministeredAt == nil {
		return ErrNoAdministration
	}
	x := textsIn(ruleskit.NewSettings(opts...).Locale)
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	at := *plan.AdministeredAt

	p("%s\n\n", x.title)
	p(x.treatment+"\n", x.time(at), at.Format("-07:00"))
	if r := plan.Facts.Route; r != nil {
		p("%s%s\n", x.route, x.routeName(*r))
	}
	if s := plan.Facts.Site; s != nil {
		p("%s%s\n", x.site, *s)
	}

	p("\n%s\n\n", x.whatToDo)
	for _, it := range plan.Items {
		wrap(b, "- ", "  ", it.Text)
		when := fmt.Sprintf(x.fromOn, x.time(it.From))
		if it.Until != nil {
			when = fmt.Sprintf(x.fromUntil, x.time(it.From), x.time(*it.Until))
		}
		if it.Unconfirmed {
			when += " " + x.periodToConfirm
		}
		if it.Origin == FromDoctor {
			when += " " + x.doctorsOwn
		}
		wrap(b, "  ", "  ", when)
	}

	if len(plan.Schedule) > 0 {
		p("\n%s\n\n", x.staysInTouch)
		if slices.ContainsFunc(plan.Schedule, func(c Contact) bool { return c.Unconfirmed }) {
			wrap(b, "", "", x.proposedDates)
			p("\n")
		}
		for _, c := range plan.Schedule {
			line := x.day(c.Day.Time) + ": " + x.contactTitle(c) + ". " + c.Purpose
			if c.Unconfirmed {
				line += " " + x.toBeConfirmed
			}
			wrap(b, "- ", "  ", line)
		}
	}

	p("\n%s\n\n", x.unwell)
	advice := x.expected
	if u := plan.SideEffectsUntil; u != nil {
		advice += fmt.Sprintf(x.contactAfter, x.time(*u))
		if slices.Contains(plan.Unconfirmed, "params.sideEffectWindowHours") {
			advice += x.windowToConfirm
		}
	} else {
		advice += x.contactLonger
	}
	wrap(b, "", "", advice)
	p("\n%s\n", x.selfMedication)
	return b.Flush()
}

const leafletWidth = 72

// wrap writes text as lines of at most leafletWidth characters (words
// longer than that stand alone), the first line after first, the others
// after rest.
func wrap(b *bufio.Writer, first, rest, text string) {
	line := first
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > leafletWidth {
			b.WriteString(line + "\n")
			line, empty = rest, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	b.WriteString(line + "\n")
}
