package panel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/broadcast"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// A send-only token (another system's, issued for an admin) sends a
// message and can do nothing else: every other API route refuses it, and
// the pages do not know it.
func TestSendOnlyToken(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, nil)
		ctx := context.Background()
		if _, _, err := st.CreateSendToken(ctx, f.users["alice"].ID, "scheduler"); !store.IsInvalid(err) {
			t.Errorf("a send-only token for a member: got %v; want a field error", err)
		}
		value, _, err := st.CreateSendToken(ctx, f.users["root"].ID, "observatory scheduler")
		if err != nil {
			t.Fatal(err)
		}
		bearer := map[string]string{"Authorization": "Bearer " + value}
		body := `{"title": "Run cancelled", "message": "High winds.", "users": ["alice", "bob"], "channels": ["log"]}`
		w := f.do(request{method: "POST", path: "/api/v1/messages", json: body, header: bearer})
		if w.Code != http.StatusCreated {
			t.Fatalf("send with the token: got %d %s; want 201", w.Code, w.Body)
		}
		var res broadcast.Result
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || res.Queued != 2 || res.Reachable != 2 || res.Message == 0 {
			t.Errorf("send answered %s (%v); want 2 queued", w.Body, err)
		}
		for _, rt := range f.srv.routeTable() {
			method, path, _ := strings.Cut(rt.pattern, " ")
			if rt.who == sender {
				continue // the token's own routes: below
			}
			path = strings.NewReplacer("{$}", "", "{id}", "1", "{login}", "alice", "{token}", "x", "{channel}", "sms").Replace(path)
			w := f.do(request{method: method, path: path, header: bearer, json: "{}"})
			switch {
			case strings.HasPrefix(path, "/api/"):
				if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "may only send messages") {
					t.Errorf("%s with the send-only token: got %d %s; want 403", rt.pattern, w.Code, w.Body)
				}
			case w.Code < 300 && rt.who != anyone:
				t.Errorf("%s with the send-only token: got %d; a page must not take a token", rt.pattern, w.Code)
			}
		}
		path := fmt.Sprintf("/api/v1/messages/%d", res.Message)
		w = f.do(request{method: "DELETE", path: path, header: bearer})
		var cancel struct{ Message, Cancelled int64 }
		if err := json.Unmarshal(w.Body.Bytes(), &cancel); w.Code != http.StatusOK || err != nil || cancel.Message != res.Message ||
			cancel.Cancelled != 2 {
			t.Errorf("DELETE %s with the token: got %d %s; want 200 with its 2 deliveries cancelled", path, w.Code, w.Body)
		}
		if w = f.do(request{method: "DELETE", path: "/api/v1/messages/999", header: bearer}); w.Code != http.StatusNotFound {
			t.Errorf("DELETE of no message: got %d %s; want 404", w.Code, w.Body)
		}
	})
}

// Bad input is a 422 naming the field, and nothing is queued.
func TestSendMessageBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, nil)
		tests := []struct {
			body      string
			wantCode  int
			wantField string
		}{
			{`{"message": "m", "users": ["alice"]}`, http.StatusUnprocessableEntity, "title"},
			{`{"title": "T", "users": ["alice"]}`, http.StatusUnprocessableEntity, "message"},
			{`{"title": "T", "message": "m"}`, http.StatusUnprocessableEntity, "to"},
			{`{"title": "T", "message": "m", "users": ["alice"], "channels": ["pigeon"]}`, http.StatusUnprocessableEntity, "channels"},
			{`{"title": "T", "message": "m", "users": ["alice"], "at": "tomorrow"}`, http.StatusUnprocessableEntity, "at"},
			{`{"title": "T", "message": "m", "groups": ["nogroup"], "users": ["nobody"]}`, http.StatusUnprocessableEntity, "no such group nogroup, user nobody"},
		}
		for _, tt := range tests {
			w := f.do(request{method: "POST", path: "/api/v1/messages", as: "root", json: tt.body})
			if w.Code != tt.wantCode || !strings.Contains(w.Body.String(), tt.wantField) {
				t.Errorf("%s: got %d %s; want %d naming %s", tt.body, w.Code, w.Body, tt.wantCode, tt.wantField)
			}
		}
		w := f.do(request{method: "POST", path: "/api/v1/messages", as: "root",
			json: `{"title": "T", "message": "m", "users": ["alice"], "channels": ["log"], "dry_run": true}`})
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"dry_run": true`) && !strings.Contains(w.Body.String(), `"dry_run":true`) {
			t.Errorf("dry run: got %d %s; want 200", w.Code, w.Body)
		}
		ds, err := st.ClaimDue(context.Background(), "test", 60e9, 10)
		if err != nil || len(ds) != 0 {
			t.Errorf("after the refused sends and a dry run: %d due, %v; want none", len(ds), err)
		}
	})
}
