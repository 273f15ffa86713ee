package console

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// findingKinds are the dues of the worklist that are findings and flags
// (what the board and the doctor must look at, not the stage's work),
// with their names in English and Russian.
var findingKinds = map[procedure.DueKind]label{
	procedure.DueContraindication: {"Contraindication found", "Найдено противопоказание"},
	procedure.DueSevereAdverse:    {"Severe adverse event", "Тяжёлое нежелательное явление"},
	procedure.DueCultureFailed:    {"Culture failed", "Неудачное культивирование"},
	procedure.DueMissedContact:    {"Missed contact", "Пропущенный контакт"},
	procedure.DueProductExpiring:  {"Product expiring", "Истекает срок годности продукта"},
	procedure.DueFlag:             {"Flagged side-effect report", "Отмеченное сообщение о побочном эффекте"},
}

// findingLine is one finding or flag of a case, as the case page shows it.
type findingLine struct {
	Kind     procedure.DueKind
	Names    label
	Who      []procedure.Role
	From, By time.Time
	Ref      string
	Referred bool // a finding the case has referred to the board
}

// Name is the finding's name in lang.
func (f findingLine) Name(lang Lang) string {
	if lang == "ru" {
		return f.Names.ru
	}
	return f.Names.en
}

// Where is what the finding is about in lang: an event, a contact, a lot.
func (f findingLine) Where(lang Lang) string {
	if rest, ok := strings.CutPrefix(f.Ref, "event "); ok {
		return tr(lang, "event") + " " + rest
	}
	return f.Ref
}

// HasDeadline reports whether the finding is due by a later instant than
// it was raised.
func (f findingLine) HasDeadline() bool { return f.By.After(f.From) }

// findingsOf lists the open findings and flags of case c from its summary
// s (one line per finding, with every role it is due to), then its
// findings already referred to the board.
func findingsOf(c *procedure.Case, s procedure.Summary) []findingLine {
	var out []findingLine
	for _, d := range s.Due {
		names, ok := findingKinds[d.What]
		if !ok {
			continue
		}
		i := slices.IndexFunc(out, func(f findingLine) bool { return f.Kind == d.What && strings.HasSuffix(f.Ref, d.Ref) })
		if i < 0 {
			ref := d.Ref
			if d.What == procedure.DueFlag {
				ref = "event " + ref // the report's event
			}
			out = append(out, findingLine{Kind: d.What, Names: names, From: d.From, By: d.By, Ref: ref})
			i = len(out) - 1
		}
		out[i].Who = append(out[i].Who, d.Who)
	}
	for _, f := range c.Findings {
		if !f.Referred {
			continue
		}
		kind := procedure.DueKind(f.Kind)
		names, ok := findingKinds[kind]
		if !ok {
			names = label{string(f.Kind), tr("ru", string(f.Kind))}
		}
		ref := "event " + strconv.Itoa(f.Version)
		out = append(out, findingLine{Kind: kind, Names: names, From: f.At, By: f.At, Ref: ref, Referred: true})
	}
	return out
}
