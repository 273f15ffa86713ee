package recommendations_test

import (
	"context"
	"fmt"
	"time"

	"github.com/reocell/celltherapy/recommendations"
)

func Example() {
	ctx := context.Background()
	facts, err := recommendations.DecodeFacts([]byte(`{
		"administeredAt": "2026-11-24T09:30:00+01:00",
		"route": "intra-articular",
		"site": "left knee"
	}`))
	if err != nil {
		panic(err)
	}
	plan, err := recommendations.NewDefaultPlanner().Plan(ctx, facts)
	if err != nil {
		panic(err)
	}
	fmt.Println(plan.Outcome)
	nextDay := plan.AdministeredAt.Add(24 * time.Hour)
	for _, it := range plan.InForce(nextDay) {
		fmt.Println("in force a day later:", it.ID)
	}
	last := plan.Schedule[len(plan.Schedule)-1]
	fmt.Println("last contact:", last.Day, last.Contact, last.AssessesEffectiveness)

	symptom, _ := recommendations.DecodeTriageFacts([]byte(`{
		"administeredAt": "2026-11-24T09:30:00+01:00",
		"symptom": {"name": "fever", "onset": "2026-11-24T20:00:00+01:00", "ongoing": true},
		"now": "2026-11-27T10:00:00+01:00"
	}`))
	answer, err := recommendations.NewDefaultTriager().Triage(ctx, symptom)
	if err != nil {
		panic(err)
	}
	fmt.Println("fever on day 3:", answer.Action)
	// Output:
	// planned
	// in force a day later: avoid-overexertion
	// in force a day later: avoid-temperature-extremes
	// in force a day later: no-alcohol-or-toxic-substances
	// in force a day later: no-topicals
	// last contact: 2027-05-24 visit true
	// fever on day 3: contact-clinic
}
