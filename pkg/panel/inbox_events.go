package panel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// heartbeatEvery is how often a live inbox with nothing new gets a comment
// line, so that nginx and the browser keep the stream open.
const heartbeatEvery = 20 * time.Second

// inboxEvent is the data of an "inbox" event: the person's inbox state and
// the unread badge's label in their language.
type inboxEvent struct {
	store.InboxState
	Label string `json:"label"`
}

// inboxEvents is the live inbox: a stream of Server-Sent Events for the
// person signed in, one "inbox" event with their inbox state when it opens
// and one each time it changes (something arrived, something was read on
// any device), and a heartbeat comment in between. It ends when the client
// goes away, the person signs out, or the server shuts down.
func (s *Server) inboxEvents(w http.ResponseWriter, r *http.Request, p *principal) error {
	now, err := s.opts.Store.InboxStateOf(r.Context(), p.user.ID)
	if err != nil {
		return err
	}
	st, ok := s.inbox.open(p.user.ID, p.token, now)
	if !ok {
		httpserver.SetRetryAfter(w.Header())
		return &httpError{status: http.StatusServiceUnavailable, msg: "the panel is shutting down: try again in a moment"}
	}
	defer s.inbox.close(p.user.ID, st)
	lang := s.langOf(r, p)
	// net/http clears the read deadline (ReadTimeout) once the request is
	// read; the write deadline (WriteTimeout) is pushed on at each write.
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	write := func(text string) error {
		rc.SetWriteDeadline(time.Now().Add(2 * heartbeatEvery)) // the server's WriteTimeout would end the stream
		if _, err := fmt.Fprint(w, text); err != nil {
			return err
		}
		return rc.Flush()
	}
	event := func(now store.InboxState) error {
		label, err := lang.T("PanelUnread", map[string]any{"Count": now.Unread})
		if err != nil {
			return err
		}
		b, err := json.Marshal(inboxEvent{InboxState: now, Label: label})
		if err != nil {
			return err
		}
		return write("event: inbox\ndata: " + string(b) + "\n\n")
	}
	if err := write("retry: 5000\n\n"); err != nil {
		return nil // the client is gone
	}
	if err := event(now); err != nil {
		return nil
	}
	ctx := httpserver.Lasting(r.Context())
	beat := time.NewTicker(heartbeatEvery)
	defer beat.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-st.done:
			return nil
		case now := <-st.updates:
			err = event(now)
		case <-beat.C:
			err = write(": heartbeat\n\n")
		}
		if err != nil {
			return nil // the client is gone; nothing to answer
		}
	}
}

// CloseStreams ends every live inbox and refuses new ones: serve-panel
// calls it as it shuts down (httpserver.Options.OnShutdown), so that open
// streams do not hold the shutdown.
func (s *Server) CloseStreams() { s.inbox.shutdown() }
