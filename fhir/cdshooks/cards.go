package cdshooks

import (
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/reocell/celltherapy/fhir"
)

// Card is a CDS Hooks card.
type Card struct {
	UUID            string        `json:"uuid"`
	Summary         string        `json:"summary"`
	Detail          string        `json:"detail,omitempty"`
	Indicator       string        `json:"indicator"`
	Source          Source        `json:"source"`
	OverrideReasons []fhir.Coding `json:"overrideReasons,omitempty"`
}

// Source is where a card's guidance comes from.
type Source struct {
	Label string       `json:"label"`
	URL   string       `json:"url,omitempty"`
	Topic *fhir.Coding `json:"topic,omitempty"`
}

// The card indicators.
const (
	Info     = "info"
	Warning  = "warning"
	Critical = "critical"
)

// overrideSystem is our code system of reasons to override a
// contraindication card.
const overrideSystem = "https://github.com/reocell/celltherapy/fhir/CodeSystem/msc-override-reason"

// topicSystem is our code system of card topics.
const topicSystem = "https://github.com/reocell/celltherapy/fhir/CodeSystem/msc-topic"

// OverrideReasons returns the reasons offered on every critical card. The
// slice is the caller's own.
func OverrideReasons() []fhir.Coding { return slices.Clone(overrideReasons) }

var overrideReasons = []fhir.Coding{
	{System: overrideSystem, Code: "record-wrong", Display: "The record is wrong or out of date"},
	{System: overrideSystem, Code: "board-reviewed", Display: "The medical board has reviewed this contraindication"},
	{System: overrideSystem, Code: "not-msc-therapy", Display: "This order is not for MSC therapy"},
}

// maxSummary is the specification's limit on a summary (under 140).
const maxSummary = 139

// cards turns a decision into cards: one critical card per
// contraindication, a warning with the questions when undetermined, an
// info card when eligible.
//
// Whatever the outcome, a card says which records the service could not
// read in full (unavailable), which records kept a fact from being ruled
// out (x.Open), and which active records no code table holds
// (x.Unreviewed): with such records the chart is never called clear, the
// info card becomes a warning that names them.
func (h *Handler) cards(d *decision, x *fhir.Extract, unavailable map[string]string) []Card {
	p := x.Provenance
	src := Source{
		Label: "MSC therapy screening: " + d.Ruleset.Name + " " + d.Ruleset.Version,
		Topic: &fhir.Coding{System: topicSystem, Code: "contraindication-screening", Display: "MSC therapy contraindication screening"},
	}
	term := ""
	if x.Terminology != "" {
		term = "\n\nTerminology: " + md(x.Terminology) + "."
	}
	footer := recordNotes(x, unavailable) + term + fmt.Sprintf("\n\nScreened as of %s with rules %s %s (%s) and FHIR code tables %s %s (%s).",
		d.AsOf, md(d.Ruleset.Name), md(d.Ruleset.Version), d.Ruleset.Digest, md(x.CodeTables.Name), md(x.CodeTables.Version), x.CodeTables.Digest)
	switch d.Outcome {
	case "ineligible":
		out := make([]Card, 0, len(d.Findings))
		for _, f := range d.Findings {
			var b strings.Builder
			fmt.Fprintf(&b, "**%s**\n\n%s\n\n", md(f.Title), md(f.Message))
			b.WriteString(evidenceTable(evidence(f.Evidence), p))
			switch {
			case f.RescreenFrom != "":
				fmt.Fprintf(&b, "\n\nScreening may be repeated from **%s**.", f.RescreenFrom)
			case f.Duration == "permanent":
				b.WriteString("\n\nThis contraindication is permanent: no re-screening date.")
			default:
				b.WriteString("\n\nRe-screen when the condition has passed; the rules give no date.")
			}
			b.WriteString(footer)
			out = append(out, Card{UUID: newUUID(), Indicator: Critical, Source: src, OverrideReasons: OverrideReasons(),
				Summary: summary("MSC therapy contraindicated: " + f.Title), Detail: b.String()})
		}
		return out
	case "undetermined":
		var b strings.Builder
		b.WriteString("The records do not settle every contraindication. Ask:\n\n")
		for _, m := range d.Missing {
			fmt.Fprintf(&b, "- %s (`%s`)\n", md(m.Question), m.Fact)
		}
		b.WriteString(knownFacts(p))
		b.WriteString(footer)
		return []Card{{UUID: newUUID(), Indicator: Warning, Source: src,
			Summary: summary(fmt.Sprintf("MSC therapy screening incomplete: %d question(s) to answer before therapy", len(d.Missing))), Detail: b.String()}}
	}
	if len(x.Unreviewed) > 0 {
		return []Card{{UUID: newUUID(), Indicator: Warning, Source: src,
			Summary: summary(fmt.Sprintf("MSC therapy screening: %d active record(s) the code tables do not know; review before therapy", len(x.Unreviewed))),
			Detail: "No contraindication was found, but the chart holds active records that no code table of the clinic speaks to, " +
				"neither as a contraindication nor as reviewed: a clinician must judge them." + knownFacts(p) + footer}}
	}
	return []Card{{UUID: newUUID(), Indicator: Info, Source: src,
		Summary: "No contraindication to MSC therapy found in the records",
		Detail:  "Every contraindication of the clinic's procedure is ruled out by the records." + knownFacts(p) + footer}}
}

