package main

import (
	"strings"
	"testing"
)

func TestGroupCommands(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		c.ok("db", "migrate")
		for _, login := range []string{"alice", "bob", "carol"} {
			c.ok("user", "add", login, "--tz", "UTC")
		}
		if out := c.ok("group", "add", "drp", "--description", "Data reduction pipeline"); !strings.Contains(out, "added group drp") {
			t.Errorf("group add printed %q", out)
		}
		c.ok("group", "add", "ops")
		if out := c.ok("group", "member", "add", "drp", "alice", "bob"); !strings.Contains(out, "added 2 to drp") {
			t.Errorf("group member add printed %q; want 2 added", out)
		}
		c.ok("group", "member", "add", "ops", "carol")

		var shown groupJSON
		c.json(&shown, "group", "show", "drp", "-o", "json")
		if got, want := strings.Join(shown.Logins, ","), "alice,bob"; got != want || shown.Members != 2 || shown.Description != "Data reduction pipeline" {
			t.Errorf("group show drp = %+v; want alice,bob with its description", shown)
		}
		var listed []groupJSON
		c.json(&listed, "group", "list", "-o", "json")
		if len(listed) != 2 || listed[0].Name != "drp" || listed[1].Members != 1 {
			t.Errorf("group list = %+v; want drp (2) and ops (1)", listed)
		}
		if out := c.ok("group", "list"); !strings.Contains(out, "NAME") || !strings.Contains(out, "drp") {
			t.Errorf("group list table: %q", out)
		}

		tests := []struct {
			args     []string
			wantCode int
			wantErr  string
		}{
			{[]string{"group", "add", "drp"}, 1, "already exists"},
			{[]string{"group", "add", "Data Reduction"}, 2, "name:"},
			{[]string{"group", "member", "add", "drp", "alice", "nobody"}, 1, "no such user: nobody"},
			{[]string{"group", "member", "add", "nogroup", "alice"}, 1, "not found"},
			{[]string{"group", "member", "add", "drp"}, 2, "GROUP LOGIN..."},
			{[]string{"group", "show"}, 2, "NAME"},
			{[]string{"group", "remove", "nogroup"}, 1, "not found"},
		}
		for _, tt := range tests {
			_, stderr, code := c.run(tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("pfsnotify %s: got exit %d, %q; want %d and %q", strings.Join(tt.args, " "), code, stderr, tt.wantCode, tt.wantErr)
			}
		}
		c.json(&shown, "group", "show", "drp", "-o", "json")
		if len(shown.Logins) != 2 {
			t.Errorf("drp after the refused commands has %v; want alice and bob only", shown.Logins)
		}

		if out := c.ok("group", "update", "drp", "--description", "DRP telecons"); !strings.Contains(out, `group drp: description "DRP telecons"`) {
			t.Errorf("group update printed %q", out)
		}
		for _, tt := range []struct {
			args     []string
			wantCode int
			wantErr  string
		}{
			{[]string{"group", "update", "drp"}, 2, "give --description"},
			{[]string{"group", "update", "drp", "--description", "two\nlines"}, 2, "description:"},
			{[]string{"group", "update", "nogroup", "--description", "x"}, 1, "not found"},
		} {
			_, stderr, code := c.run(tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("pfsnotify %s: got exit %d, %q; want %d and %q", strings.Join(tt.args, " "), code, stderr, tt.wantCode, tt.wantErr)
			}
		}
		c.json(&shown, "group", "show", "drp", "-o", "json")
		if shown.Description != "DRP telecons" {
			t.Errorf("after the refused updates: description %q; want DRP telecons", shown.Description)
		}

		c.ok("group", "member", "remove", "drp", "bob")
		c.ok("group", "remove", "ops")
		var users []userJSON
		c.json(&users, "user", "list", "-o", "json")
		if len(users) != 3 {
			t.Errorf("after removing a member and a group: %d users; want all 3", len(users))
		}
		c.json(&listed, "group", "list", "-o", "json")
		if len(listed) != 1 || listed[0].Members != 1 {
			t.Errorf("group list = %+v; want drp with alice only", listed)
		}
	})
}

func TestUserPreferences(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		c.ok("db", "migrate")
		c.ok("user", "add", "carol", "--tz", "UTC")
		c.ok("group", "add", "drp")
		c.ok("group", "member", "add", "drp", "carol")
		for _, tt := range []struct {
			args     []string
			wantCode int
			wantErr  string
		}{
			{[]string{"user", "update", "carol", "--channels", "push,call"}, 2, "give --leads with --channels"},
			{[]string{"user", "update", "carol", "--channels", "pigeon", "--leads", "5m"}, 2, "channels:"},
			{[]string{"user", "update", "carol", "--channels", "push", "--leads", "-5m"}, 2, "lead"},
			{[]string{"user", "update", "nobody", "--channels", "push", "--leads", "5m"}, 1, "nobody"},
		} {
			_, stderr, code := c.run(tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("pfsnotify %s: exit %d, %q; want %d and %q", strings.Join(tt.args, " "), code, stderr, tt.wantCode, tt.wantErr)
			}
		}
		c.ok("user", "update", "carol", "--channels", "push,call", "--leads", "2m,10m")
		c.ok("user", "update", "carol", "--channels", "sms,push", "--name", "Carol")
		var shown userJSON
		c.json(&shown, "user", "show", "carol", "-o", "json")
		if shown.Channels != "sms,push" || shown.Leads != "10m,2m" || shown.DisplayName != "Carol" || strings.Join(shown.Groups, ",") != "drp" {
			t.Errorf("user show carol = %+v; want sms,push at 10m,2m, named Carol, in drp", shown)
		}
	})
}
