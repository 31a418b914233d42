package message

import (
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// BenchmarkRenderPush is the cost of a push's two texts (title and body),
// what invoke renders for every Web Push, for an English and a Japanese
// member (bench/README.md, "Languages").
func BenchmarkRenderPush(b *testing.B) {
	tmpl, err := NewTemplates(config.Templates{})
	if err != nil {
		b.Fatal(err)
	}
	for _, lang := range []string{"en-US", "ja-JP"} {
		b.Run(lang, func(b *testing.B) {
			m := sample(KindReminder)
			m.To.Language = lang
			now := m.StartAt.Add(-10 * time.Minute)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tmpl.Render(PushTitle, m, now); err != nil {
					b.Fatal(err)
				}
				if _, err := tmpl.Render(PushBody, m, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
