package twiml

import (
	"errors"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/twiliostatus"
)

// What a status callback does to its delivery is twiliostatus's decision,
// the same one invoke applies to a call whose callbacks never came; these
// are serve-twiml's names for it.
type (
	report      = twiliostatus.Report
	retryPolicy = twiliostatus.RetryPolicy
	decision    = twiliostatus.Decision
)

// decideCall is twiliostatus.DecideCall, its refusals serve-twiml's.
func decideCall(r store.Report, rep report, policy retryPolicy) (decision, error) {
	d, err := twiliostatus.DecideCall(r, rep, policy)
	return d, refused(err)
}

// decideMessage is twiliostatus.DecideMessage, its refusals serve-twiml's.
func decideMessage(r store.Report, rep report) (decision, error) {
	d, err := twiliostatus.DecideMessage(r, rep)
	return d, refused(err)
}

// refused maps twiliostatus's refusals to serve-twiml's (answered 200,
// counted by reason); any other error is returned as it is.
func refused(err error) error {
	switch {
	case errors.Is(err, twiliostatus.ErrWrongChannel):
		return errWrongChannel
	case errors.Is(err, twiliostatus.ErrOtherCall):
		return errOtherCall
	}
	return err
}
