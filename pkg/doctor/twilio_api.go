package doctor

import (
	"context"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
)

// TwilioAPI is the TwilioAccount of a real (or fake) Twilio, read through
// twilio-go over twilioapi's account: its API URL, HTTP client, timeout
// and error classification, as the call and sms channels use them.
type TwilioAPI struct {
	acct *twilioapi.Account
}

// NewTwilioAPI checks cfg and returns its TwilioAPI; errors name the
// config key at fault.
func NewTwilioAPI(cfg twilioapi.Config) (*TwilioAPI, error) {
	acct, err := twilioapi.NewAccount(cfg)
	if err != nil {
		return nil, err
	}
	return &TwilioAPI{acct: acct}, nil
}

// Account fetches the account (GET /2010-04-01/Accounts/{sid}.json).
func (t *TwilioAPI) Account(ctx context.Context) (TwilioAccountInfo, error) {
	var info TwilioAccountInfo
	err := t.acct.Do(ctx, func(svc *api.ApiService) error {
		a, err := svc.FetchAccount(t.acct.SID())
		if err != nil {
			return err
		}
		info = TwilioAccountInfo{SID: deref(a.Sid), FriendlyName: deref(a.FriendlyName), Status: deref(a.Status), Type: deref(a.Type)}
		return nil
	})
	return info, err
}

// HasNumber lists the account's numbers equal to number (GET
// .../IncomingPhoneNumbers.json?PhoneNumber=...), one page.
func (t *TwilioAPI) HasNumber(ctx context.Context, number string) (bool, error) {
	found := false
	err := t.acct.Do(ctx, func(svc *api.ApiService) error {
		params := &api.ListIncomingPhoneNumberParams{}
		params.SetPhoneNumber(number).SetPageSize(20)
		page, err := svc.PageIncomingPhoneNumber(params, "", "")
		if err != nil {
			return err
		}
		for _, n := range page.IncomingPhoneNumbers {
			if deref(n.PhoneNumber) == number {
				found = true
			}
		}
		return nil
	})
	return found, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
