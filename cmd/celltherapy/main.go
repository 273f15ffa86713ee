// Command celltherapy checks, tests and runs the rule files of an MSC
// therapy clinic: the tool for clinicians who edit rules and for CI.
//
//	celltherapy lint [PATH...]                     check rule files
//	celltherapy test [--coverage] [PATH...]        run rule tests
//	celltherapy eval KIND [--rules PATH] FILE|-    print the decision for facts
//	celltherapy diff KIND --from OLD --to NEW FILE|-  whose decisions a rule change moves
//	celltherapy doc [--rules PATH]                 the rules as a document
//	celltherapy doc procedure                      the procedure's stages as a document
//	celltherapy aftercare --ics|--leaflet FILE|-    the aftercare plan for people
//
// Without PATH or --rules it uses the default rules built into the program.
// Problems in rule files are printed as file:line:col: message. Flags may
// come before or after the other arguments.
package main

import (
	"context"
	"flag"
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
	exitRuleRun = 3 // a rule failed at run time: the rules' fault, not the input's
)

type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	help           map[*flag.FlagSet]string // each command's --help text
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		c.usage(stderr)
		return exitBadUsed
	}
	switch name := args[0]; name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			// celltherapy help COMMAND is celltherapy COMMAND --help.
			if cmd := findCommand(args[1]); cmd != nil {
				return cmd.run(c, ctx, []string{"--help"})
			}
		}
		c.usage(stdout)
		return exitOK
	}
	cmd := findCommand(args[0])
	if cmd == nil {
		c.errorf("unknown command %q; run celltherapy --help", args[0])
		return exitBadUsed
	}
	return cmd.run(c, ctx, args[1:])
}
