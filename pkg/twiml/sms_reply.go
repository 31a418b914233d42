package twiml

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/phone"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// A text a person sends to twilio.from_number reaches serve-twiml as
// Twilio's incoming-message webhook ("A message comes in" on the number,
// POST {public_url}{prefix}sms/incoming), signed like every other request.
//
// What it answers: a confirmation ("1", "OK", "はい", ...) gets one short
// <Message> in the person's language, that it was confirmed or that no
// reminder sent to the number awaits a reply: without it a person cannot
// tell whether the reply was understood, and one segment is worth that.
// STOP and START get an empty <Response>: Twilio answers those words
// itself (and, after STOP, refuses to text the number: a <Message> would
// fail with error 21610). Any other text gets an empty <Response>: an
// answer to every stray text would cost a message each, and could loop
// with an auto-responder.

// Message IDs of the answers, in the catalogues.
const (
	smsConfirmedID = "SMSReplyConfirmed"
	smsNothingID   = "SMSReplyNothing"
)

// Defaults of Options.SMSReplyAfterStart and SMSReplyMaxAge.
const (
	DefaultSMSReplyAfterStart = 15 * time.Minute
	DefaultSMSReplyMaxAge     = 24 * time.Hour
)

// smsIncoming handles a text sent back to the deployment's number.
func (s *Server) smsIncoming(ctx context.Context, req *request) (reply, error) {
	from := req.form.Get("From")
	switch {
	case !plausibleSID(req.form.Get("MessageSid")):
		return reply{}, badRequest{"MessageSid is missing or is not a SID"}
	case !phone.IsE164(from):
		return reply{}, badRequest{"From is missing or is not an E.164 phone number"}
	}
	kind, word := classifyReply(req.form.Get("Body"))
	if kind == replyYes {
		kind = replyAck
		o, ok, err := s.opts.Store.SMSOptOutOf(ctx, from)
		if err != nil {
			return reply{}, err
		}
		if ok && o.OptedOut {
			kind = replyOptIn
		}
	}
	switch kind {
	case replyOptOut, replyOptIn:
		if _, err := s.opts.Store.SetSMSOptOut(ctx, from, kind == replyOptOut, word); err != nil {
			return reply{}, fmt.Errorf("record %s: %w", word, err)
		}
		outcome := "opted_out"
		if kind == replyOptIn {
			outcome = "opted_in"
		}
		s.log.Info("text reply: "+outcome, "keyword", word)
		doc, err := emptyDoc()
		return reply{doc, outcome}, err
	case replyAck:
		return s.smsAck(ctx, req, from)
	}
	doc, err := emptyDoc()
	return reply{doc, "ignored"}, err
}

// smsAck acknowledges the latest text sent to from that awaits a reply,
// as pressing 1 on a call does: the delivery is acknowledged and what is
// still pending of the same reminder on other channels is cancelled.
func (s *Server) smsAck(ctx context.Context, req *request, from string) (reply, error) {
	now := s.opts.Now()
	m, err := s.opts.Store.LatestSMSAwaitingReply(ctx, from, now.Add(-s.opts.SMSReplyMaxAge), now.Add(-s.opts.SMSReplyAfterStart))
	if errors.Is(err, store.ErrNotFound) {
		return s.smsNothing(ctx, from)
	}
	if err != nil {
		return reply{}, err
	}
	req.delivery = m.DeliveryID
	sid := req.form.Get("MessageSid")
	outcome := ""
	err = s.apply(ctx, m.Token, func(r store.Report) (store.ReportChange, error) {
		d, err := decideSMSAck(r, sid)
		outcome = d.Outcome
		return d.Change, err
	})
	var ref *refusal
	switch {
	case errors.As(err, &ref): // acknowledged, failed or cancelled meanwhile
		return s.smsNothing(ctx, from)
	case err != nil:
		return reply{}, storeError("acknowledge", err)
	}
	doc, err := messageDoc(s.opts.Templates.Phrase(m.Language, smsConfirmedID))
	return reply{doc, outcome}, err
}

// smsNothing answers a confirmation that finds no text to confirm, in the
// language of the person with that number.
func (s *Server) smsNothing(ctx context.Context, from string) (reply, error) {
	lang, err := s.opts.Store.LanguageOfPhone(ctx, from)
	if err != nil {
		return reply{}, err
	}
	doc, err := messageDoc(s.opts.Templates.Phrase(lang, smsNothingID))
	return reply{doc, "nothing_to_confirm"}, err
}

// decideSMSAck: a confirmation texted back acknowledges a text that is
// still sent, and cancels what is pending of the same reminder on other
// channels. Anything else has changed since the lookup: a refusal.
func decideSMSAck(r store.Report, sid string) (decision, error) {
	d := r.Delivery
	switch {
	case d.Channel != schedule.ChannelSMS:
		return decision{}, errWrongChannel
	case d.State == store.StateCancelled:
		return decision{}, errCancelled
	case d.State != store.StateSent:
		return decision{}, errOtherCall
	}
	return decision{Outcome: "acknowledged", Change: store.ReportChange{
		State: store.StateAcknowledged, MarkRead: true,
		Log: &store.Attempt{Attempt: d.Attempts, Outcome: "acknowledged", ProviderStatus: "reply",
			Detail: fmt.Sprintf("message %s: confirmed by a text reply", sid)},
		CancelSiblings: fmt.Sprintf("acknowledged by a text reply (delivery #%d)", d.ID),
	}}, nil
}
