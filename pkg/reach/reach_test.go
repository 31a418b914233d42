package reach

import (
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

func TestFirst(t *testing.T) {
	twilioOnly := config.Config{Twilio: config.Twilio{AccountSID: "AC123"}}
	everything := config.Config{Twilio: config.Twilio{AccountSID: "AC123"}, WebPush: config.WebPush{PublicKey: "k"},
		SMTP: config.SMTP{Host: "smtp.example.org"}}
	ch := func(cs ...schedule.Channel) []schedule.Channel { return cs }
	tests := []struct {
		name     string
		cfg      config.Config
		channels []schedule.Channel
		target   Target
		want     schedule.Channel
		wantWhy  string
	}{
		{"the first reaches", everything, ch("push", "sms"), Target{LivePush: 1, Phone: "+41227676111"}, "push", ""},
		{"no browser: the next", everything, ch("push", "sms"), Target{Phone: "+41227676111"}, "sms", ""},
		{"nothing set up", config.Config{}, ch("push", "email"), Target{LivePush: 1, Email: "a@example.org"}, "",
			"push: not configured (webpush keys); email: not configured (smtp)"},
		{"no phone", twilioOnly, ch("call", "sms"), Target{}, "", "call: no phone number; sms: no phone number"},
		{"log reaches everyone", config.Config{}, ch("log"), Target{}, "log", ""},
		{"no channel", everything, nil, Target{LivePush: 1}, "", "no channel"},
	}
	for _, tt := range tests {
		got, ok, why := First(tt.cfg, tt.channels, tt.target)
		if got != tt.want || ok != (tt.want != "") || why != tt.wantWhy {
			t.Errorf("%s: got %q, %t, %q; want %q, %q", tt.name, got, ok, why, tt.want, tt.wantWhy)
		}
	}
}
