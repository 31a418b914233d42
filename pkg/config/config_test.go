package config

import (
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"
)

// wantKeyCount is the number of settings. When you add a field, update it,
// and document the new key in examples/pfsnotify.yaml (a test in
// cmd/pfsnotify checks that file).
const wantKeyCount = 79

func TestKeys(t *testing.T) {
	keys := Keys()
	if got := len(keys); got != wantKeyCount {
		t.Errorf("len(Keys()) = %d; want %d: %q", got, wantKeyCount, keys)
	}
	for _, want := range []string{
		"database.driver", "database.dsn", "database.max_open_conns", "database.conn_max_lifetime",
		"public_url", "log.level", "log.format",
		"defaults.time_zone", "defaults.language", "defaults.phone_region",
		"webpush.private_key", "twilio.auth_token", "twilio.calls_per_second",
		"smtp.port", "smtp.tls", "google.credentials_file", "google.api_key",
	} {
		if !slices.Contains(keys, want) {
			t.Errorf("Keys() lacks %q", want)
		}
	}
	keyPattern := regexp.MustCompile(`^[a-z][a-z_]*(\.[a-z][a-z_]*)?$`)
	seen := map[string]bool{}
	for _, k := range keys {
		if !keyPattern.MatchString(k) {
			t.Errorf("key %q is not lower_snake_case, optionally section.key", k)
		}
		if seen[k] {
			t.Errorf("key %q appears twice", k)
		}
		seen[k] = true
	}
	if got := countLeaves(reflect.TypeFor[Config]()); got != len(keys) {
		t.Errorf("Config has %d leaf fields; Keys() has %d", got, len(keys))
	}
}

// countLeaves counts the non-struct fields of t, walking nested structs.
func countLeaves(t reflect.Type) int {
	n := 0
	for f := range t.Fields() {
		if f.Type.Kind() == reflect.Struct {
			n += countLeaves(f.Type)
		} else {
			n++
		}
	}
	return n
}

func TestValuesHasEveryKey(t *testing.T) {
	values := Default().Values()
	if len(values) != len(Keys()) {
		t.Errorf("len(Default().Values()) = %d; want %d", len(values), len(Keys()))
	}
	for key, want := range map[string]any{
		"database.driver":            "sqlite",
		"database.dsn":               "pfsnotify.db",
		"database.max_open_conns":    10,
		"database.conn_max_lifetime": 5 * time.Minute,
		"twilio.calls_per_second":    1.0,
		"smtp.port":                  587,
		"public_url":                 "",
	} {
		if got := values[key]; got != want {
			t.Errorf("Default().Values()[%q] = %#v; want %#v", key, got, want)
		}
	}
}

func TestSecretKeys(t *testing.T) {
	got := SecretKeys()
	want := []string{"webpush.private_key", "twilio.auth_token", "smtp.password", "webhook.url", "google.api_key", "twiml.previous_auth_token"}
	if !slices.Equal(got, want) {
		t.Errorf("SecretKeys() = %q; want %q", got, want)
	}
}

func withSecrets() Config {
	c := Default()
	c.Database.Driver = "mysql"
	c.Database.DSN = "pfs:dbpass@tcp(db:3306)/pfsnotify"
	c.WebPush.PublicKey = "BPublicKey"
	c.WebPush.PrivateKey = "vapid-private"
	c.Twilio.AuthToken = "twiliotoken"
	c.SMTP.Password = "smtp-pass"
	c.Google.APIKey = "google-key"
	return c
}

func TestSecrets(t *testing.T) {
	if got := Default().Secrets(); len(got) != 0 {
		t.Errorf("Default().Secrets() = %q; want none", got)
	}
	got := withSecrets().Secrets()
	want := map[string]string{
		"database.dsn":        "dbpass",
		"webpush.private_key": "vapid-private",
		"twilio.auth_token":   "twiliotoken",
		"smtp.password":       "smtp-pass",
		"google.api_key":      "google-key",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Secrets() = %q; want %q", got, want)
	}
}

func TestRedacted(t *testing.T) {
	c := withSecrets()
	r := c.Redacted()
	if got, want := r.Database.DSN, "pfs:***@tcp(db:3306)/pfsnotify"; got != want {
		t.Errorf("Redacted().Database.DSN = %q; want %q", got, want)
	}
	for key, got := range map[string]string{
		"webpush.private_key": r.WebPush.PrivateKey,
		"twilio.auth_token":   r.Twilio.AuthToken,
		"smtp.password":       r.SMTP.Password,
		"google.api_key":      r.Google.APIKey,
	} {
		if got != "***" {
			t.Errorf("Redacted() %s = %q; want \"***\"", key, got)
		}
	}
	if got, want := r.WebPush.PublicKey, "BPublicKey"; got != want {
		t.Errorf("Redacted().WebPush.PublicKey = %q; want %q (not a secret)", got, want)
	}
	if c.Twilio.AuthToken != "twiliotoken" {
		t.Errorf("Redacted() changed its receiver: auth token is now %q", c.Twilio.AuthToken)
	}
	if got := Default().Redacted(); got != Default() {
		t.Errorf("Default().Redacted() = %+v; want Default() unchanged (no secret set)", got)
	}
}

func TestRedactDSN(t *testing.T) {
	for _, tt := range []struct{ dsn, want string }{
		{"pfs:secret@tcp(db:3306)/pfsnotify", "pfs:***@tcp(db:3306)/pfsnotify"},
		{"pfs:se:c@r/et@tcp(db:3306)/pfsnotify?parseTime=true", "pfs:***@tcp(db:3306)/pfsnotify?parseTime=true"},
		{"pfs:secret@tcp(db:3306)", "pfs:***@tcp(db:3306)"}, // no slash: invalid, still hidden
		{"pfs@tcp(db:3306)/pfsnotify", "pfs@tcp(db:3306)/pfsnotify"},
		{"pfs:@tcp(db:3306)/pfsnotify", "pfs:@tcp(db:3306)/pfsnotify"},
		{"/pfsnotify", "/pfsnotify"},
		{"pfsnotify.db", "pfsnotify.db"},
		{"/var/lib/pfsnotify/pfsnotify.db", "/var/lib/pfsnotify/pfsnotify.db"},
	} {
		if got := RedactDSN(tt.dsn); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q; want %q", tt.dsn, got, tt.want)
		}
	}
}
