package config

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v; want nil", err)
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(*Config)
	}{
		{"mysql", func(c *Config) {
			c.Database.Driver = "mysql"
			c.Database.DSN = "pfs:p@ss/w:rd@tcp(db.example.org:3306)/pfsnotify?parseTime=true&loc=UTC"
		}},
		{"mysql over a socket", func(c *Config) {
			c.Database.Driver = "mysql"
			c.Database.DSN = "pfs@unix(/run/mysqld/mysqld.sock)/pfsnotify"
		}},
		{"sqlite path", func(c *Config) { c.Database.DSN = "/var/lib/pfsnotify/pfsnotify.db" }},
		{"https public url with a path", func(c *Config) { c.PublicURL = "https://example.org/pfsnotify/" }},
		{"http public url with a port", func(c *Config) { c.PublicURL = "http://localhost:8080" }},
		{"debug json log", func(c *Config) { c.Log = Log{Level: "debug", Format: "json"} }},
		{"zone, language, region", func(c *Config) {
			c.Defaults = Defaults{TimeZone: "Asia/Tokyo", Language: "ja-JP", PhoneRegion: "JP"}
		}},
		{"Mandarin for Twilio", func(c *Config) { c.Defaults.Language = "cmn-CN" }},
		{"webpush with mailto subject", func(c *Config) {
			c.WebPush = WebPush{PublicKey: "pub", PrivateKey: "priv", Subject: "mailto:admin@example.org"}
		}},
		{"webpush with https subject", func(c *Config) { c.WebPush.Subject = "https://notify.example.org" }},
		{"webpush with bare address", func(c *Config) { c.WebPush.Subject = "admin@example.org" }},
		{"twilio", func(c *Config) {
			c.Twilio = validTwilio()
			c.Twilio.CallsPerSecond = 0.5
		}},
		{"smtp", func(c *Config) {
			c.SMTP = SMTP{Host: "mail.example.org", Port: 465, Username: "u", Password: "p w!", From: "pfsnotify <noreply@example.org>", TLS: "tls"}
		}},
		{"google", func(c *Config) { c.Google = Google{CredentialsFile: "/nonexistent/creds.json", APIKey: "k"} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v; want nil", err)
			}
		})
	}
}

// validTwilio is a complete Twilio account, to change one field of.
func validTwilio() Twilio {
	return Twilio{
		AccountSID:     "AC0123456789abcdef0123456789abcdef",
		AuthToken:      "0123456789abcdef0123456789abcdef",
		FromNumber:     "+15551234567",
		CallsPerSecond: 1,
		APIURL:         "https://api.twilio.com",
	}
}

