// Package config holds pfsnotify's settings: the Config struct, its defaults,
// and Validate. It reads no file, flag or environment variable: cmd/pfsnotify
// loads a Config and hands it to the rest of the program.
//
// Every setting has a dotted key made of its mapstructure tags
// ("database.dsn"); Keys lists them all. A field tagged secret:"true" holds a
// secret: it is never printed, and Redacted hides it.
package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// Config is the whole configuration of pfsnotify.
type Config struct {
	Database Database `mapstructure:"database"`
	// PublicURL is where nginx serves pfsnotify, e.g. "https://notify.example.org".
	// Twilio webhook URLs and panel links are built from it.
	PublicURL string    `mapstructure:"public_url"`
	Log       Log       `mapstructure:"log"`
	Defaults  Defaults  `mapstructure:"defaults"`
	WebPush   WebPush   `mapstructure:"webpush"`
	Twilio    Twilio    `mapstructure:"twilio"`
	SMTP      SMTP      `mapstructure:"smtp"`
	Webhook   Webhook   `mapstructure:"webhook"`
	Google    Google    `mapstructure:"google"`
	Invoke    Invoke    `mapstructure:"invoke"`
	Templates Templates `mapstructure:"templates"`
	Languages Languages `mapstructure:"languages"`
	Calsync   Calsync   `mapstructure:"calsync"`
	Panel     Panel     `mapstructure:"panel"`
	TwiML     TwiML     `mapstructure:"twiml"`
	Retention Retention `mapstructure:"retention"`
}

// Database says which database to use.
type Database struct {
	// Driver is "sqlite" or "mysql".
	Driver string `mapstructure:"driver"`
	// DSN is a file path for sqlite ("pfsnotify.db"), a go-sql-driver DSN for
	// mysql ("user:password@tcp(host:3306)/pfsnotify"). It may hold a password.
	DSN             string        `mapstructure:"dsn"`
	MaxOpenConns    int           `mapstructure:"max_open_conns"`
	ConnMaxLifetime time.Duration `mapstructure:"conn_max_lifetime"`
}

// Log sets how pfsnotify logs.
type Log struct {
	Level  string `mapstructure:"level"`  // debug, info, warn or error
	Format string `mapstructure:"format"` // text or json
}

// Defaults are given to new users.
type Defaults struct {
	TimeZone string `mapstructure:"time_zone"` // IANA name, e.g. "Europe/Berlin"
	Language string `mapstructure:"language"`  // BCP 47 tag of new users, and of members whose own matches no catalogue, e.g. "en-US"
	// PhoneRegion is the ISO 3166 region ("US", "JP") of phone numbers typed
	// without +country code; "" means every number must start with +.
	PhoneRegion string `mapstructure:"phone_region"`
}

// WebPush holds the VAPID key pair and contact of Web Push notifications.
type WebPush struct {
	PublicKey  string `mapstructure:"public_key"`
	PrivateKey string `mapstructure:"private_key" secret:"true"`
	Subject    string `mapstructure:"subject"` // a mailto: address, an https URL or a bare email address
}

// Twilio holds the account that places calls and sends SMS.
type Twilio struct {
	AccountSID     string  `mapstructure:"account_sid"`
	AuthToken      string  `mapstructure:"auth_token" secret:"true"`
	FromNumber     string  `mapstructure:"from_number"` // E.164, e.g. "+15551234567"
	CallsPerSecond float64 `mapstructure:"calls_per_second"`
	// APIURL is Twilio's REST API, "https://api.twilio.com"; tests point it elsewhere.
	APIURL string `mapstructure:"api_url"`
	// Voice is the <Say voice=> of calls to a person whose language has no
	// catalogue, e.g. "alice"; "" is the voice of defaults.language.
	Voice string `mapstructure:"voice"`
	// Voices sets the voice of a catalogue's language over the built-in
	// one: "ja=Polly.Takumi, de=Polly.Hans" (see VoiceMap).
	Voices string `mapstructure:"voices"`
	// MachineDetection asks Twilio to tell people from answering machines.
	MachineDetection bool `mapstructure:"machine_detection"`
	// InlineTwiML sends the call's TwiML with the call instead of a URL of
	// serve-twiml, for installations without a public serve-twiml (no "press 1").
	InlineTwiML bool `mapstructure:"inline_twiml"`
}

// Webhook is where the webhook channel posts (Slack/Mattermost-compatible JSON).
type Webhook struct {
	URL string `mapstructure:"url" secret:"true"` // incoming-webhook URLs embed their credential
}

