package cdshooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ErrUnauthenticated is matched (errors.Is) by every *AuthError.
var ErrUnauthenticated = errors.New("cdshooks: unauthenticated")

// AuthError is why a CDS client's JWT was refused.
type AuthError struct {
	Reason string
}

func (e *AuthError) Error() string { return "cdshooks: JWT refused: " + e.Reason }

// Is reports whether target is ErrUnauthenticated.
func (e *AuthError) Is(target error) bool { return target == ErrUnauthenticated }

func refuse(format string, args ...any) error {
	return &AuthError{Reason: fmt.Sprintf(format, args...)}
}

// Algorithms returns the signature algorithms accepted from CDS clients:
// the asymmetric ones only, as the specification requires (none and HMAC
// are refused). ES384 and RS384 are the ones it recommends. The slice is
// the caller's own.
func Algorithms() []jose.SignatureAlgorithm { return slices.Clone(algorithms) }

var algorithms = []jose.SignatureAlgorithm{
	jose.ES384, jose.RS384, jose.ES256, jose.ES512, jose.RS256, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.EdDSA,
}

// Issuer is a trusted CDS client: the keys it signs with.
type Issuer struct {
	// Keys are the issuer's public keys, agreed out of band; used for
	// tokens without a jku header.
	Keys *jose.JSONWebKeySet
	// JKU lists the key set URLs the issuer may name in a jku header; any
	// other URL is refused. Key sets are fetched with AuthConfig.Client.
	JKU []string
}

// AuthConfig configures the authentication of CDS clients.
type AuthConfig struct {
	// Issuers are the allow-listed iss values and their keys.
	Issuers map[string]Issuer
	// Client fetches jku key sets (default http.DefaultClient).
	Client *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Leeway is the clock skew allowed on exp and iat (default 30s).
	Leeway time.Duration
	// MaxLifetime bounds exp - iat, so that replayed jti values need only
	// be remembered that long (default 5 minutes).
	MaxLifetime time.Duration
	// KeySetTTL is how long a fetched key set is used (default 5 minutes).
	KeySetTTL time.Duration
}

// Verifier checks the JWT of every CDS client call. It is safe for
// concurrent use.
type Verifier struct {
	cfg  AuthConfig
	mu   sync.Mutex
	seen map[string]time.Time // iss + jti -> when it may be forgotten
	sets map[string]keySet    // jku -> fetched keys
}

