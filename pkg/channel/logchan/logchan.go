// Package logchan "sends" a notification by writing it as one line to a
// writer: the channel of the demo and of dry runs.
package logchan

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// Target is the receipt's target of every message written.
const Target = "log"

// Channel writes notifications to a writer. It is safe for concurrent use:
// lines never interleave.
type Channel struct {
	mu   sync.Mutex
	w    io.Writer
	tmpl *message.Templates
	now  func() time.Time
}

// New returns a channel that writes to w, with the push title and body of
// templates, stamped with now (nil: time.Now). w and templates must not be
// nil.
func New(w io.Writer, templates *message.Templates, now func() time.Time) *Channel {
	if w == nil || templates == nil {
		panic("logchan: New needs a writer and templates")
	}
	if now == nil {
		now = time.Now
	}
	return &Channel{w: w, tmpl: templates, now: now}
}

// Send writes one line, e.g.
//
//	2026-11-30T23:50:00Z delivery=42 channel=push kind=reminder user=alice title="Detector review in 10 minutes" body="Tue 1 Dec 2026 09:00 JST\nRoom 4-S-030"
//
// The title and body are quoted (Go syntax), so a line is always one line.
// It fails only when rendering or the write fails.
func (c *Channel) Send(ctx context.Context, m message.Message) (message.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return message.Receipt{}, err
	}
	now := c.now()
	title, err := c.tmpl.Render(message.PushTitle, m, now)
	if err != nil {
		return message.Receipt{}, message.Permanent(fmt.Errorf("log: %w", err))
	}
	body, err := c.tmpl.Render(message.PushBody, m, now)
	if err != nil {
		return message.Receipt{}, message.Permanent(fmt.Errorf("log: %w", err))
	}

	var b strings.Builder
	b.WriteString(now.UTC().Format(time.RFC3339))
	b.WriteString(" delivery=")
	b.WriteString(strconv.FormatInt(m.DeliveryID, 10))
	if m.Channel != "" {
		b.WriteString(" channel=")
		b.WriteString(field(m.Channel))
	}
	b.WriteString(" kind=")
	b.WriteString(field(m.Kind))
	b.WriteString(" user=")
	b.WriteString(field(m.To.Login))
	b.WriteString(" title=")
	b.WriteString(strconv.Quote(title))
	b.WriteString(" body=")
	b.WriteString(strconv.Quote(body))
	b.WriteByte('\n')

	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.w, b.String()); err != nil {
		return message.Receipt{}, fmt.Errorf("log: write: %w", err)
	}
	return message.Receipt{Target: Target}, nil
}

// field writes a bare word as is and anything else quoted.
func field(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == '"' || r == '=' || r > '~' }) {
		return s
	}
	return strconv.Quote(s)
}
