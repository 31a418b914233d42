package doctor

import (
	"context"
	"crypto/ecdh"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// VAPIDCheck checks that webpush.public_key and webpush.private_key are a
// P-256 key pair (the public key is the private key's) and that there is
// a subject push services accept.
func VAPIDCheck(c config.WebPush) Check {
	const name = "vapid"
	const regenerate = "make a pair with pfsnotify vapid generate and put both keys in the webpush section (browsers then subscribe again)"
	return Check{Name: name, Run: func(context.Context) []Result {
		switch {
		case c.PublicKey == "" && c.PrivateKey == "":
			return one(ok(name, "not configured: push notifications are off"))
		case c.PublicKey == "" || c.PrivateKey == "":
			return one(failf(name, "only one of webpush.public_key and webpush.private_key is set", regenerate))
		}
		pub, err := decodeKey(c.PublicKey)
		if err != nil || len(pub) != 65 || pub[0] != 4 {
			return one(failf(name, "webpush.public_key is not an uncompressed P-256 point in base64url (65 bytes)", regenerate))
		}
		if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
			return one(failf(name, "webpush.public_key is not a point of P-256", regenerate))
		}
		raw, err := decodeKey(c.PrivateKey)
		if err != nil || len(raw) != 32 {
			return one(failf(name, "webpush.private_key is not a 32-byte P-256 key in base64url (the value is not shown)", regenerate))
		}
		priv, err := ecdh.P256().NewPrivateKey(raw)
		if err != nil {
			return one(failf(name, "webpush.private_key is not a valid P-256 key (the value is not shown)", regenerate))
		}
		if subtle.ConstantTimeCompare(priv.PublicKey().Bytes(), pub) != 1 {
			return one(failf(name, "webpush.public_key is not the public key of webpush.private_key: push services refuse every push",
				"put back the public key that goes with the private key, or "+regenerate))
		}
		s := c.Subject
		if s == "" {
			return one(failf(name, "the keys are a pair, but webpush.subject is empty: invoke will not push without it",
				"set webpush.subject to mailto:you@example.org or an https URL"))
		}
		if !strings.HasPrefix(s, "mailto:") && !strings.HasPrefix(s, "https://") && !strings.Contains(s, "@") {
			return one(warnf(name, "the keys are a pair; webpush.subject %q is neither a mailto: address nor an https URL",
				"set webpush.subject to mailto:you@example.org", s))
		}
		return one(ok(name, "the keys are a P-256 pair; subject %s", s))
	}}
}

// decodeKey reads base64url with or without padding (and the standard
// alphabet, which some tools write).
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}
