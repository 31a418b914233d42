package message

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"reflect"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// The template names, the keys of config's templates section.
const (
	PushTitle    = "push_title"
	PushBody     = "push_body"
	SMS          = "sms"
	Call         = "call"
	EmailSubject = "email_subject"
	EmailText    = "email_text"
	EmailHTML    = "email_html"
	Webhook      = "webhook"
)

// The built-in texts. Each sees a View; every word comes from the
// member's catalogue (pkg/locale) through .T "ID" and .ByKind "Prefix"
// (the message Prefix+Reminder, +Moved, +Cancelled, +Test or +Message).
// The place, link and note of an event follow the words about it; a
// message sent now (kind message) is its title and text (.Note), and its
// email shows the text as Markdown (.NoteHTML).
var builtIn = map[string]string{
	PushTitle: `{{.ByKind "PushTitle"}}`,
	PushBody: `{{.ByKind "PushBody"}}{{if eq .Kind "reminder" "moved" "cancelled"}}{{with .Location}} · {{.}}{{end}}` +
		`{{with .Note}}` + "\n" + `{{.}}{{end}}{{end}}`,
	SMS: `{{.ByKind "SMS"}}{{if eq .Kind "reminder"}}{{with .URL}} {{.}}{{end}}{{end}}` +
		`{{if eq .Kind "reminder" "message"}} {{.T "SMSReplyHint"}}{{end}}`,
	Call:         `{{.T "CallGreeting"}} {{.ByKind "Call"}}{{if eq .Kind "reminder"}}{{with .Note}} {{.}}{{end}}{{end}}`,
	EmailSubject: `{{.ByKind "EmailSubject"}}`,
	EmailText: `{{.T "EmailGreeting"}}

{{.ByKind "Email"}}
{{with .Location}}
{{$.T "EmailWhere"}} {{.}}{{end}}{{with .URL}}
{{$.T "EmailJoin"}} {{.}}{{end}}{{if eq .Kind "reminder" "moved" "cancelled"}}{{with .Note}}

{{.}}{{end}}{{end}}
{{with .AckURL}}
{{$.T "EmailAck"}}: {{.}}{{end}}{{with .PanelURL}}
{{$.T "EmailPanel"}}: {{.}}{{end}}{{if eq .Kind "reminder" "moved" "cancelled"}}

{{.T "EmailCalendar"}}{{end}}
`,
	EmailHTML: `<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.ByKind "EmailSubject"}}</title></head><body>
<p>{{.T "EmailGreeting"}}</p>
{{if eq .Kind "message"}}{{.NoteHTML}}{{else}}<p>{{.ByKind "Email"}}</p>{{end}}
{{with .Location}}<p>{{$.T "EmailWhere"}} {{.}}</p>{{end}}{{with .URL}}<p><a href="{{.}}">{{$.T "EmailJoinLink"}}</a></p>{{end}}` +
		`{{if eq .Kind "reminder" "moved" "cancelled"}}{{with .Note}}<p>{{.}}</p>{{end}}{{end}}
{{with .AckURL}}<p><a href="{{.}}">{{$.T "EmailAck"}}</a></p>{{end}}{{with .PanelURL}}<p><a href="{{.}}">{{$.T "EmailPanel"}}</a></p>{{end}}
{{if eq .Kind "reminder" "moved" "cancelled"}}<p>{{.T "EmailCalendar"}}</p>{{end}}
</body></html>
`,
	Webhook: `{{.ByKind "Webhook"}}{{if eq .Kind "reminder"}}{{with .URL}} {{.}}{{end}}{{end}}`,
}

// View is what a template sees: the Message, its times put in words in
// the person's zone and language, and the person's catalogue. The times
// are methods, worked out when a text uses them.
type View struct {
	Message
	Name        string // the person's display name
	Clock       string // "09:00"
	MinutesLeft int    // whole minutes until the start, 0 once started

	lang  *locale.Language
	start time.Time     // StartAt in the person's zone
	left  time.Duration // until the start, rounded to the minute
}

func newView(m Message, loc *time.Location, now time.Time, lang *locale.Language) *View {
	start := m.StartAt.In(loc)
	left := m.StartAt.Sub(now).Round(time.Minute)
	return &View{
		Message:     m,
		Name:        m.To.DisplayName(),
		Clock:       start.Format("15:04"),
		MinutesLeft: max(int(left/time.Minute), 0),
		lang:        lang,
		start:       start,
		left:        left,
	}
}

// Start is when the event starts, written with the date and the zone:
// "Tue 1 Dec 2026 09:00 JST", "2026年12月1日(火) 09:00 JST".
func (v *View) Start() (string, error) { return v.lang.DateTime(v.start) }

// Spoken is Start as a voice reads it: "Tuesday 1 December at 09:00, JST".
func (v *View) Spoken() (string, error) { return v.lang.SpokenDateTime(v.start) }

// SpokenClock is the time of day of the start as a voice reads it.
func (v *View) SpokenClock() (string, error) { return v.lang.SpokenClock(v.start) }

// In is how long until the start: "in 10 minutes", "10分後", "now".
func (v *View) In() (string, error) { return v.lang.In(v.left) }

// Lang is the BCP 47 tag of the catalogue that speaks: "ja", "pt-BR".
func (v *View) Lang() string { return v.lang.Tag.String() }

// T is the catalogue's message id, with the View as its data.
func (v *View) T(id string) (string, error) { return v.lang.T(id, v) }

// ByKind is the message prefix+Reminder (+Moved, +Cancelled, +Test,
// +Message) for the message's kind.
func (v *View) ByKind(prefix string) (string, error) {
	suffix, ok := kindSuffix[v.Kind]
	if !ok {
		return "", fmt.Errorf("no text for kind %q", v.Kind)
	}
	return v.T(prefix + suffix)
}

