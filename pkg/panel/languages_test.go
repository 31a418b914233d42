package panel

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Before sign-in the page speaks the browser's Accept-Language; after, the
// member's own language, whatever the browser says. <html lang> names the
// language of the words (English where a language has no panel words).
func TestPanelLanguage(t *testing.T) {
	f := sqliteFixture(t)
	f.addUser(store.User{Login: "hanako", DisplayName: "花子", TimeZone: "Asia/Tokyo", Language: "ja-JP"}, "")
	f.addUser(store.User{Login: "greta", DisplayName: "Greta", TimeZone: "Europe/Berlin", Language: "de-DE"}, "")
	f.addUser(store.User{Login: "robert", DisplayName: "Robert", TimeZone: "Europe/Zurich", Language: "en-US"}, "")
	tests := []struct {
		name, as, acceptLanguage, path string
		lang                           string
		want, notWant                  []string
	}{
		{"sign-in page for a Japanese browser", "", "ja-JP,ja;q=0.9,en;q=0.8", "/signin", "ja",
			[]string{"<h1>サインイン</h1>", "<title>サインイン · pfsnotify</title>", "ログイン名"}, []string{"Password"}},
		{"sign-in page for a French browser", "", "fr-CH, fr;q=0.9", "/signin", "en", []string{"<h1>Sign in</h1>"}, nil},
		{"sign-in page, no header", "", "", "/signin", "en", []string{"<h1>Sign in</h1>"}, nil},
		{"a Japanese member", "hanako", "en-US", "/", "ja",
			[]string{"<h1>今後の予定</h1>", "サインアウト", "今後の予定はありません。"}, []string{"Upcoming", "Sign out"}},
		{"a Japanese member's contact page", "hanako", "", "/contact", "ja",
			[]string{"<h1>連絡先</h1>", `<option value="ja-JP" lang="ja-JP" selected>日本語</option>`, "電話番号（電話とSMS用）"}, nil},
		{"a German member: the panel falls back to English", "greta", "de", "/contact", "en",
			[]string{"<h1>Contact</h1>", `<option value="de-DE" lang="de-DE" selected>Deutsch</option>`}, nil},
		{"an English member with a Japanese browser", "robert", "ja", "/", "en", []string{"<h1>Upcoming</h1>"}, []string{"今後の予定"}},
	}
	for _, tt := range tests {
		w := f.do(request{method: "GET", path: tt.path, as: tt.as, header: map[string]string{"Accept-Language": tt.acceptLanguage}})
		body := html.UnescapeString(w.Body.String())
		if w.Code != http.StatusOK || !strings.Contains(body, `<html lang="`+tt.lang+`">`) {
			t.Errorf("%s: got %d, %s; want 200 and <html lang=%q>", tt.name, w.Code, firstLine(body, "<html"), tt.lang)
		}
		for _, want := range tt.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q:\n%s", tt.name, want, excerpt(body))
			}
		}
		for _, notWant := range tt.notWant {
			if strings.Contains(body, notWant) {
				t.Errorf("%s: the page has %q", tt.name, notWant)
			}
		}
	}
}

