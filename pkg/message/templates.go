package message

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"reflect"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
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

// The built-in texts. Each sees a View.
var builtIn = map[string]string{
	PushTitle: `{{if eq .Kind "cancelled"}}Cancelled: {{.Title}}{{else if eq .Kind "moved"}}Moved: {{.Title}}` +
		`{{else if eq .Kind "test"}}pfsnotify test{{else}}{{.Title}} {{.In}}{{end}}`,
	PushBody: `{{if eq .Kind "test"}}Notifications reach this device.{{else}}{{.Start}}{{with .Location}} · {{.}}{{end}}` +
		`{{with .Note}}` + "\n" + `{{.}}{{end}}{{end}}`,
	SMS: `{{if eq .Kind "cancelled"}}Cancelled: {{.Title}} ({{.Start}}).{{else if eq .Kind "moved"}}Moved: {{.Title}} now starts {{.Start}}.` +
		`{{else if eq .Kind "test"}}pfsnotify test: text messages reach you.{{else}}Reminder: {{.Title}} starts {{.In}} ({{.Start}}).` +
		`{{with .URL}} {{.}}{{end}}{{end}}`,
	Call: `Hello {{.Name}}. This is pfsnotify. {{if eq .Kind "cancelled"}}{{.Title}}, planned for {{.Clock}}, is cancelled.` +
		`{{else if eq .Kind "moved"}}{{.Title}} has moved. It now starts at {{.Clock}}.{{else if eq .Kind "test"}}This is a test call.` +
		`{{else}}{{.Title}} starts {{.In}}, at {{.Clock}}.{{with .Note}} {{.}}{{end}}{{end}}`,
	EmailSubject: `{{if eq .Kind "cancelled"}}Cancelled: {{.Title}}{{else if eq .Kind "moved"}}Moved: {{.Title}}` +
		`{{else if eq .Kind "test"}}pfsnotify test{{else}}Reminder: {{.Title}} {{.In}}{{end}}`,
	EmailText: `Hello {{.Name}},

{{if eq .Kind "cancelled"}}{{.Title}}, planned for {{.Start}}, is cancelled.{{else if eq .Kind "moved"}}{{.Title}} has moved: it now starts {{.Start}}.` +
		`{{else if eq .Kind "test"}}This is a test: email reaches you.{{else}}{{.Title}} starts {{.In}}: {{.Start}}.{{end}}
{{with .Location}}
Where: {{.}}{{end}}{{with .URL}}
Join: {{.}}{{end}}{{with .Note}}

{{.}}{{end}}
{{with .AckURL}}
Got it: {{.}}{{end}}{{with .PanelURL}}
Your reminders: {{.}}{{end}}
`,
	EmailHTML: `<p>Hello {{.Name}},</p>
<p>{{if eq .Kind "cancelled"}}<b>{{.Title}}</b>, planned for {{.Start}}, is cancelled.{{else if eq .Kind "moved"}}<b>{{.Title}}</b> has moved: it now starts {{.Start}}.` +
		`{{else if eq .Kind "test"}}This is a test: email reaches you.{{else}}<b>{{.Title}}</b> starts {{.In}}: {{.Start}}.{{end}}</p>
{{with .Location}}<p>Where: {{.}}</p>{{end}}{{with .URL}}<p><a href="{{.}}">Join the meeting</a></p>{{end}}{{with .Note}}<p>{{.}}</p>{{end}}
{{with .AckURL}}<p><a href="{{.}}">Got it</a></p>{{end}}{{with .PanelURL}}<p><a href="{{.}}">Your reminders</a></p>{{end}}
`,
	Webhook: `{{if eq .Kind "cancelled"}}Cancelled: *{{.Title}}* ({{.Start}}){{else if eq .Kind "moved"}}Moved: *{{.Title}}* now starts {{.Start}}` +
		`{{else if eq .Kind "test"}}pfsnotify test{{else}}Reminder for {{.Name}}: *{{.Title}}* starts {{.In}} ({{.Start}}){{with .URL}} {{.}}{{end}}{{end}}`,
}

// View is what a template sees: the Message, and its times put in words
// in the person's zone.
type View struct {
	Message
	Name        string // the person's display name
	Start       string // "Tue 1 Dec 2026 09:00 JST"
	Clock       string // "09:00", for speech
	In          string // "in 10 minutes", "in 1 hour 5 minutes", "now"
	MinutesLeft int    // whole minutes until the start, 0 once started
}

func newView(m Message, loc *time.Location, now time.Time) View {
	start := m.StartAt.In(loc)
	left := m.StartAt.Sub(now).Round(time.Minute)
	in := "now"
	if left >= time.Minute {
		in = "in " + schedule.HumanLead(left)
	}
	return View{
		Message:     m,
		Name:        m.To.DisplayName(),
		Start:       start.Format("Mon 2 Jan 2006 15:04 MST"),
		Clock:       start.Format("15:04"),
		In:          in,
		MinutesLeft: max(int(left/time.Minute), 0),
	}
}

// Templates renders the texts of every channel. It is safe for concurrent use.
type Templates struct {
	text  map[string]*template.Template
	html  *htmltemplate.Template
	zones sync.Map // zone name -> *time.Location: loading one reads a file
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

// NewTemplates parses the built-in texts with the overrides of the config,
// and renders each once with sample data, so that a template that refers
// to something that does not exist fails at start, naming its key.
func NewTemplates(overrides config.Templates) (*Templates, error) {
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
	t := &Templates{text: make(map[string]*template.Template)}
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
	sample := Message{Kind: KindReminder, Title: "Sample", StartAt: time.Unix(0, 0).Add(time.Hour), To: Recipient{TimeZone: "UTC"}}
	for name := range texts {
		if _, err := t.Render(name, sample, time.Unix(0, 0)); err != nil {
			return nil, fmt.Errorf("templates.%s: %w", name, err)
		}
	}
	return t, nil
}

// Render writes the text called name for m at now. Surrounding white space
// is trimmed.
func (t *Templates) Render(name string, m Message, now time.Time) (string, error) {
	var b bytes.Buffer
	var err error
	view := newView(m, t.zone(m.To.TimeZone), now)
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
	return strings.TrimSpace(b.String()), nil
}
