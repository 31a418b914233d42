// Package twiliostatus decides what Twilio's word about a call or a text
// message does to its delivery: a status callback that serve-twiml
// received, or a call's status that invoke looked up because no callback
// came (Reconcile). It is the one place that says what a final call status
// does (answered; busy, no-answer, failed: called again after
// twiml.retry_delay, at most twiml.max_call_retries times, never once the
// event has started; canceled: failed) and in what order reports apply
// (SequenceNumber, Timestamp, the order of statuses). It writes nothing:
// its decisions are store.ReportChanges, which store.ApplyReport writes in
// the transaction that read the delivery.
package twiliostatus

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// The refusals: nothing is written.
var (
	// ErrWrongChannel: the delivery is not on the channel the report is about.
	ErrWrongChannel = errors.New("the delivery is not on this report's channel")
	// ErrOtherCall: the call or message is not the delivery's.
	ErrOtherCall = errors.New("the call or message is not this delivery's")
)

// Report is one report about a call or message: a status callback, or the
// status Twilio's API answered.
type Report struct {
	SID        string    // CallSid / MessageSid
	Status     string    // CallStatus / MessageStatus
	Seq        int       // SequenceNumber; -1 when not given
	At         time.Time // Timestamp; zero when not given
	AnsweredBy string    // AnsweredBy (answering machine detection)
	Detail     string    // duration, error code: for the delivery log
}

// The call statuses, in the order a call goes through them; every status
// from completed on ends the call.
var callRank = map[string]int{
	"queued": 1, "initiated": 2, "ringing": 3, "in-progress": 4,
	"completed": 5, "busy": 5, "no-answer": 5, "failed": 5, "canceled": 5,
}

// The message statuses, likewise; delivered, undelivered, failed and
// canceled end a message (read may follow delivered on some channels).
var messageRank = map[string]int{
	"accepted": 1, "scheduled": 1, "queued": 1, "sending": 2, "sent": 3,
	"delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4, "partially_delivered": 4, "read": 5,
}

// CallStatus reports whether s is a call status Twilio reports.
func CallStatus(s string) bool { return callRank[s] != 0 }

// MessageStatus reports whether s is a message status Twilio reports.
func MessageStatus(s string) bool { return messageRank[s] != 0 }

// FinalCall reports whether call status s ends the call.
func FinalCall(s string) bool { return callRank[s] == maxRank(callRank) }

// retryable call statuses: nobody picked up.
func retryable(status string) bool {
	return status == "busy" || status == "no-answer" || status == "failed"
}

// IsMachine reports whether AnsweredBy names an answering machine.
func IsMachine(answeredBy string) bool { return strings.HasPrefix(answeredBy, "machine") }

// RetryPolicy is what happens to a call nobody answered.
type RetryPolicy struct {
	Delay time.Duration // twiml.retry_delay
	Max   int           // twiml.max_call_retries
}

// Decision is what a report does to a delivery, and the outcome to count.
type Decision struct {
	Change  store.ReportChange
	Outcome string
}

// Whose finds the report's call or message among the delivery's: current
// (the delivery's own, or one invoke could not read the SID of, adopted),
// or known (an earlier one, before a retry). Neither: not ours.
func Whose(r store.Report, sid string) (prev store.Progress, known, current bool) {
	for _, p := range r.Progress {
		if p.ProviderRef == sid {
			prev, known = p, true
		}
	}
	d := r.Delivery
	current = d.ProviderRef == sid || (d.ProviderRef == "" && !known &&
		(d.State == store.StateSent || d.State == store.StateSending || lostAnswer(d, sid)))
	return prev, known, current
}

// lostAnswer reports whether a report about call sid is about one Twilio
// made although invoke's request failed (a timeout, a connection broken
// after Twilio had acted on it), so that invoke planned a retry: the
// delivery waits for it, with no call of its own, or with sid itself, kept
// by a report that came while invoke was still waiting. The report is
// signed and names the delivery's token, which Twilio has only from
// invoke's request: the call was made.
func lostAnswer(d store.Delivery, sid string) bool {
	return d.State == store.StatePending && d.Attempts > 0 && (d.ProviderRef == "" || d.ProviderRef == sid)
}

