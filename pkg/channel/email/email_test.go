package email_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/email"
	"github.com/pfsnotify/pfsnotify/pkg/channel/email/smtptest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

const (
	user     = "pfs-mailer"
	password = "S3cret-smtp-Pa55"
)

var (
	start = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) // 09:00 in Tokyo
	now   = start.Add(-10 * time.Minute)
)

var _ dispatch.Channel = (*email.Channel)(nil)

func sample() message.Message {
	return message.Message{
		DeliveryID: 42, RegistrationID: 3, Kind: message.KindReminder, Channel: "email", Attempt: 1,
		To:    message.Recipient{UserID: 1, Login: "alice", Name: "Alice Liddell", Email: "alice@example.org", TimeZone: "Asia/Tokyo"},
		Title: "Detector review", Note: "Room 4-S-030", URL: "https://meet.example.org/r?a=1&b=2", StartAt: start,
		Lead: 10 * time.Minute, AckURL: "https://notify.example.org/ack/tok",
	}
}

func templates(t *testing.T) *message.Templates {
	t.Helper()
	tmpl, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// newChannel makes a channel for srv with tlsMode, trusting srv's certificate.
func newChannel(t *testing.T, srv *smtptest.Server, tlsMode, username, pass string) *email.Channel {
	t.Helper()
	ch, err := email.New(email.Options{
		Host: srv.Host(), Port: srv.Port(), Username: username, Password: pass,
		From: "pfsnotify <noreply@notify.example.org>", TLS: tlsMode, Timeout: 5 * time.Second,
		TLSConfig: srv.ClientTLSConfig(), Templates: templates(t), Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ch
}

// received is a mail as a reader sees it.
type received struct {
	header    mail.Header
	subject   string
	to        []*mail.Address
	mediaType string
	parts     map[string]string            // content type -> decoded body
	partTypes map[string]map[string]string // content type -> its parameters
	files     map[string]string            // attachment file name -> decoded body
	nested    []string                     // the multipart types within
}

func parse(t *testing.T, data []byte) received {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, data)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil {
		t.Fatalf("parse To: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("parse Content-Type: %v", err)
	}
	r := received{header: msg.Header, subject: subject, to: to, mediaType: mediaType, parts: map[string]string{},
		partTypes: map[string]map[string]string{}, files: map[string]string{}}
	if strings.HasPrefix(mediaType, "multipart/") {
		r.readParts(t, msg.Body, params["boundary"])
	}
	return r
}

// readParts reads the parts of a multipart body, and those of the
// multipart parts within it.
func (r *received) readParts(t *testing.T, body io.Reader, boundary string) {
	t.Helper()
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		ct, params, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type %q: %v", p.Header.Get("Content-Type"), err)
		}
		if strings.HasPrefix(ct, "multipart/") {
			r.nested = append(r.nested, ct)
			r.readParts(t, p, params["boundary"])
			continue
		}
		data, err := io.ReadAll(p) // quoted-printable is decoded by multipart
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			if data, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(data)), "")); err != nil {
				t.Fatalf("base64 part: %v", err)
			}
		}
		if name := p.FileName(); name != "" {
			r.files[name] = string(data)
		}
		r.parts[ct] = string(data)
		r.partTypes[ct] = params
	}
}

