// Package twiliocall is the call channel: it asks Twilio to call the person
// (Api.CreateCall of twilio-go). What the call says comes either from
// serve-twiml (Url = the voice URL of the delivery's token: the person's
// language, "press 1 to confirm") or, with twilio.inline_twiml, from TwiML
// sent with the call (the reminder spoken twice, no key to press). Call
// status callbacks go to serve-twiml whenever public_url is set.
package twiliocall

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/phone"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// RingTimeout is how long a call rings before Twilio gives up (no-answer).
const RingTimeout = 30 * time.Second

// statusEvents are the call progress events serve-twiml is told of;
// "completed" comes in any case, with the call's final status.
var statusEvents = []string{"initiated", "ringing", "answered", "completed"}

// Options configure the call channel.
type Options struct {
	AccountSID string // twilio.account_sid
	AuthToken  string // twilio.auth_token
	From       string // twilio.from_number, E.164
	APIURL     string // twilio.api_url; "" means https://api.twilio.com
	// HTTPClient sends the requests to Twilio; it must have a Timeout
	// (invoke.http_timeout), which bounds each call creation.
	HTTPClient *http.Client
	// PublicURL is where serve-twiml is reachable from Twilio (public_url).
	// Without it, InlineTwiML must be set.
	PublicURL string
	// Prefix is serve-twiml's path under PublicURL (twiml.prefix); ""
	// means twiml.DefaultPrefix.
	Prefix string
	// InlineTwiML sends the words with the call instead of a URL of
	// serve-twiml (twilio.inline_twiml).
	InlineTwiML      bool
	MachineDetection bool // twilio.machine_detection
	// Templates give the words of inline TwiML and the voice that reads
	// them, in the person's language (twilio.voices, twilio.voice).
	Templates *message.Templates
	Now       func() time.Time // nil means time.Now
}

// OptionsFrom returns the Options of cfg, with hc and t.
func OptionsFrom(cfg config.Config, hc *http.Client, t *message.Templates) Options {
	return Options{
		AccountSID: cfg.Twilio.AccountSID, AuthToken: cfg.Twilio.AuthToken, From: cfg.Twilio.FromNumber,
		APIURL: cfg.Twilio.APIURL, HTTPClient: hc, PublicURL: cfg.PublicURL, Prefix: cfg.TwiML.Prefix, InlineTwiML: cfg.Twilio.InlineTwiML,
		MachineDetection: cfg.Twilio.MachineDetection, Templates: t,
	}
}

// Channel places calls. It is safe for concurrent use.
type Channel struct {
	acct   *twilioapi.Account
	from   string
	routes twiml.Routes
	inline bool
	amd    bool
	tmpl   *message.Templates
	now    func() time.Time
}

// New checks opts and returns the channel.
func New(opts Options) (*Channel, error) {
	acct, err := twilioapi.NewSender(twilioapi.Config{
		AccountSID: opts.AccountSID, AuthToken: opts.AuthToken, APIURL: opts.APIURL, HTTPClient: opts.HTTPClient, Now: opts.Now,
	}, opts.From, opts.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("call channel: %w", err)
	}
	switch {
	case opts.PublicURL == "" && !opts.InlineTwiML:
		return nil, errors.New("call channel: public_url is empty, so Twilio cannot fetch what to say from serve-twiml: " +
			"set public_url, or set twilio.inline_twiml to send the words with the call")
	case opts.Templates == nil:
		return nil, errors.New("call channel: no templates given")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Channel{
		acct: acct, from: opts.From, routes: twiml.Routes{PublicURL: opts.PublicURL, Prefix: opts.Prefix},
		inline: opts.InlineTwiML, amd: opts.MachineDetection, tmpl: opts.Templates, now: now,
	}, nil
}

// Send asks Twilio to call m.To.Phone. The Receipt's ProviderRef is the
// Call SID and its Status Twilio's ("queued"). Errors:
// message.ErrNoTarget without a phone number; message.Permanent once the
// event has started, for a number Twilio refuses, for bad credentials and
// any other 4xx (errors.As *twilioapi.APIError tells which: BadNumber);
// message.Retry, after Retry-After if given, for 429 and 5xx; for network
// errors and timeouts message.Retry no sooner than
// twilioapi.UnansweredRetryAfter.
//
// Send never places a call twice itself, and a 2xx whose body cannot be
// read counts as placed (Status "accepted", no SID). A timeout or a
// cancelled ctx is the one case where Twilio may have placed the call
// although Send reports an error: its status callback then tells
// serve-twiml, which keeps the call for the delivery (see twiml's adopt),
// and the retry is not made.
func (c *Channel) Send(ctx context.Context, m message.Message) (message.Receipt, error) {
	to := m.To.Phone
	if to == "" {
		return message.Receipt{}, fmt.Errorf("%w: no phone number", message.ErrNoTarget)
	}
	now := c.now()
	if m.Stale(now) {
		return message.Receipt{}, message.Permanentf("not calling %s: the event started at %s",
			to, m.StartAt.UTC().Format(time.RFC3339))
	}
	if !phone.IsE164(to) {
		return message.Receipt{}, message.Permanentf("not calling %q: not an E.164 phone number", to)
	}
	params, err := c.params(m, now)
	if err != nil {
		return message.Receipt{}, err
	}
	var call *api.ApiV2010Call
	err = c.acct.Do(ctx, func(svc *api.ApiService) (err error) {
		call, err = svc.CreateCall(params)
		return err
	})
	switch {
	case errors.Is(err, twilioapi.ErrAcceptedUnreadable):
		return message.Receipt{Target: to, Status: "accepted", Detail: err.Error()}, nil
	case err != nil:
		return message.Receipt{}, fmt.Errorf("call %s: %w", to, err)
	}
	r := message.Receipt{Target: to, Detail: "twiml from serve-twiml"}
	if c.inline {
		r.Detail = "inline twiml"
	}
	if call.Sid != nil {
		r.ProviderRef = *call.Sid
	}
	if call.Status != nil {
		r.Status = *call.Status
	}
	return r, nil
}

// params are the form fields of the call to m.To.Phone.
func (c *Channel) params(m message.Message, now time.Time) (*api.CreateCallParams, error) {
	p := &api.CreateCallParams{}
	p.SetTo(m.To.Phone).SetFrom(c.from).SetTimeout(int(RingTimeout / time.Second))
	if c.inline {
		text, err := c.tmpl.Render(message.Call, m, now)
		if err != nil {
			return nil, message.Permanent(fmt.Errorf("call text: %w", err))
		}
		v := c.tmpl.Language(m.To.Language).Voice()
		doc, err := SayTwiML(text, v.Language, v.Name)
		if err != nil {
			return nil, message.Permanent(err)
		}
		p.SetTwiml(doc)
	} else {
		if m.Token == "" {
			return nil, message.Permanentf("delivery %d has no token to build its voice URL from", m.DeliveryID)
		}
		p.SetUrl(c.routes.Voice(m.Token)).SetMethod(http.MethodPost)
	}
	if c.routes.PublicURL != "" && m.Token != "" {
		p.SetStatusCallback(c.routes.CallStatus(m.Token)).SetStatusCallbackMethod(http.MethodPost).
			SetStatusCallbackEvent(statusEvents)
	}
	if c.amd {
		p.SetMachineDetection("Enable")
	}
	return p, nil
}
