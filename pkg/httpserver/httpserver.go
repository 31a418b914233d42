// Package httpserver is the plumbing that serve-panel and serve-twiml share:
// a server with timeouts and graceful shutdown, request logging that never
// writes a URL's secrets, Prometheus metrics, and health checks.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Options configure a server.
type Options struct {
	Addr    string // e.g. "127.0.0.1:8080"
	Handler http.Handler
	Log     *slog.Logger
	// ShutdownTimeout is how long requests under way may take to finish
	// once ctx ends; default 10s.
	ShutdownTimeout time.Duration
	// Ready, when set, is called with the address listened on (tests pass
	// ":0" and learn the port).
	Ready func(addr net.Addr)
	// OnShutdown, when set, is called as shutdown begins: it ends the
	// answers that last (streams of events), which would otherwise hold
	// the shutdown until ShutdownTimeout.
	OnShutdown func()
}

// Run serves until ctx ends, then shuts down gracefully. The timeouts bound
// what one slow client can hold: headers in 10s, a request in 30s.
func Run(ctx context.Context, opts Options) error {
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 10 * time.Second
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	srv := &http.Server{
		Handler:           opts.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(opts.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if opts.OnShutdown != nil {
		srv.RegisterOnShutdown(opts.OnShutdown)
	}
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	opts.Log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	opts.Log.Info("stopped")
	return nil
}
