package twiliosms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliosms"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// TestOptedOut: a number recorded as opted out is not texted (no request
// reaches Twilio) and the delivery has no target; after START it is
// texted again; Twilio's 21610 for a number pfsnotify did not know had
// opted out is recorded as an opt-out.
func TestOptedOut(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fake, ch := newChannel(t, twiliotest.Config{}, func(o *twiliosms.Options) { o.OptOuts = s })
		to := reminder().To.Phone

		if _, err := s.SetSMSOptOut(ctx, to, true, "stop"); err != nil {
			t.Fatal(err)
		}
		_, err := ch.Send(ctx, reminder())
		if got, _ := message.Classify(err); got != message.OutcomeNoTarget || !strings.Contains(err.Error(), "opted out of texts (stop") {
			t.Errorf("after STOP: got %v (outcome %v); want no target, opted out by stop", err, got)
		}
		if n := len(fake.Requests()); n != 0 {
			t.Errorf("after STOP: got %d requests to Twilio; want none", n)
		}

		if _, err := s.SetSMSOptOut(ctx, to, false, "start"); err != nil {
			t.Fatal(err)
		}
		if r, err := ch.Send(ctx, reminder()); err != nil || r.Target != to {
			t.Errorf("after START: got %+v, %v; want texted to %s", r, err, to)
		}

		if _, err := s.SetSMSOptOut(ctx, "+15005550006", true, "stop"); err != nil { // another number's opt-out changes nothing here
			t.Fatal(err)
		}
		fake.FailNext(1, twiliotest.Fault{Status: 400, Code: 21610})
		_, err = ch.Send(ctx, reminder())
		if got, _ := message.Classify(err); got != message.OutcomeNoTarget || !strings.Contains(err.Error(), "the opt-out is recorded") {
			t.Errorf("21610: got %v (outcome %v); want no target, recorded", err, got)
		}
		o, ok, err := s.SMSOptOutOf(ctx, to)
		if err != nil || !ok || !o.OptedOut || o.Keyword != store.OptOutTwilio21610 {
			t.Errorf("after 21610: got %+v, %v, %v; want opted out by %s", o, ok, err, store.OptOutTwilio21610)
		}
		before := len(fake.Requests())
		if _, err := ch.Send(ctx, reminder()); err == nil || len(fake.Requests()) != before {
			t.Errorf("after 21610: got %v, %d more requests; want not texted", err, len(fake.Requests())-before)
		}
	})
}
