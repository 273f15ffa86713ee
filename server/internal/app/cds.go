package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/reocell/celltherapy/fhir"
	"github.com/reocell/celltherapy/fhir/cdshooks"
	"github.com/reocell/celltherapy/server/internal/auth"
	"github.com/reocell/celltherapy/server/internal/httpapi"
	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// cdsSettings are the CDS Hooks settings, parsed.
type cdsSettings struct {
	issuers     map[string]cdshooks.Issuer
	baseURL     string
	orderCodes  []fhir.Coding
	fhirServers []string
	origins     []string
	limits      cdshooks.Limits
	terminology *fhir.TerminologyClient
}

// cdsSettings parses and checks the CDS Hooks settings; nil when CDS
// Hooks is off (no --cds-clients). JWKS files are read here.
func (cfg *Config) cdsSettings() (*cdsSettings, error) {
	if strings.TrimSpace(cfg.CDSClients) == "" {
		for _, set := range []struct{ name, value string }{
			{"cds-base-url", cfg.CDSBaseURL}, {"cds-order-codes", cfg.CDSOrderCodes}, {"cds-fhir-servers", cfg.CDSFHIRServers},
			{"cds-allowed-origins", cfg.CDSOrigins}, {"cds-fetch-limits", cfg.CDSFetchLimits}, {"terminology-server", cfg.Terminology},
		} {
			if set.value != "" {
				return nil, &ConfigError{set.name, "is set but --cds-clients is not: CDS Hooks is off without allow-listed clients"}
			}
		}
		return nil, nil
	}
	s := &cdsSettings{issuers: map[string]cdshooks.Issuer{}}
	for i, item := range list(cfg.CDSClients) {
		iss, source, ok := strings.Cut(item, "=")
		if !ok || iss == "" || source == "" {
			return nil, &ConfigError{"cds-clients", fmt.Sprintf("item %d %q: want ISSUER=JKU-URL or ISSUER=JWKS-FILE", i+1, item)}
		}
		is := s.issuers[iss]
		if strings.Contains(source, "://") {
			if err := checkJWKSURL(source); err != nil {
				return nil, &ConfigError{"cds-clients", fmt.Sprintf("item %d: %v", i+1, err)}
			}
			is.JKU = append(is.JKU, source)
		} else {
			set, err := auth.ReadJWKSFile(source)
			if err != nil {
				return nil, &ConfigError{"cds-clients", fmt.Sprintf("item %d: %v", i+1, err)}
			}
			pub, _ := set.Keys(context.Background(), "") // the public halves
			if is.Keys == nil {
				is.Keys = &jose.JSONWebKeySet{}
			}
			is.Keys.Keys = append(is.Keys.Keys, pub...)
		}
		s.issuers[iss] = is
	}
	base, err := checkBaseURL(cfg.CDSBaseURL)
	if err != nil {
		return nil, &ConfigError{"cds-base-url", err.Error()}
	}
	s.baseURL = base
	for i, item := range list(cfg.CDSOrderCodes) {
		system, code, ok := strings.Cut(item, "|")
		if !ok || system == "" || code == "" {
			return nil, &ConfigError{"cds-order-codes", fmt.Sprintf("item %d %q: want SYSTEM|CODE", i+1, item)}
		}
		s.orderCodes = append(s.orderCodes, fhir.Coding{System: system, Code: code})
	}
	for i, item := range list(cfg.CDSFHIRServers) {
		u, err := url.Parse(item)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &ConfigError{"cds-fhir-servers", fmt.Sprintf("item %d %q: want the base URL of a FHIR server", i+1, item)}
		}
		s.fhirServers = append(s.fhirServers, item)
	}
	if cfg.Terminology != "" {
		tc, err := fhir.NewTerminologyClient(cfg.Terminology, &http.Client{Timeout: 5 * time.Second}, 2*time.Second, 10_000)
		if err != nil {
			return nil, &ConfigError{"terminology-server", err.Error()}
		}
		s.terminology = tc
	}
	for i, item := range list(cfg.CDSOrigins) {
		u, err := url.Parse(item)
		if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			return nil, &ConfigError{"cds-allowed-origins", fmt.Sprintf("item %d %q: want an origin, https://host[:port] (http only on this machine), no path", i+1, item)}
		}
		s.origins = append(s.origins, item)
	}
	for i, item := range list(cfg.CDSFetchLimits) {
		name, value, _ := strings.Cut(item, "=")
		var err error
		switch name {
		case "pages":
			s.limits.Pages, err = positive(value)
		case "resources":
			s.limits.Resources, err = positive(value)
		case "bytes":
			var n int
			n, err = positive(value)
			s.limits.Bytes = int64(n)
		case "wait":
			s.limits.Wait, err = time.ParseDuration(value)
			if err == nil && s.limits.Wait <= 0 {
				err = fmt.Errorf("not positive")
			}
		default:
			err = fmt.Errorf("want pages=, resources=, bytes= or wait=")
		}
		if err != nil {
			return nil, &ConfigError{"cds-fetch-limits", fmt.Sprintf("item %d %q: %v", i+1, item, err)}
		}
	}
	return s, nil
}

func positive(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive whole number")
	}
	return n, nil
}

// list splits a comma-separated setting, dropping blanks.
func list(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// checkBaseURL checks the public base URL: https (http only on this
// machine), no query or fragment; it returns it without a trailing slash.
func checkBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("required with --cds-clients: the URL EHRs call, for the JWT aud check")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("not a URL: %v", err)
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("%s: a base URL has no query or fragment", raw)
	case u.Scheme == "https" && u.Host != "", u.Scheme == "http" && isLoopback(u.Hostname()):
		return strings.TrimRight(raw, "/"), nil
	}
	return "", fmt.Errorf("%s: EHRs must call over https (http only on this machine)", raw)
}

// cdsService builds the CDS Hooks service from the settings: it screens
// with the rules in force, reads records with the code tables in force
// (the rules directory's codes.yaml, or the built-in ones), and records feedback and screenings in the
// audit log. Nil when CDS Hooks is off.
func cdsService(s *cdsSettings, shelf *rulebook.Shelf, log httpapi.AuditLog, logger *slog.Logger) (http.Handler, error) {
	if s == nil {
		return nil, nil
	}
	client := &http.Client{Timeout: 5 * time.Second}
	verifier, err := cdshooks.NewVerifier(cdshooks.AuthConfig{Issuers: s.issuers, Client: client})
	if err != nil {
		return nil, &ConfigError{"cds-clients", err.Error()}
	}
	sink := httpapi.CDSAudit{Log: log}
	mappers := shelf.Mapper
	if tc := s.terminology; tc != nil {
		mappers = func() *fhir.Mapper { return shelf.Mapper().WithTerminology(tc, tc.URL()) }
	}
	h, err := cdshooks.New(cdshooks.Config{BaseURL: s.baseURL, Screener: shelf.Screener(), Verifier: verifier,
		Feedback: sink, Screenings: sink, Client: client, FHIRServers: s.fhirServers, OrderCodes: s.orderCodes, Logger: logger,
		Mappers: mappers, AllowedOrigins: s.origins, Limits: s.limits})
	if err != nil {
		return nil, &ConfigError{"cds-base-url", err.Error()}
	}
	return h, nil
}
