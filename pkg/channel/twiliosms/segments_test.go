package twiliosms_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliosms"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/locale"
)

func TestSegments(t *testing.T) {
	r := strings.Repeat
	tests := []struct {
		name, text, encoding string
		segments             int
	}{
		{"empty", "", twiliosms.GSM7, 0},
		{"160 GSM", r("a", 160), twiliosms.GSM7, 1},
		{"161 GSM", r("a", 161), twiliosms.GSM7, 2},
		{"306 GSM", r("a", 306), twiliosms.GSM7, 2},
		{"307 GSM", r("a", 307), twiliosms.GSM7, 3},
		{"GSM accents are one septet", r("é", 160), twiliosms.GSM7, 1},
		{"80 euro signs are 160 septets", r("€", 80), twiliosms.GSM7, 1},
		{"81 euro signs are 162 septets", r("€", 81), twiliosms.GSM7, 2},
		{"extension characters count 2", r("a", 159) + "{", twiliosms.GSM7, 2},
		// 152 septets and a two-septet character: it goes whole to the second segment.
		{"an escape is not split", r("a", 152) + "[" + r("a", 152), twiliosms.GSM7, 3},
		{"one non-GSM character makes UCS-2", r("a", 69) + "ç", twiliosms.UCS2, 1},
		{"curly quote is UCS-2", r("a", 70) + "’", twiliosms.UCS2, 2},
		{"70 kana", r("あ", 70), twiliosms.UCS2, 1},
		{"71 kana", r("あ", 71), twiliosms.UCS2, 2},
		{"134 kana", r("あ", 134), twiliosms.UCS2, 2},
		{"135 kana", r("あ", 135), twiliosms.UCS2, 3},
		{"35 emoji are 70 units", r("😀", 35), twiliosms.UCS2, 1},
		{"36 emoji are 72 units", r("😀", 36), twiliosms.UCS2, 2},
		// 66 units and a surrogate pair: the pair goes whole to the second segment.
		{"a surrogate pair is not split", r("あ", 66) + "😀" + r("あ", 66), twiliosms.UCS2, 3},
		{"without the split it would fit", r("あ", 65) + "😀" + r("あ", 66), twiliosms.UCS2, 2},
	}
	for _, tt := range tests {
		enc, n := twiliosms.Segments(tt.text)
		if enc != tt.encoding || n != tt.segments {
			t.Errorf("%s: got %s, %d segments; want %s, %d", tt.name, enc, n, tt.encoding, tt.segments)
		}
	}
}

// A reminder in every language takes at most 2 segments: a long title is
// shortened, the rest (when, the meeting's link) is kept. The default
// reminder's counts are logged for the record (go test -v).
func TestReminderFitsInEveryLanguage(t *testing.T) {
	long := strings.Repeat("Collaboration meeting: detector commissioning, calibration status, trigger menu and the run plan. ", 3)
	for _, tag := range locale.Shipped() {
		for _, title := range []string{"Detector review", long, strings.Repeat("検出器レビュー", 30)} {
			fake, ch := newChannel(t, twiliotest.Config{}, nil)
			m := reminder()
			m.To.Language, m.Title = tag, title
			if _, err := ch.Send(context.Background(), m); err != nil {
				t.Fatalf("%s: Send: %v", tag, err)
			}
			body := fake.Messages()[0].Body
			enc, n := twiliosms.Segments(body)
			if n > twiliosms.MaxSegments {
				t.Errorf("%s, title of %d characters: %d segments (%s); want at most %d: %q", tag, utf8.RuneCountInString(title), n, enc, twiliosms.MaxSegments, body)
			}
			_, hint, linked := strings.Cut(body, " https://meet.example.org/r ")
			if !linked || !strings.Contains(body, "2026") || !strings.ContainsRune(hint, '1') {
				t.Errorf("%s: got %q; want the date, the link and how to confirm (reply 1) kept", tag, body)
			}
			shortened := !strings.Contains(body, title)
			if title == "Detector review" {
				if shortened {
					t.Errorf("%s: the short title was shortened: %q", tag, body)
				}
				t.Logf("default reminder in %-5s: %d segment(s), %s, %d characters: %s", tag, n, enc, utf8.RuneCountInString(body), body)
				continue
			}
			if !shortened || !strings.Contains(body, string([]rune(title)[:8])) {
				t.Errorf("%s: got %q; want the start of the long title, shortened", tag, body)
			}
		}
	}
}

// Fit shortens the title with "..." in a GSM-7 text (so that it stays
// GSM-7) and cuts the text itself when no title is short enough.
func TestFit(t *testing.T) {
	render := func(prefix, suffix string) func(string) (string, error) {
		return func(title string) (string, error) { return prefix + title + suffix, nil }
	}
	got, cut, err := twiliosms.Fit(strings.Repeat("t", 400), render("Reminder: ", " starts soon."))
	if enc, n := twiliosms.Segments(got); err != nil || !cut || enc != twiliosms.GSM7 || n != 2 || len(got) != 306 || !strings.Contains(got, "t... starts soon.") {
		t.Errorf("GSM-7: got %q (%s, %d segments, cut %v, %v); want the title cut with ... to exactly 306 septets", got, enc, n, cut, err)
	}
	got, cut, err = twiliosms.Fit("短い", render(strings.Repeat("長", 200), ""))
	if enc, n := twiliosms.Segments(got); err != nil || !cut || enc != twiliosms.UCS2 || n != 2 || !strings.HasSuffix(got, "…") {
		t.Errorf("no title short enough: got %q (%s, %d segments, cut %v, %v); want the text cut to 2 segments", got, enc, n, cut, err)
	}
	if got, cut, err := twiliosms.Fit("x", render("short ", "")); err != nil || cut || got != "short x" {
		t.Errorf("a short text: got %q, cut %v, %v", got, cut, err)
	}
}