func TestValidateRejects(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(*Config)
		key    string
		want   string // part of the problem
	}{
		{"driver", func(c *Config) { c.Database.Driver = "postgres" }, "database.driver", `"postgres" is not supported (use "sqlite" or "mysql")`},
		{"empty dsn", func(c *Config) { c.Database.DSN = "" }, "database.dsn", "is empty"},
		{"mysql dsn without slash", func(c *Config) {
			c.Database.Driver = "mysql"
			c.Database.DSN = "pfs@tcp(db:3306)"
		}, "database.dsn", `"pfs@tcp(db:3306)" is not a MySQL DSN: invalid DSN: missing the slash`},
		{"mysql dsn with bad param", func(c *Config) {
			c.Database.Driver = "mysql"
			c.Database.DSN = "pfs@tcp(db)/pfsnotify?parseTime=maybe"
		}, "database.dsn", "invalid bool value: maybe"},
		{"mysql dsn for sqlite", func(c *Config) { c.Database.DSN = "pfs@tcp(db:3306)/pfsnotify" }, "database.dsn", `looks like a MySQL DSN but database.driver is "sqlite"`},
		{"max open conns", func(c *Config) { c.Database.MaxOpenConns = 0 }, "database.max_open_conns", "0 is too small"},
		{"conn max lifetime", func(c *Config) { c.Database.ConnMaxLifetime = 0 }, "database.conn_max_lifetime", "0s is not longer than 0"},
		{"negative lifetime", func(c *Config) { c.Database.ConnMaxLifetime = -time.Second }, "database.conn_max_lifetime", "-1s"},
		{"public url without scheme", func(c *Config) { c.PublicURL = "notify.example.org" }, "public_url", "is not an absolute http:// or https:// URL"},
		{"public url ftp", func(c *Config) { c.PublicURL = "ftp://notify.example.org" }, "public_url", "is not an absolute"},
		{"public url without host", func(c *Config) { c.PublicURL = "https:///path" }, "public_url", "is not an absolute"},
		{"public url with query", func(c *Config) { c.PublicURL = "https://notify.example.org/?a=b" }, "public_url", "must not have a query or a fragment"},
		{"public url with fragment", func(c *Config) { c.PublicURL = "https://notify.example.org/#x" }, "public_url", "must not have a query or a fragment"},
		{"public url with user", func(c *Config) { c.PublicURL = "https://u:pw@notify.example.org" }, "public_url", `"https://u:xxxxx@notify.example.org" must not hold a user name or password`},
		{"public url unparsable", func(c *Config) { c.PublicURL = "https://notify.example.org/%zz" }, "public_url", "is not a URL"},
		{"log level", func(c *Config) { c.Log.Level = "verbose" }, "log.level", `"verbose" is not a level (use "debug", "info", "warn" or "error")`},
		{"log level case", func(c *Config) { c.Log.Level = "INFO" }, "log.level", `"INFO" is not a level`},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, "log.format", `"xml" is not supported (use "text" or "json")`},
		{"time zone unknown", func(c *Config) { c.Defaults.TimeZone = "Mars/Olympus" }, "defaults.time_zone", `"Mars/Olympus" is not an IANA time zone`},
		{"time zone Local", func(c *Config) { c.Defaults.TimeZone = "Local" }, "defaults.time_zone", `"Local" is this machine's zone`},
		{"time zone empty", func(c *Config) { c.Defaults.TimeZone = "" }, "defaults.time_zone", "is empty"},
		{"language unparsable", func(c *Config) { c.Defaults.Language = "english" }, "defaults.language", `"english" is not a BCP 47 language tag`},
		{"language empty", func(c *Config) { c.Defaults.Language = "" }, "defaults.language", "is empty"},
		{"language und", func(c *Config) { c.Defaults.Language = "und" }, "defaults.language", "names no language"},
		{"language spelling", func(c *Config) { c.Defaults.Language = "en_us" }, "defaults.language", `"en_us" is written "en-US"`},
		{"phone region unknown", func(c *Config) { c.Defaults.PhoneRegion = "XX" }, "defaults.phone_region", `"XX" is not a region that libphonenumber knows`},
		{"phone region lower case", func(c *Config) { c.Defaults.PhoneRegion = "jp" }, "defaults.phone_region", `"jp" is written "JP"`},
		{"webpush private key alone", func(c *Config) { c.WebPush.PrivateKey = "priv" }, "webpush.public_key", "is empty but webpush.private_key is set"},
		{"webpush public key alone", func(c *Config) { c.WebPush.PublicKey, c.WebPush.Subject = "pub", "mailto:admin@example.org" }, "webpush.private_key", "is empty but webpush.public_key is set"},
		{"webpush subject", func(c *Config) { c.WebPush.Subject = "admin" }, "webpush.subject", `"admin" is not a mailto: address, an https:// URL or an email address`},
		{"webpush subject http", func(c *Config) { c.WebPush.Subject = "http://example.org" }, "webpush.subject", "is not a mailto:"},
		{"webpush subject bad mailto", func(c *Config) { c.WebPush.Subject = "mailto:nobody" }, "webpush.subject", "is not a mailto:"},
		{"webpush subject with name", func(c *Config) { c.WebPush.Subject = "Admin <admin@example.org>" }, "webpush.subject", "is not a mailto:"},
		{"twilio sid prefix", func(c *Config) { c.Twilio = validTwilio(); c.Twilio.AccountSID = "XX0123456789abcdef0123456789abcdef" }, "twilio.account_sid", `"XX0123456789abcdef0123456789abcdef" is not an account SID`},
		{"twilio sid length", func(c *Config) { c.Twilio = validTwilio(); c.Twilio.AccountSID = "AC123" }, "twilio.account_sid", "is not an account SID"},
		{"twilio sid characters", func(c *Config) { c.Twilio = validTwilio(); c.Twilio.AccountSID = "AC0123456789abcdef0123456789abcde!" }, "twilio.account_sid", "is not an account SID"},
		{"webpush keys without a subject", func(c *Config) { c.WebPush.PublicKey, c.WebPush.PrivateKey = "pub", "priv" }, "webpush.subject", "is empty but the VAPID keys are set"},
		{"twilio api url", func(c *Config) { c.Twilio.APIURL = "api.twilio.com" }, "twilio.api_url", "is not an http(s) URL"},
		{"webhook url", func(c *Config) { c.Webhook.URL = "hooks.slack.com/services/T0/B0/secret" }, "webhook.url", "is not an http(s) URL"},
		{"all-day reminder time", func(c *Config) { c.Calsync.AllDayAt = "9am the day before" }, "calsync.all_day_at", `"9am the day before" is not a time of day and a day`},
		{"invoke concurrency", func(c *Config) { c.Invoke.Concurrency = 0 }, "invoke.concurrency", "0 is too small"},
		{"invoke batch too large", func(c *Config) { c.Invoke.BatchSize = 5000 }, "invoke.batch_size", "5000 is too large (at most 1000"},
		{"invoke lease shorter than the http timeout", func(c *Config) { c.Invoke.Lease = 15 * time.Second }, "invoke.lease", "must be longer than invoke.http_timeout"},
		{"invoke backoff max below base", func(c *Config) { c.Invoke.BackoffMax = time.Second }, "invoke.backoff_max", "is too short"},
		{"invoke sms rate", func(c *Config) { c.Invoke.SMSPerSecond = 0 }, "invoke.sms_per_second", "is not a positive number"},
		{"template that does not parse", func(c *Config) { c.Templates.SMS = "{{.Title" }, "templates.sms", "does not parse"},
		{"html template that does not parse", func(c *Config) { c.Templates.EmailHTML = "{{if}}" }, "templates.email_html", "does not parse"},
		{"twilio token characters", func(c *Config) { c.Twilio = validTwilio(); c.Twilio.AuthToken = "tok-en" }, "twilio.auth_token", "must be letters and digits only"},
		{"twilio from without plus", func(c *Config) { c.Twilio = validTwilio(); c.Twilio.FromNumber = "15551234567" }, "twilio.from_number", `"15551234567" is not an E.164 number`},
		{"twilio from too short", func(c *Config) { c.Twilio = validTwilio(); c.Twilio.FromNumber = "+1555123" }, "twilio.from_number", "is not an E.164 number"},
		{"twilio from too long", func(c *Config) { c.Twilio = validTwilio(); c.Twilio.FromNumber = "+1234567890123456" }, "twilio.from_number", "is not an E.164 number"},
		{"twilio from with spaces", func(c *Config) { c.Twilio = validTwilio(); c.Twilio.FromNumber = "+1 555 123 4567" }, "twilio.from_number", "is not an E.164 number"},
		{"twilio incomplete", func(c *Config) { c.Twilio = validTwilio(); c.Twilio.FromNumber = "" }, "twilio.from_number", "is empty but other twilio settings are set"},
		{"calls per second zero", func(c *Config) { c.Twilio.CallsPerSecond = 0 }, "twilio.calls_per_second", "0 is not a positive number"},
		{"calls per second NaN", func(c *Config) { c.Twilio.CallsPerSecond = math.NaN() }, "twilio.calls_per_second", "NaN is not a positive number"},
		{"voices not pairs", func(c *Config) { c.Twilio.Voices = "ja=Polly.Takumi, de" }, "twilio.voices", `"de" is not language=voice`},
		{"voices bad tag", func(c *Config) { c.Twilio.Voices = "japanese=Polly.Takumi" }, "twilio.voices", `"japanese" is not a BCP 47 language tag`},
		{"voices tag spelling", func(c *Config) { c.Twilio.Voices = "pt_br=Polly.Camila" }, "twilio.voices", `"pt_br" is not a BCP 47 language tag`},
		{"voices twice", func(c *Config) { c.Twilio.Voices = "ja=Polly.Takumi,ja=Polly.Mizuki" }, "twilio.voices", "ja has a voice already"},
		{"calls per second Inf", func(c *Config) { c.Twilio.CallsPerSecond = math.Inf(1) }, "twilio.calls_per_second", "+Inf is not a positive number"},
		{"smtp port zero", func(c *Config) { c.SMTP.Port = 0 }, "smtp.port", "0 is not a port (use 1 to 65535"},
		{"smtp port high", func(c *Config) { c.SMTP.Port = 65536 }, "smtp.port", "65536 is not a port"},
		{"smtp tls", func(c *Config) { c.SMTP.TLS = "ssl" }, "smtp.tls", `"ssl" is not supported (use "starttls", "tls" or "none")`},
		{"smtp from", func(c *Config) { c.SMTP.From = "pfsnotify" }, "smtp.from", `"pfsnotify" is not an email address`},
		{"smtp host without from", func(c *Config) { c.SMTP.Host = "mail.example.org" }, "smtp.from", "is empty but smtp.host is set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate() = %v; want a *ValidationError", err)
			}
			if len(verr.Problems) != 1 {
				t.Errorf("Validate() found %d problems; want 1:\n%v", len(verr.Problems), err)
			}
			if got := err.Error(); !strings.HasPrefix(got, tt.key+": ") || !strings.Contains(got, tt.want) {
				t.Errorf("Validate() = %q; want %q and %q", got, tt.key+": ", tt.want)
			}
			var ferr FieldError
			if !errors.As(err, &ferr) || ferr.Key != tt.key {
				t.Errorf("errors.As(err, &FieldError) gives key %q; want %q", ferr.Key, tt.key)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Default()
	c.Database.Driver = "postgres"
	c.Database.MaxOpenConns = -1
	c.PublicURL = "notify.example.org"
	c.Log.Format = "xml"
	c.Defaults.TimeZone = "Mars/Olympus"
	c.Twilio.CallsPerSecond = 0
	c.SMTP.Port = 0
	c.SMTP.TLS = "ssl"

	err := c.Validate()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Validate() = %v; want a *ValidationError", err)
	}
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.Key)
	}
	want := []string{
		"database.driver", "database.max_open_conns", "public_url", "log.format",
		"defaults.time_zone", "twilio.calls_per_second", "smtp.port", "smtp.tls",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems with %q; want %q", got, want)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(want) {
		t.Errorf("Error() has %d lines; want one per problem, %d:\n%s", len(lines), len(want), err)
	}
}

