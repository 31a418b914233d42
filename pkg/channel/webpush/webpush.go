// Package webpush is the push channel: it sends a reminder as a Web Push
// notification (RFC 8030, encrypted per RFC 8291, signed with VAPID per
// RFC 8292) to every browser a person subscribed.
//
// Every push goes through github.com/SherClockHolmes/webpush-go
// (webpush.SendNotificationWithContext), the project's named library: it
// encrypts the payload, signs the VAPID token and posts the request, with
// the TTL, Urgency and Topic this package gives it in its Options. This
// package keeps only what the library lacks:
//
//   - checking the configuration: that the VAPID keys are a P-256 pair and
//     the subject a contact (webpush-go takes any string and fails per push);
//   - the payload: rendering, and shortening it to MaxPayload, the most
//     webpush-go's 4,096-byte record holds (it refuses one byte more);
//   - the TTL: the seconds until the event starts, and no send of a stale
//     reminder;
//   - reading the answer, which webpush-go hands back as it came: a 2xx is
//     sent, 404/410 expire the subscription for good, 429/5xx/408 and
//     network errors are retried (Retry-After honoured), any other 4xx
//     fails that subscription;
//   - a subscription no push can reach (an endpoint not https, keys not
//     base64url of the right length) fails without a request;
//   - a rate limit per push service host (invoke.push_per_host_rps);
//   - the subscriptions: a short cache, read a batch at a time (Prefetch),
//     and successes written in batches (Flush).
//
// The payload the service worker receives is JSON:
//
//	{"title": "...", "body": "...", "url": "meeting or panel URL",
//	 "tag": "r3-1764547200", "delivery_id": 7, "ack_url": "...",
//	 "require_interaction": true, "kind": "reminder"}
//
// tag is message.Topic(): a newer notification about the same occurrence
// replaces the older one. require_interaction is true when the event starts
// within 10 minutes. A payload over the push limit is shortened, body
// first, then title, never dropped.
package webpush

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
	"golang.org/x/time/rate"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Subscriptions is the part of the store the channel uses (*store.Store).
type Subscriptions interface {
	LivePushSubscriptionsOf(ctx context.Context, userIDs []int64) (map[int64][]store.PushSubscription, error)
	ExpirePushSubscription(ctx context.Context, id int64, at time.Time) error
	MarkPushSuccesses(ctx context.Context, at time.Time, ids []int64) error
	MarkPushFailure(ctx context.Context, id int64) (int, error)
}

// Options configure a Channel.
type Options struct {
	Subscriptions Subscriptions // required
	// PublicKey and PrivateKey are the VAPID key pair, base64url (config
	// webpush.public_key and webpush.private_key).
	PublicKey, PrivateKey string
	// Subject is the contact push services see: "mailto:ops@example.org",
	// a bare address, or an https:// URL (config webpush.subject). The
	// VAPID token's sub is its mailto: URL, or the https:// URL.
	Subject string
	// HTTPClient sends the pushes; required, with a Timeout (config
	// invoke.http_timeout). NewHTTPClient makes one.
	HTTPClient *http.Client
	Templates  *message.Templates // the push_title and push_body texts; nil: the built-in ones
	Now        func() time.Time   // nil: time.Now
	// PerHostRPS limits the pushes per second to one push service host
	// (config invoke.push_per_host_rps); 0: no limit.
	PerHostRPS float64
	// CacheTTL is how long a person's subscription list is reused, so that
	// a burst to one person does not query the database per delivery.
	// 0: 5 seconds; negative: not cached.
	CacheTTL time.Duration
	Log      *slog.Logger // bookkeeping failures; nil: discarded
}

// DefaultCacheTTL is the CacheTTL when Options leave it 0.
const DefaultCacheTTL = 5 * time.Second

// Channel sends Web Push notifications. It is safe for concurrent use.
type Channel struct {
	// base is what every push's webpush-go Options share: the client, the
	// keys, the subscriber, the urgency. A push copies it and sets its TTL
	// and Topic.
	base   webpushgo.Options
	client *http.Client
	bufs   sync.Pool // *[]byte: the plaintext record of one push (see post)
	tmpl   *message.Templates
	now    func() time.Time
	log    *slog.Logger
	store  Subscriptions
	cache  *subCache

	rps      float64
	mu       sync.Mutex
	limiters map[string]*rate.Limiter // by push service host

	touchMu sync.Mutex
	touched []int64 // subscriptions whose success the store has yet to hear of
}

