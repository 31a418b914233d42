package twiml_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// BenchmarkVoice is the cost of one signed voice request in the handler,
// without the network, on SQLite: what bench/twiml measures over HTTP.
func BenchmarkVoice(b *testing.B) {
	ctx := context.Background()
	cfg := config.Default().Database
	cfg.DSN = filepath.Join(b.TempDir(), "pfsnotify.db")
	s, err := store.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(time.Hour)
	u, err := s.CreateUser(ctx, store.User{Login: "alice", DisplayName: "Alice", TimeZone: "Europe/Zurich", Language: "fr-CH"})
	if err != nil {
		b.Fatal(err)
	}
	_, created, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, Title: "Weekly telecon", Message: "Room 4",
		StartAt: start, TimeZone: "Europe/Zurich", Channels: []schedule.Channel{schedule.ChannelCall},
		Leads: []time.Duration{10 * time.Minute}, CreatedBy: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	s.SetClock(func() time.Time { return start.Add(-5 * time.Minute) })
	claims, _ := s.ClaimDue(ctx, "bench", time.Minute, 1)
	s.Finish(ctx, "bench", []store.Result{{ID: claims[0].ID, State: store.StateSent, ProviderRef: sid1, Attempt: 1, Outcome: "sent"}})
	s.SetClock(time.Now)
	calls, err := s.PrepareCallLookup(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer calls.Close()
	tmpl, _ := message.NewTemplates(config.Templates{})
	srv, err := twiml.New(twiml.Options{Store: calls, Templates: tmpl, PublicURL: twiliotest.PublicURL, AuthToken: twiliotest.AuthToken,
		RetryDelay: time.Minute, MaxCallRetries: 2, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	u2 := twiml.VoiceURL(twiliotest.PublicURL, created[0].Token)
	form := callForm(sid1)
	body, sig := form.Encode(), twiliotest.Sign(twiliotest.AuthToken, u2, form)
	path := strings.TrimPrefix(u2, twiliotest.PublicURL)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set(twiml.SignatureHeader, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "<Gather") {
			b.Fatalf("got %d %s", w.Code, w.Body)
		}
	}
}
