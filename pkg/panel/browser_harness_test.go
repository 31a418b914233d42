package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush/pushtest"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Every page the browser test sees is photographed into a directory under
// the system's temporary one, kept after the test (the test's artifacts;
// failed.png is the moment a step failed). screenshotDirVar names another
// directory for the few the README shows: PFSNOTIFY_SCREENSHOTS=../../docs/screenshots
// refreshes them.
const screenshotDirVar = "PFSNOTIFY_SCREENSHOTS"

// readmeShots are the screenshots the README shows.
var readmeShots = map[string]bool{"upcoming": true, "register-error": true, "rules": true, "browser": true, "inbox": true,
	"ja-signin": true, "ja-register-error": true, "ja-upcoming": true, "ja-contact": true,
	"admin-deliveries": true}

// browserRig is a real panel (over HTTP, on SQLite) with a fake push
// service, driven by a headless Chromium.
type browserRig struct {
	t         *testing.T
	f         *fixture
	http      *httptest.Server
	push      *pushtest.Server
	vapidPub  string
	vapidPriv string
	ctx       context.Context // the tab
	shots     string          // where screenshots go
	readme    string          // where the README's go, or ""
}

// chromiumPath finds Debian's chromium (or another Chrome).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// noBrowser skips the test, or under CI (CI set) fails it: there the
// browser tests must run.
func noBrowser(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s: under CI the browser tests must run (scripts/test.sh installs chromium)", msg)
	}
	t.Skipf("%s: browser test skipped (apt-get install -y --no-install-recommends chromium)", msg)
}

func newBrowserRig(t *testing.T) *browserRig {
	t.Helper()
	exe := chromiumPath()
	if exe == "" {
		noBrowser(t, "no chromium on PATH")
	}
	priv, pub, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	rig := &browserRig{t: t, vapidPub: pub, vapidPriv: priv}
	rig.push = pushtest.New(t, pushtest.Options{VAPIDPublicKey: pub})
	// The panel listens first, so that its URL can be the public URL (acknowledge links).
	rig.http = httptest.NewUnstartedServer(nil)
	publicURL := "http://" + rig.http.Listener.Addr().String()
	rig.f = newFixture(t, sqliteStore(t), func(o *Options) {
		o.Config.PublicURL = publicURL
		o.Config.WebPush.PublicKey, o.Config.WebPush.PrivateKey, o.Config.WebPush.Subject = pub, priv, "mailto:ops@example.org"
		o.AllowPrivatePush = true // the fake push service is on 127.0.0.1
		o.Now = time.Now
	})
	rig.http.Config.Handler = rig.f.srv
	rig.http.Start()
	t.Cleanup(rig.http.Close)

	rig.shots, rig.readme = filepath.Join(os.TempDir(), "pfsnotify-panel-screenshots"), os.Getenv(screenshotDirVar)
	if err := os.MkdirAll(rig.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(rig.shots, "failed.png"))

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.WindowSize(820, 640),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		noBrowser(t, "chromium %s does not start: %v", exe, err)
	}
	rig.ctx = ctx
	t.Logf("screenshots in %s", rig.shots)
	return rig
}

// on makes t the test that rig's failures fail, until the returned func
// is called: for subtests.
func (rig *browserRig) on(t *testing.T) func() {
	parent := rig.t
	rig.t = t
	return func() { rig.t = parent }
}

// url is a page of the panel.
func (rig *browserRig) url(path string) string { return rig.http.URL + path }

// do runs steps within a time limit, failing the test on an error.
func (rig *browserRig) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	rig.t.Helper()
	ctx, cancel := context.WithTimeout(rig.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		rig.fail(what, err)
	}
}

// eval evaluates JavaScript (awaiting a promise) and returns its value.
func eval[T any](rig *browserRig, what, js string) T {
	rig.t.Helper()
	ctx, cancel := context.WithTimeout(rig.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		rig.fail(what, err)
	}
	return v
}

// text reads the text of the element sel.
func (rig *browserRig) text(sel string) string {
	rig.t.Helper()
	ctx, cancel := context.WithTimeout(rig.ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		rig.fail("read "+sel, err)
	}
	return s
}

// waitText waits until the element sel shows want. A page that is being
// replaced (a form's answer loading) is asked again.
func (rig *browserRig) waitText(what, sel, want string) {
	rig.t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.textContent : "(none)"; })()`, sel)
	deadline := time.Now().Add(15 * time.Second)
	got := ""
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(rig.ctx, 2*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		cancel()
		if err == nil {
			if got = s; strings.Contains(s, want) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	rig.fail(what, fmt.Errorf("%s never showed %q; it shows %q", sel, want, strings.TrimSpace(got)))
}

// shot saves a screenshot of the window as name.png.
func (rig *browserRig) shot(name string) {
	rig.t.Helper()
	ctx, cancel := context.WithTimeout(rig.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		rig.fail("screenshot "+name, err)
	}
	if err := os.WriteFile(filepath.Join(rig.shots, name+".png"), png, 0o644); err != nil {
		rig.t.Fatal(err)
	}
	if rig.readme != "" && readmeShots[name] {
		if err := os.WriteFile(filepath.Join(rig.readme, name+".png"), png, 0o644); err != nil {
			rig.t.Fatal(err)
		}
	}
}

// fail stops the test with a screenshot of the moment it failed.
func (rig *browserRig) fail(what string, err error) {
	rig.t.Helper()
	if png, serr := chromedp.Run(rig.ctx, chromedp.CaptureScreenshot()); serr == nil {
		name := filepath.Join(rig.shots, "failed.png")
		os.WriteFile(name, png, 0o644)
		err = errors.Join(err, fmt.Errorf("screenshot in %s", name))
	}
	rig.t.Fatalf("%s: %v", what, err)
}

// signIn signs login in through the form.
func (rig *browserRig) signIn(login, password string) {
	rig.t.Helper()
	rig.do("sign in as "+login,
		chromedp.Navigate(rig.url("/signin")),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`h1`)),
	)
	rig.waitText("signed in as "+login, ".who", "Sign out")
	if got := eval[string](rig, "who", `document.querySelector(".who span").title`); got != login {
		rig.fail("signed in", fmt.Errorf("the page is of %q; want %q", got, login))
	}
}

// user adds a person with a password.
func (rig *browserRig) user(login, zone string, role store.Role, password string) store.User {
	return rig.f.addUser(store.User{Login: login, DisplayName: strings.ToUpper(login[:1]) + login[1:], TimeZone: zone,
		Language: "en-GB", Role: role}, password)
}
