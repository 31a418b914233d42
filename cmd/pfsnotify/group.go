package main

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func newGroupCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "group",
		Short: "Working groups of members: add, list, show, update, remove, and who is in them",
		Long: `Groups gather members (a working group: instrument, data reduction,
operations). Removing a group, or someone from it, never removes a person
or their history.`,
	}
	member := &cobra.Command{
		Use:   "member",
		Short: "Put people in a group or take them out",
	}
	member.AddCommand(newGroupMemberAddCmd(a), newGroupMemberRemoveCmd(a))
	cmd.AddCommand(newGroupAddCmd(a), newGroupListCmd(a), newGroupShowCmd(a), newGroupUpdateCmd(a), newGroupRemoveCmd(a), member)
	return cmd
}

type groupAddOptions struct {
	name, description string
}

func newGroupAddCmd(a *app) *cobra.Command {
	var opts groupAddOptions
	cmd := &cobra.Command{
		Use:   "add NAME [--description TEXT]",
		Short: "Add a group",
		Long: `Add a group. NAME is 1 to 64 lowercase letters, digits or . _ -, like a
login; it is how rules, messages and the panel name the group.`,
		Example: `  pfsnotify group add drp --description "Data reduction pipeline"
  pfsnotify group member add drp alice bob`,
		Args: exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name = args[0]
			return runGroupAdd(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVar(&opts.description, "description", "", "what the group is, one line")
	return cmd
}

func runGroupAdd(ctx context.Context, a *app, opts groupAddOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	g, err := s.CreateGroup(ctx, store.Group{Name: opts.name, Description: opts.description})
	if err != nil {
		return err
	}
	a.printf("added group %s (#%d); add people with: pfsnotify group member add %s LOGIN...", g.Name, g.ID, g.Name)
	return nil
}

type groupUpdateOptions struct {
	name, description string
}

func newGroupUpdateCmd(a *app) *cobra.Command {
	var opts groupUpdateOptions
	cmd := &cobra.Command{
		Use:   "update NAME --description TEXT",
		Short: "Change a group's description",
		Long: `Change the one-line description of a group, shown with it in the panel and
by group list and group show. An empty TEXT removes it. The name does not
change: rules, messages and the panel know the group by it.`,
		Example: `  pfsnotify group update drp --description "Data reduction pipeline (DRP)"`,
		Args:    exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("description") {
				return usagef("nothing to change: give --description TEXT")
			}
			opts.name = args[0]
			return runGroupUpdate(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVar(&opts.description, "description", "", "what the group is, one line (empty: none)")
	return cmd
}

func runGroupUpdate(ctx context.Context, a *app, opts groupUpdateOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	g, err := s.SetGroupDescription(ctx, opts.name, opts.description)
	if err != nil {
		return err
	}
	a.printf("group %s: description %q", g.Name, g.Description)
	return nil
}

type groupListOptions struct{ output outputFormat }

func newGroupListCmd(a *app) *cobra.Command {
	var opts groupListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List groups with how many people are in each",
		Example: `  pfsnotify group list
  pfsnotify group list -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGroupList(cmd.Context(), a, opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// groupJSON is a group in -o json.
type groupJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Members     int       `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
	Logins      []string  `json:"logins,omitempty"` // with show
}

func newGroupJSON(g store.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Description: g.Description, Members: g.Members, CreatedAt: g.CreatedAt.UTC()}
}

func runGroupList(ctx context.Context, a *app, opts groupListOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	groups, err := s.ListGroups(ctx)
	if err != nil {
		return err
	}
	if opts.output == "json" {
		out := make([]groupJSON, 0, len(groups))
		for _, g := range groups {
			out = append(out, newGroupJSON(g))
		}
		return printJSON(a.stdout, out)
	}
	t := table{header: []string{"ID", "NAME", "MEMBERS", "DESCRIPTION"}}
	for _, g := range groups {
		t.add(itoa(g.ID), g.Name, strconv.Itoa(g.Members), g.Description)
	}
	return t.print(a.stdout)
}

type groupShowOptions struct {
	name   string
	output outputFormat
}

func newGroupShowCmd(a *app) *cobra.Command {
	var opts groupShowOptions
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a group and the people in it",
		Example: `  pfsnotify group show drp
  pfsnotify group show drp -o json`,
		Args: exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name = args[0]
			return runGroupShow(cmd.Context(), a, opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

func runGroupShow(ctx context.Context, a *app, opts groupShowOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	g, err := s.GroupByName(ctx, opts.name)
	if err != nil {
		return err
	}
	members, err := s.GroupMembers(ctx, g.Name)
	if err != nil {
		return err
	}
	if opts.output == "json" {
		j := newGroupJSON(g)
		j.Logins = make([]string, 0, len(members))
		for _, m := range members {
			j.Logins = append(j.Logins, m.Login)
		}
		return printJSON(a.stdout, j)
	}
	a.printf("group %s (#%d): %s", g.Name, g.ID, g.Description)
	t := table{header: []string{"LOGIN", "NAME", "TIME ZONE", "LANGUAGE", "STATE"}}
	for _, m := range members {
		state := "active"
		if m.Disabled {
			state = "disabled"
		}
		t.add(m.Login, m.DisplayName, m.TimeZone, m.Language, state)
	}
	return t.print(a.stdout)
}

type groupRemoveOptions struct{ name string }

func newGroupRemoveCmd(a *app) *cobra.Command {
	var opts groupRemoveOptions
	return &cobra.Command{
		Use:     "remove NAME",
		Short:   "Remove a group (its people and their history stay)",
		Example: `  pfsnotify group remove drp`,
		Args:    exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name = args[0]
			return runGroupRemove(cmd.Context(), a, opts)
		},
	}
}

func runGroupRemove(ctx context.Context, a *app, opts groupRemoveOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.RemoveGroup(ctx, opts.name); err != nil {
		return err
	}
	a.printf("removed group %s; its people stay", opts.name)
	return nil
}

type groupMemberOptions struct {
	group  string
	logins []string
}

func newGroupMemberAddCmd(a *app) *cobra.Command {
	var opts groupMemberOptions
	return &cobra.Command{
		Use:   "add GROUP LOGIN...",
		Short: "Put people in a group",
		Long: `Put people in a group. Nothing changes when the group or any login is
unknown; people already in it are left as they are. Newcomers get the
group's rules at once: reminders of the upcoming matching events already
synced, on their own preferred channels and lead times.`,
		Example: `  pfsnotify group member add drp alice bob`,
		Args:    minArgs(2, "GROUP LOGIN..."),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.group, opts.logins = args[0], args[1:]
			return runGroupMemberAdd(cmd.Context(), a, opts)
		},
	}
}

func runGroupMemberAdd(ctx context.Context, a *app, opts groupMemberOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	added, err := s.AddGroupMembers(ctx, opts.group, opts.logins)
	if err != nil {
		return err
	}
	a.printf("added %d to %s; the others named were in it already", added, opts.group)
	if added > 0 { // the group's rules remind them of the upcoming events at once
		g, err := s.GroupByName(ctx, opts.group)
		if err != nil {
			return err
		}
		applyGroupRules(ctx, a, s, store.MemberRuleFilter{GroupID: g.ID})
	}
	return nil
}

func newGroupMemberRemoveCmd(a *app) *cobra.Command {
	var opts groupMemberOptions
	return &cobra.Command{
		Use:   "remove GROUP LOGIN...",
		Short: "Take people out of a group",
		Long: `Take people out of a group; they and their history stay. Their pending
reminders from the group's rules are cancelled (those that another rule of
theirs asks for stay). Nothing changes when the group or any login is
unknown.`,
		Example: `  pfsnotify group member remove drp bob`,
		Args:    minArgs(2, "GROUP LOGIN..."),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.group, opts.logins = args[0], args[1:]
			return runGroupMemberRemove(cmd.Context(), a, opts)
		},
	}
}

func runGroupMemberRemove(ctx context.Context, a *app, opts groupMemberOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	removed, err := s.RemoveGroupMembers(ctx, opts.group, opts.logins)
	if err != nil {
		return err
	}
	a.printf("removed %d from %s; the others named were not in it", removed, opts.group)
	return nil
}
