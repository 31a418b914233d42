package panel

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/broadcast"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// messageRequest is the body of POST /api/v1/messages: a message now (or
// at "at", RFC 3339) to groups and people.
type messageRequest struct {
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Groups   []string `json:"groups"`
	Users    []string `json:"users"`
	Channels []string `json:"channels"` // in order; none: each person's own
	At       string   `json:"at"`
	DryRun   bool     `json:"dry_run"`
}

// apiSendMessage sends a message for an admin or another system's
// send-only token. It answers who gets it on which channel and who cannot
// be reached (broadcast.Result, as `pfsnotify send -o json` prints it);
// bad input is a 422 naming the field, and nothing is queued.
func (s *Server) apiSendMessage(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req messageRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	nm := store.NewMessage{Title: req.Title, Body: req.Message, CreatedBy: "api:" + p.user.Login}
	if req.At != "" {
		at, err := time.Parse(time.RFC3339, req.At)
		if err != nil {
			return &store.FieldError{Field: "at", Problem: fmt.Sprintf("%q is not an RFC 3339 time like 2026-12-08T18:00:00+01:00", req.At)}
		}
		nm.SendAt = at
	}
	audience := store.Audience{Groups: req.Groups, Logins: req.Users}
	for _, c := range req.Channels {
		ch, err := schedule.ParseChannel(c)
		if err != nil {
			return &store.FieldError{Field: "channels", Problem: err.Error()}
		}
		audience.Channels = append(audience.Channels, ch)
	}
	b := broadcast.New(s.opts.Store, s.opts.Config)
	plan, err := b.Plan(r.Context(), &nm, audience, s.now())
	if errors.Is(err, store.ErrNotFound) { // a group or login the sender named: their input, not a secret
		return &store.FieldError{Field: "to", Problem: err.Error()}
	}
	if err != nil {
		return err
	}
	out := broadcast.Result{DryRun: req.DryRun, Plan: plan}
	status := http.StatusOK
	if !req.DryRun {
		m, queued, err := b.Send(r.Context(), nm, plan)
		if err != nil {
			return err
		}
		out.Message, out.Queued, status = m.ID, queued, http.StatusCreated
	}
	writeJSON(w, status, out)
	return nil
}

// apiCancelMessage cancels what of a message is not sent yet (a message
// set for later, or the rest of one being sent), for an admin or another
// system's send-only token: {"message": id, "cancelled": deliveries}.
func (s *Server) apiCancelMessage(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, n, err := s.cancelMessage(r, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int64{"message": id, "cancelled": int64(n)})
	return nil
}
