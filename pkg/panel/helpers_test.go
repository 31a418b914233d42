package panel

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// testVAPIDKey is a VAPID public key (65 bytes, base64url); the panel only
// hands it to browsers.
const testVAPIDKey = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"

// fixture is a panel over a fresh database with three people: alice and
// bob (members) and root (an admin), each with a session.
type fixture struct {
	t     *testing.T
	st    *store.Store
	srv   *Server
	cfg   config.Config
	now   time.Time
	users map[string]store.User
	token map[string]string // session token by login
}

// testConfig is the configuration of test panels.
func testConfig() config.Config {
	cfg := config.Default()
	cfg.WebPush.PublicKey = testVAPIDKey
	cfg.Defaults.PhoneRegion = "CH"
	cfg.Twilio.AccountSID = "AC00000000000000000000000000000001" // calls and texts are set up
	cfg.SMTP.Host = "smtp.example.org"                           // and email
	return cfg
}

// newFixture makes a panel on st; change may adjust the options first.
func newFixture(t *testing.T, st *store.Store, change func(*Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, st: st, cfg: testConfig(), now: time.Now(), users: map[string]store.User{}, token: map[string]string{}}
	opts := Options{
		Store: st, Config: f.cfg, BcryptCost: bcrypt.MinCost, Now: func() time.Time { return f.now },
		LookupHost: func(_ context.Context, host string) ([]netip.Addr, error) {
			switch host {
			case "push.example.net", "fcm.googleapis.com":
				return []netip.Addr{netip.MustParseAddr("142.250.1.1")}, nil
			case "evil.example.net":
				return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
			}
			return nil, &net404{host}
		},
	}
	if change != nil {
		change(&opts)
	}
	f.cfg = opts.Config
	srv, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	f.srv = srv
	for _, u := range []store.User{
		{Login: "alice", DisplayName: "Alice Liddell", TimeZone: "Europe/Zurich", Language: "en-GB", Phone: "+41227676111", Email: "alice@example.org"},
		{Login: "bob", TimeZone: "Asia/Tokyo", Language: "ja-JP"},
		{Login: "root", TimeZone: "UTC", Language: "en-US", Role: store.RoleAdmin},
	} {
		f.addUser(u, "")
	}
	return f
}

type net404 struct{ host string }

func (e *net404) Error() string { return "no such host " + e.host }

// addUser stores u with a session (and a password when pw is not "").
func (f *fixture) addUser(u store.User, pw string) store.User {
	f.t.Helper()
	if pw != "" {
		h, err := hashPassword(pw, bcrypt.MinCost)
		if err != nil {
			f.t.Fatal(err)
		}
		u.PasswordHash = string(h)
	}
	u, err := f.st.CreateUser(context.Background(), u)
	if err != nil {
		f.t.Fatal(err)
	}
	token, _, err := f.st.CreateSession(context.Background(), u.ID, time.Hour)
	if err != nil {
		f.t.Fatal(err)
	}
	f.users[u.Login], f.token[u.Login] = u, token
	return u
}

// sqliteFixture is a fixture on a fresh SQLite database.
func sqliteFixture(t *testing.T) *fixture {
	return newFixture(t, storetest.Open(t, storetest.SQLiteConfig(t)), nil)
}

// request is one request to the panel.
type request struct {
	method, path string
	as           string // a login with a session, or "" for nobody
	form         url.Values
	json         string
	header       map[string]string
	// stream: the answer is a stream of events, read until its first
	// flush (then the client goes away).
	stream bool
}

// do serves req and returns the answer.
func (f *fixture) do(req request) *httptest.ResponseRecorder {
	f.t.Helper()
	r := httptestRequest(req)
	if req.as != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.token[req.as]})
	}
	if req.stream {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		w := &streamRecorder{ResponseRecorder: httptest.NewRecorder(), gone: cancel}
		f.srv.ServeHTTP(w, r.WithContext(ctx))
		return w.ResponseRecorder
	}
	return serve(f, r)
}

// streamRecorder records an answer until its first flush, when the client
// goes away (its context is cancelled).
type streamRecorder struct {
	*httptest.ResponseRecorder
	gone func()
}

func (w *streamRecorder) Flush() {
	w.ResponseRecorder.Flush()
	w.gone()
}

// httptestRequest builds req, from 192.0.2.10.
func httptestRequest(req request) *http.Request {
	var body io.Reader
	switch {
	case req.form != nil:
		body = strings.NewReader(req.form.Encode())
	case req.json != "":
		body = strings.NewReader(req.json)
	}
	r := httptest.NewRequest(req.method, req.path, body)
	switch {
	case req.form != nil:
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case req.json != "":
		r.Header.Set("Content-Type", "application/json")
	}
	r.RemoteAddr = "192.0.2.10:40000"
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	return r
}

