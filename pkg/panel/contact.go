package panel

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/phone"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// testCooldown is how long after a test notification on a channel the
// next one may be asked for: a phone should not be rung every second.
const testCooldown = 30 * time.Second

var contactFields = []string{"display_name", "email", "phone", "language", "time_zone"}

func (s *Server) contactPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.contactForm(w, r, p, http.StatusOK, savedContact(p.user), nil)
}

// savedContact is the contact form as the person saved it.
func savedContact(u store.User) map[string]string {
	return map[string]string{"display_name": u.DisplayName, "email": u.Email, "phone": u.Phone, "language": u.Language, "time_zone": u.TimeZone}
}

// contactForm shows the contact page: the contact form and the
// preferences form (prefsFields), each with f's input; a form f has no
// input of shows what is saved.
func (s *Server) contactForm(w http.ResponseWriter, r *http.Request, p *principal, status int, f, errs map[string]string) error {
	for k, v := range savedContact(p.user) {
		if _, posted := f[k]; !posted {
			f[k] = v
		}
	}
	d := contactData{Zones: commonZones, Region: s.opts.Config.Defaults.PhoneRegion, Languages: languageChoices(f["language"])}
	var err error
	if d.PreferencesSet, err = s.savedPreferences(r.Context(), p, f); err != nil {
		return err
	}
	if p.user.Phone != "" { // the saved number answered STOP: it is not texted
		o, _, err := s.opts.Store.SMSOptOutOf(r.Context(), p.user.Phone)
		if err != nil {
			return err
		}
		d.TextsStopped = o.OptedOut
	}
	for _, c := range []schedule.Channel{schedule.ChannelCall, schedule.ChannelSMS, schedule.ChannelEmail} {
		if s.opts.Config.SetsUp(c) {
			d.Tests = append(d.Tests, c)
		}
	}
	return s.page(w, r, p, status, "contact", &view{TitleID: "PanelContact", Nav: "contact", Form: f, Errors: errs, Data: d})
}

type contactData struct {
	Zones     []string
	Region    string
	Languages []languageChoice
	Tests     []schedule.Channel // the tests this server can send: call, sms, email
	// TextsStopped: the saved phone number opted out of texts (STOP).
	TextsStopped bool
	// PreferencesSet: the person saved preferences (else the defaults apply).
	PreferencesSet bool
}

// channelNoun names a channel in a sentence.
var channelNoun = map[schedule.Channel]string{schedule.ChannelCall: "Calling", schedule.ChannelSMS: "Texting",
	schedule.ChannelEmail: "Email", schedule.ChannelPush: "Web Push"}

func (s *Server) contactSubmit(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, contactFields...)
	if err != nil {
		return err
	}
	ch, errs := s.contactChanges(f)
	if len(errs) == 0 {
		_, err := s.opts.Store.UpdateUser(r.Context(), p.user.Login, ch)
		switch {
		case store.IsInvalid(err):
			errs = fieldProblems(err, nil)
		case err != nil:
			return err
		default:
			return redirect(w, r, "/contact?done=contact-saved")
		}
	}
	return s.contactForm(w, r, p, http.StatusUnprocessableEntity, f, errs)
}

// contactChanges reads the contact form: a phone number is normalised to
// E.164 (without +, it is read in defaults.phone_region), "" removes it.
func (s *Server) contactChanges(f map[string]string) (store.UserChanges, map[string]string) {
	errs := map[string]string{}
	e164 := ""
	if f["phone"] != "" {
		n, err := phone.Normalize(f["phone"], s.opts.Config.Defaults.PhoneRegion)
		if err != nil {
			errs["phone"] = err.Error()
		}
		e164 = n
	}
	if _, err := schedule.LoadZone(f["time_zone"]); err != nil {
		errs["time_zone"] = err.Error()
	}
	name, email, lang, zone := f["display_name"], f["email"], f["language"], f["time_zone"]
	return store.UserChanges{DisplayName: &name, Email: &email, Phone: &e164, Language: &lang, TimeZone: &zone}, errs
}

// contactTest sends the person a test call, text message or email
// (POST /contact/test/{channel}); what stops it is shown beside the phone
// number or the email address.
func (s *Server) contactTest(w http.ResponseWriter, r *http.Request, p *principal) error {
	channel := schedule.Channel(r.PathValue("channel"))
	field, ok := testField[channel]
	if !ok || channel == schedule.ChannelPush { // a browser's test is on its own page
		return store.ErrNotFound
	}
	if err := s.sendTest(r, p, channel); err != nil {
		if store.IsInvalid(err) || errors.Is(err, store.ErrConflict) || statusOf(err) == http.StatusTooManyRequests {
			return s.contactForm(w, r, p, statusOf(err), savedContact(p.user), map[string]string{field: publicMessage(err, statusOf(err))})
		}
		return err
	}
	return redirect(w, r, "/contact?done=test-"+string(channel))
}

// testField names each channel a test can go on, with the field its
// problems are shown beside.
var testField = map[schedule.Channel]string{schedule.ChannelCall: "phone", schedule.ChannelSMS: "phone",
	schedule.ChannelEmail: "email", schedule.ChannelPush: "push"}

// sendTest puts a test notification on channel for p in the outbox: invoke
// sends it through the real channel, like any reminder.
func (s *Server) sendTest(r *http.Request, p *principal, channel schedule.Channel) error {
	if !s.opts.Config.SetsUp(channel) {
		return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("%s is not set up on this server: ask an admin", channelNoun[channel])}
	}
	switch channel {
	case schedule.ChannelCall, schedule.ChannelSMS:
		if p.user.Phone == "" {
			return fieldErr("phone", "there is no phone number to send it to: add one and save first")
		}
	case schedule.ChannelEmail:
		if p.user.Email == "" {
			return fieldErr("email", "there is no email address to send it to: add one and save first")
		}
	case schedule.ChannelPush:
		subs, err := s.opts.Store.ListPushSubscriptions(r.Context(), p.user.ID, false)
		if err != nil {
			return err
		}
		if len(subs) == 0 {
			return fieldErr("push", "no browser is subscribed: enable notifications first")
		}
	}
	key := string(channel) + ":" + p.user.Login
	now := s.now()
	if blocked, _ := s.tests.blocked(key, now); blocked {
		return &httpError{status: http.StatusTooManyRequests, msg: "a test was sent a moment ago: wait half a minute"}
	}
	if _, err := s.opts.Store.CreateTestDelivery(r.Context(), p.user.ID, channel, p.user.Login); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return &httpError{status: http.StatusConflict, msg: "a test is waiting to be sent already: it goes out within a minute"}
		}
		return err
	}
	s.tests.fail(key, now)
	return nil
}

// languageChoice is a language the contact page offers, named in itself.
type languageChoice struct{ Tag, Name string }

// languageChoices are the languages with a catalogue, as the tags a person
// of each usually has, and current (the person's own, e.g. ko-KR set by an
// admin) first when it is none of them.
func languageChoices(current string) []languageChoice {
	choices := []languageChoice{
		{"en-US", "English"}, {"ja-JP", "日本語"}, {"zh-TW", "繁體中文（台灣）"}, {"zh-CN", "简体中文（中国）"},
		{"pt-BR", "Português (Brasil)"}, {"de-DE", "Deutsch"}, {"fr-FR", "Français"}, {"es-ES", "Español"},
	}
	for _, c := range choices {
		if c.Tag == current {
			return choices
		}
	}
	if current == "" {
		return choices
	}
	return append([]languageChoice{{current, current}}, choices...)
}
