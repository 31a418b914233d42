package twiliosms_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliosms"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/golden"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// A reminder and a notice of a move texted to a person of each shipped
// language, in their zone: golden files testdata/lang/<catalogue>.txt.
func TestGoldenLanguages(t *testing.T) {
	members := []struct{ catalogue, tag, zone, when string }{
		{"en", "en-US", "America/New_York", "Thu 3 Dec 2026 05:30 EST"},
		{"ja", "ja-JP", "Asia/Tokyo", "2026年12月3日(木) 19:30 JST"},
		{"zh-TW", "zh-Hant-TW", "Asia/Taipei", "2026年12月3日 (週四) 18:30 CST"},
		{"zh-CN", "zh-CN", "Asia/Shanghai", "2026年12月3日 周四 18:30 CST"},
		{"pt-BR", "pt-BR", "America/Sao_Paulo", "qui., 3 de dez. de 2026, 07:30 UTC-03"},
		{"de", "de-DE", "Europe/Berlin", "Do., 3. Dez. 2026, 11:30 MEZ"},
		{"fr", "fr-FR", "Europe/Paris", "jeu. 3 déc. 2026, 11:30 CET"},
		{"es", "es-ES", "Europe/Madrid", "jue, 3 dic 2026, 11:30 CET"},
	}
	start := now.Add(10 * time.Minute).Truncate(24 * time.Hour).Add(2*24*time.Hour + 10*time.Hour + 30*time.Minute)
	for _, p := range members {
		var bodies []string
		for _, kind := range []string{message.KindReminder, message.KindMoved, message.KindCancelled} {
			fake, ch := newChannel(t, twiliotest.Config{}, nil)
			m := reminder()
			m.Kind, m.StartAt = kind, start
			m.To.Language, m.To.TimeZone = p.tag, p.zone
			if _, err := ch.Send(context.Background(), m); err != nil {
				t.Fatalf("%s: %v", p.catalogue, err)
			}
			body := fake.Messages()[0].Body
			if enc, n := twiliosms.Segments(body); n > twiliosms.MaxSegments || !strings.Contains(body, p.when) {
				t.Errorf("%s %s: %q (%s, %d segments); want %q in at most %d segments", p.catalogue, kind, body, enc, n, p.when, twiliosms.MaxSegments)
			}
			bodies = append(bodies, body)
		}
		golden.Check(t, "lang/"+p.catalogue+".txt", strings.Join(bodies, "\n")+"\n")
	}
}
