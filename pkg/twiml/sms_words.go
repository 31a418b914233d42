package twiml

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// The words a person may text back, in one place. A reply is read whole
// (as Twilio reads its own keywords): "1" confirms, "1 thanks" is not a
// keyword.

// replyKind is what a text sent back asks for.
type replyKind int

const (
	replyOther  replyKind = iota // not a keyword: nothing is done, nothing answered
	replyAck                     // confirm the latest reminder, as pressing 1 on a call
	replyOptOut                  // stop texting this number
	replyOptIn                   // texts are welcome again
	// replyYes is YES: Twilio's opt-in word, and a plain "yes" too. It
	// opts back in a number that had opted out (Twilio itself does so),
	// and confirms the latest reminder otherwise.
	replyYes
)

// replyWords are the keywords, as normalizeReply leaves them. The
// confirmations are "1", "OK" and "yes" in the languages of the shipped
// catalogues (en, ja, zh-TW, zh-CN, pt-BR, de, fr, es); the opt-out and
// opt-in words are Twilio's standard ones, which Twilio honours itself
// (it blocks texts to a number after STOP) and which pfsnotify records so
// that it stops trying and says so in the panel.
var replyWords = map[string]replyKind{
	// Confirmations.
	"1": replyAck, "ok": replyAck, "okay": replyAck, "y": replyAck,
	"はい": replyAck, "了解": replyAck, "確認": replyAck, "确认": replyAck,
	"是": replyAck, "好": replyAck, "好的": replyAck, "收到": replyAck,
	"sim": replyAck, "ja": replyAck, "oui": replyAck, "si": replyAck, "sí": replyAck,
	// Twilio's opt-out words.
	"stop": replyOptOut, "stopall": replyOptOut, "unsubscribe": replyOptOut,
	"cancel": replyOptOut, "end": replyOptOut, "quit": replyOptOut,
	// Twilio's opt-in words; YES is both.
	"start": replyOptIn, "unstop": replyOptIn, "yes": replyYes,
}

// classifyReply reads the body of a text sent back: its kind and the
// keyword as normalized ("" for replyOther).
func classifyReply(body string) (replyKind, string) {
	w := normalizeReply(body)
	k, ok := replyWords[w]
	if !ok {
		return replyOther, ""
	}
	return k, w
}

// normalizeReply folds a reply for lookup: full-width letters and digits
// to ASCII (１ → 1, ＯＫ → ok), half-width katakana to full width, lower
// case, white space and closing punctuation (. ! 。 ！) around it trimmed.
func normalizeReply(body string) string {
	s := width.Fold.String(body)
	s = strings.ToLower(s)
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '.' || r == '!' || r == '。' || r == '、' || r == ',' || r == '~' || r == '〜'
	})
}
