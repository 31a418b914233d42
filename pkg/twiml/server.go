package twiml

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// MaxBody is the largest request body serve-twiml reads. Twilio's webhook
// requests are a few kilobytes.
const MaxBody = 64 << 10

// Store is what serve-twiml needs of the database.
type Store interface {
	CallByToken(ctx context.Context, token string) (store.Claim, error)
	ApplyReport(ctx context.Context, token string, decide func(store.Report) (store.ReportChange, error)) (store.Delivery, error)
	CheckSchema(ctx context.Context) error
	// Texts sent back (sms/incoming).
	LatestSMSAwaitingReply(ctx context.Context, number string, sentSince, startedSince time.Time) (store.SMSReply, error)
	LanguageOfPhone(ctx context.Context, number string) (string, error)
	SMSOptOutOf(ctx context.Context, number string) (store.SMSOptOut, bool, error)
	SetSMSOptOut(ctx context.Context, number string, optedOut bool, keyword string) (store.SMSOptOut, error)
}

// Options configure a Server; OptionsFrom fills them from the config.
type Options struct {
	Store Store
	// Templates give the call's words (templates.call, as for invoke), its
	// fixed phrases and its voice, in the person's language.
	Templates *message.Templates
	PublicURL string // public_url: Twilio's URLs, and what it signs, start with it
	Prefix    string // twiml.prefix; "" means DefaultPrefix
	// AuthToken is twilio.auth_token; PreviousAuthToken, if set, is also
	// accepted in signatures (twiml.previous_auth_token, for a rotation).
	AuthToken, PreviousAuthToken string
	RetryDelay                   time.Duration // twiml.retry_delay
	MaxCallRetries               int           // twiml.max_call_retries
	// RecordWait is how long a request about a call that invoke has placed
	// but not recorded yet waits for it (Twilio may report on a call
	// before invoke's write lands); 0 means 5 seconds. The wait ends a
	// second before the request's deadline (httpserver.RequestDeadline)
	// all the same, so that the request can still write what it reports.
	RecordWait time.Duration
	// CacheTTL is how long a looked-up call is reused for further requests
	// about it (see callCache); 0 means DefaultCacheTTL, negative none.
	CacheTTL time.Duration
	// A "1" texted back confirms the latest text sent to the number no
	// longer than SMSReplyMaxAge ago (0 means DefaultSMSReplyMaxAge) and,
	// for a reminder, of an event that started no longer than
	// SMSReplyAfterStart ago (0 means DefaultSMSReplyAfterStart).
	SMSReplyMaxAge, SMSReplyAfterStart time.Duration
	Log                                *slog.Logger         // nil logs nothing
	Registry                           *prometheus.Registry // /metrics; nil makes one
	Now                                func() time.Time     // nil means time.Now
}

// OptionsFrom returns the Options of cfg, with s, t and log.
func OptionsFrom(cfg config.Config, s Store, t *message.Templates, log *slog.Logger) Options {
	return Options{
		Store: s, Templates: t, PublicURL: cfg.PublicURL, Prefix: cfg.TwiML.Prefix,
		AuthToken: cfg.Twilio.AuthToken, PreviousAuthToken: cfg.TwiML.PreviousAuthToken,
		RetryDelay: cfg.TwiML.RetryDelay, MaxCallRetries: cfg.TwiML.MaxCallRetries, Log: log,
	}
}

// Server answers Twilio's webhooks. It is safe for concurrent use.
type Server struct {
	opts    Options
	routes  Routes
	signer  signer
	policy  retryPolicy
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics *metrics
	calls   *callCache
	handler http.Handler
}

