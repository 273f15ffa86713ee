package rules

import "time"

// Option configures a domain package's decision maker (eligibility's
// Screener, therapy's Selector, recommendations' Planner and Triager): every
// one takes the same options.
type Option func(*Settings)

// Settings is what Options set. Domain packages read it; the zero value is
// never used, NewSettings fills in the defaults.
type Settings struct {
	// Now is where "today" comes from for facts that do not say (default
	// time.Now; the day is taken in the clock's location).
	Now func() time.Time
	// Locale is the language of messages and questions (default "en", also
	// the fallback for a text the rules give in no other language).
	Locale string
}

// WithClock sets where "today" comes from for facts that do not give the
// day of the decision (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Settings) { s.Now = now } }

// WithLocale sets the language of messages, questions and texts for people
// (default "en").
func WithLocale(locale string) Option { return func(s *Settings) { s.Locale = locale } }

// NewSettings applies opts over the defaults.
func NewSettings(opts ...Option) Settings {
	s := Settings{Now: time.Now, Locale: "en"}
	for _, o := range opts {
		o(&s)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Locale == "" {
		s.Locale = "en"
	}
	return s
}
