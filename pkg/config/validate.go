package config

import (
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// FieldError is one problem with one setting.
type FieldError struct {
	Key     string // the dotted key, e.g. "database.driver"
	Problem string // the bad value (never a secret) and what is allowed
}

func (e FieldError) Error() string { return e.Key + ": " + e.Problem }

// ValidationError is every problem that Validate found, in key order.
type ValidationError struct {
	Problems []FieldError
}

// Error puts one problem on each line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems as FieldErrors, for errors.As.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Validate checks every setting and returns all the problems it finds as a
// *ValidationError, or nil. It does not touch the network or the files that
// settings name (pfsnotify doctor does).
func (c Config) Validate() error {
	var p problems
	p.database(c.Database)
	p.publicURL(c.PublicURL)
	p.log(c.Log)
	p.defaults(c.Defaults)
	p.webPush(c.WebPush)
	p.twilio(c.Twilio)
	p.smtp(c.SMTP)
	p.webhook(c.Webhook)
	p.invoke(c.Invoke)
	p.templates(c.Templates)
	p.calsync(c.Calsync)
	p.panel(c.Panel)
	p.twiml(c.TwiML, c.Twilio)
	p.retention(c.Retention, c.Calsync)
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

type problems []FieldError

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, FieldError{Key: key, Problem: fmt.Sprintf(format, args...)})
}

func (p *problems) database(d Database) {
	if d.Driver != "sqlite" && d.Driver != "mysql" {
		p.add("database.driver", "%q is not supported (use %s)", d.Driver, choices("sqlite", "mysql"))
	}
	switch {
	case d.DSN == "":
		p.add("database.dsn", `is empty (use a file path for sqlite, e.g. "pfsnotify.db", or user:password@tcp(host:3306)/pfsnotify for mysql)`)
	case d.Driver == "mysql":
		if _, err := mysql.ParseDSN(d.DSN); err != nil {
			p.add("database.dsn", "%s", hidePassword(d.DSN, fmt.Sprintf(
				"%q is not a MySQL DSN: %v (use user:password@tcp(host:3306)/dbname)", RedactDSN(d.DSN), err)))
		}
	case d.Driver == "sqlite" && (strings.Contains(d.DSN, "tcp(") || strings.Contains(d.DSN, "unix(")):
		p.add("database.dsn", "%s", hidePassword(d.DSN, fmt.Sprintf(
			`%q looks like a MySQL DSN but database.driver is "sqlite" (set database.driver to "mysql")`, RedactDSN(d.DSN))))
	}
	if d.MaxOpenConns < 1 {
		p.add("database.max_open_conns", "%d is too small (use 1 or more)", d.MaxOpenConns)
	}
	if d.ConnMaxLifetime <= 0 {
		p.add("database.conn_max_lifetime", `%s is not longer than 0 (use e.g. "5m", less than the MySQL server's wait_timeout)`, d.ConnMaxLifetime)
	}
}

// hidePassword replaces every copy of the password of dsn in msg by "***",
// in case a driver error quotes it or a parameter repeats it.
func hidePassword(dsn, msg string) string {
	if start, end, ok := dsnPassword(dsn); ok {
		return strings.ReplaceAll(msg, dsn[start:end], "***")
	}
	return msg
}

func (p *problems) publicURL(s string) {
	if s == "" {
		return
	}
	const example = `use e.g. "https://notify.example.org"`
	u, err := url.Parse(s)
	switch {
	case err != nil:
		p.add("public_url", "%q is not a URL (%s)", s, example)
	case u.User != nil:
		p.add("public_url", "%q must not hold a user name or password (%s)", u.Redacted(), example)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		p.add("public_url", "%q is not an absolute http:// or https:// URL (%s)", s, example)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		p.add("public_url", "%q must not have a query or a fragment (%s)", s, example)
	}
}

func (p *problems) log(l Log) {
	if !oneOf(l.Level, "debug", "info", "warn", "error") {
		p.add("log.level", "%q is not a level (use %s)", l.Level, choices("debug", "info", "warn", "error"))
	}
	if !oneOf(l.Format, "text", "json") {
		p.add("log.format", "%q is not supported (use %s)", l.Format, choices("text", "json"))
	}
}

