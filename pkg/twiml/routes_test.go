package twiml

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

const token = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycDE" // 43 characters of base64url

func TestURLBuilders(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"voice", VoiceURL("https://notify.example.org", token), "https://notify.example.org/twiml/voice/" + token},
		{"gather", GatherURL("https://notify.example.org/", token), "https://notify.example.org/twiml/gather/" + token},
		{"call status", CallStatusURL("https://notify.example.org", token), "https://notify.example.org/twiml/call-status/" + token},
		{"sms status", SMSStatusURL("https://notify.example.org", token), "https://notify.example.org/twiml/sms-status/" + token},
		{"public url with a path", VoiceURL("https://example.org/pfsnotify/", "t-_1"), "https://example.org/pfsnotify/twiml/voice/t-_1"},
		{"token escaped", VoiceURL("https://notify.example.org", "a/b?c#d e"), "https://notify.example.org/twiml/voice/a%2Fb%3Fc%23d%20e"},
		{"own prefix", Routes{PublicURL: "https://n.example.org", Prefix: "hooks/tw"}.Voice("x"), "https://n.example.org/hooks/tw/voice/x"},
		{"prefix with slashes", Routes{PublicURL: "https://n.example.org", Prefix: "/tw/"}.SMSStatus("x"), "https://n.example.org/tw/sms-status/x"},
		{"root prefix", Routes{PublicURL: "https://n.example.org", Prefix: "/"}.Gather("x"), "https://n.example.org/gather/x"},
		{"sms incoming", Routes{PublicURL: "https://notify.example.org/"}.SMSIncoming(), "https://notify.example.org/twiml/sms/incoming"},
		{"sms incoming pattern", Routes{Prefix: "tw"}.SMSIncomingPattern(), "/tw/sms/incoming"},
		{"pattern", Routes{}.Pattern(VoiceRoute), "/twiml/voice/{token}"},
		{"pattern with prefix", Routes{Prefix: "tw"}.Pattern(CallStatusRoute), "/tw/call-status/{token}"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q; want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestPatternsMatchURLs checks that a ServeMux registered with Pattern
// answers the URLs the builders make, and gives back the token unescaped.
func TestPatternsMatchURLs(t *testing.T) {
	for _, prefix := range []string{"", "/hooks/tw/"} {
		r := Routes{PublicURL: "https://notify.example.org/base", Prefix: prefix}
		mux := http.NewServeMux()
		for _, route := range []string{VoiceRoute, GatherRoute, CallStatusRoute, SMSStatusRoute} {
			mux.HandleFunc("POST /base"+r.Pattern(route), func(w http.ResponseWriter, req *http.Request) {
				w.Write([]byte(route + req.PathValue(TokenWildcard)))
			})
		}
		for _, tok := range []string{token, "a/b c"} {
			for route, u := range map[string]string{
				VoiceRoute: r.Voice(tok), GatherRoute: r.Gather(tok),
				CallStatusRoute: r.CallStatus(tok), SMSStatusRoute: r.SMSStatus(tok),
			} {
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, u, nil))
				if got, want := rec.Body.String(), route+tok; rec.Code != http.StatusOK || got != want {
					t.Errorf("prefix %q: POST %s: got %d %q; want 200 %q", prefix, u, rec.Code, got, want)
				}
			}
		}
	}
}
