package email_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/email"
	"github.com/pfsnotify/pfsnotify/pkg/channel/email/smtptest"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

func TestUntrustedCertificate(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{StartTLS: true, Username: user, Password: password})
	ch, err := email.New(email.Options{
		Host: srv.Host(), Port: srv.Port(), Username: user, Password: password, From: "noreply@notify.example.org",
		TLS: email.TLSStartTLS, Timeout: 5 * time.Second, Templates: templates(t), // system roots only
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.Send(context.Background(), sample())
	if err == nil || !strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), password) {
		t.Errorf("got %v; want a certificate error without the password", err)
	}
	if n := len(srv.Mails()); n != 0 {
		t.Errorf("got %d mails; want 0", n)
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there any more

	ch, err := email.New(email.Options{
		Host: "127.0.0.1", Port: port, From: "noreply@notify.example.org", TLS: email.TLSNone,
		Timeout: 5 * time.Second, Templates: templates(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.Send(context.Background(), sample())
	if got, _ := message.Classify(err); err == nil || got != message.OutcomeRetry {
		t.Errorf("got %v (outcome %v); want an error to retry", err, got)
	}
}

// A server that accepts and never answers must not hold Send past its ctx,
// however long the SMTP timeout.
func TestContextStopsAHangingServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // silent until the test ends
		}
	}()
	ch, err := email.New(email.Options{
		Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "noreply@notify.example.org",
		TLS: email.TLSNone, Timeout: time.Minute, Templates: templates(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err = ch.Send(ctx, sample())
	if elapsed := time.Since(began); elapsed > 10*time.Second {
		t.Errorf("Send took %v; want it to stop with its ctx", elapsed)
	}
	if got, _ := message.Classify(err); !errors.Is(err, context.DeadlineExceeded) || got != message.OutcomeRetry {
		t.Errorf("got %v (outcome %v); want context.DeadlineExceeded, to retry", err, got)
	}
}
