package locale

import (
	"strings"
	"testing"
	"time"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDateTime(t *testing.T) {
	c := Embedded()
	at := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 2, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		lang, zone string
		at         time.Time
		want       string
	}{
		{"ja", "Asia/Tokyo", at, "2026年12月3日(木) 19:30 JST"},
		{"de", "Europe/Berlin", at, "Do., 3. Dez. 2026, 11:30 MEZ"},
		{"de", "Europe/Berlin", summer, "Do., 2. Juli 2026, 12:30 MESZ"},
		{"en", "Europe/Berlin", at, "Thu 3 Dec 2026 11:30 CET"},
		{"en", "Asia/Tokyo", at, "Thu 3 Dec 2026 19:30 JST"},
		{"fr", "Europe/Paris", at, "jeu. 3 déc. 2026, 11:30 CET"},
		{"es", "Europe/Madrid", at, "jue, 3 dic 2026, 11:30 CET"},
		{"pt-BR", "America/Sao_Paulo", at, "qui., 3 de dez. de 2026, 07:30 UTC-03"},
		{"zh-TW", "Asia/Taipei", at, "2026年12月3日 (週四) 18:30 CST"},
		{"zh-CN", "Asia/Shanghai", at, "2026年12月3日 周四 18:30 CST"},
		{"en", "Asia/Kathmandu", at, "Thu 3 Dec 2026 16:15 UTC+05:45"},
		{"en", "UTC", at, "Thu 3 Dec 2026 10:30 UTC"},
		{"en", "America/New_York", at, "Thu 3 Dec 2026 05:30 EST"},
	}
	for _, tt := range tests {
		got, err := c.Language(tt.lang).DateTime(tt.at.In(zone(t, tt.zone)))
		if err != nil || got != tt.want {
			t.Errorf("%s in %s: got %q, %v; want %q", tt.lang, tt.zone, got, err, tt.want)
		}
	}
}

func TestSpoken(t *testing.T) {
	c := Embedded()
	at := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		lang, zone, want, clock string
	}{
		{"en", "Europe/Berlin", "Thursday 3 December at 11:30, CET", "11:30"},
		{"ja", "Asia/Tokyo", "12月3日木曜日、19時30分、JST", "19時30分"},
		{"de", "Europe/Berlin", "Donnerstag, den 3. Dezember, um 11:30 Uhr MEZ", "11:30 Uhr"},
	}
	for _, tt := range tests {
		l := c.Language(tt.lang)
		local := at.In(zone(t, tt.zone))
		got, err := l.SpokenDateTime(local)
		if err != nil || got != tt.want {
			t.Errorf("%s: SpokenDateTime = %q, %v; want %q", tt.lang, got, err, tt.want)
		}
		if got, err := l.SpokenClock(local); err != nil || got != tt.clock {
			t.Errorf("%s: SpokenClock = %q, %v; want %q", tt.lang, got, err, tt.clock)
		}
	}
}

func TestRelative(t *testing.T) {
	c := Embedded()
	tests := []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"en", time.Minute, "in 1 minute"},
		{"en", 10 * time.Minute, "in 10 minutes"},
		{"en", 90 * time.Minute, "in 1 hour 30 minutes"},
		{"en", 25*time.Hour + time.Minute, "in 1 day 1 hour"},
		{"en", 49*time.Hour + 40*time.Minute, "in 2 days 2 hours"},
		{"es", 49*time.Hour + 40*time.Minute, "en 2 días y 2 horas"},
		{"ja", 24 * time.Hour, "1日後"},
		{"en", 10 * time.Second, "now"},
		{"en", -time.Minute, "now"},
		{"ja", time.Minute, "1分後"},
		{"ja", 10 * time.Minute, "10分後"},
		{"ja", 90 * time.Minute, "1時間30分後"},
		{"de", time.Minute, "in 1 Minute"},
		{"de", 10 * time.Minute, "in 10 Minuten"},
		{"de", 2 * 24 * time.Hour, "in 2 Tagen"},
		{"fr", time.Minute, "dans 1 minute"},
		{"fr", 10 * time.Minute, "dans 10 minutes"},
		{"es", 70 * time.Minute, "en 1 hora y 10 minutos"},
		{"pt-BR", 10 * time.Minute, "em 10 minutos"},
		{"zh-TW", 10 * time.Minute, "10 分鐘後"},
		{"zh-CN", 10 * time.Minute, "10分钟后"},
	}
	for _, tt := range tests {
		got, err := c.Language(tt.lang).In(tt.d)
		if err != nil || got != tt.want {
			t.Errorf("%s: In(%v) = %q, %v; want %q", tt.lang, tt.d, got, err, tt.want)
		}
	}
}

func TestUTCOffset(t *testing.T) {
	for offset, want := range map[int]string{0: "UTC", 9 * 3600: "UTC+09", -3 * 3600: "UTC-03", 5*3600 + 30*60: "UTC+05:30", -(9*3600 + 30*60): "UTC-09:30"} {
		if got := UTCOffset(offset); got != want {
			t.Errorf("UTCOffset(%d) = %q; want %q", offset, got, want)
		}
	}
	if got := ZoneName(Reference, time.Date(2026, 1, 1, 0, 0, 0, 0, zone(t, "America/Sao_Paulo"))); !strings.HasPrefix(got, "UTC-03") {
		t.Errorf("São Paulo: got %q; want UTC-03", got)
	}
}
