package panel

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

const carolPassword = "correct horse battery"

func signInForm(login, pw, next string) url.Values {
	return url.Values{"login": {login}, "password": {pw}, "next": {next}}
}

func TestSignIn(t *testing.T) {
	f := sqliteFixture(t)
	f.addUser(store.User{Login: "carol", TimeZone: "UTC", Language: "en-US"}, carolPassword)
	f.addUser(store.User{Login: "nopass", TimeZone: "UTC", Language: "en-US"}, "")
	f.addUser(store.User{Login: "gone", TimeZone: "UTC", Language: "en-US", Disabled: false}, carolPassword)
	yes := true
	if _, err := f.st.UpdateUser(context.Background(), "gone", store.UserChanges{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, login, pw, next string
		wantCode              int
		wantLocation          string
	}{
		{"right password", "carol", carolPassword, "/rules", http.StatusSeeOther, "/rules"},
		{"login in capitals", "CAROL", carolPassword, "", http.StatusSeeOther, "/"},
		{"off-site next", "carol", carolPassword, "//evil.example/x", http.StatusSeeOther, "/"},
		{"absolute next", "carol", carolPassword, "https://evil.example/", http.StatusSeeOther, "/"},
		{"wrong password", "carol", "wrong horse battery", "", http.StatusUnauthorized, ""},
		{"unknown login", "mallory", carolPassword, "", http.StatusUnauthorized, ""},
		{"no password set", "nopass", "", "", http.StatusUnprocessableEntity, ""},
		{"no password set, one given", "nopass", carolPassword, "", http.StatusUnauthorized, ""},
		{"disabled", "gone", carolPassword, "", http.StatusUnauthorized, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.post("/signin", "", signInForm(tt.login, tt.pw, tt.next))
			wantStatus(t, tt.name, w, tt.wantCode)
			if got := w.Header().Get("Location"); got != tt.wantLocation {
				t.Errorf("got Location %q; want %q", got, tt.wantLocation)
			}
			cookie := sessionCookieOf(w.Result())
			if tt.wantCode != http.StatusSeeOther {
				if cookie != nil {
					t.Errorf("got a session cookie after a failed sign-in")
				}
				if !strings.Contains(w.Body.String(), `value="`+tt.login+`"`) && tt.login != "" {
					t.Errorf("the form lost the login typed:\n%s", excerpt(w.Body.String()))
				}
				return
			}
			if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.Path != "/" {
				t.Fatalf("got cookie %+v; want HttpOnly, SameSite=Lax, not Secure (public_url is not https), path /", cookie)
			}
			if cookie.MaxAge < int((7*24*time.Hour-time.Minute)/time.Second) {
				t.Errorf("cookie MaxAge %d; want about panel.session_ttl (a week)", cookie.MaxAge)
			}
			f.token["carol"] = cookie.Value
			wantStatus(t, "a page with the new session", f.get("/", "carol"), http.StatusOK)
		})
	}
}

func sessionCookieOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return c
		}
	}
	return nil
}

func TestSecureCookieWithHTTPSPublicURL(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.SQLiteConfig(t)), func(o *Options) { o.Config.PublicURL = "https://notify.example.org" })
	f.addUser(store.User{Login: "carol", TimeZone: "UTC", Language: "en-US"}, carolPassword)
	w := f.post("/signin", "", signInForm("carol", carolPassword, ""))
	if c := sessionCookieOf(w.Result()); c == nil || !c.Secure {
		t.Errorf("got cookie %+v; want Secure when public_url is https", c)
	}
}

func TestSignInLimits(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.SQLiteConfig(t)), func(o *Options) {
		o.Config.Panel.SignInAccountLimit, o.Config.Panel.SignInAddressLimit = 3, 5
		o.Config.Panel.TrustedProxies = "192.0.2.10"
	})
	f.addUser(store.User{Login: "carol", TimeZone: "UTC", Language: "en-US"}, carolPassword)
	from := func(addr string) map[string]string { return map[string]string{"X-Forwarded-For": addr} }
	try := func(login, pw, addr string) int {
		return f.do(request{method: "POST", path: "/signin", form: signInForm(login, pw, ""), header: from(addr)}).Code
	}
	for i := range 3 {
		if got := try("carol", "wrong", "198.51.100."+string(rune('1'+i))); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d; want 401", i+1, got)
		}
	}
	if got := try("carol", carolPassword, "198.51.100.9"); got != http.StatusTooManyRequests {
		t.Errorf("right password after 3 failures of the account: got %d; want 429", got)
	}
	f.now = f.now.Add(16 * time.Minute) // the window (15m) has passed
	if got := try("carol", carolPassword, "198.51.100.9"); got != http.StatusSeeOther {
		t.Errorf("after the window: got %d; want 303", got)
	}

	// One address trying many logins.
	for i, login := range []string{"a1", "a2", "a3", "a4", "a5"} {
		if got := try(login, "x", "203.0.113.7"); got != http.StatusUnauthorized {
			t.Fatalf("address failure %d: got %d; want 401", i+1, got)
		}
	}
	if got := try("carol", carolPassword, "203.0.113.7"); got != http.StatusTooManyRequests {
		t.Errorf("right password from an address with 5 failures: got %d; want 429", got)
	}
	if got := try("carol", carolPassword, "203.0.113.8"); got != http.StatusSeeOther {
		t.Errorf("another address: got %d; want 303", got)
	}
	// X-Forwarded-For from anyone but a trusted proxy is not believed.
	g := sqliteFixture(t)
	for i := range 20 {
		r := request{method: "POST", path: "/signin", form: signInForm("zed"+string(rune('a'+i)), "x", ""), header: from("198.51.100.77")}
		g.do(r)
	}
	if blocked, _ := g.srv.addresses.blocked("198.51.100.77", g.now); blocked {
		t.Errorf("an untrusted X-Forwarded-For was counted as the client address")
	}
	if blocked, _ := g.srv.addresses.blocked("192.0.2.10", g.now); !blocked {
		t.Errorf("the connection's address was not counted")
	}
}

