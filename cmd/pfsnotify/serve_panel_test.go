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
