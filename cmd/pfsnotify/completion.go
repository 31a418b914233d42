package main

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// completionDeadline bounds the database work of one completion: a shell
// waits for it on every Tab.
const completionDeadline = 2 * time.Second

// completer answers shell completion (cobra's __complete) from the data:
// logins, calendar names, time zones and languages come from the configured
// database, read with a short deadline; on any error it offers nothing.
type completer struct{ a *app }

type completeFunc func(c *completer, toComplete string) ([]string, cobra.ShellCompDirective)

// flagCompletions completes a flag of this name on every command that has it.
func flagCompletions() map[string]completeFunc {
	return map[string]completeFunc{
		"user":     (*completer).logins,
		"calendar": (*completer).calendars,
		"channel":  (*completer).channels,
		"tz":       (*completer).zones,
		"language": (*completer).languages,
		"group":    (*completer).groups,
	}
}

// argCompletions completes the positional arguments of these commands.
func argCompletions() map[string]completeFunc {
	return map[string]completeFunc{
		"pfsnotify user show":           (*completer).logins,
		"pfsnotify user update":         (*completer).logins,
		"pfsnotify user disable":        (*completer).logins,
		"pfsnotify user enable":         (*completer).logins,
		"pfsnotify user passwd":         (*completer).logins,
		"pfsnotify calendar remove":     (*completer).calendars,
		"pfsnotify registration show":   (*completer).registrations,
		"pfsnotify registration cancel": (*completer).registrations,
		"pfsnotify rule remove":         (*completer).allRules,
		"pfsnotify rule pause":          (*completer).allRules,
		"pfsnotify rule resume":         (*completer).allRules,
		"pfsnotify rule mute":           (*completer).groupRules,
		"pfsnotify rule unmute":         (*completer).groupRules,
		"pfsnotify rule notices":        (*completer).allRules,
		"pfsnotify group show":          (*completer).groups,
		"pfsnotify group update":        (*completer).groups,
		"pfsnotify group remove":        (*completer).groups,
	}
}

// registerCompletions walks the command tree and attaches the completions.
func registerCompletions(a *app, root *cobra.Command) {
	c := &completer{a: a}
	flags, args := flagCompletions(), argCompletions()
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		for name, fn := range flags {
			if cmd.LocalNonPersistentFlags().Lookup(name) != nil {
				cmd.RegisterFlagCompletionFunc(name, c.bind(fn)) //nolint:errcheck // the flag exists
			}
		}
		if f := cmd.LocalNonPersistentFlags().Lookup("output"); f != nil {
			formats := []string{"table", "json"} // outputFormat
			if f.Value.Type() != "format" {
				formats = []string{"yaml", "json"} // vapid generate
			}
			cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp)) //nolint:errcheck
		}
		if fn, ok := args[cmd.CommandPath()]; ok {
			cmd.ValidArgsFunction = c.bind(fn)
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func (c *completer) bind(fn completeFunc) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return fn(c, toComplete)
	}
}

// withStore runs fn over the configured database, within
// completionDeadline; it reports false when the configuration does not
// load, the database is not there (a SQLite file that does not exist is
// not created) or does not answer.
func (c *completer) withStore(fn func(ctx context.Context, s *store.Store) error) bool {
	cfg, _, _, err := loadConfig(c.a.v, c.a.configPath, c.a.environ)
	if err != nil {
		return false
	}
	if _, missing := missingSQLite(cfg.Database); missing {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionDeadline)
	defer cancel()
	s, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return false
	}
	defer s.Close()
	return fn(ctx, s) == nil
}

