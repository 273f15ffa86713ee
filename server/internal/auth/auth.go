// Package auth verifies the bearer tokens of the reference server: JWTs
// signed with an asymmetric key the server trusts (a JWKS file or URL, or
// the development key it makes for itself), from the configured issuer, for
// the configured audience, in their validity window, carrying a known role.
//
//	v, err := auth.NewVerifier(auth.Config{Keys: keys, Issuer: iss, Audience: aud})
//	who, err := v.Verify(ctx, bearer)
package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"github.com/reocell/celltherapy/procedure"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Role is the role claim of a token: one of the clinic procedure's roles
// (procedure.Role), so that the server and the procedure cannot disagree on
// them.
type Role = procedure.Role

// The roles, as the procedure names them.
const (
	Administrator = procedure.Administrator
	Doctor        = procedure.Doctor
	Board         = procedure.Board
	Lab           = procedure.Lab
	Nurse         = procedure.Nurse
	Auditor       = procedure.Auditor // reads, never writes
)

// Roles returns every role, in a fixed order.
func Roles() []Role { return procedure.Roles() }

// Algorithms is the allow-list of signature algorithms: asymmetric only,
// so neither "none" nor an HMAC keyed with a public key gets through.
func Algorithms() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{
		jose.ES256, jose.ES384, jose.ES512,
		jose.RS256, jose.RS384, jose.RS512,
		jose.PS256, jose.PS384, jose.PS512,
		jose.EdDSA,
	}
}

// Principal is who a verified token speaks for.
type Principal struct {
	Subject string    // the sub claim
	Role    Role      // the role claim
	Expiry  time.Time // the exp claim
}

// Claims are the claims the server reads from a token.
type Claims struct {
	jwt.Claims
	Role Role `json:"role"`
}

// ErrUnauthenticated is what every verification failure matches with
// errors.Is; the *Error says why.
var ErrUnauthenticated = errors.New("unauthenticated")

// Error is a token that does not verify, and why. The reason is safe to
// log and to show: it names no claim value.
type Error struct{ Reason string }

func (e *Error) Error() string { return "unauthenticated: " + e.Reason }

// Is makes every *Error match ErrUnauthenticated.
func (e *Error) Is(target error) bool { return target == ErrUnauthenticated }

func fail(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// KeySource gives the public keys a token with key id kid may be signed by.
type KeySource interface {
	Keys(ctx context.Context, kid string) ([]jose.JSONWebKey, error)
}

// Config configures a Verifier.
type Config struct {
	Keys     KeySource
	Issuer   string        // the iss every token must carry
	Audience string        // a value the aud of every token must hold
	Leeway   time.Duration // clock skew allowed on exp, nbf and iat (default 30s)
	Now      func() time.Time
	// CacheSize is how many verified tokens are kept (default 10000).
	CacheSize int
}

// Verifier verifies tokens. It is safe for concurrent use.
type Verifier struct {
	cfg   Config
	mu    sync.Mutex
	cache map[[sha256.Size]byte]Principal
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg Config) (*Verifier, error) {
	switch {
	case cfg.Keys == nil:
		return nil, errors.New("auth: no keys to verify tokens with")
	case cfg.Issuer == "":
		return nil, errors.New("auth: no issuer")
	case cfg.Audience == "":
		return nil, errors.New("auth: no audience")
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 10000
	}
	return &Verifier{cfg: cfg, cache: make(map[[sha256.Size]byte]Principal)}, nil
}

// Verify checks the compact JWT raw and returns who it speaks for. A token
// verified before is answered from a cache keyed by its digest until it
// expires, so that signature checks do not dominate a busy server.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	if raw == "" {
		return Principal{}, fail("no bearer token")
	}
	now := v.cfg.Now()
	key := sha256.Sum256([]byte(raw))
	v.mu.Lock()
	p, ok := v.cache[key]
	v.mu.Unlock()
	if ok && now.Before(p.Expiry.Add(v.cfg.Leeway)) {
		return p, nil
	}
	p, err := v.verify(ctx, raw, now)
	if err != nil {
		return Principal{}, err
	}
	v.remember(key, p, now)
	return p, nil
}

func (v *Verifier) verify(ctx context.Context, raw string, now time.Time) (Principal, error) {
	tok, err := jwt.ParseSigned(raw, Algorithms())
	if err != nil {
		return Principal{}, fail("not a JWS signed with an allowed algorithm")
	}
	h := tok.Headers[0]
	keys, err := v.cfg.Keys.Keys(ctx, h.KeyID)
	if err != nil {
		return Principal{}, fmt.Errorf("auth: keys: %w", err) // our fault, not the caller's
	}
	var claims Claims
	verified := false
	for _, k := range keys {
		if k.Use == "enc" || (k.Algorithm != "" && k.Algorithm != h.Algorithm) {
			continue
		}
		if tok.Claims(k, &claims) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return Principal{}, fail("signature does not verify with a trusted key")
	}
	return v.check(claims, now)
}

func (v *Verifier) check(c Claims, now time.Time) (Principal, error) {
	err := c.ValidateWithLeeway(jwt.Expected{
		Issuer:      v.cfg.Issuer,
		AnyAudience: jwt.Audience{v.cfg.Audience},
		Time:        now,
	}, v.cfg.Leeway)
	switch {
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return Principal{}, fail("issuer is not the one trusted")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return Principal{}, fail("audience does not include this server")
	case errors.Is(err, jwt.ErrExpired):
		return Principal{}, fail("token has expired")
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return Principal{}, fail("token is not valid yet")
	case err != nil:
		return Principal{}, fail("claims do not validate")
	case c.Expiry == nil:
		return Principal{}, fail("token has no expiry (exp)")
	case c.Subject == "":
		return Principal{}, fail("token has no subject (sub)")
	case !c.Role.Valid():
		return Principal{}, fail("role claim is missing or not a clinic role")
	}
	return Principal{Subject: c.Subject, Role: c.Role, Expiry: c.Expiry.Time()}, nil
}

// remember caches p; when the cache is full it first forgets expired
// tokens, then everything.
func (v *Verifier) remember(key [sha256.Size]byte, p Principal, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.cache) >= v.cfg.CacheSize {
		for k, q := range v.cache {
			if !now.Before(q.Expiry) {
				delete(v.cache, k)
			}
		}
		if len(v.cache) >= v.cfg.CacheSize {
			clear(v.cache)
		}
	}
	v.cache[key] = p
}
