package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/phone"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func newUserCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Add, list, show, change and disable users",
	}
	cmd.AddCommand(newUserAddCmd(a), newUserListCmd(a), newUserShowCmd(a), newUserUpdateCmd(a),
		newUserDisableCmd(a, true), newUserDisableCmd(a, false))
	cmd.AddCommand(newUserPasswdCmd(a))
	return cmd
}

// userFields are the flags shared by user add and user update.
type userFields struct {
	name, email, phone, timeZone, language, role string
}

func addUserFlags(cmd *cobra.Command, f *userFields) {
	flags := cmd.Flags()
	flags.StringVar(&f.name, "name", "", "display name")
	flags.StringVar(&f.email, "email", "", "email address")
	flags.StringVar(&f.phone, "phone", "", `phone number for calls and SMS, e.g. "+41 22 767 61 11" (stored as E.164; without +, read with defaults.phone_region)`)
	flags.StringVar(&f.timeZone, "tz", "", "IANA time zone, e.g. Europe/Zurich (default: defaults.time_zone)")
	flags.StringVar(&f.language, "language", "", "language of every reminder and of the panel, BCP 47, e.g. en-US, ja-JP, zh-TW, pt-BR (default: defaults.language)")
	flags.StringVar(&f.role, "role", "", "member or admin (default member)")
}

// normalizePhone turns what a person typed into E.164, as a field error.
func (a *app) normalizePhone(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	e164, err := phone.Normalize(s, a.cfg.Defaults.PhoneRegion)
	if err != nil {
		return "", &store.FieldError{Field: "phone", Problem: err.Error()}
	}
	return e164, nil
}

// userFlag finds the user a --user flag names; an unknown login is "not
// found" (exit status 1), as everywhere.
func userFlag(ctx context.Context, s *store.Store, login string) (store.User, error) {
	u, err := s.UserByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, notFoundf("user: no user %q (see pfsnotify user list)", login)
	}
	return u, err
}

type userAddOptions struct {
	login string
	userFields
}

func newUserAddCmd(a *app) *cobra.Command {
	var opts userAddOptions
	cmd := &cobra.Command{
		Use:   "add LOGIN",
		Short: "Add a user",
		Example: `  pfsnotify user add alice --name "Alice Liddell" --email alice@example.org --phone "+41 22 767 61 11" --tz Europe/Zurich
  pfsnotify user add bob --role admin --tz Asia/Tokyo --language ja-JP`,
		Args: exactArgs(1, "one LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.login = args[0]
			return runUserAdd(cmd.Context(), a, opts)
		},
	}
	addUserFlags(cmd, &opts.userFields)
	return cmd
}

