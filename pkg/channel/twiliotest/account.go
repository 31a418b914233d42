package twiliotest

import (
	"net/http"
	"slices"
	"time"
)

// accountCreated is when the fake's account was opened.
var accountCreated = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// fetchAccount answers GET /2010-04-01/Accounts/{sid}.json: the account
// the request authenticated as, as Twilio describes it.
func (s *Server) fetchAccount(a answer) {
	sid := s.cfg.AccountSID
	a.json(http.StatusOK, map[string]any{
		"sid": sid, "owner_account_sid": sid, "friendly_name": "pfsnotify test account",
		"status": s.cfg.AccountStatus, "type": s.cfg.AccountType, "auth_token": s.cfg.AuthToken,
		"date_created": accountCreated.Format(time.RFC1123Z), "date_updated": accountCreated.Format(time.RFC1123Z),
		"uri": "/2010-04-01/Accounts/" + sid + ".json",
		"subresource_uris": map[string]any{
			"calls":                  "/2010-04-01/Accounts/" + sid + "/Calls.json",
			"messages":               "/2010-04-01/Accounts/" + sid + "/Messages.json",
			"incoming_phone_numbers": "/2010-04-01/Accounts/" + sid + "/IncomingPhoneNumbers.json",
		},
	})
	a.s.answered(a.i, http.StatusOK, 0)
}

// listNumbers answers GET .../IncomingPhoneNumbers.json: one page of the
// account's numbers, only the one asked for when the query has
// PhoneNumber (Twilio matches it exactly when it is in E.164).
func (s *Server) listNumbers(a answer, r *http.Request) {
	sid := s.cfg.AccountSID
	want := r.URL.Query().Get("PhoneNumber")
	numbers := []map[string]any{}
	for i, n := range s.cfg.Numbers {
		if want != "" && n != want {
			continue
		}
		pn := "PN" + sid[2:len(sid)-2] + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
		numbers = append(numbers, map[string]any{
			"sid": pn, "account_sid": sid, "phone_number": n, "friendly_name": n, "status": "in-use",
			"capabilities": map[string]any{"voice": true, "sms": true, "mms": false, "fax": false},
			"date_created": accountCreated.Format(time.RFC1123Z), "date_updated": accountCreated.Format(time.RFC1123Z),
			"uri": "/2010-04-01/Accounts/" + sid + "/IncomingPhoneNumbers/" + pn + ".json",
		})
	}
	uri := "/2010-04-01/Accounts/" + sid + "/IncomingPhoneNumbers.json"
	a.json(http.StatusOK, map[string]any{
		"incoming_phone_numbers": numbers, "page": 0, "page_size": 50, "start": 0, "end": max(len(numbers)-1, 0),
		"first_page_uri": uri + "?PageSize=50&Page=0", "next_page_uri": nil, "previous_page_uri": nil, "uri": uri,
	})
	a.s.answered(a.i, http.StatusOK, 0)
}

// OwnsNumber reports whether the fake's account has number n.
func (s *Server) OwnsNumber(n string) bool { return slices.Contains(s.cfg.Numbers, n) }
