// Package app wires the reference server together from its configuration:
// the audit database, the token keys, the rules, the API and the HTTP
// server with its timeouts and graceful shutdown.
package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config is the server's configuration. Each setting is a flag and an
// environment variable of the same name (CELLTHERAPY_ and the flag's name
// in capitals, with _ for -); a flag wins over the variable.
type Config struct {
	Addr     string // address to listen on
	DataDir  string // where the SQLite database and the development key live
	Postgres string // PostgreSQL DSN; when set, the audit log and the cases live there
	RulesDir string // rules directory, watched for changes; "" for the built-in rules
	JWKS     string // JWKS file or URL of the keys that sign tokens; "" for the development key
	Issuer   string // the iss every token must carry
	Audience string // a value the aud of every token must hold
	TimeZone string // the clinic's time zone (IANA name): its calendar day is "the same day" of the procedure

	// The audit log's checkpoints (see docs/server.md).
	AuditKey             string // file of the audit signing key; "" for the development key in DataDir
	AuditKeys            string // more audit verifier keys accepted (other servers', rotated ones): files or keys, comma-separated
	AuditCheckpointEvery string // how long an entry may wait for a signed checkpoint (a duration, default 1s)
	AuditFullCheck       bool   // check the whole log at start, not only what came after the last start

	// The board's approval of the rules (see approval.go).
	RequireApproval bool   // serve only rulesets approved by ApprovalQuorum distinct BoardKeys
	Approvals       string // directory of the approval notes (celltherapy approve), outside RulesDir
	BoardKeys       string // the board's public keys: files or keys, comma-separated
	ApprovalQuorum  string // distinct board keys a ruleset needs (default 2)

	// CDS Hooks (see cds.go); off while CDSClients is empty.
	CDSClients     string // allow-listed CDS clients: ISSUER=JKU-URL or ISSUER=JWKS-FILE, comma-separated
	CDSBaseURL     string // the public base URL EHRs call (the JWT aud is checked against it)
	CDSOrderCodes  string // codes of an MSC therapy order: SYSTEM|CODE, comma-separated
	CDSFHIRServers string // the only FHIR servers fetched from: base URLs, comma-separated
	CDSOrigins     string // browser origins allowed to call /cds-services (CORS), comma-separated
	CDSFetchLimits string // bounds of what one call reads from a FHIR server: pages=N,resources=N,bytes=N,wait=DURATION
	Terminology    string // FHIR terminology server base URL for the code tables' descendantsOf and valueSet entries

	// The console's sign-in through the clinic's identity provider (OpenID
	// Connect, authorisation code with PKCE); see console.go.
	OIDCIssuer       string // the provider's issuer URL; "" for none
	OIDCClientID     string
	OIDCClientSecret string
	OIDCRedirectURL  string // this server's /console/callback as the provider knows it
	OIDCRoleClaim    string // the ID token claim with the person's roles
	OIDCRoles        string // the claim's values to roles: VALUE=ROLE, comma-separated ("": the values are role names)
	OIDCScopes       string // scopes beside openid, comma-separated

	// Timeouts of the HTTP server; zero values take the defaults
	// (DefaultTimeouts). Not flags: a clinic has no reason to change them.
	Timeouts Timeouts
}

// Timeouts are the HTTP server's timeouts.
type Timeouts struct {
	ReadHeader, Read, Write, Idle, Shutdown time.Duration
}

// DefaultTimeouts are the timeouts a zero Timeouts means.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 5 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second,
		Idle: 2 * time.Minute, Shutdown: 30 * time.Second}
}

func (t Timeouts) orDefaults() Timeouts {
	d := DefaultTimeouts()
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	return Timeouts{ReadHeader: pick(t.ReadHeader, d.ReadHeader), Read: pick(t.Read, d.Read),
		Write: pick(t.Write, d.Write), Idle: pick(t.Idle, d.Idle), Shutdown: pick(t.Shutdown, d.Shutdown)}
}

// Defaults of the settings.
const (
	DefaultAddr     = "127.0.0.1:8080"
	DefaultDataDir  = "data"
	DefaultIssuer   = "celltherapy-dev"
	DefaultAudience = "celltherapy"
	DefaultTimeZone = "UTC"
)

// ErrUsage is returned for a command line that cannot be parsed (the
// flag package has printed why) or a request for help.
var ErrUsage = errors.New("usage")

// ErrHelp is returned by Parse when help was asked for; PrintHelp prints it.
var ErrHelp = errors.New("help requested")

// ConfigError is a bad setting, named.
type ConfigError struct {
	Setting string // the flag's name, such as "rules"
	Problem string
}

