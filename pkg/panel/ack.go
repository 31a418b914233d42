package panel

import (
	"net/http"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// The acknowledge link of a notification, {public_url}/ack/{token}: the
// token is the delivery's own, random and unguessable, so it needs no
// sign-in. GET shows a "Got it" button (mail scanners open links; only a
// person's POST acknowledges); the service worker POSTs when the
// notification is clicked.

func (s *Server) ackPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	d, err := s.opts.Store.DeliveryByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return s.page(w, r, p, http.StatusOK, "ack", &view{TitleID: "PanelAckTitle", Data: ackData{Token: r.PathValue("token"),
		Done: d.State == store.StateAcknowledged}})
}

type ackData struct {
	Token string
	Done  bool
}

func (s *Server) ackSubmit(w http.ResponseWriter, r *http.Request, p *principal) error {
	token := r.PathValue("token")
	d, err := s.opts.Store.AcknowledgeByToken(r.Context(), token, s.now())
	if err != nil {
		return err
	}
	if r.Header.Get("Accept") == "application/json" {
		writeJSON(w, http.StatusOK, map[string]any{"delivery_id": d.ID, "state": d.State})
		return nil
	}
	return s.page(w, r, p, http.StatusOK, "ack", &view{TitleID: "PanelAckDoneTitle", Data: ackData{Token: token, Done: true}})
}
