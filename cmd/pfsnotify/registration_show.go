package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type registrationShowOptions struct {
	id     int64
	output outputFormat
}

func newRegistrationShowCmd(a *app) *cobra.Command {
	var opts registrationShowOptions
	cmd := &cobra.Command{
		Use:     "show ID",
		Short:   "Show a registration and each of its reminders, in the user's zone",
		Example: `  pfsnotify registration show 12`,
		Args:    exactArgs(1, "one registration ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs("registration", args)
			if err != nil {
				return err
			}
			opts.id = ids[0]
			return runRegistrationShow(cmd.Context(), a, opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// deliveryJSON is a delivery as scripts see it; times in UTC. The token is
// left out: it is a credential of serve-twiml and acknowledge links.
type deliveryJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Channel   string     `json:"channel"`
	Lead      string     `json:"lead"`
	DueAt     time.Time  `json:"due_at"`
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

func runRegistrationShow(ctx context.Context, a *app, opts registrationShowOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	reg, err := s.RegistrationByID(ctx, opts.id)
	if err != nil {
		return err
	}
	u, err := s.UserByID(ctx, reg.UserID)
	if err != nil {
		return err
	}
	deliveries, err := s.DeliveriesOfRegistration(ctx, reg.ID)
	if err != nil {
		return err
	}
	subs, err := s.ListPushSubscriptions(ctx, u.ID, false)
	if err != nil {
		return err
	}
	view := store.RegistrationView{Registration: reg, UserLogin: u.Login, UserTimeZone: u.TimeZone, UserPhone: u.Phone,
		UserEmail: u.Email, LivePush: len(subs)}
	if view.CancelledWhy, err = s.RegistrationCancelledWhy(ctx, reg.ID); err != nil {
		return err
	}
	view.Pending, view.NextDueAt = pendingOf(deliveries)
	if opts.output == "json" {
		out := struct {
			registrationJSON
			Deliveries []deliveryJSON `json:"deliveries"`
		}{registrationJSON: a.toRegistrationJSON(view)}
		out.Deliveries = make([]deliveryJSON, 0, len(deliveries))
		for _, d := range deliveries {
			j := deliveryJSON{ID: d.ID, Kind: string(d.Kind), Channel: string(d.Channel), Lead: schedule.FormatLeads([]time.Duration{d.Lead}),
				DueAt: d.DueAt.UTC(), State: string(d.State), Attempts: d.Attempts, LastError: d.LastError}
			if !d.SentAt.IsZero() {
				sent := d.SentAt.UTC()
				j.SentAt = &sent
			}
			out.Deliveries = append(out.Deliveries, j)
		}
		return printJSON(a.stdout, out)
	}
	loc := userZone(u)
	a.printf("registration #%d for %s: %q at %s (%s, %s)", reg.ID, u.Login, reg.Title,
		schedule.FormatInZone(reg.StartAt, loc), reg.Origin, reg.Status)
	if view.CancelledWhy != "" {
		a.printf("cancelled by calendar-sync: %s", view.CancelledWhy)
	}
	if why := a.unreachable(view); why != "" {
		a.warnf("registration #%d reaches nobody: %s", reg.ID, why)
	}
	t := table{header: []string{"ID", "KIND", "CHANNEL", "LEAD", "DUE", "STATE", "ATTEMPTS", "LAST ERROR"}}
	for _, d := range deliveries {
		t.add(itoa(d.ID), string(d.Kind), string(d.Channel), schedule.FormatLeads([]time.Duration{d.Lead}),
			schedule.FormatInZone(d.DueAt, loc), string(d.State), itoa(int64(d.Attempts)), d.LastError)
	}
	return t.print(a.stdout)
}

// pendingOf counts the pending deliveries and finds the first one due, as
// registration list does (store.RegistrationView).
func pendingOf(deliveries []store.Delivery) (n int, next time.Time) {
	for _, d := range deliveries {
		if d.State != store.StatePending {
			continue
		}
		n++
		if next.IsZero() || d.DueAt.Before(next) {
			next = d.DueAt
		}
	}
	return n, next
}