// Error is one line, whatever the problem's text: it is what a failed
// start-up prints.
func (e *ConfigError) Error() string {
	problem := strings.Join(strings.FieldsFunc(e.Problem, func(r rune) bool { return r == '\n' || r == '\r' }), "; ")
	return fmt.Sprintf("--%s (%s): %s", e.Setting, EnvName(e.Setting), strings.ReplaceAll(problem, "\t", ""))
}

// EnvName returns the environment variable of the flag name.
func EnvName(flagName string) string {
	return "CELLTHERAPY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Flags registers the settings that name is given in cfg on fs. only,
// when not empty, limits them to those flags.
func (cfg *Config) Flags(fs *flag.FlagSet, only ...string) {
	add := func(p *string, name, value, usage string) {
		if len(only) > 0 && !contains(only, name) {
			return
		}
		fs.StringVar(p, name, value, usage+" (env "+EnvName(name)+")")
	}
	add(&cfg.Addr, "addr", DefaultAddr, "address to listen on")
	add(&cfg.DataDir, "data-dir", DefaultDataDir, "directory of the SQLite database and the development signing key")
	add(&cfg.Postgres, "postgres", "", "PostgreSQL DSN; the audit log and the cases are kept there instead of SQLite")
	add(&cfg.RulesDir, "rules", "", "directory of rule files to use instead of the built-in rules, reloaded on change")
	add(&cfg.JWKS, "jwks", "", "JWKS file or https URL of the keys that sign tokens (default: the development key)")
	add(&cfg.Issuer, "issuer", DefaultIssuer, "issuer (iss) every token must carry")
	add(&cfg.Audience, "audience", DefaultAudience, "audience (aud) every token must hold")
	add(&cfg.TimeZone, "time-zone", DefaultTimeZone, "the clinic's time zone, an IANA name such as Europe/Berlin: its calendar day is the day of a screening and of \"the same day\" before an administration")
	add(&cfg.AuditKey, "audit-key", "", "file of the audit signing key (celltherapy audit keygen) that signs checkpoints (default: the development key in the data directory)")
	add(&cfg.AuditKeys, "audit-keys", "", "more audit public keys accepted on checkpoints (other servers', earlier keys): files or keys, comma-separated")
	add(&cfg.AuditCheckpointEvery, "audit-checkpoint-every", "1s", "the longest an audit entry waits for a signed checkpoint, and the copy outside the database lags")
	if len(only) == 0 || contains(only, "audit-full-check") {
		fs.BoolVar(&cfg.AuditFullCheck, "audit-full-check", false, "at start, check every audit entry and stored event (that each event has its entry, the rules last in force, the approvals recorded), not only those after the last start (env "+EnvName("audit-full-check")+")")
	}
	if len(only) == 0 || contains(only, "require-approval") {
		fs.BoolVar(&cfg.RequireApproval, "require-approval", false, "serve a ruleset (the built-in ones too) only when its digest carries approvals signed by --approval-quorum distinct --board-keys; an unapproved change is not loaded (env "+EnvName("require-approval")+")")
	}
	add(&cfg.Approvals, "approvals", "", "directory of the board's approval notes (celltherapy approve), outside the rules directory")
	add(&cfg.BoardKeys, "board-keys", "", "the medical board's public keys (celltherapy audit keygen prints one): files or keys, comma-separated")
	add(&cfg.ApprovalQuorum, "approval-quorum", "2", "how many distinct board keys must approve a ruleset, at most the number of --board-keys")
	add(&cfg.CDSClients, "cds-clients", "", "CDS Hooks clients allowed to call /cds-services, comma-separated ISSUER=SOURCE, "+
		"SOURCE the https URL of a key set its JWTs may name in jku, or a JWKS file of keys agreed out of band (default: CDS Hooks off)")
	add(&cfg.CDSBaseURL, "cds-base-url", "", "public base URL EHRs call this server at, such as https://cds.clinic.example (required with --cds-clients: a JWT's aud must be it + the path)")
	add(&cfg.CDSOrderCodes, "cds-order-codes", "", "codes that mark an MSC therapy order in order-select/order-sign, comma-separated SYSTEM|CODE (default: the clinic code system's msc-therapy)")
	add(&cfg.CDSOrigins, "cds-allowed-origins", "", "browser origins (scheme://host[:port]) allowed to call /cds-services, such as a CDS Hooks sandbox, comma-separated (default: none)")
	add(&cfg.CDSFetchLimits, "cds-fetch-limits", "", "bounds of what one CDS call reads from the EHR's FHIR server: pages=N (of one search, default 20), resources=N (default 5000), bytes=N (default 8388608), wait=DURATION (the call's, default 20s), comma-separated")
	add(&cfg.Terminology, "terminology-server", "", "FHIR terminology server base URL asked ($subsumes, $validate-code) for the code tables' descendantsOf and valueSet entries, with a 2s timeout and a cache of 10,000 answers; when it fails the local value sets answer and the card says so (default: none)")
	add(&cfg.OIDCIssuer, "oidc-issuer", "", "the clinic identity provider's issuer URL: the console signs people in through it (OpenID Connect code flow with PKCE)")
	add(&cfg.OIDCClientID, "oidc-client-id", "", "the console's client id at the identity provider")
	add(&cfg.OIDCClientSecret, "oidc-client-secret", "", "the console's client secret at the identity provider")
	add(&cfg.OIDCRedirectURL, "oidc-redirect-url", "", "this server's /console/callback URL as the identity provider knows it (default: http://ADDR/console/callback)")
	add(&cfg.OIDCRoleClaim, "oidc-role-claim", "roles", "the ID token claim that holds the person's roles")
	add(&cfg.OIDCRoles, "oidc-roles", "", "the role claim's values to the procedure's roles, comma-separated VALUE=ROLE (default: the values are role names)")
	add(&cfg.OIDCScopes, "oidc-scopes", "", "scopes to ask for beside openid, comma-separated (such as groups)")
	add(&cfg.CDSFHIRServers, "cds-fhir-servers", "", "FHIR server base URLs the CDS service may fetch missing prefetch from with the EHR's token, comma-separated (default: any the EHR names)")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Parse parses args into fs, then takes each flag not given from its
// environment variable.
// A -h or --help anywhere before "--" is ErrHelp, and nothing is parsed; an
// argument that is not a flag is ErrUsage (the server's commands take none).
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			return ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return ErrUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q; the command takes only flags\n", fs.Name(), fs.Arg(0))
		return ErrUsage
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(EnvName(f.Name)); v != "" && !given[f.Name] && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = &ConfigError{Setting: f.Name, Problem: e.Error()}
			}
		}
	})
	return err
}

