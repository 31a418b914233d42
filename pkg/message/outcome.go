package message

import (
	"errors"
	"fmt"
	"time"
)

// ErrNoTarget means the person has nowhere to receive this channel: no phone
// number, no email address, no live browser subscription. The dispatcher
// then falls back to the next channel of the registration. Wrap it with the
// reason: fmt.Errorf("%w: no phone number", message.ErrNoTarget).
var ErrNoTarget = errors.New("no target")

// retryError asks for another try, after a given wait if After > 0.
type retryError struct {
	err   error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// Retry marks err as worth another try, no sooner than after (0: the
// dispatcher's backoff decides), e.g. for a 429 with Retry-After.
func Retry(err error, after time.Duration) error {
	return &retryError{err: err, after: after}
}

// permanentError means trying again cannot help.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as final: the delivery fails without another try
// (a rejected number, a malformed request, a bad credential).
func Permanent(err error) error { return &permanentError{err: err} }

// Permanentf is Permanent(fmt.Errorf(format, args...)).
func Permanentf(format string, args ...any) error { return Permanent(fmt.Errorf(format, args...)) }

// Outcome is how the dispatcher handles a failed send.
type Outcome int

// The outcomes of Classify.
const (
	OutcomeRetry     Outcome = iota // try again later (the default: network errors, 5xx, timeouts)
	OutcomePermanent                // fail now
	OutcomeNoTarget                 // fall back to the next channel
)

// Classify says what to do about err, and how long to wait at least when
// it is to be retried. An error a channel did not mark is retried: a
// network error or a timeout usually passes.
func Classify(err error) (Outcome, time.Duration) {
	var re *retryError
	var pe *permanentError
	switch {
	case errors.Is(err, ErrNoTarget):
		return OutcomeNoTarget, 0
	case errors.As(err, &pe):
		return OutcomePermanent, 0
	case errors.As(err, &re):
		return OutcomeRetry, re.after
	}
	return OutcomeRetry, 0
}
