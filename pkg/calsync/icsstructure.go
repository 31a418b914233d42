package calsync

import (
	"bytes"
	"strings"

	"github.com/emersion/go-ical"
)

// decodeCalendar decodes the next VCALENDAR; a panic of go-ical's decoder
// (it panics on some garbled parameters) is its error.
func decodeCalendar(dec *ical.Decoder) (cal *ical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, parseErrorf("not a valid iCalendar feed: reading it failed (%v)", r)
		}
	}()
	if cal, err = dec.Decode(); err != nil {
		return nil, parseErrorf("not a valid iCalendar feed: %v", err)
	}
	return cal, nil
}

// checkStructure checks that every BEGIN has its END and that the data is
// one or more whole VCALENDARs: a feed cut short in transfer is refused
// rather than read as one whose last events are gone. It returns how many
// VCALENDARs there are.
func checkStructure(data []byte) (int, error) {
	var stack []string
	var garbled error // the first line that is no content line: said unless the feed is truncated
	calendars := 0
	lines := bytes.Split(data, []byte("\n"))
	for i := 0; i < len(lines); i++ {
		text := strings.TrimRight(string(lines[i]), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		// Unfold: a line that starts with a space or a tab continues this one.
		first := i
		for i+1 < len(lines) && len(lines[i+1]) > 0 && (lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
			i++
			text += strings.TrimRight(string(lines[i][1:]), "\r")
		}
		if len(stack) > 0 && !strings.Contains(text, ":") && garbled == nil {
			garbled = parseErrorf("not a valid iCalendar feed: line %d: %q is not a content line (NAME:value)", first+1, shorten(text, 40))
		}
		upper := strings.ToUpper(text)
		switch {
		case len(stack) == 0 && upper != "BEGIN:VCALENDAR":
			if calendars == 0 {
				return 0, parseErrorf("not an iCalendar feed: it starts with %q, not BEGIN:VCALENDAR", shorten(text, 40))
			}
			return 0, parseErrorf("line %d: %q after the end of the calendar", first+1, shorten(text, 40))
		case strings.HasPrefix(upper, "BEGIN:"):
			stack = append(stack, strings.TrimSpace(upper[len("BEGIN:"):]))
		case strings.HasPrefix(upper, "END:"):
			name := strings.TrimSpace(upper[len("END:"):])
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return 0, parseErrorf("line %d: END:%s does not close the open component", first+1, name)
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				calendars++
			}
		}
	}
	if len(stack) > 0 {
		return 0, parseErrorf("the feed ends inside %s: it is truncated", stack[len(stack)-1])
	}
	if calendars == 0 {
		return 0, parseErrorf("the feed is empty: no BEGIN:VCALENDAR")
	}
	if garbled != nil {
		return 0, garbled
	}
	return calendars, nil
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
