package store

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is bad input: the field it was in and what was wrong.
type FieldError struct {
	Field   string // e.g. "phone", "time_zone"
	Problem string // a sentence fragment, e.g. `"Europe/Pari" is not a known time zone`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// fieldErrors collects every problem of one input before anything is written.
type fieldErrors []error

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// err joins the problems, or is nil when there are none.
func (fe fieldErrors) err() error { return errors.Join(fe...) }

// IsInvalid reports whether err is (or wraps) bad input.
func IsInvalid(err error) bool {
	var fe *FieldError
	return errors.As(err, &fe)
}

// tooLong checks a free-text field against its column size.
func (fe *fieldErrors) tooLong(field, value string, limit int) {
	if n := len([]rune(value)); n > limit {
		fe.add(field, "is %d characters long; at most %d", n, limit)
	}
}

// noControl rejects control characters in one-line fields (a title or a
// name reaches a terminal, a phone call and a browser).
func (fe *fieldErrors) noControl(field, value string) {
	if strings.ContainsFunc(value, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		fe.add(field, "must be one line without control characters")
	}
}
