// Package server is celltherapy's reference HTTP server: decisions made
// with the clinic's rules, patients' cases, each recorded in a hash-chained
// audit log before it is answered, behind bearer-token authentication. The
// celltherapy command runs it:
//
//	celltherapy serve                       # serve on 127.0.0.1:8080
//	celltherapy token --role doctor         # a development token
//	celltherapy audit verify                # check the audit chain
//
// Run celltherapy serve --help for every setting.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/reocell/celltherapy/server/internal/app"
	"github.com/reocell/celltherapy/server/internal/audit"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

const usage = `Usage:
  celltherapy serve [flags]              serve the API
  celltherapy token --role ROLE [flags]  print a token signed by the development key
  celltherapy audit verify [flags]       check the audit log's hash chain and the events it records
  celltherapy audit repair [flags]       append entries, marked reconstructed, for events stored without one
  celltherapy audit prove ENTRY [flags]  print an inclusion proof of an entry in the latest signed checkpoint
  celltherapy audit keygen --out FILE    create an audit signing key (for --audit-key); prints its public key
  celltherapy approve --key FILE [--approvals DIR] [--built-in] [RULES...]
                                         sign the board's approval of each ruleset in RULES (files or directories)

Every flag can also be set by the environment variable named after it.
Run celltherapy COMMAND --help for the flags of a command.`

// ErrUsage is returned by Run for a bad command line; its problem has been
// printed already.
var ErrUsage = app.ErrUsage

// Run runs one of the server's commands: args[0] is serve, token or audit
// (serve when args is empty or starts with a flag) and the rest its flags.
// prog is the command as the user started it ("celltherapy", or
// "go run ./cmd/celltherapy"), for the hints it prints. Settings not given
// as flags are read with getenv (CELLTHERAPY_*). Serve returns when ctx is
// done and the requests in flight are answered.
func Run(ctx context.Context, prog string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runAs(ctx, prog, args, getenv, stdout, stderr)
}

// run is runAs for a program started with go run, as the README does.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runAs(ctx, "go run ./cmd/celltherapy", args, getenv, stdout, stderr)
}

// runAs is the whole program: main only calls it, and tests drive it end to
// end. It returns app.ErrUsage for a bad command line.
func runAs(ctx context.Context, prog string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serveCmd(ctx, prog, args, getenv, stdout, stderr)
	case "token":
		return tokenCmd(args, getenv, stdout, stderr)
	case "audit":
		switch {
		case len(args) > 0 && args[0] == "verify":
			return auditVerifyCmd(ctx, args[1:], getenv, stdout, stderr)
		case len(args) > 0 && args[0] == "repair":
			return auditRepairCmd(ctx, args[1:], getenv, stdout, stderr)
		case len(args) > 0 && args[0] == "prove":
			return auditProveCmd(ctx, args[1:], getenv, stdout, stderr)
		case len(args) > 0 && args[0] == "keygen":
			return auditKeygenCmd(args[1:], getenv, stdout, stderr)
		}
		if app.Parse(app.NewFlagSet("audit", "", io.Discard), args, getenv) == app.ErrHelp {
			fmt.Fprintln(stdout, "Usage: celltherapy audit verify|repair|prove|keygen [flags]\n\nThe audit log's commands; run celltherapy audit verify --help for the flags of one.")
			return nil
		}
		fmt.Fprintln(stderr, "celltherapy audit: the audit commands are verify, repair, prove and keygen\n\n"+usage)
		return app.ErrUsage
	case "approve":
		return approveCmd(args, getenv, stdout, stderr)
	case "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "celltherapy: unknown server command %q\n\n%s\n", cmd, usage)
	return app.ErrUsage
}

func serveCmd(ctx context.Context, prog string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := app.NewFlagSet("serve", "Usage: celltherapy serve [flags]\n\nServes the API until SIGTERM or SIGINT, then answers the requests in flight and stops.\n\nFlags:", stderr)
	cfg.Flags(fs)
	if done, err := parse(fs, args, getenv, stdout); done {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	srv, err := app.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "celltherapy server listening on %s\n", srv.URL)
	if srv.DevMode {
		fmt.Fprintf(stdout, "tokens are signed by the development key in %s; get one per role with:\n", cfg.DataDir)
		for _, r := range auth.Roles() {
			fmt.Fprintf(stdout, "  %s\n", tokenHint(prog, string(r), cfg.DataDir))
		}
	}
	return srv.Wait()
}

func tokenCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := app.NewFlagSet("token", "Usage: celltherapy token --role ROLE [flags]\n\nPrints a token signed by the development key in the data directory\n(created when missing), for a server that runs without --jwks.\n\nFlags:", stderr)
	cfg.Flags(fs, "data-dir", "issuer", "audience")
	role := fs.String("role", "", "the role claim: one of "+roleList())
	subject := fs.String("subject", "", `the subject claim (default "dev-ROLE")`)
	ttl := fs.Duration("ttl", 12*time.Hour, "how long the token is valid")
	if done, err := parse(fs, args, getenv, stdout); done {
		return err
	}
	if !auth.Role(*role).Valid() {
		return &app.ConfigError{Setting: "role", Problem: fmt.Sprintf("%q is not a role; give one of %s", *role, roleList())}
	}
	if *ttl <= 0 {
		return &app.ConfigError{Setting: "ttl", Problem: "must be positive"}
	}
	if *subject == "" {
		*subject = "dev-" + *role
	}
	key, err := auth.LoadOrCreateDevKey(cfg.DataDir)
	if err != nil {
		return &app.ConfigError{Setting: "data-dir", Problem: err.Error()}
	}
	tok, err := auth.Mint(key, cfg.Issuer, cfg.Audience, *subject, auth.Role(*role), time.Now(), *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

func roleList() string {
	var names []string
	for _, r := range auth.Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

func auditVerifyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := app.NewFlagSet("audit verify", "Usage: celltherapy audit verify [flags]\n\nWalks the audit log's hash chain and names the first entry that does not\nmatch, re-hashes every case event its entry records, naming the first\nthat was changed or removed in the case store, and checks the log against\nevery signed checkpoint (in the database, the copy in the data directory,\nand each --checkpoint FILE): a checkpoint not signed by a known audit key,\nentries lost (truncation, a restore from an older backup), entries\nrewritten, and entries no checkpoint covers are each named. Exit 0 when\nall match, 1 otherwise.\n\nFlags:", stderr)
	cfg.Flags(fs, "data-dir", "postgres", "audit-key", "audit-keys")
	checkpoints := fs.String("checkpoint", "", "files of checkpoints kept outside (a witness's), comma-separated")
	stateFile := fs.String("state", "", "a file keeping the last checkpoint verified: the next run checks the tree from it on (the chain and events are always checked whole)")
	if done, err := parse(fs, args, getenv, stdout); done {
		return err
	}
	var state *audit.State
	if *stateFile != "" {
		var err error
		if state, err = audit.ReadState(*stateFile); err != nil {
			return &app.ConfigError{Setting: "state", Problem: err.Error()}
		}
	}
	if cfg.Postgres == "" {
		if _, err := filepathStat(cfg.DataDir); err != nil {
			return &app.ConfigError{Setting: "data-dir", Problem: err.Error()}
		}
	}
	log, err := app.OpenAudit(ctx, cfg, audit.Options{})
	if err != nil {
		return err
	}
	defer log.Close()
	cases, err := app.OpenCases(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer cases.Close()
	n, err := log.Verify(ctx, cases)
	var ce *audit.ChainError
	if errors.As(err, &ce) {
		fmt.Fprintf(stdout, "%d entries match; entry %d does not: %s\n", n, ce.Seq, ce.Reason)
		return err
	}
	var ee *audit.EventError
	if errors.As(err, &ee) {
		fmt.Fprintf(stdout, "%d entries match; the event %s/%d of entry %d does not: %s\n", n-1, ee.CaseID, ee.Version, ee.Seq, ee.Reason)
		return err
	}
	if err != nil {
		return err
	}
	known, err := app.AuditVerifiers(cfg)
	if err != nil {
		return err
	}
	outside := map[string][]byte{}
	files := []string{filepath.Join(cfg.DataDir, audit.CheckpointFile)}
	for _, f := range strings.Split(*checkpoints, ",") {
		if f = strings.TrimSpace(f); f != "" {
			files = append(files, f)
		}
	}
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil && i == 0 {
			continue // no copy in the data directory
		}
		if err != nil {
			return &app.ConfigError{Setting: "checkpoint", Problem: err.Error()}
		}
		outside[f] = raw
	}
	latest, next, work, err := log.VerifyCheckpointsFrom(ctx, known, outside, state)
	var cpe *audit.CheckpointError
	if errors.As(err, &cpe) {
		fmt.Fprintf(stdout, "%d entries match their chain and events; the checkpoints do not: %s\n", n, strings.TrimPrefix(cpe.Error(), "audit: "))
		return err
	}
	if err != nil {
		return err
	}
	if latest == nil {
		fmt.Fprintf(stdout, "ok: %d entries, the chain is intact and every case event matches its entry; no signed checkpoint yet\n", n)
		return nil
	}
	fmt.Fprintf(stdout, "ok: %d entries, the chain is intact and every case event matches its entry; signed checkpoint of size %d at %s, %d checked\n",
		n, latest.Size, latest.At.Format(time.RFC3339), len(outside))
	if *stateFile != "" {
		fmt.Fprintf(stdout, "tree: %d entries hashed, %d checkpoints checked\n", work.Leaves, work.Checkpoints)
		if err := audit.WriteState(*stateFile, next); err != nil {
			return &app.ConfigError{Setting: "state", Problem: err.Error()}
		}
	}
	return nil
}

func auditProveCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := app.NewFlagSet("audit prove", "Usage: celltherapy audit prove ENTRY [flags]\n\nPrints the latest signed checkpoint, the entry's number and hash, and the\nhashes of its inclusion proof (one a line), which anyone with the audit\npublic key can check (audit.CheckInclusion).\n\nFlags:", stderr)
	cfg.Flags(fs, "data-dir", "postgres", "audit-key", "audit-keys")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if done, err := parse(fs, args, getenv, stdout); done {
			return err
		}
		fmt.Fprintln(stderr, "celltherapy audit prove: give the entry's number")
		return app.ErrUsage
	}
	seq, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || seq < 1 {
		return &app.ConfigError{Setting: "ENTRY", Problem: fmt.Sprintf("%q is not an entry number", args[0])}
	}
	if done, err := parse(fs, args[1:], getenv, stdout); done {
		return err
	}
	known, err := app.AuditVerifiers(cfg)
	if err != nil {
		return err
	}
	log, err := app.OpenAudit(ctx, cfg, audit.Options{})
	if err != nil {
		return err
	}
	defer log.Close()
	c, proof, hash, err := log.Prove(ctx, seq, known)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\nentry %d %s\n%s", c.Note, seq, hash, audit.FormatProof(proof))
	return nil
}

func auditKeygenCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := app.NewFlagSet("audit keygen", "Usage: celltherapy audit keygen --out FILE\n\nCreates an audit signing key (Ed25519, a signed-note key) in FILE, readable\nby its owner only, for --audit-key, and prints its public key, for the\n--audit-keys of every server and verifier.\n\nFlags:", stderr)
	out := fs.String("out", "", "the key file to create")
	name := fs.String("name", audit.KeyName, "the key's name, as checkpoints name their signer")
	if done, err := parse(fs, args, getenv, stdout); done {
		return err
	}
	if *out == "" {
		return &app.ConfigError{Setting: "out", Problem: "give the file to create"}
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, *name)
	if err != nil {
		return &app.ConfigError{Setting: "name", Problem: err.Error()}
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return &app.ConfigError{Setting: "out", Problem: err.Error()}
	}
	if _, err := fmt.Fprintln(f, skey); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, vkey)
	return nil
}

func approveCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := app.NewFlagSet("approve", "Usage: celltherapy approve --key FILE [--approvals DIR] [--built-in] [RULES...]\n\nSigns, with a board member's key (celltherapy audit keygen --name NAME), a note\napproving each ruleset in RULES (rule files or directories, read as the\nserver reads them) and the FHIR code tables among them (a directory's\ncodes.yaml, or a code table file) or, with --built-in, the built-in rules\nand code tables: its name, version and digest. The notes go into the approvals directory, one file\nper ruleset and key; a server with --require-approval serves a ruleset\nonly when --approval-quorum distinct --board-keys approve its digest.\n\nFlags:", stderr)
	cfg.Flags(fs, "approvals")
	key := fs.String("key", "", "the board member's signing key file (celltherapy audit keygen)")
	builtIn := fs.Bool("built-in", false, "approve the built-in rules")
	paths, done, err := parseWithArgs(fs, args, getenv, stdout)
	if done {
		return err
	}
	switch {
	case *key == "":
		return &app.ConfigError{Setting: "key", Problem: "give the board member's signing key file"}
	case cfg.Approvals == "":
		return &app.ConfigError{Setting: "approvals", Problem: "give the approvals directory the server reads (--approvals)"}
	case len(paths) == 0 && !*builtIn:
		fmt.Fprintln(stderr, "celltherapy approve: give the rule files or directories to approve, or --built-in")
		return app.ErrUsage
	case len(paths) > 0 && *builtIn:
		fmt.Fprintln(stderr, "celltherapy approve: give rule files or --built-in, not both")
		return app.ErrUsage
	}
	signer, _, err := audit.ReadKey(*key)
	if err != nil {
		return &app.ConfigError{Setting: "key", Problem: err.Error()}
	}
	for _, p := range paths {
		if abs, err := filepath.Abs(cfg.Approvals); err == nil {
			if dir, err := filepath.Abs(p); err == nil && (abs == dir || strings.HasPrefix(abs, dir+string(filepath.Separator))) {
				return &app.ConfigError{Setting: "approvals", Problem: fmt.Sprintf("%s is inside the rules %s; keep the approvals outside the watched rules", cfg.Approvals, p)}
			}
		}
	}
	sets, err := rulebook.ReadRulesets(paths...)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Approvals, 0o755); err != nil {
		return &app.ConfigError{Setting: "approvals", Problem: err.Error()}
	}
	for _, rs := range sets {
		file, err := rulebook.SignApproval(cfg.Approvals, rs, signer)
		if err != nil {
			return &app.ConfigError{Setting: "approvals", Problem: err.Error()}
		}
		fmt.Fprintf(stdout, "approved %s %s (%s, %s) as %s: %s\n", rs.Name, rs.Version, rs.Kind, rs.Digest, signer.Name(), file)
	}
	return nil
}

