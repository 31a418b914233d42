// Package twilioapi is what the call and sms channels share to talk to
// Twilio's REST API through twilio-go: the account, a transport that sends
// every request to the configured API URL (so neither TWILIO_EDGE nor
// TWILIO_REGION nor twilio-go's built-in host decides where requests go),
// the binding of each request to the sender's context and timeout, and the
// classification of Twilio's answers into message.Retry, message.Permanent
// and plain (retried) errors.
package twilioapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/phone"
)

// DefaultAPIURL is Twilio's REST API.
const DefaultAPIURL = "https://api.twilio.com"

// Config is a Twilio account and how to reach its API.
type Config struct {
	AccountSID string // "AC" and 32 letters or digits (twilio.account_sid)
	AuthToken  string // letters and digits (twilio.auth_token); never logged
	// APIURL is where the REST API is: DefaultAPIURL, or a test server.
	// "" means DefaultAPIURL.
	APIURL string
	// HTTPClient sends the requests. Its Timeout bounds each request and
	// must be set (invoke.http_timeout); its Transport is used as is.
	HTTPClient *http.Client
	// Now reads the clock that Retry-After dates are compared with; nil
	// means time.Now.
	Now func() time.Time
}

// Account sends requests to Twilio's REST API for one account. It is safe
// for concurrent use.
type Account struct {
	sid     string
	token   string
	target  *url.URL
	base    http.RoundTripper
	timeout time.Duration
	now     func() time.Time
}

// NewAccount checks cfg and returns its Account. Errors name the config
// key at fault and never show the auth token.
func NewAccount(cfg Config) (*Account, error) {
	switch {
	case cfg.AccountSID == "":
		return nil, errors.New("twilio.account_sid is empty")
	case !isAlnum(cfg.AccountSID):
		return nil, fmt.Errorf("twilio.account_sid %q must be letters and digits only", cfg.AccountSID)
	case cfg.AuthToken == "":
		return nil, errors.New("twilio.auth_token is empty")
	case !isAlnum(cfg.AuthToken):
		return nil, errors.New("twilio.auth_token must be letters and digits only (the value is not shown)")
	case cfg.HTTPClient == nil:
		return nil, errors.New("no http client given")
	case cfg.HTTPClient.Timeout <= 0:
		return nil, errors.New("the http client has no timeout (set invoke.http_timeout)")
	}
	raw := cfg.APIURL
	if raw == "" {
		raw = DefaultAPIURL
	}
	target, err := url.Parse(raw)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("twilio.api_url %q is not an http(s) URL", raw)
	}
	base := cfg.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Account{
		sid: cfg.AccountSID, token: cfg.AuthToken, target: target, base: base, timeout: cfg.HTTPClient.Timeout, now: now,
	}, nil
}

// SID returns the account SID.
func (a *Account) SID() string { return a.sid }

// Do calls fn with a twilio-go API service whose one request goes to the
// configured API URL, is cancelled with ctx, and times out after the HTTP
// client's timeout. fn must read the whole answer before it returns (the
// twilio-go methods do). The error of fn comes back classified (see
// Classify); ErrAcceptedUnreadable means Twilio accepted the request but
// its answer could not be read.
func (a *Account) Do(ctx context.Context, fn func(*api.ApiService) error) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(parent, a.timeout)
	defer cancel()
	rt := &boundTransport{ctx: ctx, next: &RewriteTransport{Target: a.target, Base: a.base}}
	c := &client.Client{
		Credentials: client.NewCredentials(a.sid, a.token),
		HTTPClient: &http.Client{
			Transport: rt,
			// No Timeout: the deadline is ctx's, which boundTransport
			// puts on the request.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		UserAgentExtensions: []string{"pfsnotify"},
	}
	c.SetAccountSid(a.sid)
	// A RequestHandler made by hand, not by client.NewRequestHandler: that
	// one reads TWILIO_EDGE and TWILIO_REGION from the environment.
	svc := api.NewApiService(&client.RequestHandler{Client: c})
	err := fn(svc)
	if err == nil {
		return nil
	}
	status, retryAfter := rt.answer()
	if status == 0 && ctx.Err() != nil && parent.Err() == nil {
		return message.Retry(fmt.Errorf("twilio did not answer within %v: %w", a.timeout, err), UnansweredRetryAfter)
	}
	return Classify(err, status, retryAfter, a.now())
}

// RewriteTransport sends every request to Target's scheme and host, with
// Target's path (if any) put before the request's path. twilio-go builds
// URLs on https://api.twilio.com (or an edge/region host named by the
// environment); this makes the configured API URL the only one that counts.
type RewriteTransport struct {
	Target *url.URL
	Base   http.RoundTripper // nil means http.DefaultTransport
}

// RoundTrip implements http.RoundTripper.
func (t *RewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme = t.Target.Scheme
	r.URL.Host = t.Target.Host
	r.Host = t.Target.Host
	if p := strings.TrimRight(t.Target.Path, "/"); p != "" {
		r.URL.Path = p + r.URL.Path
		r.URL.RawPath = ""
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

// boundTransport gives each request the context of the Do that sends it
// (twilio-go makes its requests with context.Background) and remembers the
// status and Retry-After of the answer (twilio-go's errors do not carry
// the headers).
type boundTransport struct {
	ctx  context.Context
	next http.RoundTripper

	mu         sync.Mutex
	status     int
	retryAfter string
}

func (t *boundTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req.WithContext(t.ctx))
	if resp != nil {
		t.mu.Lock()
		t.status, t.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		t.mu.Unlock()
	}
	return resp, err
}

func (t *boundTransport) answer() (status int, retryAfter string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, t.retryAfter
}

// NewSender is NewAccount for a channel that sends from the number from
// and tells serve-twiml at publicURL ("": nowhere) of what it sent: it
// checks those two as well.
func NewSender(cfg Config, from, publicURL string) (*Account, error) {
	acct, err := NewAccount(cfg)
	if err != nil {
		return nil, err
	}
	if err := checkPublicURL(publicURL); err != nil {
		return nil, err
	}
	if !phone.IsE164(from) {
		return nil, fmt.Errorf("twilio.from_number %q is not an E.164 number", from)
	}
	return acct, nil
}

// checkPublicURL returns an error naming public_url unless u is "" or an
// absolute http(s) URL without query or fragment.
func checkPublicURL(u string) error {
	if u == "" {
		return nil
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
		return fmt.Errorf("public_url %q is not an http(s) URL without query (e.g. https://notify.example.org)", u)
	}
	return nil
}

func isAlnum(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
