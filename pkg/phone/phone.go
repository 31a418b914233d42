// Package phone reads the phone numbers people type and writes them as E.164,
// through github.com/nyaruka/phonenumbers (a port of libphonenumber).
package phone

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Normalize returns s as E.164 ("+12125550100"). A number typed without a
// leading + is read as a number of region (ISO 3166, e.g. "US"); with
// region "" such a number is an error. A leading 00 counts as +.
func Normalize(s, region string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("phone number is empty")
	}
	if rest, ok := strings.CutPrefix(s, "00"); ok {
		s = "+" + rest // the international prefix of most countries
	}
	if !strings.HasPrefix(s, "+") && region == "" {
		return "", fmt.Errorf("%q has no country code: write it as +<country><number>, e.g. +41227671111", s)
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil {
		return "", fmt.Errorf("%q is not a phone number: %v", s, err)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", fmt.Errorf("%q is not a valid phone number for %s", s, phonenumbers.GetRegionCodeForNumber(num))
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// IsE164 reports whether s is already in E.164 form: + and 8 to 15 digits.
func IsE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
