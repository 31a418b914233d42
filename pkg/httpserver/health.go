package httpserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/buildinfo"
)

// Pinger is what a health check asks: the database.
type Pinger interface {
	CheckSchema(ctx context.Context) error
}

// healthOK is the answer of a healthy server: its status and which
// pfsnotify it is.
type healthOK struct {
	Status string         `json:"status"`
	Build  buildinfo.Info `json:"build"`
}

// Health answers 200 {"status":"ok","build":{"version":...}} when the
// database answers and its schema is current, 503 {"status":"unavailable"}
// with Retry-After otherwise, within 3 seconds however the database stalls;
// the cause goes to the log, not to whoever asked.
func Health(db Pinger, log *slog.Logger) http.Handler {
	ok := healthOK{Status: "ok", Build: buildinfo.Read()}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if err := db.CheckSchema(ctx); err != nil {
			log.Error("health check failed", "err", err)
			SetRetryAfter(w.Header())
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"status": "unavailable"})
			return
		}
		json.NewEncoder(w).Encode(ok)
	})
}
