package twiliosms

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxSegments is the most segments a text of pfsnotify takes: a longer
// one has its title shortened first, then its end cut.
const MaxSegments = 2

// Encodings of a text message.
const (
	GSM7 = "GSM-7" // the GSM 03.38 alphabet: 160 septets alone, 153 a segment when concatenated
	UCS2 = "UCS-2" // anything else: 70 UTF-16 code units alone, 67 a segment
)

// gsmBasic is the GSM 03.38 default alphabet (one septet each), without
// the escape to the extension table.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is the extension table: each takes two septets (escape and
// the character).
const gsmExtension = "\f^{}\\[~]|€"

// septets is how many septets r takes in GSM-7, 0 if it has none.
func septets(r rune) int {
	switch {
	case strings.ContainsRune(gsmBasic, r):
		return 1
	case strings.ContainsRune(gsmExtension, r):
		return 2
	}
	return 0
}

// IsGSM7 reports whether s can be sent in the GSM-7 alphabet.
func IsGSM7(s string) bool {
	for _, r := range s {
		if septets(r) == 0 {
			return false
		}
	}
	return true
}

// Segments says how s is encoded and how many segments it takes. A
// concatenated message's segments are filled in order and never split a
// character: an extension character's two septets, or a surrogate pair's
// two code units, go to the next segment when they do not fit.
func Segments(s string) (encoding string, segments int) {
	if s == "" {
		return GSM7, 0
	}
	if IsGSM7(s) {
		return GSM7, count(s, 160, 153, septets)
	}
	return UCS2, count(s, 70, 67, func(r rune) int {
		if n := utf16.RuneLen(r); n > 0 {
			return n
		}
		return 1 // an invalid rune goes as U+FFFD
	})
}

// count fills segments of size each with the widths of s's runes; s fits
// in one when its total is at most single.
func count(s string, single, each int, width func(rune) int) int {
	total := 0
	for _, r := range s {
		total += width(r)
	}
	if total <= single {
		return 1
	}
	segments, used := 1, 0
	for _, r := range s {
		w := width(r)
		if used+w > each {
			segments++
			used = 0
		}
		used += w
	}
	return segments
}

// Fit returns the text that render gives for a title, in at most
// MaxSegments segments: with the whole title if it fits; else with the
// longest start of the title that fits, ended by an ellipsis ("..." when
// the text is GSM-7, so that the ellipsis does not make it UCS-2; "…"
// otherwise); else, when no title at all is short enough, the text's
// longest start that fits. It says whether it shortened anything.
func Fit(title string, render func(title string) (string, error)) (string, bool, error) {
	text, err := render(title)
	if err != nil {
		return "", false, err
	}
	if _, n := Segments(text); n <= MaxSegments {
		return text, false, nil
	}
	ellipsis := "…"
	if IsGSM7(text) {
		ellipsis = "..."
	}
	runes := []rune(title)
	// Bisect on the kept length: lo fits (or is -1: nothing fits), hi does not.
	lo, hi := -1, len(runes)
	var best string
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		t, err := render(string(runes[:mid]) + ellipsis)
		if err != nil {
			return "", false, err
		}
		if _, n := Segments(t); n <= MaxSegments {
			lo, best = mid, t
		} else {
			hi = mid
		}
	}
	if lo >= 0 {
		return best, true, nil
	}
	return cutToSegments(text, ellipsis), true, nil
}

// cutToSegments is the longest start of s, with ellipsis, that takes at
// most MaxSegments segments.
func cutToSegments(s, ellipsis string) string {
	lo, hi := 0, utf8.RuneCountInString(s) // a start of lo runes fits; hi does not
	runes := []rune(s)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if _, n := Segments(string(runes[:mid]) + ellipsis); n <= MaxSegments {
			lo = mid
		} else {
			hi = mid
		}
	}
	return string(runes[:lo]) + ellipsis
}