// adopt makes a call or message that Twilio reports on the delivery's
// when invoke never learnt of it, and returns the state the report then
// applies to. While invoke still waits on Twilio (or was killed waiting),
// the SID is kept and the state left to invoke, which, seeing it, records
// the call as made instead of making it again. Once invoke has planned a
// retry, the call is adopted: sent, and the retry is not made.
func adopt(c *store.ReportChange, d store.Delivery, sid string, log *store.Attempt) store.DeliveryState {
	switch {
	case d.State == store.StateSending && d.ProviderRef == "":
		log.Detail += "; reported before invoke recorded it: its SID is kept, so that it is not made again"
	case lostAnswer(d, sid):
		c.State = store.StateSent
		log.Detail += "; made although invoke's request for it failed: adopted, the planned retry is not made"
		return store.StateSent
	}
	return d.State
}

// newer reports whether rep comes after prev, the last report applied to
// the same call: by SequenceNumber when both have one, else by Timestamp
// when both have one and they differ, else by the order of statuses. After
// a final status nothing is newer.
func newer(prev store.Progress, known bool, rep Report, rank map[string]int) bool {
	switch {
	case !known || prev.Status == "":
		return true
	case rank[prev.Status] == maxRank(rank):
		return false
	case rep.Seq >= 0 && prev.Sequence >= 0:
		return rep.Seq > prev.Sequence
	case !rep.At.IsZero() && !prev.EventAt.IsZero() && !rep.At.Equal(prev.EventAt):
		return rep.At.After(prev.EventAt)
	}
	return rank[rep.Status] > rank[prev.Status]
}

func maxRank(rank map[string]int) int {
	m := 0
	for _, v := range rank {
		m = max(m, v)
	}
	return m
}

// DecideCall is what a call status report does, given the delivery as it
// is now. It never moves a delivery backwards: answered and acknowledged
// stay, only a sent call is retried or fails, and a report older than one
// applied, or about an earlier call, goes to the log only. It never
// acknowledges: only a pressed 1 does (serve-twiml's gather webhook).
// ErrWrongChannel and ErrOtherCall mean nothing is written.
func DecideCall(r store.Report, rep Report, policy RetryPolicy) (Decision, error) {
	d := r.Delivery
	if d.Channel != schedule.ChannelCall {
		return Decision{}, ErrWrongChannel
	}
	prev, known, current := Whose(r, rep.SID)
	if !known && !current {
		return Decision{}, ErrOtherCall
	}
	p := prev
	if !known {
		p = store.Progress{ProviderRef: rep.SID, Sequence: -1}
	}
	p.Reports++
	log := &store.Attempt{Attempt: d.Attempts, ProviderStatus: rep.Status}
	c := store.ReportChange{Progress: &p, Log: log}
	if !current {
		log.Outcome, log.Detail = "late", fmt.Sprintf("call %s: %s, about an earlier call of this reminder: ignored", rep.SID, rep.Status)
		return Decision{c, "earlier_call"}, nil
	}
	if !newer(prev, known, rep, callRank) {
		log.Outcome, log.Detail = "late", fmt.Sprintf("call %s: %s%s arrived after %s%s: ignored",
			rep.SID, rep.Status, seqText(rep.Seq), prev.Status, seqText(prev.Sequence))
		return Decision{c, "out_of_order"}, nil
	}
	p.Status, p.Sequence, p.EventAt = rep.Status, rep.Seq, rep.At
	if rep.AnsweredBy != "" {
		p.AnsweredBy = rep.AnsweredBy
	}
	if d.ProviderRef == "" {
		c.AdoptProviderRef = rep.SID
	}
	log.Detail = fmt.Sprintf("call %s: %s%s", rep.SID, rep.Status, rep.Detail)
	state := adopt(&c, d, rep.SID, log)
	switch {
	case rep.Status == "in-progress" || rep.Status == "completed":
		log.Outcome = map[string]string{"in-progress": "answered", "completed": "completed"}[rep.Status]
		if IsMachine(p.AnsweredBy) { // the voice request leaves the message and logs "voicemail"
			log.Detail += " (answering machine)"
		}
		if state == store.StateSent {
			c.State = store.StateAnswered
		}
	case retryable(rep.Status) || rep.Status == "canceled":
		if state != store.StateSent { // answered or acknowledged already: nothing to retry
			log.Outcome = "ended"
			break
		}
		retryCall(&c, r, rep, policy)
	default: // queued, initiated, ringing
		log.Outcome = "progress"
	}
	return Decision{c, log.Outcome}, nil
}

