package twiml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// What calls say besides the reminder itself: messages of the person's
// catalogue (pkg/locale). The reminder's words come from the call
// template (templates.call), as for invoke.
const (
	promptID    = "CallPrompt"
	noAnswerID  = "CallNoAnswer"
	confirmedID = "CallConfirmed"
	repeatID    = "CallRepeat"
	goneID      = "CallGone"
	apologyID   = "CallApology"
)

// maxSay is the most characters one <Say> speaks; a longer reminder is
// cut and ends in "…". Twilio's Amazon Polly voices take 3,000.
const maxSay = 3000

// gatherTimeout is how many seconds the <Gather> waits for a key once the
// reminder has been spoken.
const gatherTimeout = 6

// doc writes a TwiML document with encoding/xml's Encoder, token by token
// (as fast as it gets without reflection): whatever a text or an attribute
// holds comes out escaped, characters XML cannot carry are replaced, and
// the Encoder refuses an end tag that does not match.
type doc struct {
	buf bytes.Buffer
	enc *xml.Encoder
	err error
}

func newDoc() *doc {
	d := &doc{}
	d.buf.Grow(1024)
	d.buf.WriteString(xml.Header)
	d.enc = xml.NewEncoder(&d.buf)
	d.start("Response")
	return d
}

func (d *doc) start(name string, attrs ...xml.Attr) *doc {
	if d.err == nil {
		d.err = d.enc.EncodeToken(xml.StartElement{Name: xml.Name{Local: name}, Attr: attrs})
	}
	return d
}

func (d *doc) end(name string) *doc {
	if d.err == nil {
		d.err = d.enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: name}})
	}
	return d
}

func (d *doc) text(s string) *doc {
	if d.err == nil {
		d.err = d.enc.EncodeToken(xml.CharData(s))
	}
	return d
}

func attr(name, value string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: value} }

// say speaks text in the person's language and the configured voice.
func (d *doc) say(v voiceOf, text string) *doc {
	var attrs []xml.Attr
	if v.voice != "" {
		attrs = append(attrs, attr("voice", v.voice))
	}
	if v.language != "" {
		attrs = append(attrs, attr("language", v.language))
	}
	return d.start("Say", attrs...).text(cut(text, maxSay)).end("Say")
}

func (d *doc) pause(seconds int) *doc {
	return d.start("Pause", attr("length", strconv.Itoa(seconds))).end("Pause")
}

func (d *doc) hangup() *doc { return d.start("Hangup").end("Hangup") }

// bytes ends the document and returns it.
func (d *doc) bytes() ([]byte, error) {
	d.end("Response")
	if d.err == nil {
		d.err = d.enc.Flush()
	}
	if d.err != nil {
		return nil, fmt.Errorf("build twiml: %w", d.err)
	}
	return d.buf.Bytes(), nil
}

// voiceOf is how a call speaks to a person: the voice of their language's
// catalogue, the language attribute Twilio takes for it, and the
// catalogue's fixed phrases by message ID.
type voiceOf struct {
	language, voice string
	phrase          func(id string) string
}

// reminderDoc speaks text, a second's pause, text again, and asks for 1
// within a <Gather> whose action is gatherURL; the person may press a key
// at any time. prefix, if set, is said first.
func reminderDoc(v voiceOf, text, gatherURL, prefix string) ([]byte, error) {
	d := newDoc().start("Gather", attr("input", "dtmf"), attr("numDigits", "1"), attr("action", gatherURL),
		attr("method", "POST"), attr("timeout", strconv.Itoa(gatherTimeout)))
	if prefix != "" {
		d.say(v, prefix)
	}
	return d.say(v, text).pause(1).say(v, text).say(v, v.phrase(promptID)).end("Gather").
		say(v, v.phrase(noAnswerID)).hangup().bytes()
}

// voicemailDoc leaves text on an answering machine, twice, and hangs up.
func voicemailDoc(v voiceOf, text string) ([]byte, error) {
	return newDoc().say(v, text).pause(1).say(v, text).hangup().bytes()
}

// sayDoc says text and hangs up: the confirmation, the polite refusal,
// the apology.
func sayDoc(v voiceOf, text string) ([]byte, error) { return newDoc().say(v, text).hangup().bytes() }

// hangupDoc hangs up without a word (a fax machine answered).
func hangupDoc() ([]byte, error) { return newDoc().hangup().bytes() }

// messageDoc answers a text with one text: <Message>text</Message>.
func messageDoc(text string) ([]byte, error) {
	return newDoc().start("Message").text(text).end("Message").bytes()
}

// emptyDoc is the answer to a status callback: nothing to do.
func emptyDoc() ([]byte, error) { return newDoc().bytes() }

// cut returns s if it has at most n characters, else its first n-1 and "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + "…"
}
