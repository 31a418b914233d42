package config

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

func (p *problems) panel(c Panel) {
	if host, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		p.add("panel.listen", `%q is not host:port (use e.g. "127.0.0.1:8080", behind nginx)`, c.Listen)
	} else if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		p.add("panel.listen", `%q: the host must be an IP address or localhost (use e.g. "127.0.0.1:8080")`, c.Listen)
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 366*24*time.Hour {
		p.add("panel.session_ttl", `%s is out of range (use 1m to 8784h, a year; e.g. "168h" for a week)`, c.SessionTTL)
	}
	proxies, err := ParseProxies(c.TrustedProxies)
	if err != nil {
		p.add("panel.trusted_proxies", "%v", err)
	}
	if h := c.ProxyUserHeader; h != "" {
		switch {
		case !validHeaderName(h):
			p.add("panel.proxy_user_header", `%q is not a header name (use e.g. "X-Remote-User")`, h)
		case err == nil && len(proxies) == 0:
			p.add("panel.proxy_user_header", "%q is set but panel.trusted_proxies is empty: the header would be believed from no one (list nginx's address, e.g. 127.0.0.1)", h)
		}
	}
	if !c.PasswordSignIn && c.ProxyUserHeader == "" {
		p.add("panel.password_signin", "is false and panel.proxy_user_header is empty: nobody could sign in (set one of them)")
	}
	if c.SignInAccountLimit < 1 {
		p.add("panel.signin_account_limit", "%d is too small (use 1 or more; 5 is the default)", c.SignInAccountLimit)
	}
	if c.SignInAddressLimit < 1 {
		p.add("panel.signin_address_limit", "%d is too small (use 1 or more; 20 is the default)", c.SignInAddressLimit)
	}
	if c.SignInWindow < time.Second || c.SignInWindow > 24*time.Hour {
		p.add("panel.signin_window", `%s is out of range (use 1s to 24h; e.g. "15m")`, c.SignInWindow)
	}
}

// ParseProxies reads panel.trusted_proxies: IP addresses and CIDR prefixes,
// separated by commas or spaces. "" is none.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if strings.Contains(item, "/") {
			pfx, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR prefix (use e.g. \"127.0.0.1, 10.0.0.0/8\")", item)
			}
			out = append(out, pfx.Masked())
			continue
		}
		addr, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix (use e.g. \"127.0.0.1, 10.0.0.0/8\")", item)
		}
		addr = addr.Unmap()
		out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
	}
	return out, nil
}

// validHeaderName reports whether h is an HTTP header name (a token).
func validHeaderName(h string) bool {
	if h == "" {
		return false
	}
	for _, c := range h {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return http.CanonicalHeaderKey(h) != ""
}
