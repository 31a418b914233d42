package locale

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Kinds of message, by what their placeholders may be.
const (
	kindText   = iota // a sentence: the placeholders of its English original
	kindFormat        // a date format (Format*): any of DateFields
	kindList          // comma-separated names (Weekdays*, Months*): none, and a fixed count
)

func kindOf(id string) (kind, items int) {
	switch {
	case strings.HasPrefix(id, "Format"):
		return kindFormat, 0
	case strings.HasPrefix(id, "Weekdays"):
		return kindList, 7
	case strings.HasPrefix(id, "Months"):
		return kindList, 12
	}
	return kindText, 0
}

// builtins are text/template's functions, which a message may call: the
// parser only needs their names.
func builtins() map[string]any {
	m := map[string]any{}
	for _, name := range strings.Fields("and or not eq ne lt le gt ge len index slice print printf println html js urlquery call") {
		m[name] = fmt.Sprint
	}
	return m
}

// Forms are the texts of a message, by plural form ("other" for a message
// without plurals).
func Forms(m *i18n.Message) map[string]string {
	out := map[string]string{}
	for form, s := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other} {
		if s != "" {
			out[form] = s
		}
	}
	return out
}

// Placeholders are the fields a message's texts name ({{.Title}} gives
// "Title"), sorted, over all its plural forms.
func Placeholders(m *i18n.Message) ([]string, error) {
	r, err := messageReads(m)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(r.Names)), nil
}

// Conforms checks a translation m of the reference message ref: its
// templates parse, it names no placeholder the reference does not give
// (a date format: only DateFields), it reads its data as a whole ({{.}},
// {{template}}) only where the reference does, a list has its count of
// names, and a plural message names only {{.Count}}. So a translation reads
// nothing its reference does not (Catalogue.Reads relies on it).
func Conforms(m, ref *i18n.Message) error {
	mr, err := messageReads(m)
	if err != nil {
		return err
	}
	if mr.Whole {
		if rr, err := messageReads(ref); err != nil || !rr.Whole {
			return errors.New("it reads its data as a whole ({{.}} or {{template}}); name the placeholders instead")
		}
	}
	got := slices.Sorted(maps.Keys(mr.Names))
	kind, items := kindOf(m.ID)
	var allowed []string
	switch kind {
	case kindFormat:
		t := reflect.TypeFor[DateFields]()
		for i := range t.NumField() {
			allowed = append(allowed, t.Field(i).Name)
		}
	case kindList:
		if n := len(strings.Split(m.Other, ",")); n != items || len(Forms(m)) != 1 {
			return fmt.Errorf("%d comma-separated names, want %d", n, items)
		}
	default:
		if allowed, err = Placeholders(ref); err != nil {
			return fmt.Errorf("the reference: %w", err)
		}
	}
	for _, p := range got {
		if !slices.Contains(allowed, p) {
			return fmt.Errorf("{{.%s}} is not a placeholder of this message (it has %s)", p, placeholderList(allowed))
		}
	}
	return nil
}

func placeholderList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "{{." + n + "}}"
	}
	return strings.Join(out, ", ")
}
