package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// A broken override file of languages.dir stops invoke, serve-twiml and
// serve-panel at start, exit 2, naming the file and the message; a good one is taken.
func TestLanguageOverridesAtStart(t *testing.T) {
	c := newCLI(t, storetest.SQLiteConfig(t))
	c.ok("db", "migrate")
	dir := t.TempDir()
	c.env = append(c.env, "PFSNOTIFY_LANGUAGES_DIR="+dir)
	file := filepath.Join(dir, "ja.yaml")
	if err := os.WriteFile(file, []byte("CallPrompt: \"{{.Titel}}：1を押してください。\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"invoke"}, {"serve-twiml", "--listen", "127.0.0.1:0"}, {"serve-panel"}} {
		_, errOut, code := c.run(args...)
		if code != 2 || !strings.Contains(errOut, file) || !strings.Contains(errOut, "message CallPrompt") || !strings.Contains(errOut, "{{.Titel}}") {
			t.Errorf("pfsnotify %s with a broken override: exit %d, stderr %q; want exit 2 naming %s and message CallPrompt", args[0], code, errOut, file)
		}
	}
	if err := os.WriteFile(file, []byte("CallPrompt: \"確認したら1を押してください。\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := c.run("invoke"); code != 0 {
		t.Errorf("invoke with a good override: exit %d, stderr %q; want 0", code, errOut)
	}
	c.env = append(c.env, "PFSNOTIFY_TWILIO_VOICES=ko=Polly.Seoyeon")
	if _, errOut, code := c.run("invoke"); code != 2 || !strings.Contains(errOut, "twilio.voices: no catalogue for ko") {
		t.Errorf("invoke with a voice for a language without catalogue: exit %d, stderr %q; want 2 naming twilio.voices", code, errOut)
	}
}
