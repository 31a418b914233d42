package twiliocall

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/twiliostatus"
)

// CallStatus asks Twilio what became of call sid (Api.FetchCall of
// twilio-go), for invoke to finish a call whose status callbacks never
// came. Errors: twiliostatus.ErrUnknownCall (with the *twilioapi.APIError)
// when Twilio has no such call (404) or sid cannot be a call SID; the
// others as Send's, classified by twilioapi: message.Retry for 429, 5xx,
// network errors and timeouts, or an answer that cannot be read;
// message.Permanent for bad credentials and any other 4xx.
func (c *Channel) CallStatus(ctx context.Context, sid string) (twiliostatus.Call, error) {
	if !isCallSID(sid) {
		return twiliostatus.Call{}, fmt.Errorf("call %q: %w: not a call SID (CA and 32 letters or digits)", sid, twiliostatus.ErrUnknownCall)
	}
	var call *api.ApiV2010Call
	err := c.acct.Do(ctx, func(svc *api.ApiService) (err error) {
		call, err = svc.FetchCall(sid, nil)
		return err
	})
	var apiErr *twilioapi.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.NotFound():
		return twiliostatus.Call{}, fmt.Errorf("call %s: %w: %w", sid, twiliostatus.ErrUnknownCall, err)
	case errors.Is(err, twilioapi.ErrAcceptedUnreadable): // a 2xx that is not a call: try again later
		return twiliostatus.Call{}, message.Retry(fmt.Errorf("look up call %s: %w", sid, err), 0)
	case err != nil:
		return twiliostatus.Call{}, fmt.Errorf("look up call %s: %w", sid, err)
	case call.Status == nil || *call.Status == "" || (call.Sid != nil && *call.Sid != sid):
		return twiliostatus.Call{}, message.Retry(fmt.Errorf("look up call %s: Twilio's answer has no status of that call", sid), 0)
	}
	out := twiliostatus.Call{SID: sid, Status: *call.Status, Duration: -1}
	if call.AnsweredBy != nil {
		out.AnsweredBy = *call.AnsweredBy
	}
	if call.Duration != nil {
		if n, err := strconv.Atoi(*call.Duration); err == nil && n >= 0 {
			out.Duration = n
		}
	}
	return out, nil
}

// isCallSID reports whether sid looks like a Twilio call SID: CA and 32
// letters or digits. Anything else would not make a URL path of one.
func isCallSID(sid string) bool {
	if len(sid) != 34 || sid[:2] != "CA" {
		return false
	}
	for _, r := range sid[2:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
