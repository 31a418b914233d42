package email_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/channel/email"
	"github.com/pfsnotify/pfsnotify/pkg/channel/email/smtptest"
	"github.com/pfsnotify/pfsnotify/pkg/golden"
)

// A reminder mailed to a person of each shipped language, in their zone,
// as a mail reader reads it (subject, text part, HTML part):
// golden files testdata/lang/<catalogue>.txt. The HTML names its
// language, and every mail carries the event as event.ics.
func TestGoldenLanguages(t *testing.T) {
	members := []struct{ catalogue, tag, zone, when, in string }{
		{"en", "en-US", "America/New_York", "Mon 30 Nov 2026 19:00 EST", "in 10 minutes"},
		{"ja", "ja-JP", "Asia/Tokyo", "2026年12月1日(火) 09:00 JST", "10分後"},
		{"zh-TW", "zh-Hant-TW", "Asia/Taipei", "2026年12月1日 (週二) 08:00 CST", "10 分鐘後"},
		{"zh-CN", "zh-CN", "Asia/Shanghai", "2026年12月1日 周二 08:00 CST", "10分钟后"},
		{"pt-BR", "pt-BR", "America/Sao_Paulo", "seg., 30 de nov. de 2026, 21:00 UTC-03", "em 10 minutos"},
		{"de", "de-DE", "Europe/Berlin", "Di., 1. Dez. 2026, 01:00 MEZ", "in 10 Minuten"},
		{"fr", "fr-FR", "Europe/Paris", "mar. 1 déc. 2026, 01:00 CET", "dans 10 minutes"},
		{"es", "es-ES", "Europe/Madrid", "mar, 1 dic 2026, 01:00 CET", "en 10 minutos"},
	}
	for _, p := range members {
		srv := smtptest.Start(t, smtptest.Options{})
		ch := newChannel(t, srv, email.TLSNone, "", "")
		m := sample()
		m.To.Language, m.To.TimeZone = p.tag, p.zone
		m.Location, m.PanelURL = "Building 40 <4-S-030>", "https://notify.example.org/"
		if _, err := ch.Send(context.Background(), m); err != nil {
			t.Fatalf("%s: Send: %v", p.catalogue, err)
		}
		r := parse(t, srv.Mails()[0].Data)
		text, html := r.parts["text/plain"], r.parts["text/html"]
		if !strings.Contains(r.subject, p.in) || !strings.Contains(text, p.when) || !strings.Contains(html, p.when) {
			t.Errorf("%s: subject %q, text %q; want %q in the subject, %q in both parts", p.catalogue, r.subject, text, p.in, p.when)
		}
		if want := `<html lang="` + p.catalogue + `">`; !strings.Contains(html, want) || strings.Contains(html, "<4-S-030>") {
			t.Errorf("%s: HTML %q; want %s and the location escaped", p.catalogue, html, want)
		}
		for _, ct := range []string{"text/plain", "text/html"} {
			if cs := r.partTypes[ct]["charset"]; !strings.EqualFold(cs, "utf-8") {
				t.Errorf("%s: %s charset %q; want UTF-8", p.catalogue, ct, cs)
			}
		}
		if _, ok := r.files[email.ICSName]; !ok {
			t.Errorf("%s: no %s", p.catalogue, email.ICSName)
		}
		golden.Check(t, filepath.Join("lang", p.catalogue+".txt"),
			"Subject: "+r.subject+"\n\n"+text+"\n----\n"+html)
	}
}
