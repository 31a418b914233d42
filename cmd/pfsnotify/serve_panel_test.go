package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServePanel(t *testing.T) {
	c := newCLI(t, storetest.SQLiteConfig(t))
	c.ok("db", "migrate")
	c.ok("user", "add", "alice", "--role", "admin")
	if _, errOut, code := c.runIn(context.Background(), "correct horse battery\n", "user", "passwd", "alice"); code != 0 {
		t.Fatalf("user passwd: %s", errOut)
	}
	addr := freeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		_, _, code := c.runIn(ctx, "", "serve-panel", "--listen", addr)
		done <- code
	}()
	base := "http://" + addr
	var err error
	for range 100 {
		var res *http.Response
		if res, err = http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("/healthz: got %d; want 200", res.StatusCode)
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("serve-panel does not answer on %s: %v", addr, err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base+"/signin", url.Values{"login": {"alice"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
		t.Errorf("sign in: got %d with %d cookies; want 303 and a session", res.StatusCode, len(res.Cookies()))
	}
	if res, err := http.Get(base + "/metrics"); err != nil {
		t.Error(err)
	} else {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, want := range []string{"pfsnotify_panel_http_requests_total", "go_goroutines"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	}
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve-panel exited %d after its context ended; want 0", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve-panel did not stop")
	}
}

func TestServePanelBadListen(t *testing.T) {
	c := newCLI(t, storetest.SQLiteConfig(t))
	_, errOut, code := c.run("serve-panel", "--listen", "nowhere")
	if code != 2 || !strings.Contains(errOut, `panel.listen: "nowhere" is not host:port`) {
		t.Errorf("got exit %d %q; want 2 naming panel.listen", code, errOut)
	}
}

// timedAnswer is what a server answered, and how long it took.
type timedAnswer struct {
	status           int
	retryAfter, body string
	took             time.Duration
}

// timedDo sends req with a client that gives up after 10 seconds (the
// bound of the database-stall tests) and follows no redirect.
func timedDo(t *testing.T, req *http.Request) timedAnswer {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v after %v; want an answer", req.Method, req.URL.Path, err, time.Since(start).Round(time.Millisecond))
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return timedAnswer{res.StatusCode, res.Header.Get("Retry-After"), string(b), time.Since(start)}
}

// waitStatus sends the request mk makes until it answers want, for at
// most 20 seconds.
func waitStatus(t *testing.T, what string, mk func() *http.Request, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		a := timedDo(t, mk())
		if a.status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s after the database came back: got %d; want %d\n%s", what, a.status, want, a.body)
			return
		}
		time.Sleep(50 * time.Millisecond) // a poll's pace; the loop ends on the answer
	}
}

// TestServePanelDatabaseStalls: serve-panel over MariaDB behind a proxy
// that stalls: signing in and /healthz answer 503 with Retry-After instead
// of hanging, and answer as usual once the proxy forwards again.
func TestServePanelDatabaseStalls(t *testing.T) {
	proxy, db := storetest.ThroughProxy(t, storetest.MySQLConfig(t))
	c := newCLI(t, db)
	c.ok("db", "migrate")
	c.ok("user", "add", "alice")
	if _, errOut, code := c.runIn(context.Background(), "correct horse battery\n", "user", "passwd", "alice"); code != 0 {
		t.Fatalf("user passwd: %s", errOut)
	}
	addr := freeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		_, _, code := c.runIn(ctx, "", "serve-panel", "--listen", addr)
		done <- code
	}()
	defer func() {
		stop()
		<-done
	}()
	base := "http://" + addr
	health := func() *http.Request { req, _ := http.NewRequest("GET", base+"/healthz", nil); return req }
	signIn := func() *http.Request {
		req, _ := http.NewRequest("POST", base+"/signin", strings.NewReader(url.Values{"login": {"alice"}, "password": {"correct horse battery"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	for range 200 {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitStatus(t, "/healthz", health, http.StatusOK)

	proxy.Pause()
	for _, tt := range []struct {
		what string
		mk   func() *http.Request
		want string
	}{
		{"/healthz", health, `{"status":"unavailable"}`},
		{"signing in", signIn, "the database is not answering; try again in a moment"},
	} {
		a := timedDo(t, tt.mk())
		t.Logf("%s with the database not answering: %d after %v", tt.what, a.status, a.took.Round(time.Millisecond))
		if a.status != http.StatusServiceUnavailable || a.retryAfter != "5" || !strings.Contains(a.body, tt.want) {
			t.Errorf("%s: got %d, Retry-After %q; want 503, Retry-After 5 and %q\n%s", tt.what, a.status, a.retryAfter, tt.want, a.body)
		}
	}
	proxy.Resume()
	waitStatus(t, "/healthz", health, http.StatusOK)
	waitStatus(t, "signing in", signIn, http.StatusSeeOther)
}