// retryCall schedules another call after a busy, unanswered or failed one,
// or fails the delivery: no retry left, or none before the event starts.
func retryCall(c *store.ReportChange, r store.Report, rep Report, policy RetryPolicy) {
	d := r.Delivery
	ended := 1 // this call
	for _, p := range r.Progress {
		if p.ProviderRef != rep.SID && retryable(p.Status) {
			ended++
		}
	}
	next := r.Now.Add(policy.Delay)
	var why string
	switch {
	case rep.Status == "canceled":
		why = "the call was canceled"
	case ended > policy.Max:
		why = fmt.Sprintf("no retry left (%d calls)", ended)
	case startsBy(d, next):
		why = "no time to call again before the event at " + d.OccurrenceAt.UTC().Format(time.RFC3339)
	}
	if why != "" {
		c.State, c.LastError = store.StateFailed, fmt.Sprintf("call %s: %s", rep.Status, why)
		c.Log.Outcome, c.Log.Detail = "failed", c.Log.Detail+"; "+why
		return
	}
	c.State, c.NextAttemptAt, c.ClearProviderRef = store.StatePending, next, true
	c.LastError = fmt.Sprintf("call %s; calling again at %s (retry %d of %d)", rep.Status, next.UTC().Format(time.RFC3339), ended, policy.Max)
	c.Log.Outcome, c.Log.Detail = "retry", c.Log.Detail+fmt.Sprintf("; calling again at %s (retry %d of %d)",
		next.UTC().Format(time.RFC3339), ended, policy.Max)
}

// startsBy reports whether the event of a reminder (or of a notice that
// it moved) has started at t: nothing is worth saying then.
func startsBy(d store.Delivery, t time.Time) bool {
	return (d.Kind == store.KindReminder || d.Kind == store.KindMoved) && !t.Before(d.OccurrenceAt)
}

// DecideMessage is what a message status report does: progress and
// delivery go to the log, undelivered or failed fails a sent delivery.
func DecideMessage(r store.Report, rep Report) (Decision, error) {
	d := r.Delivery
	if d.Channel != schedule.ChannelSMS {
		return Decision{}, ErrWrongChannel
	}
	prev, known, current := Whose(r, rep.SID)
	if !known && !current {
		return Decision{}, ErrOtherCall
	}
	p := prev
	if !known {
		p = store.Progress{ProviderRef: rep.SID, Sequence: -1}
	}
	p.Reports++
	log := &store.Attempt{Attempt: d.Attempts, ProviderStatus: rep.Status,
		Detail: fmt.Sprintf("message %s: %s%s", rep.SID, rep.Status, rep.Detail)}
	c := store.ReportChange{Progress: &p, Log: log}
	if !current || !newer(prev, known, rep, messageRank) {
		log.Outcome, log.Detail = "late", log.Detail+fmt.Sprintf(" arrived after %s: ignored", prev.Status)
		return Decision{c, "out_of_order"}, nil
	}
	p.Status, p.EventAt = rep.Status, rep.At
	if d.ProviderRef == "" {
		c.AdoptProviderRef = rep.SID
	}
	state := adopt(&c, d, rep.SID, log)
	switch rep.Status {
	case "delivered", "read":
		log.Outcome = "delivered"
	case "undelivered", "failed", "canceled":
		log.Outcome = "failed"
		if state == store.StateSent {
			c.State, c.LastError = store.StateFailed, "text message "+rep.Status+rep.Detail
		}
	default:
		log.Outcome = "progress"
	}
	return Decision{c, log.Outcome}, nil
}

func seqText(seq int) string {
	if seq < 0 {
		return ""
	}
	return fmt.Sprintf(" (sequence %d)", seq)
}
