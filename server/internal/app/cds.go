package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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
}

// cdsSettings parses and checks the CDS Hooks settings; nil when CDS
// Hooks is off (no --cds-clients). JWKS files are read here.
func (cfg *Config) cdsSettings() (*cdsSettings, error) {
	if strings.TrimSpace(cfg.CDSClients) == "" {
		for _, set := range []struct{ name, value string }{
			{"cds-base-url", cfg.CDSBaseURL}, {"cds-order-codes", cfg.CDSOrderCodes}, {"cds-fhir-servers", cfg.CDSFHIRServers},
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
	return s, nil
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
// with the rules in force and records feedback and screenings in the
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
	h, err := cdshooks.New(cdshooks.Config{BaseURL: s.baseURL, Screener: shelf.Screener(), Verifier: verifier,
		Feedback: sink, Screenings: sink, Client: client, FHIRServers: s.fhirServers, OrderCodes: s.orderCodes, Logger: logger})
	if err != nil {
		return nil, &ConfigError{"cds-base-url", err.Error()}
	}
	return h, nil
}