func (c *completer) logins(toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	c.withStore(func(ctx context.Context, s *store.Store) error {
		users, err := s.ListUsers(ctx)
		for _, u := range users {
			if strings.HasPrefix(u.Login, toComplete) {
				out = append(out, described(u.Login, u.DisplayName))
			}
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (c *completer) calendars(toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	c.withStore(func(ctx context.Context, s *store.Store) error {
		cals, err := s.ListCalendars(ctx)
		for _, cal := range cals {
			if strings.HasPrefix(cal.Name, toComplete) {
				out = append(out, described(cal.Name, string(cal.Kind)+" "+cal.Source))
			}
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// registrations offers the ids of active registrations, described by
// person, title and start in the person's zone.
func (c *completer) registrations(toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	c.withStore(func(ctx context.Context, s *store.Store) error {
		regs, err := s.ListRegistrations(ctx, store.RegistrationFilter{Limit: 500})
		for _, r := range regs {
			if id := itoa(r.ID); strings.HasPrefix(id, toComplete) {
				out = append(out, described(id, r.UserLogin+": "+r.Title+", "+schedule.FormatInZone(r.StartAt, zoneOrUTC(r.UserTimeZone))))
			}
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// rules offers the ids of rules, described by person and pattern.
func (c *completer) rules(toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	c.withStore(func(ctx context.Context, s *store.Store) error {
		rules, err := s.ListRules(ctx, store.RuleFilter{})
		for _, r := range rules {
			if id := itoa(r.ID); strings.HasPrefix(id, toComplete) {
				out = append(out, described(id, r.UserLogin+": "+r.Pattern))
			}
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// groupRules offers the ids of group rules (g1), described by group and
// pattern.
func (c *completer) groupRules(toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	c.withStore(func(ctx context.Context, s *store.Store) error {
		rules, err := s.ListGroupRules(ctx, 0)
		for _, r := range rules {
			if id := "g" + itoa(r.ID); strings.HasPrefix(id, toComplete) {
				out = append(out, described(id, r.GroupName+": "+r.Pattern))
			}
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// allRules offers the ids of people's rules, then of group rules.
func (c *completer) allRules(toComplete string) ([]string, cobra.ShellCompDirective) {
	own, directive := c.rules(toComplete)
	groups, _ := c.groupRules(toComplete)
	return append(own, groups...), directive
}

// groups offers the names of groups, described by their description.
func (c *completer) groups(toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	c.withStore(func(ctx context.Context, s *store.Store) error {
		groups, err := s.ListGroups(ctx)
		for _, g := range groups {
			if strings.HasPrefix(g.Name, toComplete) {
				out = append(out, described(g.Name, g.Description))
			}
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// channels completes a comma-separated list: the channels not yet in it.
func (c *completer) channels(toComplete string) ([]string, cobra.ShellCompDirective) {
	done, last := "", toComplete
	if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
		done, last = toComplete[:i+1], toComplete[i+1:]
	}
	have := strings.Split(done, ",")
	var out []string
	for _, ch := range schedule.Channels() {
		if strings.HasPrefix(string(ch), last) && !slices.Contains(have, string(ch)) {
			out = append(out, done+string(ch))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// zones offers the zones people in the database have first, then every
// zone of the system's tz database.
func (c *completer) zones(toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	seen := map[string]bool{}
	add := func(z string) {
		if z != "" && !seen[z] && strings.HasPrefix(strings.ToLower(z), strings.ToLower(toComplete)) {
			seen[z] = true
			out = append(out, z)
		}
	}
	c.withStore(func(ctx context.Context, s *store.Store) error {
		users, err := s.ListUsers(ctx)
		for _, u := range users {
			add(u.TimeZone)
		}
		return err
	})
	add("UTC")
	for _, z := range systemZones(c.a.environ) {
		add(z)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// systemZones reads the names of the zones (not their aliases) from the
// tz database's tzdata.zi, in $ZONEINFO or /usr/share/zoneinfo; none if
// there is none.
func systemZones(environ []string) []string {
	dir := envMap(environ)["ZONEINFO"]
	if dir == "" {
		dir = "/usr/share/zoneinfo"
	}
	f, err := os.Open(filepath.Join(dir, "tzdata.zi"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var zones []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "Z "); ok {
			if i := strings.IndexByte(name, ' '); i > 0 && strings.Contains(name[:i], "/") {
				zones = append(zones, name[:i])
			}
		}
	}
	slices.Sort(zones)
	return zones
}

// languages offers the configured default and the languages people in the
// database have.
func (c *completer) languages(toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		if l != "" && !seen[l] && strings.HasPrefix(strings.ToLower(l), strings.ToLower(toComplete)) {
			seen[l] = true
			out = append(out, l)
		}
	}
	if cfg, _, _, err := loadConfig(c.a.v, c.a.configPath, c.a.environ); err == nil {
		add(cfg.Defaults.Language)
	}
	c.withStore(func(ctx context.Context, s *store.Store) error {
		users, err := s.ListUsers(ctx)
		for _, u := range users {
			add(u.Language)
		}
		return err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// groups is where group names will be completed once groups exist (DESIGN:
// "Groups and messages now"): list them from the store like calendars,
// and add "group" to flagCompletions.

// described is a completion with a description, "alice\tAlice Liddell".
func described(value, description string) string {
	if description == "" {
		return value
	}
	return value + "\t" + strings.NewReplacer("\t", " ", "\n", " ").Replace(description)
}

// missingSQLite reports a SQLite database file that does not exist:
// opening it would create it, which completion and doctor must not.
func missingSQLite(db config.Database) (path string, missing bool) {
	if db.Driver != string(store.SQLite) {
		return "", false
	}
	path = strings.TrimPrefix(db.DSN, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	_, err := os.Stat(path)
	return path, errors.Is(err, fs.ErrNotExist)
}
