package twiliotest

import (
	"context"
	"errors"
	"testing"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
)

// The account and its numbers, read through twilio-go as doctor does, with
// the basic auth checked.
func TestAccountAndNumbers(t *testing.T) {
	s := New(t, Config{AccountType: "Trial", Numbers: []string{"+15005550006", "+41225550100"}})
	tests := []struct {
		name      string
		token     string
		number    string
		wantCode  int // of a TwilioRestError; 0: no error
		wantType  string
		wantFound []string
	}{
		{name: "the from number", token: AuthToken, number: "+41225550100", wantType: "Trial", wantFound: []string{"+41225550100"}},
		{name: "a number of somebody else", token: AuthToken, number: "+15551234567", wantType: "Trial", wantFound: nil},
		{name: "every number", token: AuthToken, number: "", wantType: "Trial", wantFound: []string{"+15005550006", "+41225550100"}},
		{name: "a wrong auth token", token: "0123456789abcdef0123456789abcdef", number: "+15005550006", wantCode: 20003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct, err := twilioapi.NewAccount(twilioapi.Config{AccountSID: AccountSID, AuthToken: tt.token, APIURL: s.URL, HTTPClient: s.Client()})
			if err != nil {
				t.Fatal(err)
			}
			var got *api.ApiV2010Account
			err = acct.Do(context.Background(), func(svc *api.ApiService) error {
				var err error
				got, err = svc.FetchAccount(AccountSID)
				return err
			})
			if tt.wantCode != 0 {
				var apiErr *twilioapi.APIError
				if !errors.As(err, &apiErr) || apiErr.Code != tt.wantCode {
					t.Fatalf("got %v; want Twilio error %d", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got.Sid != AccountSID || *got.Status != "active" || *got.Type != tt.wantType {
				t.Errorf("got account %s %s %s; want %s active %s", *got.Sid, *got.Status, *got.Type, AccountSID, tt.wantType)
			}
			var page *api.ListIncomingPhoneNumberResponse
			err = acct.Do(context.Background(), func(svc *api.ApiService) error {
				params := &api.ListIncomingPhoneNumberParams{}
				if tt.number != "" {
					params.SetPhoneNumber(tt.number)
				}
				var err error
				page, err = svc.PageIncomingPhoneNumber(params, "", "")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, n := range page.IncomingPhoneNumbers {
				found = append(found, *n.PhoneNumber)
			}
			if len(found) != len(tt.wantFound) || (len(found) > 0 && found[len(found)-1] != tt.wantFound[len(tt.wantFound)-1]) {
				t.Errorf("got numbers %v; want %v", found, tt.wantFound)
			}
		})
	}
	if !s.OwnsNumber("+41225550100") || s.OwnsNumber("+15551234567") {
		t.Error("OwnsNumber disagrees with Config.Numbers")
	}
}
