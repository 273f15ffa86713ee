package rules

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Unconfirmed is a value of a ruleset that the clinic's medical board has
// not confirmed: a number or label the clinic's text does not give, taken
// from published work or from our reading. A rule file lists them under
// unconfirmed:, each naming the value and where it comes from:
//
//	unconfirmed:
//	  - value: params.cultureDays
//	    source: "Galipeau J, Sensebe L. Cell Stem Cell 2018;22(6):824-833"
//	    note: the laboratory's validated production time
//	  - value: rules.oncology.then.duration
//	    source: our reading; clinic procedure, 03 does not classify it
//
// A clinic confirms a value in its own copy of the rules by deleting its
// entry or setting confirmed: true on it.
type Unconfirmed struct {
	// Value names the value: params.NAME, or rules.ID.then.KEY for what a
	// rule's then: gives.
	Value string `json:"value"`
	// Source is where the value comes from, and Note what the board should
	// weigh.
	Source string `json:"source"`
	Note   string `json:"note,omitempty"`
	// Pos is the entry's position in its rule file.
	Pos Pos `json:"-"`
}

// Unconfirmed returns the ruleset's unconfirmed values in file order:
// entries of unconfirmed: without confirmed: true.
func (rs *Ruleset) Unconfirmed() []Unconfirmed { return slices.Clone(rs.unconfirmed) }

// isUnconfirmed reports whether value (params.NAME or rules.ID.then.KEY)
// is one of the ruleset's unconfirmed values (ruleskit.IsUnconfirmed).
func (rs *Ruleset) isUnconfirmed(value string) bool {
	return slices.ContainsFunc(rs.unconfirmed, func(u Unconfirmed) bool { return u.Value == value })
}

// unconfirmedIn returns the unconfirmed values that shaped a decision
// resting on results (ruleskit.UnconfirmedIn).
func (rs *Ruleset) unconfirmedIn(params []string, results []*result) []string {
	if len(rs.unconfirmed) == 0 {
		return nil
	}
	var small [32]bool
	used := rs.unconfirmedUsed(small[:0], params)
	for _, r := range results {
		markUnconfirmed(r.Rule, r.Status, used)
	}
	return rs.unconfirmedNames(used)
}

// unconfirmedAll is unconfirmedIn over every result of an evaluation
// (ruleskit.Evaluation.Unconfirmed).
func (rs *Ruleset) unconfirmedAll(params []string, results []result) []string {
	if len(rs.unconfirmed) == 0 {
		return nil
	}
	var small [32]bool
	used := rs.unconfirmedUsed(small[:0], params)
	for i := range results {
		markUnconfirmed(results[i].Rule, results[i].Status, used)
	}
	return rs.unconfirmedNames(used)
}

// unconfirmedUsed returns a flag for each unconfirmed value, in buf when it
// is large enough, set for the params the caller's Go code read.
func (rs *Ruleset) unconfirmedUsed(buf []bool, params []string) []bool {
	if len(rs.unconfirmed) > cap(buf) {
		buf = make([]bool, 0, len(rs.unconfirmed))
	}
	used := buf[:len(rs.unconfirmed)]
	for i, u := range rs.unconfirmed {
		name, ok := strings.CutPrefix(u.Value, "params.")
		used[i] = ok && slices.Contains(params, name)
	}
	return used
}

// markUnconfirmed flags the unconfirmed values a decided rule rests on: the
// params its condition read and, when it fired, what its then: gave.
func markUnconfirmed(r *Rule, status uint8, used []bool) {
	if status == statusUndetermined {
		return
	}
	for _, i := range r.unconfirmedWhen {
		used[i] = true
	}
	if status == statusFired {
		for _, i := range r.unconfirmedThen {
			used[i] = true
		}
	}
}

func (rs *Ruleset) unconfirmedNames(used []bool) []string {
	var out []string
	for i, u := range rs.unconfirmed {
		if used[i] {
			out = append(out, u.Value)
		}
	}
	return out
}

