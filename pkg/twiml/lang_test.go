package twiml

import (
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/golden"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// member is a person of each shipped language, where such a person lives,
// what their call must say of the event at eventStart, and how it is read.
var members = []struct {
	catalogue, tag, zone string
	clock                string // the start as the call says it
	voice, language      string // <Say voice= language=>
	prompt               string // a word of "press 1" in the language
}{
	{"en", "en-US", "America/New_York", "at 05:30", "Polly.Joanna", "en-US", "Press 1"},
	{"ja", "ja-JP", "Asia/Tokyo", "19時30分", "Polly.Mizuki", "ja-JP", "1を押して"},
	{"zh-TW", "zh-Hant-TW", "Asia/Taipei", "18點30分", "Google.cmn-TW-Standard-A", "cmn-TW", "請按 1"},
	{"zh-CN", "zh-CN", "Asia/Shanghai", "18点30分", "Polly.Zhiyu", "cmn-CN", "请按 1"},
	{"pt-BR", "pt-BR", "America/Sao_Paulo", "às 07:30", "Polly.Camila", "pt-BR", "Pressione 1"},
	{"de", "de-DE", "Europe/Berlin", "um 11:30 Uhr", "Polly.Vicki", "de-DE", "Drücken Sie die 1"},
	{"fr", "fr-FR", "Europe/Paris", "à 11 h 30", "Polly.Lea", "fr-FR", "Appuyez sur 1"},
	{"es", "es-ES", "Europe/Madrid", "a las 11:30", "Polly.Lucia", "es-ES", "Pulse 1"},
}

var eventStart = time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)

// The TwiML of a reminder, of the answer to a key that is not 1 (gather),
// of thanks and of goodbye, per language: golden files in
// testdata/lang/<catalogue>/, parsed, every <Say> in the language's voice
// with the language attribute Twilio takes for it.
func TestGoldenLanguages(t *testing.T) {
	tmpl, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range members {
		m := message.Message{Kind: message.KindReminder, To: message.Recipient{Name: "Alice Liddell", TimeZone: p.zone, Language: p.tag},
			Title: "Detector review", Note: "Room 4-S-030", StartAt: eventStart, Lead: 10 * time.Minute}
		text, err := tmpl.Render(message.Call, m, eventStart.Add(-10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		moved := m
		moved.Kind = message.KindMoved
		movedText, err := tmpl.Render(message.Call, moved, eventStart.Add(-2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		v := voiceIn(tmpl, p.tag)
		docs := []struct {
			name string
			doc  func() ([]byte, error)
		}{
			{"reminder.xml", func() ([]byte, error) { return reminderDoc(v, text, gatherURL, "") }},
			{"gather.xml", func() ([]byte, error) { return reminderDoc(v, text, gatherURL, v.phrase(repeatID)) }},
			{"thanks.xml", func() ([]byte, error) { return sayDoc(v, v.phrase(confirmedID)) }},
			{"goodbye.xml", func() ([]byte, error) { return sayDoc(v, v.phrase(goneID)) }},
			{"moved.xml", func() ([]byte, error) { return reminderDoc(v, movedText, gatherURL, "") }},
		}
		for _, d := range docs {
			doc, err := d.doc()
			if err != nil {
				t.Fatalf("%s %s: %v", p.catalogue, d.name, err)
			}
			golden.Check(t, "lang/"+p.catalogue+"/"+d.name, string(doc))
			els, err := parse(doc)
			if err != nil {
				t.Fatalf("%s %s: %v", p.catalogue, d.name, err)
			}
			var said []string
			for _, e := range els {
				if e.name != "Say" {
					continue
				}
				said = append(said, e.text)
				if e.attrs["voice"] != p.voice || e.attrs["language"] != p.language {
					t.Errorf("%s %s: <Say voice=%q language=%q>; want %q, %q", p.catalogue, d.name, e.attrs["voice"], e.attrs["language"], p.voice, p.language)
				}
			}
			all := strings.Join(said, " ")
			switch d.name {
			case "reminder.xml", "gather.xml":
				if !strings.Contains(all, p.clock) || !strings.Contains(all, p.prompt) || !strings.Contains(all, "Detector review") {
					t.Errorf("%s %s: said %q; want the title, %q and %q", p.catalogue, d.name, all, p.clock, p.prompt)
				}
				if p.catalogue != "en" && strings.Contains(all, "Press 1") {
					t.Errorf("%s %s: said %q; want no English", p.catalogue, d.name, all)
				}
			case "moved.xml":
				// The date and the zone, not the clock time alone (issue 14).
				if !strings.Contains(all, "3") || !strings.Contains(all, strings.TrimPrefix(strings.TrimPrefix(p.clock, "at "), "às ")) {
					t.Errorf("%s %s: said %q; want the date and %q", p.catalogue, d.name, all, p.clock)
				}
			}
		}
	}
}
