package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
	"github.com/reocell/celltherapy/rules/rulestest"
)

func (c *cli) doc(_ context.Context, args []string) int {
	fs := c.flags("doc", `Usage: celltherapy doc [--rules PATH] [--locale LANG]
       celltherapy doc procedure

celltherapy doc procedure prints the procedure's stage table instead: who
acts in each stage, when a case leaves it, a state diagram, the commands and
the rules that refuse them (docs/procedure.md).

Prints the rulesets as a Markdown document for the medical board: first, for
each ruleset, the values the board has not confirmed (its checklist), then
the ruleset's version and digest, its params, and each rule's condition,
outcome, message and source, with the questions asked for unknown facts.`)
	rulesPath := fs.String("rules", "", "rule file or directory to document instead of the default rules")
	locale := localeFlag(fs)
	if code, done := c.parse(fs, args); done {
		return code
	}
	switch {
	case fs.NArg() == 1 && fs.Arg(0) == "procedure":
		return c.docProcedure()
	case fs.NArg() > 0:
		c.errorf("doc takes no PATH (use --rules PATH), or the word procedure; run celltherapy doc --help")
		return exitBadUsed
	}
	pos := fs.Args()
	if len(pos) > 0 {
		c.errorf("doc takes no arguments (give rules with --rules PATH); run celltherapy doc --help")
		return exitBadUsed
	}
	set, ok := c.load(domains(), rulesFlag(*rulesPath)...)
	if !ok {
		return exitFailed
	}
	h := docWordsIn(*locale)
	writeChecklist(c.stdout, set, h)
	for _, rs := range set.Rulesets() {
		fmt.Fprintln(c.stdout)
		writeDoc(c.stdout, rs, *locale, h)
	}
	return exitOK
}

// docWords are the headings of the board's document in one language.
type docWords struct {
	checklist, checklistIntro, noneToConfirm string
	value, current, source, note, where      string
	params, param, rules, questions, fact    string
	question, when, then, message, defined   string
	unconfirmed, tests, entries, sourceLabel string // entries has a count
}

func docWordsIn(locale string) docWords {
	if locale == "ru" {
		return docWords{
			checklist:      "Значения, которые должен подтвердить медицинский совет",
			checklistIntro: "Текст клиники не даёт этих значений; правила используют их, пока совет их не подтвердит, и каждое решение называет те из них, на которых оно основано. Чтобы подтвердить значение, удалите его запись в unconfirmed: или добавьте к ней confirmed: true.",
			noneToConfirm:  "Все значения подтверждены.",
			value:          "значение", current: "сейчас", source: "источник", note: "примечание", where: "где",
			params: "Параметры", param: "параметр", rules: "Правила", questions: "Вопросы при неизвестных фактах",
			fact: "факт", question: "вопрос", when: "Когда", then: "Тогда", message: "Сообщение", defined: "Определено в",
			entries: "%d записей (см. «Параметры»)", sourceLabel: "Источник",
			unconfirmed: "не подтверждено", tests: "тест(ов) закрепляют эти правила; запустите `celltherapy test`, чтобы их проверить.",
		}
	}
	return docWords{
		checklist:      "Values the medical board must confirm",
		checklistIntro: "The clinic's text does not give these values; the rules use them until the board confirms them, and every decision names those it rests on. To confirm a value, delete its entry under unconfirmed: or add confirmed: true to it.",
		noneToConfirm:  "Every value is confirmed.",
		value:          "value", current: "now", source: "source", note: "note", where: "where",
		params: "Params", param: "param", rules: "Rules", questions: "Questions for unknown facts",
		fact: "fact", question: "question", when: "When", then: "Then", message: "Message", defined: "Defined at",
		entries: "%d entries (see Params)", sourceLabel: "Source",
		unconfirmed: "unconfirmed", tests: "test(s) pin these rules down; run `celltherapy test` to check them.",
	}
}

