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
