package ruleskit

import (
	"time"

	"github.com/reocell/celltherapy/rules"
)

// Header is what every decision starts with: its kind, outcome, the day it
// was made for, the ruleset that made it, what the rules found and what is
// missing. O is the kind's outcome type and F its finding type
// (rules.Finding, or a struct that embeds it). Domain decisions embed it,
// so the JSON of every decision begins the same way (see docs/design.md,
// "Decisions").
type Header[O ~string, F any] struct {
	Decision string              `json:"decision"`
	Outcome  O                   `json:"outcome"`
	AsOf     rules.Date          `json:"asOf"`
	Ruleset  rules.Ref           `json:"ruleset"`
	Findings []F                 `json:"findings"`
	Missing  []rules.MissingFact `json:"missing"`
	// Unconfirmed names the values not yet confirmed by the clinic's
	// medical board that shaped the decision (params.NAME,
	// rules.ID.then.KEY; see ruleskit.UnconfirmedIn), in the order of
	// the ruleset's list. A decision that rests on one is the rules'
	// proposal, to be confirmed by the doctor.
	Unconfirmed []string `json:"unconfirmed,omitempty"`
}

// NewHeader returns the header of a decision of rs's kind with outcome,
// made for the day asOf, with empty (not nil) findings and missing facts.
func NewHeader[O ~string, F any](rs *rules.Ruleset, outcome O, asOf rules.Date) Header[O, F] {
	return Header[O, F]{
		Decision: rs.Kind().Name(),
		Outcome:  outcome,
		AsOf:     asOf,
		Ruleset:  rs.Ref(),
		Findings: []F{},
		Missing:  []rules.MissingFact{},
	}
}

// Settings is what the options of a decision maker set (rules.WithClock,
// rules.WithLocale), with the defaults filled in.
type Settings struct {
	// Now is where "today" comes from for facts that do not say (default
	// time.Now; the day is taken in the clock's location).
	Now func() time.Time
	// Locale is the language of messages and questions (default "en", also
	// the fallback for a text the rules give in no other language).
	Locale string
}

// NewSettings applies opts over the defaults.
func NewSettings(opts ...rules.Option) Settings {
	now, locale := settingsOf(opts)
	return Settings{Now: now, Locale: locale}
}

// AsOf returns the day a decision is as of, and a pointer to it to put in
// the facts: the day of asOf when it is known (asOf itself when it already
// is midnight UTC), else today by the settings' clock, in its location.
func (s Settings) AsOf(asOf *time.Time) (rules.Date, *time.Time) {
	if asOf == nil {
		d := rules.DateOf(s.Now())
		return d, &d.Time
	}
	d := rules.DateOf(*asOf)
	if asOf.Equal(d.Time) && asOf.Location() == time.UTC {
		return d, asOf
	}
	return d, &d.Time
}
