package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/phone"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// What serve-twiml needs to act on a text a person sends back: the
// reminder a "1" confirms, and the numbers that said STOP (the table
// sms_opt_outs, read by the sms channel before it texts).

// SMSOptOut is the opt-out state of one phone number.
type SMSOptOut struct {
	Phone     string    // E.164
	OptedOut  bool      // true: the sms channel does not text the number
	Keyword   string    // what changed it last: STOP, START, ..., or OptOutTwilio21610
	ChangedAt time.Time // when
}

// OptOutTwilio21610 is the keyword of an opt-out learnt from Twilio's
// refusal to text an unsubscribed number (error 21610), not from a reply.
const OptOutTwilio21610 = "twilio-21610"

var setSMSOptOutSQL = map[Dialect]string{
	MySQL: `INSERT INTO sms_opt_outs (phone, opted_out, keyword, changed_at) VALUES (?, ?, ?, ?)
ON DUPLICATE KEY UPDATE opted_out = VALUES(opted_out), keyword = VALUES(keyword), changed_at = VALUES(changed_at)`,
	SQLite: `INSERT INTO sms_opt_outs (phone, opted_out, keyword, changed_at) VALUES (?, ?, ?, ?)
ON CONFLICT (phone) DO UPDATE SET opted_out = excluded.opted_out, keyword = excluded.keyword, changed_at = excluded.changed_at`,
}

// SetSMSOptOut records that number (E.164) opted out of texts (optedOut)
// or back in, by keyword (at most 32 bytes). Bad input is a *FieldError
// (IsInvalid) and writes nothing.
func (s *Store) SetSMSOptOut(ctx context.Context, number string, optedOut bool, keyword string) (SMSOptOut, error) {
	var fe fieldErrors
	if !phone.IsE164(number) {
		fe.add("phone", "%q is not in E.164 form (+<country><number>)", number)
	}
	if keyword == "" || len(keyword) > 32 {
		fe.add("keyword", "must be 1 to 32 bytes, got %d", len(keyword))
	}
	if err := fe.err(); err != nil {
		return SMSOptOut{}, err
	}
	o := SMSOptOut{Phone: number, OptedOut: optedOut, Keyword: keyword, ChangedAt: s.clock()}
	if _, err := s.db.ExecContext(ctx, setSMSOptOutSQL[s.dialect], o.Phone, o.OptedOut, o.Keyword, o.ChangedAt); err != nil {
		return SMSOptOut{}, fmt.Errorf("record the sms opt-out of %s: %w", number, err)
	}
	return o, nil
}

const smsOptOutSQL = `SELECT phone, opted_out, keyword, changed_at FROM sms_opt_outs WHERE phone = ?`

// SMSOptOutOf returns the opt-out state of number; ok is false when the
// number never said STOP or START (it may be texted).
func (s *Store) SMSOptOutOf(ctx context.Context, number string) (o SMSOptOut, ok bool, err error) {
	var changed anyTime
	err = s.db.QueryRowContext(ctx, smsOptOutSQL, number).Scan(&o.Phone, &o.OptedOut, &o.Keyword, &changed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return SMSOptOut{}, false, nil
	case err != nil:
		return SMSOptOut{}, false, fmt.Errorf("sms opt-out of %s: %w", number, err)
	}
	o.ChangedAt = changed.Time
	return o, true, nil
}

// SMSReply is the delivery a text from a phone number answers.
type SMSReply struct {
	DeliveryID int64
	Token      string // for ApplyReport
	Title      string // the registration's title
	Language   string // the person's language tag
}

// latestSMSSQL: the newest text sent to a number, not yet acknowledged,
// of one of the people with that number (their deliveries by the index
// on user_id). A reminder (or a moved notice) counts until its event
// started a while ago, anything else (a message sent now, a test) while
// it is recent.
const latestSMSSQL = `SELECT d.id, d.token, r.title, u.language
FROM deliveries d
JOIN registrations r ON r.id = d.registration_id
JOIN users u ON u.id = d.user_id
WHERE d.user_id IN (SELECT id FROM users WHERE phone = ?) AND d.channel = ? AND d.target = ? AND d.state = ?
AND d.sent_at >= ? AND (d.kind NOT IN (?, ?) OR d.occurrence_at >= ?)
ORDER BY d.sent_at DESC, d.id DESC LIMIT 1`

// LatestSMSAwaitingReply finds the newest text sent to number (E.164)
// that is still sent (not acknowledged, failed or cancelled): sent no
// earlier than sentSince and, for a reminder or a moved notice, of an
// event that started no earlier than startedSince. ErrNotFound if none.
func (s *Store) LatestSMSAwaitingReply(ctx context.Context, number string, sentSince, startedSince time.Time) (SMSReply, error) {
	var r SMSReply
	err := s.db.QueryRowContext(ctx, latestSMSSQL, number, schedule.ChannelSMS, number, StateSent, dbTime(sentSince),
		KindReminder, KindMoved, dbTime(startedSince)).Scan(&r.DeliveryID, &r.Token, &r.Title, &r.Language)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return SMSReply{}, fmt.Errorf("text awaiting a reply from %s: %w", number, ErrNotFound)
	case err != nil:
		return SMSReply{}, fmt.Errorf("text awaiting a reply from %s: %w", number, err)
	}
	return r, nil
}

const languageOfPhoneSQL = `SELECT language FROM users WHERE phone = ? ORDER BY disabled, id LIMIT 1`

// LanguageOfPhone returns the language tag of the person with number
// (the first enabled one if several share it); "" if nobody has it.
func (s *Store) LanguageOfPhone(ctx context.Context, number string) (string, error) {
	var lang string
	err := s.db.QueryRowContext(ctx, languageOfPhoneSQL, number).Scan(&lang)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("language of %s: %w", number, err)
	}
	return lang, nil
}
