package email

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// Headers pfsnotify adds to every mail.
const (
	HeaderAutoSubmitted = "Auto-Submitted"       // RFC 3834: no auto-replies, no vacation notices
	HeaderDeliveryID    = "X-PFSNotify-Delivery" // the delivery's id, to trace a mail back to the outbox
)

// compose renders m into a mail to addr in the person's language: a
// multipart/alternative of text and HTML and, for an event, its .ics
// attachment (multipart/mixed around them).
func (c *Channel) compose(m message.Message, addr string) (*gomail.Msg, error) {
	now := c.opts.Now()
	render := func(name string) (string, error) {
		s, err := c.opts.Templates.Render(name, m, now)
		if err != nil {
			// A template that fails will fail again: no retry.
			return "", message.Permanent(fmt.Errorf("email: %w", err))
		}
		return s, nil
	}
	subject, err := render(message.EmailSubject)
	if err != nil {
		return nil, err
	}
	text, err := render(message.EmailText)
	if err != nil {
		return nil, err
	}
	html, err := render(message.EmailHTML)
	if err != nil {
		return nil, err
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(c.from)
	if err := msg.AddToFormat(oneLine(m.To.DisplayName()), addr); err != nil {
		return nil, fmt.Errorf("%w: email address %q is not valid", message.ErrNoTarget, addr)
	}
	msg.Subject(oneLine(subject))
	msg.SetDateWithValue(now)
	msg.SetMessageIDWithValue(c.messageID(m))
	msg.SetGenHeader(gomail.Header(HeaderAutoSubmitted), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader(gomail.Header(HeaderDeliveryID), strconv.FormatInt(m.DeliveryID, 10))
	msg.SetGenHeader(gomail.HeaderXMailer, "pfsnotify")
	msg.SetBodyString(gomail.TypeTextPlain, text+"\n")
	msg.AddAlternativeString(gomail.TypeTextHTML, html+"\n")
	ics, err := eventICS(m, c.domain, now)
	if err != nil {
		return nil, message.Permanent(err)
	}
	if ics != nil {
		if err := msg.AttachReader(ICSName, bytes.NewReader(ics), gomail.WithFileContentType(icsContentType)); err != nil {
			return nil, message.Permanent(fmt.Errorf("attach %s: %w", ICSName, err))
		}
	}
	return msg, nil
}

// messageID is unique per mail sent (a retry is a new mail): the delivery
// id for whoever reads the headers, random bits so that two installations
// that share a sender domain never collide. The delivery token is not used:
// it is the key of the acknowledge link.
func (c *Channel) messageID(m message.Message) string {
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("pfsnotify.%d.%d.%s@%s", m.DeliveryID, m.Attempt, hex.EncodeToString(b[:]), c.domain)
}

// oneLine keeps a header value on one line whatever a template or a name
// holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// classify marks err for the dispatcher: an SMTP reply 5xx (no such user,
// sender refused, message refused, authentication failed) and a refusal to
// authenticate at all are permanent; 4xx replies, network errors and
// timeouts are retried.
func classify(err error) error {
	code := replyCode(err)
	switch {
	case code >= 500:
		return message.Permanent(err)
	case code >= 400:
		return err
	case errors.Is(err, smtp.ErrUnencrypted), errors.Is(err, smtp.ErrWrongHostname),
		errors.Is(err, gomail.ErrNoSupportedAuthDiscovered):
		// Credentials configured for a server that cannot take them safely.
		return message.Permanent(err)
	}
	return err
}

// replyCode is the SMTP reply code err carries, 0 for none.
func replyCode(err error) int {
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}
