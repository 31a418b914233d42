package twiml

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// SignatureHeader is the header in which Twilio signs each webhook request.
const SignatureHeader = "X-Twilio-Signature"

// signer checks Twilio's signatures with the account's auth token and,
// during a rotation, the former one.
//
// Twilio signs base64(HMAC-SHA1(auth token, URL + each POST parameter's
// name and value, by name)). This is our own implementation rather than
// twilio-go's client.RequestValidator because that one signs only the first
// value of a parameter that appears more than once (so a request with an
// added duplicate still validates), parses and re-prints the URL twice per
// token on every request, and guesses at ports; here the URL is exactly the
// one invoke gave Twilio (public_url, the path and the query as received),
// every value counts (sorted, as Twilio's own libraries do), and each
// token costs one HMAC and a constant-time comparison.
type signer struct {
	origin string   // public_url without its trailing slashes
	keys   [][]byte // the auth token first, then the previous one if any
}

func newSigner(publicURL string, tokens ...string) signer {
	s := signer{origin: strings.TrimRight(publicURL, "/")}
	for _, t := range tokens {
		if t != "" {
			s.keys = append(s.keys, []byte(t))
		}
	}
	return s
}

// url is the public URL Twilio called for r: public_url and the request's
// path and query exactly as received (behind nginx, r.Host is not it).
func (s signer) url(r *http.Request) string {
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") { // an absolute-form request target, or a test's request
		uri = r.URL.RequestURI()
	}
	return s.origin + uri
}

// valid reports whether signature is Twilio's for r with form as its POST
// parameters, under any of the tokens.
func (s signer) valid(r *http.Request, form url.Values, signature string) bool {
	if signature == "" {
		return false
	}
	data := signedData(s.url(r), form)
	ok := false
	for _, key := range s.keys {
		mac := hmac.New(sha1.New, key)
		mac.Write(data)
		want := base64.StdEncoding.AppendEncode(nil, mac.Sum(nil))
		// Every token is tried, whatever the first one said: no timing
		// tells which one matched.
		if subtle.ConstantTimeCompare(want, []byte(signature)) == 1 {
			ok = true
		}
	}
	return ok
}

// signedData is what Twilio signs: the URL, then each parameter's name and
// value, names in byte order, the values of a repeated name sorted.
func signedData(u string, form url.Values) []byte {
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	slices.Sort(names)
	b := make([]byte, 0, 1024)
	b = append(b, u...)
	for _, name := range names {
		values := form[name]
		if len(values) > 1 {
			values = slices.Clone(values)
			slices.Sort(values)
		}
		for _, v := range values {
			b = append(append(b, name...), v...)
		}
	}
	return b
}
