package dispatch

import (
	"fmt"
	"maps"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Summary counts what a pass did.
type Summary struct {
	Sent      int           // handed over to their channel
	Failed    int           // failed for good (after retries, or a permanent error, or no target)
	Retrying  int           // to be tried again later
	Skipped   int           // not sent: cancelled, user disabled, too late
	Fallbacks int           // failures that fell back to another channel
	Lost      int           // results not written: another run took the claim over, or serve-twiml recorded the call first
	Replayed  int           // results of ended runs recorded from their journals
	Elapsed   time.Duration // how long the pass took
	// Channels counts sends and failures per channel tried.
	Channels map[schedule.Channel]ChannelCount
}

// ChannelCount is what became of one channel's sends in a pass.
type ChannelCount struct {
	Sent, Retrying, Failed int
	LastError              string // of the last send that failed
}

// AllRetrying says whether every send tried on the channel failed and will
// be tried again: the service behind it is likely down.
func (c ChannelCount) AllRetrying() bool { return c.Retrying > 0 && c.Sent == 0 && c.Failed == 0 }

func (s *Summary) count(c store.Claim, r store.Result) {
	if s.Channels == nil {
		s.Channels = make(map[schedule.Channel]ChannelCount)
	}
	ch := s.Channels[c.Channel]
	switch r.State {
	case store.StateSent:
		s.Sent++
		ch.Sent++
	case store.StateFailed:
		s.Failed++
		ch.Failed++
		ch.LastError = r.Error
	case store.StatePending:
		s.Retrying++
		ch.Retrying++
		ch.LastError = r.Error
	case store.StateCancelled:
		s.Skipped++
		return // not tried on the channel
	}
	s.Channels[c.Channel] = ch
	if r.Fallback != nil {
		s.Fallbacks++
	}
}

// String is the one line invoke prints at the end.
func (s Summary) String() string {
	line := fmt.Sprintf("sent %d, failed %d, retrying %d, skipped %d", s.Sent, s.Failed, s.Retrying, s.Skipped)
	if s.Fallbacks > 0 {
		line += fmt.Sprintf(", fell back %d", s.Fallbacks)
	}
	if s.Lost > 0 {
		line += fmt.Sprintf(", lost claims %d", s.Lost)
	}
	if s.Replayed > 0 {
		line += fmt.Sprintf(", recorded %d results of an earlier run from its journal", s.Replayed)
	}
	return line + fmt.Sprintf(" in %s", s.Elapsed.Round(time.Millisecond))
}

// Add sums two passes (invoke --loop reports per pass; tests add them up).
func (s Summary) Add(o Summary) Summary {
	sum := Summary{Sent: s.Sent + o.Sent, Failed: s.Failed + o.Failed, Retrying: s.Retrying + o.Retrying,
		Skipped: s.Skipped + o.Skipped, Fallbacks: s.Fallbacks + o.Fallbacks, Lost: s.Lost + o.Lost,
		Replayed: s.Replayed + o.Replayed, Elapsed: s.Elapsed + o.Elapsed}
	sum.Channels = maps.Clone(s.Channels)
	for name, c := range o.Channels {
		if sum.Channels == nil {
			sum.Channels = make(map[schedule.Channel]ChannelCount)
		}
		t := sum.Channels[name]
		t.Sent, t.Retrying, t.Failed = t.Sent+c.Sent, t.Retrying+c.Retrying, t.Failed+c.Failed
		if c.LastError != "" {
			t.LastError = c.LastError
		}
		sum.Channels[name] = t
	}
	return sum
}
