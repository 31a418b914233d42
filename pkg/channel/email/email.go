// Package email sends notifications by SMTP (github.com/wneessen/go-mail):
// one multipart/alternative mail per message, with a text and an HTML part
// rendered from the templates, over implicit TLS, mandatory STARTTLS or a
// plain connection.
package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// The values of Options.TLS (config smtp.tls).
const (
	TLSStartTLS = "starttls" // plain connect, then a mandatory STARTTLS (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption (a relay on the local network)
)

// Options configure the channel; config.SMTP gives most of them.
type Options struct {
	Host     string
	Port     int
	Username string // "" sends without SMTP AUTH
	// Password is a secret: it is sent to the server only, never logged or
	// put in an error. With TLS "none" go-mail refuses to send it (PLAIN,
	// LOGIN) to anything but localhost.
	Password string
	From     string // "pfsnotify <noreply@example.org>"
	TLS      string // TLSStartTLS, TLSImplicit or TLSNone
	// Timeout bounds the connection and each SMTP command; Send also stops
	// when its ctx is done. Required.
	Timeout time.Duration
	// TLSConfig, when set, is cloned for the server connection (e.g. a
	// RootCAs pool for a private CA, or a test server's); nil trusts the
	// system roots. ServerName defaults to Host.
	TLSConfig *tls.Config
	Templates *message.Templates // required
	Now       func() time.Time   // nil: time.Now
}

// Channel sends email. It is safe for concurrent use.
type Channel struct {
	opts   Options
	from   *mail.Address
	domain string // of the sender, for Message-IDs
	tls    *tls.Config
}

// New checks opts and returns the channel. It does not connect: `pfsnotify
// doctor` or the first Send finds out whether the server answers.
func New(opts Options) (*Channel, error) {
	if opts.Host == "" {
		return nil, errors.New("email: smtp host is empty")
	}
	if opts.Port < 1 || opts.Port > 65535 {
		return nil, fmt.Errorf("email: smtp port %d is not a port (use 1 to 65535)", opts.Port)
	}
	switch opts.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("email: smtp tls %q is not supported (use %q, %q or %q)", opts.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	from, err := mail.ParseAddress(opts.From)
	if err != nil {
		return nil, fmt.Errorf("email: smtp from %q is not an email address: %w", opts.From, err)
	}
	if opts.Timeout <= 0 {
		return nil, errors.New("email: timeout must be positive")
	}
	if opts.Templates == nil {
		return nil, errors.New("email: no templates")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cfg := &tls.Config{}
	if opts.TLSConfig != nil {
		cfg = opts.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = opts.Host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	c := &Channel{opts: opts, from: from, domain: from.Address[strings.LastIndexByte(from.Address, '@')+1:], tls: cfg}
	if _, err := c.client(nil); err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	return c, nil
}

// Send mails m to the person's address. Each Send opens its own connection
// and closes it after the one mail; that keeps Send independent and safe to
// run concurrently. A pool of authenticated connections (go-mail's
// DialWithContext + Send + Reset on a kept *smtp.Client, guarded per
// connection and redialled after an error or the server's idle timeout)
// could come later if a burst of mail makes the handshakes matter.
func (c *Channel) Send(ctx context.Context, m message.Message) (message.Receipt, error) {
	addr := strings.TrimSpace(m.To.Email)
	if addr == "" {
		return message.Receipt{}, fmt.Errorf("%w: no email address", message.ErrNoTarget)
	}
	if _, err := mail.ParseAddress(addr); err != nil {
		return message.Receipt{}, fmt.Errorf("%w: email address %q is not valid", message.ErrNoTarget, addr)
	}
	msg, err := c.compose(m, addr)
	if err != nil {
		return message.Receipt{}, err
	}
	if err := ctx.Err(); err != nil {
		return message.Receipt{}, fmt.Errorf("send email to %s: %w", addr, err)
	}

	conns := &connTracker{ctx: ctx}
	defer conns.closeAll()
	client, err := c.client(conns)
	if err != nil {
		return message.Receipt{}, message.Permanent(fmt.Errorf("send email to %s: %w", addr, err))
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if msg.IsDelivered() {
		// The server took the mail (250 after DATA): a failed QUIT must not
		// make the dispatcher send it again.
		return message.Receipt{
			Target:      addr,
			ProviderRef: msg.GetMessageID(),
			Status:      "250",
			Detail:      strings.TrimSpace(msg.ServerResponse()),
		}, nil
	}
	if err == nil {
		err = errors.New("the server did not confirm the mail")
	}
	if cerr := context.Cause(ctx); cerr != nil {
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	return message.Receipt{}, classify(fmt.Errorf("send email to %s: %w", addr, err))
}

// client makes the go-mail client of one Send; conns, when set, dials its
// connections so that they close when the Send's ctx is done.
func (c *Channel) client(conns *connTracker) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(c.opts.Port),
		gomail.WithTimeout(c.opts.Timeout),
		gomail.WithTLSConfig(c.tls),
		gomail.WithoutNoop(), // a fresh connection needs no NOOP before MAIL
		gomail.WithoutRset(), // nor a RSET after its only mail
	}
	if c.opts.TLS == TLSStartTLS {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	} else {
		// Implicit TLS is done by the dialer below, so the connection go-mail
		// gets is a *tls.Conn and it counts as encrypted for AUTH.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if c.opts.Username != "" {
		opts = append(opts,
			gomail.WithUsername(c.opts.Username), gomail.WithPassword(c.opts.Password),
			// The first the server offers, best first; PLAIN and LOGIN only
			// ever go over TLS or to localhost (go-mail checks).
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin, gomail.SMTPAuthCramMD5))
	}
	if conns != nil {
		opts = append(opts, gomail.WithDialContextFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			return conns.dial(ctx, network, addr, c.opts.TLS == TLSImplicit, c.tls)
		}))
	}
	return gomail.NewClient(c.opts.Host, opts...)
}

// connTracker dials the connections of one Send and closes them when the
// Send's ctx is done (go-mail only watches a context while dialling) and
// when the Send returns (go-mail leaves a connection open when EHLO or
// STARTTLS fails).
type connTracker struct {
	ctx   context.Context
	mu    sync.Mutex
	conns []net.Conn
	stops []func() bool
}

func (t *connTracker) dial(ctx context.Context, network, addr string, implicitTLS bool, cfg *tls.Config) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	t.track(conn)
	if !implicitTLS {
		return conn, nil
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	return tc, nil
}

func (t *connTracker) track(conn net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.conns = append(t.conns, conn)
	t.stops = append(t.stops, context.AfterFunc(t.ctx, func() { conn.Close() }))
}

func (t *connTracker) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, conn := range t.conns {
		t.stops[i]()
		conn.Close()
	}
	t.conns, t.stops = nil, nil
}
