package twiliocall

import (
	"encoding/xml"
	"fmt"
	"unicode/utf8"
)

// MaxTwiML is the longest Twiml parameter Twilio accepts: 4000 characters.
// SayTwiML counts bytes, which are never fewer.
const MaxTwiML = 4000

// The TwiML of an inline call: <Response><Say/><Pause/><Say/></Response>.
type (
	twimlResponse struct {
		XMLName xml.Name `xml:"Response"`
		Verbs   []any
	}
	twimlSay struct {
		XMLName  xml.Name `xml:"Say"`
		Voice    string   `xml:"voice,attr,omitempty"`
		Language string   `xml:"language,attr,omitempty"`
		Text     string   `xml:",chardata"`
	}
	twimlPause struct {
		XMLName xml.Name `xml:"Pause"`
		Length  int      `xml:"length,attr"`
	}
)

// SayTwiML returns the TwiML document that speaks text twice, a second
// apart, in language (BCP 47, "" for Twilio's default) with voice ("" for
// Twilio's default). It is built with encoding/xml: whatever text holds
// comes out as spoken text, escaped, and characters XML cannot carry are
// replaced. A text too long for MaxTwiML is shortened and ends in "…".
func SayTwiML(text, language, voice string) (string, error) {
	doc, err := sayTwiML(text, language, voice)
	if err != nil || len(doc) <= MaxTwiML {
		return doc, err
	}
	// The longest prefix that fits, by bisection: how much the document
	// grows with each byte of text depends on how it is escaped.
	lo, hi := 0, len(text) // shorten(text, lo) fits (or lo is 0), shorten(text, hi) does not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		d, err := sayTwiML(shorten(text, mid), language, voice)
		if err != nil {
			return "", err
		}
		if len(d) <= MaxTwiML {
			lo = mid
		} else {
			hi = mid
		}
	}
	doc, err = sayTwiML(shorten(text, lo), language, voice)
	if err == nil && len(doc) > MaxTwiML {
		err = fmt.Errorf("twiml without text is %d bytes, more than %d", len(doc), MaxTwiML)
	}
	return doc, err
}

func sayTwiML(text, language, voice string) (string, error) {
	say := twimlSay{Voice: voice, Language: language, Text: text}
	b, err := xml.Marshal(twimlResponse{Verbs: []any{say, twimlPause{Length: 1}, say}})
	if err != nil {
		return "", fmt.Errorf("build twiml: %w", err)
	}
	return xml.Header + string(b), nil
}

const ellipsis = "…"

// shorten returns the longest prefix of s of at most n bytes that ends on
// a rune boundary, followed by an ellipsis; "" if n <= 0.
func shorten(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + ellipsis
}
