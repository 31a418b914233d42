package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Lasting gives a handler the request's context without Deadline's
// deadline, still ended when the request is.
func TestLasting(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	var bounded, lasting context.Context
	h := Deadline(time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bounded, lasting = r.Context(), Lasting(r.Context())
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(parent))
	if _, ok := bounded.Deadline(); !ok {
		t.Fatal("the request's context has no deadline")
	}
	if _, ok := lasting.Deadline(); ok {
		t.Error("Lasting: got a context with a deadline; want none")
	}
	cancel()
	if lasting.Err() == nil {
		t.Error("Lasting: the context goes on after the request's was cancelled")
	}
	plain := context.Background()
	if Lasting(plain) != plain {
		t.Error("Lasting of a context Deadline did not make: got another context")
	}
}

// Run calls OnShutdown as the shutdown begins, so that an answer that
// would last for ever ends, and Run returns without waiting out
// ShutdownTimeout.
func TestRunOnShutdownEndsStreams(t *testing.T) {
	stop, started := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "event\n")
		http.NewResponseController(w).Flush()
		close(started)
		<-stop // a stream of events
	})
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Addr: "127.0.0.1:0", Handler: handler, Log: slog.New(slog.DiscardHandler),
			ShutdownTimeout: time.Hour, OnShutdown: func() { close(stop) },
			Ready: func(a net.Addr) { addrc <- a }})
	}()
	addr := <-addrc
	resp, err := http.Get("http://" + addr.String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-started
	cancel()
	if err := <-done; err != nil { // with ShutdownTimeout an hour, only OnShutdown ends it
		t.Errorf("Run: %v", err)
	}
}
