package pushtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxBody is the largest push body a push service must accept (RFC 8291 §4).
const maxBody = 4096

// checkError is a failed check and the status that answers it.
type checkError struct {
	status int
	reason string
}

func (e *checkError) Error() string { return e.reason }

func fail(status int, format string, args ...any) error {
	return &checkError{status: status, reason: fmt.Sprintf(format, args...)}
}

// push is POST /push/{id}: check, decrypt, record, answer.
func (s *Server) push(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	s.requests++
	sub := s.subs[id]
	s.mu.Unlock()
	if sub == nil {
		s.reject(w, id, fail(http.StatusNotFound, "no subscription %q", id))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.reject(w, id, fail(http.StatusBadRequest, "read body: %v", err))
		return
	}
	p := Push{Subscription: id, At: s.opts.Now()}
	if err := s.check(r, sub, body, &p); err != nil {
		s.reject(w, id, err)
		return
	}
	s.mu.Lock()
	answer := Response{}
	if len(sub.answers) > 0 {
		answer = sub.answers[0]
		if len(sub.answers) > 1 {
			sub.answers = sub.answers[1:]
		}
	}
	if answer.Status == 0 && !answer.Hang {
		answer.Status = http.StatusCreated
	}
	p.Answer = answer
	s.pushes = append(s.pushes, p)
	s.statuses[answer.Status]++
	n := len(s.pushes)
	s.mu.Unlock()

	if answer.Hang {
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return
	}
	if answer.RetryAfter != "" {
		w.Header().Set("Retry-After", answer.RetryAfter)
	}
	if answer.Status == http.StatusCreated {
		w.Header().Set("Location", fmt.Sprintf("%s/message/%d", s.URL, n))
		w.Header().Set("TTL", strconv.Itoa(p.TTL))
	}
	w.WriteHeader(answer.Status)
}

// check verifies the headers, the VAPID authorization and the encrypted
// body of a push, and fills p from them.
func (s *Server) check(r *http.Request, sub *subscription, body []byte, p *Push) error {
	if len(body) > maxBody {
		return fail(http.StatusRequestEntityTooLarge, "body is %d bytes or more; at most %d", len(body), maxBody)
	}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		return fail(http.StatusBadRequest, "TTL header %q is not a number of seconds", r.Header.Get("TTL"))
	}
	p.TTL = ttl
	switch p.Urgency = r.Header.Get("Urgency"); p.Urgency {
	case "", "very-low", "low", "normal", "high":
	default:
		return fail(http.StatusBadRequest, "Urgency header %q is not very-low, low, normal or high", p.Urgency)
	}
	p.Topic = r.Header.Get("Topic")
	if len(p.Topic) > 32 || strings.ContainsFunc(p.Topic, func(c rune) bool { return !isBase64URL(c) }) {
		return fail(http.StatusBadRequest, "Topic header %q is not at most 32 base64url characters", p.Topic)
	}
	if s.opts.SkipVerify {
		return nil
	}
	claims, err := verifyVAPID(r.Header.Get("Authorization"), s.URL, s.appKey, s.opts.Now())
	if err != nil {
		return err
	}
	p.Subject, p.Audience, p.Expires = claims.Subject, claims.Audience, claims.Expires
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return fail(http.StatusBadRequest, "Content-Encoding %q; want aes128gcm", ce)
	}
	payload, err := decrypt(body, sub.priv, sub.auth)
	if err != nil {
		return fail(http.StatusBadRequest, "decrypt: %v", err)
	}
	p.Payload = payload
	return nil
}

func isBase64URL(c rune) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func (s *Server) reject(w http.ResponseWriter, id string, err error) {
	ce := &checkError{status: http.StatusBadRequest, reason: err.Error()}
	errors.As(err, &ce)
	s.mu.Lock()
	s.rejections = append(s.rejections, Rejection{Subscription: id, Status: ce.status, Reason: ce.reason})
	s.statuses[ce.status]++
	s.mu.Unlock()
	http.Error(w, ce.reason, ce.status)
}

// createSubscriptions is POST /subscriptions?n=N: N new subscriptions, one
// JSON object per line.
func (s *Server) createSubscriptions(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 1 || n > 1_000_000 {
		http.Error(w, "n must be a number from 1 to 1000000", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	for range n {
		if err := enc.Encode(s.NewSubscription()); err != nil {
			return
		}
	}
}

// Stats counts what the service received.
type Stats struct {
	Requests      int            `json:"requests"`
	Accepted      int            `json:"accepted"`
	Rejected      int            `json:"rejected"`
	Subscriptions int            `json:"subscriptions"`
	Statuses      map[string]int `json:"statuses"` // answers by status; "hang" for held requests
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Requests: s.requests, Accepted: len(s.pushes), Rejected: len(s.rejections), Subscriptions: len(s.subs),
		Statuses: make(map[string]int, len(s.statuses))}
	for status, n := range s.statuses {
		key := strconv.Itoa(status)
		if status == 0 {
			key = "hang"
		}
		st.Statuses[key] = n
	}
	return st
}

// stats is GET /stats.
func (s *Server) stats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s.Stats())
}
