package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// FuzzPushSubscriptionJSON: a browser's PushSubscription JSON, however
// made up, is refused with errors naming its fields, or stored as an https
// endpoint with canonical keys that validate again unchanged.
func FuzzPushSubscriptionJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		var sub struct {
			Endpoint string `json:"endpoint"`
			Keys     struct {
				P256dh string `json:"p256dh"`
				Auth   string `json:"auth"`
			} `json:"keys"`
		}
		if json.Unmarshal(body, &sub) != nil {
			return // the panel answers 400 before validating
		}
		p := PushSubscription{Endpoint: sub.Endpoint, P256dh: sub.Keys.P256dh, Auth: sub.Keys.Auth, UserAgent: string(body)}
		var fe fieldErrors
		p.validate(&fe)
		if err := fe.err(); err != nil {
			for _, e := range fe {
				var field *FieldError
				if !errors.As(e, &field) || (field.Field != "endpoint" && field.Field != "p256dh" && field.Field != "auth") {
					t.Errorf("got %v; want errors naming endpoint, p256dh or auth", e)
				}
			}
			return
		}
		u, err := url.Parse(p.Endpoint)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("accepted endpoint %q", p.Endpoint)
		}
		key, err1 := base64.RawURLEncoding.DecodeString(p.P256dh)
		secret, err2 := base64.RawURLEncoding.DecodeString(p.Auth)
		if err1 != nil || err2 != nil || len(key) != 65 || len(secret) != 16 {
			t.Errorf("accepted keys %q, %q; want canonical base64url of 65 and 16 bytes", p.P256dh, p.Auth)
		}
		if n := utf8.RuneCountInString(p.UserAgent); n > maxPushUserAgent || strings.ContainsFunc(p.UserAgent, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("kept a user agent of %d runes with control characters: %q", n, p.UserAgent)
		}
		again := p
		var fe2 fieldErrors
		again.validate(&fe2)
		if fe2.err() != nil || again != p {
			t.Errorf("validating the stored subscription again: %v, %+v; want it unchanged", fe2.err(), again)
		}
	})
}

// FuzzRulePattern: a rule's pattern is refused with an error naming the
// pattern, or it is an RE2 expression of at most 1024 characters that
// compiles (calendar-sync compiles it for every sync).
func FuzzRulePattern(f *testing.F) {
	f.Fuzz(func(t *testing.T, pattern string) {
		r := Rule{Pattern: pattern, Channels: []schedule.Channel{schedule.ChannelLog}, Leads: []time.Duration{0}, Active: true}
		var fe fieldErrors
		r.validate(&fe)
		if err := fe.err(); err != nil {
			for _, e := range fe {
				var field *FieldError
				if !errors.As(e, &field) || field.Field != "pattern" || field.Problem == "" {
					t.Errorf("pattern %q: got %v; want an error naming the pattern", pattern, e)
				}
			}
			return
		}
		if n := utf8.RuneCountInString(pattern); n == 0 || n > maxRulePattern {
			t.Errorf("accepted a pattern of %d characters", n)
		}
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			t.Fatalf("accepted %q, which does not compile: %v", pattern, err)
		}
		re.MatchString("Weekly telecon") // matching any title must not panic
	})
}
