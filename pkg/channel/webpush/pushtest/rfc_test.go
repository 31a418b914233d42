package pushtest

import (
	"crypto/ecdh"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

// TestDecryptRFC8291Example holds the fake to the standard, apart from any
// sender: it opens the push of RFC 8291, Section 5 and Appendix A with the
// user agent's keys given there.
func TestDecryptRFC8291Example(t *testing.T) {
	ua, err := ecdh.P256().NewPrivateKey(b64(t, "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes()),
		"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"; got != want {
		t.Fatalf("got the user agent's public key %s; want the RFC's %s", got, want)
	}
	body := b64(t, "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
	got, err := decrypt(body, ua, b64(t, "BTBZMqHH6r4Tts7J_aSIgg"))
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	if want := "When I grow up, I want to be a watermelon"; string(got) != want {
		t.Errorf("got %q; want %q", got, want)
	}
}

// TestVerifyRFC8292Example checks the example header of RFC 8292,
// Section 2.4 (key, JWT and all) as the fake checks a push's: it holds for
// the RFC's push service before the token expires, and for nothing else.
func TestVerifyRFC8292Example(t *testing.T) {
	const k = "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs"
	const token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9OkSSHzvoD1oA"
	exp := time.Unix(1453523768, 0)
	tests := []struct {
		name    string
		token   string
		origin  string
		now     time.Time
		wantErr string // "": verifies, sub mailto:push@example.com
	}{
		{"as in the RFC", token, "https://push.example.net", exp.Add(-time.Hour), ""},
		{"another push service", token, "https://push.example.org", exp.Add(-time.Hour), "aud"},
		{"after it expired", token, "https://push.example.net", exp.Add(time.Second), "exp"},
		{"a signature byte changed", token[:len(token)-3] + "Aoa", "https://push.example.net", exp.Add(-time.Hour), "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := verifyVAPID("vapid t="+tt.token+", k="+k, tt.origin, b64(t, k), tt.now)
			sub := claims.Subject
			switch {
			case tt.wantErr == "" && (err != nil || sub != "mailto:push@example.com"):
				t.Errorf("got sub %q, %v; want mailto:push@example.com", sub, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got sub %q, %v; want an error about %s", sub, err, tt.wantErr)
			}
		})
	}
}
