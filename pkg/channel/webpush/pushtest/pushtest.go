// Package pushtest is a Web Push service for tests: an HTTPS server that
// speaks the real protocol (RFC 8030), so that what a sender gets right or
// wrong shows.
//
// Each push it receives is checked as a push service and a browser would:
// the VAPID Authorization header (RFC 8292: an ES256 JWT whose aud is the
// endpoint's origin, exp within 24 hours, a mailto: or https: sub, signed
// with the key in k=, which must be the application server key the service
// was given), the TTL, Urgency and Topic headers, and the aes128gcm body,
// which it decrypts (RFC 8291, RFC 8188) with the subscription's private
// key. It records each push it accepted, and answers as told per
// subscription: 201 by default, or any status (404, 410, 429 with
// Retry-After, 500, …), or it holds the request until the client gives up.
// A request that fails a check is answered 400, 401, 403 or 413 and
// recorded as a Rejection.
//
// Besides POST /push/{id}, the server answers POST /subscriptions?n=N
// (creates N subscriptions, one JSON object per line) and GET /stats, for
// benchmarks that run it in another process (bench/pushfake).
package pushtest

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Options configure a Server. The zero value accepts any application server key.
type Options struct {
	// VAPIDPublicKey is the application server key (base64url, 65 bytes
	// uncompressed P-256) that browsers subscribed with: a push whose
	// Authorization header names another key is answered 403. Empty: any
	// key whose signature verifies.
	VAPIDPublicKey string
	// Now is the clock of JWT expiry checks; nil: time.Now.
	Now func() time.Time
	// SkipVerify accepts every push to a known subscription without checking
	// the JWT or decrypting the body (Push.Payload is then nil), for
	// benchmarks that measure the sender rather than this service.
	SkipVerify bool
}

// Subscription is what a browser's PushSubscription holds: the endpoint
// and its keys, base64url without padding.
type Subscription struct {
	ID       string `json:"id"`
	Endpoint string `json:"endpoint"`
	P256dh   string `json:"p256dh"`
	Auth     string `json:"auth"`
}

// Response is how the service answers pushes to one subscription.
type Response struct {
	Status     int    // 0: 201 Created
	RetryAfter string // the Retry-After header, e.g. "30" or an HTTP date
	Hang       bool   // answer nothing until the request's context ends
}

// Push is one push the service accepted (its checks passed).
type Push struct {
	Subscription string // Subscription.ID
	TTL          int
	Urgency      string
	Topic        string
	Subject      string    // the VAPID JWT's sub; "" with SkipVerify
	Audience     string    // its aud: the service's origin, Server.URL (checked)
	Expires      time.Time // its exp: within 24 hours of the push (checked)
	Payload      []byte    // decrypted; nil with SkipVerify
	Answer       Response
	At           time.Time
}

// Rejection is a request that failed a check of the protocol.
type Rejection struct {
	Subscription string
	Status       int
	Reason       string
}

// Server is a running push service.
type Server struct {
	URL string // https://127.0.0.1:port

	opts    Options
	appKey  []byte // decoded Options.VAPIDPublicKey, or nil
	hs      *httptest.Server
	closing chan struct{}
	once    sync.Once

	mu         sync.Mutex
	subs       map[string]*subscription
	pushes     []Push
	rejections []Rejection
	statuses   map[int]int
	requests   int
}

type subscription struct {
	priv    *ecdh.PrivateKey
	public  []byte // uncompressed
	auth    []byte
	answers []Response // the next answers; the last one repeats
}

// New starts a service on a loopback port for the test and closes it when
// the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a service on addr (host:port; the TLS certificate is valid
// for 127.0.0.1, ::1 and example.com). Close stops it.
func Start(addr string, opts Options) (*Server, error) {
	s := &Server{opts: opts, closing: make(chan struct{}), subs: make(map[string]*subscription), statuses: make(map[int]int)}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	if opts.VAPIDPublicKey != "" {
		k, err := decodeB64(opts.VAPIDPublicKey)
		if err != nil || len(k) != 65 {
			return nil, fmt.Errorf("pushtest: vapid public key is not 65 bytes of base64url")
		}
		s.appKey = k
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pushtest: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /push/{id}", s.push)
	mux.HandleFunc("POST /subscriptions", s.createSubscriptions)
	mux.HandleFunc("GET /stats", s.stats)
	// Handshakes cut short by a client's timeout or Close are normal here:
	// the server's error log stays quiet.
	s.hs = &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}}
	s.hs.StartTLS()
	s.URL = s.hs.URL
	return s, nil
}

// Close stops the service; held requests are released first.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.hs.Close()
	})
}

// Client returns a new client that trusts the service's certificate, with
// the given timeout per request.
func (s *Server) Client(timeout time.Duration) *http.Client {
	tr := s.hs.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr, Timeout: timeout}
}

// CertificatePEM is the service's TLS certificate, e.g. for SSL_CERT_FILE
// of a program in another process.
func (s *Server) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.hs.Certificate().Raw})
}

// NewSubscription subscribes a new browser: a fresh P-256 key pair and
// 16-byte auth secret, and an endpoint on this service.
func (s *Server) NewSubscription() Subscription {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("pushtest: generate key: %v", err)) // crypto/rand does not fail
	}
	id := make([]byte, 12)
	auth := make([]byte, 16)
	rand.Read(id)
	rand.Read(auth)
	sub := &subscription{priv: priv, public: priv.PublicKey().Bytes(), auth: auth}
	ids := base64.RawURLEncoding.EncodeToString(id)
	s.mu.Lock()
	s.subs[ids] = sub
	s.mu.Unlock()
	return Subscription{
		ID:       ids,
		Endpoint: s.URL + "/push/" + ids,
		P256dh:   base64.RawURLEncoding.EncodeToString(sub.public),
		Auth:     base64.RawURLEncoding.EncodeToString(auth),
	}
}

// Respond sets how the next pushes to subscription id are answered, one
// Response per push; the last one then holds for every further push.
func (s *Server) Respond(id string, rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.subs[id]; sub != nil {
		sub.answers = append([]Response(nil), rs...)
	}
}

// Pushes returns the pushes accepted so far, in order of arrival.
func (s *Server) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.pushes...)
}

// PushesTo returns the accepted pushes to subscription id.
func (s *Server) PushesTo(id string) []Push {
	var out []Push
	for _, p := range s.Pushes() {
		if p.Subscription == id {
			out = append(out, p)
		}
	}
	return out
}

// Rejections returns the requests that failed a check.
func (s *Server) Rejections() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejections...)
}

// Requests is the number of push requests received, accepted or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}
