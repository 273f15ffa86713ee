// Command celltherapy checks, tests and runs the rule files of an MSC
// therapy clinic: the tool for clinicians who edit rules and for CI.
//
//	celltherapy lint [PATH...]                     check rule files
//	celltherapy test [--coverage] [PATH...]        run rule tests
//	celltherapy eval KIND [--rules PATH] FILE|-    print the decision for facts
//	celltherapy doc [--rules PATH]                 the rules as a document
//	celltherapy doc procedure                      the procedure's stages as a document
//	celltherapy aftercare --ics|--leaflet FILE|-    the aftercare plan for people
//
// Without PATH or --rules it uses the default rules built into the program.
// Problems in rule files are printed as file:line:col: message.
package main

import (
	"context"
	"io"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // lint found problems, or tests failed
	exitBadUsed = 2 // bad command line or bad input
)

type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		c.usage(stderr)
		return exitBadUsed
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		c.usage(stdout)
		return exitOK
	case "lint":
		return c.lint(args[1:])
	case "test":
		return c.test(ctx, args[1:])
	case "eval":
		return c.eval(ctx, args[1:])
	case "doc":
		if len(args) > 1 && args[1] == "procedure" {
			return c.docProcedure()
		}
		return c.doc(args[1:])
	case "aftercare":
		return c.aftercare(ctx, args[1:])
	}
	c.errorf("unknown command %q; run celltherapy --help", args[0])
	return exitBadUsed
}
