package smtptest_test

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/channel/email/smtptest"
)

// The server is checked with the standard library's client, a peer that
// shares no code with the email channel.

func dial(t *testing.T, srv *smtptest.Server) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	return c
}

func send(c *smtp.Client, from, to, data string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(data)); err != nil {
		return err
	}
	return w.Close()
}

func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestRecordsAMail(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	c := dial(t, srv)
	if err := send(c, "a@example.org", "b@example.org", "Subject: hi\r\n\r\nhello\r\n"); err != nil {
		t.Fatalf("send: %v", err)
	}
	mails := srv.Mails()
	if len(mails) != 1 {
		t.Fatalf("got %d mails; want 1", len(mails))
	}
	m := mails[0]
	if m.From != "a@example.org" || len(m.To) != 1 || m.To[0] != "b@example.org" || m.TLS || m.Username != "" {
		t.Errorf("got %+v; want a@example.org -> [b@example.org], no TLS, no user", m)
	}
	if got, want := string(m.Data), "Subject: hi\r\n\r\nhello\r\n"; got != want {
		t.Errorf("got data %q; want %q", got, want)
	}
}

func TestStartTLSAndAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{StartTLS: true, Username: "u", Password: "p"})
	secure := func() *smtp.Client {
		c := dial(t, srv)
		if ok, _ := c.Extension("AUTH"); ok {
			t.Errorf("got AUTH offered before STARTTLS; want it only after")
		}
		cfg := srv.ClientTLSConfig()
		cfg.ServerName = srv.Host()
		if err := c.StartTLS(cfg); err != nil {
			t.Fatalf("STARTTLS: %v", err)
		}
		return c
	}

	c := secure()
	if err := c.Mail("a@example.org"); code(err) != 530 {
		t.Errorf("MAIL before AUTH: got %v; want 530", err)
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "wrong", srv.Host())); code(err) != 535 {
		t.Errorf("AUTH with a wrong password: got %v; want 535", err)
	}

	c = secure()
	if err := c.Auth(smtp.PlainAuth("", "u", "p", srv.Host())); err != nil {
		t.Fatalf("AUTH: %v", err)
	}
	if err := send(c, "a@example.org", "b@example.org", "\r\nhello\r\n"); err != nil {
		t.Fatalf("send: %v", err)
	}
	if m := srv.Mails(); len(m) != 1 || !m[0].TLS || m[0].Username != "u" {
		t.Errorf("got %+v; want one mail over TLS from u", m)
	}
}

func TestRejectAndDefer(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	srv.RejectRecipient("Nobody@Example.org")
	srv.Defer(2)
	c := dial(t, srv)
	tests := []struct {
		to   string
		want int
	}{
		{"nobody@example.org", 550},
		{"b@example.org", 451},
		{"b@example.org", 451},
		{"b@example.org", 0},
	}
	for i, tt := range tests {
		err := send(c, "a@example.org", tt.to, "\r\nhello\r\n")
		if code(err) != tt.want || (tt.want == 0 && err != nil) {
			t.Errorf("mail %d to %s: got %v; want code %d", i, tt.to, err, tt.want)
		}
		if err != nil {
			c.Reset()
		}
	}
	if n := len(srv.Mails()); n != 1 {
		t.Errorf("got %d mails kept; want 1", n)
	}
}
