package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// signed is a request Twilio would make: the voice URL of a placed call,
// its form, the signature.
type signed struct {
	url, body, signature string
}

// seed registers n people for events an hour away, each with a reminder
// call placed (sent, with a call SID), and returns Twilio's voice request
// for each call.
func seed(ctx context.Context, s *store.Store, n int) ([]signed, error) {
	start := time.Now().Add(time.Hour).Truncate(time.Minute)
	var tokens, sids []string
	for i := range n {
		u, err := s.CreateUser(ctx, store.User{Login: fmt.Sprintf("member%04d", i), DisplayName: fmt.Sprintf("Member %d", i),
			Phone: fmt.Sprintf("+4122767%04d", i), TimeZone: "Europe/Zurich", Language: "fr-CH"})
		if err != nil {
			return nil, err
		}
		if _, _, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, Title: "Weekly telecon", Message: "Room 4-S-030",
			StartAt: start, TimeZone: "Europe/Zurich", Channels: []schedule.Channel{schedule.ChannelCall},
			Leads: []time.Duration{10 * time.Minute}, CreatedBy: "bench"}); err != nil {
			return nil, err
		}
	}
	s.SetClock(func() time.Time { return start.Add(-5 * time.Minute) }) // the calls are due
	defer s.SetClock(time.Now)
	for {
		claims, err := s.ClaimDue(ctx, "bench", time.Minute, 200)
		if err != nil || len(claims) == 0 {
			if err == nil && len(tokens) != n {
				err = fmt.Errorf("placed %d calls; want %d", len(tokens), n)
			}
			return requests(tokens, sids), err
		}
		results := make([]store.Result, len(claims))
		for i, c := range claims {
			sid := fmt.Sprintf("CA%032x", c.ID)
			results[i] = store.Result{ID: c.ID, State: store.StateSent, ProviderRef: sid, Target: c.User.Phone,
				Attempt: c.Attempts, Outcome: "sent", ProviderStatus: "queued"}
			tokens, sids = append(tokens, c.Token), append(sids, sid)
		}
		if _, err := s.Finish(ctx, "bench", results); err != nil {
			return nil, err
		}
	}
}

func requests(tokens, sids []string) []signed {
	out := make([]signed, len(tokens))
	for i, tok := range tokens {
		u := twiml.VoiceURL(twiliotest.PublicURL, tok)
		f := url.Values{
			"AccountSid": {twiliotest.AccountSID}, "ApiVersion": {"2010-04-01"}, "CallSid": {sids[i]}, "CallStatus": {"in-progress"},
			"Called": {"+41227670000"}, "Caller": {twiliotest.FromNumber}, "Direction": {"outbound-api"},
			"From": {twiliotest.FromNumber}, "To": {"+41227670000"}, "CallerCountry": {"US"}, "ToCountry": {"CH"},
		}
		out[i] = signed{url: u, body: f.Encode(), signature: twiliotest.Sign(twiliotest.AuthToken, u, f)}
	}
	return out
}

// twimlHandler is serve-twiml's handler over s with the config's
// defaults; cacheTTL < 0 turns its call cache off.
func twimlHandler(s twiml.Store, log *slog.Logger, cacheTTL time.Duration) (http.Handler, error) {
	cfg := config.Default()
	cfg.PublicURL = twiliotest.PublicURL
	cfg.Twilio.AccountSID, cfg.Twilio.AuthToken, cfg.Twilio.FromNumber = twiliotest.AccountSID, twiliotest.AuthToken, twiliotest.FromNumber
	tmpl, err := message.NewTemplates(cfg.Templates)
	if err != nil {
		return nil, err
	}
	opts := twiml.OptionsFrom(cfg, s, tmpl, log)
	opts.CacheTTL = cacheTTL
	srv, err := twiml.New(opts)
	if err != nil {
		return nil, err
	}
	return srv.Handler(), nil
}
