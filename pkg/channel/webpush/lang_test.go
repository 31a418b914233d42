package webpush

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/golden"
)

// A reminder pushed to a person of each shipped language, in their zone,
// as the push service decrypts it: golden files
// testdata/lang/<catalogue>.json, with the plural of 1 and 10 minutes.
func TestGoldenLanguages(t *testing.T) {
	members := []struct{ catalogue, tag, zone, when, in1, in10 string }{
		{"en", "en-US", "America/New_York", "Tue 1 Dec 2026 04:00 EST", "in 1 minute", "in 10 minutes"},
		{"ja", "ja-JP", "Asia/Tokyo", "2026年12月1日(火) 18:00 JST", "1分後", "10分後"},
		{"zh-TW", "zh-Hant-TW", "Asia/Taipei", "2026年12月1日 (週二) 17:00 CST", "1 分鐘後", "10 分鐘後"},
		{"zh-CN", "zh-CN", "Asia/Shanghai", "2026年12月1日 周二 17:00 CST", "1分钟后", "10分钟后"},
		{"pt-BR", "pt-BR", "America/Sao_Paulo", "ter., 1 de dez. de 2026, 06:00 UTC-03", "em 1 minuto", "em 10 minutos"},
		{"de", "de-DE", "Europe/Berlin", "Di., 1. Dez. 2026, 10:00 MEZ", "in 1 Minute", "in 10 Minuten"},
		{"fr", "fr-FR", "Europe/Paris", "mar. 1 déc. 2026, 10:00 CET", "dans 1 minute", "dans 10 minutes"},
		{"es", "es-ES", "Europe/Madrid", "mar, 1 dic 2026, 10:00 CET", "en 1 minuto", "en 10 minutos"},
	}
	for _, p := range members {
		var payloads []string
		for _, left := range []time.Duration{time.Minute, 10 * time.Minute} {
			e := newEnv(t, nil)
			e.clock.now = start.Add(-left)
			id, _ := e.subscribe(1)
			m := reminder()
			m.To.Language, m.To.TimeZone = p.tag, p.zone
			if _, err := e.ch.Send(context.Background(), m); err != nil {
				t.Fatalf("%s: Send: %v", p.catalogue, err)
			}
			ps := e.push.PushesTo(id)
			if len(ps) != 1 {
				t.Fatalf("%s: %d pushes; want 1", p.catalogue, len(ps))
			}
			got := decodePayload(t, ps[0].Payload)
			in := p.in10
			if left == time.Minute {
				in = p.in1
			}
			if !strings.Contains(got.Title, "Detector review") || !strings.Contains(got.Title, in) || !strings.HasPrefix(got.Body, p.when) {
				t.Errorf("%s, %v before: got title %q, body %q; want %q in the title, the body from %q", p.catalogue, left, got.Title, got.Body, in, p.when)
			}
			var b bytes.Buffer
			if err := json.Indent(&b, ps[0].Payload, "", "  "); err != nil {
				t.Fatal(err)
			}
			payloads = append(payloads, b.String())
		}
		golden.Check(t, filepath.Join("lang", p.catalogue+".json"), strings.Join(payloads, "\n")+"\n")
	}
}