// indexUnconfirmed records, on each rule, which unconfirmed values its
// condition reads (params) and which its then: gives or reads, so that
// UnconfirmedIn costs no more than a pass over the results.
func (rs *Ruleset) indexUnconfirmed() {
	for _, r := range rs.rules {
		for i, u := range rs.unconfirmed {
			name, isParam := strings.CutPrefix(u.Value, "params.")
			if isParam && slices.Contains(r.when.params, name) {
				r.unconfirmedWhen = append(r.unconfirmedWhen, i)
			}
			then := false
			for _, prog := range r.thenProgs {
				then = then || (isParam && slices.Contains(prog.params, name))
			}
			for _, key := range r.ThenKeys() {
				then = then || u.Value == "rules."+r.id+".then."+key
			}
			if then {
				r.unconfirmedThen = append(r.unconfirmedThen, i)
			}
		}
	}
}

// parseUnconfirmed reads the unconfirmed: list of d into rs, checking that
// every entry names a param or a rule's then: value that exists, once.
func parseUnconfirmed(d *document, rs *Ruleset, errs *ErrorList) {
	list, _ := d.valueAt("/unconfirmed").([]any)
	written, _ := d.valueAt("/rules").([]any)
	seen := map[string]Pos{}
	for i, item := range list {
		ptr := "/unconfirmed/" + strconv.Itoa(i)
		m, _ := item.(map[string]any)
		u := Unconfirmed{Pos: d.at(ptr)}
		u.Value, _ = m["value"].(string)
		u.Source, _ = m["source"].(string)
		u.Note, _ = m["note"].(string)
		if u.Value == "" {
			continue // the schema check has reported it
		}
		if problem := rs.unconfirmedTarget(u.Value, written); problem != "" {
			errs.add(d.at(ptr+"/value"), CodeUnconfirmed, "%s", problem)
			continue
		}
		if first, dup := seen[u.Value]; dup {
			errs.add(d.at(ptr+"/value"), CodeUnconfirmed, "%s is already listed at line %d; list each value once", u.Value, first.Line)
			continue
		}
		seen[u.Value] = u.Pos
		if confirmed, _ := m["confirmed"].(bool); !confirmed {
			rs.unconfirmed = append(rs.unconfirmed, u)
		}
	}
	rs.indexUnconfirmed()
}

// unconfirmedTarget returns what is wrong with value as the name of a value
// of rs, whose rules as written are rules, or "" when it names one.
func (rs *Ruleset) unconfirmedTarget(value string, rules []any) string {
	if name, ok := strings.CutPrefix(value, "params."); ok {
		if _, found := rs.params[name]; !found {
			return fmt.Sprintf("%s names no param of the ruleset%s", value, didYouMean(name, slices.Sorted(maps.Keys(rs.params))))
		}
		return ""
	}
	rest, ok := strings.CutPrefix(value, "rules.")
	id, key, ok2 := strings.Cut(rest, ".then.")
	if !ok || !ok2 {
		return fmt.Sprintf("%s names no value: write params.NAME or rules.ID.then.KEY", value)
	}
	// The rules as written, so that a rule whose condition failed to
	// compile (reported already) is still found.
	var ids []string
	var then map[string]any
	found := false
	for _, item := range rules {
		m, _ := item.(map[string]any)
		rid, _ := m["id"].(string)
		ids = append(ids, rid)
		if rid == id {
			then, _ = m["then"].(map[string]any)
			found = true
		}
	}
	if !found {
		return fmt.Sprintf("%s names no rule of the ruleset: no rule %s%s", value, id, didYouMean(id, ids))
	}
	if _, ok := then[key]; !ok {
		keys := slices.Sorted(maps.Keys(then))
		return fmt.Sprintf("%s names nothing: rule %s has no then.%s%s", value, id, key, didYouMean(key, keys))
	}
	return ""
}
