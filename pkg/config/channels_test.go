package config

import (
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

func TestSetsUp(t *testing.T) {
	bare := Default()
	full := Default()
	full.WebPush.PublicKey, full.Twilio.AccountSID, full.SMTP.Host, full.Webhook.URL = "BPub", "AC1", "smtp.example.org", "https://hooks.example.org/x"
	for _, ch := range []schedule.Channel{schedule.ChannelPush, schedule.ChannelCall, schedule.ChannelSMS, schedule.ChannelEmail,
		schedule.ChannelWebhook, schedule.ChannelLog, "fax"} {
		wantBare, wantFull := ch == schedule.ChannelLog, ch != "fax"
		if got := bare.SetsUp(ch); got != wantBare {
			t.Errorf("default config, %s: got %v; want %v", ch, got, wantBare)
		}
		if got := full.SetsUp(ch); got != wantFull {
			t.Errorf("every key set, %s: got %v; want %v", ch, got, wantFull)
		}
	}
}
