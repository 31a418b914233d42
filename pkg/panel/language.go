package panel

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// errorIDs maps the panel's own error sentences, as the code words them
// in English (the shipped en catalogue's PanelErr* messages), to their
// catalogue IDs.
func errorIDs(shipped *locale.Catalogue) map[string]string {
	en := shipped.Language(locale.Reference.String())
	out := map[string]string{}
	for _, id := range shipped.MessageIDs() {
		if !strings.HasPrefix(id, "PanelErr") {
			continue
		}
		if text, err := en.T(id, nil); err == nil {
			out[text] = id
		}
	}
	return out
}

// localizeErrors puts the problems with the input (and an error's flash)
// in the page's language: the panel's own sentences by their catalogue
// ID; any other (a phone number, a zone, a date the store or the parsers
// refused) as the catalogue's PanelInvalid around the English detail.
func (v *view) localizeErrors(ids map[string]string) {
	if v.english() || v.errorsLocalized {
		return
	}
	say := func(e string) string {
		id, ok := ids[e]
		var out string
		var err error
		if ok {
			out, err = v.T(id)
		} else {
			out, err = v.T("PanelInvalid", "Detail", e)
		}
		if err != nil {
			return e
		}
		return out
	}
	for f, e := range v.Errors {
		v.Errors[f] = say(e)
	}
	if v.flashError {
		v.Flash = say(v.Flash)
	}
}

// T is the catalogue message id in the page's language, with kv as its
// data: pairs of a placeholder's name and its value.
func (v *view) T(id string, kv ...any) (string, error) {
	if len(kv) == 0 {
		return v.lang.T(id, nil) // a message without data: the catalogue keeps its text
	}
	data := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		name, _ := kv[i].(string)
		data[name] = kv[i+1]
	}
	return v.lang.T(id, data)
}

// Lang is the BCP 47 tag of the page's language, for <html lang>: the
// person's, when its catalogue has the panel's words, else English, the
// words it falls back to.
func (v *view) Lang() string {
	if v.lang.Speaks("PanelSignIn") {
		return v.lang.Tag.String()
	}
	return locale.Reference.String()
}

// scriptWords are the sentences static/app.js says, by its key.
var scriptWords = map[string]string{
	"asking": "PanelJSAsking", "blocked": "PanelJSBlocked", "subscribing": "PanelJSSubscribing",
	"couldNotSubscribe": "PanelJSCouldNotSubscribe", "on": "PanelJSOn", "cannot": "PanelJSCannot",
	"blockedNow": "PanelJSBlockedNow", "off": "PanelJSOff", "couldNotTurnOn": "PanelJSCouldNotTurnOn",
	"couldNotCheck": "PanelJSCouldNotCheck", "received": "PanelJSReceived", "cannotPreview": "PanelJSCannotPreview",
	"matching": "PanelMatching", "noMatch": "PanelNoMatch", "andMore": "PanelAndMore",
	"arrived": "PanelJSArrived",
}

// Words are the script's sentences in the page's language, as JSON for
// <body data-words>: the script has no words of its own but its English
// fallbacks.
func (v *view) Words() (string, error) {
	if v.words != "" {
		return v.words, nil
	}
	out := make(map[string]string, len(scriptWords))
	for key, id := range scriptWords {
		s, err := v.T(id)
		if err != nil {
			return "", err
		}
		out[key] = s
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// scriptWords are v's Words, made once per language: the catalogues do
// not change while the server runs.
func (s *Server) scriptWords(v *view) string {
	if w, ok := s.words.Load(v.lang); ok {
		return w.(string)
	}
	w, err := v.Words()
	if err != nil {
		return "" // the template asks again and fails with the error
	}
	s.words.Store(v.lang, w)
	return w
}

// english reports whether the page is in the reference language, whose
// dates keep the panel's own forms (ISO dates with the offset).
func (v *view) english() bool { return v.lang.Tag == locale.Reference }

// Clock is t in the person's zone, without year or zone (the page names
// the zone once): "Mon 2 Jan 15:04", "1月2日(月) 15:04".
func (v *view) Clock(t time.Time) (string, error) {
	if v.english() {
		return t.In(v.Loc).Format("Mon 2 Jan 15:04"), nil
	}
	return v.lang.ShortDateTime(t.In(v.Loc))
}

// InZone is t in the person's zone with the zone named; "—" for none.
func (v *view) InZone(t time.Time) (string, error) {
	switch {
	case t.IsZero():
		return "—", nil
	case v.english():
		return schedule.FormatInZone(t, v.Loc), nil
	}
	return v.lang.DateTime(t.In(v.Loc))
}

// Until says how far t is from now: "in 10 minutes", "3 min ago", "10分後".
func (v *view) Until(t time.Time) (string, error) {
	if v.english() {
		return until(t, v.Now), nil
	}
	if d := t.Sub(v.Now); d > 0 {
		return v.lang.In(d)
	}
	return v.lang.Ago(v.Now.Sub(t))
}

// Lead says when a reminder comes: "10 minutes before", "at the start".
func (v *view) Lead(d time.Duration) (string, error) {
	if v.english() {
		return leadWords(d), nil
	}
	if d == 0 {
		return v.T("PanelLeadAtStart")
	}
	words, err := v.lang.Duration(d)
	if err != nil {
		return "", err
	}
	return v.T("PanelLeadBefore", "Duration", words)
}

// memberView is a view that formats times for p as p's pages do: p's
// zone and language (the JSON that a page's script shows uses it).
func (s *Server) memberView(r *http.Request, p *principal) *view {
	return &view{Loc: s.zone(p.user.TimeZone), Now: s.now(), lang: s.langOf(r, p)}
}

// langOf is the language to speak to who asks r: a signed-in person's
// own, else the best of the browser's Accept-Language, else the
// deployment's default.
func (s *Server) langOf(r *http.Request, p *principal) *locale.Language {
	if p != nil {
		return s.cat.Language(p.user.Language)
	}
	return s.cat.AcceptLanguage(r.Header.Get("Accept-Language"))
}
