package panel

import (
	"net/http"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// inboxLimit is how many past notifications a page of the inbox shows.
const inboxLimit = 100

// inboxData is a page of the inbox.
type inboxData struct {
	Items []store.InboxItem
	Pager pager
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	before, problem := readBefore(r.URL.Query())
	if problem != "" {
		return fieldErr("before", "%s", problem)
	}
	items, err := s.opts.Store.ListInbox(r.Context(), p.user.ID, store.InboxFilter{Before: before, Limit: inboxLimit + 1})
	if err != nil {
		return err
	}
	var d inboxData
	d.Items, d.Pager = pageOf(r, items, inboxLimit, func(it store.InboxItem) int64 { return it.ID })
	return s.page(w, r, p, http.StatusOK, "inbox", &view{TitleID: "PanelInbox", Nav: "inbox", Data: d})
}

// inboxRead marks one of the person's own notifications read; anyone
// else's is not found (an admin reads nobody's mail either).
func (s *Server) inboxRead(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.opts.Store.MarkRead(r.Context(), p.user.ID, []int64{id}, s.now()); err != nil {
		return err
	}
	return redirect(w, r, "/inbox?done=read")
}

func (s *Server) inboxReadAll(w http.ResponseWriter, r *http.Request, p *principal) error {
	if _, err := s.opts.Store.MarkRead(r.Context(), p.user.ID, nil, s.now()); err != nil {
		return err
	}
	return redirect(w, r, "/inbox?done=read")
}