func runUserAdd(ctx context.Context, a *app, opts userAddOptions) error {
	e164, err := a.normalizePhone(opts.phone)
	if err != nil {
		return err
	}
	u := store.User{
		Login: opts.login, DisplayName: opts.name, Email: opts.email, Phone: e164,
		TimeZone: opts.timeZone, Language: opts.language, Role: store.Role(opts.role),
	}
	if u.TimeZone == "" {
		u.TimeZone = a.cfg.Defaults.TimeZone
	}
	if u.Language == "" {
		u.Language = a.cfg.Defaults.Language
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err = s.CreateUser(ctx, u)
	if err != nil {
		return err
	}
	a.printf("added user %s (#%d, %s, %s, %s)", u.Login, u.ID, u.Role, u.TimeZone, u.Language)
	return nil
}

type userListOptions struct{ output outputFormat }

func newUserListCmd(a *app) *cobra.Command {
	var opts userListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Example: `  pfsnotify user list
  pfsnotify user list -o json | jq -r '.[] | select(.disabled | not) | .email'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runUserList(cmd.Context(), a, opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// userJSON is a user as scripts see it: no password hash.
type userJSON struct {
	ID          int64     `json:"id"`
	Login       string    `json:"login"`
	DisplayName string    `json:"display_name"`
	Email       string    `json:"email"`
	Phone       string    `json:"phone"`
	TimeZone    string    `json:"time_zone"`
	Language    string    `json:"language"`
	Role        string    `json:"role"`
	HasPassword bool      `json:"has_password"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// With show: the preferred channels and leads ("" when none set) and
	// the groups the person is in.
	Channels string   `json:"channels,omitempty"`
	Leads    string   `json:"leads,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	// SMSOptedOut: the phone number answered STOP (or Twilio refused it as
	// unsubscribed): it is not texted.
	SMSOptedOut bool `json:"sms_opted_out,omitempty"`
}

func toUserJSON(u store.User) userJSON {
	return userJSON{
		ID: u.ID, Login: u.Login, DisplayName: u.DisplayName, Email: u.Email, Phone: u.Phone,
		TimeZone: u.TimeZone, Language: u.Language, Role: string(u.Role), HasPassword: u.PasswordHash != "",
		Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
	}
}

func runUserList(ctx context.Context, a *app, opts userListOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	users, err := s.ListUsers(ctx)
	if err != nil {
		return err
	}
	if opts.output == "json" {
		out := make([]userJSON, 0, len(users))
		for _, u := range users {
			out = append(out, toUserJSON(u))
		}
		return printJSON(a.stdout, out)
	}
	t := table{header: []string{"ID", "LOGIN", "NAME", "EMAIL", "PHONE", "TIME ZONE", "LANGUAGE", "ROLE", "STATUS"}}
	for _, u := range users {
		t.add(itoa(u.ID), u.Login, u.DisplayName, u.Email, u.Phone, u.TimeZone, u.Language, string(u.Role), userStatus(u))
	}
	return t.print(a.stdout)
}

func userStatus(u store.User) string {
	if u.Disabled {
		return "disabled"
	}
	return "active"
}

type userShowOptions struct {
	login  string
	output outputFormat
}

func newUserShowCmd(a *app) *cobra.Command {
	var opts userShowOptions
	cmd := &cobra.Command{
		Use:     "show LOGIN",
		Short:   "Show one user",
		Example: `  pfsnotify user show alice`,
		Args:    exactArgs(1, "one LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.login = args[0]
			return runUserShow(cmd.Context(), a, opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

func runUserShow(ctx context.Context, a *app, opts userShowOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByLogin(ctx, opts.login)
	if err != nil {
		return err
	}
	j := toUserJSON(u)
	p, ok, err := s.PreferencesOf(ctx, u.ID)
	if err != nil {
		return err
	}
	if ok {
		j.Channels, j.Leads = schedule.FormatChannels(p.Channels), schedule.FormatLeads(p.Leads)
	}
	groups, err := s.GroupsOf(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		j.Groups = append(j.Groups, g.Name)
	}
	optOut, err := smsOptOut(ctx, s, u.Phone)
	if err != nil {
		return err
	}
	j.SMSOptedOut = optOut != ""
	if opts.output == "json" {
		return printJSON(a.stdout, j)
	}
	t := table{header: []string{"FIELD", "VALUE"}}
	t.add("id", itoa(u.ID))
	t.add("login", u.Login)
	t.add("name", u.DisplayName)
	t.add("email", u.Email)
	t.add("phone", u.Phone+optOut)
	t.add("time zone", u.TimeZone)
	t.add("language", u.Language)
	t.add("role", string(u.Role))
	t.add("password", fmt.Sprint(u.PasswordHash != ""))
	t.add("status", userStatus(u))
	t.add("channels", j.Channels)
	t.add("leads", j.Leads)
	t.add("groups", strings.Join(j.Groups, ", "))
	t.add("created", u.CreatedAt.UTC().Format(time.RFC3339))
	t.add("updated", u.UpdatedAt.UTC().Format(time.RFC3339))
	return t.print(a.stdout)
}

// smsOptOut is what user show adds to a phone number that opted out of
// texts, "" if it did not.
func smsOptOut(ctx context.Context, s *store.Store, number string) (string, error) {
	if number == "" {
		return "", nil
	}
	o, ok, err := s.SMSOptOutOf(ctx, number)
	if err != nil || !ok || !o.OptedOut {
		return "", err
	}
	return fmt.Sprintf(" (opted out of texts: %s, %s)", o.Keyword, o.ChangedAt.UTC().Format(time.RFC3339)), nil
}

type userUpdateOptions struct {
	login   string
	changed func(flag string) bool
	userFields
	channels, leads string // preferences: used by messages sent to groups
}

func newUserUpdateCmd(a *app) *cobra.Command {
	var opts userUpdateOptions
	cmd := &cobra.Command{
		Use:   "update LOGIN",
		Short: "Change a user's contact details, zone, language, role or preferred channels",
		Long: `Change the fields given as flags; the others stay as they are. --phone ""
removes the phone number.

--channels and --leads are the person's preferences: the channels, in order,
that a message sent to their group goes on (the first that reaches them), and
their default lead times.`,
		Example: `  pfsnotify user update alice --phone "+81 3-1234-5678" --tz Asia/Tokyo --language ja-JP
  pfsnotify user update bob --role admin
  pfsnotify user update carol --channels push,call --leads 10m,2m`,
		Args: exactArgs(1, "one LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.login, opts.changed = args[0], cmd.Flags().Changed
			return runUserUpdate(cmd.Context(), a, opts)
		},
	}
	addUserFlags(cmd, &opts.userFields)
	cmd.Flags().StringVar(&opts.channels, "channels", "", "preferred channels in order, e.g. push,call")
	cmd.Flags().StringVar(&opts.leads, "leads", "", "preferred lead times, e.g. 10m,2m")
	return cmd
}

func runUserUpdate(ctx context.Context, a *app, opts userUpdateOptions) error {
	var ch store.UserChanges
	var changed []string
	pick := func(flag string, value string, dst **string) {
		if opts.changed(flag) {
			*dst = &value
			changed = append(changed, flag)
		}
	}
	pick("name", opts.name, &ch.DisplayName)
	pick("email", opts.email, &ch.Email)
	pick("tz", opts.timeZone, &ch.TimeZone)
	pick("language", opts.language, &ch.Language)
	if opts.changed("phone") {
		e164, err := a.normalizePhone(opts.phone)
		if err != nil {
			return err
		}
		ch.Phone = &e164
		changed = append(changed, "phone")
	}
	if opts.changed("role") {
		role := store.Role(opts.role)
		ch.Role = &role
		changed = append(changed, "role")
	}
	prefs := opts.changed("channels") || opts.changed("leads")
	if len(changed) == 0 && !prefs {
		return usagef("nothing to change: give at least one of --name, --email, --phone, --tz, --language, --role, --channels, --leads")
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := userFlag(ctx, s, opts.login)
	if err != nil {
		return err
	}
	if prefs {
		if err := a.updatePreferences(ctx, s, u, opts); err != nil {
			return err
		}
		changed = append(changed, "preferences")
	}
	if len(changed) > 1 || !prefs {
		if u, err = s.UpdateUser(ctx, opts.login, ch); err != nil {
			return err
		}
	}
	a.printf("updated user %s (#%d): %s", u.Login, u.ID, strings.Join(changed, ", "))
	return nil
}

// updatePreferences sets the channels and leads given, keeping the one not
// given from the person's current preferences.
func (a *app) updatePreferences(ctx context.Context, s *store.Store, u store.User, opts userUpdateOptions) error {
	p, ok, err := s.PreferencesOf(ctx, u.ID)
	if err != nil {
		return err
	}
	if opts.changed("channels") {
		if p.Channels, err = schedule.ParseChannels(opts.channels); err != nil {
			return &store.FieldError{Field: "channels", Problem: err.Error()}
		}
	} else if !ok {
		return usagef("%s has no preferred channels yet: give --channels with --leads", u.Login)
	}
	if opts.changed("leads") {
		if p.Leads, err = schedule.ParseLeads(opts.leads); err != nil {
			return &store.FieldError{Field: "leads", Problem: err.Error()}
		}
	} else if !ok {
		return usagef("%s has no preferred lead times yet: give --leads with --channels", u.Login)
	}
	_, err = s.SetPreferences(ctx, u.ID, p)
	return err
}

type userDisableOptions struct {
	logins  []string
	disable bool
}

func newUserDisableCmd(a *app, disable bool) *cobra.Command {
	opts := userDisableOptions{disable: disable}
	cmd := &cobra.Command{
		Use:   "disable LOGIN...",
		Short: "Disable users: no sign-in, no reminders; their sessions end at once",
		Long: `Disable users: they cannot sign in, their panel sessions end at once, and
invoke sends them nothing. Their data stays; "user enable" undoes it.`,
		Example: `  pfsnotify user disable carol dave`,
		Args:    minArgs(1, "at least one LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.logins = args
			return runUserDisable(cmd.Context(), a, opts)
		},
	}
	if !disable {
		cmd.Use, cmd.Short, cmd.Long, cmd.Example = "enable LOGIN...", "Enable disabled users again", "", `  pfsnotify user enable carol`
	}
	return cmd
}

func runUserDisable(ctx context.Context, a *app, opts userDisableOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, login := range opts.logins {
		if _, err := s.UserByLogin(ctx, login); err != nil {
			return err // check them all before changing any
		}
	}
	verb := "disabled"
	if !opts.disable {
		verb = "enabled"
	}
	for _, login := range opts.logins {
		u, err := s.UpdateUser(ctx, login, store.UserChanges{Disabled: &opts.disable})
		if err != nil {
			return err
		}
		a.printf("%s user %s (#%d)", verb, u.Login, u.ID)
	}
	return nil
}
