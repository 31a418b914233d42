package panel

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pfsnotify/pfsnotify/pkg/channel/logchan"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// TestInBrowserLiveInbox: an admin sends a message from the "Send a
// message" page; invoke sends it; the member's inbox, open in another tab
// (of another host name, so with their own cookies), shows it without a
// reload, and shows it read when it is read on another device.
func TestInBrowserLiveInbox(t *testing.T) {
	rig := newBrowserRig(t)
	f := rig.f
	rig.user("dave", "Europe/Zurich", store.RoleMember, memberPassword)
	rig.user("admin", "Europe/Zurich", store.RoleAdmin, adminPassword)

	// dave in the rig's browser; the admin in a second one (a second tab
	// of the same browser does not answer chromedp's Evaluate here), on
	// localhost rather than 127.0.0.1 for good measure.
	member := rig
	member.signIn("dave", memberPassword)
	member.do("dave's inbox", chromedp.Navigate(member.url("/inbox")), chromedp.WaitVisible(chromedp.ID("inbox-live")))
	member.waitText("an empty inbox", "#inbox-live", "No notification has been sent to you yet")
	member.waitEval("the live inbox is connected", `document.body.dataset.inboxUnread === "0"`)

	admin := *rig
	admin.ctx = secondBrowser(t)
	admin.http = &httptest.Server{URL: strings.Replace(rig.http.URL, "127.0.0.1", "localhost", 1)}
	admin.signIn("admin", adminPassword)
	admin.do("send a message: check who gets it",
		chromedp.Navigate(admin.url("/admin/send")),
		chromedp.WaitVisible(chromedp.ID("send-form")),
		chromedp.SendKeys(chromedp.ID("users"), "dave admin"),
		chromedp.SendKeys(chromedp.ID("title"), "Run cancelled"),
		chromedp.SendKeys(chromedp.ID("message"), "High winds tonight: the run is cancelled."),
		chromedp.SendKeys(chromedp.ID("channels"), "log"),
		chromedp.Click(chromedp.ID("preview-send")),
	)
	admin.waitText("the plan", "#plan-lines", "dave")
	admin.waitText("the plan's summary", "#plan-summary", "2 can be reached, 0 cannot")
	admin.shot("admin-send")
	admin.do("confirm", chromedp.Click(chromedp.ID("confirm-send")))
	admin.waitText("queued", "#flash", "Message queued")

	// invoke, in-process, over the log channel.
	tmpl, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := dispatch.New(dispatch.Options{Store: f.st, Channels: map[schedule.Channel]dispatch.Channel{schedule.ChannelLog: logchan.New(io.Discard, tmpl, nil)},
		Owner: "browser-test", Concurrency: 2, BatchSize: 10, Lease: time.Minute, SendTimeout: 10 * time.Second, MaxAttempts: 2,
		BackoffBase: time.Second, BackoffMax: time.Minute, PublicURL: rig.http.URL})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := d.RunOnce(context.Background()); err != nil || sum.Sent != 2 {
		t.Fatalf("invoke: %+v, %v; want the message sent to dave and admin", sum, err)
	}

	// dave's open inbox, untouched since: live.
	member.waitText("the message in dave's open inbox", "#inbox", "Run cancelled")
	member.waitText("the badge", "#unread-count", "1")
	member.waitText("the page says so", "#live", "A new notification arrived.")
	if n := eval[int](member, "unread items", `document.querySelectorAll("#inbox .unread").length`); n != 1 {
		t.Errorf("dave's inbox shows %d unread; want 1", n)
	}
	member.shot("inbox-live")

	// Read on another device of dave's (a form post with another session).
	w := f.post("/inbox/read-all", "dave", nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("read all on another device: got %d", w.Code)
	}
	member.waitEval("the badge goes", `document.getElementById("unread-count") === null`)
	member.waitEval("the item shows read", `document.querySelectorAll("#inbox .unread").length === 0 && document.querySelectorAll("#inbox .read").length === 1`)
}

// waitEval waits until the JavaScript expression js is true.
func (rig *browserRig) waitEval(what, js string) {
	rig.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(rig.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	rig.fail(what, fmt.Errorf("%s never held", js))
}

// secondBrowser starts another Chromium, with its own profile (cookies),
// for a second person at the same time.
func secondBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath()),
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
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("a second chromium does not start: %v", err)
	}
	return ctx
}
