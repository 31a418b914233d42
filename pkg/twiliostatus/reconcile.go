package twiliostatus

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Call is what Twilio's API holds about a call (Api.FetchCall): what invoke
// looks up when the call's status callbacks never came.
type Call struct {
	SID        string
	Status     string // queued, initiated, ringing, in-progress, completed, busy, no-answer, failed, canceled
	AnsweredBy string // answering machine detection: human, machine_start, ...; "" when not known
	Duration   int    // seconds; -1 when Twilio gives none (the call is not over, or never connected)
}

// ErrUnknownCall means Twilio has no call of that SID (it answered 404).
var ErrUnknownCall = errors.New("twilio has no such call")

// GiveUpAfter is how long after invoke placed a call Twilio may go on
// reporting it queued, ringing or in progress before invoke gives up on
// it: a call in progress then counts as answered, one still queued or
// ringing as failed (no retry), and it is not looked up again. Twilio ends
// an unanswered call after its ring timeout (30 s) and a reminder call
// lasts minutes; two hours is far past both.
const GiveUpAfter = 2 * time.Hour

// reconciled is how every delivery-log row of a look-up begins.
const reconciled = "reconciled from Twilio: "

// Reconcile decides what call c, as Twilio's API reports it, does to its
// delivery, whose status callbacks did not come. A final status goes
// through DecideCall, as its callback would have: completed is answered
// (Twilio's record cannot show a pressed 1: only serve-twiml's gather
// webhook acknowledges), busy, no-answer and failed are called again or
// fail, canceled fails. A call still under way changes nothing but the
// log and the delivery's updated_at (Touch), so that it is looked up again
// after twiml.reconcile_after, until GiveUpAfter. A delivery that is no
// longer sent on c, or whose call has a final status already (a callback
// or another invoke got there first), gets nothing written.
func Reconcile(r store.Report, c Call, policy RetryPolicy) Decision {
	if !open(r, c.SID) {
		return Decision{Outcome: "settled"}
	}
	d := r.Delivery
	switch {
	case FinalCall(c.Status):
		rep := Report{SID: c.SID, Status: c.Status, Seq: -1, AnsweredBy: c.AnsweredBy}
		if c.Duration >= 0 {
			rep.Detail = fmt.Sprintf(", %d s", c.Duration)
		}
		dec, err := DecideCall(r, rep, policy)
		if err != nil { // open said it is the delivery's call
			return Decision{Outcome: "settled"}
		}
		log := dec.Change.Log
		log.Detail = reconciled + c.Status + "; no status callback came; " + log.Detail
		if c.Status == "completed" && dec.Change.State == store.StateAnswered {
			log.Detail += "; Twilio's record cannot show a pressed 1: answered, not acknowledged"
		}
		return dec
	case !r.Now.Before(d.SentAt.Add(GiveUpAfter)):
		return giveUp(r, c)
	case !CallStatus(c.Status):
		return Decision{Outcome: "unknown_status", Change: store.ReportChange{Touch: true, Log: &store.Attempt{
			Attempt: d.Attempts, Outcome: "progress", ProviderStatus: clip(c.Status),
			Detail: fmt.Sprintf("%s%s, not a call status pfsnotify knows: looked up again after twiml.reconcile_after", reconciled, clip(c.Status)),
		}}}
	}
	return Decision{Outcome: "progress", Change: store.ReportChange{Touch: true, Log: &store.Attempt{
		Attempt: d.Attempts, Outcome: "progress", ProviderStatus: c.Status,
		Detail: fmt.Sprintf("%s%s; call %s has no final status yet: looked up again after twiml.reconcile_after (given up %s after it was placed)",
			reconciled, c.Status, c.SID, GiveUpAfter),
	}}}
}

// giveUp ends a call Twilio still reports under way GiveUpAfter after it
// was placed: in progress counts as answered, anything else as failed.
func giveUp(r store.Report, c Call) Decision {
	d := r.Delivery
	log := &store.Attempt{Attempt: d.Attempts, ProviderStatus: c.Status}
	ch := store.ReportChange{Log: log}
	why := fmt.Sprintf("call %s still %s at Twilio %s after it was placed: given up", c.SID, c.Status, GiveUpAfter)
	if c.Status == "in-progress" {
		ch.State, log.Outcome = store.StateAnswered, "answered"
		log.Detail = reconciled + c.Status + "; " + why + ", counted as answered (not acknowledged)"
	} else {
		ch.State, ch.LastError, log.Outcome = store.StateFailed, why, "failed"
		log.Detail = reconciled + c.Status + "; " + why + ", failed (no retry)"
	}
	return Decision{Change: ch, Outcome: log.Outcome}
}

// Vanished decides what Twilio's 404 for the delivery's call sid does:
// Twilio has no such call (it was deleted, or placed on another account),
// so nothing will ever report on it; the delivery fails with err.
func Vanished(r store.Report, sid string, err error) Decision {
	if !open(r, sid) {
		return Decision{Outcome: "settled"}
	}
	why := fmt.Sprintf("Twilio has no call %s (%v): check twilio.account_sid; the reminder is not known to have reached the person", sid, err)
	return Decision{Outcome: "failed", Change: store.ReportChange{
		State: store.StateFailed, LastError: why,
		Log: &store.Attempt{Attempt: r.Delivery.Attempts, Outcome: "failed", ProviderStatus: "not found", Detail: reconciled + "not found; " + why},
	}}
}

// open reports whether the delivery still waits for a final status of its
// call sid: sent on that call, with no final status recorded for it.
func open(r store.Report, sid string) bool {
	d := r.Delivery
	if d.Channel != schedule.ChannelCall || d.State != store.StateSent || d.ProviderRef != sid || sid == "" {
		return false
	}
	for _, p := range r.Progress {
		if p.ProviderRef == sid && FinalCall(p.Status) {
			return false
		}
	}
	return true
}

// clip cuts a status Twilio answered to what the log keeps.
func clip(s string) string {
	if len(s) > 32 {
		s = s[:32]
	}
	return strings.ToValidUTF8(s, "")
}