// recordNotes lists the records not read in full, the records that kept a
// fact open and the unreviewed records.
func recordNotes(x *fhir.Extract, unavailable map[string]string) string {
	var b strings.Builder
	if len(unavailable) > 0 {
		b.WriteString("\n\n**Not read in full** (the facts these records could make true are left to ask):\n\n")
		for _, typ := range slices.Sorted(maps.Keys(unavailable)) {
			fmt.Fprintf(&b, "- %s: %s\n", typ, md(unavailable[typ]))
		}
	}
	if slices.ContainsFunc(slices.Collect(maps.Values(x.Open)), func(srcs []fhir.Source) bool {
		return slices.ContainsFunc(srcs, func(s fhir.Source) bool { return s.Coding.Code != "" })
	}) {
		b.WriteString("\n\n**Not ruled out** (a record that is not confirmed, or a code the tables leave to ask, outranks a no):\n\n")
		for _, f := range slices.Sorted(maps.Keys(x.Open)) {
			// The types not read in full are listed above.
			if recs := slices.DeleteFunc(x.Open.Sources(f), func(s fhir.Source) bool { return s.Coding.Code == "" }); len(recs) > 0 {
				fmt.Fprintf(&b, "- `%s`: %s\n", f, sources(recs))
			}
		}
	}
	if len(x.Unreviewed) > 0 {
		b.WriteString("\n\n**Unreviewed records** (active, in no code table):\n\n")
		for _, u := range x.Unreviewed {
			var codes []string
			for _, c := range u.Coding {
				codes = append(codes, md(c.Code)+" "+md(c.Display))
			}
			if len(codes) == 0 {
				codes = append(codes, md(u.Text))
			}
			fmt.Fprintf(&b, "- %s (%s)\n", md(u.Reference), strings.Join(codes, "; "))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// evidenceTable shows the facts a finding read and the records they came from.
func evidenceTable(ev []factValue, p fhir.Provenance) string {
	var b strings.Builder
	b.WriteString("| Fact | Value | From |\n| --- | --- | --- |\n")
	for _, fv := range ev {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", fv.fact, md(fv.value), sources(p.Sources(fv.fact)))
	}
	b.WriteString(unconfirmedNote(p))
	return strings.TrimRight(b.String(), "\n")
}

// knownFacts lists what the records settled, for warning and info cards.
func knownFacts(p fhir.Provenance) string {
	if len(p) == 0 {
		return "\n\nNo record in the chart speaks to a contraindication."
	}
	var b strings.Builder
	b.WriteString("\n\n| Fact | From |\n| --- | --- |\n")
	for _, f := range slices.Sorted(maps.Keys(p)) {
		fmt.Fprintf(&b, "| `%s` | %s |\n", f, sources(p.Sources(f)))
	}
	b.WriteString(unconfirmedNote(p))
	return strings.TrimRight(b.String(), "\n")
}

func sources(srcs []fhir.Source) string {
	if len(srcs) == 0 {
		return "not from a record"
	}
	parts := make([]string, len(srcs))
	for i, s := range srcs {
		mark := ""
		if s.Unconfirmed {
			mark = " †"
		}
		parts[i] = fmt.Sprintf("%s (%s %s)%s", md(s.Reference), md(s.Coding.Code), md(s.Coding.Display), mark)
	}
	return strings.Join(parts, "; ")
}

func unconfirmedNote(p fhir.Provenance) string {
	for _, srcs := range p {
		for _, s := range srcs {
			if s.Unconfirmed {
				return "\n† the code table entry is not yet confirmed by the clinic's medical board.\n"
			}
		}
	}
	return ""
}

// md escapes text from records and rules for GitHub Flavored Markdown.
func md(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '!':
			b.WriteByte('\\')
		case '\n', '\r':
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// summary keeps s under 140 characters, cutting at a word with an ellipsis.
func summary(s string) string {
	if utf8.RuneCountInString(s) <= maxSummary {
		return s
	}
	r := []rune(s)[:maxSummary-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > maxSummary/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}
