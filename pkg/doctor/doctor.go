// Package doctor checks an installation of pfsnotify the way an admin
// would by hand: the config file and its permissions, the database and its
// schema, the clocks, public_url, the Twilio account and its number, the
// VAPID key pair, the SMTP server, each calendar, and whether cron or
// systemd runs the jobs. Each check gives one Result: ok, warn or fail,
// what it found, and for warn and fail what to do.
//
// The checks reach outside services through small interfaces declared
// here (Database, TwilioAccount, CalendarProbe) and real clients (go-mail
// for SMTP); `pfsnotify doctor` builds them from the configuration.
package doctor

import (
	"context"
	"fmt"
	"time"
)

// Status is a check's verdict.
type Status string

// The verdicts: OK needs nothing; Warn works but deserves a look; Fail
// stops reminders from going out (or is a risk) and makes doctor exit 1.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Result is what one check found.
type Result struct {
	Check  string `json:"check"`         // "database", "twilio", "calendar indico", ...
	Status Status `json:"status"`        // ok, warn or fail
	Detail string `json:"detail"`        // what was found, never a secret
	Fix    string `json:"fix,omitempty"` // what to do, for warn and fail
}

// Check is one named check. Run returns one or more results (a check of
// every calendar gives one per calendar).
type Check struct {
	Name string
	Run  func(ctx context.Context) []Result
}

// Run runs the checks in order, each with its own deadline of timeout, and
// returns their results. A check that overruns its deadline fails.
func Run(ctx context.Context, checks []Check, timeout time.Duration) []Result {
	var out []Result
	for _, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		results := c.Run(cctx)
		if len(results) == 0 && cctx.Err() != nil {
			results = []Result{failf(c.Name, "did not finish within %v", "find out what does not answer (network, firewall, the server)", timeout)}
		}
		cancel()
		out = append(out, results...)
	}
	return out
}

// Failed reports whether any result is Fail.
func Failed(results []Result) bool {
	for _, r := range results {
		if r.Status == Fail {
			return true
		}
	}
	return false
}

func ok(check, format string, args ...any) Result {
	return Result{Check: check, Status: OK, Detail: fmt.Sprintf(format, args...)}
}

func warnf(check, format, fix string, args ...any) Result {
	return Result{Check: check, Status: Warn, Detail: fmt.Sprintf(format, args...), Fix: fix}
}

func failf(check, format, fix string, args ...any) Result {
	return Result{Check: check, Status: Fail, Detail: fmt.Sprintf(format, args...), Fix: fix}
}

func one(r Result) []Result { return []Result{r} }
