package config

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestValidatePanel(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(*Panel)
		key    string // "" when the change is valid
		want   string // part of the problem
	}{
		{"defaults", func(*Panel) {}, "", ""},
		{"proxy header with proxies", func(p *Panel) {
			p.TrustedProxies, p.ProxyUserHeader, p.PasswordSignIn = "127.0.0.1, 10.0.0.0/8 ::1", "X-Remote-User", false
		}, "", ""},
		{"any port", func(p *Panel) { p.Listen = ":8080" }, "", ""},
		{"listen without port", func(p *Panel) { p.Listen = "127.0.0.1" }, "panel.listen", `"127.0.0.1" is not host:port`},
		{"listen on a name", func(p *Panel) { p.Listen = "panel.example.org:80" }, "panel.listen", "must be an IP address"},
		{"short session", func(p *Panel) { p.SessionTTL = time.Second }, "panel.session_ttl", "1s is out of range"},
		{"bad proxy", func(p *Panel) { p.TrustedProxies = "127.0.0.1, nginx" }, "panel.trusted_proxies", `"nginx" is not an IP address`},
		{"bad prefix", func(p *Panel) { p.TrustedProxies = "10.0.0.0/33" }, "panel.trusted_proxies", `"10.0.0.0/33"`},
		{"header without proxies", func(p *Panel) { p.ProxyUserHeader = "X-Remote-User" }, "panel.proxy_user_header", "trusted_proxies is empty"},
		{"bad header", func(p *Panel) { p.TrustedProxies, p.ProxyUserHeader = "127.0.0.1", "X Remote: User" }, "panel.proxy_user_header", "is not a header name"},
		{"nobody can sign in", func(p *Panel) { p.PasswordSignIn = false }, "panel.password_signin", "nobody could sign in"},
		{"account limit", func(p *Panel) { p.SignInAccountLimit = 0 }, "panel.signin_account_limit", "0 is too small"},
		{"address limit", func(p *Panel) { p.SignInAddressLimit = -1 }, "panel.signin_address_limit", "-1 is too small"},
		{"window", func(p *Panel) { p.SignInWindow = 48 * time.Hour }, "panel.signin_window", "48h0m0s is out of range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c.Panel)
			err := c.Validate()
			if tt.key == "" {
				if err != nil {
					t.Errorf("Validate() = %v; want nil", err)
				}
				return
			}
			var fe FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v; want a problem with %s", err, tt.key)
			}
			if got := err.Error(); !strings.Contains(got, tt.key+": ") || !strings.Contains(got, tt.want) {
				t.Errorf("Validate() = %q; want %s: ...%s...", got, tt.key, tt.want)
			}
		})
	}
}

func TestParseProxies(t *testing.T) {
	got, err := ParseProxies("127.0.0.1, 10.1.2.3/8 ::ffff:192.0.2.1,2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v; want %v", got, want)
	}
	for i, p := range got {
		if p.String() != want[i] {
			t.Errorf("prefix %d: got %s; want %s", i, p, want[i])
		}
	}
	if !got[1].Contains(netip.MustParseAddr("10.200.0.1")) {
		t.Errorf("got %s; want it to hold 10.200.0.1", got[1])
	}
	if got, err := ParseProxies(""); err != nil || len(got) != 0 {
		t.Errorf(`ParseProxies("") = %v, %v; want none`, got, err)
	}
}