// parseWithArgs is parse for a command that takes arguments beside its
// flags, in any order ("--" ends the flags); it returns the arguments.
func parseWithArgs(fs *flag.FlagSet, args []string, getenv func(string) string, stdout io.Writer) (rest []string, done bool, err error) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			app.PrintHelp(fs, stdout)
			return nil, true, nil
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, true, app.ErrUsage
		}
		left := fs.Args()
		if consumed := len(args) - len(left); consumed > 0 && args[consumed-1] == "--" {
			rest = append(rest, left...)
			break
		}
		if len(left) == 0 {
			break
		}
		rest, args = append(rest, left[0]), left[1:]
	}
	// The flags given stay set; those not given are taken from the environment.
	if err := app.Parse(fs, nil, getenv); err != nil {
		return nil, true, err
	}
	return rest, false, nil
}

func auditRepairCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := app.NewFlagSet("audit repair", "Usage: celltherapy audit repair [flags]\n\nFinds the case events stored without an audit entry (left by earlier versions,\nwhich committed events and entries apart) and appends an entry for each,\nmarked reconstructed, with the event as stored and its hash. Nothing stored\nis changed; a second run finds nothing to do.\n\nFlags:", stderr)
	cfg.Flags(fs, "data-dir", "postgres", "audit-key")
	actor := fs.String("actor", "", `who runs the repair, recorded in each entry (default "$USER")`)
	if done, err := parse(fs, args, getenv, stdout); done {
		return err
	}
	if *actor == "" {
		*actor = getenv("USER")
	}
	if *actor == "" {
		return &app.ConfigError{Setting: "actor", Problem: "say who runs the repair (USER is not set)"}
	}
	if cfg.Postgres == "" {
		if _, err := filepathStat(cfg.DataDir); err != nil {
			return &app.ConfigError{Setting: "data-dir", Problem: err.Error()}
		}
	}
	signer, _, err := app.AuditSigner(cfg)
	if err != nil {
		return err
	}
	// The entries appended are signed into a checkpoint when the log closes.
	log, err := app.OpenAudit(ctx, cfg, audit.Options{Signer: signer, CheckpointFile: filepath.Join(cfg.DataDir, audit.CheckpointFile)})
	if err != nil {
		return err
	}
	defer log.Close()
	cases, err := app.OpenCases(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer cases.Close()
	filled, err := log.Repair(ctx, cases, *actor)
	for _, g := range filled {
		fmt.Fprintf(stdout, "reconstructed the entry of event %s\n", g)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d events had no audit entry; each has one now\n", len(filled))
	return nil
}

// parse parses a command's flags; done is true when the command must stop
// there: after printing its help (err nil) or on a bad command line.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string, stdout io.Writer) (done bool, err error) {
	switch err := app.Parse(fs, args, getenv); {
	case errors.Is(err, app.ErrHelp):
		app.PrintHelp(fs, stdout)
		return true, nil
	case err != nil:
		return true, err
	}
	return false, nil
}

// filepathStat checks that the database exists, so that verify does not
// create an empty one and call it intact.
func filepathStat(dir string) (string, error) {
	file := filepath.Join(dir, app.DatabaseFile)
	if _, err := os.Stat(file); err != nil {
		return "", fmt.Errorf("no audit database at %s", file)
	}
	return file, nil
}

// tokenHint is the command that prints a token for role that the server
// started with dataDir accepts: the same program, and the same data
// directory, since the key that signs it lives there.
func tokenHint(prog, role, dataDir string) string {
	hint := prog + " token --role " + role
	if dataDir != app.DefaultDataDir {
		hint += " --data-dir " + shellQuote(dataDir)
	}
	return hint
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
