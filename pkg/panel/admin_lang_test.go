package panel

import (
	"context"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// adminLangFixture is a panel with a Japanese admin (yamada, in Tokyo) and
// something on every admin page: registrations (one cancelled with its
// event), rules, calendars (one synced, one failing), deliveries with a log.
func adminLangFixture(t *testing.T) (*fixture, store.DeliveryView) {
	t.Helper()
	f := sqliteFixture(t)
	ctx := context.Background()
	f.addUser(store.User{Login: "yamada", DisplayName: "山田", TimeZone: "Asia/Tokyo", Language: "ja-JP", Role: store.RoleAdmin}, "")
	ev := f.mkEvent("telecons", "Weekly telecon", 24*time.Hour)
	gone := f.mkEvent("indico", "Plenary", 48*time.Hour)
	for _, e := range []store.Event{ev, gone} {
		if _, _, _, err := f.st.Register(ctx, store.NewRegistration{UserID: f.users["bob"].ID, EventID: e.ID,
			Channels: []schedule.Channel{schedule.ChannelCall}, Leads: []time.Duration{5 * time.Minute}, CreatedBy: "bob"}); err != nil {
			t.Fatal(err)
		}
	}
	gone.Status = store.EventCancelled
	if _, _, err := f.st.UpsertEvent(ctx, gone); err != nil {
		t.Fatal(err)
	}
	f.register("alice", "Alice by hand", 72*time.Hour)
	f.rule("alice", "telecon")
	paused := f.rule("bob", "plenary")
	if err := f.st.SetRuleActive(ctx, paused.ID, false); err != nil {
		t.Fatal(err)
	}
	f.sentReminder("alice", "Sent one")
	tele, _ := f.st.CalendarByRef(ctx, "telecons")
	indico, _ := f.st.CalendarByRef(ctx, "indico")
	if err := f.st.RecordCalendarSync(ctx, tele.ID, store.SyncResult{Err: "fetch: 503 Service Unavailable"}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.RecordCalendarSync(ctx, indico.ID, store.SyncResult{}); err != nil {
		t.Fatal(err)
	}
	sent, err := f.st.ListDeliveries(ctx, store.DeliveryFilter{State: store.StateSent})
	if err != nil || len(sent) != 1 {
		t.Fatalf("sent deliveries: %v, %v; want one", sent, err)
	}
	if _, err := f.st.AddAttempt(ctx, store.Attempt{DeliveryID: sent[0].ID, Attempt: 1, Outcome: "sent", ProviderStatus: "201", Detail: "1 browser"}); err != nil {
		t.Fatal(err)
	}
	return f, sent[0]
}

var (
	// hiddenRE are the parts of a page whose words are data or commands,
	// and the tags.
	hiddenRE = regexp.MustCompile(`(?s)<(script|code|datalist|title)\b[^>]*>.*?</(script|code|datalist|title)>|<[^>]*>`)
	wordRE   = regexp.MustCompile(`[A-Za-z]{3,}`)
)

// englishWords are the words of Latin letters that a page shows, but
// those of allowed (the data put in, the names of things).
func englishWords(page string, allowed map[string]bool) []string {
	text := html.UnescapeString(hiddenRE.ReplaceAllString(page, " "))
	var out []string
	for _, w := range wordRE.FindAllString(text, -1) {
		if !allowed[strings.ToLower(w)] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// allowWords adds the words of each of data to allowed.
func allowWords(allowed map[string]bool, data ...string) {
	for _, d := range data {
		for _, w := range wordRE.FindAllString(d, -1) {
			allowed[strings.ToLower(w)] = true
		}
	}
}

// Every admin page speaks a Japanese admin's language, whatever the
// browser says: headings, columns, states, kinds, roles, origins, flash
// messages; dates in Tokyo time, in Japanese, the zone named; no English
// word on the page but the data's (logins, titles, calendars, zones,
// channels) and <html lang="ja">. An English admin keeps English.
func TestAdminPagesInJapanese(t *testing.T) {
	f, d := adminLangFixture(t)
	allowed := map[string]bool{}
	for _, u := range f.users {
		allowWords(allowed, u.Login, u.DisplayName, u.Email, u.TimeZone)
	}
	allowWords(allowed, "pfsnotify API JST CET CEST UTC ics", "event cancelled" /* the store's log of a cancelled delivery */, "Weekly telecon", "Plenary", "Alice by hand", "Sent one", "telecons", "indico",
		"https://indico.example.org/telecons.ics https://indico.example.org/indico.ics Europe/Zurich",
		"fetch: 503 Service Unavailable", "1 browser")
	for _, c := range schedule.Channels() {
		allowWords(allowed, string(c))
	}
	local := d.DueAt.In(zoneOf("Asia/Tokyo"))
	dueDate := strconv.Itoa(local.Year()) + "年" + strconv.Itoa(int(local.Month())) + "月" + strconv.Itoa(local.Day()) + "日("
	id := itoa(d.ID)
	tests := []struct {
		path string
		want []string
	}{
		{"/admin/users", []string{"<h1>ユーザー</h1>", "<title>ユーザー · pfsnotify</title>", "<th>ログイン名</th>", "<th>役割</th>",
			"<td>管理者</td>", "<td>メンバー</td>", "<td>有効</td>", "<h2>ユーザーを追加する</h2>", `<label for="display_name">名前</label>`,
			`<option value="admin">管理者</option>`, ">追加</button>"}},
		{"/admin/users/alice?done=user-saved", []string{"<h1>ユーザー alice</h1>", "ユーザーを保存しました。", " に追加 ", "パスワード未設定",
			`<label for="time_zone">タイムゾーン</label>`, ">パスワードを再設定する</button>", "無効：リマインダーもサインインもなし", ">保存</button>"}},
		{"/admin/registrations", []string{"<h1>登録</h1>", "<th>開始（ユーザーのタイムゾーン）</th>", "<td>手動</td>", " JST</td>",
			"<td>取り消し済み（予定がカレンダーで中止または削除されました）</td>", "<td>有効</td>", "日後</td>", "分後</td>", ">取り消す</button>",
			`<option value="cancelled">取り消し済み</option>`, "今後の予定のみ", ">絞り込む</button>"}},
		{"/admin/registrations?status=cancelled&done=cancelled", []string{"リマインダーとともに取り消しました。", "予定がカレンダーで中止または削除されました"}},
		{"/admin/rules", []string{"<h1>ルール</h1>", "<td>すべてのカレンダー</td>", "<td>有効</td>", "<td>一時停止中</td>",
			">一時停止</button>", ">再開</button>", ">削除</button>", "<th>通知方法</th>"}},
		{"/admin/calendars", []string{"<h1>カレンダー</h1>", "<th>最終同期</th>", "<td>正常</td>", "fetch: 503 Service Unavailable", "<td>未同期</td>", " JST <span"}},
		{"/admin/deliveries", []string{"<h1>配信記録</h1>", "<td>送信済み</td>", "<td>送信待ち</td>", "<td>リマインダー</td>", dueDate,
			`<option value="acknowledged">確認済み</option>`, "<th>送信予定</th>", "<th>試行</th>"}},
		{"/admin/deliveries/" + id, []string{"<h1>配信 #" + id + "</h1>", "<dd>1回の試行の後、送信済み</dd>", "<dd>リマインダー</dd>",
			", 10分前</dd>", dueDate, " JST</dd>", "<h2>試行</h2>", "<th>結果</th>", "1 browser"}},
	}
	for _, tt := range tests {
		w := f.do(request{method: "GET", path: tt.path, as: "yamada", header: map[string]string{"Accept-Language": "en-US"}})
		body := w.Body.String()
		plain := html.UnescapeString(body)
		if w.Code != http.StatusOK || !strings.Contains(body, `<html lang="ja">`) {
			t.Errorf("%s: got %d, %s; want 200 and <html lang=\"ja\">", tt.path, w.Code, firstLine(body, "<html"))
		}
		for _, want := range append(tt.want, "<strong>管理：</strong>", ">配信記録</a>", ">サインアウト</button>") {
			if !strings.Contains(plain, want) {
				t.Errorf("%s: the page lacks %q:\n%s", tt.path, want, excerpt(plain))
			}
		}
		if left := englishWords(body, allowed); len(left) > 0 {
			t.Errorf("%s: English words left on the Japanese page: got %q; want none", tt.path, left)
		}
	}

	// The English admin's pages stay English.
	body := f.get("/admin/deliveries/"+id, "root").Body.String()
	for _, want := range []string{`<html lang="en">`, "<h1>Delivery #" + id + "</h1>", "<dd>sent after 1 attempt</dd>", "<strong>Admin:</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("an English admin's delivery page lacks %q:\n%s", want, excerpt(body))
		}
	}
}

// A Japanese admin's filters and forms answer in Japanese: the panel's own
// problems in its words, a parser's refusal around its detail.
func TestAdminProblemsInJapanese(t *testing.T) {
	f, _ := adminLangFixture(t)
	tests := []struct {
		method, path string
		form         url.Values
		status       int
		want         string
	}{
		{"GET", "/admin/registrations?user=nobody", nil, 422, `id="user-error">ユーザー "nobody" はいません</p>`},
		{"GET", "/admin/rules?calendar=nope", nil, 422, `id="calendar-error">カレンダー "nope" はありません</p>`},
		{"GET", "/admin/registrations?status=odd", nil, 422, `id="status-error">有効か取り消し済みを選んでください</p>`},
		{"GET", "/admin/deliveries?state=lost", nil, 422, `id="state-error">配信の状態ではありません</p>`},
		{"GET", "/admin/deliveries?from=yesterday", nil, 422, `id="from-error">入力を確認してください（`},
		{"GET", "/admin/deliveries?channel=pigeon", nil, 422, `id="channel-error">入力を確認してください（`},
		{"GET", "/admin/deliveries?before=-1", nil, 422, `id="before-error">before：入力を確認してください（`},
		{"POST", "/admin/users", url.Values{"login": {"carol"}, "phone": {"12"}, "time_zone": {"UTC"}, "language": {"ja-JP"}, "role": {"member"}},
			422, `id="phone-error">入力を確認してください（`},
		{"POST", "/admin/users", url.Values{"login": {"alice"}, "time_zone": {"UTC"}, "language": {"ja-JP"}, "role": {"member"}},
			422, `id="login-error">入力を確認してください（`},
		{"POST", "/admin/users/yamada", url.Values{"time_zone": {"Asia/Tokyo"}, "language": {"ja-JP"}, "role": {"member"}},
			422, `id="role-error">自分を無効にしたり、自分の管理者の役割を外したりはできません。ほかの管理者に依頼してください</p>`},
		{"POST", "/admin/users/alice/password", nil, 200, "新しいパスワードです（表示は今回限り）："},
		{"POST", "/admin/users/bob/password", nil, 200, "bob さんに伝えてください。今すぐこのパスワードでサインインできます。"},
	}
	for _, tt := range tests {
		w := f.do(request{method: tt.method, path: tt.path, as: "yamada", form: tt.form})
		body := html.UnescapeString(w.Body.String())
		if w.Code != tt.status || !strings.Contains(body, tt.want) || !strings.Contains(body, `<html lang="ja">`) {
			t.Errorf("%s %s: got %d; want %d, <html lang=\"ja\"> and %q:\n%s", tt.method, tt.path, w.Code, tt.status, tt.want, excerpt(body))
		}
	}
	// The API's delivery filter answers in English, whoever asks.
	w := f.get("/api/v1/deliveries?state=lost", "yamada")
	if w.Code != 422 || !strings.Contains(w.Body.String(), `"state": "not a delivery state"`) {
		t.Errorf("API with a bad state: got %d %s; want 422 and the English problem", w.Code, w.Body.String())
	}
}

// panelIDRE finds catalogue message IDs in templates and Go source.
var panelIDRE = regexp.MustCompile(`"(Panel[A-Za-z]+)"`)

// Every message the admin pages name is in the panel's catalogues, en and
// ja, by itself (not by the English fallback); every PanelAdmin message is
// used by an admin page (their templates and Go files, and render.go's
// messages after a change).
func TestAdminWordsAreInTheCatalogues(t *testing.T) {
	var files []string
	for _, glob := range []string{"templates/admin_*.html", "templates/layout.html", "admin_*.go", "render.go"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	used := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range panelIDRE.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 80 {
		t.Fatalf("the admin pages name %d messages; want them all found (80 or more)", len(used))
	}
	ids := locale.Embedded().MessageIDs()
	for _, tag := range locale.ShippedPanel() {
		path := "catalogues/panel/" + tag + ".yaml"
		b, err := fs.ReadFile(locale.ShippedFS(), path)
		if err != nil {
			t.Fatal(err)
		}
		var own map[string]any
		if err := yaml.Unmarshal(b, &own); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for id := range used {
			if _, ok := own[id]; !ok || !slices.Contains(ids, id) {
				t.Errorf("%s: named by an admin page; not in %s (the page would fall back, or fail)", id, path)
			}
		}
	}
	for _, id := range ids {
		if strings.HasPrefix(id, "PanelAdmin") && !used[id] {
			t.Errorf("%s: in the catalogue, but no admin page says it", id)
		}
	}
}

// The pages that came with groups and messages sent now speak the admin's
// language too.
func TestAdminGroupAndSendPagesInJapanese(t *testing.T) {
	f, _ := adminLangFixture(t)
	if _, err := f.st.CreateGroup(context.Background(), store.Group{Name: "ops"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{"/admin/send", "メッセージを送る"},
		{"/admin/groups", "グループを追加"},
		{"/admin/groups/ops", "メンバーを追加"},
		{"/admin/groups/ops", "グループのルールを追加"},
		{"/admin/groups/ops?done=group-rule-removed&n=2", "未送信のリマインダー2件を取り消しました"},
		{"/admin/groups?done=group-removed", "グループを削除しました"},
	} {
		w := f.do(request{method: "GET", path: tt.path, as: "yamada"})
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, tt.want) || !strings.Contains(body, `<html lang="ja`) {
			t.Errorf("%s as a ja admin: got %d; want Japanese (%q)", tt.path, w.Code, tt.want)
		}
		for _, english := range []string{"Send a message", "Add a group", "Add people", "Who gets it", "Groups", "Group rules", "Add rule", "Remove group"} {
			if strings.Contains(body, ">"+english+"<") {
				t.Errorf("%s as a ja admin shows %q", tt.path, english)
			}
		}
	}
}
