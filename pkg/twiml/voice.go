package twiml

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/twiliostatus"
)

// voice answers Twilio's request for what the call says, once the call is
// answered: the reminder, twice, and "press 1"; on an answering machine,
// the reminder as a voicemail.
func (s *Server) voice(ctx context.Context, req *request) (reply, error) {
	c, err := s.lookup(ctx, req)
	if err != nil {
		return reply{}, err
	}
	sid := req.form.Get("CallSid")
	if err := callable(c, sid); err != nil {
		return reply{}, err
	}
	text, err := s.words(c)
	if err != nil {
		return reply{}, err
	}
	switch answeredBy := req.form.Get("AnsweredBy"); {
	case twiliostatus.IsMachine(answeredBy) || answeredBy == "fax":
		s.recordMachine(ctx, req, sid, answeredBy)
		if answeredBy == "fax" {
			doc, err := hangupDoc()
			return reply{doc, "fax"}, err
		}
		doc, err := voicemailDoc(req.voice, text)
		return reply{doc, "voicemail"}, err
	}
	doc, err := reminderDoc(req.voice, text, s.routes.Gather(req.token), "")
	return reply{doc, "spoken"}, err
}

// gather answers the key the person pressed: 1 acknowledges the reminder,
// any other key (or none) hears it again.
func (s *Server) gather(ctx context.Context, req *request) (reply, error) {
	c, err := s.lookup(ctx, req)
	if err != nil {
		return reply{}, err
	}
	sid := req.form.Get("CallSid")
	if err := callable(c, sid); err != nil {
		return reply{}, err
	}
	if req.form.Get("Digits") != "1" {
		text, err := s.words(c)
		if err != nil {
			return reply{}, err
		}
		doc, err := reminderDoc(req.voice, text, s.routes.Gather(req.token), req.voice.phrase(repeatID))
		return reply{doc, "repeated"}, err
	}
	outcome := ""
	err = s.apply(ctx, req.token, func(r store.Report) (store.ReportChange, error) {
		d, err := decideAck(r, sid)
		outcome = d.Outcome
		return d.Change, err
	})
	if err != nil {
		return reply{}, storeError("acknowledge", err)
	}
	doc, err := sayDoc(req.voice, req.voice.phrase(confirmedID))
	return reply{doc, outcome}, err
}

