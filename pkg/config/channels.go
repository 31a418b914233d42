package config

import "github.com/pfsnotify/pfsnotify/pkg/schedule"

// SetsUp reports whether the configuration sets channel ch up: push with
// the VAPID public key, call and sms with a Twilio account, email with an
// SMTP host, webhook with its URL; log needs nothing. invoke builds exactly
// these channels, and the panel offers tests on exactly these.
func (c Config) SetsUp(ch schedule.Channel) bool {
	switch ch {
	case schedule.ChannelPush:
		return c.WebPush.PublicKey != ""
	case schedule.ChannelCall, schedule.ChannelSMS:
		return c.Twilio.AccountSID != ""
	case schedule.ChannelEmail:
		return c.SMTP.Host != ""
	case schedule.ChannelWebhook:
		return c.Webhook.URL != ""
	case schedule.ChannelLog:
		return true
	}
	return false
}
