package panel

import (
	"net/http"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// tokensData is what the API tokens page shows.
type tokensData struct {
	Tokens []store.APIToken
	New    string // a token just made, shown this once
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.tokensView(w, r, p, http.StatusOK, "", nil, nil)
}

func (s *Server) tokensView(w http.ResponseWriter, r *http.Request, p *principal, status int, fresh string, f, errs map[string]string) error {
	tokens, err := s.opts.Store.ListAPITokens(r.Context(), p.user.ID)
	if err != nil {
		return err
	}
	return s.page(w, r, p, status, "tokens", &view{TitleID: "PanelTokensTitle", Nav: "tokens", Form: f, Errors: errs,
		Data: tokensData{Tokens: tokens, New: fresh}})
}

// tokensCreate makes a token and shows it once, in the answer to the
// POST: it is never in a URL, and cannot be had again.
func (s *Server) tokensCreate(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, "name")
	if err != nil {
		return err
	}
	value, _, err := s.opts.Store.CreateAPIToken(r.Context(), p.user.ID, f["name"])
	if store.IsInvalid(err) {
		return s.tokensView(w, r, p, http.StatusUnprocessableEntity, "", f, fieldProblems(err, nil))
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.tokensView(w, r, p, http.StatusOK, value, nil, nil)
}

func (s *Server) tokensDelete(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.opts.Store.DeleteAPIToken(r.Context(), p.user.ID, id); err != nil {
		return err
	}
	return redirect(w, r, "/tokens?done=token-deleted")
}
