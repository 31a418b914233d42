package pushtest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// vapidKeys is an application server key pair as config holds it.
type vapidKeys struct{ private, public string }

func newVAPIDKeys(t *testing.T) vapidKeys {
	t.Helper()
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return vapidKeys{private: priv, public: pub}
}

// ecdsaKey is the key pair as crypto/ecdsa sees it, to sign JWTs by hand.
func (k vapidKeys) ecdsaKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	d, _ := base64.RawURLEncoding.DecodeString(k.private)
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// signJWT makes an ES256 JWT (r||s signature) from a header and claims.
func signJWT(t *testing.T, priv *ecdsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signed := enc(header) + "." + enc(claims)
	digest := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// tamperer is a webpush-go HTTPClient that changes each request on its way.
type tamperer struct {
	c  *http.Client
	fn func(r *http.Request, body []byte) []byte
}

func (tp tamperer) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if tp.fn != nil {
		body = tp.fn(r, body)
	}
	r.Body, r.ContentLength, r.GetBody = io.NopCloser(bytes.NewReader(body)), int64(len(body)), nil
	return tp.c.Do(r)
}

// send pushes payload with webpush-go, as an application server does, and
// returns the status and Retry-After of the answer.
func send(t *testing.T, srv *Server, keys vapidKeys, sub Subscription, payload string, fn func(*http.Request, []byte) []byte) (int, string) {
	t.Helper()
	resp, err := webpush.SendNotification([]byte(payload), &webpush.Subscription{
		Endpoint: sub.Endpoint, Keys: webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
	}, &webpush.Options{
		HTTPClient: tamperer{c: srv.Client(5 * time.Second), fn: fn}, Subscriber: "ops@example.org",
		TTL: 600, Urgency: webpush.UrgencyHigh, Topic: "r3-1764547200",
		VAPIDPublicKey: keys.public, VAPIDPrivateKey: keys.private,
	})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

func TestRoundTrip(t *testing.T) {
	keys := newVAPIDKeys(t)
	srv := New(t, Options{VAPIDPublicKey: keys.public})
	a, b := srv.NewSubscription(), srv.NewSubscription()
	if status, _ := send(t, srv, keys, a, `{"title":"Detector review"}`, nil); status != http.StatusCreated {
		t.Fatalf("got status %d; want 201 (rejections: %+v)", status, srv.Rejections())
	}
	long := strings.Repeat("é", 1996) // 3992 bytes: about the largest payload that fits
	if status, _ := send(t, srv, keys, b, long, nil); status != http.StatusCreated {
		t.Fatalf("got status %d for a 3992-byte payload; want 201 (rejections: %+v)", status, srv.Rejections())
	}
	got := srv.Pushes()
	if len(got) != 2 {
		t.Fatalf("got %d pushes; want 2", len(got))
	}
	want := Push{Subscription: a.ID, TTL: 600, Urgency: "high", Topic: "r3-1764547200", Subject: "mailto:ops@example.org",
		Payload: []byte(`{"title":"Detector review"}`)}
	if p := got[0]; p.Subscription != want.Subscription || p.TTL != want.TTL || p.Urgency != want.Urgency ||
		p.Topic != want.Topic || p.Subject != want.Subject || !bytes.Equal(p.Payload, want.Payload) || p.Answer.Status != http.StatusCreated {
		t.Errorf("got %+v; want %+v answered 201", p, want)
	}
	if p := srv.PushesTo(b.ID); len(p) != 1 || string(p[0].Payload) != long {
		t.Errorf("got %d pushes to b; want the long payload decrypted intact", len(p))
	}
}

func TestAnswers(t *testing.T) {
	keys := newVAPIDKeys(t)
	srv := New(t, Options{})
	sub := srv.NewSubscription()
	srv.Respond(sub.ID, Response{Status: 429, RetryAfter: "30"}, Response{Status: 500}, Response{Status: 410})
	tests := []struct {
		status     int
		retryAfter string
	}{{429, "30"}, {500, ""}, {410, ""}, {410, ""}}
	for i, tt := range tests {
		status, ra := send(t, srv, keys, sub, "x", nil)
		if status != tt.status || ra != tt.retryAfter {
			t.Errorf("push %d: got %d, Retry-After %q; want %d, %q", i+1, status, ra, tt.status, tt.retryAfter)
		}
	}

	hung := srv.NewSubscription()
	srv.Respond(hung.ID, Response{Hang: true})
	start := time.Now()
	_, err := webpush.SendNotification([]byte("x"), &webpush.Subscription{Endpoint: hung.Endpoint,
		Keys: webpush.Keys{P256dh: hung.P256dh, Auth: hung.Auth}}, &webpush.Options{HTTPClient: srv.Client(200 * time.Millisecond),
		Subscriber: "ops@example.org", TTL: 60, VAPIDPublicKey: keys.public, VAPIDPrivateKey: keys.private})
	var timeout interface{ Timeout() bool }
	if !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Errorf("got %v after %v; want a client timeout from a held request", err, time.Since(start))
	}
	if st := srv.Stats(); st.Statuses["hang"] != 1 || st.Statuses["410"] != 2 || st.Accepted != 5 {
		t.Errorf("got stats %+v; want 5 accepted, 2 answered 410, 1 held", st)
	}
}

