package dispatch

import (
	"fmt"
	"time"

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
	Elapsed   time.Duration // how long the pass took
}

func (s *Summary) count(r store.Result) {
	switch r.State {
	case store.StateSent:
		s.Sent++
	case store.StateFailed:
		s.Failed++
	case store.StatePending:
		s.Retrying++
	case store.StateCancelled:
		s.Skipped++
	}
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
	return line + fmt.Sprintf(" in %s", s.Elapsed.Round(time.Millisecond))
}

// Add sums two passes (invoke --loop reports per pass; tests add them up).
func (s Summary) Add(o Summary) Summary {
	return Summary{Sent: s.Sent + o.Sent, Failed: s.Failed + o.Failed, Retrying: s.Retrying + o.Retrying,
		Skipped: s.Skipped + o.Skipped, Fallbacks: s.Fallbacks + o.Fallbacks, Lost: s.Lost + o.Lost,
		Elapsed: s.Elapsed + o.Elapsed}
}