// Invoke tunes the dispatcher that sends what is due.
type Invoke struct {
	Concurrency    int           `mapstructure:"concurrency"`       // sends at once
	BatchSize      int           `mapstructure:"batch_size"`        // deliveries claimed per query, at most MaxBatchSize
	Lease          time.Duration `mapstructure:"lease"`             // how long a claim holds before another run may take it over
	MaxAttempts    int           `mapstructure:"max_attempts"`      // tries before a delivery fails for good
	BackoffBase    time.Duration `mapstructure:"backoff_base"`      // first retry delay; doubles, with jitter
	BackoffMax     time.Duration `mapstructure:"backoff_max"`       // longest retry delay
	Interval       time.Duration `mapstructure:"interval"`          // pause between passes of invoke --loop
	HTTPTimeout    time.Duration `mapstructure:"http_timeout"`      // each request to a push service, Twilio or a webhook
	CallLookahead  time.Duration `mapstructure:"call_lookahead"`    // how far ahead bursts of reminder calls are planned
	PushPerHostRPS float64       `mapstructure:"push_per_host_rps"` // Web Push requests per second to one push service
	SMSPerSecond   float64       `mapstructure:"sms_per_second"`    // Twilio messages per second
	// StateDir holds invoke's journal of results not yet in the database;
	// "" is the SQLite file's folder, or the working folder with MySQL
	// (the systemd unit sets /var/lib/pfsnotify). See StateDirFor.
	StateDir  string        `mapstructure:"state_dir"`
	DBTimeout time.Duration `mapstructure:"db_timeout"` // the most one database call of invoke may take
}

// StateDirFor is invoke.state_dir, or where it defaults to for db.
func (i Invoke) StateDirFor(db Database) string {
	switch {
	case i.StateDir != "":
		return i.StateDir
	case db.Driver == "sqlite":
		path := strings.TrimPrefix(db.DSN, "file:")
		if q := strings.IndexByte(path, '?'); q >= 0 {
			path = path[:q]
		}
		return filepath.Dir(path)
	}
	return "."
}

// Templates override the texts of notifications (Go text/template; the
// email_html one is html/template). "" keeps the built-in text.
type Templates struct {
	PushTitle    string `mapstructure:"push_title"`
	PushBody     string `mapstructure:"push_body"`
	SMS          string `mapstructure:"sms"`
	Call         string `mapstructure:"call"`
	EmailSubject string `mapstructure:"email_subject"`
	EmailText    string `mapstructure:"email_text"`
	EmailHTML    string `mapstructure:"email_html"`
	Webhook      string `mapstructure:"webhook"`
}

// Languages sets the languages members are spoken to in.
type Languages struct {
	// Dir holds override files of the message catalogues, one per language
	// named by its tag ("ja.yaml", "pt-BR.yaml"); "" for none. A message
	// of a file replaces the shipped one; a broken file fails the start.
	Dir string `mapstructure:"dir"`
}

// SMTP holds the mail server that sends email.
type SMTP struct {
	Host     string `mapstructure:"host"`
	Port     int    `mapstructure:"port"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password" secret:"true"`
	From     string `mapstructure:"from"` // e.g. "pfsnotify <noreply@example.org>"
	TLS      string `mapstructure:"tls"`  // starttls, tls or none
}

// Google holds the credentials of Google Calendar.
type Google struct {
	CredentialsFile string `mapstructure:"credentials_file"`
	APIKey          string `mapstructure:"api_key" secret:"true"`
}

// Calsync tunes calendar-sync.
type Calsync struct {
	// Horizon is how far ahead events are read and rules applied.
	Horizon time.Duration `mapstructure:"horizon"`
	// Lookback is how far back events are read (an event moved into the recent past).
	Lookback time.Duration `mapstructure:"lookback"`
	// MaxVanishShare is the largest share (0 to 1] of a calendar's upcoming
	// events that may vanish from a complete feed at once and be cancelled;
	// beyond it the sync refuses and changes nothing.
	MaxVanishShare float64 `mapstructure:"max_vanish_share"`
	// NoticeWindow: registrations of an event that moves or is cancelled
	// within this of now are told so; 0: never.
	NoticeWindow time.Duration `mapstructure:"notice_window"`
	// FullSyncInterval is how long a sync token or an unchanged feed is
	// trusted before the whole window is read again.
	FullSyncInterval time.Duration `mapstructure:"full_sync_interval"`
	// HTTPTimeout bounds each request to Google or to an ICS server.
	HTTPTimeout time.Duration `mapstructure:"http_timeout"`
	// GoogleAPIURL is the Google Calendar API's endpoint (a test server's in tests).
	GoogleAPIURL string `mapstructure:"google_api_url"`
	// AllDayAt is when members are reminded of all-day events, in each
	// member's zone: "09:00 the day before", "18:00 2 days before", "08:00".
	AllDayAt string `mapstructure:"all_day_at"`
}