// NewFlagSet returns a flag set that reports errors and help on w.
func NewFlagSet(name, usage string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// PrintHelp prints fs's usage and flags on w, for a command's --help.
func PrintHelp(fs *flag.FlagSet, w io.Writer) {
	fs.SetOutput(w)
	fs.Usage()
}

// Check checks the settings that can be checked without connecting
// anywhere; the first bad one is a *ConfigError.
func (cfg *Config) Check() error {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return &ConfigError{"addr", fmt.Sprintf("%q is not host:port", cfg.Addr)}
	}
	if cfg.Postgres == "" {
		if err := checkDir(cfg.DataDir, true); err != nil {
			return &ConfigError{"data-dir", err.Error()}
		}
	}
	if cfg.RulesDir != "" {
		if err := checkDir(cfg.RulesDir, false); err != nil {
			return &ConfigError{"rules", err.Error()}
		}
	}
	if cfg.JWKS != "" && strings.Contains(cfg.JWKS, "://") {
		if err := checkJWKSURL(cfg.JWKS); err != nil {
			return &ConfigError{"jwks", err.Error()}
		}
	}
	switch {
	case cfg.Issuer == "":
		return &ConfigError{"issuer", "must not be empty"}
	case cfg.Audience == "":
		return &ConfigError{"audience", "must not be empty"}
	}
	if _, err := cfg.CheckpointEvery(); err != nil {
		return err
	}
	if _, err := cfg.approvals(); err != nil {
		return err
	}
	_, err := cfg.cdsSettings()
	return err
}

// CheckpointEvery is AuditCheckpointEvery parsed.
func (cfg *Config) CheckpointEvery() (time.Duration, error) {
	if cfg.AuditCheckpointEvery == "" {
		return time.Second, nil
	}
	d, err := time.ParseDuration(cfg.AuditCheckpointEvery)
	if err != nil || d <= 0 {
		return 0, &ConfigError{"audit-checkpoint-every", fmt.Sprintf("%q is not a positive duration such as 1s", cfg.AuditCheckpointEvery)}
	}
	return d, nil
}

// checkDir checks that dir is a directory, creating it when create is set.
func checkDir(dir string, create bool) error {
	if dir == "" {
		return errors.New("must not be empty")
	}
	st, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) && create {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", dir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

// checkJWKSURL allows https, and http only to this machine.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%s: keys must come over https (http only from this machine)", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
