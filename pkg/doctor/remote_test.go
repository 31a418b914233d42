package doctor

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/calsync/calsynctest"
	"github.com/pfsnotify/pfsnotify/pkg/channel/email/smtptest"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// The Twilio check against the fake Twilio, through twilio-go.
func TestTwilioCheck(t *testing.T) {
	const wrongToken = "ffffffffffffffffffffffffffffffff"
	tests := []struct {
		name  string
		fake  twiliotest.Config
		token string
		from  string
		want  []want
	}{
		{"an active account owning the number", twiliotest.Config{}, twiliotest.AuthToken, twiliotest.FromNumber,
			[]want{{OK, "is active and owns " + twiliotest.FromNumber, ""}}},
		{"a wrong auth token", twiliotest.Config{}, wrongToken, twiliotest.FromNumber,
			[]want{{Fail, "refused the credentials", "twilio.auth_token"}}},
		{"a number of somebody else", twiliotest.Config{}, twiliotest.AuthToken, "+41225550100",
			[]want{{Fail, "+41225550100 is not a number of account", "Phone Numbers"}}},
		{"a trial account", twiliotest.Config{AccountType: "Trial"}, twiliotest.AuthToken, twiliotest.FromNumber,
			[]want{{Warn, "trial account", "upgrade"}}},
		{"a suspended account", twiliotest.Config{AccountStatus: "suspended"}, twiliotest.AuthToken, twiliotest.FromNumber,
			[]want{{Fail, "is suspended", "reactivate"}}},
		{"a from number not in E.164", twiliotest.Config{}, twiliotest.AuthToken, "022 767 61 11",
			[]want{{Fail, "not in E.164", "+15551234567"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := twiliotest.New(t, tt.fake)
			c := config.Twilio{AccountSID: fake.AccountSID(), AuthToken: tt.token, FromNumber: tt.from, APIURL: fake.URL}
			acct, err := NewTwilioAPI(twilioapi.Config{AccountSID: c.AccountSID, AuthToken: c.AuthToken, APIURL: fake.URL, HTTPClient: fake.Client()})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range expect(t, TwilioCheck(c, acct, nil), tt.want...) {
				if indexOfToken(r, tt.token) {
					t.Errorf("got %+v; the auth token must never be shown", r)
				}
			}
			for _, req := range fake.Requests() {
				if req.Method != http.MethodGet {
					t.Errorf("got a %s %s; want only reads", req.Method, req.Path)
				}
			}
		})
	}
	t.Run("not configured", func(t *testing.T) {
		expect(t, TwilioCheck(config.Twilio{}, nil, nil), want{OK, "calls and SMS are off", ""})
	})
	t.Run("a bad account sid", func(t *testing.T) {
		_, err := NewTwilioAPI(twilioapi.Config{AccountSID: "AC-1", AuthToken: "x", HTTPClient: &http.Client{Timeout: time.Second}})
		expect(t, TwilioCheck(config.Twilio{AccountSID: "AC-1"}, nil, err), want{Fail, "twilio.account_sid", "Twilio Console"})
	})
	t.Run("Twilio unreachable", func(t *testing.T) {
		url := closedURL(t)
		acct, err := NewTwilioAPI(twilioapi.Config{AccountSID: twiliotest.AccountSID, AuthToken: twiliotest.AuthToken, APIURL: url,
			HTTPClient: &http.Client{Timeout: 2 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, TwilioCheck(config.Twilio{AccountSID: twiliotest.AccountSID, FromNumber: twiliotest.FromNumber}, acct, nil),
			want{Fail, "reading account", "firewall"})
	})
}

func indexOfToken(r Result, token string) bool {
	return token != "" && (strings.Contains(r.Detail, token) || strings.Contains(r.Fix, token))
}

// closedURL is the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// The SMTP check against a real SMTP server: STARTTLS and AUTH, no mail.
func TestSMTPCheck(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Username: "pfsnotify", Password: "s3cret-pass", StartTLS: true})
	plain := smtptest.Start(t, smtptest.Options{Username: "pfsnotify", Password: "s3cret-pass"})
	implicit := smtptest.Start(t, smtptest.Options{ImplicitTLS: true})
	closed := closedURL(t)
	_, closedPort, _ := net.SplitHostPort(closed[len("http://"):])
	port, _ := strconv.Atoi(closedPort)
	smtp := func(s *smtptest.Server, tls, user, pass string) config.SMTP {
		return config.SMTP{Host: s.Host(), Port: s.Port(), Username: user, Password: pass, TLS: tls, From: "pfsnotify <noreply@example.org>"}
	}
	tests := []struct {
		name string
		c    config.SMTP
		srv  *smtptest.Server
		want want
	}{
		{"starttls and the right password", smtp(srv, "starttls", "pfsnotify", "s3cret-pass"), srv, want{OK, "signed in as pfsnotify); no mail sent", ""}},
		{"starttls and a wrong password", smtp(srv, "starttls", "pfsnotify", "wrong-pass"), srv, want{Fail, "refused the sign-in of pfsnotify", "smtp.password"}},
		{"no TLS on localhost", smtp(plain, "none", "pfsnotify", "s3cret-pass"), plain, want{OK, "signed in as pfsnotify", ""}},
		{"starttls asked of a server without it", smtp(plain, "starttls", "pfsnotify", "s3cret-pass"), plain, want{Fail, "TLS", "smtp.tls"}},
		{"implicit TLS, no sign-in", smtp(implicit, "tls", "", ""), implicit, want{OK, "without signing in", ""}},
		{"nothing listening", config.SMTP{Host: "127.0.0.1", Port: port, TLS: "starttls"}, nil, want{Fail, "does not answer", "smtp.host"}},
		{"not configured", config.SMTP{}, nil, want{OK, "email is off", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tlsConfig = srv.ClientTLSConfig()
			if tt.srv != nil && tt.srv.RootCAs() != nil {
				tlsConfig = tt.srv.ClientTLSConfig()
			}
			sessions := 0
			if tt.srv != nil {
				sessions = tt.srv.Sessions()
			}
			for _, r := range expect(t, SMTPCheck(tt.c, tlsConfig), tt.want) {
				if tt.c.Password != "" && indexOfToken(r, tt.c.Password) {
					t.Errorf("got %+v; the password must never be shown", r)
				}
			}
			if tt.srv != nil {
				if n := len(tt.srv.Mails()); n != 0 {
					t.Errorf("got %d mails sent; want none", n)
				}
				if tt.srv.Sessions() == sessions {
					t.Errorf("got no SMTP session; want the check to have connected")
				}
			}
		})
	}
}

type calendarList []store.Calendar

func (l calendarList) ListCalendars(context.Context) ([]store.Calendar, error) { return l, nil }

// The calendar check reads Google calendars through the fake Calendar API
// (signed in with a service account's key) and ICS feeds over HTTP, as
// calendar-sync does.
func TestCalendarsCheck(t *testing.T) {
	google := calsynctest.NewGoogleServer()
	defer google.Close()
	google.AccessToken = "ya29.doctor"
	google.Put("telecons@group.calendar.google.com", calsynctest.Timed("e1", "Weekly telecon",
		time.Now().Add(2*time.Hour), time.Now().Add(3*time.Hour), "Europe/Zurich"))
	keyFile := serviceAccountKey(t, google.TokenURL())

	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1@test\r\nDTSTAMP:20261201T000000Z\r\n" +
		"DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	ics := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/good.ics":
			w.Header().Set("Content-Type", "text/calendar")
			w.Write([]byte(feed))
		case "/html.ics":
			w.Write([]byte("<html><body>Sign in</body></html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer ics.Close()

	client := &http.Client{Timeout: 5 * time.Second}
	sources := func(auth calsync.GoogleAuth) SourceFor {
		return func(ctx context.Context, c store.Calendar) (calsync.Source, error) {
			if c.Kind == store.CalendarICS {
				return &calsync.ICS{Client: client, Retry: calsync.Retry{Attempts: 1}}, nil
			}
			svc, err := calsync.NewGoogleService(ctx, auth, google.BaseURL(), client)
			if err != nil {
				return nil, err
			}
			return &calsync.Google{Service: svc}, nil
		}
	}
	cals := calendarList{
		{Name: "telecons", Kind: store.CalendarGoogle, Source: "telecons@group.calendar.google.com", TimeZone: "Europe/Zurich", SyncToken: "stale"},
		{Name: "unshared", Kind: store.CalendarGoogle, Source: "other@group.calendar.google.com", TimeZone: "Europe/Zurich"},
		{Name: "indico", Kind: store.CalendarICS, Source: ics.URL + "/good.ics?token=s3cret", TimeZone: "Europe/Zurich", ETag: `"v1"`},
		{Name: "gone", Kind: store.CalendarICS, Source: ics.URL + "/gone.ics", TimeZone: "Europe/Zurich"},
		{Name: "html", Kind: store.CalendarICS, Source: ics.URL + "/html.ics", TimeZone: "Europe/Zurich"},
		{Name: "down", Kind: store.CalendarICS, Source: "https://feed:p4ssw0rd@" + closedURL(t)[len("http://"):] + "/x.ics?token=s3cret",
			TimeZone: "Europe/Zurich"},
	}
	results := expect(t, CalendarsCheck(cals, SyncProbe(sources(calsync.GoogleAuth{CredentialsFile: keyFile}), time.Now)),
		want{OK, "google telecons@group.calendar.google.com answers", ""},
		want{Fail, "other@group.calendar.google.com", "shared with the service account"},
		want{OK, "ics " + ics.URL + "/good.ics?… answers", ""},
		want{Fail, "404", "feed's URL"},
		want{Fail, "html.ics", "feed's URL"},
		want{Fail, "x.ics?…", "feed's URL"},
	)
	for _, r := range results {
		if strings.Contains(r.Detail, "s3cret") || strings.Contains(r.Detail, "p4ssw0rd") {
			t.Errorf("got %q; a feed's token must not be shown", r.Detail)
		}
	}
	if google.TokenRequests == 0 {
		t.Error("got no token request; want the service account's key traded for a token")
	}

	t.Run("a wrong API key", func(t *testing.T) {
		google.AccessToken, google.APIKey = "", "right-key"
		defer func() { google.APIKey = "" }()
		expect(t, CalendarsCheck(cals[:1], SyncProbe(sources(calsync.GoogleAuth{APIKey: "wrong-key"}), time.Now)),
			want{Fail, "telecons", "google.api_key"})
	})
	t.Run("none", func(t *testing.T) {
		expect(t, CalendarsCheck(calendarList{}, nil), want{OK, "none added", ""})
	})
}

func serviceAccountKey(t *testing.T, tokenURL string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	creds, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "pfsnotify-test", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "pfsnotify@pfsnotify-test.iam.gserviceaccount.com", "client_id": "1", "token_uri": tokenURL,
	})
	path := filepath.Join(t.TempDir(), "google-credentials.json")
	if err := os.WriteFile(path, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The database checks against a real database of each backend.
func TestDatabaseCheck(t *testing.T) {
	for _, backend := range []struct {
		name string
		cfg  func(*testing.T) config.Database
	}{{"sqlite", storetest.SQLiteConfig}, {"mysql", storetest.MySQLConfig}} {
		t.Run(backend.name, func(t *testing.T) {
			cfg := backend.cfg(t)
			s, err := store.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			expect(t, DatabaseCheck(s, nil), want{Fail, "schema is behind", "pfsnotify db migrate"})
			if _, err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			expect(t, DatabaseCheck(s, nil), want{OK, "the schema is current", ""})
			expect(t, ClockCheck(s, nil, time.Now), want{OK, "agree within", ""})
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		err := errors.New("connect to mysql at db:3306: connection refused")
		expect(t, DatabaseCheck(nil, err), want{Fail, "connection refused", "database.dsn"})
		expect(t, ClockCheck(nil, err, time.Now), want{Warn, "not checked", "database check"})
	})
}

// skewedDB is a database whose clock is off by skew.
type skewedDB struct{ skew time.Duration }

func (skewedDB) Name() string                                     { return "skewed" }
func (skewedDB) CheckSchema(context.Context) error                { return nil }
func (d skewedDB) DatabaseNow(context.Context) (time.Time, error) { return time.Now().Add(d.skew), nil }

func TestClockCheck(t *testing.T) {
	tests := []struct {
		skew time.Duration
		want want
	}{
		{0, want{OK, "agree", ""}},
		{5 * time.Second, want{Warn, "ahead of this host's", "NTP"}},
		{-2 * time.Minute, want{Fail, "behind this host's", "NTP"}},
	}
	for _, tt := range tests {
		t.Run(tt.skew.String(), func(t *testing.T) { expect(t, ClockCheck(skewedDB{tt.skew}, nil, time.Now), tt.want) })
	}
}
