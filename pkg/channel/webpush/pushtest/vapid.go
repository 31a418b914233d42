package pushtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// maxJWTLifetime is how far in the future a VAPID JWT may expire (RFC 8292 §2).
const maxJWTLifetime = 24 * time.Hour

// verifyVAPID checks the Authorization header of a push (RFC 8292):
// "vapid t=<JWT>, k=<public key>", the JWT signed with ES256 by the key k
// (which must be appKey when set), for audience origin, not expired and not
// expiring more than 24 hours from now, with a mailto: or https: subject,
// and returns its claims.
func verifyVAPID(header, origin string, appKey []byte, now time.Time) (vapidClaims, error) {
	scheme, params, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "vapid") {
		return vapidClaims{}, fail(http.StatusUnauthorized, "Authorization scheme %q; want vapid", scheme)
	}
	var token, key string
	for _, p := range strings.Split(params, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(name) {
		case "t":
			token = value
		case "k":
			key = value
		}
	}
	if token == "" || key == "" {
		return vapidClaims{}, fail(http.StatusUnauthorized, "Authorization header lacks t= or k=")
	}
	k, err := decodeB64(key)
	if err != nil {
		return vapidClaims{}, fail(http.StatusUnauthorized, "k= is not base64url: %v", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), k)
	if err != nil {
		return vapidClaims{}, fail(http.StatusUnauthorized, "k= is not an uncompressed P-256 public key: %v", err)
	}
	if appKey != nil && !bytes.Equal(k, appKey) {
		return vapidClaims{}, fail(http.StatusForbidden, "k= is not the application server key the subscription was made with")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT has %d parts; want 3", len(parts))
	}
	var head struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := decodeJSON(parts[0], &head); err != nil {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT header: %v", err)
	}
	if head.Alg != "ES256" || head.Typ != "" && !strings.EqualFold(head.Typ, "JWT") {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT header alg %q typ %q; want ES256, JWT", head.Alg, head.Typ)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT signature is not 64 bytes of base64url (r||s)")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT signature does not verify with k=")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp *int64 `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := decodeJSON(parts[1], &claims); err != nil {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT claims: %v", err)
	}
	if claims.Aud != origin {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT aud %q; want the endpoint's origin %q", claims.Aud, origin)
	}
	if claims.Exp == nil {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT has no exp")
	}
	exp := time.Unix(*claims.Exp, 0)
	if !exp.After(now) || exp.After(now.Add(maxJWTLifetime)) {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT exp %s is not within 24 hours after %s", exp.UTC(), now.UTC())
	}
	if !validSubject(claims.Sub) {
		return vapidClaims{}, fail(http.StatusUnauthorized, "JWT sub %q is not a mailto: address or an https: URL", claims.Sub)
	}
	return vapidClaims{Subject: claims.Sub, Audience: claims.Aud, Expires: exp}, nil
}

// vapidClaims are the claims of a VAPID JWT that verified.
type vapidClaims struct {
	Subject, Audience string
	Expires           time.Time
}

// validSubject accepts "mailto:someone@host" and "https://host...".
func validSubject(sub string) bool {
	if rest, ok := strings.CutPrefix(sub, "mailto:"); ok {
		local, domain, ok := strings.Cut(rest, "@")
		return ok && local != "" && domain != "" && !strings.Contains(local, ":")
	}
	rest, ok := strings.CutPrefix(sub, "https://")
	return ok && rest != ""
}

func decodeJSON(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// decodeB64 reads base64url with or without padding.
func decodeB64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
