package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVAPIDHeader(t *testing.T) {
	public, private := newVAPIDKeys(t)
	pub, priv, err := parseKeys(public, private)
	if err != nil {
		t.Fatal(err)
	}
	v, err := newVAPID(pub, priv, "mailto:ops@example.org")
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	v.now = func() time.Time { return clock }
	mozilla, _ := url.Parse("https://updates.push.services.mozilla.com/wpush/v2/gAAAA")
	mozilla2, _ := url.Parse("https://updates.push.services.mozilla.com/wpush/v2/other")
	google, _ := url.Parse("https://fcm.googleapis.com:443/fcm/send/abc")

	first, err := v.header(mozilla)
	if err != nil {
		t.Fatal(err)
	}
	checkVAPID(t, first, public, "https://updates.push.services.mozilla.com", clock.Add(12*time.Hour))

	tests := []struct {
		name     string
		after    time.Duration
		endpoint *url.URL
		wantSame bool
		wantAud  string
	}{
		{"another subscription of the same service", time.Minute, mozilla2, true, ""},
		{"another service", time.Minute, google, false, "https://fcm.googleapis.com:443"},
		{"ten hours on", 10 * time.Hour, mozilla, true, ""},
		{"less than an hour left", 11*time.Hour + time.Second, mozilla, false, "https://updates.push.services.mozilla.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := clock.Add(tt.after)
			v.now = func() time.Time { return now }
			got, err := v.header(tt.endpoint)
			if err != nil {
				t.Fatal(err)
			}
			if same := got == first; same != tt.wantSame {
				t.Fatalf("got the first token again: %v; want %v", same, tt.wantSame)
			}
			if !tt.wantSame {
				checkVAPID(t, got, public, tt.wantAud, now.Add(12*time.Hour))
			}
		})
	}
}

// checkVAPID verifies a "vapid t=…, k=…" header as a push service would.
func checkVAPID(t *testing.T, header, public, aud string, exp time.Time) {
	t.Helper()
	token, k, ok := strings.Cut(strings.TrimPrefix(header, "vapid t="), ", k=")
	if !strings.HasPrefix(header, "vapid t=") || !ok || k != public {
		t.Fatalf("got header %q; want vapid t=<jwt>, k=%s", header, public)
	}
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b64(t, public))
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(func() time.Time { return exp.Add(-time.Hour) }))
	if err != nil {
		t.Fatalf("the token does not verify: %v", err)
	}
	gotExp, _ := claims.GetExpirationTime()
	if claims["aud"] != aud || claims["sub"] != "mailto:ops@example.org" || gotExp == nil || !gotExp.Equal(exp) {
		t.Errorf("got claims %v; want aud %s, sub mailto:ops@example.org, exp %v", claims, aud, exp)
	}
}
