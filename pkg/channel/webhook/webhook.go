// Package webhook posts notifications as JSON to an incoming-webhook URL,
// in the shape Slack and Mattermost accept ({"text": …, "username": …}),
// with the delivery's facts in a "pfsnotify" object for other receivers.
//
// An incoming-webhook URL embeds its credential (Slack's
// /services/T…/B…/secret), so nothing this package returns or logs holds
// more of it than the host.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// Options configure the channel.
type Options struct {
	URL string // a secret: config webhook.url
	// HTTPClient sends the requests; required, with a Timeout (config
	// invoke.http_timeout). Redirects are not followed: a webhook that
	// moved is configured anew.
	HTTPClient *http.Client
	Templates  *message.Templates // required
	Now        func() time.Time   // nil: time.Now
}

// Payload is the JSON body posted.
type Payload struct {
	Text      string `json:"text"`
	Username  string `json:"username"`
	PFSNotify Facts  `json:"pfsnotify"`
}

// Facts describe the delivery for receivers that want more than the text.
type Facts struct {
	DeliveryID int64  `json:"delivery_id"`
	Kind       string `json:"kind"`
	Title      string `json:"title"`
	Start      string `json:"start"` // RFC 3339, UTC
	URL        string `json:"url,omitempty"`
	User       string `json:"user"` // the person's login
}

// Channel posts to one webhook. It is safe for concurrent use.
type Channel struct {
	url    string
	host   string   // all of the URL that may be shown
	hidden []string // parts of the URL that must never be shown
	client *http.Client
	tmpl   *message.Templates
	now    func() time.Time
}

// New checks opts and returns the channel. Its errors never show the URL.
func New(opts Options) (*Channel, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("webhook: url is not an http(s) URL (the value is not shown: it holds a credential)")
	}
	if opts.HTTPClient == nil || opts.HTTPClient.Timeout <= 0 {
		return nil, errors.New("webhook: an http client with a timeout is required")
	}
	if opts.Templates == nil {
		return nil, errors.New("webhook: no templates")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	client := *opts.HTTPClient
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Channel{url: opts.URL, host: u.Host, hidden: secretParts(opts.URL, u), client: &client,
		tmpl: opts.Templates, now: opts.Now}, nil
}

// Send posts m. A 2xx answer is a delivery; 429 and 5xx are retried (after
// Retry-After when the receiver says), as are network errors and timeouts;
// any other answer is permanent.
func (c *Channel) Send(ctx context.Context, m message.Message) (message.Receipt, error) {
	now := c.now()
	text, err := c.tmpl.Render(message.Webhook, escaped(m), now)
	if err != nil {
		return message.Receipt{}, message.Permanent(fmt.Errorf("webhook: %w", err))
	}
	body, err := json.Marshal(Payload{
		Text:     text,
		Username: "pfsnotify",
		PFSNotify: Facts{
			DeliveryID: m.DeliveryID, Kind: m.Kind, Title: m.Title,
			Start: m.StartAt.UTC().Format(time.RFC3339), URL: m.URL, User: m.To.Login,
		},
	})
	if err != nil {
		return message.Receipt{}, message.Permanent(fmt.Errorf("webhook: encode: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return message.Receipt{}, message.Permanent(c.errorf("make request: %v", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "pfsnotify")

	resp, err := c.client.Do(req)
	if err != nil {
		// *url.Error prints the whole URL: keep only what it wraps.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return message.Receipt{}, c.wrap(err)
	}
	defer resp.Body.Close()
	snippet := c.redact(readSnippet(resp.Body))

	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return message.Receipt{Target: c.host, Status: strconv.Itoa(code), Detail: snippet}, nil
	case code == http.StatusTooManyRequests || code >= 500:
		return message.Receipt{}, message.Retry(c.statusError(resp, snippet), retryAfter(resp.Header.Get("Retry-After"), now))
	case code >= 300 && code < 400:
		return message.Receipt{}, message.Permanentf("%w (redirects are not followed: configure the URL it moved to)", c.statusError(resp, ""))
	default:
		return message.Receipt{}, message.Permanent(c.statusError(resp, snippet))
	}
}

func (c *Channel) statusError(resp *http.Response, snippet string) error {
	if snippet != "" {
		return c.errorf("answered %s: %s", resp.Status, snippet)
	}
	return c.errorf("answered %s", resp.Status)
}

// errorf makes an error that names the webhook by its host only.
func (c *Channel) errorf(format string, args ...any) error {
	return &redactedError{msg: c.redact("webhook at " + c.host + ": " + fmt.Sprintf(format, args...))}
}

// wrap keeps err for errors.Is/As (a deadline, a refused connection) and
// shows its text with the URL's secret parts cut out.
func (c *Channel) wrap(err error) error {
	return &redactedError{msg: c.redact("webhook at " + c.host + ": " + err.Error()), err: err}
}

func (c *Channel) redact(s string) string {
	for _, secret := range c.hidden {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}

// redactedError shows msg, already free of the URL's secret parts, and
// unwraps to the error it stands for.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// secretParts lists what of the URL an error must not show: the URL itself,
// its path and query in their forms, its user info, and each path segment
// or query value long enough to be a token. Longest first, so that a part
// is cut out before a piece of it.
func secretParts(raw string, u *url.URL) []string {
	parts := []string{raw, u.EscapedPath(), u.Path, u.RawQuery}
	if u.User != nil {
		parts = append(parts, u.User.String(), u.User.Username())
		if p, ok := u.User.Password(); ok {
			parts = append(parts, p)
		}
	}
	pieces := strings.Split(u.Path, "/")
	pieces = append(pieces, strings.Split(u.EscapedPath(), "/")...)
	for _, values := range u.Query() {
		pieces = append(pieces, values...)
	}
	for _, p := range pieces {
		if len(p) >= 6 {
			parts = append(parts, p)
		}
	}
	var out []string
	for _, p := range parts {
		if p != "" && p != "/" {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(out)
}

// readSnippet reads what the receiver said, on one line and short, and
// drains a little more so that the connection can be reused.
func readSnippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 512))
	io.Copy(io.Discard, io.LimitReader(r, 64<<10))
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date;
// 0 when absent or in the past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 32); err == nil {
		return max(time.Duration(secs)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now).Round(time.Second), 0)
	}
	return 0
}

// escaped returns m with the text a person or a calendar wrote escaped for
// Slack's markup (&, <, >), so that a title cannot smuggle in a link or an
// @channel; what the template itself writes is left alone. Mattermost
// renders the entities back to the characters.
func escaped(m message.Message) message.Message {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	m.Title, m.Note, m.Location, m.URL = r.Replace(m.Title), r.Replace(m.Note), r.Replace(m.Location), r.Replace(m.URL)
	m.To.Name, m.To.Login = r.Replace(m.To.Name), r.Replace(m.To.Login)
	return m
}
