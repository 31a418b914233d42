package doctor

import (
	"context"
	"net"
	"net/url"
	"strings"
)

// PublicURLCheck checks public_url: the https address nginx serves, which
// Twilio fetches call instructions from and signs over, and which links in
// emails and the panel's secure cookies use. needed says what uses it in
// this configuration ("calls"); without it, an empty public_url is fine.
func PublicURLCheck(raw string, needed []string) Check {
	const name = "public_url"
	return Check{Name: name, Run: func(context.Context) []Result {
		if raw == "" {
			if len(needed) == 0 {
				return one(ok(name, "not set; nothing configured needs it"))
			}
			return one(failf(name, "not set, but %s need it", "set public_url to the https address nginx serves, e.g. https://notify.example.org",
				strings.Join(needed, " and ")))
		}
		u, err := url.Parse(raw)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			return one(failf(name, "%q is not an absolute http(s) URL", "write it like https://notify.example.org", raw))
		case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			return one(failf(name, "%q has a query, fragment or user name", "keep only scheme, host and path, e.g. https://notify.example.org", raw))
		case u.Scheme != "https":
			return one(warnf(name, "%q is not https: Twilio refuses to fetch call instructions over http in production, and sign-in cookies are not Secure",
				"serve it through nginx with TLS and set public_url to the https address", raw))
		}
		host := u.Hostname()
		if ip := net.ParseIP(host); (ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast())) || host == "localhost" {
			return one(warnf(name, "%q is a local address: Twilio and members' browsers cannot reach it",
				"set the public name nginx serves", raw))
		}
		return one(ok(name, "%s", raw))
	}}
}
