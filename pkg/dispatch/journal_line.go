package dispatch

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// appendResultLine appends r to b as the JSON object encoding/json makes
// of it (the field names of store.Result and store.Fallback, every field
// written, times in RFC 3339 with nanoseconds), which readJournal reads
// back with json.Unmarshal. A journal line is written for every send:
// without reflection it costs a tenth of json.Marshal.
func appendResultLine(b []byte, r store.Result) []byte {
	b = append(b, `{"ID":`...)
	b = strconv.AppendInt(b, r.ID, 10)
	b = appendStringField(b, "State", string(r.State))
	b = appendTimeField(b, "NextAttemptAt", r.NextAttemptAt)
	b = appendStringField(b, "Target", r.Target)
	b = appendStringField(b, "ProviderRef", r.ProviderRef)
	b = appendStringField(b, "Error", r.Error)
	b = append(b, `,"Attempt":`...)
	b = strconv.AppendInt(b, int64(r.Attempt), 10)
	b = appendStringField(b, "Outcome", r.Outcome)
	b = appendStringField(b, "ProviderStatus", r.ProviderStatus)
	b = appendStringField(b, "Detail", r.Detail)
	b = append(b, `,"Fallback":`...)
	if f := r.Fallback; f == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"RegistrationID":`...)
		b = strconv.AppendInt(b, f.RegistrationID, 10)
		b = append(b, `,"UserID":`...)
		b = strconv.AppendInt(b, f.UserID, 10)
		b = appendStringField(b, "Kind", string(f.Kind))
		b = appendStringField(b, "Channel", string(f.Channel))
		b = append(b, `,"Lead":`...)
		b = strconv.AppendInt(b, int64(f.Lead), 10)
		b = appendTimeField(b, "OccurrenceAt", f.OccurrenceAt)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendStringField(b []byte, name, s string) []byte {
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":`...)
	return appendJSONString(b, s)
}

func appendTimeField(b []byte, name string, t time.Time) []byte {
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 as U+FFFD, as encoding/json
// does (which also escapes <, > and &; a journal is not HTML).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
