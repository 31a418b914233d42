package panel

import (
	"net/http"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// apiPushKey gives the VAPID public key browsers subscribe with (public:
// the service worker asks for it when the push service replaces a
// subscription, perhaps after the session ended).
func (s *Server) apiPushKey(w http.ResponseWriter, r *http.Request, _ *principal) error {
	key := s.opts.Config.WebPush.PublicKey
	if key == "" {
		return &httpError{status: http.StatusNotFound, msg: "Web Push is not configured on this server"}
	}
	writeJSON(w, http.StatusOK, map[string]string{"public_key": key})
	return nil
}

func (s *Server) apiPushSubscriptions(w http.ResponseWriter, r *http.Request, p *principal) error {
	subs, err := s.opts.Store.ListPushSubscriptions(r.Context(), p.user.ID, true)
	if err != nil {
		return err
	}
	out := make([]subscriptionOutJSON, 0, len(subs))
	for _, sub := range subs {
		out = append(out, toSubscriptionJSON(sub))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiPushSubscribe stores this browser's subscription for the person. The
// page sends it on every visit: the server then knows it is alive.
func (s *Server) apiPushSubscribe(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req subscribeRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	sub, err := s.saveSubscription(r.Context(), p, req, r.UserAgent())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSubscriptionJSON(sub))
	return nil
}

func (s *Server) apiPushDelete(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.opts.Store.DeletePushSubscription(r.Context(), p.user.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiPushTest(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.apiTest(w, r, p, schedule.ChannelPush)
}

func (s *Server) apiTestCall(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.apiTest(w, r, p, schedule.ChannelCall)
}

// apiTestChannel is POST /api/v1/test/{channel}: call, sms, email or push.
func (s *Server) apiTestChannel(w http.ResponseWriter, r *http.Request, p *principal) error {
	c := schedule.Channel(r.PathValue("channel"))
	if _, ok := testField[c]; !ok {
		return store.ErrNotFound
	}
	return s.apiTest(w, r, p, c)
}

func (s *Server) apiTest(w http.ResponseWriter, r *http.Request, p *principal, c schedule.Channel) error {
	if err := s.sendTest(r, p, c); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "queued: invoke sends it within a minute"})
	return nil
}

func (s *Server) apiInbox(w http.ResponseWriter, r *http.Request, p *principal) error {
	before, problem := readBefore(r.URL.Query())
	if problem != "" {
		return fieldErr("before", "%s", problem)
	}
	items, err := s.opts.Store.ListInbox(r.Context(), p.user.ID, store.InboxFilter{Limit: inboxLimit, Before: before,
		UnreadOnly: r.URL.Query().Get("unread") != ""})
	if err != nil {
		return err
	}
	out := make([]inboxJSON, 0, len(items))
	for _, it := range items {
		out = append(out, inboxJSON{DeliveryID: it.ID, Kind: string(it.Kind), Channel: string(it.Channel), Title: it.Title,
			Start: it.OccurrenceAt.UTC(), SentAt: optTime(it.SentAt), ReadAt: optTime(it.ReadAt)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// inboxReadRequest is the body of POST /api/v1/inbox/read: some ids, or all.
type inboxReadRequest struct {
	IDs []int64 `json:"ids"`
	All bool    `json:"all"`
}

func (s *Server) apiInboxRead(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req inboxReadRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if len(req.IDs) == 0 && !req.All {
		return fieldErr("ids", "none given: send {\"ids\": [1, 2]} or {\"all\": true}")
	}
	if len(req.IDs) > 1000 {
		return fieldErr("ids", "%d given; at most 1000", len(req.IDs))
	}
	ids := req.IDs
	if req.All {
		ids = nil
	}
	n, err := s.opts.Store.MarkRead(r.Context(), p.user.ID, ids, s.now())
	if err != nil {
		return err
	}
	unread, err := s.opts.Store.CountUnread(r.Context(), p.user.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"marked": n, "unread": unread})
	return nil
}
