package doctor

import (
	"context"
	"errors"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/phone"
)

// TwilioAccount is what the Twilio check asks of Twilio's REST API.
type TwilioAccount interface {
	// Account reads the account the credentials sign in as.
	Account(ctx context.Context) (TwilioAccountInfo, error)
	// HasNumber reports whether the account owns the number (E.164).
	HasNumber(ctx context.Context, number string) (bool, error)
}

// TwilioAccountInfo is what doctor needs to know of an account.
type TwilioAccountInfo struct {
	SID, FriendlyName string
	Status            string // active, suspended, closed
	Type              string // Full or Trial
}

// TwilioCheck signs in to the account of c (an authenticated read of the
// account) and checks that twilio.from_number is one of its numbers. acct
// is nil when c sets no account; newErr is why acct could not be made.
func TwilioCheck(c config.Twilio, acct TwilioAccount, newErr error) Check {
	const name = "twilio"
	return Check{Name: name, Run: func(ctx context.Context) []Result {
		if c.AccountSID == "" && c.AuthToken == "" && c.FromNumber == "" {
			return one(ok(name, "not configured: calls and SMS are off"))
		}
		if newErr != nil {
			return one(failf(name, "%v", "set twilio.account_sid, twilio.auth_token and twilio.from_number from the Twilio Console", newErr))
		}
		info, err := acct.Account(ctx)
		if err != nil {
			var apiErr *twilioapi.APIError
			if errors.As(err, &apiErr) && (apiErr.Status == 401 || apiErr.Code == 20003) {
				return one(failf(name, "Twilio refused the credentials of account %s (401, code 20003)",
					"copy the Account SID and Auth Token from the Twilio Console (Account → API keys & tokens) into twilio.account_sid and twilio.auth_token",
					c.AccountSID))
			}
			return one(failf(name, "reading account %s: %v", "check that this host reaches twilio.api_url (https://api.twilio.com) through its firewall or proxy",
				c.AccountSID, err))
		}
		var out []Result
		switch info.Status {
		case "active":
		case "suspended", "closed":
			return one(failf(name, "account %s is %s: Twilio places no calls and sends no SMS", "reactivate it in the Twilio Console", info.SID, info.Status))
		default:
			out = append(out, warnf(name, "account %s has status %q", "look at the account in the Twilio Console", info.SID, info.Status))
		}
		if info.Type == "Trial" {
			out = append(out, warnf(name, "account %s is a trial account: it calls and texts verified numbers only, after a notice",
				"upgrade the account in the Twilio Console before members rely on it", info.SID))
		}
		from := c.FromNumber
		switch {
		case from == "":
			return append(out, failf(name, "twilio.from_number is empty", "set it to one of the account's numbers (Console → Phone Numbers)"))
		case !phone.IsE164(from):
			return append(out, failf(name, "twilio.from_number %q is not in E.164", "write it like +15551234567", from))
		}
		has, err := acct.HasNumber(ctx, from)
		if err != nil {
			return append(out, failf(name, "listing the numbers of account %s: %v", "check the account in the Twilio Console", info.SID, err))
		}
		if !has {
			return append(out, failf(name, "twilio.from_number %s is not a number of account %s: Twilio refuses calls and texts from it",
				"set twilio.from_number to one of the account's numbers (Console → Phone Numbers → Active numbers)", from, info.SID))
		}
		if len(out) > 0 {
			return out
		}
		return one(ok(name, "account %s (%s) is active and owns %s", info.SID, info.FriendlyName, from))
	}}
}
