package locale

import (
	"fmt"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
	"golang.org/x/text/language"
)

// Language speaks one catalogue's words. It is safe for concurrent use.
type Language struct {
	// Tag is the catalogue's language.
	Tag language.Tag
	// Matched is false when the member's own tag matched no catalogue and
	// the deployment's default (or English) speaks instead.
	Matched bool

	cat     *Catalogue
	loc     *i18n.Localizer
	consts  sync.Map // message ID -> its text, for messages asked for without data: they never change
	speaks  sync.Map // message ID -> whether the language has it itself
	voice   Voice
	formats formats
}

// parser executes messages; a field a message names that its data lacks
// is an error rather than "<no value>".
var parser = &template.TextParser{Option: "missingkey=error"}

// T is the message id with data (a struct or a map whose fields the
// message's placeholders name). A message missing from the language comes
// from English; an unknown id is an error.
func (l *Language) T(id string, data any) (string, error) {
	if data == nil {
		if s, ok := l.consts.Load(id); ok {
			return s.(string), nil
		}
	}
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, TemplateParser: parser})
	if err != nil {
		var nf *i18n.MessageNotFoundErr
		if s != "" && asNotFound(err, &nf) {
			if data == nil {
				l.consts.Store(id, s)
			}
			return s, nil // the reference's message: the fallback, not an error
		}
		return "", fmt.Errorf("message %s in %s: %w", id, l.Tag, err)
	}
	if data == nil {
		l.consts.Store(id, s)
	}
	return s, nil
}

// Count is the plural message id for n ("10 minutes", "1 minute", "10分"),
// with n as {{.Count}}.
func (l *Language) Count(id string, n int) (string, error) {
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n,
		TemplateData: map[string]any{"Count": n}, TemplateParser: parser})
	if err != nil {
		var nf *i18n.MessageNotFoundErr
		if s != "" && asNotFound(err, &nf) {
			return s, nil
		}
		return "", fmt.Errorf("message %s in %s: %w", id, l.Tag, err)
	}
	return s, nil
}

// Speaks reports whether the language has message id itself, rather than
// from the English fallback.
func (l *Language) Speaks(id string) bool {
	if own, ok := l.speaks.Load(id); ok {
		return own.(bool)
	}
	_, tag, err := l.loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: id, TemplateParser: parser})
	own := err == nil && tag == l.Tag
	l.speaks.Store(id, own)
	return own
}

// Voice is the Twilio voice that reads this language.
func (l *Language) Voice() Voice { return l.voice }

// list is a comma-separated list message, n items.
func (l *Language) list(id string, n int) ([]string, error) {
	s, err := l.T(id, nil)
	if err != nil {
		return nil, err
	}
	items := strings.Split(s, ",")
	if len(items) != n {
		return nil, fmt.Errorf("message %s in %s: %d comma-separated names, want %d", id, l.Tag, len(items), n)
	}
	return items, nil
}

func asNotFound(err error, target **i18n.MessageNotFoundErr) bool {
	nf, ok := err.(*i18n.MessageNotFoundErr)
	if ok {
		*target = nf
	}
	return ok
}