// Panel tunes serve-panel, the members' web control panel.
type Panel struct {
	// Listen is the address serve-panel listens on, behind nginx.
	Listen string `mapstructure:"listen"`
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration `mapstructure:"session_ttl"`
	// PasswordSignIn allows signing in with a login and password (set with
	// "pfsnotify user passwd").
	PasswordSignIn bool `mapstructure:"password_signin"`
	// TrustedProxies lists the addresses (IPs or CIDRs, comma-separated) of
	// the proxies whose X-Forwarded-For and ProxyUserHeader are believed.
	TrustedProxies string `mapstructure:"trusted_proxies"`
	// ProxyUserHeader names the header in which a trusted proxy passes the
	// login of the person it authenticated (e.g. "X-Remote-User"); "": off.
	ProxyUserHeader string `mapstructure:"proxy_user_header"`
	// SignInAccountLimit is how many failed sign-ins one login may have
	// within SignInWindow before it is refused until the window passes.
	SignInAccountLimit int `mapstructure:"signin_account_limit"`
	// SignInAddressLimit is the same for one client address.
	SignInAddressLimit int `mapstructure:"signin_address_limit"`
	// SignInWindow is the window of the failed sign-in limits.
	SignInWindow time.Duration `mapstructure:"signin_window"`
}

// TwiML tunes serve-twiml, which answers Twilio's webhooks for calls and
// text messages.
type TwiML struct {
	// Listen is the address serve-twiml listens on, behind nginx.
	Listen string `mapstructure:"listen"`
	// Prefix is the path under public_url that serve-twiml answers:
	// "/twiml/" gives https://notify.example.org/twiml/voice/{token}.
	Prefix string `mapstructure:"prefix"`
	// RetryDelay is how long after a busy, unanswered or failed call the
	// call is tried again.
	RetryDelay time.Duration `mapstructure:"retry_delay"`
	// MaxCallRetries is how many more calls follow a busy, unanswered or
	// failed one, at most; never after the event has started.
	MaxCallRetries int `mapstructure:"max_call_retries"`
	// ReconcileAfter is how long invoke waits for a call's final status
	// callback before it looks the call up at Twilio and finishes it from
	// Twilio's answer (callbacks lost: serve-twiml down, a wrong
	// public_url); 0 never looks calls up.
	ReconcileAfter time.Duration `mapstructure:"reconcile_after"`
	// PreviousAuthToken is the account's former auth token, accepted too in
	// Twilio's signatures while a new twilio.auth_token is rolled out.
	PreviousAuthToken string `mapstructure:"previous_auth_token" secret:"true"`
}

// MaxBatchSize bounds invoke.batch_size: a claim, and the reads that go
// with it, name every delivery of a batch in one statement.
const MaxBatchSize = 1000

// Default returns the configuration used for every key that is not set:
// a SQLite database in ./pfsnotify.db and every channel unconfigured.
func Default() Config {
	return Config{
		Database: Database{
			Driver:          "sqlite",
			DSN:             "pfsnotify.db",
			MaxOpenConns:    10,
			ConnMaxLifetime: 5 * time.Minute,
		},
		Log:      Log{Level: "info", Format: "text"},
		Defaults: Defaults{TimeZone: "UTC", Language: "en-US"},
		Twilio:   Twilio{CallsPerSecond: 1, APIURL: "https://api.twilio.com"},
		Invoke: Invoke{
			Concurrency: 8, BatchSize: 100, Lease: 2 * time.Minute, MaxAttempts: 5,
			BackoffBase: 30 * time.Second, BackoffMax: 10 * time.Minute, Interval: 15 * time.Second,
			HTTPTimeout: 15 * time.Second, CallLookahead: 15 * time.Minute, PushPerHostRPS: 5000, SMSPerSecond: 1,
			DBTimeout: 10 * time.Second,
		},
		SMTP: SMTP{Port: 587, TLS: "starttls"},
		Calsync: Calsync{
			Horizon: 90 * 24 * time.Hour, Lookback: 24 * time.Hour, MaxVanishShare: 0.5,
			NoticeWindow: 24 * time.Hour, FullSyncInterval: 24 * time.Hour, HTTPTimeout: 30 * time.Second,
			GoogleAPIURL: "https://www.googleapis.com/calendar/v3/", AllDayAt: "09:00 the day before",
		},
		Panel: Panel{
			Listen: "127.0.0.1:8080", SessionTTL: 7 * 24 * time.Hour, PasswordSignIn: true,
			SignInAccountLimit: 5, SignInAddressLimit: 20, SignInWindow: 15 * time.Minute,
		},
		TwiML: TwiML{Listen: "127.0.0.1:8081", Prefix: "/twiml/", RetryDelay: 2 * time.Minute, MaxCallRetries: 2,
			ReconcileAfter: 10 * time.Minute},

		Retention: defaultRetention(),
	}
}

