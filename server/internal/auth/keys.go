package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// StaticKeys is a fixed set of public keys, from a JWKS file or the
// development key.
type StaticKeys struct{ set jose.JSONWebKeySet }

// NewStaticKeys returns the public halves of the keys in set; it refuses a
// set with no asymmetric signing key.
func NewStaticKeys(set jose.JSONWebKeySet) (*StaticKeys, error) {
	var pub jose.JSONWebKeySet
	for _, k := range set.Keys {
		if !k.Valid() {
			continue
		}
		p := k.Public()
		if p.Key == nil { // a symmetric key has no public half
			continue
		}
		pub.Keys = append(pub.Keys, p)
	}
	if len(pub.Keys) == 0 {
		return nil, errors.New("no asymmetric public key in the key set")
	}
	return &StaticKeys{set: pub}, nil
}

// ReadJWKSFile reads the JWKS (a JSON object with "keys") in file.
func ReadJWKSFile(file string) (*StaticKeys, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("%s: not a JWKS: %w", file, err)
	}
	keys, err := NewStaticKeys(set)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return keys, nil
}

// Keys returns the keys with id kid, or every key when kid is "".
func (s *StaticKeys) Keys(_ context.Context, kid string) ([]jose.JSONWebKey, error) {
	if kid == "" {
		return s.set.Keys, nil
	}
	return s.set.Key(kid), nil
}

// RemoteKeys is a JWKS fetched from an identity provider's URL. It is
// fetched on first use and again when a token names a key it does not
// hold (a rotation), at most once per MinRefresh.
type RemoteKeys struct {
	URL        string
	Client     *http.Client
	MinRefresh time.Duration

	mu      sync.Mutex
	keys    *StaticKeys
	fetched time.Time
}

// Keys returns the keys with id kid, fetching the set when needed.
func (r *RemoteKeys) Keys(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys != nil {
		if ks, _ := r.keys.Keys(ctx, kid); len(ks) > 0 || time.Since(r.fetched) < r.minRefresh() {
			return ks, nil
		}
	}
	keys, err := r.fetch(ctx)
	if err != nil {
		if r.keys != nil { // keep serving with the keys we had
			return r.keys.Keys(ctx, kid)
		}
		return nil, err
	}
	r.keys, r.fetched = keys, time.Now()
	return keys.Keys(ctx, kid)
}

func (r *RemoteKeys) minRefresh() time.Duration {
	if r.MinRefresh > 0 {
		return r.MinRefresh
	}
	return time.Minute
}

func (r *RemoteKeys) fetch(ctx context.Context) (*StaticKeys, error) {
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", r.URL, resp.Status)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("%s: not a JWKS: %w", r.URL, err)
	}
	return NewStaticKeys(set)
}

// DevKeyFile is the name of the development signing key in the data directory.
const DevKeyFile = "dev-signing-key.jwk"

// LoadOrCreateDevKey returns the development signing key kept in dir,
// creating an ES256 key there (mode 0600) on first use.
func LoadOrCreateDevKey(dir string) (jose.JSONWebKey, error) {
	file := filepath.Join(dir, DevKeyFile)
	data, err := os.ReadFile(file)
	if err == nil {
		var k jose.JSONWebKey
		if err := json.Unmarshal(data, &k); err != nil || k.IsPublic() {
			return jose.JSONWebKey{}, fmt.Errorf("%s: not a private JWK; delete it to make a new one", file)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return jose.JSONWebKey{}, err
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	k := jose.JSONWebKey{Key: priv, Algorithm: string(jose.ES256), Use: "sig"}
	thumb, err := k.Thumbprint(cryptoSHA256)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	k.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	data, err = json.Marshal(k)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return jose.JSONWebKey{}, err
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		return jose.JSONWebKey{}, err
	}
	return k, nil
}

// Mint signs a token for sub with role, valid from now for ttl, with the
// private key k.
func Mint(k jose.JSONWebKey, issuer, audience, sub string, role Role, now time.Time, ttl time.Duration) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: k},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	c := Claims{
		Claims: jwt.Claims{
			Issuer: issuer, Subject: sub, Audience: jwt.Audience{audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			Expiry: jwt.NewNumericDate(now.Add(ttl)),
		},
		Role: role,
	}
	return jwt.Signed(signer).Claims(c).Serialize()
}

const cryptoSHA256 = crypto.SHA256