// writeChecklist lists every unconfirmed value of every ruleset, the
// board's checklist, before anything else.
func writeChecklist(w io.Writer, set *rules.Set, h docWords) {
	fmt.Fprintf(w, "# %s\n\n%s\n\n", h.checklist, h.checklistIntro)
	n := 0
	for _, rs := range set.Rulesets() {
		for _, u := range rs.Unconfirmed() {
			if n == 0 {
				fmt.Fprintf(w, "| ruleset | %s | %s | %s | %s | %s |\n| --- | --- | --- | --- | --- | --- |\n", h.value, h.current, h.source, h.note, h.where)
			}
			n++
			fmt.Fprintf(w, "| `%s` | `%s` | %s | %s | %s | %s |\n", rs.Name(), u.Value, cell(currentValue(rs, u.Value, h)), cell(u.Source), cell(u.Note), u.Pos)
		}
	}
	if n == 0 {
		fmt.Fprintln(w, h.noneToConfirm)
	}
}

// currentValue returns the value an unconfirmed entry names, as the rules
// hold it now.
func currentValue(rs *rules.Ruleset, value string, h docWords) string {
	if name, ok := strings.CutPrefix(value, "params."); ok {
		v, _ := rs.Params()[name]
		if list, ok := v.([]any); ok {
			return fmt.Sprintf(h.entries, len(list))
		}
		return plain(v)
	}
	id, key, _ := strings.Cut(strings.TrimPrefix(value, "rules."), ".then.")
	if r := rs.Rule(id); r != nil {
		v, _ := r.Then(key)
		return plain(v)
	}
	return ""
}

func writeDoc(w io.Writer, rs *rules.Ruleset, locale string, h docWords) {
	title := rs.Title()
	if title == "" {
		title = rs.Name()
	}
	mark := func(value string) string {
		if ruleskit.IsUnconfirmed(rs, value) {
			return " (" + h.unconfirmed + ")"
		}
		return ""
	}
	fmt.Fprintf(w, "# %s\n\n", title)
	fmt.Fprintf(w, "Ruleset `%s`, version %s, decision `%s`, from `%s`.  \nDigest `%s`.\n\n", rs.Name(), rs.Version(), rs.Kind().Name(), rs.File(), rs.Digest())
	if d := strings.TrimSpace(rs.Description()); d != "" {
		fmt.Fprintf(w, "%s\n\n", d)
	}
	writeParams(w, rs.Params(), h, mark)
	fmt.Fprintf(w, "## %s\n\n", h.rules)
	for _, r := range rs.Rules() {
		fmt.Fprintf(w, "### %s (`%s`)\n\n", r.TitleIn(locale), r.ID())
		fmt.Fprintf(w, "- %s: `%s`\n", h.when, strings.Join(strings.Fields(r.When()), " "))
		for _, k := range r.ThenKeys() {
			v, _ := r.Then(k)
			fmt.Fprintf(w, "- %s %s: `%s`%s\n", h.then, k, plain(v), mark("rules."+r.ID()+".then."+k))
		}
		fmt.Fprintf(w, "- %s: %s\n", h.message, r.Message(locale))
		if r.Source() != "" {
			fmt.Fprintf(w, "- %s: %s\n", h.sourceLabel, r.Source())
		}
		fmt.Fprintf(w, "- %s: %s\n\n", h.defined, r.Pos())
	}
	var qs []string
	for _, f := range ruleskit.Facts(rs.Kind()) {
		if q := rs.Question(f.Name, locale); q != "" {
			qs = append(qs, fmt.Sprintf("| `%s` | %s |", f.Name, q))
		}
	}
	if len(qs) > 0 {
		fmt.Fprintf(w, "## %s\n\n| %s | %s |\n| --- | --- |\n%s\n", h.questions, h.fact, h.question, strings.Join(qs, "\n"))
	}
	if n := len(rulestest.Tests(rs)); n > 0 {
		fmt.Fprintf(w, "\n%d %s\n", n, h.tests)
	}
}
