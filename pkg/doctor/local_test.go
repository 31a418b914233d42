package doctor

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("public_url: https://notify.example.org\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	secrets := []string{"twilio.auth_token"}
	tests := []struct {
		name string
		cf   ConfigFile
		want want
	}{
		{"private file with secrets", ConfigFile{Path: file("a.yaml", 0o600), Secrets: secrets}, want{OK, "mode 0600", ""}},
		{"group-readable with secrets", ConfigFile{Path: file("b.yaml", 0o640), Secrets: secrets}, want{OK, "mode 0640", ""}},
		{"world-readable without secrets", ConfigFile{Path: file("c.yaml", 0o644)}, want{OK, "mode 0644", ""}},
		{"world-readable with secrets", ConfigFile{Path: file("d.yaml", 0o644), Secrets: secrets}, want{Fail, "twilio.auth_token", "chmod 600"}},
		{"world-writable", ConfigFile{Path: file("e.yaml", 0o666)}, want{Fail, "writable by every user", "chmod 600"}},
		{"group-writable with secrets", ConfigFile{Path: file("f.yaml", 0o660), Secrets: secrets}, want{Warn, "writable by its group", "chmod g-w"}},
		{"no file", ConfigFile{Searched: []string{"./pfsnotify.yaml", "/etc/pfsnotify/config.yaml"}}, want{Warn, "/etc/pfsnotify/config.yaml", "examples/pfsnotify.yaml"}},
		{"broken", ConfigFile{Path: "x.yaml", Err: errors.New(`config x.yaml: line 2: unknown key "log.levle"`)}, want{Fail, "log.levle", "fix the file"}},
		{"gone", ConfigFile{Path: filepath.Join(dir, "gone.yaml")}, want{Fail, "gone", "restore"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expect(t, ConfigCheck(tt.cf), tt.want) })
	}
}

func TestPublicURLCheck(t *testing.T) {
	calls := []string{"calls"}
	tests := []struct {
		raw    string
		needed []string
		want   want
	}{
		{"https://notify.example.org", calls, want{OK, "https://notify.example.org", ""}},
		{"", nil, want{OK, "nothing configured needs it", ""}},
		{"", calls, want{Fail, "calls need it", "set public_url"}},
		{"http://notify.example.org", calls, want{Warn, "not https", "TLS"}},
		{"notify.example.org", calls, want{Fail, "not an absolute http(s) URL", "https://"}},
		{"ftp://notify.example.org", calls, want{Fail, "not an absolute", "https://"}},
		{"https://notify.example.org/?x=1", calls, want{Fail, "query", "keep only"}},
		{"https://127.0.0.1:8080", calls, want{Warn, "local address", "public name"}},
		{"https://10.1.2.3", calls, want{Warn, "local address", "public name"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) { expect(t, PublicURLCheck(tt.raw, tt.needed), tt.want) })
	}
}

func TestVAPIDCheck(t *testing.T) {
	pair := func() (pub, priv string) {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(k.Bytes())
	}
	pub, priv := pair()
	otherPub, _ := pair()
	const subject = "mailto:admin@example.org"
	tests := []struct {
		name string
		c    config.WebPush
		want want
	}{
		{"a pair", config.WebPush{PublicKey: pub, PrivateKey: priv, Subject: subject}, want{OK, "P-256 pair", ""}},
		{"a pair, padded", config.WebPush{PublicKey: pub + "=", PrivateKey: priv + "=", Subject: subject}, want{OK, "P-256 pair", ""}},
		{"not configured", config.WebPush{}, want{OK, "push notifications are off", ""}},
		{"keys of two pairs", config.WebPush{PublicKey: otherPub, PrivateKey: priv, Subject: subject}, want{Fail, "not the public key of", "vapid generate"}},
		{"only the public key", config.WebPush{PublicKey: pub, Subject: subject}, want{Fail, "only one", "vapid generate"}},
		{"a truncated public key", config.WebPush{PublicKey: pub[:40], PrivateKey: priv, Subject: subject}, want{Fail, "webpush.public_key is not", "vapid generate"}},
		{"garbage private key", config.WebPush{PublicKey: pub, PrivateKey: "not*base64", Subject: subject}, want{Fail, "webpush.private_key is not", "vapid generate"}},
		{"a private key of zeros", config.WebPush{PublicKey: pub, PrivateKey: base64.RawURLEncoding.EncodeToString(make([]byte, 32)), Subject: subject},
			want{Fail, "not a valid P-256 key", "vapid generate"}},
		{"no subject", config.WebPush{PublicKey: pub, PrivateKey: priv}, want{Fail, "webpush.subject is empty", "mailto:"}},
		{"an odd subject", config.WebPush{PublicKey: pub, PrivateKey: priv, Subject: "admin"}, want{Warn, "neither", "mailto:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range expect(t, VAPIDCheck(tt.c), tt.want) {
				if tt.c.PrivateKey != "" && (strings.Contains(r.Detail, tt.c.PrivateKey) || strings.Contains(r.Fix, tt.c.PrivateKey)) {
					t.Errorf("got %q; the private key must never be shown", r.Detail)
				}
			}
		})
	}
}

func TestJobsCheck(t *testing.T) {
	write := func(p, content string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("systemd timers enabled", func(t *testing.T) {
		etc := t.TempDir()
		for _, job := range []string{"invoke", "calendar-sync"} {
			write(filepath.Join(etc, "pfsnotify-"+job+".timer"), "[Timer]\n")
			link(filepath.Join(etc, "pfsnotify-"+job+".timer"), filepath.Join(etc, "timers.target.wants", "pfsnotify-"+job+".timer"))
		}
		expect(t, JobsCheck(Jobs{SystemdDirs: []string{etc}, WantsCalendarSync: true}),
			want{OK, "pfsnotify-invoke.timer is enabled", ""}, want{OK, "pfsnotify-calendar-sync.timer is enabled", ""})
	})
	t.Run("a timer installed, not enabled", func(t *testing.T) {
		etc := t.TempDir()
		write(filepath.Join(etc, "pfsnotify-invoke.timer"), "[Timer]\n")
		expect(t, JobsCheck(Jobs{SystemdDirs: []string{etc}}),
			want{Fail, "installed but not enabled", "systemctl enable --now pfsnotify-invoke.timer"},
			want{OK, "nothing needs it", ""})
	})
	t.Run("crontab", func(t *testing.T) {
		dir := t.TempDir()
		write(filepath.Join(dir, "cron.d", "pfsnotify"), "# m h dom mon dow user command\n"+
			"# * * * * * pfsnotify pfsnotify calendar-sync -q\n"+
			"* * * * * pfsnotify pfsnotify --config /etc/pfsnotify/config.yaml invoke -q\n")
		expect(t, JobsCheck(Jobs{CronFiles: []string{filepath.Join(dir, "cron.d", "*")}, WantsCalendarSync: true}),
			want{OK, "cron.d/pfsnotify:3", ""},
			want{Fail, "neither a systemd timer", "examples/crontab"})
	})
	t.Run("nothing", func(t *testing.T) {
		expect(t, JobsCheck(Jobs{SystemdDirs: []string{t.TempDir()}, CronFiles: []string{filepath.Join(t.TempDir(), "*")}}),
			want{Fail, "neither a systemd timer (pfsnotify-invoke.timer) nor a crontab line", "contrib/systemd/pfsnotify-invoke.timer"},
			want{OK, "nothing needs it", ""})
	})
}
