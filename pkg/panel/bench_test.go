package panel

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// BenchmarkUpcoming serves the Upcoming page of a member with 50 upcoming
// registrations (100 reminders) among 10,000 others' (bench/panel measures
// it over HTTP at 20 connections).
func BenchmarkUpcoming(b *testing.B) {
	st := storeForBench(b)
	ctx := context.Background()
	now := time.Now()
	mk := func(login string) store.User {
		u, err := st.CreateUser(ctx, store.User{Login: login, TimeZone: "Europe/Zurich", Language: "en-GB"})
		if err != nil {
			b.Fatal(err)
		}
		return u
	}
	reg := func(u store.User, n int) {
		if _, _, _, err := st.Register(ctx, store.NewRegistration{UserID: u.ID, Title: fmt.Sprintf("Review #%d", n), StartAt: now.Add(time.Duration(n+1) * 7 * time.Hour),
			TimeZone: "Europe/Zurich", Channels: []schedule.Channel{schedule.ChannelPush, schedule.ChannelCall}, Leads: []time.Duration{10 * time.Minute},
			CreatedBy: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	member := mk("member")
	for n := range 50 {
		reg(member, n)
	}
	for i := range 200 {
		u := mk(fmt.Sprintf("o%d", i))
		for n := range 50 {
			reg(u, n)
		}
	}
	token, _, _ := st.CreateSession(ctx, member.ID, time.Hour)
	srv, err := New(ctx, Options{Store: st, Config: testConfig()})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
