package main

import (
	"strconv"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/spf13/cobra"
)

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// exactArgs wants n positional arguments, named in the message.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %s, got %d arguments", cmd.CommandPath(), what, len(args))
		}
		return nil
	}
}

// minArgs wants at least n positional arguments.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s takes %s", cmd.CommandPath(), what)
		}
		return nil
	}
}

// parseIDs reads positional ids such as "12" or "#12".
func parseIDs(what string, args []string) ([]int64, error) {
	ids := make([]int64, 0, len(args))
	for _, arg := range args {
		id, err := strconv.ParseInt(trimHash(arg), 10, 64)
		if err != nil || id <= 0 {
			return nil, usagef("%s id %q is not a positive number", what, arg)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func trimHash(s string) string {
	if len(s) > 0 && s[0] == '#' {
		return s[1:]
	}
	return s
}

// channelsAndLeads reads the --channel and --lead flags that registrations
// and rules share.
func channelsAndLeads(channelsFlag, leadsFlag string) ([]schedule.Channel, []time.Duration, error) {
	switch {
	case channelsFlag == "":
		return nil, nil, usagef("--channel is required, e.g. --channel push,call")
	case leadsFlag == "":
		return nil, nil, usagef("--lead is required, e.g. --lead 10m,2m")
	}
	channels, err := schedule.ParseChannels(channelsFlag)
	if err != nil {
		return nil, nil, &store.FieldError{Field: "channel", Problem: err.Error()}
	}
	leads, err := schedule.ParseLeads(leadsFlag)
	if err != nil {
		return nil, nil, &store.FieldError{Field: "lead", Problem: err.Error()}
	}
	return channels, leads, nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// tzFlag is the zone a --tz flag names, defaults.time_zone when empty; an
// unknown zone is the flag's error.
func (a *app) tzFlag(name string) (*time.Location, error) {
	if name == "" {
		name = a.cfg.Defaults.TimeZone
	}
	loc, err := schedule.LoadZone(name)
	if err != nil {
		return nil, &store.FieldError{Field: "tz", Problem: err.Error()}
	}
	return loc, nil
}
