package panel

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// TestInBrowserJapanese: the panel in Chromium for a Japanese browser and
// a Japanese member: the sign-in page follows Accept-Language, every page
// after sign-in the member's language, and the forms' errors are in
// Japanese too. Its screenshots (ja-*.png) are the README's.
func TestInBrowserJapanese(t *testing.T) {
	rig := newBrowserRig(t)
	rig.f.addUser(store.User{Login: "hanako", DisplayName: "花子", TimeZone: "Asia/Tokyo", Language: "ja-JP"}, memberPassword)
	telecon := rig.f.mkEvent("telecons", "Weekly telecon", 26*time.Hour)
	if _, err := chromedp.Call(rig.ctx, network.SetExtraHTTPHeaders,
		network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"}}); err != nil {
		t.Fatalf("set Accept-Language: %v", err)
	}

	rig.do("sign-in page", chromedp.Navigate(rig.url("/")), chromedp.WaitVisible(chromedp.ID("login")))
	rig.waitText("Japanese sign-in page", "h1", "サインイン")
	if got := eval[string](rig, "html lang", `document.documentElement.lang`); got != "ja" {
		t.Errorf("<html lang=%q> before sign-in; want ja", got)
	}
	rig.do("a wrong password",
		chromedp.SendKeys(chromedp.ID("login"), "hanako"),
		chromedp.SendKeys(chromedp.ID("password"), "not my password"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
	)
	rig.waitText("wrong password, in Japanese", "#password-error", "ログイン名またはパスワードが違います")
	rig.shot("ja-signin")
	rig.do("sign in",
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), memberPassword),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
	)
	rig.waitText("signed in", ".who", "サインアウト")
	rig.waitText("Upcoming in Japanese", "h1", "今後の予定")

	rig.do("register by hand with nothing", chromedp.Navigate(rig.url("/register")), chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.Click(chromedp.ID("register-submit")))
	rig.waitText("the date's error in Japanese", "#date-error", "日付を入力するか")
	rig.waitText("the title's error in Japanese", "#title-error", "予定の件名を入力してください")
	rig.shot("ja-register-error")

	rig.do("register for the telecon", chromedp.Navigate(rig.url("/register")), chromedp.WaitVisible(chromedp.ID("event")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("event").selectedIndex = 1`),
		chromedp.SetValue(chromedp.ID("lead"), "1h,10m"),
		chromedp.Click(chromedp.ID("register-submit")))
	rig.waitText("registered, in Japanese", "#flash", "登録しました")
	rig.waitText("the start in Tokyo, in Japanese", "#upcoming", "JST")
	rig.waitText("the leads in Japanese", "#upcoming", "1時間前")
	rig.shot("ja-upcoming")

	// The script's words come with the page, in Japanese.
	rig.do("rules page", chromedp.Navigate(rig.url("/rules")), chromedp.WaitVisible(chromedp.ID("pattern")),
		chromedp.SendKeys(chromedp.ID("pattern"), "telecon"))
	rig.waitText("the live preview in Japanese", "#preview", "一致する今後の予定")
	// One format for the event's start: the live preview writes it as the
	// register page's list does, in Japanese and in Tokyo's time.
	start, err := rig.f.srv.cat.Language("ja-JP").ShortDateTime(telecon.StartAt.In(zoneOf("Asia/Tokyo")))
	if err != nil {
		t.Fatal(err)
	}
	if got := eval[string](rig, "the preview's start", `document.querySelector("#preview li .when").textContent.trim()`); got != start {
		t.Errorf("the live preview writes the start %q; want %q, as the pages do", got, start)
	}
	rig.do("register page", chromedp.Navigate(rig.url("/register")), chromedp.WaitVisible(chromedp.ID("event")))
	if got := eval[string](rig, "the register page's event", `document.getElementById("event").options[1].textContent`); !strings.HasPrefix(got, start+" · ") {
		t.Errorf("the register page lists the event as %q; want it to start with %q, as the live preview writes it", got, start)
	}
	rig.do("this browser's page", chromedp.Navigate(rig.url("/browser")), chromedp.WaitVisible(chromedp.ID("push-status")))
	rig.waitText("the script's status in Japanese", "#push-status", "このブラウザ")

	rig.do("contact page", chromedp.Navigate(rig.url("/contact")), chromedp.WaitVisible(chromedp.ID("language")))
	if got := eval[string](rig, "chosen language", `document.getElementById("language").value`); got != "ja-JP" {
		t.Errorf("the language chooser shows %q; want ja-JP", got)
	}
	rig.do("a bad phone number", chromedp.SendKeys(chromedp.ID("phone"), "12"), chromedp.Click(chromedp.ID("contact-save")))
	rig.waitText("the phone's error in Japanese", "#phone-error", "入力を確認してください")
	rig.shot("ja-contact")

	rig.do("choose English", chromedp.WaitVisible(chromedp.ID("language")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("phone").value = ""; document.getElementById("language").value = "en-US"`),
		chromedp.Click(chromedp.ID("contact-save")))
	rig.waitText("the panel in English", "h1", "Contact")
	if got := eval[string](rig, "html lang", `document.documentElement.lang`); got != "en" {
		t.Errorf("<html lang=%q> after choosing en-US; want en", got)
	}
}
