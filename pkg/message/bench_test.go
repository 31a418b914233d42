package message

import (
	"fmt"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// BenchmarkRenderPush is the cost of a push's two texts (title and body),
// what invoke renders for every Web Push, for an English and a Japanese
// member (bench/README.md, "Languages"): "shared" is one reminder to many
// people of one language and zone (a group, a message sent now: the memo
// gives the texts rendered for the first), "each new" a reminder of a
// different event every time (rendered every time; the memo only adds its
// bookkeeping).
func BenchmarkRenderPush(b *testing.B) {
	tmpl, err := NewTemplates(config.Templates{})
	if err != nil {
		b.Fatal(err)
	}
	titles := make([]string, 2*memoSize)
	for i := range titles {
		titles[i] = fmt.Sprintf("Telecon %d", i)
	}
	for _, lang := range []string{"en-US", "ja-JP"} {
		for _, shared := range []bool{true, false} {
			name := lang + "/each-new"
			if shared {
				name = lang + "/shared"
			}
			b.Run(name, func(b *testing.B) {
				m := sample(KindReminder)
				m.To.Language = lang
				now := m.StartAt.Add(-10 * time.Minute)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					m.DeliveryID++
					if !shared {
						m.Title = titles[i%len(titles)]
						i++
					}
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
}
