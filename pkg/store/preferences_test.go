package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func TestPreferences(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := addUser(t, s, "alice", "UTC")
		if _, ok, err := s.PreferencesOf(ctx, alice.ID); ok || err != nil {
			t.Fatalf("before any: got ok=%t, %v; want none", ok, err)
		}
		set := func(channels []schedule.Channel, leads ...time.Duration) (store.Preferences, error) {
			return s.SetPreferences(ctx, alice.ID, store.Preferences{Channels: channels, Leads: leads})
		}
		if _, err := set([]schedule.Channel{"push", "call", "push"}, 2*time.Minute, 10*time.Minute); err != nil {
			t.Fatal(err)
		}
		// Set twice with the same values (a frozen clock): still one row.
		if _, err := set([]schedule.Channel{"push", "call"}, 10*time.Minute, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		p, ok, err := s.PreferencesOf(ctx, alice.ID)
		if err != nil || !ok || schedule.FormatChannels(p.Channels) != "push,call" || len(p.Leads) != 2 || p.Leads[0] != 10*time.Minute {
			t.Errorf("got %+v, %t, %v; want push,call at 10m and 2m", p, ok, err)
		}
		tests := []struct {
			name      string
			channels  []schedule.Channel
			leads     []time.Duration
			wantField string
		}{
			{"unknown channel", []schedule.Channel{"pigeon"}, []time.Duration{time.Minute}, "channel"},
			{"no channel", nil, []time.Duration{time.Minute}, "channel"},
			{"negative lead", []schedule.Channel{"sms"}, []time.Duration{-time.Minute}, "lead"},
			{"no lead", []schedule.Channel{"sms"}, nil, "lead"},
		}
		for _, tt := range tests {
			_, err := set(tt.channels, tt.leads...)
			var fe *store.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Errorf("%s: got %v; want a %s error", tt.name, err, tt.wantField)
			}
		}
		if after, _, _ := s.PreferencesOf(ctx, alice.ID); schedule.FormatChannels(after.Channels) != "push,call" {
			t.Errorf("after refused changes: got %v; want push,call unchanged", after.Channels)
		}
		if _, err := s.SetPreferences(ctx, 9999, store.Preferences{Channels: []schedule.Channel{"sms"}, Leads: []time.Duration{0}}); !store.IsInvalid(err) {
			t.Errorf("preferences of no user: got %v; want a user field error", err)
		}
	})
}
