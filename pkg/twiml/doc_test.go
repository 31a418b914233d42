package twiml

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/golden"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

const gatherURL = "https://notify.example.org/twiml/gather/Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycDE"

func TestGoldenDocs(t *testing.T) {
	de, en := testVoice(t, "de-DE"), testVoice(t, "en-GB")
	text := "Hallo Alice Liddell. Hier ist pfsnotify. Detector review beginnt in 10 Minuten, um 09:00 Uhr. Room 4-S-030"
	tests := []struct {
		file string
		doc  func() ([]byte, error)
	}{
		{"voice.xml", func() ([]byte, error) { return reminderDoc(de, text, gatherURL, "") }},
		{"repeat.xml", func() ([]byte, error) { return reminderDoc(de, text, gatherURL, de.phrase(repeatID)) }},
		{"voicemail.xml", func() ([]byte, error) { return voicemailDoc(en, text) }},
		{"confirmed.xml", func() ([]byte, error) { return sayDoc(de, de.phrase(confirmedID)) }},
		{"gone.xml", func() ([]byte, error) { return sayDoc(en, en.phrase(goneID)) }},
		{"apology.xml", func() ([]byte, error) { return sayDoc(testVoice(t, "ja-JP"), testVoice(t, "ja-JP").phrase(apologyID)) }},
		{"hangup.xml", hangupDoc},
		{"empty.xml", emptyDoc},
	}
	for _, tt := range tests {
		doc, err := tt.doc()
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		golden.Check(t, tt.file, string(doc))
		if _, err := parse(doc); err != nil {
			t.Errorf("%s: %v", tt.file, err)
		}
	}
}

// testVoice is how a call speaks to a person of language tag with the
// built-in texts.
func testVoice(t *testing.T, tag string) voiceOf {
	t.Helper()
	tmpl, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	return voiceIn(tmpl, tag)
}

// element is one element of a parsed document, with its own text.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// parse reads doc strictly and returns its elements in document order; it
// fails unless doc is one well-formed <Response>.
func parse(doc []byte) ([]element, error) {
	d := xml.NewDecoder(strings.NewReader(string(doc)))
	var out []element
	var open []int // indexes into out
	roots := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if len(open) == 0 {
				roots++
				if tk.Name.Local != "Response" || roots > 1 {
					return nil, errors.New("not one <Response>")
				}
			}
			e := element{name: tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
			open = append(open, len(out)-1)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) > 0 {
				out[open[len(open)-1]].text += string(tk)
			}
		}
	}
	return out, nil
}

// TestHostileText: whatever a title or note holds is spoken as text, and
// the document stays one well-formed <Response> without other verbs.
func TestHostileText(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"markup", `Review </Say><Dial>+15550000000</Dial><Say> now`, `Review </Say><Dial>+15550000000</Dial><Say> now`},
		{"cdata end", `a ]]> b <![CDATA[ c`, `a ]]> b <![CDATA[ c`},
		{"ampersands", `R&D & "Q&A" <today> 'x'`, `R&D & "Q&A" <today> 'x'`},
		{"entities", `&amp; &lt;Hangup/&gt; &#60;`, `&amp; &lt;Hangup/&gt; &#60;`},
		{"control characters", "bell\x07 nul\x00 esc\x1b end", "bell\uFFFD nul\uFFFD esc\uFFFD end"},
		{"broken utf-8", "caf\xe9 ok", "caf\uFFFD ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := reminderDoc(testVoice(t, "en-US"), tt.text, gatherURL, "")
			if err != nil {
				t.Fatal(err)
			}
			els, err := parse(doc)
			if err != nil {
				t.Fatalf("got a document that does not parse: %v\n%s", err, doc)
			}
			var names []string
			var says []string
			for _, e := range els {
				names = append(names, e.name)
				if e.name == "Say" {
					says = append(says, e.text)
				}
			}
			if got, want := strings.Join(names, " "), "Response Gather Say Pause Say Say Say Hangup"; got != want {
				t.Errorf("got verbs %q; want %q", got, want)
			}
			if len(says) < 2 || says[0] != tt.want || says[1] != tt.want {
				t.Errorf("got spoken %q; want %q twice", says, tt.want)
			}
		})
	}
	doc, err := reminderDoc(testVoice(t, "en-US"), `</Say><Dial>+15550000000</Dial><Say>`, gatherURL, "")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "escaped.xml", string(doc))
}

func TestLongTextIsCut(t *testing.T) {
	long := strings.Repeat("é", maxSay+50)
	doc, err := voicemailDoc(testVoice(t, "en-US"), long)
	if err != nil {
		t.Fatal(err)
	}
	els, err := parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	said := els[1].text
	if n := utf8.RuneCountInString(said); n != maxSay || !strings.HasSuffix(said, "…") {
		t.Errorf("got %d characters ending %q; want %d ending in …", n, said[len(said)-6:], maxSay)
	}
	if got := cut("short", maxSay); got != "short" {
		t.Errorf("cut(short) = %q; want it unchanged", got)
	}
}
