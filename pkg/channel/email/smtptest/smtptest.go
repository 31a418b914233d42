// Package smtptest runs a real SMTP server in-process for tests: it listens
// on 127.0.0.1, speaks ESMTP through github.com/emersion/go-smtp, optionally
// requires AUTH PLAIN, offers STARTTLS or implicit TLS with a certificate it
// makes itself, records every mail it accepts, and can be told to refuse a
// recipient (550) or to defer the next mails (451).
package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options choose what the server demands and offers.
type Options struct {
	// Username and Password, when Username is set, make AUTH PLAIN with
	// exactly these credentials a condition of MAIL FROM.
	Username, Password string
	// StartTLS offers STARTTLS; AUTH is then only offered after it.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte (smtps, port 465 style).
	ImplicitTLS bool
}

// Mail is one message the server accepted.
type Mail struct {
	From     string   // the envelope sender (MAIL FROM)
	To       []string // the envelope recipients (RCPT TO)
	Data     []byte   // the message as received, headers and body
	TLS      bool     // whether the session was encrypted
	Username string   // who authenticated, "" without AUTH
}

// Server is a running test SMTP server.
type Server struct {
	opts  Options
	srv   *smtp.Server
	ln    net.Listener
	roots *x509.CertPool // trusts the server's certificate; nil without TLS

	mu       sync.Mutex
	mails    []Mail
	rejected map[string]bool // lower-cased recipient addresses answered 550
	defer451 int             // mails still to answer 451 at the end of DATA
	sessions int
}

// Start runs a server on 127.0.0.1 with an ephemeral port and stops it when
// the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("start test smtp server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New runs a server on 127.0.0.1 with an ephemeral port; Close stops it.
func New(opts Options) (*Server, error) {
	s := &Server{opts: opts, rejected: make(map[string]bool)}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "smtptest.localhost"
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.MaxRecipients = 10
	s.srv.ErrorLog = log.New(io.Discard, "", 0)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if opts.StartTLS || opts.ImplicitTLS {
		cert, roots, err := selfSigned(time.Now())
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.roots = roots
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if opts.StartTLS {
			s.srv.TLSConfig = cfg
		}
		if opts.ImplicitTLS {
			ln = tls.NewListener(ln, cfg)
		}
	}
	// Without any TLS, AUTH is allowed in the clear (the client only sends a
	// password in the clear to localhost).
	s.srv.AllowInsecureAuth = !opts.StartTLS && !opts.ImplicitTLS
	s.ln = ln
	go s.srv.Serve(ln) //nolint:errcheck // returns when Close closes the listener
	return s, nil
}

// Close stops the server and drops its connections.
func (s *Server) Close() { s.srv.Close() }

// Host is the address the server listens on: "127.0.0.1".
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// RootCAs trusts the server's self-signed certificate (valid for 127.0.0.1,
// ::1 and localhost); nil for a server without TLS.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// ClientTLSConfig is a client configuration that trusts the server.
func (s *Server) ClientTLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12}
}

// RejectRecipient makes RCPT TO addr answer 550 5.1.1 from now on.
func (s *Server) RejectRecipient(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[strings.ToLower(addr)] = true
}

// Defer makes the next n mails end with 451 4.3.0 after their DATA: the
// server receives them and does not keep them.
func (s *Server) Defer(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defer451 = n
}

// Mails returns a copy of the mails accepted so far, oldest first.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Mail, len(s.mails))
	for i, m := range s.mails {
		m.To = append([]string(nil), m.To...)
		m.Data = append([]byte(nil), m.Data...)
		out[i] = m
	}
	return out
}

// Sessions counts the SMTP sessions opened (one per EHLO/HELO after connect
// or STARTTLS).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

var (
	errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	errNoSuchUser   = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	errTryLater     = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
)

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	_, isTLS := c.TLSConnectionState()
	return &session{s: s, tls: isTLS}, nil
}

// session is one SMTP conversation; go-smtp calls it from one goroutine.
type session struct {
	s    *Server
	tls  bool
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.s.opts.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && ss.user == "" {
		return errAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	rejected := ss.s.rejected[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if rejected {
		return errNoSuchUser
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.defer451 > 0 {
		ss.s.defer451--
		return errTryLater
	}
	ss.s.mails = append(ss.s.mails, Mail{
		From: ss.from, To: append([]string(nil), ss.to...), Data: data, TLS: ss.tls, Username: ss.user,
	})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

var _ smtp.AuthSession = (*session)(nil)
