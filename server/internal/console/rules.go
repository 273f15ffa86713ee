package console

import (
	"net/http"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// rulesetView is one ruleset in force as the rules page shows it: what it
// is, where it came from, its rules, and the board's checklist of the
// values it rests on that the medical board has not confirmed.
type rulesetView struct {
	rulebook.Ruleset
	Title       string
	Rules       []ruleLine
	Unconfirmed []rules.Unconfirmed
	// CodeTables marks the FHIR code tables, which the board approves like
	// a ruleset but which have no rules and no checklist.
	CodeTables bool
}

type ruleLine struct{ ID, Title string }

func (c *Console) rulesPage(w http.ResponseWriter, r *http.Request) {
	if c.cfg.Rules == nil || c.cfg.Rules.Current() == nil {
		c.errorPage(w, r, http.StatusNotFound, "No such page.")
		return
	}
	lang := string(c.lang(r))
	book := c.cfg.Rules.Current()
	var views []rulesetView
	for _, s := range book.Rulesets() {
		v := rulesetView{Ruleset: s}
		if rs := book.RulesOf(s.Kind); rs != nil {
			v.Title = rs.Title()
			for _, rule := range rs.Rules() {
				v.Rules = append(v.Rules, ruleLine{rule.ID(), rule.TitleIn(lang)})
			}
			v.Unconfirmed = rs.Unconfirmed()
		}
		views = append(views, v)
	}
	for _, s := range book.CodeTables() {
		views = append(views, rulesetView{Ruleset: s, CodeTables: true})
	}
	c.render(w, r, http.StatusOK, "rules.html", "Rules in force", views)
}