func TestValidateNeverShowsSecrets(t *testing.T) {
	const (
		dbPass      = "Db-Pa55word"
		vapid       = "Vapid-Pr1vate"
		token       = "Tw1lio-T0ken!"
		smtpPass    = "Smtp-Pa55"
		googleKey   = "G00gle-Key"
		urlPassword = "Url-Pa55"
	)
	c := Default()
	c.Database.Driver = "mysql"
	c.Database.DSN = "pfs:" + dbPass + "@tcp(db:3306)/pfsnotify?parseTime=" + dbPass // bad bool
	c.WebPush.PrivateKey = vapid                                                     // without public key
	c.Twilio.AuthToken = token                                                       // not alphanumeric, no SID
	c.SMTP.Password = smtpPass
	c.SMTP.Port = 0
	c.Google.APIKey = googleKey
	c.PublicURL = "https://admin:" + urlPassword + "@notify.example.org"

	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil; want errors")
	}
	for _, secret := range []string{dbPass, vapid, token, smtpPass, googleKey, urlPassword} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Validate() error shows the secret %q:\n%v", secret, err)
		}
	}
	for _, key := range []string{"database.dsn", "webpush.public_key", "twilio.auth_token", "twilio.account_sid", "smtp.port", "public_url"} {
		if !strings.Contains(err.Error(), key+": ") {
			t.Errorf("Validate() error lacks %s:\n%v", key, err)
		}
	}
}
