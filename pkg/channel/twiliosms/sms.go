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
	"github.com/pfsnotify/pfsnotify/pkg/store"
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
	// OptOuts are the numbers that answered STOP (the store); nil texts
	// every number.
	OptOuts OptOuts
	Now     func() time.Time // nil means time.Now
}

// OptOuts is what the channel needs of the database: whether a number
// opted out of texts, and to record that Twilio says it did.
type OptOuts interface {
	SMSOptOutOf(ctx context.Context, number string) (store.SMSOptOut, bool, error)
	SetSMSOptOut(ctx context.Context, number string, optedOut bool, keyword string) (store.SMSOptOut, error)
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
	opts   OptOuts
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
	return &Channel{acct: acct, from: opts.From, routes: twiml.Routes{PublicURL: opts.PublicURL, Prefix: opts.Prefix}, tmpl: opts.Templates,
		opts: opts.OptOuts, now: now}, nil
}

// Send texts m.To.Phone. The Receipt's ProviderRef is the Message SID and
// its Status Twilio's ("queued"). Errors are those of twiliocall's Send:
// message.ErrNoTarget without a phone number, and for a number that
// opted out of texts (it answered STOP, or Twilio refuses it with error
// 21610, which is then recorded as an opt-out): the registration's next
// channel is used; message.Permanent once the event has started, for a
// number Twilio refuses, bad credentials and any other 4xx; message.Retry
// for 429 and 5xx, and no sooner than twilioapi.UnansweredRetryAfter for
// network errors and timeouts.
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
	if err := c.optedOut(ctx, to); err != nil {
		return message.Receipt{}, err
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
	case unsubscribed(err):
		return message.Receipt{}, c.recordUnsubscribed(ctx, to, err)
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

// optedOut is message.ErrNoTarget, with the reason, when to opted out of
// texts; a failure to read that is retried.
func (c *Channel) optedOut(ctx context.Context, to string) error {
	if c.opts == nil {
		return nil
	}
	o, ok, err := c.opts.SMSOptOutOf(ctx, to)
	switch {
	case err != nil:
		return message.Retry(fmt.Errorf("not texting %s yet: %w", to, err), 0)
	case ok && o.OptedOut:
		return fmt.Errorf("%w: %s has opted out of texts (%s, %s); a text with START opts back in", message.ErrNoTarget,
			to, o.Keyword, o.ChangedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// twilioUnsubscribed is Twilio's error code for a message to a number
// that opted out (it answered STOP to the sending number).
const twilioUnsubscribed = 21610

// unsubscribed reports whether err is Twilio's refusal of an opted-out
// recipient.
func unsubscribed(err error) bool {
	var apiErr *twilioapi.APIError
	return errors.As(err, &apiErr) && apiErr.Code == twilioUnsubscribed
}

// recordUnsubscribed records the opt-out Twilio knew of and pfsnotify did
// not (the STOP reached Twilio but not serve-twiml), and fails the
// delivery as having no target: the next channel is used.
func (c *Channel) recordUnsubscribed(ctx context.Context, to string, cause error) error {
	note := "recorded"
	if c.opts == nil {
		note = "not recorded: no store"
	} else if _, err := c.opts.SetSMSOptOut(ctx, to, true, store.OptOutTwilio21610); err != nil {
		note = "not recorded: " + err.Error()
	}
	return fmt.Errorf("%w: %s has opted out of texts (Twilio refused it: %v; the opt-out is %s)", message.ErrNoTarget, to, cause, note)
}
