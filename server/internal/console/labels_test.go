package console

import (
	"strings"
	"testing"

	"github.com/reocell/celltherapy/procedure"
)

// TestEveryFieldHasALabel walks every command of the procedure and every
// field its form has: each has a label in English and in Russian, and
// each value of its lists a Russian name, each command a title and a
// name in both; the table has no label that
// no form uses.
func TestEveryFieldHasALabel(t *testing.T) {
	used, usedOptions := map[string]bool{}, map[string]bool{}
	for _, info := range procedure.Commands() {
		if info.Title == "" || russianTitles[info.Type] == "" {
			t.Errorf("%s: no title in English or Russian", info.Type)
		}
		if tr("ru", string(info.Type)) == string(info.Type) {
			t.Errorf("%s: no Russian name", info.Type)
		}
		for _, f := range formFields(info.New()) {
			for _, o := range f.Options {
				usedOptions[o] = true
				if optionLabel("ru", o) == o {
					t.Errorf("%s: field %s: the value %q has no Russian name", info.Type, f.Name, o)
				}
			}
			key, _ := labelKey(f.Name)
			used[key] = true
			l, ok := fieldLabels[key]
			switch {
			case !ok:
				t.Errorf("%s: field %s has no label", info.Type, f.Name)
			case strings.TrimSpace(l.en) == "" || strings.TrimSpace(l.ru) == "":
				t.Errorf("%s: field %s lacks its English or Russian label: %+v", info.Type, f.Name, l)
			case l.ru == l.en:
				t.Errorf("%s: field %s: the Russian label is the English one", info.Type, f.Name)
			default:
				if got := f.Label("ru"); got == f.Name || !strings.HasPrefix(got, l.ru) {
					t.Errorf("%s: field %s labelled %q in Russian", info.Type, f.Name, got)
				}
				if got := f.Label("en"); !strings.HasPrefix(got, l.en) {
					t.Errorf("%s: field %s labelled %q in English", info.Type, f.Name, got)
				}
			}
		}
	}
	for key := range fieldLabels {
		if !used[key] {
			t.Errorf("label %q is of no field of any form", key)
		}
	}
	for o := range russianOptions {
		if !usedOptions[o] {
			t.Errorf("Russian name of %q, which is no form's value", o)
		}
	}
	for typ := range russianTitles {
		if !isCommand(typ) {
			t.Errorf("Russian title of %q, which is no command", typ)
		}
	}
}

func isCommand(typ procedure.CommandType) bool {
	for _, info := range procedure.Commands() {
		if info.Type == typ {
			return true
		}
	}
	return false
}

// TestListRowLabels: the rows of a list of structs are told apart.
func TestListRowLabels(t *testing.T) {
	f := Field{Name: "measures.1.kind"}
	if got := f.Label("en"); got != "Measure: kind (row 2)" {
		t.Errorf("en: %q", got)
	}
	if got := f.Label("ru"); got != "Обследование: вид (строка 2)" {
		t.Errorf("ru: %q", got)
	}
}

// TestEveryOutcomeIsTranslated walks every decision kind and each
// outcome its rules give: each has its Russian name, and the tables name
// no kind or outcome that does not exist. An outcome the table does not
// know shows as written.
func TestEveryOutcomeIsTranslated(t *testing.T) {
	known := map[string]map[string]bool{}
	for _, k := range procedure.DecisionKinds() {
		known[k.Name] = map[string]bool{}
		if s := kindLabel("ru", k.Name); s == k.Name || s == "" {
			t.Errorf("the kind %s has no Russian name", k.Name)
		}
		if kindLabel("en", k.Name) != k.Name {
			t.Errorf("the kind %s is not shown as written on an English page", k.Name)
		}
		outcomes := k.Kind().Outcomes()
		if len(outcomes) == 0 {
			t.Errorf("the kind %s declares no outcome", k.Name)
		}
		for _, o := range outcomes {
			known[k.Name][o] = true
			if s := outcomeLabel("ru", k.Name, o); s == o || s == "" {
				t.Errorf("%s: the outcome %s has no Russian name", k.Name, o)
			}
			if outcomeLabel("en", k.Name, o) != o {
				t.Errorf("%s: the outcome %s is not shown as written on an English page", k.Name, o)
			}
		}
	}
	for kind, outcomes := range russianOutcomes {
		if known[kind] == nil {
			t.Errorf("Russian outcomes of %q, which is no decision kind", kind)
		}
		for o := range outcomes {
			if !known[kind][o] {
				t.Errorf("%s: Russian name of %q, which is no outcome of the kind", kind, o)
			}
		}
	}
	for kind := range russianKinds {
		if known[kind] == nil {
			t.Errorf("Russian name of %q, which is no decision kind", kind)
		}
	}
	if got := outcomeLabel("ru", "eligibility", "deferred"); got != "deferred" {
		t.Errorf("an unknown outcome shows as %q", got)
	}
	if got := outcomeLabel("ru", "no-such-kind", "eligible"); got != "eligible" {
		t.Errorf("an outcome of an unknown kind shows as %q", got)
	}
}
