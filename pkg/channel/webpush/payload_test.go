package webpush

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLongPayloadIsShortenedNotDropped(t *testing.T) {
	tests := []struct {
		name       string
		title      string
		note       string
		url        string
		wantTitle  string // "": the title is cut, ending in "…"
		wantBodyCt bool   // the body is cut, ending in "…"
		wantURL    string
	}{
		{"fits", "Detector review", strings.Repeat("n", 3000), "https://meet.example.org/r",
			"Detector review in 10 minutes", false, "https://meet.example.org/r"},
		{"long note", "Detector review", strings.Repeat("note ", 2000), "https://meet.example.org/r",
			"Detector review in 10 minutes", true, "https://meet.example.org/r"},
		{"long note in Japanese", "検出器レビュー", strings.Repeat("会議室は四階です。", 400), "https://meet.example.org/r",
			"検出器レビュー in 10 minutes", true, "https://meet.example.org/r"},
		{"escaped characters", "Detector review", strings.Repeat("\"<\u2028>\\\x01", 1000), "https://meet.example.org/r",
			"Detector review in 10 minutes", true, "https://meet.example.org/r"},
		{"long title", strings.Repeat("Very long title ", 400), "Room 4", "https://meet.example.org/r", "", true, "https://meet.example.org/r"},
		{"long meeting URL", "Detector review", "Room 4", "https://meet.example.org/" + strings.Repeat("x", 5000),
			"Detector review in 10 minutes", false, "https://notify.example.org/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			id, _ := e.subscribe(1)
			m := reminder()
			m.Title, m.Note, m.URL = tt.title, tt.note, tt.url
			if _, err := e.ch.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			ps := e.push.PushesTo(id)
			if len(ps) != 1 {
				t.Fatalf("got %d pushes; want 1", len(ps))
			}
			raw := ps[0].Payload
			p := decodePayload(t, raw)
			if len(raw) > MaxPayload || !utf8.ValidString(p.Title) || !utf8.ValidString(p.Body) {
				t.Errorf("got a %d-byte payload, valid UTF-8 %v; want at most %d bytes of valid UTF-8", len(raw),
					utf8.ValidString(p.Title+p.Body), MaxPayload)
			}
			if tt.wantTitle != "" && p.Title != tt.wantTitle || tt.wantTitle == "" && !strings.HasSuffix(p.Title, "…") && p.Title != "" {
				t.Errorf("got title %.60q…; want %q (or cut with …)", p.Title, tt.wantTitle)
			}
			if cut := strings.HasSuffix(p.Body, "…") || p.Body == ""; cut != tt.wantBodyCt {
				t.Errorf("got body %.60q… cut %v; want cut %v", p.Body, cut, tt.wantBodyCt)
			}
			if p.URL != tt.wantURL || p.AckURL != m.AckURL || p.Tag != m.Topic() || p.DeliveryID != m.DeliveryID {
				t.Errorf("got url %.60q, ack %q, tag %q, id %d; want %.60q and the ack URL, tag and id untouched",
					p.URL, p.AckURL, p.Tag, p.DeliveryID, tt.wantURL)
			}
		})
	}
}

func TestFitUsesTheRoomItHas(t *testing.T) {
	p := Payload{Title: "Review", Body: strings.Repeat("ü", 3000), Tag: "r1-2", Kind: "reminder"}
	b, err := fit(p, MaxPayload, "")
	if err != nil {
		t.Fatal(err)
	}
	// "ü" is two bytes: a cut that wasted room would end far below the limit.
	if len(b) > MaxPayload || len(b) < MaxPayload-8 {
		t.Errorf("got %d bytes; want between %d and %d", len(b), MaxPayload-8, MaxPayload)
	}
	exact := Payload{Title: "T", Tag: "x"}
	base, _ := encode(exact)
	exact.Body = strings.Repeat("b", MaxPayload-len(base))
	if b, err := fit(exact, MaxPayload, ""); err != nil || len(b) != MaxPayload || strings.Contains(string(b), "…") {
		t.Errorf("got %d bytes, %v; want a payload of exactly %d bytes sent as it is", len(b), err, MaxPayload)
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello world", 1, "hello w…"},
		{"hello world…", 1, "hello w…"},
		{"hello world", 8, ""},
		{"héllo", 1, "h…"},      // é is two bytes: not cut in half
		{"ab   cdef", 1, "ab…"}, // no space before …
	}
	for _, tt := range tests {
		if got := shorten(tt.in, tt.n); got != tt.want {
			t.Errorf("shorten(%q, %d) = %q; want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
