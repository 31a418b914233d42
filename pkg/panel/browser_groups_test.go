package panel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// TestInBrowserGroupRules: in Chromium a member mutes a rule of their
// group on the Groups page and unmutes it (the forms pass the panel's
// cross-origin protection), then follows the link to their preferences
// on the contact page and saves them.
func TestInBrowserGroupRules(t *testing.T) {
	rig := newBrowserRig(t)
	ctx := context.Background()
	erin := rig.user("erin", "Europe/Zurich", store.RoleMember, memberPassword)
	st := rig.f.st
	if _, err := st.CreateGroup(ctx, store.Group{Name: "drp", Description: "data reduction"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddGroupMembers(ctx, "drp", []string{"erin"}); err != nil {
		t.Fatal(err)
	}
	rig.f.mkEvent("telecons", "DRP telecon", 30*time.Hour)
	rule, err := st.CreateGroupRule(ctx, store.GroupRule{GroupName: "drp", Pattern: "(?i)drp telecon",
		Channels: []schedule.Channel{schedule.ChannelEmail}, Leads: []time.Duration{10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := calsync.ApplyGroupRules(ctx, st, store.MemberRuleFilter{GroupRuleID: rule.ID}, calsync.Options{}, time.Now()); err != nil {
		t.Fatal(err)
	}

	rig.signIn("erin", memberPassword)
	rig.waitText("the upcoming card names the group", "#upcoming", "From group drp")
	rig.do("groups page", chromedp.Navigate(rig.url("/groups")), chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("mute-%d", rule.ID))),
		chromedp.Click(chromedp.ID(fmt.Sprintf("mute-%d", rule.ID))))
	rig.waitText("muted", "#flash", "Muted for you: 1 pending reminder cancelled.")
	rig.waitText("the rule shown muted", fmt.Sprintf("#group-rule-%d", rule.ID), "muted")
	rig.shot("groups")
	rig.do("unmute", chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("unmute-%d", rule.ID))), chromedp.Click(chromedp.ID(fmt.Sprintf("unmute-%d", rule.ID))))
	rig.waitText("unmuted", "#flash", "Unmuted")
	if r, err := st.MemberGroupRule(ctx, erin.ID, rule.ID); err != nil || r.Muted {
		t.Errorf("erin's rule after Unmute: %+v, %v; want it not muted", r, err)
	}

	rig.do("to the preferences", chromedp.Click(chromedp.CSS(`#preferences-link a`)), chromedp.WaitVisible(chromedp.ID("preferences-form")),
		chromedp.SetValue(chromedp.ID("channels"), "email,push"), chromedp.SetValue(chromedp.ID("leads"), "1h,10m"),
		chromedp.Click(chromedp.ID("preferences-save")))
	rig.waitText("preferences saved", "#flash", "Preferences saved.")
	if prefs, set, err := st.PreferencesOf(ctx, erin.ID); err != nil || !set || schedule.FormatChannels(prefs.Channels) != "email,push" ||
		schedule.FormatLeads(prefs.Leads) != "1h,10m" {
		t.Errorf("erin's preferences: %+v, %v, %v; want email,push and 1h,10m", prefs, set, err)
	}
}
