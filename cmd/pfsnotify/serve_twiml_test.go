package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// twilioEnv is the environment of a configured serve-twiml.
func twilioEnv() []string {
	return []string{
		"PFSNOTIFY_PUBLIC_URL=" + twiliotest.PublicURL,
		"PFSNOTIFY_TWILIO_ACCOUNT_SID=" + twiliotest.AccountSID,
		"PFSNOTIFY_TWILIO_AUTH_TOKEN=" + twiliotest.AuthToken,
		"PFSNOTIFY_TWILIO_FROM_NUMBER=" + twiliotest.FromNumber,
	}
}

// TestServeTwiMLRefuses: serve-twiml fails closed, before listening.
func TestServeTwiMLRefuses(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no auth token", []string{"PFSNOTIFY_PUBLIC_URL=https://notify.example.org"}, nil, "twilio.auth_token is empty"},
		{"no public url", twilioEnv()[1:], nil, "public_url is empty"},
		{"bad listen", twilioEnv(), []string{"--listen", "8081"}, `--listen "8081" is not host:port`},
		{"bad prefix", append(twilioEnv(), "PFSNOTIFY_TWIML_PREFIX=twiml"), nil, "twiml.prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t, storetest.SQLiteConfig(t))
			c.ok("db", "migrate")
			c.env = append(c.env, tt.env...)
			out, errOut, code := c.run(append([]string{"serve-twiml", "--listen", "127.0.0.1:0"}, tt.args...)...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("got exit %d, stderr %q, stdout %q; want 2 and %q", code, errOut, out, tt.want)
			}
			if strings.Contains(errOut, twiliotest.AuthToken) {
				t.Errorf("stderr shows the auth token")
			}
		})
	}
}

// TestServeTwiMLServes runs the command until its context ends: it
// answers health checks, refuses unsigned requests, answers signed ones.
func TestServeTwiMLServes(t *testing.T) {
	c := newCLI(t, storetest.SQLiteConfig(t))
	c.ok("db", "migrate")
	var stderr bytes.Buffer
	a := newApp(io.Discard, &stderr, append(c.env, twilioEnv()...))
	if err := a.load(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServeTwiML(ctx, a, serveTwiMLOptions{listen: "127.0.0.1:0", ready: func(addr net.Addr) { addrc <- addr },
			shutdown: 2 * time.Second})
	}()
	var base string
	select {
	case addr := <-addrc:
		base = "http://" + addr.String()
	case err := <-done:
		t.Fatalf("serve-twiml stopped at once: %v\n%s", err, stderr.String())
	}

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: got %d; want 200", resp.StatusCode)
	}
	voice := twiliotest.PublicURL + "/twiml/voice/" + strings.Repeat("A", 43)
	form := url.Values{"CallSid": {"CA00000000000000000000000000000001"}}
	for _, tt := range []struct {
		token string
		want  int
	}{{"", 403}, {"feedfeedfeedfeedfeedfeedfeedfeed", 403}, {twiliotest.AuthToken, 200}} {
		req, err := twiliotest.SignedRequest(tt.token, voice, form)
		if err != nil {
			t.Fatal(err)
		}
		req.URL, _ = url.Parse(base + "/twiml/voice/" + strings.Repeat("A", 43))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("signed with %q: got %d %q; want %d", tt.token, resp.StatusCode, body, tt.want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve-twiml: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve-twiml did not stop with its context")
	}
	if logs := stderr.String(); strings.Contains(logs, twiliotest.AuthToken) || !strings.Contains(logs, "request refused") {
		t.Errorf("got log %q; want the refusals, never the auth token", logs)
	}
}

// TestServeTwiMLDatabaseStalls: serve-twiml over MariaDB behind a proxy
// that stalls (through the prepared call lookup it runs with): a call
// hears the apology, a status callback and /healthz get 503 with
// Retry-After, instead of waiting until Twilio gives up; once the proxy
// forwards again they are answered as usual.
func TestServeTwiMLDatabaseStalls(t *testing.T) {
	proxy, db := storetest.ThroughProxy(t, storetest.MySQLConfig(t))
	c := newCLI(t, db)
	c.ok("db", "migrate")
	var stderr bytes.Buffer
	a := newApp(io.Discard, &stderr, append(c.env, twilioEnv()...))
	if err := a.load(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServeTwiML(ctx, a, serveTwiMLOptions{listen: "127.0.0.1:0", ready: func(addr net.Addr) { addrc <- addr },
			shutdown: 2 * time.Second})
	}()
	defer func() {
		cancel()
		<-done
	}()
	var base string
	select {
	case addr := <-addrc:
		base = "http://" + addr.String()
	case err := <-done:
		t.Fatalf("serve-twiml stopped at once: %v\n%s", err, stderr.String())
	}
	token := strings.Repeat("A", 43) // a token no delivery has: the lookup still asks the database
	signed := func(route string, form url.Values) func() *http.Request {
		return func() *http.Request {
			req, err := twiliotest.SignedRequest(twiliotest.AuthToken, twiliotest.PublicURL+"/twiml/"+route+token, form)
			if err != nil {
				t.Fatal(err)
			}
			req.URL, _ = url.Parse(base + "/twiml/" + route + token)
			return req
		}
	}
	sid := "CA00000000000000000000000000000001"
	probes := []struct {
		what                string
		mk                  func() *http.Request
		status              int
		retryAfter, stalled string // in the answer with the database stalled
		served              string // in the answer once it answers
	}{
		{"the call's words", signed("voice/", url.Values{"CallSid": {sid}}), 200, "", "Sorry, we cannot give you your reminder", "no longer available"},
		{"a call status callback", signed("call-status/", url.Values{"CallSid": {sid}, "CallStatus": {"completed"}}), 503, "5", "<Response>", "<Response>"},
		{"/healthz", func() *http.Request { req, _ := http.NewRequest("GET", base+"/healthz", nil); return req }, 503, "5",
			`{"status":"unavailable"}`, `{"status":"ok","build":{"version":`},
	}
	proxy.Pause()
	for _, p := range probes {
		got := timedDo(t, p.mk())
		t.Logf("%s with the database not answering: %d after %v", p.what, got.status, got.took.Round(time.Millisecond))
		if got.status != p.status || got.retryAfter != p.retryAfter || !strings.Contains(got.body, p.stalled) {
			t.Errorf("%s: got %d, Retry-After %q; want %d, Retry-After %q and %q\n%s", p.what, got.status, got.retryAfter,
				p.status, p.retryAfter, p.stalled, got.body)
		}
	}
	proxy.Resume()
	for _, p := range probes {
		waitStatus(t, p.what, p.mk, http.StatusOK)
		if got := timedDo(t, p.mk()); !strings.Contains(got.body, p.served) {
			t.Errorf("%s once the database answers: got %d %q; want %q", p.what, got.status, got.body, p.served)
		}
	}
}
