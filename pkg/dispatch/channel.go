// Package dispatch is invoke: it claims the deliveries that are due, sends
// each through its channel, records the outcome and schedules retries,
// exactly once however many invoke processes run.
package dispatch

import (
	"context"

	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// Channel sends one kind of notification (push, call, sms, email, webhook,
// log). Send returns a Receipt when the message is handed over for good, or
// an error classified by message.Classify: message.ErrNoTarget (the person
// cannot be reached this way: fall back to the next channel),
// message.Permanent (give up), anything else (retry later; message.Retry
// sets the least wait). Send must return within ctx's deadline.
type Channel interface {
	Send(ctx context.Context, m message.Message) (message.Receipt, error)
}
