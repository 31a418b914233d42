package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// browserData is what the "This browser" page shows.
type browserData struct {
	VAPIDKey string // "" when push is not configured
	Devices  []store.PushSubscription
}

func (s *Server) browserPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.browserView(w, r, p, http.StatusOK, nil)
}

func (s *Server) browserView(w http.ResponseWriter, r *http.Request, p *principal, status int, errs map[string]string) error {
	subs, err := s.opts.Store.ListPushSubscriptions(r.Context(), p.user.ID, true)
	if err != nil {
		return err
	}
	return s.page(w, r, p, status, "browser", &view{TitleID: "PanelBrowserHeading", Nav: "browser", Errors: errs,
		Data: browserData{VAPIDKey: s.opts.Config.WebPush.PublicKey, Devices: subs}})
}

func (s *Server) browserTest(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.sendTest(r, p, schedule.ChannelPush); err != nil {
		if status := statusOf(err); status < 500 && status != http.StatusNotFound {
			return s.browserView(w, r, p, status, map[string]string{"push": err.Error()})
		}
		return err
	}
	return redirect(w, r, "/browser?done=test-push")
}

func (s *Server) browserDeviceDelete(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.opts.Store.DeletePushSubscription(r.Context(), p.user.ID, id); err != nil {
		return err
	}
	return redirect(w, r, "/browser?done=device-removed")
}

// subscriptionJSON is a browser's PushSubscription as JSON.stringify gives
// it: {"endpoint": ..., "expirationTime": null, "keys": {"p256dh": ..., "auth": ...}}.
type subscriptionJSON struct {
	Endpoint       string   `json:"endpoint"`
	ExpirationTime *float64 `json:"expirationTime,omitempty"`
	Keys           struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// subscribeRequest is the body of POST /api/v1/push/subscriptions.
type subscribeRequest struct {
	Subscription subscriptionJSON `json:"subscription"`
	// OldEndpoint is the subscription this one replaces (the service
	// worker's pushsubscriptionchange), deleted if it is the person's.
	OldEndpoint string `json:"old_endpoint,omitempty"`
}

// saveSubscription checks and stores a browser's subscription for p.
func (s *Server) saveSubscription(ctx context.Context, p *principal, req subscribeRequest, userAgent string) (store.PushSubscription, error) {
	if !s.opts.Config.SetsUp(schedule.ChannelPush) {
		return store.PushSubscription{}, &httpError{status: http.StatusConflict, msg: "Web Push is not configured on this server (webpush.public_key)"}
	}
	if err := s.checkEndpoint(ctx, req.Subscription.Endpoint); err != nil {
		return store.PushSubscription{}, err
	}
	sub, err := s.opts.Store.SavePushSubscription(ctx, store.PushSubscription{UserID: p.user.ID, Endpoint: req.Subscription.Endpoint,
		P256dh: req.Subscription.Keys.P256dh, Auth: req.Subscription.Keys.Auth, UserAgent: userAgent})
	if err != nil {
		return store.PushSubscription{}, err
	}
	if old := req.OldEndpoint; old != "" && old != sub.Endpoint {
		if err := s.opts.Store.DeletePushSubscriptionByEndpoint(ctx, p.user.ID, old); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.PushSubscription{}, err
		}
	}
	return sub, nil
}

// checkEndpoint refuses a push endpoint that is not https or that points
// into this network (loopback, private, link-local, ...): invoke would
// post to it, so a made-up subscription must not reach internal services.
func (s *Server) checkEndpoint(ctx context.Context, endpoint string) error {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return fieldErr("endpoint", "%q is not an absolute https URL", endpoint)
	}
	if s.opts.AllowPrivatePush {
		return nil
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(addr) {
			return fieldErr("endpoint", "%s is a private or local address, not a push service", host)
		}
		return nil
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") ||
		strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".internal") || !strings.Contains(h, ".") {
		return fieldErr("endpoint", "%s is a local name, not a push service", host)
	}
	lookupCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := s.opts.LookupHost(lookupCtx, host)
	if err != nil || len(addrs) == 0 {
		return fieldErr("endpoint", "the host %s cannot be resolved", host)
	}
	for _, a := range addrs {
		if !publicAddr(a.Unmap()) {
			return fieldErr("endpoint", "%s resolves to %s, a private or local address, not a push service", host, a)
		}
	}
	return nil
}

// sharedAddressSpace is 100.64.0.0/10 (carrier-grade NAT).
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether a is a global unicast address outside the
// private, loopback, link-local and shared ranges.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() &&
		!sharedAddressSpace.Contains(a)
}

// deviceName is a short name of a browser, from its user agent.
func deviceName(ua string) string {
	browser := "A browser"
	for _, b := range []struct{ token, name string }{{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o.token) {
			return fmt.Sprintf("%s on %s", browser, o.name)
		}
	}
	return browser
}