func TestSendDelivers(t *testing.T) {
	tests := []struct {
		name     string
		server   smtptest.Options
		tls      string
		username string
		wantTLS  bool
	}{
		{"plain", smtptest.Options{}, email.TLSNone, "", false},
		{"plain with auth to localhost", smtptest.Options{Username: user, Password: password}, email.TLSNone, user, false},
		{"starttls with auth", smtptest.Options{StartTLS: true, Username: user, Password: password}, email.TLSStartTLS, user, true},
		{"implicit tls with auth", smtptest.Options{ImplicitTLS: true, Username: user, Password: password}, email.TLSImplicit, user, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.server)
			ch := newChannel(t, srv, tt.tls, tt.username, password)
			rcpt, err := ch.Send(context.Background(), sample())
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if rcpt.Target != "alice@example.org" || rcpt.Status != "250" || !strings.HasPrefix(rcpt.ProviderRef, "<pfsnotify.42.1.") {
				t.Errorf("got receipt %+v; want target alice@example.org, status 250, the Message-ID", rcpt)
			}
			mails := srv.Mails()
			if len(mails) != 1 {
				t.Fatalf("got %d mails; want 1", len(mails))
			}
			got := mails[0]
			if got.From != "noreply@notify.example.org" || len(got.To) != 1 || got.To[0] != "alice@example.org" {
				t.Errorf("got envelope from %q to %q; want noreply@notify.example.org to [alice@example.org]", got.From, got.To)
			}
			if got.TLS != tt.wantTLS || got.Username != tt.username {
				t.Errorf("got TLS %v, user %q; want %v, %q", got.TLS, got.Username, tt.wantTLS, tt.username)
			}
			r := parse(t, got.Data)
			if id := r.header.Get("Message-ID"); id != rcpt.ProviderRef {
				t.Errorf("got Message-ID %q; want the receipt's %q", id, rcpt.ProviderRef)
			}
		})
	}
}

func TestMailContent(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	ch := newChannel(t, srv, email.TLSNone, "", "")
	m := sample()
	m.Title = `<script>alert("x")</script> Tom & Jerry`
	m.To.Name = "Ålice Liddell"
	if _, err := ch.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	mails := srv.Mails()
	if len(mails) != 1 {
		t.Fatalf("got %d mails; want 1", len(mails))
	}
	r := parse(t, mails[0].Data)

	if r.mediaType != "multipart/mixed" || len(r.nested) != 1 || r.nested[0] != "multipart/alternative" {
		t.Errorf("got Content-Type %q around %v; want multipart/mixed around multipart/alternative", r.mediaType, r.nested)
	}
	if want := `Reminder: <script>alert("x")</script> Tom & Jerry in 10 minutes`; r.subject != want {
		t.Errorf("got Subject %q; want %q", r.subject, want)
	}
	if len(r.to) != 1 || r.to[0].Name != "Ålice Liddell" || r.to[0].Address != "alice@example.org" {
		t.Errorf("got To %v; want Ålice Liddell <alice@example.org>", r.to)
	}
	for header, want := range map[string]string{
		"Auto-Submitted":       "auto-generated",
		"X-PFSNotify-Delivery": "42",
		"From":                 `"pfsnotify" <noreply@notify.example.org>`,
		"Date":                 "Mon, 30 Nov 2026 23:50:00 +0000",
	} {
		if got := r.header.Get(header); got != want {
			t.Errorf("got %s %q; want %q", header, got, want)
		}
	}
	if id := r.header.Get("Message-ID"); !strings.HasPrefix(id, "<pfsnotify.42.1.") || !strings.HasSuffix(id, "@notify.example.org>") {
		t.Errorf("got Message-ID %q; want <pfsnotify.42.1.…@notify.example.org>", id)
	}

	text, html := r.parts["text/plain"], r.parts["text/html"]
	for _, want := range []string{"Hello Ålice Liddell,", `<script>alert("x")</script> Tom & Jerry starts in 10 minutes`,
		"Join: https://meet.example.org/r?a=1&b=2", "Got it: https://notify.example.org/ack/tok"} {
		if !strings.Contains(text, want) {
			t.Errorf("got text part %q; want it to contain %q", text, want)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Tom &amp; Jerry",
		`<a href="https://meet.example.org/r?a=1&amp;b=2">Join the meeting</a>`} {
		if !strings.Contains(html, want) {
			t.Errorf("got HTML part %q; want it to contain %q", html, want)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Errorf("got HTML part %q; want the title escaped", html)
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name    string
		server  smtptest.Options
		tls     string
		pass    string
		prepare func(srv *smtptest.Server, m *message.Message)
		want    message.Outcome
		wantErr string
	}{
		{"rejected recipient", smtptest.Options{}, email.TLSNone, "",
			func(srv *smtptest.Server, m *message.Message) { srv.RejectRecipient(m.To.Email) },
			message.OutcomePermanent, "550"},
		{"deferred with 451", smtptest.Options{}, email.TLSNone, "",
			func(srv *smtptest.Server, _ *message.Message) { srv.Defer(1) },
			message.OutcomeRetry, "451"},
		{"wrong password", smtptest.Options{StartTLS: true, Username: user, Password: "other"}, email.TLSStartTLS, password,
			nil, message.OutcomePermanent, "535"},
		{"no email address", smtptest.Options{}, email.TLSNone, "",
			func(_ *smtptest.Server, m *message.Message) { m.To.Email = "" },
			message.OutcomeNoTarget, "no target: no email address"},
		{"invalid email address", smtptest.Options{}, email.TLSNone, "",
			func(_ *smtptest.Server, m *message.Message) { m.To.Email = "alice at example" },
			message.OutcomeNoTarget, "not valid"},
		{"starttls not offered", smtptest.Options{}, email.TLSStartTLS, "",
			nil, message.OutcomeRetry, "STARTTLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.server)
			username := ""
			if tt.pass != "" {
				username = user
			}
			ch := newChannel(t, srv, tt.tls, username, tt.pass)
			m := sample()
			if tt.prepare != nil {
				tt.prepare(srv, &m)
			}
			_, err := ch.Send(context.Background(), m)
			if err == nil {
				t.Fatalf("Send: got no error; want one containing %q", tt.wantErr)
			}
			if got, _ := message.Classify(err); got != tt.want || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v (outcome %v); want outcome %v and an error containing %q", err, got, tt.want, tt.wantErr)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("got %v; want the password absent", err)
			}
			if n := len(srv.Mails()); n != 0 {
				t.Errorf("got %d mails kept; want 0", n)
			}
			if tt.want == message.OutcomeNoTarget && srv.Sessions() != 0 {
				t.Errorf("got %d sessions; want no connection for a person without an address", srv.Sessions())
			}
		})
	}
}

