// Package twiliosms is the sms channel: a text message through Twilio's
// Messages API (Api.CreateMessage of twilio-go), its words from the "sms"
// template. Status callbacks go to serve-twiml whenever public_url is set.
package twiliosms

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/phone"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// maxValidity is the longest ValidityPeriod Twilio accepts, in seconds.
const maxValidity = 36000

// Options configure the sms channel.
type Options struct {
	AccountSID string // twilio.account_sid
	AuthToken  string // twilio.auth_token
	From       string // twilio.from_number, E.164
	APIURL     string // twilio.api_url; "" means https://api.twilio.com
	// HTTPClient sends the requests to Twilio; it must have a Timeout
	// (invoke.http_timeout).
	HTTPClient *http.Client
	// PublicURL is where serve-twiml is reachable (public_url); "" sends
	// messages without a status callback.
	PublicURL string
	// Prefix is serve-twiml's path under PublicURL (twiml.prefix); ""
	// means twiml.DefaultPrefix.
	Prefix    string
	Templates *message.Templates
	Now       func() time.Time // nil means time.Now
}

// OptionsFrom returns the Options of cfg, with hc and t.
func OptionsFrom(cfg config.Config, hc *http.Client, t *message.Templates) Options {
	return Options{
		AccountSID: cfg.Twilio.AccountSID, AuthToken: cfg.Twilio.AuthToken, From: cfg.Twilio.FromNumber,
		APIURL: cfg.Twilio.APIURL, HTTPClient: hc, PublicURL: cfg.PublicURL, Prefix: cfg.TwiML.Prefix, Templates: t,
	}
}

// Channel sends text messages. It is safe for concurrent use.
type Channel struct {
	acct   *twilioapi.Account
	from   string
	routes twiml.Routes
	tmpl   *message.Templates
	now    func() time.Time
}

// New checks opts and returns the channel.
func New(opts Options) (*Channel, error) {
	acct, err := twilioapi.NewSender(twilioapi.Config{
		AccountSID: opts.AccountSID, AuthToken: opts.AuthToken, APIURL: opts.APIURL, HTTPClient: opts.HTTPClient, Now: opts.Now,
	}, opts.From, opts.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("sms channel: %w", err)
	}
	if opts.Templates == nil {
		return nil, errors.New("sms channel: no templates given")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Channel{acct: acct, from: opts.From, routes: twiml.Routes{PublicURL: opts.PublicURL, Prefix: opts.Prefix}, tmpl: opts.Templates, now: now}, nil
}

// Send texts m.To.Phone. The Receipt's ProviderRef is the Message SID and
// its Status Twilio's ("queued"). Errors are those of twiliocall's Send:
// message.ErrNoTarget without a phone number; message.Permanent once the
// event has started, for a number Twilio refuses (or one that opted out),
// bad credentials and any other 4xx; message.Retry for 429 and 5xx, and
// no sooner than twilioapi.UnansweredRetryAfter for network errors and
// timeouts.
func (c *Channel) Send(ctx context.Context, m message.Message) (message.Receipt, error) {
	to := m.To.Phone
	if to == "" {
		return message.Receipt{}, fmt.Errorf("%w: no phone number", message.ErrNoTarget)
	}
	now := c.now()
	if m.Stale(now) {
		return message.Receipt{}, message.Permanentf("not texting %s: the event started at %s",
			to, m.StartAt.UTC().Format(time.RFC3339))
	}
	if !phone.IsE164(to) {
		return message.Receipt{}, message.Permanentf("not texting %q: not an E.164 phone number", to)
	}
	body, shortened, err := Fit(m.Title, func(title string) (string, error) {
		short := m
		short.Title = title
		return c.tmpl.Render(message.SMS, short, now)
	})
	if err != nil {
		return message.Receipt{}, message.Permanent(fmt.Errorf("sms text: %w", err))
	}
	if body == "" {
		return message.Receipt{}, message.Permanentf("the sms template gives no text for this message")
	}

	p := &api.CreateMessageParams{}
	p.SetTo(to).SetFrom(c.from).SetBody(body)
	if c.routes.PublicURL != "" && m.Token != "" {
		p.SetStatusCallback(c.routes.SMSStatus(m.Token))
	}
	// A message that goes stale at the start of its event is not worth
	// sending after it, however long Twilio's queue.
	if m.Stale(m.StartAt) {
		p.SetValidityPeriod(validity(m.StartAt.Sub(now)))
	}

	var msg *api.ApiV2010Message
	err = c.acct.Do(ctx, func(svc *api.ApiService) (err error) {
		msg, err = svc.CreateMessage(p)
		return err
	})
	switch {
	case errors.Is(err, twilioapi.ErrAcceptedUnreadable):
		return message.Receipt{Target: to, Status: "accepted", Detail: err.Error()}, nil
	case err != nil:
		return message.Receipt{}, fmt.Errorf("text %s: %w", to, err)
	}
	r := message.Receipt{Target: to}
	if shortened {
		encoding, n := Segments(body)
		r.Detail = fmt.Sprintf("text shortened to %d segments (%s)", n, encoding)
	}
	if msg.Sid != nil {
		r.ProviderRef = *msg.Sid
	}
	if msg.Status != nil {
		r.Status = *msg.Status
	}
	return r, nil
}

// validity is the ValidityPeriod (seconds) for a message due within left.
func validity(left time.Duration) int {
	s := math.Ceil(left.Seconds())
	return int(max(1, min(s, maxValidity)))
}
