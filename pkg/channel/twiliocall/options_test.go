package twiliocall_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliocall"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
)

func TestNewChecksOptions(t *testing.T) {
	const secret = "s3cr3tT0kenWithBad-Char"
	tests := []struct {
		name   string
		change func(*twiliocall.Options)
		want   []string // the error contains each
	}{
		{"no public url and no inline twiml", func(o *twiliocall.Options) { o.PublicURL = "" }, []string{"public_url", "twilio.inline_twiml"}},
		{"no account sid", func(o *twiliocall.Options) { o.AccountSID = "" }, []string{"twilio.account_sid is empty"}},
		{"account sid not alphanumeric", func(o *twiliocall.Options) { o.AccountSID = "AC-1" }, []string{"twilio.account_sid"}},
		{"no auth token", func(o *twiliocall.Options) { o.AuthToken = "" }, []string{"twilio.auth_token is empty"}},
		{"auth token not alphanumeric", func(o *twiliocall.Options) { o.AuthToken = secret }, []string{"twilio.auth_token", "not shown"}},
		{"no http client", func(o *twiliocall.Options) { o.HTTPClient = nil }, []string{"no http client"}},
		{"http client without timeout", func(o *twiliocall.Options) { o.HTTPClient = &http.Client{} }, []string{"invoke.http_timeout"}},
		{"api url", func(o *twiliocall.Options) { o.APIURL = "api.twilio.com" }, []string{"twilio.api_url"}},
		{"from number", func(o *twiliocall.Options) { o.From = "5551234567" }, []string{"twilio.from_number"}},
		{"public url", func(o *twiliocall.Options) { o.PublicURL = "notify.example.org" }, []string{"public_url"}},
		{"public url with query", func(o *twiliocall.Options) { o.PublicURL = "https://notify.example.org/?a=b" }, []string{"public_url"}},
		{"no templates", func(o *twiliocall.Options) { o.Templates = nil }, []string{"templates"}},
	}
	fake := twiliotest.New(t, twiliotest.Config{})
	for _, tt := range tests {
		opts := fake.CallOptions()
		tt.change(&opts)
		_, err := twiliocall.New(opts)
		if err == nil {
			t.Errorf("%s: got no error; want one containing %q", tt.name, tt.want)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: got %q; want it to contain %q", tt.name, err, w)
			}
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), twiliotest.AuthToken) {
			t.Errorf("%s: got %q; it shows the auth token", tt.name, err)
		}
	}

	ok := []func(*twiliocall.Options){
		func(o *twiliocall.Options) {},
		func(o *twiliocall.Options) { o.PublicURL, o.InlineTwiML = "", true },
		func(o *twiliocall.Options) { o.APIURL = "" }, // Twilio's own
	}
	for i, change := range ok {
		opts := fake.CallOptions()
		change(&opts)
		if _, err := twiliocall.New(opts); err != nil {
			t.Errorf("options %d: %v", i, err)
		}
	}
}

func TestOptionsFrom(t *testing.T) {
	cfg := config.Default()
	cfg.PublicURL = "https://notify.example.org"
	cfg.Twilio.AccountSID, cfg.Twilio.AuthToken, cfg.Twilio.FromNumber = twiliotest.AccountSID, twiliotest.AuthToken, "+15551234567"
	cfg.Twilio.MachineDetection, cfg.Twilio.InlineTwiML = true, true
	hc := &http.Client{Timeout: cfg.Invoke.HTTPTimeout}
	got := twiliocall.OptionsFrom(cfg, hc, nil)
	want := twiliocall.Options{
		AccountSID: twiliotest.AccountSID, AuthToken: twiliotest.AuthToken, From: "+15551234567", APIURL: "https://api.twilio.com",
		HTTPClient: hc, PublicURL: "https://notify.example.org", InlineTwiML: true, MachineDetection: true,
	}
	if got.Now != nil || got.Templates != nil {
		t.Errorf("got Now or Templates set; want them left to the caller")
	}
	if got.AccountSID != want.AccountSID || got.AuthToken != want.AuthToken || got.From != want.From || got.APIURL != want.APIURL ||
		got.HTTPClient != want.HTTPClient || got.PublicURL != want.PublicURL || got.InlineTwiML != want.InlineTwiML ||
		got.MachineDetection != want.MachineDetection {
		t.Errorf("got %+v; want %+v", got, want)
	}
}
