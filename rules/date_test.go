package rules_test

import (
	"testing"
	"time"

	"github.com/reocell/celltherapy/rules"
	"github.com/reocell/celltherapy/rules/ruleskit"
)

func TestAsOf(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 11, 24, 23, 30, 0, 0, time.FixedZone("x", -5*3600)) }
	if d, p := ruleskit.NewSettings(rules.WithClock(clock)).AsOf(nil); d.String() != "2026-11-24" || !p.Equal(d.Time) {
		t.Errorf("from the clock: %s %v", d, p)
	}
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	if d, p := ruleskit.NewSettings(rules.WithClock(clock)).AsOf(&day); d.String() != "2026-01-02" || p != &day {
		t.Errorf("a day at midnight UTC is kept: %s %p %p", d, p, &day)
	}
	late := time.Date(2026, 1, 2, 22, 0, 0, 0, time.FixedZone("y", 3600))
	if d, p := ruleskit.NewSettings(rules.WithClock(clock)).AsOf(&late); d.String() != "2026-01-02" || p == &late || p.Hour() != 0 {
		t.Errorf("an instant becomes its day: %s %v", d, p)
	}
}
