package twiml

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// refusal is a request that Twilio signed but serve-twiml does not act on:
// a call gets a polite goodbye, a status callback an empty answer.
type refusal struct {
	reason string // the metric label
	text   string // for the log
}

func (r *refusal) Error() string { return r.text }

// The refusals.
var (
	errUnknownToken = &refusal{"unknown_token", "no delivery has this token"}
	errCancelled    = &refusal{"cancelled", "the reminder was cancelled"}
	errExpired      = &refusal{"expired", "the reminder's event has started"}
	errWrongChannel = &refusal{"wrong_channel", "the delivery is not on this route's channel"}
	errOtherCall    = &refusal{"other_call", "the call or message is not this delivery's"}
)

// errSignature: X-Twilio-Signature is missing or wrong.
var errSignature = errors.New("missing or wrong X-Twilio-Signature")

// badRequest is a signed request that makes no sense (a missing CallSid).
type badRequest struct{ msg string }

func (e badRequest) Error() string { return e.msg }

// request is one webhook request, its signature checked.
type request struct {
	route    string     // VoiceRoute, GatherRoute, CallStatusRoute, SMSStatusRoute
	token    string     // the delivery's token from the path; never logged
	form     url.Values // the POST parameters
	voice    voiceOf    // how to speak to the person, once known
	delivery int64      // the delivery's id, once known, for the log
}

// reply is what a handler answers: TwiML, and the outcome to count.
type reply struct {
	doc     []byte
	outcome string
}

// speaks reports whether Twilio plays what route answers to a person.
func speaks(route string) bool { return route == VoiceRoute || route == GatherRoute }

// metrics are serve-twiml's own counters, besides the request metrics of
// httpserver.
type metrics struct {
	signatureFailures prometheus.Counter
	outcomes          *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		signatureFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "pfsnotify", Subsystem: "twiml", Name: "signature_failures_total",
			Help: "Requests refused because X-Twilio-Signature was missing or wrong.",
		}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "pfsnotify", Subsystem: "twiml", Name: "outcomes_total",
			Help: "What the webhook requests did, by route: the reminder spoken, acknowledged, a call retried, a refusal, a database error.",
		}, []string{"route", "outcome"}),
	}
	reg.MustRegister(m.signatureFailures, m.outcomes)
	return m
}

// answer writes the reply of a handler, or maps its error to an answer:
// the one place where errors become HTTP statuses.
//
//	missing or wrong signature   403, and a log line
//	body over the limit          413
//	a request that makes no sense 400
//	a refusal (unknown, cancelled, expired token; another channel; another call)
//	                             200: a polite goodbye on a call, an empty answer to a callback
//	the database cannot be reached or did not answer by the request's
//	deadline (store.Unavailable)
//	                             200 with a spoken apology on a call (voice, gather);
//	                             503 with Retry-After and an empty answer to a callback
//	anything else (a bug)        200 with a spoken apology on a call; 500 to a callback
//
// A call's routes answer 200 whatever failed: a person is listening, and
// Twilio turns a 5xx there into "an application error has occurred" and
// hangs up; it does not retry a voice URL or a <Gather> action either, so
// a 503 would buy nothing but worse words. A status callback has no
// listener: its 503 tells Twilio's debugger and whoever reads the request
// metrics what happened (Twilio retries a callback only when its URL asks
// for it with connection overrides).
//
// Nothing but the TwiML reaches Twilio: causes go to the log.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, req *request, rep reply, err error) {
	if err == nil {
		s.metrics.outcomes.WithLabelValues(req.route, rep.outcome).Inc()
		writeTwiML(w, http.StatusOK, rep.doc)
		return
	}
	log := s.log.With("route", req.route, "remote", r.RemoteAddr)
	if req.delivery != 0 {
		log = log.With("delivery", req.delivery)
	}
	var tooBig *http.MaxBytesError
	var bad badRequest
	var ref *refusal
	switch {
	case errors.Is(err, errSignature):
		s.metrics.signatureFailures.Inc()
		s.metrics.outcomes.WithLabelValues(req.route, "bad_signature").Inc()
		log.Warn("request refused: "+err.Error(), "signed", r.Header.Get(SignatureHeader) != "")
		http.Error(w, "forbidden", http.StatusForbidden)
	case errors.As(err, &tooBig):
		s.metrics.outcomes.WithLabelValues(req.route, "too_large").Inc()
		log.Warn("request refused: body over the limit", "limit", tooBig.Limit)
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
	case errors.As(err, &bad):
		s.metrics.outcomes.WithLabelValues(req.route, "bad_request").Inc()
		log.Warn("request refused: " + bad.msg)
		http.Error(w, bad.msg, http.StatusBadRequest)
	case errors.As(err, &ref):
		s.metrics.outcomes.WithLabelValues(req.route, ref.reason).Inc()
		log.Warn("not acted on: "+ref.text, "reason", ref.reason)
		s.writeFallback(w, req, http.StatusOK, goneID)
	case store.Unavailable(err):
		s.metrics.outcomes.WithLabelValues(req.route, "unavailable").Inc()
		log.Error("request failed: the database is not answering", "err", err)
		status := http.StatusOK
		if !speaks(req.route) {
			status = http.StatusServiceUnavailable
			httpserver.SetRetryAfter(w.Header())
		}
		s.writeFallback(w, req, status, apologyID)
	default:
		s.metrics.outcomes.WithLabelValues(req.route, "error").Inc()
		log.Error("request failed", "err", err)
		status := http.StatusOK
		if !speaks(req.route) {
			status = http.StatusInternalServerError
		}
		s.writeFallback(w, req, status, apologyID)
	}
}

// writeFallback says the catalogue's message id and hangs up on a call,
// in the person's language once known, else in the deployment's; a
// callback gets an empty answer.
func (s *Server) writeFallback(w http.ResponseWriter, req *request, status int, id string) {
	var doc []byte
	var err error
	if speaks(req.route) {
		v := req.voice
		if v.phrase == nil {
			v = s.voiceFor("")
		}
		doc, err = sayDoc(v, v.phrase(id))
	} else {
		doc, err = emptyDoc()
	}
	if err != nil { // only a bug can make fixed texts fail to encode
		s.log.Error("build twiml", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeTwiML(w, status, doc)
}

func writeTwiML(w http.ResponseWriter, status int, doc []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(doc)
}

// discard is a logger that writes nothing.
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
