package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateTwiML(t *testing.T) {
	const secret = "0ld-T0ken!"
	for _, tt := range []struct {
		name   string
		change func(*Config)
		key    string // "" when valid
		want   string
	}{
		{"defaults", func(*Config) {}, "", ""},
		{"every interface", func(c *Config) { c.TwiML.Listen = ":8081" }, "", ""},
		{"own prefix", func(c *Config) { c.TwiML.Prefix = "/hooks/twilio/" }, "", ""},
		{"root prefix", func(c *Config) { c.TwiML.Prefix = "/" }, "", ""},
		{"no retries", func(c *Config) { c.TwiML.MaxCallRetries = 0 }, "", ""},
		{"rotation", func(c *Config) {
			c.Twilio = validTwilio()
			c.TwiML.PreviousAuthToken = "0123456789abcdef0123456789abcdee"
		}, "", ""},
		{"listen without port", func(c *Config) { c.TwiML.Listen = "127.0.0.1" }, "twiml.listen", `"127.0.0.1" is not host:port`},
		{"listen on a bad port", func(c *Config) { c.TwiML.Listen = "127.0.0.1:http" }, "twiml.listen", "is not host:port"},
		{"listen on a name", func(c *Config) { c.TwiML.Listen = "twiml.example.org:8081" }, "twiml.listen", "must be an IP address"},
		{"prefix without slashes", func(c *Config) { c.TwiML.Prefix = "twiml" }, "twiml.prefix", `"twiml" is not a path`},
		{"empty prefix", func(c *Config) { c.TwiML.Prefix = "" }, "twiml.prefix", `"" is not a path`},
		{"prefix with a query", func(c *Config) { c.TwiML.Prefix = "/twiml/?x=1/" }, "twiml.prefix", "is not a path"},
		{"prefix with a double slash", func(c *Config) { c.TwiML.Prefix = "/a//b/" }, "twiml.prefix", "is not a path"},
		{"short retry delay", func(c *Config) { c.TwiML.RetryDelay = time.Second }, "twiml.retry_delay", "1s is out of range"},
		{"negative retries", func(c *Config) { c.TwiML.MaxCallRetries = -1 }, "twiml.max_call_retries", "-1 is out of range"},
		{"many retries", func(c *Config) { c.TwiML.MaxCallRetries = 11 }, "twiml.max_call_retries", "11 is out of range"},
		{"reconcile off", func(c *Config) { c.TwiML.ReconcileAfter = 0 }, "", ""},
		{"reconcile after a minute", func(c *Config) { c.TwiML.ReconcileAfter = time.Minute }, "", ""},
		{"reconcile too soon", func(c *Config) { c.TwiML.ReconcileAfter = 30 * time.Second }, "twiml.reconcile_after", "30s is out of range"},
		{"reconcile negative", func(c *Config) { c.TwiML.ReconcileAfter = -time.Minute }, "twiml.reconcile_after", "-1m0s is out of range"},
		{"reconcile after days", func(c *Config) { c.TwiML.ReconcileAfter = 48 * time.Hour }, "twiml.reconcile_after", "48h0m0s is out of range"},
		{"previous token not alphanumeric", func(c *Config) {
			c.Twilio = validTwilio()
			c.TwiML.PreviousAuthToken = secret
		}, "twiml.previous_auth_token", "letters and digits only"},
		{"previous token alone", func(c *Config) { c.TwiML.PreviousAuthToken = "abc123" }, "twiml.previous_auth_token", "twilio.auth_token is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			if tt.key == "" {
				if err != nil {
					t.Errorf("Validate() = %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil; want a problem with %s", tt.key)
			}
			if got := err.Error(); !strings.Contains(got, tt.key+": ") || !strings.Contains(got, tt.want) {
				t.Errorf("Validate() = %q; want %s: ...%s...", got, tt.key, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Validate() = %q; it shows the token", err)
			}
		})
	}
}
