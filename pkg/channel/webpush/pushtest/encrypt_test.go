package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"testing"
	"time"
)

// encrypt is RFC 8291 written out independently of webpush-go, so that a
// test can send what webpush-go never would: a record without its last
// delimiter, or more than one record. plain already holds the delimiter
// and padding.
func encrypt(t *testing.T, sub Subscription, plain []byte, rs uint32) []byte {
	t.Helper()
	uaPublic, _ := base64.RawURLEncoding.DecodeString(sub.P256dh)
	auth, _ := base64.RawURLEncoding.DecodeString(sub.Auth)
	uaKey, err := ecdh.P256().NewPublicKey(uaPublic)
	if err != nil {
		t.Fatal(err)
	}
	asPriv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := asPriv.ECDH(uaKey)
	if err != nil {
		t.Fatal(err)
	}
	asPublic := asPriv.PublicKey().Bytes()
	ikm, _ := hkdf.Key(sha256.New, secret, auth, "WebPush: info\x00"+string(uaPublic)+string(asPublic), 32)
	salt := make([]byte, 16)
	rand.Read(salt)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	var body bytes.Buffer
	body.Write(salt)
	binary.Write(&body, binary.BigEndian, rs)
	body.WriteByte(65)
	body.Write(asPublic)
	body.Write(gcm.Seal(nil, nonce, plain, nil))
	return body.Bytes()
}

func TestDecryptsOnlyOneLastRecord(t *testing.T) {
	keys := newVAPIDKeys(t)
	srv := New(t, Options{VAPIDPublicKey: keys.public})
	pad := func(s string, n int) []byte { return append([]byte(s), make([]byte, n)...) }
	tests := []struct {
		name   string
		plain  []byte
		rs     uint32
		status int
		want   string // the payload, or the reason of the rejection
	}{
		{"last record, padded", pad("hello\x02", 100), 4096, 201, "hello"},
		{"last record, no padding", []byte("hello\x02"), 4096, 201, "hello"},
		{"empty payload", []byte("\x02"), 4096, 201, ""},
		{"delimiter of a record that is not the last", pad("hello\x01", 10), 4096, 400, "delimiter"},
		{"no delimiter", pad("hello", 10), 4096, 400, "delimiter"},
		{"two records", pad("hello\x02", 100), 64, 400, "single record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := srv.NewSubscription()
			body := encrypt(t, sub, tt.plain, tt.rs)
			token := signJWT(t, keys.ecdsaKey(t), map[string]any{"typ": "JWT", "alg": "ES256"},
				map[string]any{"aud": srv.URL, "exp": time.Now().Add(time.Hour).Unix(), "sub": "https://notify.example.org"})
			req, _ := http.NewRequest(http.MethodPost, sub.Endpoint, bytes.NewReader(body))
			req.Header.Set("TTL", "60")
			req.Header.Set("Content-Encoding", "aes128gcm")
			req.Header.Set("Authorization", "vapid t="+token+", k="+keys.public)
			resp, err := srv.Client(5 * time.Second).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("got status %d; want %d (rejections %+v)", resp.StatusCode, tt.status, rejectionsOf(srv, sub.ID))
			}
			if tt.status == 201 {
				if ps := srv.PushesTo(sub.ID); len(ps) != 1 || string(ps[0].Payload) != tt.want {
					t.Errorf("got pushes %+v; want one with payload %q", ps, tt.want)
				}
				return
			}
			if rs := rejectionsOf(srv, sub.ID); len(rs) != 1 || !strings.Contains(rs[0].Reason, tt.want) {
				t.Errorf("got rejections %+v; want one about %q", rs, tt.want)
			}
		})
	}
}
