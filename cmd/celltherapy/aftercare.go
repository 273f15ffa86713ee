package main

import (
	"bufio"
	"context"

	"github.com/reocell/celltherapy/recommendations"
	"github.com/reocell/celltherapy/rules"
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
	locale := localeFlag(fs)
	if code, done := c.parse(fs, args); done {
		return code
	}
	pos := fs.Args()
	if *ics == *leaflet || len(pos) != 1 {
		c.errorf("aftercare needs one of --ics or --leaflet, and one FILE (or - for standard input)")
		return exitBadUsed
	}
	kind := recommendations.AftercareKind()
	rs, data, code := c.ruleAndInput(kind, *rulesPath, pos[0])
	if code != exitOK {
		return code
	}
	facts, err := kind.Decode(data)
	if err != nil {
		c.inputError(pos[0], err)
		return exitBadUsed
	}
	plan, err := kind.Decide(ctx, rs, facts, rules.WithLocale(*locale))
	if err != nil {
		return c.decisionError(pos[0], err)
	}
	if plan.Outcome != recommendations.Planned {
		for _, m := range plan.Missing {
			c.errorf("%s: %s is unknown: %s", displayName(pos[0]), m.Fact, m.Question)
		}
		return exitBadUsed
	}
	out := bufio.NewWriter(c.stdout)
	write := recommendations.WriteLeaflet
	if *ics {
		write = recommendations.WriteICS
	}
	if err := write(out, plan, rules.WithLocale(*locale)); err != nil {
		c.errorf("%v", err)
		return exitBadUsed
	}
	if err := out.Flush(); err != nil {
		c.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}
