package twiml

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/twiliostatus"
)

// callStatus applies a call status callback to the delivery and its log.
func (s *Server) callStatus(ctx context.Context, req *request) (reply, error) {
	rep, err := callReport(req.form)
	if err != nil {
		return reply{}, err
	}
	return s.applyReport(ctx, req, func(r store.Report) (decision, error) { return decideCall(r, rep, s.policy) })
}

// smsStatus applies a message status callback.
func (s *Server) smsStatus(ctx context.Context, req *request) (reply, error) {
	rep, err := messageReport(req.form)
	if err != nil {
		return reply{}, err
	}
	return s.applyReport(ctx, req, func(r store.Report) (decision, error) { return decideMessage(r, rep) })
}

// applyReport waits, if need be, for invoke to record the call or message,
// then applies the report as decide says, in one transaction.
func (s *Server) applyReport(ctx context.Context, req *request, decide func(store.Report) (decision, error)) (reply, error) {
	if _, err := s.lookup(ctx, req); err != nil {
		return reply{}, err
	}
	outcome := ""
	err := s.apply(ctx, req.token, func(r store.Report) (store.ReportChange, error) {
		d, err := decide(r)
		outcome = d.Outcome
		return d.Change, err
	})
	if err != nil {
		return reply{}, storeError("apply the report", err)
	}
	doc, err := emptyDoc()
	return reply{doc, outcome}, err
}

// callReport reads a call status callback.
func callReport(f url.Values) (report, error) {
	rep, err := baseReport(f, "CallSid", "CallStatus", twiliostatus.CallStatus)
	if err != nil {
		return report{}, err
	}
	if v := f.Get("SequenceNumber"); v != "" {
		if rep.Seq, err = strconv.Atoi(v); err != nil || rep.Seq < 0 {
			return report{}, badRequest{"SequenceNumber " + strconv.Quote(v) + " is not a number"}
		}
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, f.Get("Timestamp")); err == nil {
			rep.At = t.UTC()
			break
		}
	}
	rep.AnsweredBy = clip(f.Get("AnsweredBy"), 32)
	if v := f.Get("CallDuration"); v != "" {
		rep.Detail += ", " + clip(v, 10) + " s"
	}
	if v := f.Get("SipResponseCode"); v != "" {
		rep.Detail += " (SIP " + clip(v, 10) + ")"
	}
	return rep, nil
}

// messageReport reads a message status callback.
func messageReport(f url.Values) (report, error) {
	rep, err := baseReport(f, "MessageSid", "MessageStatus", twiliostatus.MessageStatus)
	if err != nil {
		return report{}, err
	}
	if v := f.Get("ErrorCode"); v != "" {
		rep.Detail = " (error " + clip(v, 10) + ")"
	}
	return rep, nil
}

func baseReport(f url.Values, sidKey, statusKey string, known func(string) bool) (report, error) {
	rep := report{SID: f.Get(sidKey), Status: f.Get(statusKey), Seq: -1}
	switch {
	case !plausibleSID(rep.SID):
		return report{}, badRequest{sidKey + " is missing or is not a SID"}
	case !known(rep.Status):
		return report{}, badRequest{statusKey + " " + strconv.Quote(clip(rep.Status, 32)) + " is not a status Twilio reports"}
	}
	return rep, nil
}

// plausibleSID reports whether s looks like a Twilio SID: two letters and
// 32 letters or digits.
func plausibleSID(s string) bool {
	if len(s) != 34 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// clip cuts s to at most n bytes of valid UTF-8, for what goes to the
// log from a form.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}