func TestRejectsWrongJWT(t *testing.T) {
	keys, other := newVAPIDKeys(t), newVAPIDKeys(t)
	srv := New(t, Options{VAPIDPublicKey: keys.public})
	priv, otherPriv := keys.ecdsaKey(t), other.ecdsaKey(t)
	es256 := map[string]any{"typ": "JWT", "alg": "ES256"}
	claims := func(change func(map[string]any)) map[string]any {
		c := map[string]any{"aud": srv.URL, "exp": time.Now().Add(12 * time.Hour).Unix(), "sub": "mailto:ops@example.org"}
		if change != nil {
			change(c)
		}
		return c
	}
	vapid := func(token, k string) string { return "vapid t=" + token + ", k=" + k }
	valid := signJWT(t, priv, es256, claims(nil))
	tests := []struct {
		name   string
		auth   string
		status int
		reason string
	}{
		{"valid, made by hand", vapid(valid, keys.public), 201, ""},
		{"missing", "", 401, "scheme"},
		{"old WebPush scheme", "WebPush " + signJWT(t, priv, es256, claims(nil)), 401, "scheme"},
		{"no k", "vapid t=" + signJWT(t, priv, es256, claims(nil)), 401, "lacks"},
		{"signed by another key", vapid(signJWT(t, otherPriv, es256, claims(nil)), keys.public), 401, "does not verify"},
		{"another application server key", vapid(signJWT(t, otherPriv, es256, claims(nil)), other.public), 403, "application server key"},
		{"aud of another origin", vapid(signJWT(t, priv, es256, claims(func(c map[string]any) { c["aud"] = "https://push.example.net" })), keys.public), 401, "aud"},
		{"aud with a path", vapid(signJWT(t, priv, es256, claims(func(c map[string]any) { c["aud"] = srv.URL + "/push" })), keys.public), 401, "aud"},
		{"expired", vapid(signJWT(t, priv, es256, claims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() })), keys.public), 401, "exp"},
		{"expires in 25 hours", vapid(signJWT(t, priv, es256, claims(func(c map[string]any) { c["exp"] = time.Now().Add(25 * time.Hour).Unix() })), keys.public), 401, "exp"},
		{"no exp", vapid(signJWT(t, priv, es256, claims(func(c map[string]any) { delete(c, "exp") })), keys.public), 401, "exp"},
		{"no sub", vapid(signJWT(t, priv, es256, claims(func(c map[string]any) { delete(c, "sub") })), keys.public), 401, "sub"},
		{"mailto twice", vapid(signJWT(t, priv, es256, claims(func(c map[string]any) { c["sub"] = "mailto:mailto:ops@example.org" })), keys.public), 401, "sub"},
		{"alg HS256", vapid(signJWT(t, priv, map[string]any{"typ": "JWT", "alg": "HS256"}, claims(nil)), keys.public), 401, "alg"},
		{"signature cut", vapid(valid[:len(valid)-8], keys.public), 401, "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := srv.NewSubscription()
			status, _ := send(t, srv, keys, sub, "hello", func(r *http.Request, body []byte) []byte {
				r.Header.Set("Authorization", tt.auth)
				return body
			})
			if status != tt.status {
				t.Fatalf("got status %d; want %d (rejections: %+v)", status, tt.status, srv.Rejections())
			}
			if tt.status == 201 {
				return
			}
			rs := rejectionsOf(srv, sub.ID)
			if len(rs) != 1 || !strings.Contains(rs[0].Reason, tt.reason) || len(srv.PushesTo(sub.ID)) != 0 {
				t.Errorf("got rejections %+v and %d pushes; want one rejection about %q and no push", rs, len(srv.PushesTo(sub.ID)), tt.reason)
			}
		})
	}
}

