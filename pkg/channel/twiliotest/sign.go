package twiliotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Sign returns the X-Twilio-Signature Twilio sends with a webhook request
// to fullURL (as Twilio was given it, query included) with the POST
// parameters form: base64 of the HMAC-SHA1, keyed with the auth token, of
// the URL followed by each parameter's name and value, by name (the values
// of a repeated name sorted). It is written from Twilio's description,
// apart from serve-twiml's own check, so that each tests the other.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var data strings.Builder
	data.WriteString(fullURL)
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			data.WriteString(k)
			data.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(data.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedRequest is a POST of form to fullURL with Twilio's headers and the
// signature of authToken, or none when authToken is "".
func SignedRequest(authToken, fullURL string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, fullURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("I-Twilio-Idempotency-Token", "00000000-0000-0000-0000-000000000000")
	if authToken != "" {
		req.Header.Set("X-Twilio-Signature", Sign(authToken, fullURL, form))
	}
	return req, nil
}
