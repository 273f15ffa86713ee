package rules

import (
	"maps"
	"slices"
	"sync"
)

// localized is text for people by locale ("en", "de", ...), as rule files
// give titles, messages and questions (ruleskit.Text, in a kind's types).
// "en" is always there.
type localized map[string]string

// In returns the text in locale, falling back to English.
func (t localized) In(locale string) string {
	if s, ok := t[locale]; ok {
		return s
	}
	return t["en"]
}

// Ruleset is a loaded, compiled rule file. It is immutable and safe for
// concurrent use.
type Ruleset struct {
	name, version, title, description string
	kind                              *kindBase
	public                            Kind // the same kind, as the caller gave it
	file                              string
	digest                            string
	params                            map[string]any // plain data, for expressions and tools
	paramsTyped                       any            // the kind's P
	questions                         map[string]localized
	paramPos, questionPos             map[string]Pos // of their keys, for Analyze
	locales                           []string       // declared, "en" first
	unconfirmed                       []Unconfirmed  // not yet confirmed, file order
	rules                             []*Rule
	tests                             []*test
	vms                               sync.Pool // reused expr machines
	prepared                          sync.Map  // reflect.Type -> value, see Prepared
	budget                            int64     // of an evaluation's loops
	metered                           bool      // some rule has a loop
	meters                            meters    // of the evaluations under way
	conds                             []cond    // the rules' conditions, in order (see pack)
}

// Ref identifies a ruleset in a decision: its name, the clinic's version
// label and the digest of its source, which pins down the exact rules.
type Ref struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
}

// Name returns the ruleset's name (ruleset: in the file).
func (rs *Ruleset) Name() string { return rs.name }

// Version returns the clinic's version label.
func (rs *Ruleset) Version() string { return rs.version }

// Title returns the ruleset's title, or "" when it has none.
func (rs *Ruleset) Title() string { return rs.title }

// Description returns the ruleset's description, or "".
func (rs *Ruleset) Description() string { return rs.description }

// Kind returns the decision kind the ruleset serves.
func (rs *Ruleset) Kind() Kind { return rs.public }

// File returns the name of the file the ruleset was loaded from.
func (rs *Ruleset) File() string { return rs.file }

// Digest returns "sha256:" and the hex SHA-256 of the rule file's bytes.
func (rs *Ruleset) Digest() string { return rs.digest }

// Ref returns the ruleset's name, version and digest.
func (rs *Ruleset) Ref() Ref { return Ref{Name: rs.name, Version: rs.version, Digest: rs.digest} }

// Rules returns the rules in file order.
func (rs *Ruleset) Rules() []*Rule { return slices.Clone(rs.rules) }

// Rule returns the rule with the given id, or nil.
func (rs *Ruleset) Rule(id string) *Rule {
	for _, r := range rs.rules {
		if r.id == id {
			return r
		}
	}
	return nil
}

// Params returns a deep copy of all params as plain data (int, float64,
// string, bool, []any or map[string]any), for tools that show rules;
// domain code reads its typed params with ruleskit.ParamsOf. The value is
// the caller's own.
func (rs *Ruleset) Params() map[string]any { return clonePlain(rs.params).(map[string]any) }

// Question returns the question to ask, in locale, when fact is unknown, or
// "" when the ruleset has none for it.
func (rs *Ruleset) Question(fact, locale string) string { return rs.questions[fact].In(locale) }

// Rule is one rule of a ruleset.
type Rule struct {
	id, title, description, source string
	titles                         localized // title by locale; title is its English
	message                        localized
	pos, whenPos                   Pos
	when                           *program
	then                           map[string]any // literal values, plain data
	thenTyped                      any            // the kind's T
	thenExprs                      map[string]*program
	thenOrder                      []string   // keys of thenExprs, sorted
	thenProgs                      []*program // thenExprs in thenOrder
	reads                          factSet    // facts read by when and then
	// Indexes into the ruleset's unconfirmed values: those the condition
	// reads, and those then: gives or reads (see ruleskit.UnconfirmedIn).
	unconfirmedWhen, unconfirmedThen []int
	ruleset                          *Ruleset
}

// ID returns the rule's id, unique in its ruleset.
func (r *Rule) ID() string { return r.id }

// TitleIn returns the rule's title in locale, falling back to English: a
// rule's title: is a string, or a text by locale like message:.
func (r *Rule) TitleIn(locale string) string {
	if s := r.titles.In(locale); s != "" {
		return s
	}
	return r.title
}

// Message returns the rule's text for people in locale (English fallback).
func (r *Rule) Message(locale string) string { return r.message.In(locale) }

// Source returns where the rule comes from (the clinic text, a paper ...).
func (r *Rule) Source() string { return r.source }

// Pos returns the position of the rule in its file.
func (r *Rule) Pos() Pos { return r.pos }

// When returns the source of the rule's condition.
func (r *Rule) When() string { return r.when.src }

// Then returns the literal value of then.KEY as plain data, or for an
// expression its source, for tools that show rules; domain code reads its
// typed then: with KindOf.Then. ok is false when the rule has no such key.
// The value is the caller's own.
func (r *Rule) Then(key string) (v any, ok bool) {
	if p, ok := r.thenExprs[key]; ok {
		return p.src, true
	}
	v, ok = r.then[key]
	return clonePlain(v), ok
}

// ThenKeys returns the keys of the rule's then:, sorted.
func (r *Rule) ThenKeys() []string {
	keys := slices.Collect(maps.Keys(r.then))
	for k := range r.thenExprs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Set is the rulesets of one load, by name.
type Set struct {
	rulesets []*Ruleset // sorted by name
}

// Rulesets returns the rulesets sorted by name.
func (s *Set) Rulesets() []*Ruleset { return slices.Clone(s.rulesets) }

// Ruleset returns the ruleset with the given name, or nil.
func (s *Set) Ruleset(name string) *Ruleset {
	for _, rs := range s.rulesets {
		if rs.name == name {
			return rs
		}
	}
	return nil
}

// ForDecision returns the rulesets of a decision kind, sorted by name.
func (s *Set) ForDecision(kind string) []*Ruleset {
	var out []*Ruleset
	for _, rs := range s.rulesets {
		if rs.kind.name == kind {
			out = append(out, rs)
		}
	}
	return out
}
