package twiliotest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// CallState is what the fake's Twilio holds about a call, as GET
// .../Calls/{CallSid}.json (twilio-go's Api.FetchCall) answers it. A call
// starts "queued"; the Phone moves it through ringing and in-progress to
// its final status as it posts (or, with Answer.DropStatusCallbacks,
// withholds) the status callbacks; SetCall sets it outright.
type CallState struct {
	// Status is queued, ringing, in-progress, completed, busy, no-answer,
	// failed or canceled.
	Status string
	// AnsweredBy is what answering machine detection found (human,
	// machine_start, fax, ...); "" is answered as null.
	AnsweredBy string
	// Duration is the call's length in seconds once completed; it is
	// answered as null for a call that is not completed, as Twilio does.
	Duration int
}

// callRecord is a call's state with Twilio's timestamps.
type callRecord struct {
	CallState
	created, updated, started, ended time.Time
}

// SetCall makes Twilio hold st for call sid, as if the call had gone that
// way: what a test says when no status callback reaches serve-twiml (the
// fake posts none without a Phone) and invoke looks the call up. It fails
// the test if the fake never accepted call sid.
func (s *Server) SetCall(sid string, st CallState) {
	if !s.setCall(sid, st) {
		if s.tb == nil {
			panic("twiliotest: SetCall(" + sid + "): the fake accepted no such call")
		}
		s.tb.Errorf("twiliotest: SetCall(%s): the fake accepted no such call", sid)
	}
}

// DeleteCall makes Twilio forget call sid, as DELETE
// .../Calls/{CallSid}.json does: fetching it then answers 404.
func (s *Server) DeleteCall(sid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.callRecords, sid)
}

// CallState returns what Twilio holds about call sid; false if the fake
// never accepted it.
func (s *Server) CallState(sid string) (CallState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.callRecords[sid]
	if !ok {
		return CallState{}, false
	}
	return rec.CallState, true
}

// setCall moves call sid to st; false if there is no such call.
func (s *Server) setCall(sid string, st CallState) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.callRecords[sid]
	if !ok {
		return false
	}
	now := time.Now().UTC()
	rec.CallState, rec.updated = st, now
	if (st.Status == "in-progress" || st.Status == "completed") && rec.started.IsZero() {
		rec.started = now
	}
	if final(st.Status) && rec.ended.IsZero() {
		rec.ended = now
	}
	return true
}

// addCall records a call just accepted, queued.
func (s *Server) addCall(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.callRecords == nil {
		s.callRecords = make(map[string]*callRecord)
	}
	s.callRecords[c.SID] = &callRecord{CallState: CallState{Status: "queued"}, created: c.Created, updated: c.Created}
}

func final(status string) bool {
	switch status {
	case "completed", "busy", "no-answer", "failed", "canceled":
		return true
	}
	return false
}

// fetchCall answers GET .../Calls/{sid}.json: the call resource as Twilio
// has it, or Twilio's 404 (code 20404) for a SID it does not know.
func (s *Server) fetchCall(a answer, r *http.Request, sid string) {
	s.mu.Lock()
	rec, ok := s.callRecords[sid]
	var rc callRecord
	if ok {
		rc = *rec
	}
	var c Call
	for _, cc := range s.calls {
		if cc.SID == sid {
			c = cc
		}
	}
	s.mu.Unlock()
	if !ok {
		a.fail(http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
		return
	}
	body := map[string]any{
		"sid": c.SID, "account_sid": c.AccountSID, "to": c.To, "to_formatted": c.To, "from": c.From,
		"from_formatted": c.From, "status": rc.Status, "direction": "outbound-api", "api_version": "2010-04-01",
		"date_created": rc.created.Format(time.RFC1123Z), "date_updated": rc.updated.Format(time.RFC1123Z),
		"start_time": timeOrNil(rc.started), "end_time": timeOrNil(rc.ended), "duration": nil, "price": nil,
		"price_unit": "USD", "answered_by": nil, "annotation": nil, "caller_name": nil, "forwarded_from": nil,
		"group_sid": nil, "parent_call_sid": nil, "phone_number_sid": nil, "queue_time": "0", "trunk_sid": nil,
		"uri": "/2010-04-01/Accounts/" + c.AccountSID + "/Calls/" + c.SID + ".json",
		"subresource_uris": map[string]any{
			"notifications": "/2010-04-01/Accounts/" + c.AccountSID + "/Calls/" + c.SID + "/Notifications.json",
			"recordings":    "/2010-04-01/Accounts/" + c.AccountSID + "/Calls/" + c.SID + "/Recordings.json",
		},
	}
	if rc.Status == "completed" {
		body["duration"] = strconv.Itoa(rc.Duration)
	}
	if rc.AnsweredBy != "" {
		body["answered_by"] = rc.AnsweredBy
	}
	a.json(http.StatusOK, body)
	a.s.answered(a.i, http.StatusOK, 0)
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.RFC1123Z)
}
