package twiliocall_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliocall"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// verb is one element of a parsed TwiML document.
type verb struct {
	name  string
	attrs map[string]string
	text  string
}

// parseTwiML reads doc as XML, failing on anything that is not
// well-formed, and returns the verbs under <Response>, nested ones
// flattened in document order.
func parseTwiML(t *testing.T, doc string) []verb {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	var verbs []verb
	var stack []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("twiml is not well-formed XML: %v\n%s", err, doc)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && tk.Name.Local != "Response" {
				t.Fatalf("got root <%s>; want <Response>", tk.Name.Local)
			}
			if len(stack) > 0 {
				v := verb{name: tk.Name.Local, attrs: map[string]string{}}
				for _, a := range tk.Attr {
					v.attrs[a.Name.Local] = a.Value
				}
				verbs = append(verbs, v)
			}
			stack = append(stack, tk.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 1 {
				verbs[len(verbs)-1].text += string(tk)
			}
		}
	}
	return verbs
}

// TestInlineTwiMLEscaped: a title that looks like markup is spoken as it
// is, and the document stays <Say><Pause><Say>.
func TestInlineTwiMLEscaped(t *testing.T) {
	titles := []string{
		`R&D <review>`,
		`a ]]> b`,
		`</Say><Dial>+15550000000</Dial><Say>`,
		`<![CDATA[x]]> & "quotes" 'too'`,
		"control\x00chars\x1b and \xff bad UTF-8",
	}
	cat, err := locale.Load(locale.Options{Voices: map[string]string{"de": "Polly.Marlene"}})
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := message.New(config.Templates{}, cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range titles {
		fake, ch := newChannel(t, twiliotest.Config{}, func(o *twiliocall.Options) { o.InlineTwiML, o.Templates = true, tmpl })
		m := reminder()
		m.Title = title
		if _, err := ch.Send(context.Background(), m); err != nil {
			t.Fatalf("title %q: Send: %v", title, err)
		}
		calls := fake.Calls()
		if len(calls) != 1 {
			t.Fatalf("title %q: got %d calls; want 1", title, len(calls))
		}
		verbs := parseTwiML(t, calls[0].Twiml)
		var names []string
		for _, v := range verbs {
			names = append(names, v.name)
		}
		if got, want := strings.Join(names, " "), "Say Pause Say"; got != want {
			t.Errorf("title %q: got verbs %q; want %q", title, got, want)
			continue
		}
		want := title
		if !utf8.ValidString(title) || strings.ContainsAny(title, "\x00\x1b") {
			want = "control\uFFFDchars\uFFFD and \uFFFD bad UTF-8"
		}
		for _, v := range []verb{verbs[0], verbs[2]} {
			if !strings.Contains(v.text, want) || !strings.HasPrefix(v.text, "Hallo Alice.") {
				t.Errorf("title %q: got spoken text %q; want it to greet Alice and contain %q", title, v.text, want)
			}
			if v.attrs["language"] != "de-DE" || v.attrs["voice"] != "Polly.Marlene" {
				t.Errorf("title %q: got <Say> attributes %v; want language de-DE, voice Polly.Marlene", title, v.attrs)
			}
		}
	}
}

func TestSayTwiML(t *testing.T) {
	tests := []struct {
		name, text, lang, voice string
		wantText                string
	}{
		{"plain", "Hello.", "", "", "Hello."},
		{"no attributes when empty", "Hi & bye", "", "", "Hi & bye"},
		{"long text is shortened", strings.Repeat("é&", 3000), "fr-FR", "alice", ""},
		{"long text of markup", strings.Repeat("<", 5000), "", "", ""},
	}
	for _, tt := range tests {
		doc, err := twiliocall.SayTwiML(tt.text, tt.lang, tt.voice)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(doc) > twiliocall.MaxTwiML {
			t.Errorf("%s: got %d bytes; want at most %d", tt.name, len(doc), twiliocall.MaxTwiML)
		}
		verbs := parseTwiML(t, doc)
		if len(verbs) != 3 || verbs[0].text != verbs[2].text {
			t.Fatalf("%s: got %+v; want the same <Say> twice around a <Pause>", tt.name, verbs)
		}
		said := verbs[0]
		if tt.wantText != "" && said.text != tt.wantText {
			t.Errorf("%s: got %q; want %q", tt.name, said.text, tt.wantText)
		}
		if tt.wantText == "" && (!strings.HasSuffix(said.text, "…") || !strings.HasPrefix(tt.text, strings.TrimSuffix(said.text, "…")) ||
			len(doc) < twiliocall.MaxTwiML-100) {
			t.Errorf("%s: got %d bytes, text %.40q…; want a prefix of the text ending in … that nearly fills %d bytes",
				tt.name, len(doc), said.text, twiliocall.MaxTwiML)
		}
		_, hasLang := said.attrs["language"]
		_, hasVoice := said.attrs["voice"]
		if hasLang != (tt.lang != "") || hasVoice != (tt.voice != "") || said.attrs["language"] != tt.lang || said.attrs["voice"] != tt.voice {
			t.Errorf("%s: got attributes %v; want language %q, voice %q (absent when empty)", tt.name, said.attrs, tt.lang, tt.voice)
		}
	}
}

// TestInlineTwiMLAcceptedByFake: the longest inline TwiML still passes the
// fake's 4000-character limit and XML check.
func TestInlineTwiMLAcceptedByFake(t *testing.T) {
	fake, ch := newChannel(t, twiliotest.Config{}, func(o *twiliocall.Options) { o.InlineTwiML = true })
	m := reminder()
	m.Note = strings.Repeat("Bring the slides & the <draft>. ", 400)
	if _, err := ch.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if reqs := fake.Requests(); len(reqs) != 1 || reqs[0].Status != http.StatusCreated {
		t.Errorf("got requests %+v; want one answered 201", reqs)
	}
}
