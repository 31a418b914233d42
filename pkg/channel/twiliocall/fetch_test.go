package twiliocall_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliocall"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/twiliostatus"
)

// invoke finds the look-up on the call channel it built.
var _ dispatch.CallStatusFetcher = (*twiliocall.Channel)(nil)

// TestCallStatus looks calls up through twilio-go's Api.FetchCall at the
// fake: what Twilio holds, and each way the look-up fails, classified.
func TestCallStatus(t *testing.T) {
	fake, ch := newChannel(t, twiliotest.Config{ClientTimeout: 500 * time.Millisecond}, nil)
	ctx := context.Background()
	r, err := ch.Send(ctx, reminder())
	if err != nil {
		t.Fatal(err)
	}
	sid := r.ProviderRef
	tests := []struct {
		name    string
		set     *twiliotest.CallState
		fault   *twiliotest.Fault
		sid     string
		want    twiliostatus.Call
		unknown bool // errors.Is ErrUnknownCall
		retried bool // another error, which message.Classify retries
	}{
		{name: "queued", sid: sid, want: twiliostatus.Call{SID: sid, Status: "queued", Duration: -1}},
		{name: "in progress", set: &twiliotest.CallState{Status: "in-progress", AnsweredBy: "human"}, sid: sid,
			want: twiliostatus.Call{SID: sid, Status: "in-progress", AnsweredBy: "human", Duration: -1}},
		{name: "completed", set: &twiliotest.CallState{Status: "completed", AnsweredBy: "machine_start", Duration: 31}, sid: sid,
			want: twiliostatus.Call{SID: sid, Status: "completed", AnsweredBy: "machine_start", Duration: 31}},
		{name: "no-answer", set: &twiliotest.CallState{Status: "no-answer"}, sid: sid,
			want: twiliostatus.Call{SID: sid, Status: "no-answer", Duration: -1}},
		{name: "unknown SID", sid: "CA99999999999999999999999999999999", unknown: true},
		{name: "not a SID", sid: "CA1/../Messages", unknown: true},
		{name: "rate limited", fault: &twiliotest.Fault{Status: 429, Code: 20429, RetryAfter: "3"}, sid: sid, retried: true},
		{name: "Twilio down", fault: &twiliotest.Fault{Status: 503}, sid: sid, retried: true},
		{name: "no answer", fault: &twiliotest.Fault{Hang: true}, sid: sid, retried: true},
		{name: "an answer that is not a call", fault: &twiliotest.Fault{Status: 200, RawBody: "<html>"}, sid: sid, retried: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.set != nil {
				fake.SetCall(sid, *tt.set)
			}
			if tt.fault != nil {
				fake.FailNext(1, *tt.fault)
			}
			got, err := ch.CallStatus(ctx, tt.sid)
			switch {
			case tt.unknown:
				if !errors.Is(err, twiliostatus.ErrUnknownCall) || !strings.Contains(err.Error(), tt.sid) {
					t.Errorf("got %+v, %v; want ErrUnknownCall naming %s", got, err, tt.sid)
				}
			case tt.retried:
				if outcome, _ := message.Classify(err); err == nil || outcome != message.OutcomeRetry || errors.Is(err, twiliostatus.ErrUnknownCall) {
					t.Errorf("got %+v, %v (outcome %d); want an error to retry", got, err, outcome)
				}
			case err != nil || got != tt.want:
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	reqs := fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Method != "GET" || last.Path != "/2010-04-01/Accounts/"+twiliotest.AccountSID+"/Calls/"+sid+".json" || !last.AuthOK {
		t.Errorf("got last request %+v; want an authenticated GET of the call", last)
	}
	for _, r := range reqs {
		if strings.Contains(r.Path, "Messages") {
			t.Errorf("got request %s %s; want no request for a SID that is not one", r.Method, r.Path)
		}
	}
}

// TestCallStatusWrongToken: with a token the account does not have, the
// look-up is refused for good (401, 20003), and not taken for a vanished
// call.
func TestCallStatusWrongToken(t *testing.T) {
	fake, ch := newChannel(t, twiliotest.Config{}, nil)
	r, err := ch.Send(context.Background(), reminder())
	if err != nil {
		t.Fatal(err)
	}
	opts := fake.CallOptions()
	opts.AuthToken = "f00dfeedcafe0123456789abcdef9999"
	wrong, err := twiliocall.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.CallStatus(context.Background(), r.ProviderRef)
	var apiErr *twilioapi.APIError
	if outcome, _ := message.Classify(err); outcome != message.OutcomePermanent || !errors.As(err, &apiErr) || apiErr.Code != 20003 ||
		errors.Is(err, twiliostatus.ErrUnknownCall) {
		t.Errorf("got %v (outcome %d); want a permanent 401 code 20003, not an unknown call", err, outcome)
	}
	if reqs := fake.Requests(); reqs[len(reqs)-1].AuthOK || reqs[len(reqs)-1].Status != 401 {
		t.Errorf("got %+v; want the fake to refuse the wrong token", reqs[len(reqs)-1])
	}
}
