package twiliotest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
)

func TestSign(t *testing.T) {
	// Twilio's published example (twilio-go's test vector), checked by hand:
	// printf '%s' 'https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDE...' |
	//   openssl dgst -sha1 -hmac 12345 -binary | base64
	form := url.Values{
		"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"}, "Caller": {"+14158675309"},
		"From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
	}
	if got, want := Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form), "vOEb5UThFn24KEfnOFLQY2AE5FY="; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}

// twimlApp is a stand-in for serve-twiml that checks every signature with
// twilio-go's RequestValidator, an implementation independent of Sign.
type twimlApp struct {
	t         *testing.T
	validator client.RequestValidator
	mu        sync.Mutex
	seen      []string // path and CallStatus or Digits of each request
	bad       int
}

func (a *twimlApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	full := PublicURL + r.URL.RequestURI()
	ok := a.validator.ValidateBody(full, body, r.Header.Get("X-Twilio-Signature"))
	f, _ := url.ParseQuery(string(body))
	a.mu.Lock()
	defer a.mu.Unlock()
	if !ok {
		a.bad++
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/twiml/voice/"):
		a.seen = append(a.seen, "voice "+f.Get("AnsweredBy"))
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" action="/twiml/gather/t"><Say>Hi</Say></Gather></Response>`)
	case strings.HasPrefix(r.URL.Path, "/twiml/gather/"):
		a.seen = append(a.seen, "gather "+f.Get("Digits"))
		if f.Get("Digits") == "1" {
			io.WriteString(w, `<Response><Say>Thanks</Say><Hangup/></Response>`)
		} else {
			io.WriteString(w, `<Response><Gather numDigits="1" action="https://notify.example.org/twiml/gather/t"/></Response>`)
		}
	default:
		a.seen = append(a.seen, "status "+f.Get("CallStatus")+f.Get("MessageStatus")+" "+f.Get("SequenceNumber"))
		io.WriteString(w, `<Response/>`)
	}
}

func TestPhone(t *testing.T) {
	tests := []struct {
		name    string
		answer  Answer
		amd     bool
		want    []string
		reorder bool
		final   CallState // what Twilio holds once the call ended
	}{
		{"presses 5 then 1", Answer{Digits: []string{"5", "1"}}, false,
			[]string{"status initiated 0", "status ringing 1", "status in-progress 2", "voice ", "gather 5", "gather 1", "status completed 3"}, false,
			CallState{Status: "completed", Duration: 26}},
		{"no key", Answer{}, false,
			[]string{"status initiated 0", "status ringing 1", "status in-progress 2", "voice ", "status completed 3"}, false,
			CallState{Status: "completed", Duration: 26}},
		{"machine", Answer{By: Machine}, true,
			[]string{"status initiated 0", "status ringing 1", "status in-progress 2", "voice machine_start", "status completed 3"}, false,
			CallState{Status: "completed", AnsweredBy: "machine_start", Duration: 26}},
		{"no answer", Answer{By: NoAnswer}, false, []string{"status initiated 0", "status ringing 1", "status no-answer 2"}, false,
			CallState{Status: "no-answer"}},
		{"reordered", Answer{By: Busy, Reorder: true}, false, []string{"status initiated 0", "status ringing 1", "status busy 2"}, true,
			CallState{Status: "busy"}},
		{"callbacks dropped, presses 1", Answer{Digits: []string{"1"}, DropStatusCallbacks: true}, false,
			[]string{"voice ", "gather 1"}, false, CallState{Status: "completed", Duration: 26}},
		{"callbacks dropped, busy", Answer{By: Busy, DropStatusCallbacks: true}, false, nil, false, CallState{Status: "busy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &twimlApp{t: t, validator: client.NewRequestValidator(AuthToken)}
			srv := httptest.NewServer(app)
			defer srv.Close()
			phone, err := NewPhone(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			phone.Script = func(int, Call) Answer { return tt.answer }
			fake := New(t, Config{OnCall: phone.OnCall})
			f := goodCall()
			f.Set("StatusCallback", "https://notify.example.org/twiml/call-status/t")
			f["StatusCallbackEvent"] = []string{"initiated", "ringing", "answered", "completed"}
			if tt.amd {
				f.Set("MachineDetection", "Enable")
			}
			status, body, _ := post(t, fake, callsPath, AccountSID, AuthToken, form, f)
			if status != 201 {
				t.Fatalf("got %d %v; want 201", status, body)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := phone.WaitEnded(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if got, ok := fake.CallState(body["sid"].(string)); !ok || got != tt.final {
				t.Errorf("got Twilio's record %+v, %v; want %+v", got, ok, tt.final)
			}
			app.mu.Lock()
			defer app.mu.Unlock()
			got := strings.Join(app.seen, "; ")
			if tt.reorder {
				if got == strings.Join(tt.want, "; ") || len(app.seen) != len(tt.want) {
					t.Errorf("got %q; want %q reordered", got, tt.want)
				}
			} else if got != strings.Join(tt.want, "; ") {
				t.Errorf("got %q;\nwant %q", got, strings.Join(tt.want, "; "))
			}
			if app.bad != 0 {
				t.Errorf("got %d requests with a signature twilio-go refuses; want none", app.bad)
			}
			for _, e := range phone.Exchanges() {
				if e.Err != nil || e.Status != 200 {
					t.Errorf("%s %s: got %d, %v", e.Kind, e.URL, e.Status, e.Err)
				}
			}
		})
	}
}
