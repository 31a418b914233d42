package webpush

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"strings"
	"testing"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

// TestSealRFC8291 holds seal to the example of RFC 8291, Section 5 and
// Appendix A: the same keys and salt make the same bytes.
func TestSealRFC8291(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(b64(t, "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := seal([]byte("When I grow up, I want to be a watermelon"),
		b64(t, "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
		b64(t, "BTBZMqHH6r4Tts7J_aSIgg"), as, b64(t, "DGv6ra1nlYgDCS1FRnbzlw"), 0)
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	want := b64(t, "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
	if !bytes.Equal(got, want) {
		t.Errorf("got %s;\nwant %s", base64.RawURLEncoding.EncodeToString(got), base64.RawURLEncoding.EncodeToString(want))
	}
}

func TestSealSizes(t *testing.T) {
	ua, err := ecdh.P256().GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := ecdh.P256().GenerateKey(nil)
	salt, auth := make([]byte, 16), make([]byte, 16)
	tests := []struct {
		name    string
		payload int
		wantLen int
		wantErr string
	}{
		{"empty", 0, recordSize, ""},
		{"small", 100, recordSize, ""},
		{"the largest", MaxPayload, recordSize, ""},
		{"one byte too many", MaxPayload + 1, 0, "at most 3993"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := seal(bytes.Repeat([]byte("x"), tt.payload), ua.PublicKey().Bytes(), auth, as, salt, recordSize)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v; want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("seal: %v", err)
			}
			if len(body) != tt.wantLen {
				t.Errorf("got a body of %d bytes; want %d", len(body), tt.wantLen)
			}
		})
	}
	if _, err := seal(nil, []byte{4, 1, 2}, auth, as, salt, recordSize); err == nil || !strings.Contains(err.Error(), "p256dh") {
		t.Errorf("got error %v for a bad p256dh; want one naming p256dh", err)
	}
}
