package panel

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// TestInBrowserJapaneseAdmin: the admin pages in Chromium for a Japanese
// admin: the delivery log, its filter's problem and a password reset, in
// Japanese, with <html lang="ja">.
func TestInBrowserJapaneseAdmin(t *testing.T) {
	rig := newBrowserRig(t)
	rig.f.addUser(store.User{Login: "yamada", DisplayName: "山田", TimeZone: "Asia/Tokyo", Language: "ja-JP", Role: store.RoleAdmin}, adminPassword)
	rig.f.register("alice", "Weekly telecon", 26*time.Hour)
	rig.f.sentReminder("alice", "Sent one")

	rig.do("sign in",
		chromedp.Navigate(rig.url("/signin")),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "yamada"),
		chromedp.SendKeys(chromedp.ID("password"), adminPassword),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
	)
	rig.waitText("signed in", ".who", "サインアウト")

	rig.do("delivery log", chromedp.Navigate(rig.url("/admin/deliveries")), chromedp.WaitVisible(chromedp.ID("deliveries")))
	rig.waitText("the log's heading in Japanese", "h1", "配信記録")
	rig.waitText("the admin menu in Japanese", "nav.admin", "ユーザー")
	rig.waitText("a sent reminder, its state in Japanese", "#deliveries", "送信済み")
	rig.waitText("a pending reminder, its state in Japanese", "#deliveries", "送信待ち")
	rig.waitText("the due time in Tokyo, in Japanese", "#deliveries", "JST")
	if got := eval[string](rig, "html lang", `document.documentElement.lang`); got != "ja" {
		t.Errorf("<html lang=%q> on the delivery log; want ja", got)
	}
	rig.shot("ja-admin-deliveries")

	rig.do("filter by a state that is none",
		chromedp.Navigate(rig.url("/admin/deliveries?state=lost")), chromedp.WaitVisible(chromedp.ID("deliveries")))
	rig.waitText("the filter's problem in Japanese", "#state-error", "配信の状態ではありません")

	rig.do("alice's page", chromedp.Navigate(rig.url("/admin/users/alice")), chromedp.WaitVisible(chromedp.ID("reset-password")))
	rig.waitText("the user's page in Japanese", "h1", "ユーザー alice")
	rig.do("reset her password", chromedp.Click(chromedp.ID("reset-password")))
	rig.waitText("the new password, in Japanese", "#new-password", "表示は今回限り")
	rig.shot("ja-admin-user")
}
