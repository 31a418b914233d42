package message

import (
	"bytes"
	htmltemplate "html/template"

	"github.com/yuin/goldmark"
)

// NoteHTML is the message's text (Note), read as Markdown, as HTML for an
// email; the plain-text channels get Note as it was written. goldmark's
// defaults are what a text from outside needs: raw HTML in it is left out,
// not passed through, and links with dangerous schemes (javascript:) lose
// their target. Messages sent now are few: a renderer is made per call.
func (v *View) NoteHTML() (htmltemplate.HTML, error) {
	var b bytes.Buffer
	if err := goldmark.New().Convert([]byte(v.Note), &b); err != nil {
		return "", err
	}
	return htmltemplate.HTML(b.String()), nil
}
