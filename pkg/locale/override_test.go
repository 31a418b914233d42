package locale

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// An override file's message wins over the shipped one of its language;
// every other message of that language stays; a file for a language that
// is not shipped adds it, falling back to English per message.
func TestOverrides(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"ja.yaml":   "CallPrompt: \"確認のため1を押してください。\"\nMinutes:\n  other: \"{{.Count}} 分間\"\n",
		"ko.yaml":   "CallPrompt: \"이 알림을 확인하려면 1을 누르세요.\"\n",
		"notes.txt": "ignored: not a catalogue",
	})
	c, err := Load(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ja := c.Language("ja-JP")
	tests := []struct {
		l        *Language
		id, want string
	}{
		{ja, "CallPrompt", "確認のため1を押してください。"},
		{ja, "CallRepeat", "もう一度お伝えします。"},
		{c.Language("ko-KR"), "CallPrompt", "이 알림을 확인하려면 1을 누르세요."},
		{c.Language("ko-KR"), "CallRepeat", "Here is your reminder again."},
		{c.Language("de"), "CallPrompt", "Drücken Sie die 1, um den Erhalt dieser Erinnerung zu bestätigen."},
	}
	for _, tt := range tests {
		if got, err := tt.l.T(tt.id, nil); err != nil || got != tt.want {
			t.Errorf("%s %s: got %q, %v; want %q", tt.l.Tag, tt.id, got, err, tt.want)
		}
	}
	if got, err := ja.In(10 * 60e9); err != nil || got != "10 分間後" {
		t.Errorf("ja In(10m) with an overridden Minutes: got %q, %v", got, err)
	}
	if ko := c.Language("ko-KR"); !ko.Matched || ko.Voice().Language != "ko-KR" {
		t.Errorf("ko: matched %v, voice %+v; want matched, language ko-KR", ko.Matched, ko.Voice())
	}
	if got := c.Overrides(); len(got) != 2 {
		t.Errorf("Overrides() = %v; want the two catalogue files", got)
	}
}

// A broken override file fails the load, naming the file and the message.
func TestBrokenOverrides(t *testing.T) {
	tests := []struct {
		name, file, body string
		want             []string
	}{
		{"unknown id", "ja.yaml", "CallPromt: \"1を押して\"\n", []string{"ja.yaml", "message CallPromt: no such message"}},
		{"unknown placeholder", "de.yaml", "SMSReminder: \"{{.Titel}} beginnt {{.In}}\"\n",
			[]string{"de.yaml", "message SMSReminder", "{{.Titel}} is not a placeholder"}},
		{"whole data", "de.yaml", "PushTitleReminder: \"{{.}}\"\n", []string{"de.yaml", "message PushTitleReminder", "reads its data as a whole"}},
		{"template syntax", "fr.yaml", "CallGreeting: \"Bonjour {{.Name}\"\n", []string{"fr.yaml", "message CallGreeting"}},
		{"list count", "es.yaml", "WeekdaysShort: \"lun,mar\"\n", []string{"es.yaml", "message WeekdaysShort", "2 comma-separated names, want 7"}},
		{"format field", "en.yaml", "FormatDateTime: \"{{.Weekday}} {{.Title}}\"\n", []string{"en.yaml", "message FormatDateTime", "{{.Title}}"}},
		{"plural placeholder", "en.yaml", "Minutes:\n  one: \"{{.Count}} minute\"\n  other: \"{{.N}} minutes\"\n", []string{"en.yaml", "message Minutes", "{{.N}}"}},
		{"bad yaml", "ja.yaml", "CallPrompt: [\n", []string{"ja.yaml"}},
		{"bad file name", "japanese.yaml", "CallPrompt: \"x\"\n", []string{"japanese.yaml", "not a BCP 47 language tag"}},
	}
	for _, tt := range tests {
		dir := writeFiles(t, map[string]string{tt.file: tt.body})
		_, err := Load(Options{Dir: dir})
		if err == nil {
			t.Errorf("%s: Load succeeded; want an error", tt.name)
			continue
		}
		for _, w := range append(tt.want, "languages.dir") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: got %q; want it to contain %q", tt.name, err, w)
			}
		}
	}
	if _, err := Load(Options{Dir: filepath.Join(t.TempDir(), "missing")}); err == nil || !strings.Contains(err.Error(), "languages.dir") {
		t.Errorf("a missing directory: got %v; want an languages.dir error", err)
	}
}
