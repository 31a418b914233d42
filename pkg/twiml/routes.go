// Package twiml is serve-twiml: it answers Twilio's webhooks for the calls
// and messages that invoke sends. This file is the URL scheme that both
// sides share: invoke's Twilio channels build the URLs Twilio is told to
// call, serve-twiml registers handlers for the same paths.
//
// Every URL ends in the delivery's token, the unguessable key serve-twiml
// looks the delivery up by:
//
//	{public_url}{prefix}voice/{token}        TwiML to speak (Twilio fetches it when the call is answered)
//	{public_url}{prefix}gather/{token}       the <Gather> action: the key the person pressed
//	{public_url}{prefix}call-status/{token}  call status callbacks
//	{public_url}{prefix}sms-status/{token}   message status callbacks
//	{public_url}{prefix}sms/incoming         texts sent back to twilio.from_number
//	                                         (the number's "A message comes in" webhook)
//
// The prefix is DefaultPrefix unless serve-twiml is configured otherwise.
package twiml

import (
	"net/url"
	"strings"
)

// DefaultPrefix is the path under which serve-twiml answers, and under
// which nginx proxies to it.
const DefaultPrefix = "/twiml/"

// The routes under the prefix. Each is followed by the token.
const (
	VoiceRoute      = "voice/"
	GatherRoute     = "gather/"
	CallStatusRoute = "call-status/"
	SMSStatusRoute  = "sms-status/"
)

// SMSIncomingRoute is Twilio's incoming-message webhook: the one route
// without a token (a text sent back is matched by its sender's number).
const SMSIncomingRoute = "sms/incoming"

// TokenWildcard is the name of the token's path wildcard in the patterns
// of Routes.Pattern: r.PathValue(twiml.TokenWildcard).
const TokenWildcard = "token"

// Routes builds the URLs of one installation: its public URL (config's
// public_url, e.g. "https://notify.example.org", perhaps with a path) and
// serve-twiml's prefix ("" means DefaultPrefix).
type Routes struct {
	PublicURL string
	Prefix    string
}

// prefix is the prefix with exactly one leading and one trailing slash.
func (r Routes) prefix() string {
	p := strings.Trim(r.Prefix, "/")
	if p == "" && r.Prefix == "" {
		return DefaultPrefix
	}
	if p == "" {
		return "/"
	}
	return "/" + p + "/"
}

// URL returns the public URL of route for token: the public URL without
// its trailing slashes, the prefix, the route and the path-escaped token.
func (r Routes) URL(route, token string) string {
	return strings.TrimRight(r.PublicURL, "/") + r.prefix() + route + url.PathEscape(token)
}

// Pattern returns the net/http.ServeMux pattern of route, without method
// or host: "/twiml/voice/{token}".
func (r Routes) Pattern(route string) string {
	return r.prefix() + route + "{" + TokenWildcard + "}"
}

// SMSIncoming is the URL to set as the number's "A message comes in"
// webhook (HTTP POST) in Twilio's console.
func (r Routes) SMSIncoming() string {
	return strings.TrimRight(r.PublicURL, "/") + r.prefix() + SMSIncomingRoute
}

// SMSIncomingPattern is the net/http.ServeMux pattern of SMSIncoming.
func (r Routes) SMSIncomingPattern() string { return r.prefix() + SMSIncomingRoute }

// Voice is the URL Twilio fetches the call's TwiML from.
func (r Routes) Voice(token string) string { return r.URL(VoiceRoute, token) }

// Gather is the action URL of the call's <Gather>.
func (r Routes) Gather(token string) string { return r.URL(GatherRoute, token) }

// CallStatus is the StatusCallback URL of a call.
func (r Routes) CallStatus(token string) string { return r.URL(CallStatusRoute, token) }

// SMSStatus is the StatusCallback URL of a message.
func (r Routes) SMSStatus(token string) string { return r.URL(SMSStatusRoute, token) }

// VoiceURL is Routes{PublicURL: publicURL}.Voice(token), under DefaultPrefix:
// "https://notify.example.org/twiml/voice/{token}".
func VoiceURL(publicURL, token string) string { return Routes{PublicURL: publicURL}.Voice(token) }

// GatherURL is the <Gather> action URL under DefaultPrefix.
func GatherURL(publicURL, token string) string { return Routes{PublicURL: publicURL}.Gather(token) }

// CallStatusURL is a call's StatusCallback URL under DefaultPrefix.
func CallStatusURL(publicURL, token string) string {
	return Routes{PublicURL: publicURL}.CallStatus(token)
}

// SMSStatusURL is a message's StatusCallback URL under DefaultPrefix.
func SMSStatusURL(publicURL, token string) string {
	return Routes{PublicURL: publicURL}.SMSStatus(token)
}