func (p *problems) defaults(d Defaults) {
	switch tz := d.TimeZone; {
	case tz == "":
		p.add("defaults.time_zone", `is empty (use an IANA name such as "UTC" or "Europe/Berlin")`)
	case tz == "Local":
		p.add("defaults.time_zone", `"Local" is this machine's zone, not an IANA name (use e.g. "UTC" or "Europe/Berlin")`)
	default:
		if _, err := time.LoadLocation(tz); err != nil {
			p.add("defaults.time_zone", `%q is not an IANA time zone (use e.g. "UTC", "Europe/Berlin" or "America/New_York")`, tz)
		}
	}

	tag, err := language.Parse(d.Language)
	switch _, confidence := tag.Base(); {
	case d.Language == "":
		p.add("defaults.language", `is empty (use a BCP 47 tag such as "en-US" or "ja-JP")`)
	case err != nil:
		p.add("defaults.language", `%q is not a BCP 47 language tag (use e.g. "en-US" or "ja-JP")`, d.Language)
	case confidence != language.Exact: // "und", "und-US"
		p.add("defaults.language", `%q names no language (use e.g. "en-US" or "ja-JP")`, d.Language)
	case tag.String() != d.Language:
		p.add("defaults.language", "%q is written %q", d.Language, tag.String())
	}

	if r := d.PhoneRegion; r != "" && !phonenumbers.GetSupportedRegions()[r] {
		if phonenumbers.GetSupportedRegions()[strings.ToUpper(r)] {
			p.add("defaults.phone_region", "%q is written %q", r, strings.ToUpper(r))
		} else {
			p.add("defaults.phone_region", `%q is not a region that libphonenumber knows (use an ISO 3166 code such as "US" or "JP", or "" to require +country codes)`, r)
		}
	}
}

func (p *problems) webPush(w WebPush) {
	const pair = `set both, e.g. from "pfsnotify vapid generate", or neither`
	if w.PublicKey == "" && w.PrivateKey != "" {
		p.add("webpush.public_key", "is empty but webpush.private_key is set (%s)", pair)
	}
	if w.PrivateKey == "" && w.PublicKey != "" {
		p.add("webpush.private_key", "is empty but webpush.public_key is set (%s)", pair)
	}

	if w.Subject == "" && w.PublicKey != "" {
		p.add("webpush.subject", `is empty but the VAPID keys are set (push services want a contact: use e.g. "mailto:admin@example.org")`)
	}
	var ok bool
	switch s := w.Subject; {
	case s == "":
		ok = true
	case strings.HasPrefix(s, "mailto:"):
		ok = isAddress(strings.TrimPrefix(s, "mailto:"))
	case strings.HasPrefix(s, "https://"):
		u, err := url.Parse(s)
		ok = err == nil && u.Host != ""
	default:
		ok = isAddress(s)
	}
	if !ok {
		p.add("webpush.subject", `%q is not a mailto: address, an https:// URL or an email address (use e.g. "mailto:admin@example.org")`, w.Subject)
	}
}

func (p *problems) twilio(t Twilio) {
	if sid := t.AccountSID; sid != "" && (len(sid) != 34 || !strings.HasPrefix(sid, "AC") || !isAlnum(sid)) {
		p.add("twilio.account_sid", `%q is not an account SID ("AC" and 32 more letters or digits)`, sid)
	}
	if t.AuthToken != "" && !isAlnum(t.AuthToken) {
		p.add("twilio.auth_token", "must be letters and digits only, as Twilio's tokens are (the value is not shown)")
	}
	if n := t.FromNumber; n != "" && !isE164(n) {
		p.add("twilio.from_number", `%q is not an E.164 number (use + and 8 to 15 digits, e.g. "+15551234567")`, n)
	}
	if t.AccountSID != "" || t.AuthToken != "" || t.FromNumber != "" {
		for _, s := range []struct{ key, value string }{
			{"twilio.account_sid", t.AccountSID},
			{"twilio.auth_token", t.AuthToken},
			{"twilio.from_number", t.FromNumber},
		} {
			if s.value == "" {
				p.add(s.key, "is empty but other twilio settings are set (calls and SMS need account_sid, auth_token and from_number)")
			}
		}
	}
	if cps := t.CallsPerSecond; !(cps > 0) || math.IsInf(cps, 1) {
		p.add("twilio.calls_per_second", "%g is not a positive number (Twilio's default limit is 1)", cps)
	}
	if !isHTTPURL(t.APIURL) {
		p.add("twilio.api_url", `%q is not an http(s) URL (use "https://api.twilio.com")`, t.APIURL)
	}
	if _, err := t.VoiceMap(); err != nil {
		p.add("twilio.voices", "%v", err)
	}
}