func TestSessions(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	wantStatus(t, "signed in", f.get("/", "alice"), http.StatusOK)

	// Sign out ends the session for good.
	old := f.token["alice"]
	w := f.post("/signout", "alice", nil)
	if got := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.HasPrefix(got, "/signin") {
		t.Errorf("sign out: got %d %q; want 303 to /signin", w.Code, got)
	}
	if _, _, err := f.st.SessionByToken(ctx, old); err == nil {
		t.Errorf("the session still exists after signing out")
	}
	if w := f.get("/", "alice"); w.Code != http.StatusSeeOther {
		t.Errorf("the old cookie after signing out: got %d; want 303 to sign in", w.Code)
	}

	// Disabling a user signs them out everywhere.
	yes := true
	if _, err := f.st.UpdateUser(ctx, "bob", store.UserChanges{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if w := f.get("/", "bob"); w.Code != http.StatusSeeOther {
		t.Errorf("disabled bob: got %d; want 303 to sign in", w.Code)
	}

	// An expired session is no session.
	f.st.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
	defer f.st.SetClock(time.Now)
	if w := f.get("/", "root"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signin" {
		t.Errorf("expired session: got %d %q; want 303 to /signin", w.Code, w.Header().Get("Location"))
	}
	if w := f.get("/api/v1/me", "root"); w.Code != http.StatusUnauthorized {
		t.Errorf("expired session on the API: got %d; want 401", w.Code)
	}
	// A page asked for while signed out comes back after signing in.
	if w := f.get("/rules?x=1", ""); w.Header().Get("Location") != "/signin?next=%2Frules%3Fx%3D1" {
		t.Errorf("got Location %q; want the sign-in page with next=/rules?x=1", w.Header().Get("Location"))
	}
}

func TestProxyHeader(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.SQLiteConfig(t)), func(o *Options) {
		o.Config.Panel.TrustedProxies, o.Config.Panel.ProxyUserHeader = "192.0.2.0/24", "X-Remote-User"
	})
	for _, tt := range []struct {
		name, remote, user string
		want               int
	}{
		{"trusted proxy names alice", "192.0.2.10:1234", "alice", http.StatusOK},
		{"trusted proxy, login in capitals", "192.0.2.11:1234", "ALICE", http.StatusOK},
		{"untrusted address", "198.51.100.1:1234", "alice", http.StatusSeeOther},
		{"unknown person", "192.0.2.10:1234", "mallory", http.StatusForbidden},
		{"no header", "192.0.2.10:1234", "", http.StatusSeeOther},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := request{method: "GET", path: "/contact", header: map[string]string{"X-Remote-User": tt.user}}
			req := httptestRequest(r)
			req.RemoteAddr = tt.remote
			w := serve(f, req)
			wantStatus(t, tt.name, w, tt.want)
			if tt.want == http.StatusOK && !strings.Contains(w.Body.String(), "Alice Liddell") {
				t.Errorf("the page is not alice's")
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	f := sqliteFixture(t)
	value, tok, err := f.st.CreateAPIToken(context.Background(), f.users["alice"].ID, "script")
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(path, auth string) int {
		return f.do(request{method: "GET", path: path, header: map[string]string{"Authorization": auth}}).Code
	}
	// nginx auth_basic sends Basic on every request: the session still counts.
	if w := f.do(request{method: "GET", path: "/api/v1/me", as: "bob", header: map[string]string{"Authorization": "Basic Ym9iOng="}}); w.Code != http.StatusOK {
		t.Errorf("Basic credentials with a session: got %d; want 200", w.Code)
	}
	// An unknown token is refused even with a session.
	if w := f.do(request{method: "GET", path: "/api/v1/me", as: "bob", header: map[string]string{"Authorization": "Bearer pfs_nope"}}); w.Code != http.StatusUnauthorized {
		t.Errorf("an unknown token with a session: got %d; want 401", w.Code)
	}
	for _, tt := range []struct {
		name, path, auth string
		want             int
	}{
		{"token", "/api/v1/me", "Bearer " + value, http.StatusOK},
		{"not bearer", "/api/v1/me", "Basic " + value, http.StatusUnauthorized},
		{"unknown token", "/api/v1/me", "Bearer pfs_nope", http.StatusUnauthorized},
		{"admin route as a member", "/api/v1/users", "Bearer " + value, http.StatusForbidden},
		{"pages take no token", "/", "Bearer " + value, http.StatusSeeOther},
	} {
		if got := bearer(tt.path, tt.auth); got != tt.want {
			t.Errorf("%s: got %d; want %d", tt.name, got, tt.want)
		}
	}
	if err := f.st.DeleteAPIToken(context.Background(), f.users["alice"].ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if got := bearer("/api/v1/me", "Bearer "+value); got != http.StatusUnauthorized {
		t.Errorf("revoked token: got %d; want 401", got)
	}
}
