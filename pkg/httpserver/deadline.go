package httpserver

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// RequestDeadline bounds the database work of one request to serve-panel
// or serve-twiml: a database that stalls (TCP open, no answer) fails the
// request with context.DeadlineExceeded after this long, and the server
// answers 503 with Retry-After (or, on a call, a spoken apology) within
// five seconds of the request, well before nginx (60 s) or Twilio (15 s)
// give up on it. A healthy page takes milliseconds.
const RequestDeadline = 4 * time.Second

// RetryAfterSeconds is what a 503 for a database that is not answering
// tells the client to wait before it asks again.
const RetryAfterSeconds = 5

// Deadline gives each request's context a deadline d after the handler is
// called; whatever the handler asks of the database with r.Context() then
// ends by it. It hands next a copy of the request: put it outside Observe,
// which reads the route pattern that the ServeMux sets on the request it
// is given.
func Deadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), lastingKey{}, r.Context()), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// SetRetryAfter sets the Retry-After header of a 503: call it before
// WriteHeader.
func SetRetryAfter(h http.Header) { h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds)) }

// lastingKey holds the request's context as it was before Deadline.
type lastingKey struct{}

// Lasting returns ctx (a request's) without the deadline Deadline gave it:
// for an answer that lasts (a stream of events), which still ends when the
// client goes away. Bound each database call under it with a deadline of
// its own. A context that Deadline did not make is returned as it is.
func Lasting(ctx context.Context) context.Context {
	if parent, ok := ctx.Value(lastingKey{}).(context.Context); ok {
		return parent
	}
	return ctx
}
