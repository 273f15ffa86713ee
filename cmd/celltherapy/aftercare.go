package main

import (
	"bufio"
	"context"

	"github.com/reocell/celltherapy/recommendations"
)

func (c *cli) aftercare(ctx context.Context, args []string) int {
	fs := c.flags("aftercare", `Usage: celltherapy aftercare [--rules PATH] --ics|--leaflet FILE|-

Makes the aftercare plan for the administration in FILE (aftercare facts as
JSON; - for standard input) and writes it to standard output: with --ics as
an iCalendar file (RFC 5545) of the plan's items and the monitoring
schedule, for a calendar app; with --leaflet as plain text for the patient.
Exit 2 when the facts are bad or the administration time is unknown.`)
	rulesPath := fs.String("rules", "", "rule file or directory to use instead of the default rules")
	ics := fs.Bool("ics", false, "write an iCalendar file")
	leaflet := fs.Bool("leaflet", false, "write a plain-text leaflet")
	if code, done := c.parse(fs, args); done {
		return code
	}
	if *ics == *leaflet || fs.NArg() != 1 {
		c.errorf("aftercare needs one of --ics or --leaflet, and one FILE (or - for standard input)")
		return exitBadUsed
	}
	rs, facts, code := c.ruleAndFacts(recommendations.AftercareKind(), *rulesPath, fs.Arg(0))
	if code != exitOK {
		return code
	}
	planner, err := recommendations.NewPlanner(rs)
	if err != nil {
		c.errorf("%v", err)
		return exitBadUsed
	}
	plan, err := planner.Plan(ctx, *facts.(*recommendations.Facts))
	if err != nil {
		return c.decisionError(fs.Arg(0), err)
	}
	if plan.Outcome != recommendations.Planned {
		for _, m := range plan.Missing {
			c.errorf("%s: %s is unknown: %s", displayName(fs.Arg(0)), m.Fact, m.Question)
		}
		return exitBadUsed
	}
	out := bufio.NewWriter(c.stdout)
	write := recommendations.WriteLeaflet
	if *ics {
		write = recommendations.WriteICS
	}
	if err := write(out, plan); err != nil {
		c.errorf("%v", err)
		return exitBadUsed
	}
	if err := out.Flush(); err != nil {
		c.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}