func rejectionsOf(srv *Server, id string) []Rejection {
	var out []Rejection
	for _, r := range srv.Rejections() {
		if r.Subscription == id {
			out = append(out, r)
		}
	}
	return out
}

func TestRejectsBadBodies(t *testing.T) {
	keys := newVAPIDKeys(t)
	srv := New(t, Options{VAPIDPublicKey: keys.public})
	flip := func(i int) func(*http.Request, []byte) []byte {
		return func(_ *http.Request, b []byte) []byte {
			b = bytes.Clone(b)
			b[i%len(b)] ^= 0x01
			return b
		}
	}
	tests := []struct {
		name   string
		fn     func(*http.Request, []byte) []byte
		status int
		reason string
	}{
		{"untouched", nil, 201, ""},
		{"a ciphertext byte flipped", flip(100), 400, "authentication failed"},
		{"the tag flipped", flip(-1 + 4096), 400, "authentication failed"},
		{"the salt flipped", flip(3), 400, "authentication failed"},
		{"the sender key flipped", flip(50), 400, "decrypt"},
		{"record size too small", func(_ *http.Request, b []byte) []byte {
			b = bytes.Clone(b)
			copy(b[16:20], []byte{0, 0, 0, 17})
			return b
		}, 400, "record size"},
		{"truncated", func(_ *http.Request, b []byte) []byte { return b[:60] }, 400, "header"},
		{"too large", func(_ *http.Request, b []byte) []byte { return append(b, 0) }, 413, "at most 4096"},
		{"another content encoding", func(r *http.Request, b []byte) []byte { r.Header.Set("Content-Encoding", "aesgcm"); return b }, 400, "Content-Encoding"},
		{"no TTL", func(r *http.Request, b []byte) []byte { r.Header.Del("TTL"); return b }, 400, "TTL"},
		{"bad urgency", func(r *http.Request, b []byte) []byte { r.Header.Set("Urgency", "urgent"); return b }, 400, "Urgency"},
		{"bad topic", func(r *http.Request, b []byte) []byte { r.Header.Set("Topic", "a topic with spaces"); return b }, 400, "Topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := srv.NewSubscription()
			status, _ := send(t, srv, keys, sub, "hello", tt.fn)
			if status != tt.status {
				t.Fatalf("got status %d; want %d (rejections: %+v)", status, tt.status, rejectionsOf(srv, sub.ID))
			}
			if tt.status == 201 {
				return
			}
			if rs := rejectionsOf(srv, sub.ID); len(rs) != 1 || !strings.Contains(rs[0].Reason, tt.reason) {
				t.Errorf("got rejections %+v; want one about %q", rs, tt.reason)
			}
		})
	}

	t.Run("wrong auth secret", func(t *testing.T) {
		sub := srv.NewSubscription()
		wrong := sub
		wrong.Auth = base64.RawURLEncoding.EncodeToString(make([]byte, 16))
		if status, _ := send(t, srv, keys, wrong, "hello", nil); status != 400 {
			t.Errorf("got status %d; want 400 for a body encrypted with another auth secret", status)
		}
	})
	t.Run("unknown subscription", func(t *testing.T) {
		sub := srv.NewSubscription()
		sub.Endpoint += "x"
		if status, _ := send(t, srv, keys, sub, "hello", nil); status != 404 {
			t.Errorf("got status %d; want 404", status)
		}
	})
}

func TestSubscriptionsEndpoint(t *testing.T) {
	keys := newVAPIDKeys(t)
	srv := New(t, Options{SkipVerify: true})
	resp, err := srv.Client(5*time.Second).Post(srv.URL+"/subscriptions?n=3", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var subs []Subscription
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		var s Subscription
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		subs = append(subs, s)
	}
	if len(subs) != 3 || !strings.HasPrefix(subs[2].Endpoint, srv.URL+"/push/") || subs[2].Auth == "" {
		t.Fatalf("got %+v; want 3 subscriptions on %s", subs, srv.URL)
	}
	for _, s := range subs {
		if status, _ := send(t, srv, keys, s, "x", nil); status != 201 {
			t.Errorf("push to %s: got %d; want 201", s.ID, status)
		}
	}
	if p := srv.Pushes(); len(p) != 3 || p[0].Payload != nil {
		t.Errorf("got %d pushes, first payload %q; want 3 pushes, nothing decrypted with SkipVerify", len(p), p[0].Payload)
	}
}
