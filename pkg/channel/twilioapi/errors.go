package twilioapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/twilio/twilio-go/client"
)

// ErrAcceptedUnreadable means Twilio answered 2xx, so the call or message
// exists, but the answer could not be read (no SID). Sending again would
// send twice.
var ErrAcceptedUnreadable = errors.New("twilio accepted the request but its answer could not be read")

// APIError is Twilio's refusal of a request.
type APIError struct {
	Status  int    // HTTP status; 0 when twilio-go refused before sending
	Code    int    // Twilio's error code (https://www.twilio.com/docs/errors/{code}); 0 if none
	Message string // Twilio's message
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Status == 0 {
		b.WriteString("twilio-go refused the request")
	} else {
		fmt.Fprintf(&b, "twilio answered %d", e.Status)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " (code %d", e.Code)
		if r, ok := codes[e.Code]; ok {
			b.WriteString(": " + r.reason)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// BadNumber reports whether Twilio refused the recipient's number: not a
// valid number, unreachable, not allowed by the account's geo permissions,
// blocked, opted out. Sending again to the same number cannot help.
func (e *APIError) BadNumber() bool { return codes[e.Code].badNumber }

// NotFound reports whether Twilio has no resource at the request's URL
// (404, code 20404): for a call looked up by its SID, no such call.
func (e *APIError) NotFound() bool { return e.Status == http.StatusNotFound }

// Retryable reports whether the same request may succeed later: rate
// limits (429, code 20429), timeouts (408) and Twilio's own failures (5xx).
func (e *APIError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Code == 20429 ||
		e.Status == http.StatusRequestTimeout || e.Status >= 500
}

// codes are the Twilio error codes worth a word of explanation in the
// delivery log. Every 4xx is final whether it is listed or not.
var codes = map[int]struct {
	reason    string
	badNumber bool
}{
	20003: {"authentication failed: check twilio.account_sid and twilio.auth_token", false},
	20404: {"not found: check twilio.account_sid", false},
	20429: {"too many requests", false},
	21210: {"the 'From' number is not verified for this account: check twilio.from_number", false},
	21212: {"invalid 'From' number: check twilio.from_number", false},
	21211: {"invalid 'To' number", true},
	21214: {"the 'To' number cannot be reached", true},
	21215: {"the account's geo permissions do not allow this number", true},
	21216: {"calling this number is not allowed", true},
	21217: {"the number does not appear to be valid", true},
	21219: {"the 'To' number is not verified (trial account)", true},
	21408: {"the account's geo permissions do not allow texting this region", true},
	21610: {"the recipient has opted out (STOP)", true},
	21612: {"Twilio cannot route a message to this number", true},
	21614: {"the 'To' number is not a mobile number", true},
	13223: {"invalid phone number format", true},
	13224: {"invalid phone number", true},
}

// Classify turns the error of a twilio-go request into the error a channel
// returns (see message.Classify), given the HTTP status (0 if none came)
// and Retry-After header of the answer:
//
//   - status 2xx: ErrAcceptedUnreadable (the request took effect);
//   - 429 / code 20429, 408, 5xx: message.Retry, after Retry-After if given;
//   - any other 4xx (a bad number, bad credentials, a malformed request), or
//     a request twilio-go refused to send: message.Permanent;
//   - anything else (network errors, timeouts): message.Retry, no sooner
//     than UnansweredRetryAfter.
//
// Every error but the last is an *APIError inside.
func Classify(err error, status int, retryAfter string, now time.Time) error {
	if status >= 200 && status < 300 {
		return fmt.Errorf("%w: %v", ErrAcceptedUnreadable, err)
	}
	e := &APIError{Status: status}
	var rest *client.TwilioRestError
	switch {
	case errors.As(err, &rest):
		if e.Status == 0 {
			e.Status = rest.Status
		}
		e.Code, e.Message = rest.Code, rest.Message
	case status >= 400:
		e.Message = "the answer is not a Twilio error document: " + err.Error()
	default:
		return message.Retry(err, UnansweredRetryAfter)
	}
	if e.Retryable() {
		return message.Retry(e, ParseRetryAfter(retryAfter, now))
	}
	return message.Permanent(e)
}

// UnansweredRetryAfter is the least wait before a request that got no
// answer (a timeout, a broken connection) is made again. Twilio may have
// acted on it all the same: placed the call, sent the message. Its status
// callback then reaches serve-twiml, which adopts the call or message
// instead of letting the retry make a second one; a minute gives Twilio
// the time to report.
const UnansweredRetryAfter = time.Minute

// maxRetryAfter caps a Retry-After in seconds: a day.
const maxRetryAfter = 24 * 60 * 60

// ParseRetryAfter reads a Retry-After header, in seconds or as an HTTP
// date relative to now, at most a day. It returns 0 for "" or a value it
// cannot read.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, maxRetryAfter)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter*time.Second)
	}
	return 0
}