// Keys returns the dotted key of every setting, in the order of the struct:
// "database.driver", "database.dsn", ..., "google.api_key".
func Keys() []string {
	var keys []string
	for _, f := range fields() {
		keys = append(keys, f.key)
	}
	return keys
}

// SecretKeys returns the keys whose values are secrets.
func SecretKeys() []string {
	var keys []string
	for _, f := range fields() {
		if f.secret {
			keys = append(keys, f.key)
		}
	}
	return keys
}

// Values returns every setting of c by its dotted key.
func (c Config) Values() map[string]any {
	v := reflect.ValueOf(c)
	values := make(map[string]any)
	for _, f := range fields() {
		values[f.key] = v.FieldByIndex(f.index).Interface()
	}
	return values
}

// Secrets returns the secrets that c holds, by key: every secret key that is
// not empty, and "database.dsn" with the password of the DSN if it has one.
// Callers use it to warn about files that others can read.
func (c Config) Secrets() map[string]string {
	secrets := make(map[string]string)
	v := reflect.ValueOf(c)
	for _, f := range fields() {
		if !f.secret {
			continue
		}
		if s := v.FieldByIndex(f.index).String(); s != "" {
			secrets[f.key] = s
		}
	}
	if start, end, ok := dsnPassword(c.Database.DSN); ok {
		secrets["database.dsn"] = c.Database.DSN[start:end]
	}
	return secrets
}

// Redacted returns a copy of c fit for printing: every secret that is set is
// replaced by "***", and so is the password in database.dsn.
func (c Config) Redacted() Config {
	v := reflect.ValueOf(&c).Elem()
	for _, f := range fields() {
		if !f.secret {
			continue
		}
		if s := v.FieldByIndex(f.index); s.String() != "" {
			s.SetString("***")
		}
	}
	c.Database.DSN = RedactDSN(c.Database.DSN)
	return c
}

// RedactDSN returns a go-sql-driver DSN with its password replaced by "***":
// "user:***@tcp(db:3306)/pfsnotify". A DSN without a password (and a SQLite
// file path) comes back unchanged.
func RedactDSN(dsn string) string {
	start, end, ok := dsnPassword(dsn)
	if !ok {
		return dsn
	}
	return dsn[:start] + "***" + dsn[end:]
}

// dsnPassword finds the password in [user[:password]@][net[(addr)]]/dbname[?params]
// the way mysql.ParseDSN does (the last "/", the last "@" before it, the
// first ":" before that), and also when the "/" is missing. ok is false when
// there is no password.
func dsnPassword(dsn string) (start, end int, ok bool) {
	slash := strings.LastIndex(dsn, "/")
	if slash < 0 {
		slash = len(dsn)
	}
	at := strings.LastIndex(dsn[:slash], "@")
	if at < 0 {
		return 0, 0, false
	}
	colon := strings.Index(dsn[:at], ":")
	if colon < 0 || colon+1 == at {
		return 0, 0, false
	}
	return colon + 1, at, true
}

// field is one setting of Config: its dotted key, where it is in the struct,
// and whether it is a secret.
type field struct {
	key    string
	index  []int
	secret bool
}

// fields walks Config by reflection. It is the only list of keys there is.
func fields() []field {
	return appendFields(nil, reflect.TypeFor[Config](), "", nil)
}

func appendFields(out []field, t reflect.Type, prefix string, index []int) []field {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("mapstructure")
		if tag == "" {
			panic(fmt.Sprintf("config: field %s.%s has no mapstructure tag", t.Name(), f.Name))
		}
		fieldIndex := append(append([]int(nil), index...), i)
		if f.Type.Kind() == reflect.Struct {
			out = appendFields(out, f.Type, prefix+tag+".", fieldIndex)
			continue
		}
		out = append(out, field{key: prefix + tag, index: fieldIndex, secret: f.Tag.Get("secret") == "true"})
	}
	return out
}