// VoiceMap reads twilio.voices, "ja=Polly.Takumi, de=Polly.Hans": the
// Twilio voice of each language's catalogue, by its tag.
func (t Twilio) VoiceMap() (map[string]string, error) {
	out := map[string]string{}
	for item := range strings.SplitSeq(t.Voices, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		tag, voice, ok := strings.Cut(item, "=")
		tag, voice = strings.TrimSpace(tag), strings.TrimSpace(voice)
		if !ok || tag == "" || voice == "" || strings.ContainsAny(voice, " \t") {
			return nil, fmt.Errorf("%q is not language=voice (e.g. ja=Polly.Takumi)", item)
		}
		if t, err := language.Parse(tag); err != nil || t.String() != tag {
			return nil, fmt.Errorf("%q: %q is not a BCP 47 language tag written like ja or pt-BR", item, tag)
		}
		if _, dup := out[tag]; dup {
			return nil, fmt.Errorf("%q: %s has a voice already", item, tag)
		}
		out[tag] = voice
	}
	return out, nil
}

func (p *problems) smtp(s SMTP) {
	if s.Port < 1 || s.Port > 65535 {
		p.add("smtp.port", "%d is not a port (use 1 to 65535: 587 with starttls, 465 with tls)", s.Port)
	}
	if !oneOf(s.TLS, "starttls", "tls", "none") {
		p.add("smtp.tls", "%q is not supported (use %s)", s.TLS, choices("starttls", "tls", "none"))
	}
	if s.From != "" {
		if _, err := mail.ParseAddress(s.From); err != nil {
			p.add("smtp.from", `%q is not an email address (use e.g. "pfsnotify <noreply@example.org>")`, s.From)
		}
	}
	if s.Host != "" && s.From == "" {
		p.add("smtp.from", "is empty but smtp.host is set (email needs a sender address)")
	}
}

func (p *problems) calsync(c Calsync) {
	if c.Horizon < time.Hour || c.Horizon > 3*366*24*time.Hour {
		p.add("calsync.horizon", `%s is out of range (use 1h to 26352h, about 3 years; e.g. "2160h" for 90 days)`, c.Horizon)
	}
	if c.Lookback < 0 || c.Lookback > 366*24*time.Hour {
		p.add("calsync.lookback", `%s is out of range (use 0 to 8784h, a year; e.g. "24h")`, c.Lookback)
	}
	if !(c.MaxVanishShare > 0 && c.MaxVanishShare <= 1) {
		p.add("calsync.max_vanish_share", "%g is not a share of events (use more than 0 and at most 1, e.g. 0.5)", c.MaxVanishShare)
	}
	if c.NoticeWindow < 0 {
		p.add("calsync.notice_window", `%s is negative (use e.g. "24h", or 0 for no notices)`, c.NoticeWindow)
	}
	if c.FullSyncInterval < time.Minute {
		p.add("calsync.full_sync_interval", `%s is too short (use 1m or more, e.g. "24h")`, c.FullSyncInterval)
	}
	if c.HTTPTimeout <= 0 || c.HTTPTimeout > 10*time.Minute {
		p.add("calsync.http_timeout", `%s is out of range (use more than 0 and at most 10m, e.g. "30s")`, c.HTTPTimeout)
	}
	if u, err := url.Parse(c.GoogleAPIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		p.add("calsync.google_api_url", `%q is not an absolute http(s) URL without a password (use "https://www.googleapis.com/calendar/v3/")`, c.GoogleAPIURL)
	}
	if _, err := schedule.ParseAllDayAt(c.AllDayAt); err != nil {
		p.add("calsync.all_day_at", "%v", err)
	}
}

func oneOf(s string, allowed ...string) bool { return slices.Contains(allowed, s) }

// choices writes `"a", "b" or "c"`.
func choices(allowed ...string) string {
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	last := len(quoted) - 1
	if last == 0 {
		return quoted[0]
	}
	return strings.Join(quoted[:last], ", ") + " or " + quoted[last]
}

// isAddress reports whether s is a bare email address, "user@example.org".
func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

func isAlnum(s string) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isE164 reports whether s is + and 8 to 15 digits, the first not 0.
func isE164(s string) bool {
	digits, ok := strings.CutPrefix(s, "+")
	if !ok || len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