// New checks the options and returns a channel.
func New(opts Options) (*Channel, error) {
	if opts.Subscriptions == nil {
		return nil, errors.New("webpush: no subscription store")
	}
	if opts.HTTPClient == nil || opts.HTTPClient.Timeout <= 0 {
		return nil, errors.New("webpush: the http client needs a timeout (invoke.http_timeout)")
	}
	pub, priv, err := parseKeys(opts.PublicKey, opts.PrivateKey)
	if err != nil {
		return nil, err
	}
	subscriber, err := vapidSubscriber(opts.Subject)
	if err != nil {
		return nil, err
	}
	c := &Channel{
		base: webpushgo.Options{
			HTTPClient: opts.HTTPClient, Subscriber: subscriber, Urgency: webpushgo.UrgencyHigh,
			VAPIDPublicKey: base64.RawURLEncoding.EncodeToString(pub), VAPIDPrivateKey: base64.RawURLEncoding.EncodeToString(priv),
		},
		bufs:   sync.Pool{New: func() any { b := make([]byte, 0, recordPlaintext); return &b }},
		client: opts.HTTPClient, tmpl: opts.Templates, now: opts.Now, log: opts.Log, store: opts.Subscriptions,
		rps: opts.PerHostRPS, limiters: make(map[string]*rate.Limiter),
	}
	if c.tmpl == nil {
		if c.tmpl, err = message.NewTemplates(config.Templates{}); err != nil {
			return nil, fmt.Errorf("webpush: %w", err)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ttl := opts.CacheTTL
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	c.cache = newSubCache(opts.Subscriptions, ttl)
	return c, nil
}

// NewHTTPClient returns a client for push services: timeout per request,
// and as many idle connections per host as sends run at once, so that a
// burst reuses its TLS connections instead of opening new ones. Its write
// buffer holds a whole push (headers with the VAPID token, about 600
// bytes, and webpush-go's 4,096-byte body): one TLS record and one write
// per push over HTTP/1.1, not two.
func NewHTTPClient(timeout time.Duration, concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(concurrency, 2)
	tr.MaxIdleConns = max(tr.MaxIdleConns, 4*concurrency)
	tr.WriteBufferSize = 8 << 10
	return &http.Client{Transport: tr, Timeout: timeout}
}

// parseKeys checks that the VAPID keys are a P-256 key pair and returns
// their bytes, which New hands webpush-go as base64url without padding
// (the one form it reads of both keys). Errors never show the private key.
func parseKeys(public, private string) ([]byte, []byte, error) {
	if public == "" || private == "" {
		return nil, nil, errors.New(`webpush: webpush.public_key and webpush.private_key are not set (make them with "pfsnotify vapid generate")`)
	}
	pub, err := decodeKey(public)
	if err != nil || len(pub) != 65 || pub[0] != 4 {
		return nil, nil, errors.New("webpush: webpush.public_key is not a base64url uncompressed P-256 public key (65 bytes)")
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return nil, nil, errors.New("webpush: webpush.public_key is not a point on the P-256 curve")
	}
	d, err := decodeKey(private)
	if err != nil || len(d) != 32 {
		return nil, nil, errors.New("webpush: webpush.private_key is not a base64url P-256 private key (32 bytes); the value is not shown")
	}
	key, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		return nil, nil, errors.New("webpush: webpush.private_key is not a valid P-256 private key; the value is not shown")
	}
	if string(key.PublicKey().Bytes()) != string(pub) {
		return nil, nil, errors.New("webpush: webpush.public_key is not the public key of webpush.private_key")
	}
	return pub, d, nil
}

// decodeKey reads base64url, or standard base64, with or without padding.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimSpace(s)), "=")
	return base64.RawURLEncoding.DecodeString(s)
}

// vapidSubscriber turns config's webpush.subject into what webpush-go's
// Options.Subscriber wants: an https: URL as it is, else the bare address,
// to which webpush-go prepends "mailto:" (given "mailto:a@b" it would sign
// "mailto:mailto:a@b").
func vapidSubscriber(subject string) (string, error) {
	switch {
	case subject == "":
		return "", errors.New(`webpush: webpush.subject is empty; push services want a contact, e.g. "mailto:admin@example.org"`)
	case strings.HasPrefix(subject, "https://"):
		return subject, nil
	}
	addr := strings.TrimPrefix(subject, "mailto:")
	if local, domain, ok := strings.Cut(addr, "@"); !ok || local == "" || domain == "" || strings.ContainsAny(addr, " :<>") {
		return "", fmt.Errorf("webpush: webpush.subject %q is not a mailto: address, an email address or an https:// URL", subject)
	}
	return addr, nil
}

// limiter returns the rate limiter of a push service host, or nil when
// pushes are not limited.
func (c *Channel) limiter(host string) *rate.Limiter {
	if c.rps <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.limiters[host]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(c.rps), max(1, int(c.rps)))
		c.limiters[host] = l
	}
	return l
}
