package panel

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// httpError is an error with the status it answers and what the person
// is told.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// The errors handlers return that are about who asks.
var (
	errSignIn    = &httpError{status: http.StatusUnauthorized, msg: "sign in first"}
	errAdminOnly = &httpError{status: http.StatusForbidden, msg: "only admins may do this"}
	errSendOnly  = &httpError{status: http.StatusForbidden, msg: "this API token may only send messages (POST /api/v1/messages)"}
)

// statusOf maps an error to its HTTP status: the one place where this is
// decided, for pages and the API alike. A database that cannot be reached
// or did not answer by the request's deadline (httpserver.RequestDeadline)
// is 503, which fail answers with Retry-After.
func statusOf(err error) int {
	var he *httpError
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &he):
		return he.status
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict
	case store.IsInvalid(err), errors.As(err, &syntax), errors.As(err, &typ), errors.Is(err, errBadJSON):
		return http.StatusUnprocessableEntity
	case store.Unavailable(err):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errBadJSON wraps what a JSON body got wrong beyond its syntax.
var errBadJSON = errors.New("bad request body")

// publicMessage is what the person is told of err: the error itself for
// what they can fix, a generic sentence otherwise (the cause is logged).
func publicMessage(err error, status int) string {
	switch status {
	case http.StatusInternalServerError:
		return "something went wrong on our side; it has been logged"
	case http.StatusServiceUnavailable:
		return "the database is not answering; try again in a moment"
	case http.StatusNotFound:
		return "not found: it does not exist, or it is not yours"
	case http.StatusRequestEntityTooLarge:
		return "the request is too large"
	}
	return err.Error()
}

// fail answers err: a JSON error for the API, an error page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, api bool, err error) {
	status := statusOf(err)
	switch status {
	case http.StatusInternalServerError:
		s.log.Error("request failed", "route", r.Pattern, "method", r.Method, "err", err)
	case http.StatusServiceUnavailable:
		s.log.Error("request failed: the database is not answering", "route", r.Pattern, "method", r.Method, "err", err)
		httpserver.SetRetryAfter(w.Header())
	}
	msg := publicMessage(err, status)
	if api {
		writeJSON(w, status, apiError{Error: msg, Fields: fieldProblems(err, nil)})
		return
	}
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, signInURL(r), http.StatusSeeOther)
		return
	}
	s.render(w, r, status, "error", &view{Title: http.StatusText(status), Flash: msg, flashError: true})
}

// apiError is the body of every API error.
type apiError struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"` // the bad input, by field
}

// fieldProblems collects the FieldErrors in err by field, renamed by
// rename (a store field to a form field) where it says so. The first
// problem of a field wins.
func fieldProblems(err error, rename map[string]string) map[string]string {
	out := map[string]string{}
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		var fe *store.FieldError
		if errors.As(e, &fe) && errors.Unwrap(e) == nil {
			name := fe.Field
			if to, ok := rename[name]; ok {
				name = to
			}
			if _, seen := out[name]; !seen {
				out[name] = fe.Problem
			}
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	if len(out) == 0 {
		return nil
	}
	return out
}
