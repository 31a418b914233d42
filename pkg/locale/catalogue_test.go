package locale

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
)

func parseShipped(t *testing.T, tag string) map[string]*i18n.Message {
	t.Helper()
	return parseFile(t, "catalogues/"+tag+".yaml")
}

func parseFile(t *testing.T, path string) map[string]*i18n.Message {
	t.Helper()
	buf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := i18n.ParseMessageFileBytes(buf, path, map[string]i18n.UnmarshalFunc{"yaml": yaml.Unmarshal})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]*i18n.Message{}
	for _, m := range f.Messages {
		out[m.ID] = m
	}
	return out
}

// Every shipped catalogue has every message of en, no other, and in each
// the placeholders of en's (a date format: only date fields; a list: its
// count of names).
func TestShippedCataloguesAreComplete(t *testing.T) {
	ref := parseShipped(t, "en")
	files, err := filepath.Glob("catalogues/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	slices.Sort(names)
	want := Shipped()
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("catalogues/ holds %v; want exactly %v (Shipped)", names, want)
	}
	for _, tag := range Shipped() {
		msgs := parseShipped(t, tag)
		for id, r := range ref {
			m, ok := msgs[id]
			if !ok {
				t.Errorf("%s: message %s missing", tag, id)
				continue
			}
			if err := Conforms(m, r); err != nil {
				t.Errorf("%s: message %s: %v", tag, id, err)
			}
			if kind, _ := kindOf(id); kind == kindText {
				got, _ := Placeholders(m)
				wantP, _ := Placeholders(r)
				if !slices.Equal(got, wantP) {
					t.Errorf("%s: message %s: got placeholders %v; want en's %v", tag, id, got, wantP)
				}
			}
		}
		for id := range msgs {
			if _, ok := ref[id]; !ok {
				t.Errorf("%s: message %s is not in en", tag, id)
			}
		}
	}
}

// The panel's catalogues (en and ja) have the same messages, with the
// same placeholders; no panel message is in the members' catalogues.
func TestPanelCataloguesAreComplete(t *testing.T) {
	ref := parseFile(t, "catalogues/panel/en.yaml")
	members := parseShipped(t, "en")
	for _, tag := range ShippedPanel() {
		msgs := parseFile(t, "catalogues/panel/"+tag+".yaml")
		for id, r := range ref {
			m, ok := msgs[id]
			if !ok {
				t.Errorf("panel %s: message %s missing", tag, id)
				continue
			}
			got, err := Placeholders(m)
			want, _ := Placeholders(r)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("panel %s: message %s: got placeholders %v (%v); want en's %v", tag, id, got, err, want)
			}
		}
		for id := range msgs {
			if _, ok := ref[id]; !ok {
				t.Errorf("panel %s: message %s is not in en", tag, id)
			}
			if _, ok := members[id]; ok {
				t.Errorf("panel %s: message %s is in the members' catalogue too", tag, id)
			}
		}
	}
	// A panel message in a language without panel catalogue is English.
	if got, err := Embedded().Language("de").T("PanelSignIn", nil); err != nil || got != "Sign in" {
		t.Errorf("de PanelSignIn = %q, %v; want the English fallback", got, err)
	}
}

// Every plural message has the forms each language's CLDR rules need:
// a missing form is an error of Count.
func TestPluralFormsComplete(t *testing.T) {
	c := Embedded()
	for _, tag := range Shipped() {
		l := c.Language(tag)
		for _, id := range []string{"Days", "Hours", "Minutes"} {
			for _, n := range []int{0, 1, 2, 3, 5, 10, 11, 21, 100, 1000000} {
				if _, err := l.Count(id, n); err != nil {
					t.Errorf("%s: Count(%s, %d): %v", tag, id, n, err)
				}
			}
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		def, member, want string
		matched           bool
	}{
		{"", "zh-Hant-TW", "zh-TW", true},
		{"", "zh-TW", "zh-TW", true},
		{"", "zh-Hant", "zh-TW", true},
		{"", "zh-Hans-CN", "zh-CN", true},
		{"", "zh-CN", "zh-CN", true},
		{"", "zh", "zh-CN", true},
		{"", "pt", "pt-BR", true},
		{"", "pt-BR", "pt-BR", true},
		{"", "pt-PT", "pt-BR", true},
		{"", "ja-JP", "ja", true},
		{"", "de-AT", "de", true},
		{"", "de-DE", "de", true},
		{"", "fr-CA", "fr", true},
		{"", "es-MX", "es", true},
		{"", "en-GB", "en", true},
		{"", "ko-KR", "en", false},
		{"de-DE", "ko-KR", "de", false},
		{"ja-JP", "", "ja", false},
		{"ja-JP", "not a tag!", "ja", false},
		{"ko-KR", "nl", "en", false}, // a default without catalogue: English
		{"de-DE", "sw", "en", true},  // CLDR: Swahili speakers read English; x/text's matcher says so
		{"de-DE", "gl", "es", true},  // and Galician speakers Spanish
	}
	for _, tt := range tests {
		c, err := Load(Options{Default: tt.def})
		if err != nil {
			t.Fatal(err)
		}
		l := c.Language(tt.member)
		if got := l.Tag.String(); got != tt.want || l.Matched != tt.matched {
			t.Errorf("default %q, member %q: got %s (matched %v); want %s (matched %v)", tt.def, tt.member, got, l.Matched, tt.want, tt.matched)
		}
	}
}

func TestVoices(t *testing.T) {
	c, err := Load(Options{Voices: map[string]string{"de": "Polly.Hans"}, Voice: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		member string
		want   Voice
	}{
		{"ja-JP", Voice{"Polly.Mizuki", "ja-JP"}},
		{"de-DE", Voice{"Polly.Hans", "de-DE"}},
		{"zh-Hant-TW", Voice{"Google.cmn-TW-Standard-A", "cmn-TW"}},
		{"zh-CN", Voice{"Polly.Zhiyu", "cmn-CN"}},
		{"en-US", Voice{"Polly.Joanna", "en-US"}},
		{"ko-KR", Voice{"alice", "en-US"}}, // no catalogue: twilio.voice, in the fallback's language
		{"en-GB", Voice{"Polly.Amy", "en-GB"}},
		{"pt-PT", Voice{"Polly.Ines", "pt-PT"}},
		{"pt", Voice{"Polly.Camila", "pt-BR"}},
		{"es-MX", Voice{"Polly.Mia", "es-MX"}},
		{"de-AT", Voice{"Polly.Hans", "de-DE"}},
	}
	for _, tt := range tests {
		if got := c.Language(tt.member).Voice(); got != tt.want {
			t.Errorf("Voice(%s) = %+v; want %+v", tt.member, got, tt.want)
		}
	}
	if _, err := Load(Options{Voices: map[string]string{"ko": "Polly.Seoyeon"}}); err == nil || !strings.Contains(err.Error(), "twilio.voices: no catalogue for ko") {
		t.Errorf("a voice for a language without catalogue: got %v; want an error naming it", err)
	}
}
