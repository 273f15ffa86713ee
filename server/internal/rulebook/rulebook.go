// Package rulebook holds the rules the reference server decides with: one
// ruleset per decision kind, from a rules directory or built in, swapped
// atomically when the directory changes and loads cleanly.
//
// A request takes the Book in force once (Shelf.Current) and decides with
// it, so every decision names the digest of the rules that made it.
package rulebook

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/rules"
)

// ErrUnknownKind is returned by Decide for a kind the server does not serve.
var ErrUnknownKind = errors.New("unknown decision kind")

// Ruleset describes one ruleset in force.
type Ruleset struct {
	Name     string    `json:"name"`
	Version  string    `json:"version"`
	Digest   string    `json:"digest"`
	Kind     string    `json:"kind"`
	Source   string    `json:"source"` // "built-in" or "directory"
	File     string    `json:"file"`
	LoadedAt time.Time `json:"loadedAt"`
	// Approval is the board's approval of the digest, when the server
	// checks approvals (nil when it has no board keys).
	Approval *Approval `json:"approval,omitempty"`
}

// Book is the rules in force: immutable, safe for concurrent use.
type Book struct {
	rulesets []Ruleset
	deciders map[string]decideFunc
	makers   Makers       // the decision makers of the rules in force (Shelf.Screener screens with makers.Screener)
	mapper   *fhir.Mapper // the FHIR code tables of the directory, or the built-in ones
	sets     map[string]*rules.Ruleset

	// codeTables describes the mapper's tables (one Ruleset of kind
	// CodeTablesKind), with their approval.
	codeTables []Ruleset
}

// Makers returns the book's decision makers, for the case routes.
func (b *Book) Makers() Makers { return b.makers }

// Kinds returns the decision kinds the server serves, in a fixed order.
func Kinds() []string {
	var out []string
	for _, d := range domains() {
		out = append(out, d.Name)
	}
	return out
}

// Rulesets returns the rulesets of the book, by kind in Kinds order.
func (b *Book) Rulesets() []Ruleset { return append([]Ruleset(nil), b.rulesets...) }

// RulesOf returns the ruleset in force for the decision kind, nil when
// the kind is not served: its rules, params, tests and unconfirmed values,
// for pages that show them.
func (b *Book) RulesOf(kind string) *rules.Ruleset { return b.sets[kind] }

// Decide makes the decision of kind for facts (JSON). Bad facts are a
// rules.FieldErrors naming each JSON path.
func (b *Book) Decide(ctx context.Context, kind string, facts []byte) (Decision, error) {
	decide, ok := b.deciders[kind]
	if !ok {
		return Decision{}, fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	return decide(ctx, facts)
}

// build makes a book from the built-in rules, overridden kind by kind by
// the rules loaded from a directory (dir nil: built-in only).
func build(builtin, dir *rules.Set, now time.Time) (*Book, error) {
	b := &Book{deciders: map[string]decideFunc{}, sets: map[string]*rules.Ruleset{}}
	var problems []string
	for _, d := range domains() {
		name := d.Name
		rs, source := (*rules.Ruleset)(nil), "built-in"
		if dir != nil {
			switch found := dir.ForDecision(name); len(found) {
			case 0:
			case 1:
				rs, source = found[0], "directory"
			default:
				files := make([]string, len(found))
				for i, r := range found {
					files[i] = r.File()
				}
				sort.Strings(files)
				problems = append(problems, fmt.Sprintf("%d %s rulesets (%s); keep one", len(found), name, strings.Join(files, ", ")))
				continue
			}
		}
		if rs == nil {
			found := builtin.ForDecision(name)
			if len(found) != 1 {
				return nil, fmt.Errorf("built-in rules: %d %s rulesets", len(found), name)
			}
			rs = found[0]
		}
		decide, err := d.Use(rs, &b.makers)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", rs.File(), err))
			continue
		}
		b.deciders[name] = decide
		b.sets[name] = rs
		b.rulesets = append(b.rulesets, Ruleset{Name: rs.Name(), Version: rs.Version(), Digest: rs.Digest(),
			Kind: name, Source: source, File: rs.File(), LoadedAt: now.UTC()})
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return b, nil
}
