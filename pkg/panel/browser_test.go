package panel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

const (
	memberPassword = "correct horse battery"
	adminPassword  = "staple battery horse"
)

// TestInBrowser walks through the panel as a member would, in Debian's
// Chromium: sign in, register for one event, make a rule with its live
// preview, see the upcoming list, enable notifications, receive a test
// notification that invoke pushed, read the inbox, sign out; then an
// admin's delivery log. Each page is photographed.
func TestInBrowser(t *testing.T) {
	rig := newBrowserRig(t)
	f := rig.f
	carol := rig.user("carol", "Europe/Zurich", store.RoleMember, memberPassword)
	rig.user("admin", "Europe/Zurich", store.RoleAdmin, adminPassword)
	telecon := f.mkEvent("telecons", "Weekly telecon", 26*time.Hour)
	f.mkEvent("telecons", "Weekly telecon", 7*24*time.Hour)
	meeting := f.mkEvent("indico", "Collaboration meeting", 3*24*time.Hour)

	t.Run("sign in", func(t *testing.T) {
		defer rig.on(t)()
		rig.do("sign-in page", chromedp.Navigate(rig.url("/")), chromedp.WaitVisible(chromedp.ID("login")))
		rig.shot("signin")
		rig.do("a wrong password",
			chromedp.SendKeys(chromedp.ID("login"), "carol"),
			chromedp.SendKeys(chromedp.ID("password"), "not my password"),
			chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		)
		rig.waitText("wrong password", "#password-error", "wrong login or password")
		rig.signIn("carol", memberPassword)
		rig.waitText("upcoming page", "h1", "Upcoming")
	})

	t.Run("register for one event", func(t *testing.T) {
		defer rig.on(t)()
		rig.do("register page",
			chromedp.Navigate(rig.url("/register")),
			chromedp.WaitVisible(chromedp.ID("event")),
			chromedp.SetValue(chromedp.ID("event"), itoa(telecon.ID)),
			chromedp.SetValue(chromedp.ID("lead"), "1h,10m"),
		)
		rig.shot("register")
		rig.do("submit", chromedp.Click(chromedp.ID("register-submit")))
		rig.waitText("registered", "#flash", "You are registered")
		// By hand, at a time clocks skip: the error is beside the field, the input kept.
		rig.do("a time in the DST gap",
			chromedp.Navigate(rig.url("/register")),
			chromedp.WaitVisible(chromedp.ID("title")),
			chromedp.SetValue(chromedp.ID("date"), "2099-03-29"),
			chromedp.SetValue(chromedp.ID("time"), "02:30"),
			chromedp.SetValue(chromedp.ID("zone"), "Europe/Zurich"),
			chromedp.SendKeys(chromedp.ID("title"), "Night shift"),
			chromedp.Click(chromedp.ID("register-submit")),
		)
		rig.waitText("DST error", "#time-error", "does not exist in Europe/Zurich")
		if got := eval[string](rig, "kept title", `document.getElementById("title").value`); got != "Night shift" {
			t.Errorf("the title field holds %q after the error; want the input kept", got)
		}
		rig.shot("register-error")
	})

	t.Run("rule with live preview", func(t *testing.T) {
		defer rig.on(t)()
		rig.do("rules page",
			chromedp.Navigate(rig.url("/rules")),
			chromedp.WaitVisible(chromedp.ID("pattern")),
			chromedp.SendKeys(chromedp.ID("pattern"), "(telecon"),
		)
		rig.waitText("RE2's message beside the pattern", "#pattern-error", "missing closing )")
		rig.do("fix the pattern", chromedp.SendKeys(chromedp.ID("pattern"), "|meeting)"))
		rig.waitText("live preview", "#preview", "Collaboration meeting")
		rig.waitText("live preview", "#preview", "Weekly telecon")
		if n := eval[int](rig, "preview items", `document.querySelectorAll("#preview li").length`); n != 3 {
			t.Errorf("the preview lists %d events; want 3", n)
		}
		// The start as the pages write it (the meeting, second by start):
		// carol's zone, the page's form.
		want := meeting.StartAt.In(zoneOf("Europe/Zurich")).Format("Mon 2 Jan 15:04")
		if got := eval[string](rig, "the preview's start", `document.querySelector("#preview li:nth-child(2) .when").textContent.trim()`); got != want {
			t.Errorf("the live preview writes the start %q; want %q, as the pages do", got, want)
		}
		rig.shot("rules")
		rig.do("save", chromedp.Click(chromedp.ID("rule-save")))
		rig.waitText("rule saved", "#flash", "Rule saved")
		rig.waitText("the rule is listed", "#rules", "(?i)(telecon|meeting)")
	})

	t.Run("upcoming", func(t *testing.T) {
		defer rig.on(t)()
		rig.do("upcoming page", chromedp.Navigate(rig.url("/")), chromedp.WaitVisible(chromedp.ID("upcoming")))
		rig.waitText("the event", "#upcoming", "Weekly telecon")
		if n := eval[int](rig, "reminders", `document.querySelectorAll("#upcoming .reminders li").length`); n != 2 {
			t.Errorf("%d reminders shown; want 2 (push 1h and 10m before)", n)
		}
		rig.shot("upcoming")
	})

	var sub string
	t.Run("enable notifications", func(t *testing.T) {
		defer rig.on(t)()
		origin := rig.http.URL
		for _, perm := range []*browser.PermissionDescriptor{{Name: "notifications"}, {Name: "push", UserVisibleOnly: true}} {
			if _, err := chromedp.CallBrowser(rig.ctx, browser.SetPermission, browser.SetPermissionParams{Permission: perm,
				Setting: browser.PermissionSettingGranted, Origin: origin}); err != nil {
				t.Fatalf("grant %s: %v", perm.Name, err)
			}
		}
		rig.do("browser page", chromedp.Navigate(rig.url("/browser")), chromedp.WaitVisible(chromedp.ID("enable-push")))
		rig.do("enable", chromedp.Click(chromedp.ID("enable-push")))
		// Headless Chromium has no push service: subscribe fails (or, where it
		// works, the page sends the subscription itself).
		status := ""
		for range 50 {
			status = eval[string](rig, "status", `document.getElementById("push-status").textContent`)
			if !strings.Contains(status, "Asking") && !strings.Contains(status, "checking") {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(status, "ubscrib") && !strings.Contains(status, "on for this browser") {
			t.Errorf("after Enable the page says %q; want it subscribing (permission granted)", status)
		}
		t.Logf("after Enable: %q", status)
		state := eval[string](rig, "service worker", `navigator.serviceWorker.ready.then(r => r.active ? r.active.state : "none")`)
		if state != "activated" {
			t.Fatalf("the service worker is %q; want activated", state)
		}
		if scope := eval[string](rig, "scope", `navigator.serviceWorker.ready.then(r => r.scope)`); scope != rig.url("/") {
			t.Errorf("the service worker's scope is %q; want the root %q", scope, rig.url("/"))
		}
		// The subscription of a browser whose push service is the fake one,
		// sent through the page's own code.
		ps := rig.push.NewSubscription()
		sub = ps.ID
		js := fmt.Sprintf(`window.pfsnotify.sendSubscription({endpoint: %q, expirationTime: null, keys: {p256dh: %q, auth: %q}}).then(r => r.id)`,
			ps.Endpoint, ps.P256dh, ps.Auth)
		if id := eval[int64](rig, "send the subscription", js); id == 0 {
			t.Fatal("the server did not take the subscription")
		}
		subs, err := f.st.ListPushSubscriptions(context.Background(), carol.ID, false)
		if err != nil || len(subs) == 0 || subs[len(subs)-1].Endpoint != ps.Endpoint || !strings.Contains(subs[len(subs)-1].UserAgent, "Chrome") {
			t.Fatalf("carol's subscriptions: %+v, %v; want the page's, with its user agent", subs, err)
		}
		rig.do("browser page again", chromedp.Navigate(rig.url("/browser")), chromedp.WaitVisible(chromedp.ID("devices")))
		rig.waitText("the device", "#devices", "Chrome on Linux")
		rig.shot("browser")
	})

	t.Run("receive a push delivered by invoke", func(t *testing.T) {
		defer rig.on(t)()
		rig.do("send a test", chromedp.Click(chromedp.ID("test-push")))
		rig.waitText("test queued", "#flash", "test notification is on its way")
		ch, err := webpush.New(webpush.Options{Subscriptions: f.st, PublicKey: rig.vapidPub, PrivateKey: rig.vapidPriv,
			Subject: "ops@example.org", HTTPClient: rig.push.Client(10 * time.Second), CacheTTL: -1})
		if err != nil {
			t.Fatal(err)
		}
		d, err := dispatch.New(dispatch.Options{Store: f.st, Channels: map[schedule.Channel]dispatch.Channel{schedule.ChannelPush: ch},
			Owner: "browser-test", Concurrency: 2, BatchSize: 10, Lease: time.Minute, SendTimeout: 10 * time.Second, MaxAttempts: 2,
			BackoffBase: time.Second, BackoffMax: time.Minute, PublicURL: rig.http.URL})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := d.RunOnce(context.Background())
		if err != nil || sum.Sent != 1 {
			t.Fatalf("invoke: %+v, %v; want the test sent", sum, err)
		}
		pushes := rig.push.PushesTo(sub)
		if len(pushes) != 1 {
			t.Fatalf("the push service got %d pushes for the browser; want 1 (rejections: %+v)", len(pushes), rig.push.Rejections())
		}
		var payload webpush.Payload
		if err := json.Unmarshal(pushes[0].Payload, &payload); err != nil || payload.Title != "pfsnotify test" ||
			!strings.HasPrefix(payload.AckURL, rig.http.URL+"/ack/") {
			t.Fatalf("payload %s (%v); want the test notification with an acknowledge link", pushes[0].Payload, err)
		}
		// What the push service would hand the browser, handed to its service worker.
		regID := rig.registrationID()
		if _, err := chromedp.Call(rig.ctx, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
			Origin: rig.http.URL, RegistrationID: regID, Data: string(pushes[0].Payload)}); err != nil {
			t.Fatalf("deliver the push to the service worker: %v", err)
		}
		rig.waitText("the page hears of the push", "#live", "Notification received: pfsnotify test")
		if shown := eval[string](rig, "shown", `document.body.dataset.lastPushShown`); shown != "yes" {
			t.Errorf("the service worker's showNotification: %q; want it shown", shown)
		}
		titles := eval[[]string](rig, "notifications shown",
			`navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.map(n => n.title + "|" + n.tag))`)
		if len(titles) != 1 || titles[0] != "pfsnotify test|"+payload.Tag {
			t.Errorf("the browser shows the notifications %q; want the test, tagged %s", titles, payload.Tag)
		}
	})

	t.Run("inbox", func(t *testing.T) {
		defer rig.on(t)()
		rig.do("inbox page", chromedp.Navigate(rig.url("/inbox")), chromedp.WaitVisible(chromedp.ID("inbox")))
		if got := rig.text("#unread-count"); got != "1" {
			t.Errorf("unread count %q; want 1", got)
		}
		rig.waitText("the test in the inbox", "#inbox", "Test notification")
		rig.shot("inbox")
		rig.do("mark all read", chromedp.Click(chromedp.ID("read-all")))
		rig.waitText("read", "#flash", "Marked read")
		if n := eval[int](rig, "badge", `document.querySelectorAll("#unread-count").length + document.querySelectorAll("#inbox .unread").length`); n != 0 {
			t.Errorf("%d unread marks left; want none", n)
		}
	})

	t.Run("sign out", func(t *testing.T) {
		defer rig.on(t)()
		rig.do("sign out", chromedp.Click(chromedp.ID("signout")))
		rig.waitText("signed out", "#flash", "You are signed out")
		rig.do("a page after signing out", chromedp.Navigate(rig.url("/inbox")), chromedp.WaitVisible(chromedp.ID("login")))
	})

	t.Run("admin", func(t *testing.T) {
		defer rig.on(t)()
		rig.signIn("admin", adminPassword)
		rig.do("delivery log", chromedp.Navigate(rig.url("/admin/deliveries")), chromedp.WaitVisible(chromedp.ID("deliveries")))
		rig.waitText("the test push in the log", "#deliveries", "Test notification")
		rig.shot("admin-deliveries")
		rig.do("users", chromedp.Navigate(rig.url("/admin/users")), chromedp.WaitVisible(chromedp.ID("users")))
		rig.shot("admin-users")
	})
}

// registrationID finds the panel's service worker registration.
func (rig *browserRig) registrationID() serviceworker.RegistrationID {
	rig.t.Helper()
	ctx, cancel := context.WithTimeout(rig.ctx, 10*time.Second)
	defer cancel()
	updates := chromedp.Events(ctx, serviceworker.WorkerRegistrationUpdated)
	if _, err := chromedp.Call(ctx, serviceworker.Enable, cdp.Empty{}); err != nil {
		rig.fail("enable the ServiceWorker domain", err)
	}
	for ev, err := range updates {
		if err != nil {
			rig.fail("service worker registrations", err)
		}
		for _, r := range ev.Registrations {
			if !r.IsDeleted && r.ScopeURL == rig.url("/") {
				return r.RegistrationID
			}
		}
	}
	rig.fail("service worker registrations", fmt.Errorf("none for %s", rig.url("/")))
	return ""
}
