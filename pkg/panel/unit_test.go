package panel

import (
	"net/netip"
	"testing"
	"time"
)

func TestFailureLimiter(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	l := newFailureLimiter(3, 10*time.Minute)
	for i := range 3 {
		if blocked, _ := l.blocked("k", t0); blocked {
			t.Fatalf("blocked after %d failures; want after 3", i)
		}
		l.fail("k", t0.Add(time.Duration(i)*time.Minute))
	}
	blocked, until := l.blocked("k", t0.Add(3*time.Minute))
	if !blocked || !until.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("after 3 failures: got %t until %s; want blocked until the first leaves the window (%s)", blocked, until, t0.Add(10*time.Minute))
	}
	if blocked, _ := l.blocked("other", t0); blocked {
		t.Errorf("another key is blocked")
	}
	if blocked, _ := l.blocked("k", t0.Add(10*time.Minute+time.Second)); blocked {
		t.Errorf("still blocked once the first failure left the window")
	}
	l.reset("k")
	if blocked, _ := l.blocked("k", t0.Add(4*time.Minute)); blocked {
		t.Errorf("blocked after reset")
	}
	l.fail("old", t0)
	l.sweep(t0.Add(time.Hour))
	if len(l.hits) != 0 {
		t.Errorf("sweep left %d keys; want 0", len(l.hits))
	}
}

func TestLocalPath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/rules", "/rules"}, {"/rules?x=1", "/rules?x=1"}, {"", "/"}, {"//evil.example", "/"}, {`/\evil.example`, "/"},
		{"https://evil.example/", "/"}, {"rules", "/"}, {"/a\r\nSet-Cookie: x", "/"},
	} {
		if got := localPath(tt.in); got != tt.want {
			t.Errorf("localPath(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestPublicAddr(t *testing.T) {
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"142.250.1.1", true}, {"2a00:1450:4001::200e", true}, {"127.0.0.1", false}, {"10.0.0.1", false}, {"192.168.1.1", false},
		{"172.16.0.1", false}, {"169.254.169.254", false}, {"100.64.0.1", false}, {"::1", false}, {"fe80::1", false},
		{"fd00::1", false}, {"0.0.0.0", false}, {"::ffff:10.0.0.1", false}, {"224.0.0.1", false},
	} {
		if got := publicAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("publicAddr(%s) = %t; want %t", tt.addr, got, tt.want)
		}
	}
}

func TestUntil(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{20 * time.Second, "now"}, {5 * time.Minute, "in 5 min"}, {-3 * time.Minute, "3 min ago"},
		{2*time.Hour + 5*time.Minute, "in 2 h 5 min"}, {72 * time.Hour, "in 3 days"},
	} {
		if got := until(now.Add(tt.d), now); got != tt.want {
			t.Errorf("until(%s) = %q; want %q", tt.d, got, tt.want)
		}
	}
}

func TestDeviceName(t *testing.T) {
	for _, tt := range []struct{ ua, want string }{
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36", "Chrome on Linux"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1", "Safari on iPhone"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0", "Firefox on Windows"},
		{"curl/8.0", "A browser"},
	} {
		if got := deviceName(tt.ua); got != tt.want {
			t.Errorf("deviceName(%q) = %q; want %q", tt.ua, got, tt.want)
		}
	}
}

func TestClientAddr(t *testing.T) {
	f := newFixture(t, sqliteStore(t), func(o *Options) { o.Config.Panel.TrustedProxies = "192.0.2.0/24, 10.0.0.1" })
	for _, tt := range []struct{ remote, xff, want string }{
		{"198.51.100.1:1", "203.0.113.9", "198.51.100.1"},                 // not from a proxy: the header is ignored
		{"192.0.2.10:1", "203.0.113.9", "203.0.113.9"},                    // nginx says who
		{"192.0.2.10:1", "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"}, // the client's own claim (6.6.6.6) is not believed
		{"192.0.2.10:1", "", "192.0.2.10"},
		{"192.0.2.10:1", "garbage", "192.0.2.10"},
	} {
		r := httptestRequest(request{method: "GET", path: "/", header: map[string]string{"X-Forwarded-For": tt.xff}})
		r.RemoteAddr = tt.remote
		if got := f.srv.clientAddr(r).String(); got != tt.want {
			t.Errorf("remote %s, X-Forwarded-For %q: got %s; want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}
