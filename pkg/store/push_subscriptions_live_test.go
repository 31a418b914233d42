package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func TestLivePushSubscriptionsOf(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		ada, bob, eve, zed := addUser(t, s, "ada", "UTC"), addUser(t, s, "bob", "UTC"), addUser(t, s, "eve", "UTC"), addUser(t, s, "zed", "UTC")
		adaPhone := mkPushSubscription(t, s, ada.ID, fcmEndpoint+"-ada-phone")
		adaLaptop := mkPushSubscription(t, s, ada.ID, fcmEndpoint+"-ada-laptop")
		bobOld := mkPushSubscription(t, s, bob.ID, fcmEndpoint+"-bob-old")
		bobNew := mkPushSubscription(t, s, bob.ID, fcmEndpoint+"-bob-new")
		mkPushSubscription(t, s, zed.ID, fcmEndpoint+"-zed") // not asked for
		if err := s.ExpirePushSubscription(ctx, bobOld.ID, testNow); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			users []int64
			want  map[int64][]int64
		}{
			{"none", nil, map[int64][]int64{}},
			{"one", []int64{ada.ID}, map[int64][]int64{ada.ID: {adaPhone.ID, adaLaptop.ID}}},
			{"expired left out, a user without any absent", []int64{bob.ID, eve.ID, ada.ID},
				map[int64][]int64{ada.ID: {adaPhone.ID, adaLaptop.ID}, bob.ID: {bobNew.ID}}},
		}
		for _, tt := range tests {
			got, err := s.LivePushSubscriptionsOf(ctx, tt.users)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			gotIDs := map[int64][]int64{}
			for user, subs := range got {
				for _, p := range subs {
					gotIDs[user] = append(gotIDs[user], p.ID)
				}
			}
			if fmt.Sprint(gotIDs) != fmt.Sprint(tt.want) {
				t.Errorf("%s: got %v; want %v", tt.name, gotIDs, tt.want)
			}
		}
		got, _ := s.LivePushSubscriptionsOf(ctx, []int64{ada.ID})
		samePush(t, "ada's first", got[ada.ID][0], listPush(t, s, ada.ID, false)[0])
	})
}
