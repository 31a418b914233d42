package doctor

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// SMTPCheck connects to the SMTP server of c, says EHLO, starts TLS as
// smtp.tls asks, signs in when smtp.username is set, and says QUIT: no mail
// is sent. tlsConfig, when set, is the TLS configuration to use (tests
// trust their server's certificate with it); nil trusts the system's roots.
func SMTPCheck(c config.SMTP, tlsConfig *tls.Config) Check {
	const name = "smtp"
	return Check{Name: name, Run: func(ctx context.Context) []Result {
		if c.Host == "" {
			return one(ok(name, "not configured: email is off"))
		}
		where := fmt.Sprintf("%s:%d", c.Host, c.Port)
		client, err := smtpClient(c, tlsConfig)
		if err != nil {
			return one(failf(name, "%s: %v", "check the smtp section (host, port, tls, username)", where, err))
		}
		if err := client.DialWithContext(ctx); err != nil {
			return one(smtpFailure(name, where, c, err))
		}
		if err := client.Close(); err != nil {
			return one(warnf(name, "%s signed in, but QUIT failed: %v", "nothing to do unless mail fails", where, err))
		}
		how := "without signing in"
		if c.Username != "" {
			how = "signed in as " + c.Username
		}
		return one(ok(name, "%s answers (%s, %s); no mail sent", where, c.TLS, how))
	}}
}

func smtpClient(c config.SMTP, tlsConfig *tls.Config) (*gomail.Client, error) {
	cfg := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	if tlsConfig != nil {
		cfg = tlsConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = c.Host
		}
	}
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTLSConfig(cfg)}
	switch c.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithUsername(c.Username), gomail.WithPassword(c.Password),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin, gomail.SMTPAuthCramMD5))
	}
	return gomail.NewClient(c.Host, opts...)
}

// smtpFailure says what failed: the connection, TLS or the sign-in.
func smtpFailure(name, where string, c config.SMTP, err error) Result {
	msg := err.Error()
	if c.Password != "" {
		msg = strings.ReplaceAll(msg, c.Password, "***")
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "auth"):
		return failf(name, "%s refused the sign-in of %s: %s", "check smtp.username and smtp.password (an app password where the provider asks for one)",
			where, c.Username, msg)
	case strings.Contains(lower, "tls") || strings.Contains(lower, "certificate") || strings.Contains(lower, "x509"):
		return failf(name, "%s: TLS failed: %s", "check smtp.tls (starttls for port 587, tls for 465) and the server's certificate", where, msg)
	}
	return failf(name, "%s does not answer: %s", "check smtp.host and smtp.port, and that this host may reach it (firewall)", where, msg)
}
