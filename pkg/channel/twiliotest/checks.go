package twiliotest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/pfsnotify/pfsnotify/pkg/phone"
)

// The checks answer Twilio's error codes where Twilio's are known (21201,
// 21211, 21212, 21213, 21205, 21602, 21603, 21604, 21609, 21617, 12100)
// and the generic 20001 for what the fake is stricter about than Twilio
// needs to be (values pfsnotify never sends).

// checkCall checks the form of Calls.json. It returns 0 when it is fine,
// else a Twilio error code and message.
func checkCall(f url.Values) (int, string) {
	if code, msg := checkNumbers(f, 21201, "No 'To' number is specified", 21213, "No 'From' number is specified"); code != 0 {
		return code, msg
	}
	given := 0
	for _, k := range []string{"Url", "Twiml", "ApplicationSid"} {
		if f.Get(k) != "" {
			given++
		}
	}
	switch {
	case given == 0:
		return 21205, "A 'Url', 'Twiml' or 'ApplicationSid' parameter is required"
	case given > 1:
		return 20001, "Only one of 'Url', 'Twiml' and 'ApplicationSid' may be given"
	}
	if u := f.Get("Url"); u != "" && !isURL(u) {
		return 21205, fmt.Sprintf("Url is not a valid URL: %s", u)
	}
	if doc := f.Get("Twiml"); doc != "" {
		if n := utf16Len(doc); n > 4000 {
			return 20001, fmt.Sprintf("Twiml is %d characters, more than 4000", n)
		}
		if err := checkTwiML(doc); err != nil {
			return 12100, "Document parse failure: " + err.Error()
		}
	}
	if u := f.Get("StatusCallback"); u != "" && !isURL(u) {
		return 21205, fmt.Sprintf("StatusCallback is not a valid URL: %s", u)
	}
	for _, k := range []string{"Method", "StatusCallbackMethod", "FallbackMethod"} {
		if v := f.Get(k); v != "" && v != "GET" && v != "POST" {
			return 20001, fmt.Sprintf("%s must be GET or POST, not %q", k, v)
		}
	}
	for _, e := range f["StatusCallbackEvent"] {
		if !slices.Contains([]string{"initiated", "ringing", "answered", "completed"}, e) {
			return 20001, fmt.Sprintf("StatusCallbackEvent %q is not initiated, ringing, answered or completed", e)
		}
	}
	if v := f.Get("Timeout"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 600 {
			return 20001, fmt.Sprintf("Timeout %q is not a number of seconds from 1 to 600", v)
		}
	}
	if v := f.Get("MachineDetection"); v != "" && v != "Enable" && v != "DetectMessageEnd" {
		return 20001, fmt.Sprintf("MachineDetection %q is not Enable or DetectMessageEnd", v)
	}
	return 0, ""
}

// checkMessage checks the form of Messages.json.
func checkMessage(f url.Values) (int, string) {
	if code, msg := checkNumbers(f, 21604, "A 'To' phone number is required", 21603, "A 'From' phone number is required"); code != 0 {
		return code, msg
	}
	body := f.Get("Body")
	switch {
	case body == "":
		return 21602, "Message body is required"
	case utf16Len(body) > 1600:
		return 21617, "The concatenated message body exceeds the 1600 character limit"
	}
	if u := f.Get("StatusCallback"); u != "" && !isURL(u) {
		return 21609, fmt.Sprintf("Invalid StatusCallback url: %s", u)
	}
	if v := f.Get("ValidityPeriod"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 36000 {
			return 20001, fmt.Sprintf("ValidityPeriod %q is not a number of seconds from 1 to 36000", v)
		}
	}
	return 0, ""
}

// checkNumbers checks To and From: given, and E.164.
func checkNumbers(f url.Values, noTo int, noToMsg string, noFrom int, noFromMsg string) (int, string) {
	to, from := f.Get("To"), f.Get("From")
	switch {
	case to == "":
		return noTo, noToMsg
	case !phone.IsE164(to):
		return 21211, fmt.Sprintf("The 'To' number %s is not a valid phone number", to)
	case from == "":
		return noFrom, noFromMsg
	case !phone.IsE164(from):
		return 21212, fmt.Sprintf("The 'From' number %s is not a valid phone number", from)
	}
	return 0, ""
}

// checkTwiML checks that doc is one well-formed XML document whose root
// element is <Response>.
func checkTwiML(doc string) error {
	d := xml.NewDecoder(strings.NewReader(doc))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if t.Name.Local != "Response" || roots > 1 {
					return fmt.Errorf("the document is not one <Response> (found <%s>)", t.Name.Local)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && strings.TrimSpace(string(t)) != "" {
				return errors.New("text outside <Response>")
			}
		}
	}
	if roots == 0 {
		return errors.New("no <Response>")
	}
	return nil
}

// isURL reports whether s is an absolute http(s) URL, as Twilio wants for
// every URL it is to call.
func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// segments is roughly how many SMS segments body takes: GSM-7 (taken as
// ASCII here) fits 160 characters in one, 153 each when split; UCS-2 70
// and 67.
func segments(body string) int {
	n, one, each := utf16Len(body), 70, 67
	if isASCII(body) {
		one, each = 160, 153
	}
	if n <= one {
		return 1
	}
	return (n + each - 1) / each
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