// A Japanese member's forms answer in Japanese: the panel's own problems
// in its words, a refusal of the parsers around their detail; the flash
// after a change, the dates of Upcoming, the inbox.
func TestPanelInJapanese(t *testing.T) {
	f := sqliteFixture(t)
	f.addUser(store.User{Login: "hanako", DisplayName: "花子", TimeZone: "Asia/Tokyo", Language: "ja-JP"}, "")
	w := f.post("/register", "hanako", url.Values{"date": {""}, "time": {""}, "zone": {"Asia/Tokyo"}, "title": {""},
		"lead": {"10m"}, "channel": {"push"}})
	body := html.UnescapeString(w.Body.String())
	for _, want := range []string{"日付を入力するか、一覧から予定を選んでください", "予定の件名を入力してください", "<h1>予定を1件登録する</h1>"} {
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("register with nothing: got %d; want 422 and %q:\n%s", w.Code, want, excerpt(body))
		}
	}
	w = f.post("/contact", "hanako", url.Values{"display_name": {"花子"}, "email": {""}, "phone": {"12"},
		"language": {"ja-JP"}, "time_zone": {"Asia/Tokyo"}})
	body = html.UnescapeString(w.Body.String())
	if !strings.Contains(body, `id="phone-error">入力を確認してください（`) {
		t.Errorf("a bad phone number: want the problem in Japanese around the detail:\n%s", excerpt(body))
	}
	start := f.now.Add(26 * time.Hour).Truncate(time.Minute)
	tokyo := zoneOf("Asia/Tokyo")
	w = f.post("/register", "hanako", url.Values{"date": {start.In(tokyo).Format("2006-01-02")}, "time": {start.In(tokyo).Format("15:04")},
		"zone": {"Asia/Tokyo"}, "title": {"検出器レビュー"}, "lead": {"10m"}, "channel": {"push"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("register: got %d:\n%s", w.Code, excerpt(w.Body.String()))
	}
	body = html.UnescapeString(f.get(w.Header().Get("Location"), "hanako").Body.String())
	local := start.In(tokyo)
	wantDate := strconv.Itoa(local.Year()) + "年" + strconv.Itoa(int(local.Month())) + "月" + strconv.Itoa(local.Day()) + "日("
	for _, want := range []string{"登録しました。リマインダーは下にあります。", "検出器レビュー", wantDate, " JST", "10分前", "手動で追加", "取り消す"} {
		if !strings.Contains(body, want) {
			t.Errorf("Upcoming after registering lacks %q:\n%s", want, excerpt(body))
		}
	}
	// Choosing another language on the contact page changes the words.
	w = f.post("/contact", "hanako", url.Values{"display_name": {"花子"}, "language": {"en-GB"}, "time_zone": {"Asia/Tokyo"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("choose English: got %d:\n%s", w.Code, excerpt(w.Body.String()))
	}
	if body := f.get("/contact?done=contact-saved", "hanako").Body.String(); !strings.Contains(body, "<h1>Contact</h1>") ||
		!strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Saved.") {
		t.Errorf("after choosing en-GB: want the contact page in English:\n%s", excerpt(body))
	}
}

// Every error sentence the panel words itself (the en catalogue's
// PanelErr* messages) is the one its code gives, so that it is found and
// put in the person's language.
func TestPanelErrorSentencesAreTheCodes(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	ids := errorIDs(locale.Embedded())
	if len(ids) < 15 {
		t.Fatalf("only %d error sentences in the catalogue", len(ids))
	}
	for text, id := range ids {
		if !strings.Contains(src.String(), strconv.Quote(text)) && !strings.Contains(src.String(), "`"+text+"`") {
			t.Errorf("%s: the panel's code never says %q", id, text)
		}
	}
}

// firstLine is the line of s that holds sub, for messages.
func firstLine(s, sub string) string {
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return "(none)"
}

// The refusal of too many failed sign-ins says the wait in the browser's
// language, with its plural.
func TestSignInLimitInJapanese(t *testing.T) {
	f := sqliteFixture(t)
	f.addUser(store.User{Login: "hanako", DisplayName: "花子", TimeZone: "Asia/Tokyo", Language: "ja-JP"}, "right password")
	ja := map[string]string{"Accept-Language": "ja"}
	var w *httptest.ResponseRecorder
	for i := 0; i < 50; i++ {
		w = f.do(request{method: "POST", path: "/signin", header: ja,
			form: url.Values{"login": {"hanako"}, "password": {"wrong"}, "next": {"/"}}})
		if w.Code == http.StatusTooManyRequests {
			break
		}
	}
	body := html.UnescapeString(w.Body.String())
	if w.Code != http.StatusTooManyRequests || !strings.Contains(body, "サインインの失敗が多すぎます。") || !strings.Contains(body, "分後にもう一度お試しください") {
		t.Errorf("got %d; want 429 and the wait in Japanese:\n%s", w.Code, excerpt(body))
	}
}