var kindSuffix = map[string]string{KindReminder: "Reminder", KindMoved: "Moved", KindCancelled: "Cancelled", KindTest: "Test",
	KindMessage: "Message"}

// Templates renders the texts of every channel, in each person's language.
// It is safe for concurrent use.
//
// The built-in texts take every word from the catalogue; a text set in
// config (templates.*) replaces the built-in one of its channel for every
// language, and may itself call .T "ID" to stay in the person's language.
type Templates struct {
	text  map[string]*template.Template
	html  *htmltemplate.Template
	cat   *locale.Catalogue
	zones *sync.Map // zone name -> *time.Location: loading one reads a file
	memo  *memo     // texts rendered once for everyone they say the same to
}

// zone is the person's zone, UTC when it does not load.
func (t *Templates) zone(name string) *time.Location {
	if loc, ok := t.zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := schedule.LoadZone(name)
	if err != nil {
		loc = time.UTC
	}
	t.zones.Store(name, loc)
	return loc
}

// NewTemplates is New with the shipped catalogues alone, English the
// default language.
func NewTemplates(overrides config.Templates) (*Templates, error) {
	return New(overrides, locale.Embedded())
}

// New parses the built-in texts with the overrides of the config, over
// the catalogue cat, and renders each of every kind once in every
// language with sample data, so that a template or a catalogue message
// that refers to something that does not exist fails at start, naming
// its key.
func New(overrides config.Templates, cat *locale.Catalogue) (*Templates, error) {
	texts := make(map[string]string, len(builtIn))
	for name, text := range builtIn {
		texts[name] = text
	}
	v := reflect.ValueOf(overrides)
	for i := range v.NumField() {
		if text := v.Field(i).String(); text != "" {
			texts[v.Type().Field(i).Tag.Get("mapstructure")] = text
		}
	}
	t := &Templates{text: make(map[string]*template.Template), cat: cat, zones: &sync.Map{}}
	for name, text := range texts {
		var err error
		if name == EmailHTML {
			t.html, err = htmltemplate.New(name).Option("missingkey=error").Parse(text)
		} else {
			t.text[name], err = template.New(name).Option("missingkey=error").Parse(text)
		}
		if err != nil {
			return nil, fmt.Errorf("templates.%s: %w", name, err)
		}
	}
	if err := t.start(); err != nil {
		return nil, err
	}
	return t, nil
}

// start works out what each text reads, for the memo, and checks the texts.
func (t *Templates) start() error {
	trees := map[string]*parse.Tree{EmailHTML: t.html.Tree}
	for name, tmpl := range t.text {
		trees[name] = tmpl.Tree
	}
	var err error
	if t.memo, err = newMemo(trees, t.cat); err != nil {
		return err
	}
	return t.check()
}

// check renders every text of every kind in every language once.
func (t *Templates) check() error {
	epoch := time.Unix(0, 0)
	for _, lang := range t.cat.Tags() {
		for _, kind := range []string{KindReminder, KindMoved, KindCancelled, KindTest, KindMessage} {
			sample := Message{Kind: kind, Title: "Sample", Location: "Room 1", URL: "https://example.org/m", Note: "Note",
				AckURL: "https://example.org/ack", PanelURL: "https://example.org/",
				StartAt: epoch.Add(90 * time.Minute), To: Recipient{TimeZone: "UTC", Language: lang, Name: "Sam"}}
			for name := range builtIn {
				if _, err := t.Render(name, sample, epoch); err != nil {
					return fmt.Errorf("templates.%s (%s, %s): %w", name, lang, kind, err)
				}
			}
		}
	}
	return nil
}

// Localized returns templates that render the same texts over the
// catalogue cat (the deployment's languages and override files), checked
// as New checks them.
func (t *Templates) Localized(cat *locale.Catalogue) (*Templates, error) {
	u := &Templates{text: t.text, html: t.html, cat: cat, zones: t.zones}
	if err := u.start(); err != nil {
		return nil, err
	}
	return u, nil
}

// Language is the catalogue that speaks to a person whose BCP 47 tag is
// tag (Recipient.Language): the best match, else the deployment's default
// language, else English.
func (t *Templates) Language(tag string) *locale.Language { return t.cat.Language(tag) }

// Phrase is the catalogue's message id, without data, in the language of
// tag: the fixed sentences of a call ("Press 1 ..."). The catalogues are
// complete and checked at start: an error is a bug, and gives English.
func (t *Templates) Phrase(tag, id string) string {
	s, err := t.cat.Language(tag).T(id, nil)
	if err != nil {
		if s, err = t.cat.Language(locale.Reference.String()).T(id, nil); err != nil {
			return id
		}
	}
	return s
}

// Render writes the text called name for m at now, in the person's
// language and zone. Surrounding white space is trimmed.
func (t *Templates) Render(name string, m Message, now time.Time) (string, error) {
	var b bytes.Buffer
	var err error
	view := newView(m, t.zone(m.To.TimeZone), now, t.cat.Language(m.To.Language))
	key, kept := t.memo.key(name, view, m.To.TimeZone)
	if kept {
		if s, ok := t.memo.get(key); ok {
			return s, nil
		}
	}
	if name == EmailHTML {
		err = t.html.Execute(&b, view)
	} else if tmpl, ok := t.text[name]; ok {
		err = tmpl.Execute(&b, view)
	} else {
		return "", fmt.Errorf("no template %q", name)
	}
	if err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	s := strings.TrimSpace(b.String())
	if kept {
		t.memo.put(key, s)
	}
	return s, nil
}
