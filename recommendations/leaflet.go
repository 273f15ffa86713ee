package recommendations

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteLeaflet writes the plan as a plain-text leaflet for the patient: the
// recommendations with their dates, the doctor's schedule of contacts, and
// what to do about side effects. Times are shown in the time zone of the
// administration. The leaflet is in English.
func WriteLeaflet(w io.Writer, plan *Plan) error {
	if plan.AdministeredAt == nil {
		return ErrNoAdministration
	}
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	at := *plan.AdministeredAt

	p("AFTERCARE AFTER YOUR STEM CELL TREATMENT\n\n")
	p("Treatment:  %s (times are in this time zone: UTC%s)\n", leafletTime(at), at.Format("-07:00"))
	if r := plan.Facts.Route; r != nil {
		p("Route:      %s\n", *r)
	}
	if s := plan.Facts.Site; s != nil {
		p("Site:       %s\n", *s)
	}

	p("\nWHAT TO DO\n\n")
	for _, it := range plan.Items {
		wrap(b, "- ", "  ", it.Text)
		when := "From " + leafletTime(it.From)
		if it.Until != nil {
			when += " until " + leafletTime(*it.Until) + "."
		} else {
			when += " until your doctor says otherwise."
		}
		if it.Origin == FromDoctor {
			when += " (Your doctor's individual recommendation.)"
		}
		wrap(b, "  ", "  ", when)
	}

	if len(plan.Schedule) > 0 {
		p("\nYOUR DOCTOR STAYS IN TOUCH\n\n")
		for _, c := range plan.Schedule {
			wrap(b, "- ", "  ", c.Day.Format("Mon 2 Jan 2006")+": "+contactTitle(c)+". "+c.Purpose)
		}
	}

	p("\nIF YOU FEEL UNWELL\n\n")
	advice := "Fever, headache, nausea and pain at the injection site can occur after the " +
		"procedure. They usually pass within 24 hours and never last more than three days."
	if u := plan.SideEffectsUntil; u != nil {
		advice += " Contact the clinic if a symptom is still there after " + leafletTime(*u) +
			", or began after that, or if you have any other symptom."
	} else {
		advice += " Contact the clinic if a symptom lasts longer, or if you have any other symptom."
	}
	wrap(b, "", "", advice)
	p("\nSelf-medication can be harmful to your health.\n")
	return b.Flush()
}

// leafletTime formats an instant for people, in its own time zone.
func leafletTime(t time.Time) string { return t.Format("Mon 2 Jan 2006, 15:04") }

const leafletWidth = 72

// wrap writes text as lines of at most leafletWidth columns (words longer
// than that stand alone), the first line after first, the others after rest.
func wrap(b *bufio.Writer, first, rest, text string) {
	line := first
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len(line)+1+len(word) > leafletWidth {
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
