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
//	celltherapy serve                              the reference server (see package server)
//	celltherapy token --role ROLE                  a development token for the server
//	celltherapy audit verify                       check the server's audit log
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
	os.Exit(runEnv(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
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
	getenv         func(string) string      // the environment, for the server's settings
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(ctx, args, func(string) string { return "" }, stdin, stdout, stderr)
}

// runEnv is run with the environment the server's commands read their
// settings from.
func runEnv(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
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
