package message

import (
	"fmt"
	"sync"
	"text/template/parse"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/locale"
)

// The pushes, texts and calls of one reminder to a group, or of a message
// sent now, say the same words to everyone who shares a language and a
// zone. Templates renders such a text once and keeps it: a text's reads
// (the parts of its View it reads, found in its parse tree and in those of
// the catalogue messages it names) say which fields of a Message can change
// it, and two messages that agree on those fields get the kept text. A text
// that reads what is each delivery's own (its id, token or acknowledge
// link), or whose reads cannot be told, is rendered every time.

// memoSize bounds the texts kept; when full, they are all dropped.
const memoSize = 4096

// keep copies into a memo key the fields of a Message that a text reads.
type keep func(key, m *Message)

// keepers are the View's names and the Message fields each one reads.
// Everything a View shows comes from the Message, the person's zone and
// language, and the minutes left: a name missing here is one the memo does
// not know, and a text that reads it is rendered every time.
var keepers = map[string]keep{
	"Kind":     func(k, m *Message) { k.Kind = m.Kind },
	"Channel":  func(k, m *Message) { k.Channel = m.Channel },
	"To":       func(k, m *Message) { k.To = m.To },
	"Title":    func(k, m *Message) { k.Title = m.Title },
	"Note":     func(k, m *Message) { k.Note = m.Note },
	"NoteHTML": func(k, m *Message) { k.Note = m.Note },
	"Location": func(k, m *Message) { k.Location = m.Location },
	"URL":      func(k, m *Message) { k.URL = m.URL },
	"EventUID": func(k, m *Message) { k.EventUID = m.EventUID },
	"Lead":     func(k, m *Message) { k.Lead = m.Lead },
	"PanelURL": func(k, m *Message) { k.PanelURL = m.PanelURL },
	"EndAt":    func(k, m *Message) { k.EndAt = m.EndAt.UTC().Round(0) },
	"StartAt":  keepStart, "Clock": keepStart, "Start": keepStart, "Spoken": keepStart, "SpokenClock": keepStart,
	"Name": func(k, m *Message) { k.To.Name, k.To.Login = m.To.Name, m.To.Login },
	// The zone and the language are in every key, the minutes left in
	// the keys of the texts that read them (readsLeft).
	"In": keepNothing, "MinutesLeft": keepNothing, "Lang": keepNothing,
}

func keepStart(k, m *Message)   { k.StartAt = m.StartAt.UTC().Round(0) }
func keepNothing(_, _ *Message) {}

// readsLeft are the View's names that depend on the time of the render.
var readsLeft = map[string]bool{"In": true, "MinutesLeft": true}

// textKeeps is what makes the memo key of one text.
type textKeeps struct {
	keeps []keep
	left  bool // the text reads the minutes left
}

// memoKey is what one kept text is for.
type memoKey struct {
	name string
	lang *locale.Language
	zone string
	left time.Duration // until the start, rounded to the minute, as the View has it; 0 if not read
	m    Message       // the fields the text reads, the others zero
}

// memo holds kept texts. It is safe for concurrent use.
type memo struct {
	keeps map[string]textKeeps // by template name; absent: rendered every time
	mu    sync.RWMutex
	texts map[memoKey]string
}

// newMemo works out which fields each of texts reads, over the catalogue cat.
func newMemo(texts map[string]*parse.Tree, cat *locale.Catalogue) (*memo, error) {
	m := &memo{keeps: map[string]textKeeps{}, texts: map[memoKey]string{}}
	for name, tree := range texts {
		if tree == nil {
			return nil, fmt.Errorf("templates.%s: no parse tree", name)
		}
		if keeps, ok := keepsOf(locale.TreeReads(tree.Root), cat); ok {
			m.keeps[name] = keeps
		}
	}
	return m, nil
}

// keepsOf turns a text's reads into the fields to keep, resolving the
// catalogue messages it names (.T "ID", .ByKind "Prefix"); false when the
// memo must not be used for it.
func keepsOf(r locale.Reads, cat *locale.Catalogue) (textKeeps, bool) {
	if r.Whole {
		return textKeeps{}, false
	}
	names := []string{"Kind"} // .ByKind reads it; it is cheap to keep always
	for name := range r.Names {
		names = append(names, name)
	}
	for method, args := range r.Calls {
		var ids []string
		switch method {
		case "T":
			ids = args
		case "ByKind":
			for _, prefix := range args {
				for _, suffix := range kindSuffix {
					ids = append(ids, prefix+suffix)
				}
			}
		default:
			return textKeeps{}, false
		}
		for _, id := range ids {
			reads, ok := cat.Reads(id)
			if !ok {
				return textKeeps{}, false
			}
			names = append(names, reads...)
		}
	}
	var tk textKeeps
	for _, name := range names {
		if name == "T" || name == "ByKind" {
			continue // resolved above
		}
		k, ok := keepers[name]
		if !ok {
			return textKeeps{}, false // the delivery's own (DeliveryID, Token, AckURL, ...), or unknown
		}
		tk.keeps = append(tk.keeps, k)
		tk.left = tk.left || readsLeft[name]
	}
	return tk, true
}

// key is the memo key of text name for v, or false when name is rendered
// every time (or there is no memo).
func (m *memo) key(name string, v *View, zone string) (memoKey, bool) {
	if m == nil {
		return memoKey{}, false
	}
	tk, ok := m.keeps[name]
	if !ok {
		return memoKey{}, false
	}
	k := memoKey{name: name, lang: v.lang, zone: zone}
	if tk.left {
		k.left = v.left
	}
	for _, keep := range tk.keeps {
		keep(&k.m, &v.Message)
	}
	return k, true
}

func (m *memo) get(k memoKey) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.texts[k]
	return s, ok
}

func (m *memo) put(k memoKey, s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.texts) >= memoSize {
		clear(m.texts)
	}
	m.texts[k] = s
}
