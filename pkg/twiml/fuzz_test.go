package twiml

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pfsnotify/pfsnotify/pkg/twiliostatus"
)

// FuzzStatusCallbackForm: a status callback body, however mangled, is
// either refused as a bad request or read into a report with a plausible
// SID, a status Twilio reports, and log details of bounded, valid UTF-8.
func FuzzStatusCallbackForm(f *testing.F) {
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // net/http answers 400 before a handler sees it
		}
		for _, kind := range []struct {
			name  string
			read  func(url.Values) (report, error)
			known func(string) bool
		}{
			{"call", callReport, twiliostatus.CallStatus},
			{"message", messageReport, twiliostatus.MessageStatus},
		} {
			rep, err := kind.read(form)
			if err != nil {
				if _, ok := err.(badRequest); !ok || err.Error() == "" {
					t.Fatalf("%s report of %q: got %T %v; want a badRequest with a message", kind.name, body, err, err)
				}
				if !utf8.ValidString(err.Error()) {
					t.Errorf("%s report of %q: error %q is not valid UTF-8 (it goes to the log)", kind.name, body, err)
				}
				continue
			}
			if !plausibleSID(rep.SID) || !kind.known(rep.Status) || rep.Seq < -1 {
				t.Errorf("%s report of %q: got %+v; want a plausible SID, a known status, a sequence number >= -1", kind.name, body, rep)
			}
			if !utf8.ValidString(rep.Detail) || !utf8.ValidString(rep.AnsweredBy) || len(rep.Detail) > 64 || len(rep.AnsweredBy) > 32 {
				t.Errorf("%s report of %q: detail %q, answered by %q; want short valid UTF-8", kind.name, body, rep.Detail, rep.AnsweredBy)
			}
			if !rep.At.IsZero() && rep.At.Location().String() != "UTC" {
				t.Errorf("%s report of %q: timestamp %v; want UTC", kind.name, body, rep.At)
			}
			if strings.ContainsAny(rep.SID, "\r\n") {
				t.Errorf("%s report of %q: SID %q has a line break", kind.name, body, rep.SID)
			}
		}
	})
}
