package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand of celltherapy. Every command is listed in
// commands, which the top-level help is made from, so none can be left out
// of it.
type command struct {
	name     string
	synopsis string                                               // the usage line shown by celltherapy --help
	summary  string                                               // what it does, in a few words, for the same help
	run      func(c *cli, ctx context.Context, args []string) int // a method of cli
}

// commands returns every subcommand, in the order the help lists them. A new
// command is one entry here and a file with its run function.
func commands() []command {
	return []command{
		{name: "lint", synopsis: "lint [--strict] [--require-confirmed] [PATH...]", summary: "check rule files; exit 1 on problems (--strict: warnings too; --require-confirmed: unconfirmed values too)",
			run: (*cli).lint},
		{name: "test", synopsis: "test [--coverage] [--threshold N] [--junit FILE] [PATH...]", summary: "run the tests of rule files; exit 1 on failures",
			run: (*cli).test},
		{name: "eval", synopsis: "eval KIND [--rules PATH] [--locale LANG] [--batch] FILE|-", summary: "print the decision for the facts in FILE (JSON, or JSON Lines)",
			run: (*cli).eval},
		{name: "diff", synopsis: "diff KIND --from OLD --to NEW [--json] FILE|-", summary: "the patients (JSON Lines) whose decisions a rule change moves",
			run: (*cli).diff},
		{name: "doc", synopsis: "doc [--rules PATH] [--locale LANG] | doc procedure", summary: "print the rules, or the procedure's stages, as a document for the medical board",
			run: (*cli).doc},
		{name: "aftercare", synopsis: "aftercare [--rules PATH] [--locale LANG] --ics|--leaflet FILE|-", summary: "the aftercare plan as a calendar or a leaflet",
			run: (*cli).aftercare},
		{name: "serve", synopsis: "serve [flags]", summary: "run the reference server: decisions, cases, CDS Hooks and the audit log over HTTP (holds the terminal)",
			run: serverCommand("serve")},
		{name: "token", synopsis: "token --role ROLE [--data-dir DIR]", summary: "print a token signed by the server's development key",
			run: serverCommand("token")},
		{name: "audit", synopsis: "audit verify|repair [flags]", summary: "check the server's audit log, or fill the gaps earlier versions left in it",
			run: serverCommand("audit")},
		{name: "approve", synopsis: "approve --key FILE [--approvals DIR] [--built-in] [PATH...]", summary: "sign the medical board's approval of rulesets, for a server run with --require-approval",
			run: serverCommand("approve")},
	}
}

func findCommand(name string) *command {
	for _, cmd := range commands() {
		if cmd.name == name {
			return &cmd
		}
	}
	return nil
}

func (c *cli) usage(w io.Writer) {
	var kinds []string
	for _, d := range domains() {
		kinds = append(kinds, d.name)
	}
	fmt.Fprintf(w, "celltherapy checks, tests and runs the rule files of an MSC therapy clinic.\n\nUsage:\n")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  celltherapy %s\n      %s\n", cmd.synopsis, cmd.summary)
	}
	fmt.Fprintf(w, `
KIND is one of: %s.
PATH is a rule file or a directory of them (*.yaml, *.yml; *.test.yaml hold tests).
Without PATH or --rules the default rules built into the program are used.
Flags may come before or after the other arguments.
Run celltherapy COMMAND --help for more.
`, strings.Join(kinds, ", "))
}

// flags returns the flag set of the command name; help is the text that
// --help prints above the flags.
func (c *cli) flags(name, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package would print errors and usage itself, to one writer;
	// parse prints help to stdout and errors to stderr, each once.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if c.help == nil {
		c.help = map[*flag.FlagSet]string{}
	}
	c.help[fs] = help
	return fs
}

// parse parses args, in which flags may come before, between or after the
// positional arguments ("--" ends the flags); fs.Args() then holds the
// positional arguments in order. On -h or --help it prints the help to
// stdout once; on a bad flag it prints why to stderr. done is true when the
// command should stop and exit with code.
func (c *cli) parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.printHelp(fs)
			return exitOK, true
		}
		if err != nil {
			c.errorf("%s: %v; run celltherapy %s --help", fs.Name(), err, fs.Name())
			return exitBadUsed, true
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Parsing "--" and the positional arguments sets no flag and leaves
	// them in fs.Args(), where every command reads them.
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		c.errorf("%s: %v", fs.Name(), err)
		return exitBadUsed, true
	}
	return exitOK, false
}

func (c *cli) printHelp(fs *flag.FlagSet) {
	fmt.Fprintf(c.stdout, "%s\n", strings.TrimSpace(c.help[fs]))
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintf(c.stdout, "\nFlags:\n")
		fs.SetOutput(c.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}
