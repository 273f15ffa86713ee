package recommendations_test

import (
	"context"
	"testing"

	"github.com/reocell/celltherapy/recommendations"
)

func BenchmarkPlan(b *testing.B) {
	f, err := recommendations.DecodeFacts([]byte(`{"administeredAt":"2026-11-24T09:30:00+01:00","route":"intra-articular","site":"left knee"}`))
	if err != nil {
		b.Fatal(err)
	}
	p := recommendations.NewDefaultPlanner()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Plan(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTriage(b *testing.B) {
	f, err := recommendations.DecodeTriageFacts([]byte(`{"administeredAt":"2026-11-24T09:30:00+01:00",
		"symptom":{"name":"fever","onset":"2026-11-24T20:00:00+01:00","ongoing":true},"now":"2026-11-25T09:00:00+01:00"}`))
	if err != nil {
		b.Fatal(err)
	}
	t := recommendations.NewDefaultTriager()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Triage(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}