func TestRetryAfter451Delivers(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	srv.Defer(1)
	ch := newChannel(t, srv, email.TLSNone, "", "")
	if _, err := ch.Send(context.Background(), sample()); err == nil {
		t.Fatal("first Send: got no error; want the 451")
	}
	if _, err := ch.Send(context.Background(), sample()); err != nil {
		t.Fatalf("second Send: %v", err)
	}
	if n := len(srv.Mails()); n != 1 {
		t.Errorf("got %d mails; want 1", n)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tmpl := templates(t)
	good := email.Options{Host: "mail.example.org", Port: 587, From: "noreply@example.org", TLS: email.TLSStartTLS,
		Timeout: time.Second, Templates: tmpl, Password: password}
	tests := []struct {
		name    string
		change  func(o *email.Options)
		wantErr string
	}{
		{"no host", func(o *email.Options) { o.Host = "" }, "host is empty"},
		{"port", func(o *email.Options) { o.Port = 0 }, "port 0"},
		{"tls", func(o *email.Options) { o.TLS = "ssl" }, `tls "ssl"`},
		{"from", func(o *email.Options) { o.From = "pfsnotify" }, `from "pfsnotify"`},
		{"timeout", func(o *email.Options) { o.Timeout = 0 }, "timeout"},
		{"templates", func(o *email.Options) { o.Templates = nil }, "templates"},
	}
	for _, tt := range tests {
		opts := good
		tt.change(&opts)
		_, err := email.New(opts)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), password) {
			t.Errorf("%s: got %v; want an error containing %q", tt.name, err, tt.wantErr)
		}
	}
	if _, err := email.New(good); err != nil {
		t.Errorf("New(good) = %v; want no error", err)
	}
}
