package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A VAPID token (RFC 8292) is signed for 12 hours and re-signed when less
// than an hour of it is left; push services accept up to 24.
const (
	vapidLifetime = 12 * time.Hour
	vapidRenew    = time.Hour
)

// maxVAPIDTokens bounds the tokens kept: browsers use a handful of push
// services, but a subscription names its endpoint itself.
const maxVAPIDTokens = 64

// vapid makes the Authorization header of RFC 8292 ("vapid t=<JWT>,
// k=<public key>") and keeps each push service's for reuse. Signing is an
// ES256 signature: per push it was a third of invoke's CPU, for a token
// that may serve every push to that service for hours.
type vapid struct {
	key     *ecdsa.PrivateKey
	k       string // the public key, base64url: the header's k=
	subject string // the JWT's sub: a mailto: or https: URL
	// now is the wall clock, not the channel's: a push service checks
	// exp against its own.
	now func() time.Time

	mu     sync.Mutex
	tokens map[string]vapidToken // by audience: the push service's origin
}

type vapidToken struct {
	header  string
	expires time.Time
}

// newVAPID takes the key pair as parseKeys returns it.
func newVAPID(public, private []byte, subject string) (*vapid, error) {
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), private)
	if err != nil {
		return nil, fmt.Errorf("webpush: webpush.private_key is not a valid P-256 private key; the value is not shown")
	}
	return &vapid{key: key, k: base64.RawURLEncoding.EncodeToString(public), subject: subject,
		now: time.Now, tokens: make(map[string]vapidToken)}, nil
}

// header returns the Authorization header for a push to endpoint.
func (v *vapid) header(endpoint *url.URL) (string, error) {
	aud := endpoint.Scheme + "://" + endpoint.Host
	now := v.now()
	v.mu.Lock()
	defer v.mu.Unlock()
	if t, ok := v.tokens[aud]; ok && t.expires.Sub(now) > vapidRenew {
		return t.header, nil
	}
	expires := now.Add(vapidLifetime).Truncate(time.Second)
	jwtText, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"aud": aud, "exp": expires.Unix(), "sub": v.subject,
	}).SignedString(v.key)
	if err != nil {
		return "", fmt.Errorf("sign the vapid token: %w", err)
	}
	t := vapidToken{header: "vapid t=" + jwtText + ", k=" + v.k, expires: expires}
	if len(v.tokens) >= maxVAPIDTokens { // not a handful of push services: forget them all
		clear(v.tokens)
	}
	v.tokens[aud] = t
	return t.header, nil
}
