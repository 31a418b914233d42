package dispatch

import (
	"context"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Planned is what a pass would do with one delivery.
type Planned struct {
	Claim   store.Claim
	Message message.Message
	Action  string // "send", or why not: "skip: too late ...", "no target: ..."
}

// DryRun lists what a pass would do now, up to limit deliveries, changing
// nothing and sending nothing.
func (d *Dispatcher) DryRun(ctx context.Context, limit int) ([]Planned, error) {
	claims, err := d.opts.Store.DueNow(ctx, limit)
	if err != nil {
		return nil, err
	}
	now := d.opts.Now()
	out := make([]Planned, 0, len(claims))
	for _, c := range claims {
		p := Planned{Claim: c, Message: Message(c, d.opts.PublicURL), Action: "send"}
		if _, ok := d.opts.Channels[c.Channel]; !ok {
			p.Action = fmt.Sprintf("no target: the %s channel is not configured", c.Channel)
		}
		if why := SkipReason(c, p.Message, now); why != "" {
			p.Action = "skip: " + why
		}
		out = append(out, p)
	}
	return out, nil
}

// Loop runs passes every interval until ctx ends, calling report after
// each. A pass that fails (the database is away) is reported and the loop
// goes on: a daemon outlives a database restart.
func (d *Dispatcher) Loop(ctx context.Context, interval time.Duration, report func(Summary, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		report(d.RunOnce(ctx))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
