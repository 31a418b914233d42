package webpush

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// The body webpush-go posts is one aes128gcm record of MaxRecordSize
// (4,096) bytes, whatever the payload: the header (salt 16, record size 4,
// key length 1, its one-time public key 65), then the plaintext record,
// then the AES-GCM tag (16). recordPlaintext is that record: the payload,
// the delimiter 2 and zeros. MaxPayload is the largest payload it takes
// (webpush.ErrMaxPadExceeded beyond); TestMaxPayloadIsWebpushGos holds the
// two to each other.
const (
	recordPlaintext = int(webpushgo.MaxRecordSize) - 16 - (16 + 4 + 1 + 65)
	MaxPayload      = recordPlaintext - 1
)

// interactionWithin: a notification for an event starting this soon stays
// on screen until the person acts on it.
const interactionWithin = 10 * time.Minute

// noStartTTL is the TTL of a message that does not expire with its event's
// start (a cancellation, a test).
const noStartTTL = 24 * time.Hour

// Payload is the JSON the service worker receives.
type Payload struct {
	Title              string `json:"title"`
	Body               string `json:"body"`
	URL                string `json:"url"` // the meeting's URL, else the panel's
	Tag                string `json:"tag"` // message.Topic(): replaces an older notification of the same occurrence
	DeliveryID         int64  `json:"delivery_id"`
	AckURL             string `json:"ack_url"`
	RequireInteraction bool   `json:"require_interaction"`
	Kind               string `json:"kind"`
}

const ellipsis = "…"

// maxURL is the longest meeting URL a payload carries; a longer one would
// crowd out the text, and the panel's URL goes instead.
const maxURL = 2048

// payload renders m at now and encodes it, shortened to MaxPayload.
func (c *Channel) payload(m message.Message, now time.Time) ([]byte, error) {
	title, err := c.tmpl.Render(message.PushTitle, m, now)
	if err != nil {
		return nil, message.Permanent(fmt.Errorf("webpush: %w", err))
	}
	body, err := c.tmpl.Render(message.PushBody, m, now)
	if err != nil {
		return nil, message.Permanent(fmt.Errorf("webpush: %w", err))
	}
	p := Payload{
		Title: title, Body: body, URL: m.URL, Tag: m.Topic(), DeliveryID: m.DeliveryID, AckURL: m.AckURL,
		RequireInteraction: requireInteraction(m, now), Kind: m.Kind,
	}
	if p.URL == "" || len(p.URL) > maxURL {
		p.URL = m.PanelURL
	}
	return fit(p, MaxPayload, m.PanelURL)
}

func requireInteraction(m message.Message, now time.Time) bool {
	left := m.StartAt.Sub(now)
	return left > 0 && left <= interactionWithin
}

// ttl is how long the push service may hold the message, in seconds: until
// the event starts, so that a reminder is never shown after it.
func ttl(m message.Message, now time.Time) int {
	switch m.Kind {
	case message.KindReminder, message.KindMoved:
		return max(int(m.StartAt.Sub(now)/time.Second), 0)
	}
	return int(noStartTTL / time.Second)
}

// fit encodes p in at most limit bytes: it shortens the body, then the
// title, each ending in "…"; then it gives up the meeting URL for the
// panel's, then any URL. The tag, ids and ack URL are never touched.
func fit(p Payload, limit int, panelURL string) ([]byte, error) {
	for {
		b, err := encode(p)
		if err != nil {
			return nil, message.Permanent(fmt.Errorf("webpush: encode payload: %w", err))
		}
		over := len(b) - limit
		switch {
		case over <= 0:
			return b, nil
		case p.Body != "":
			p.Body = shorten(p.Body, over)
		case p.Title != "":
			p.Title = shorten(p.Title, over)
		case p.URL != "" && p.URL != panelURL:
			p.URL = panelURL
		case p.URL != "":
			p.URL = ""
		default:
			return nil, message.Permanentf("webpush: payload is %d bytes with title and body cut; at most %d", len(b), limit)
		}
	}
}

func encode(p Payload) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// shorten cuts at least n bytes of JSON from s (each byte of s takes at
// least one in JSON) and ends what is left with "…"; "" when too little is
// left. It cuts between runes.
func shorten(s string, n int) string {
	s = strings.TrimSuffix(s, ellipsis)
	keep := len(s) - n - len(ellipsis)
	if keep <= 0 {
		return ""
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return strings.TrimRightFunc(s[:keep], func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }) + ellipsis
}
