package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func TestSMSOptOuts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, tt := range []struct{ name, phone, keyword, field string }{
			{"not E.164", "030 123456", "stop", "phone"},
			{"no keyword", "+4930123456", "", "keyword"},
			{"keyword too long", "+4930123456", "stopstopstopstopstopstopstopstop!", "keyword"},
		} {
			_, err := s.SetSMSOptOut(ctx, tt.phone, true, tt.keyword)
			var fe *store.FieldError
			if !store.IsInvalid(err) || !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("%s: got %v; want a field error on %s", tt.name, err, tt.field)
			}
		}
		if _, ok, err := s.SMSOptOutOf(ctx, "+4930123456"); ok || err != nil {
			t.Fatalf("after bad input: got recorded %v, %v; want nothing", ok, err)
		}
		for _, step := range []struct {
			out  bool
			word string
		}{{true, "stop"}, {false, "start"}, {true, store.OptOutTwilio21610}} {
			if _, err := s.SetSMSOptOut(ctx, "+4930123456", step.out, step.word); err != nil {
				t.Fatal(err)
			}
			o, ok, err := s.SMSOptOutOf(ctx, "+4930123456")
			if !ok || err != nil || o.OptedOut != step.out || o.Keyword != step.word || o.ChangedAt.IsZero() {
				t.Errorf("after %s: got %+v, %v, %v; want opted out %v by %s", step.word, o, ok, err, step.out, step.word)
			}
		}
		if lang, err := s.LanguageOfPhone(ctx, "+4930123456"); lang != "" || err != nil {
			t.Errorf("LanguageOfPhone of nobody: got %q, %v; want \"\"", lang, err)
		}
	})
}