type keySet struct {
	keys    *jose.JSONWebKeySet
	fetched time.Time
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg AuthConfig) (*Verifier, error) {
	if len(cfg.Issuers) == 0 {
		return nil, errors.New("cdshooks: AuthConfig.Issuers is empty: no CDS client could call")
	}
	for iss, is := range cfg.Issuers {
		if is.Keys == nil && len(is.JKU) == 0 {
			return nil, fmt.Errorf("cdshooks: issuer %q has neither Keys nor JKU", iss)
		}
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Leeway = cmpOr(cfg.Leeway, 30*time.Second)
	cfg.MaxLifetime = cmpOr(cfg.MaxLifetime, 5*time.Minute)
	cfg.KeySetTTL = cmpOr(cfg.KeySetTTL, 5*time.Minute)
	return &Verifier{cfg: cfg, seen: map[string]time.Time{}, sets: map[string]keySet{}}, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Caller is the authenticated CDS client of a call.
type Caller struct {
	Issuer string
	Tenant string
	JTI    string
}

type cdsClaims struct {
	jwt.Claims
	Tenant string `json:"tenant,omitempty"`
}

// Verify checks the bearer token of a call to audience (the URL of the
// endpoint called) and returns who called. Each jti is accepted once.
func (v *Verifier) Verify(ctx context.Context, token, audience string) (*Caller, error) {
	tok, err := jwt.ParseSigned(token, algorithms)
	if err != nil {
		return nil, refuse("not a JWS signed with an asymmetric algorithm (%v)", err)
	}
	if len(tok.Headers) != 1 {
		return nil, refuse("want exactly one signature")
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "JWT" {
		return nil, refuse("header typ must be JWT")
	}
	if h.KeyID == "" {
		return nil, refuse("header kid is missing")
	}
	var unverified cdsClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, refuse("claims are not valid JSON")
	}
	issuer, ok := v.cfg.Issuers[unverified.Issuer]
	if !ok {
		return nil, refuse("iss %q is not an allowed issuer", unverified.Issuer)
	}
	key, err := v.key(ctx, issuer, h)
	if err != nil {
		return nil, err
	}
	var c cdsClaims
	if err := tok.Claims(key, &c); err != nil {
		return nil, refuse("the signature does not verify with key %q", h.KeyID)
	}
	if err := v.checkClaims(&c, audience); err != nil {
		return nil, err
	}
	if err := v.once(c.Issuer, c.ID, c.Expiry.Time()); err != nil {
		return nil, err
	}
	return &Caller{Issuer: c.Issuer, Tenant: c.Tenant, JTI: c.ID}, nil
}

func (v *Verifier) checkClaims(c *cdsClaims, audience string) error {
	now := v.cfg.Now()
	switch {
	case c.Expiry == nil:
		return refuse("exp is missing")
	case c.IssuedAt == nil:
		return refuse("iat is missing")
	case c.ID == "":
		return refuse("jti is missing")
	case len(c.Audience) == 0:
		return refuse("aud is missing")
	case !c.Audience.Contains(audience):
		return refuse("aud %q is not this endpoint (%s)", []string(c.Audience), audience)
	case now.After(c.Expiry.Time().Add(v.cfg.Leeway)):
		return refuse("the token expired at %s", c.Expiry.Time().UTC().Format(time.RFC3339))
	case c.IssuedAt.Time().After(now.Add(v.cfg.Leeway)):
		return refuse("iat is in the future")
	case c.Expiry.Time().Sub(c.IssuedAt.Time()) > v.cfg.MaxLifetime:
		return refuse("the token lives longer than %s (exp - iat)", v.cfg.MaxLifetime)
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(v.cfg.Leeway)):
		return refuse("the token is not valid yet (nbf)")
	}
	return nil
}

// once records iss+jti until exp, refusing one seen before.
func (v *Verifier) once(iss, jti string, exp time.Time) error {
	now := v.cfg.Now()
	k := iss + "\x00" + jti
	v.mu.Lock()
	defer v.mu.Unlock()
	if until, seen := v.seen[k]; seen && now.Before(until) {
		return refuse("jti %q was already used: a replayed token", jti)
	}
	if len(v.seen) >= 1024 {
		for k, until := range v.seen {
			if !now.Before(until) {
				delete(v.seen, k)
			}
		}
	}
	v.seen[k] = exp.Add(v.cfg.Leeway)
	return nil
}

// key finds the verification key of h: from the allow-listed jku it names,
// else from the issuer's own keys.
func (v *Verifier) key(ctx context.Context, is Issuer, h jose.Header) (*jose.JSONWebKey, error) {
	jku, named := h.ExtraHeaders["jku"]
	if !named {
		if is.Keys == nil {
			return nil, refuse("no jku header, and no keys agreed out of band for this issuer")
		}
		return pick(is.Keys, h)
	}
	url, _ := jku.(string)
	allowed := false
	for _, u := range is.JKU {
		allowed = allowed || u == url
	}
	if !allowed {
		return nil, refuse("jku %q is not an allowed key set URL for this issuer", url)
	}
	set, err := v.keySet(ctx, url, h.KeyID)
	if err != nil {
		return nil, err
	}
	return pick(set, h)
}

func pick(set *jose.JSONWebKeySet, h jose.Header) (*jose.JSONWebKey, error) {
	for _, k := range set.Key(h.KeyID) {
		if k.IsPublic() && (k.Algorithm == "" || k.Algorithm == h.Algorithm) && (k.Use == "" || k.Use == "sig") {
			return &k, nil
		}
	}
	return nil, refuse("no public signing key %q for %s", h.KeyID, h.Algorithm)
}

// keySet returns the key set at url, fetching it when it is stale or lacks
// kid (at most once every 30 seconds).
func (v *Verifier) keySet(ctx context.Context, url, kid string) (*jose.JSONWebKeySet, error) {
	now := v.cfg.Now()
	v.mu.Lock()
	cached, ok := v.sets[url]
	v.mu.Unlock()
	fresh := ok && now.Sub(cached.fetched) < v.cfg.KeySetTTL
	if fresh && (len(cached.keys.Key(kid)) > 0 || now.Sub(cached.fetched) < 30*time.Second) {
		return cached.keys, nil
	}
	set, err := v.fetchKeySet(ctx, url)
	if err != nil {
		if ok {
			return cached.keys, nil // keep serving with the keys we had
		}
		return nil, refuse("the key set at jku could not be fetched: %v", err)
	}
	v.mu.Lock()
	v.sets[url] = keySet{keys: set, fetched: now}
	v.mu.Unlock()
	return set, nil
}

func (v *Verifier) fetchKeySet(ctx context.Context, url string) (*jose.JSONWebKeySet, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("not a JWK set: %w", err)
	}
	return &set, nil
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", refuse("no Authorization: Bearer token; every CDS Hooks call needs one")
	}
	return strings.TrimSpace(token), nil
}
