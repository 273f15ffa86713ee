package rules

import "time"

// Option configures a decision maker (eligibility's Screener, therapy's
// Selector, recommendations' Planner and Triager): every one takes the same
// options, WithClock and WithLocale.
type Option func(*settings)

// settings is what Options set; ruleskit.NewSettings hands it to the
// decision makers of kinds.
type settings struct {
	now    func() time.Time
	locale string
}

// WithClock sets where "today" comes from for facts that do not give the
// day of the decision (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *settings) { s.now = now } }

// WithLocale sets the language of messages, questions and texts for people
// (default "en").
func WithLocale(locale string) Option { return func(s *settings) { s.locale = locale } }

// applyOptions applies opts over the defaults.
func applyOptions(opts []Option) (now func() time.Time, locale string) {
	s := settings{now: time.Now, locale: "en"}
	for _, o := range opts {
		o(&s)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.locale == "" {
		s.locale = "en"
	}
	return s.now, s.locale
}
