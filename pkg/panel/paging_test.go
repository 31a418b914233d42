package panel

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// TestListsComeInPages follows the inbox and the delivery log page by page
// through 205 notifications: every one once, "Older" until the last page,
// "Newest" after the first, the filters kept; a bad ?before= is refused.
func TestListsComeInPages(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	const n = 205
	for range n { // one test waits at a time
		if _, err := f.st.CreateTestDelivery(ctx, f.users["alice"].ID, schedule.ChannelLog, "alice"); err != nil {
			t.Fatal(err)
		}
		f.drain()
	}
	link := func(body, id string) string {
		_, after, ok := strings.Cut(body, `id="`+id+`"`)
		if !ok {
			return ""
		}
		before, _, _ := strings.Cut(body[:len(body)-len(after)], `id="`+id+`"`)
		href := before[strings.LastIndex(before, `href="`)+len(`href="`):]
		href, _, _ = strings.Cut(href, `"`)
		return html.UnescapeString(href)
	}
	tests := []struct {
		name  string
		start string
		as    string
		row   *regexp.Regexp
		sizes []int
		keep  string // a filter the links must keep
	}{
		{"inbox", "/inbox", "alice", regexp.MustCompile(`id="item-(\d+)"`), []int{100, 100, 5}, ""},
		{"delivery log", "/admin/deliveries?user=alice", "root", regexp.MustCompile(`href="/admin/deliveries/(\d+)"`), []int{200, 5}, "user=alice"},
	}
	for _, tt := range tests {
		seen := map[string]bool{}
		path := tt.start
		for i, size := range tt.sizes {
			w := f.get(path, tt.as)
			wantStatus(t, tt.name+" page "+itoa(int64(i+1)), w, http.StatusOK)
			body := w.Body.String()
			rows := tt.row.FindAllStringSubmatch(body, -1)
			for _, m := range rows {
				if seen[m[1]] {
					t.Errorf("%s: #%s is on two pages", tt.name, m[1])
				}
				seen[m[1]] = true
			}
			older, newest := link(body, "page-older"), link(body, "page-newest")
			last := i == len(tt.sizes)-1
			if len(rows) != size || (older == "") != last || (newest == "") != (i == 0) {
				t.Fatalf("%s page %d: got %d rows, older %q, newest %q; want %d, an older link unless last, a newest link unless first",
					tt.name, i+1, len(rows), older, newest, size)
			}
			if !last && !strings.Contains(older, tt.keep) {
				t.Errorf("%s page %d: the older link %q drops %q", tt.name, i+1, older, tt.keep)
			}
			path = older
		}
		if len(seen) != n {
			t.Errorf("%s: got %d notifications over the pages; want %d", tt.name, len(seen), n)
		}
	}
	for _, bad := range []struct{ path, as string }{{"/inbox?before=x", "alice"}, {"/admin/deliveries?before=-1", "root"},
		{"/api/v1/inbox?before=0x10", "alice"}} {
		if w := f.get(bad.path, bad.as); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "before") {
			t.Errorf("%s: got %d; want 422 naming before\n%s", bad.path, w.Code, excerpt(w.Body.String()))
		}
	}
	var first, second []inboxJSON
	decode(t, f.get("/api/v1/inbox", "alice"), &first)
	decode(t, f.get("/api/v1/inbox?before="+itoa(first[len(first)-1].DeliveryID), "alice"), &second)
	if len(first) != 100 || len(second) != 100 || second[0].DeliveryID >= first[99].DeliveryID {
		t.Errorf("API inbox: got pages of %d and %d; want 100 and 100, the second older", len(first), len(second))
	}
}