// New checks opts and returns the server. It fails closed: without an
// auth token to check Twilio's signatures with, or without the public URL
// that Twilio signs, there is no server.
func New(opts Options) (*Server, error) {
	switch {
	case opts.AuthToken == "":
		return nil, errors.New("serve-twiml: twilio.auth_token is empty, so Twilio's signatures cannot be checked: refusing to start")
	case opts.PublicURL == "":
		return nil, errors.New("serve-twiml: public_url is empty, so the URLs Twilio signs are unknown: refusing to start")
	case opts.Store == nil:
		return nil, errors.New("serve-twiml: no store")
	case opts.Templates == nil:
		return nil, errors.New("serve-twiml: no templates")
	case opts.RetryDelay <= 0 || opts.MaxCallRetries < 0:
		return nil, errors.New("serve-twiml: twiml.retry_delay must be positive and twiml.max_call_retries 0 or more")
	}
	if u, err := url.Parse(opts.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("serve-twiml: public_url %q is not an http(s) URL without query", opts.PublicURL)
	}
	if opts.Log == nil {
		opts.Log = discard()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RecordWait <= 0 {
		opts.RecordWait = 5 * time.Second
	}
	if opts.SMSReplyMaxAge <= 0 {
		opts.SMSReplyMaxAge = DefaultSMSReplyMaxAge
	}
	if opts.SMSReplyAfterStart <= 0 {
		opts.SMSReplyAfterStart = DefaultSMSReplyAfterStart
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
		opts.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s := &Server{
		opts: opts, routes: Routes{PublicURL: opts.PublicURL, Prefix: opts.Prefix},
		signer: newSigner(opts.PublicURL, opts.AuthToken, opts.PreviousAuthToken),
		policy: retryPolicy{Delay: opts.RetryDelay, Max: opts.MaxCallRetries},
		log:    opts.Log, reg: opts.Registry, metrics: newMetrics(opts.Registry), calls: newCallCache(opts.CacheTTL),
	}
	s.handler = s.buildHandler()
	return s, nil
}

// Handler is the whole server: Twilio's routes under the prefix, signed;
// /healthz (the database answers, its schema is current) and /metrics,
// not signed and not to be proxied to the world.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes is the URL scheme the server answers.
func (s *Server) Routes() Routes { return s.routes }

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	for route, h := range map[string]func(context.Context, *request) (reply, error){
		VoiceRoute: s.voice, GatherRoute: s.gather, CallStatusRoute: s.callStatus, SMSStatusRoute: s.smsStatus,
	} {
		mux.Handle("POST "+s.routes.Pattern(route), s.twilio(route, h))
	}
	mux.Handle("POST "+s.routes.SMSIncomingPattern(), s.twilio(SMSIncomingRoute, s.smsIncoming))
	mux.Handle("GET /healthz", httpserver.Health(s.opts.Store, s.log))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	return httpserver.Deadline(httpserver.RequestDeadline,
		httpserver.Observe(s.log, httpserver.NewMetrics(s.reg, "twiml"), httpserver.LimitBody(MaxBody, mux)))
}

// twilio wraps the handler of a Twilio route: it refuses a request
// without a signature before reading it, reads the form, checks the
// signature, and answers what the handler returns.
func (s *Server) twilio(route string, h func(context.Context, *request) (reply, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &request{route: route, token: r.PathValue(TokenWildcard)}
		signature := r.Header.Get(SignatureHeader)
		err := errSignature
		var form url.Values
		if signature != "" {
			form, err = readForm(r)
		}
		if err == nil && !s.signer.valid(r, form, signature) {
			err = errSignature
		}
		var rep reply
		if err == nil {
			req.form = form
			rep, err = h(r.Context(), req)
		}
		s.answer(w, r, req, rep, err)
	})
}

// readForm reads the body as Twilio sends it: a URL-encoded form. An empty
// body is an empty form. A body that is not a form cannot carry a valid
// signature: it is refused as errSignature; one over MaxBody as
// *http.MaxBytesError.
func readForm(r *http.Request) (url.Values, error) {
	size := int64(0)
	if r.ContentLength > 0 {
		size = min(r.ContentLength, MaxBody)
	}
	b := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	if _, err := b.ReadFrom(r.Body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: cannot read the body: %v", errSignature, err)
	}
	if b.Len() == 0 {
		return url.Values{}, nil
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		return nil, fmt.Errorf("%w: the body is not application/x-www-form-urlencoded", errSignature)
	}
	form, err := url.ParseQuery(b.String())
	if err != nil {
		return nil, fmt.Errorf("%w: the body is not a form: %v", errSignature, err)
	}
	return form, nil
}
