package config

import (
	"net"
	"regexp"
	"strconv"
	"time"
)

// twimlPrefix is a URL path of plain segments with a slash at each end.
var twimlPrefix = regexp.MustCompile(`^/([A-Za-z0-9._~-]+/)*$`)

func (p *problems) twiml(t TwiML, tw Twilio) {
	host, port, err := net.SplitHostPort(t.Listen)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		p.add("twiml.listen", `%q is not host:port (use e.g. "127.0.0.1:8081", behind nginx)`, t.Listen)
	} else if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		p.add("twiml.listen", `%q: the host must be an IP address or localhost (use e.g. "127.0.0.1:8081")`, t.Listen)
	}
	if !twimlPrefix.MatchString(t.Prefix) {
		p.add("twiml.prefix", `%q is not a path with a slash at each end (use e.g. "/twiml/")`, t.Prefix)
	}
	if t.RetryDelay < 10*time.Second || t.RetryDelay > 24*time.Hour {
		p.add("twiml.retry_delay", `%s is out of range (use 10s to 24h; e.g. "2m")`, t.RetryDelay)
	}
	if t.MaxCallRetries < 0 || t.MaxCallRetries > 10 {
		p.add("twiml.max_call_retries", "%d is out of range (use 0 to 10; 0: a call that is not answered is not tried again)", t.MaxCallRetries)
	}
	if t.ReconcileAfter != 0 && (t.ReconcileAfter < time.Minute || t.ReconcileAfter > 24*time.Hour) {
		p.add("twiml.reconcile_after", `%s is out of range (use 1m to 24h, e.g. "10m"; or 0 never to look calls up at Twilio)`, t.ReconcileAfter)
	}
	switch {
	case t.PreviousAuthToken == "":
	case !isAlnum(t.PreviousAuthToken):
		p.add("twiml.previous_auth_token", "must be letters and digits only, as Twilio's tokens are (the value is not shown)")
	case tw.AuthToken == "":
		p.add("twiml.previous_auth_token", "is set but twilio.auth_token is empty (set the current token there)")
	}
}
