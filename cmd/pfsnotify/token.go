package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"
)

func newTokenCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "API tokens of the panel's JSON API: add, list",
		Long: `API tokens let scripts and other systems use the panel's JSON API
(Authorization: Bearer TOKEN). Members make their own on the panel's Tokens
page; here an admin makes them from the shell, including send-only tokens
for another system (the observatory's scheduler, a CI pipeline) that may
only send messages: POST /api/v1/messages. A token is shown once; a new or
removed password of its person revokes it.`,
	}
	cmd.AddCommand(newTokenAddCmd(a), newTokenListCmd(a))
	return cmd
}

type tokenAddOptions struct {
	login, name string
	sendOnly    bool
}

func newTokenAddCmd(a *app) *cobra.Command {
	var opts tokenAddOptions
	cmd := &cobra.Command{
		Use:   "add LOGIN --name NAME [--send-only]",
		Short: "Make an API token for a person and print it once",
		Example: `  pfsnotify token add root --name "observatory scheduler" --send-only
  pfsnotify token add alice --name "indico script"`,
		Args: exactArgs(1, "LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.login = args[0]
			return runTokenAdd(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVar(&opts.name, "name", "", "what the token is for (required)")
	cmd.Flags().BoolVar(&opts.sendOnly, "send-only", false, "the token may only send messages (its person must be an admin)")
	return cmd
}

func runTokenAdd(ctx context.Context, a *app, opts tokenAddOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := userFlag(ctx, s, opts.login)
	if err != nil {
		return err
	}
	create := s.CreateAPIToken
	if opts.sendOnly {
		create = s.CreateSendToken
	}
	value, tok, err := create(ctx, u.ID, opts.name)
	if err != nil {
		return err
	}
	a.warnf("token #%d (%s, scope %s) for %s; it is shown once, keep it secret:", tok.ID, tok.Name, tok.Scope, u.Login)
	a.printf("%s", value)
	return nil
}

type tokenListOptions struct {
	login  string
	output outputFormat
}

func newTokenListCmd(a *app) *cobra.Command {
	var opts tokenListOptions
	cmd := &cobra.Command{
		Use:     "list LOGIN",
		Short:   "List a person's API tokens (never their values)",
		Example: `  pfsnotify token list root -o json`,
		Args:    exactArgs(1, "LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.login = args[0]
			return runTokenList(cmd.Context(), a, opts)
		},
	}
	addOutputFlag(cmd, &opts.output)
	return cmd
}

type tokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Scope      string     `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func runTokenList(ctx context.Context, a *app, opts tokenListOptions) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := userFlag(ctx, s, opts.login)
	if err != nil {
		return err
	}
	toks, err := s.ListAPITokens(ctx, u.ID)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, 0, len(toks))
	for _, t := range toks {
		j := tokenJSON{ID: t.ID, Name: t.Name, Scope: t.Scope, CreatedAt: t.CreatedAt.UTC()}
		if !t.LastUsedAt.IsZero() {
			used := t.LastUsedAt.UTC()
			j.LastUsedAt = &used
		}
		out = append(out, j)
	}
	if opts.output == "json" {
		return printJSON(a.stdout, out)
	}
	tab := table{header: []string{"ID", "NAME", "SCOPE", "CREATED (UTC)", "LAST USED (UTC)"}}
	for _, j := range out {
		used := "never"
		if j.LastUsedAt != nil {
			used = j.LastUsedAt.Format("2006-01-02 15:04")
		}
		tab.add(itoa(j.ID), j.Name, j.Scope, j.CreatedAt.Format("2006-01-02 15:04"), used)
	}
	return tab.print(a.stdout)
}
