package main

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/channel/email/smtptest"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/doctor"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// doctor over a whole configuration: the fake Twilio, a real SMTP server,
// an ICS feed over HTTP, a VAPID pair, a crontab, a migrated database.
func TestDoctor(t *testing.T) {
	twilio := twiliotest.New(t, twiliotest.Config{})
	smtp := smtptest.Start(t, smtptest.Options{Username: "pfsnotify", Password: "mail-s3cret"})
	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1@test\r\nDTSTAMP:20261201T000000Z\r\n" +
		"DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	ics := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/events.ics" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(feed))
	}))
	defer ics.Close()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString

	c := newCLI(t, storetest.SQLiteConfig(t))
	dir := t.TempDir()
	crontab := filepath.Join(dir, "crontab")
	if err := os.WriteFile(crontab, []byte("* * * * * pfsnotify invoke -q\n*/5 * * * * pfsnotify calendar-sync -q\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := func(authToken, fromNumber string, mode os.FileMode) string {
		return writeConfigFile(t, "config.yaml", fmt.Sprintf(`public_url: https://notify.example.org
twilio:
  account_sid: %s
  auth_token: %s
  from_number: "%s"
  api_url: %s
webpush:
  public_key: %s
  private_key: %s
  subject: mailto:admin@example.org
smtp:
  host: %s
  port: %d
  tls: none
  username: pfsnotify
  password: mail-s3cret
  from: pfsnotify <noreply@example.org>
`, twilio.AccountSID(), authToken, fromNumber, twilio.URL, b64(key.PublicKey().Bytes()), b64(key.Bytes()), smtp.Host(), smtp.Port()), mode)
	}
	good := config(twilio.AuthToken(), twiliotest.FromNumber, 0o600)
	jobs := []string{"--systemd-dir", dir, "--crontab", crontab}

	// No database yet: doctor says so and makes none.
	fresh := newCLI(t, storetest.SQLiteConfig(t))
	absent := filepath.Join(t.TempDir(), "absent.db")
	fresh.env = append(fresh.env, "PFSNOTIFY_DATABASE_DSN="+absent)
	out, _, code := fresh.run(append([]string{"--config", good, "doctor"}, jobs...)...)
	if _, err := os.Stat(absent); code != 1 || !strings.Contains(out, "does not exist") || err == nil {
		t.Errorf("doctor without the SQLite file: exit %d, file made: %v; want 1, and no file\n%s", code, err == nil, out)
	}

	// Before db migrate: the database check says what to do.
	out, _, code = c.run(append([]string{"--config", good, "doctor"}, jobs...)...)
	if code != 1 || !strings.Contains(out, "pfsnotify db migrate") {
		t.Errorf("doctor before db migrate: exit %d; want 1 and the fix\n%s", code, out)
	}
	c.ok("--config", good, "db", "migrate")
	c.ok("--config", good, "calendar", "add", "--ics", ics.URL+"/events.ics", "--name", "indico", "--tz", "Europe/Zurich")

	out = c.ok(append([]string{"--config", good, "doctor"}, jobs...)...)
	for _, check := range []string{"config", "database", "clock", "public_url", "twilio", "vapid", "smtp", "calendar indico", "jobs invoke", "jobs calendar-sync"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "ok    "+check+" ") {
				found = true
			}
		}
		if !found {
			t.Errorf("doctor: got no ok line for %s\n%s", check, out)
		}
	}
	for _, secret := range []string{twilio.AuthToken(), "mail-s3cret", b64(key.Bytes())} {
		if strings.Contains(out, secret) {
			t.Errorf("doctor shows a secret:\n%s", out)
		}
	}
	if n := len(smtp.Mails()); n != 0 {
		t.Errorf("doctor sent %d mails; want none", n)
	}

	// A wrong token, a number of another account and a readable file: exit 1, JSON says which.
	bad := config("ffffffffffffffffffffffffffffffff", "+41225550100", 0o644)
	out, _, code = c.run(append([]string{"--config", bad, "doctor", "-o", "json"}, jobs...)...)
	if code != 1 {
		t.Errorf("doctor with a wrong token: exit %d; want 1\n%s", code, out)
	}
	var results []doctor.Result
	if err := jsonUnmarshal(out, &results); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, out)
	}
	status := map[string]doctor.Status{}
	for _, r := range results {
		status[r.Check] = r.Status
	}
	if status["twilio"] != doctor.Fail || status["config"] != doctor.Fail || status["smtp"] != doctor.OK || status["database"] != doctor.OK {
		t.Errorf("doctor -o json: got %v; want twilio and config fail, smtp and database ok", status)
	}

	// A broken config file is the first finding, not a usage error.
	broken := writeConfigFile(t, "broken.yaml", "log:\n  levle: debug\n", 0o600)
	out, _, code = c.run("--config", broken, "doctor")
	if code != 1 || !strings.HasPrefix(out, "fail  config") || !strings.Contains(out, "log.levle") {
		t.Errorf("doctor with a broken config: exit %d; want 1 and a config failure naming the key\n%s", code, out)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