// lookup finds the delivery of req's token and how to speak to its
// person, in the cache or the database. While invoke has placed the call
// but not recorded it yet (the delivery is still being sent, with no call
// SID), it waits for that, at most Options.RecordWait.
func (s *Server) lookup(ctx context.Context, req *request) (store.Claim, error) {
	if !plausibleToken(req.token) {
		return store.Claim{}, errUnknownToken
	}
	found := func(c store.Claim) (store.Claim, error) {
		req.delivery = c.ID
		req.voice = s.voiceFor(c.User.Language)
		return c, nil
	}
	if c, ok := s.calls.get(req.token, s.opts.Now()); ok {
		return found(c)
	}
	deadline := time.Now().Add(s.opts.RecordWait)
	if d, ok := ctx.Deadline(); ok && d.Add(-afterRecordWait).Before(deadline) {
		deadline = d.Add(-afterRecordWait)
	}
	for {
		c, err := s.opts.Store.CallByToken(ctx, req.token)
		if err != nil {
			return store.Claim{}, storeError("look up the delivery", err)
		}
		if recorded := c.State != store.StateSending || c.ProviderRef != ""; recorded || !time.Now().Before(deadline) {
			if recorded {
				s.calls.put(req.token, c, s.opts.Now())
			}
			return found(c)
		}
		select {
		case <-ctx.Done():
			return store.Claim{}, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// voiceFor is how a call speaks to a person whose language tag is tag
// ("" for the deployment's default language).
func (s *Server) voiceFor(tag string) voiceOf { return voiceIn(s.opts.Templates, tag) }

// voiceIn is how a call speaks with templates t to a person whose language
// tag is tag.
func voiceIn(t *message.Templates, tag string) voiceOf {
	v := t.Language(tag).Voice()
	return voiceOf{language: v.Language, voice: v.Name, phrase: func(id string) string { return t.Phrase(tag, id) }}
}

// afterRecordWait is the time a request keeps, of its deadline, for what
// it does once lookup stopped waiting for invoke's record: apply the report.
const afterRecordWait = time.Second

// apply writes what a request reports about token's delivery, in one
// transaction, and drops the call from the cache: the next request reads
// what was written.
func (s *Server) apply(ctx context.Context, token string, decide func(store.Report) (store.ReportChange, error)) error {
	defer s.calls.forget(token)
	_, err := s.opts.Store.ApplyReport(ctx, token, decide)
	return err
}

// storeError maps the store's "not found" to the refusal of an unknown
// token; anything else is the database's failure.
func storeError(what string, err error) error {
	var ref *refusal
	switch {
	case errors.As(err, &ref):
		return err
	case errors.Is(err, store.ErrNotFound):
		return errUnknownToken
	}
	return fmt.Errorf("%s: %w", what, err)
}

// callable says whether the call sid of delivery c may hear its reminder.
func callable(c store.Claim, sid string) error {
	switch {
	case c.Channel != schedule.ChannelCall:
		return errWrongChannel
	case c.State == store.StateCancelled:
		return errCancelled
	case c.State == store.StatePending || c.State == store.StateFailed:
		return errOtherCall // a retry is planned or it is over: this is an earlier call
	case c.ProviderRef != "" && sid != c.ProviderRef:
		return errOtherCall
	}
	return nil
}

// words are what the call says: the call template, as invoke renders it
// (or as a request about the same call rendered it a moment ago), unless
// the reminder is over (its event started) or void (cancelled).
func (s *Server) words(c store.Claim) (string, error) {
	now := s.opts.Now()
	m := dispatch.Message(c, s.opts.PublicURL)
	if m.Stale(now) {
		return "", errExpired
	}
	if why := dispatch.SkipReason(c, m, now); why != "" {
		return "", errCancelled
	}
	if text, ok := s.calls.words(c.Token, now); ok {
		return text, nil
	}
	text, err := s.opts.Templates.Render(message.Call, m, now)
	if err != nil {
		return "", fmt.Errorf("delivery #%d: %w", c.ID, err)
	}
	s.calls.keepWords(c.Token, text, now)
	return text, nil
}

// recordMachine notes that an answering machine (or a fax) took the call.
// The message is left all the same when that cannot be written.
func (s *Server) recordMachine(ctx context.Context, req *request, sid, answeredBy string) {
	err := s.apply(ctx, req.token, func(r store.Report) (store.ReportChange, error) {
		return decideMachine(r, sid, answeredBy), nil
	})
	if err != nil {
		s.log.Error("record an answering machine", "route", req.route, "delivery", req.delivery, "err", err)
	}
}

// decideMachine: a machine that took a sent call counts as answered (the
// message is left), not acknowledged; a fax fails the delivery.
func decideMachine(r store.Report, sid, answeredBy string) store.ReportChange {
	d := r.Delivery
	prev, known, current := twiliostatus.Whose(r, sid)
	p := prev
	if !known {
		p = store.Progress{ProviderRef: sid, Sequence: -1}
	}
	p.AnsweredBy = answeredBy
	log := &store.Attempt{Attempt: d.Attempts, Outcome: "voicemail", ProviderStatus: answeredBy,
		Detail: fmt.Sprintf("call %s: answered by a machine (%s): message left", sid, answeredBy)}
	c := store.ReportChange{Progress: &p, Log: log}
	if !current || d.State != store.StateSent {
		return c
	}
	if d.ProviderRef == "" {
		c.AdoptProviderRef = sid
	}
	c.State = store.StateAnswered
	if answeredBy == "fax" {
		log.Outcome, log.Detail = "failed", fmt.Sprintf("call %s: answered by a fax machine: hung up", sid)
		c.State, c.LastError = store.StateFailed, "the number answered as a fax machine"
	}
	return c
}

// decideAck: 1 pressed on a call of the delivery acknowledges it, and
// cancels what is still pending of the same reminder on other channels.
func decideAck(r store.Report, sid string) (decision, error) {
	d := r.Delivery
	switch {
	case d.Channel != schedule.ChannelCall:
		return decision{}, errWrongChannel
	case d.ProviderRef != "" && d.ProviderRef != sid:
		return decision{}, errOtherCall
	case d.State == store.StateAcknowledged:
		return decision{Outcome: "acknowledged_again"}, nil
	case d.State == store.StateCancelled:
		return decision{}, errCancelled
	case d.State != store.StateSent && d.State != store.StateAnswered && d.State != store.StateSending:
		return decision{}, errOtherCall
	}
	c := store.ReportChange{
		State: store.StateAcknowledged, MarkRead: true,
		Log: &store.Attempt{Attempt: d.Attempts, Outcome: "acknowledged", ProviderStatus: "digits 1",
			Detail: fmt.Sprintf("call %s: 1 pressed", sid)},
		CancelSiblings: fmt.Sprintf("acknowledged by phone (delivery #%d)", d.ID),
	}
	if d.ProviderRef == "" {
		c.AdoptProviderRef = sid
	}
	return decision{Change: c, Outcome: "acknowledged"}, nil
}

// plausibleToken reports whether s could be a delivery token (43
// base64url characters): anything else is unknown without a query.
func plausibleToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}
