package twiml

import (
	"fmt"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// report is one status callback: what Twilio says about one call or message.
type report struct {
	sid        string    // CallSid / MessageSid
	status     string    // CallStatus / MessageStatus
	seq        int       // SequenceNumber; -1 when not given
	at         time.Time // Timestamp; zero when not given
	answeredBy string    // AnsweredBy (answering machine detection)
	detail     string    // duration, error code: for the delivery log
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

// retryable call statuses: nobody picked up.
func retryable(status string) bool {
	return status == "busy" || status == "no-answer" || status == "failed"
}

// isMachine reports whether AnsweredBy names an answering machine.
func isMachine(answeredBy string) bool { return strings.HasPrefix(answeredBy, "machine") }

// retryPolicy is what happens to a call nobody answered.
type retryPolicy struct {
	delay time.Duration // twiml.retry_delay
	max   int           // twiml.max_call_retries
}

// decision is what a report does to a delivery, and the outcome to count.
type decision struct {
	change  store.ReportChange
	outcome string
}

// whose finds the report's call or message among the delivery's: current
// (the delivery's own, or one invoke could not read the SID of, adopted),
// or known (an earlier one, before a retry). Neither: not ours.
func whose(r store.Report, sid string) (prev store.Progress, known, current bool) {
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
func newer(prev store.Progress, known bool, rep report, rank map[string]int) bool {
	switch {
	case !known || prev.Status == "":
		return true
	case rank[prev.Status] == maxRank(rank):
		return false
	case rep.seq >= 0 && prev.Sequence >= 0:
		return rep.seq > prev.Sequence
	case !rep.at.IsZero() && !prev.EventAt.IsZero() && !rep.at.Equal(prev.EventAt):
		return rep.at.After(prev.EventAt)
	}
	return rank[rep.status] > rank[prev.Status]
}

func maxRank(rank map[string]int) int {
	m := 0
	for _, v := range rank {
		m = max(m, v)
	}
	return m
}

// decideCall is what a call status callback does, given the delivery as
// it is now. It never moves a delivery backwards: answered and
// acknowledged stay, only a sent call is retried or fails, and a report
// older than one applied, or about an earlier call, goes to the log only.
// errRefused (errOtherCall, errWrongChannel) means nothing is written.
func decideCall(r store.Report, rep report, policy retryPolicy) (decision, error) {
	d := r.Delivery
	if d.Channel != schedule.ChannelCall {
		return decision{}, errWrongChannel
	}
	prev, known, current := whose(r, rep.sid)
	if !known && !current {
		return decision{}, errOtherCall
	}
	p := prev
	if !known {
		p = store.Progress{ProviderRef: rep.sid, Sequence: -1}
	}
	p.Reports++
	log := &store.Attempt{Attempt: d.Attempts, ProviderStatus: rep.status}
	c := store.ReportChange{Progress: &p, Log: log}
	if !current {
		log.Outcome, log.Detail = "late", fmt.Sprintf("call %s: %s, about an earlier call of this reminder: ignored", rep.sid, rep.status)
		return decision{c, "earlier_call"}, nil
	}
	if !newer(prev, known, rep, callRank) {
		log.Outcome, log.Detail = "late", fmt.Sprintf("call %s: %s%s arrived after %s%s: ignored",
			rep.sid, rep.status, seqText(rep.seq), prev.Status, seqText(prev.Sequence))
		return decision{c, "out_of_order"}, nil
	}
	p.Status, p.Sequence, p.EventAt = rep.status, rep.seq, rep.at
	if rep.answeredBy != "" {
		p.AnsweredBy = rep.answeredBy
	}
	if d.ProviderRef == "" {
		c.AdoptProviderRef = rep.sid
	}
	log.Detail = fmt.Sprintf("call %s: %s%s", rep.sid, rep.status, rep.detail)
	state := adopt(&c, d, rep.sid, log)
	switch {
	case rep.status == "in-progress" || rep.status == "completed":
		log.Outcome = map[string]string{"in-progress": "answered", "completed": "completed"}[rep.status]
		if isMachine(p.AnsweredBy) { // the voice request leaves the message and logs "voicemail"
			log.Detail += " (answering machine)"
		}
		if state == store.StateSent {
			c.State = store.StateAnswered
		}
	case retryable(rep.status) || rep.status == "canceled":
		if state != store.StateSent { // answered or acknowledged already: nothing to retry
			log.Outcome = "ended"
			break
		}
		retryCall(&c, r, rep, policy)
	default: // queued, initiated, ringing
		log.Outcome = "progress"
	}
	return decision{c, log.Outcome}, nil
}

// retryCall schedules another call after a busy, unanswered or failed one,
// or fails the delivery: no retry left, or none before the event starts.
func retryCall(c *store.ReportChange, r store.Report, rep report, policy retryPolicy) {
	d := r.Delivery
	ended := 1 // this call
	for _, p := range r.Progress {
		if p.ProviderRef != rep.sid && retryable(p.Status) {
			ended++
		}
	}
	next := r.Now.Add(policy.delay)
	var why string
	switch {
	case rep.status == "canceled":
		why = "the call was canceled"
	case ended > policy.max:
		why = fmt.Sprintf("no retry left (%d calls)", ended)
	case startsBy(d, next):
		why = "no time to call again before the event at " + d.OccurrenceAt.UTC().Format(time.RFC3339)
	}
	if why != "" {
		c.State, c.LastError = store.StateFailed, fmt.Sprintf("call %s: %s", rep.status, why)
		c.Log.Outcome, c.Log.Detail = "failed", c.Log.Detail+"; "+why
		return
	}
	c.State, c.NextAttemptAt, c.ClearProviderRef = store.StatePending, next, true
	c.LastError = fmt.Sprintf("call %s; calling again at %s (retry %d of %d)", rep.status, next.UTC().Format(time.RFC3339), ended, policy.max)
	c.Log.Outcome, c.Log.Detail = "retry", c.Log.Detail+fmt.Sprintf("; calling again at %s (retry %d of %d)",
		next.UTC().Format(time.RFC3339), ended, policy.max)
}

// startsBy reports whether the event of a reminder (or of a notice that
// it moved) has started at t: nothing is worth saying then.
func startsBy(d store.Delivery, t time.Time) bool {
	return (d.Kind == store.KindReminder || d.Kind == store.KindMoved) && !t.Before(d.OccurrenceAt)
}

// decideMessage is what a message status callback does: progress and
// delivery go to the log, undelivered or failed fails a sent delivery.
func decideMessage(r store.Report, rep report) (decision, error) {
	d := r.Delivery
	if d.Channel != schedule.ChannelSMS {
		return decision{}, errWrongChannel
	}
	prev, known, current := whose(r, rep.sid)
	if !known && !current {
		return decision{}, errOtherCall
	}
	p := prev
	if !known {
		p = store.Progress{ProviderRef: rep.sid, Sequence: -1}
	}
	p.Reports++
	log := &store.Attempt{Attempt: d.Attempts, ProviderStatus: rep.status,
		Detail: fmt.Sprintf("message %s: %s%s", rep.sid, rep.status, rep.detail)}
	c := store.ReportChange{Progress: &p, Log: log}
	if !current || !newer(prev, known, rep, messageRank) {
		log.Outcome, log.Detail = "late", log.Detail+fmt.Sprintf(" arrived after %s: ignored", prev.Status)
		return decision{c, "out_of_order"}, nil
	}
	p.Status, p.EventAt = rep.status, rep.at
	if d.ProviderRef == "" {
		c.AdoptProviderRef = rep.sid
	}
	state := adopt(&c, d, rep.sid, log)
	switch rep.status {
	case "delivered", "read":
		log.Outcome = "delivered"
	case "undelivered", "failed", "canceled":
		log.Outcome = "failed"
		if state == store.StateSent {
			c.State, c.LastError = store.StateFailed, "text message "+rep.status+rep.detail
		}
	default:
		log.Outcome = "progress"
	}
	return decision{c, log.Outcome}, nil
}

func seqText(seq int) string {
	if seq < 0 {
		return ""
	}
	return fmt.Sprintf(" (sequence %d)", seq)
}
