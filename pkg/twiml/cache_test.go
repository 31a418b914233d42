package twiml_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// countingStore counts serve-twiml's lookups of calls.
type countingStore struct {
	*store.Store
	mu      sync.Mutex
	lookups int
}

func (c *countingStore) CallByToken(ctx context.Context, token string) (store.Claim, error) {
	c.mu.Lock()
	c.lookups++
	c.mu.Unlock()
	return c.Store.CallByToken(ctx, token)
}

func (c *countingStore) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.lookups }

func TestCallCache(t *testing.T) {
	// A step is a request (or a change made elsewhere) and what it answers.
	type step struct {
		advance time.Duration // the clock moves first
		do      string        // "voice", "no-answer" (a status callback), "cancel" (elsewhere), "unknown" (a voice request for a token nobody has)
		want    string        // in the answer: "reminder" (a <Gather>), "gone" (no longer available), "" (not checked)
	}
	tests := []struct {
		name        string
		ttl         time.Duration
		steps       []step
		wantLookups int
	}{
		{"repeats within the TTL read the database once", 0,
			[]step{{0, "voice", "reminder"}, {time.Second, "voice", "reminder"}, {900 * time.Millisecond, "voice", "reminder"}}, 1},
		{"read again once the TTL has passed", 0,
			[]step{{0, "voice", "reminder"}, {twiml.DefaultCacheTTL, "voice", "reminder"}}, 2},
		{"a change made elsewhere shows within the TTL", 0,
			[]step{{0, "voice", "reminder"}, {0, "cancel", ""}, {0, "voice", "reminder"}, {twiml.DefaultCacheTTL, "voice", "gone"}}, 2},
		{"what this server writes is read back at once", 0,
			[]step{{0, "voice", "reminder"}, {0, "no-answer", ""}, {0, "voice", "gone"}}, 2},
		{"an unknown token is never kept", 0,
			[]step{{0, "unknown", ""}, {0, "unknown", ""}}, 2},
		{"no cache", -1,
			[]step{{0, "voice", "reminder"}, {0, "voice", "reminder"}, {0, "voice", "reminder"}}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, s *store.Store) {
				counting := &countingStore{Store: s}
				f := newFixture(t, s, func(o *twiml.Options) { o.Store, o.CacheTTL = counting, tt.ttl })
				call := f.register("Detector review", "", schedule.ChannelCall)[schedule.ChannelCall]
				f.place(call, sid1)
				for i, st := range tt.steps {
					f.clock.Advance(st.advance)
					var got answer
					switch st.do {
					case "voice":
						got = f.post(twiml.VoiceRoute, call.Token, callForm(sid1), twiliotest.AuthToken)
					case "unknown":
						got = f.post(twiml.VoiceRoute, strings.Repeat("x", len(call.Token)), callForm(sid1), twiliotest.AuthToken)
					case "no-answer":
						got = f.post(twiml.CallStatusRoute, call.Token, callForm(sid1, "CallStatus", "no-answer", "SequenceNumber", "2"),
							twiliotest.AuthToken)
					case "cancel":
						if _, err := s.CancelRegistrations(context.Background(), []int64{call.RegistrationID}, 0); err != nil {
							t.Fatal(err)
						}
						continue
					}
					switch {
					case st.want == "reminder" && !strings.Contains(got.body, "<Gather"),
						st.want == "gone" && !strings.Contains(got.body, "nicht mehr verfügbar"):
						t.Errorf("step %d (%s): got %d %q; want the %s answer", i+1, st.do, got.status, got.body, st.want)
					}
				}
				if got := counting.count(); got != tt.wantLookups {
					t.Errorf("got %d database lookups; want %d", got, tt.wantLookups)
				}
			})
		})
	}
}

// TestCallCacheKeepsTheWords: the words rendered for a call are spoken
// again within the TTL (so "in 10 minutes" may lag a minute boundary by
// less than the TTL), and rendered anew after it.
func TestCallCacheKeepsTheWords(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		call := f.register("Detector review", "", schedule.ChannelCall)[schedule.ChannelCall]
		f.place(call, sid1)
		f.clock.Advance(30*time.Second - time.Millisecond) // 9m30.001s before the start: "in 10 minutes"
		steps := []struct {
			advance time.Duration
			want    string
		}{
			{0, "beginnt in 10 Minuten"},
			{time.Second, "beginnt in 10 Minuten"}, // 9m29s before: rendered anew it would say 9
			{twiml.DefaultCacheTTL, "beginnt in 9 Minuten"},
		}
		for i, st := range steps {
			f.clock.Advance(st.advance)
			got := f.post(twiml.VoiceRoute, call.Token, callForm(sid1), twiliotest.AuthToken)
			if _, said := verbs(t, got.body); len(said) == 0 || !strings.Contains(said[0], st.want) {
				t.Errorf("request %d: got %q; want it to say %q", i+1, got.body, st.want)
			}
		}
	})
}
