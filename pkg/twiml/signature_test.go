package twiml

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"
)

const (
	testToken     = "f00dfeedcafe0123456789abcdef0123" // the account's auth token
	testPrevToken = "0123456789abcdef0123456789abcdef" // the one before it
)

// vector is a line of testdata/signatures.txt.
type vector struct {
	name, token, publicURL, path, body, signature string
}

func readVectors(t *testing.T) []vector {
	t.Helper()
	f, err := os.Open("testdata/signatures.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 6 {
			t.Fatalf("testdata/signatures.txt: %d fields in %q; want 6", len(fields), line)
		}
		out = append(out, vector{fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]})
	}
	if len(out) < 5 {
		t.Fatalf("got %d vectors; want the file's", len(out))
	}
	return out
}

func (v vector) check(s signer, body, signature string) bool {
	r := httptest.NewRequest("POST", v.path, strings.NewReader(body))
	form, err := url.ParseQuery(body)
	if err != nil {
		panic(err)
	}
	return s.valid(r, form, signature)
}

// TestSignatureVectors checks the vectors computed by hand, and that each
// change an attacker could make to a signed request breaks the signature.
func TestSignatureVectors(t *testing.T) {
	for _, v := range readVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			s := newSigner(v.publicURL, testToken, testPrevToken)
			if v.token == "12345" {
				s = newSigner(v.publicURL, "12345")
			}
			if !v.check(s, v.body, v.signature) {
				t.Fatalf("got the vector refused; want it accepted")
			}
			otherPath := strings.Replace(v.path, "/", "/x", 1)
			flipped := []byte(v.signature)
			flipped[3] ^= 1
			for _, bad := range []struct {
				name            string
				s               signer
				path, body, sig string
			}{
				{"no signature", s, v.path, v.body, ""},
				{"flipped signature", s, v.path, v.body, string(flipped)},
				{"another body", s, v.path, v.body + "&Digits=9", v.signature},
				{"another URL", s, otherPath, v.body, v.signature},
				{"another host", newSigner("https://evil.example.com", v.token), v.path, v.body, v.signature},
				{"another token", newSigner(v.publicURL, "feedfeedfeedfeedfeedfeedfeedfeed"), v.path, v.body, v.signature},
			} {
				w := v
				w.path = bad.path
				if w.check(bad.s, bad.body, bad.sig) {
					t.Errorf("%s: got accepted; want refused", bad.name)
				}
			}
		})
	}
}

// TestSignatureMatchesTwilioGo computes signatures in the test with
// crypto/hmac, over random forms, and checks that twilio-go's own
// validator and serve-twiml's agree with it.
func TestSignatureMatchesTwilioGo(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 9))
	alphabet := []rune("abcXYZ019+/ =&?%<>éü中")
	word := func() string {
		var b strings.Builder
		for range 1 + rnd.IntN(12) {
			b.WriteRune(alphabet[rnd.IntN(len(alphabet))])
		}
		return b.String()
	}
	s := newSigner("https://notify.example.org/", testToken)
	v := client.NewRequestValidator(testToken)
	for i := range 200 {
		form := url.Values{}
		params := map[string]string{}
		for range rnd.IntN(8) {
			k, val := word(), word()
			form.Set(k, val)
			params[k] = val
		}
		path := "/twiml/voice/" + url.PathEscape(word())
		if i%3 == 0 {
			path += "?q=" + url.QueryEscape(word())
		}
		full := "https://notify.example.org" + path
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		data := full
		for _, k := range keys {
			data += k + params[k]
		}
		mac := hmac.New(sha1.New, []byte(testToken))
		mac.Write([]byte(data))
		sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if !v.Validate(full, params, sig) {
			t.Fatalf("case %d: twilio-go refuses the test's own signature of %q %v", i, full, params)
		}
		r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
		if !s.valid(r, form, sig) {
			t.Errorf("case %d: got %q %v refused; want accepted", i, full, params)
		}
	}
}

// TestPreviousToken: during a rotation both tokens sign; a token that is
// neither does not, and without a previous token only the current one does.
func TestPreviousToken(t *testing.T) {
	path := "/twiml/gather/Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycDE"
	form := url.Values{"Digits": {"1"}}
	sign := func(token string) string {
		mac := hmac.New(sha1.New, []byte(token))
		mac.Write([]byte("https://notify.example.org" + path + "Digits1"))
		return base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	tests := []struct {
		signer signer
		token  string
		want   bool
	}{
		{newSigner("https://notify.example.org", testToken, testPrevToken), testToken, true},
		{newSigner("https://notify.example.org", testToken, testPrevToken), testPrevToken, true},
		{newSigner("https://notify.example.org", testToken, testPrevToken), "feedfeedfeedfeedfeedfeedfeedfeed", false},
		{newSigner("https://notify.example.org", testToken, ""), testPrevToken, false},
		{newSigner("https://notify.example.org", testToken), testToken, true},
	}
	for i, tt := range tests {
		r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
		if got := tt.signer.valid(r, form, sign(tt.token)); got != tt.want {
			t.Errorf("case %d: got %v; want %v", i, got, tt.want)
		}
	}
}