func serve(f *fixture, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	return w
}

// get is a GET as someone.
func (f *fixture) get(path, as string) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do(request{method: "GET", path: path, as: as})
}

// post is a form POST as someone.
func (f *fixture) post(path, as string, form url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return f.do(request{method: "POST", path: path, as: as, form: form})
}

// wantStatus checks the status of an answer.
func wantStatus(t *testing.T, what string, w *httptest.ResponseRecorder, want int) {
	t.Helper()
	if w.Code != want {
		t.Errorf("%s: got status %d; want %d\n%s", what, w.Code, want, excerpt(w.Body.String()))
	}
}

// excerpt shortens a body for an error message.
func excerpt(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "…"
	}
	return s
}

// decode reads a JSON answer into v.
func decode(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", excerpt(w.Body.String()), err)
	}
}

// register makes an ad-hoc registration for login, starting in, with a
// push reminder 10 minutes before.
func (f *fixture) register(login, title string, in time.Duration) store.Registration {
	f.t.Helper()
	reg, _, _, err := f.st.Register(context.Background(), store.NewRegistration{
		UserID: f.users[login].ID, Title: title, StartAt: time.Now().Add(in), TimeZone: "Europe/Zurich",
		Channels: []schedule.Channel{schedule.ChannelPush}, Leads: []time.Duration{10 * time.Minute}, CreatedBy: login,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return reg
}

// rule makes a rule for login.
func (f *fixture) rule(login, pattern string) store.Rule {
	f.t.Helper()
	r, err := f.st.CreateRule(context.Background(), store.Rule{UserID: f.users[login].ID, Pattern: pattern,
		Channels: []schedule.Channel{schedule.ChannelPush}, Leads: []time.Duration{10 * time.Minute}})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// sent puts a sent test notification in login's inbox and returns it.
func (f *fixture) sent(login string) store.Delivery {
	f.t.Helper()
	ctx := context.Background()
	d, err := f.st.CreateTestDelivery(ctx, f.users[login].ID, schedule.ChannelLog, login)
	if err != nil {
		f.t.Fatal(err)
	}
	f.drain()
	return d
}

// drain sends (marks sent) every delivery that is due.
func (f *fixture) drain() {
	f.t.Helper()
	ctx := context.Background()
	claims, err := f.st.ClaimDue(ctx, "test", time.Minute, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	var results []store.Result
	for _, c := range claims {
		results = append(results, store.Result{ID: c.ID, State: store.StateSent, Attempt: 1, Outcome: "sent"})
	}
	if _, err := f.st.Finish(ctx, "test", results); err != nil {
		f.t.Fatal(err)
	}
}

// sentReminder registers login for an event an hour ahead and sends its
// reminder (the store's clock jumps to when it is due, and back).
func (f *fixture) sentReminder(login, title string) store.Registration {
	f.t.Helper()
	reg := f.register(login, title, time.Hour)
	f.st.SetClock(func() time.Time { return time.Now().Add(55 * time.Minute) })
	defer f.st.SetClock(time.Now)
	f.drain()
	return reg
}

// browserKeys makes a browser's subscription keys, base64url.
func browserKeys(t *testing.T) (p256dh, auth string) {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := make([]byte, 16)
	rand.Read(a)
	return base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(a)
}

// subscribe stores a push subscription of login at endpoint.
func (f *fixture) subscribe(login, endpoint string) store.PushSubscription {
	f.t.Helper()
	p, a := browserKeys(f.t)
	sub, err := f.st.SavePushSubscription(context.Background(), store.PushSubscription{UserID: f.users[login].ID,
		Endpoint: endpoint, P256dh: p, Auth: a, UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"})
	if err != nil {
		f.t.Fatal(err)
	}
	return sub
}

// subscriptionJSON is a subscribe request body for endpoint with fresh keys.
func subscriptionBody(t *testing.T, endpoint string) string {
	p, a := browserKeys(t)
	b, _ := json.Marshal(map[string]any{"subscription": map[string]any{"endpoint": endpoint, "keys": map[string]string{"p256dh": p, "auth": a}}})
	return string(b)
}

// sqliteStore is a fresh SQLite store.
func sqliteStore(t *testing.T) *store.Store {
	return storetest.Open(t, storetest.SQLiteConfig(t))
}

// storeForBench is a fresh SQLite store for a benchmark.
func storeForBench(b *testing.B) *store.Store {
	s, err := store.Open(context.Background(), config.Database{Driver: "sqlite", DSN: b.TempDir() + "/bench.db", MaxOpenConns: 4, ConnMaxLifetime: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}
