package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/panel"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type userPasswdOptions struct {
	login string
	clear bool
}

func newUserPasswdCmd(a *app) *cobra.Command {
	var opts userPasswdOptions
	cmd := &cobra.Command{
		Use:   "passwd LOGIN",
		Short: "Set a user's panel password (asked for, or read from standard input)",
		Long: `Set the password LOGIN signs in to the panel with. At a terminal it is asked
for twice, without echo; otherwise the first line of standard input is the
password (for scripts: never put a password on a command line, where ps
and shell history show it). At least 10 characters, at most 72 bytes. The
user is signed out everywhere and their API tokens are revoked (whoever
made one with the old password loses it). --clear removes the password: the
user can then sign in only through a trusted proxy, if one is configured.`,
		Example: `  pfsnotify user passwd alice
  pfsnotify user passwd alice < /run/secrets/alice-password
  pfsnotify user passwd alice --clear`,
		Args: exactArgs(1, "one LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.login = args[0]
			return runUserPasswd(cmd.Context(), a, opts, cmd.InOrStdin())
		},
	}
	cmd.Flags().BoolVar(&opts.clear, "clear", false, "remove the password instead of setting one")
	return cmd
}

func runUserPasswd(ctx context.Context, a *app, opts userPasswdOptions, in io.Reader) error {
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := userFlag(ctx, s, opts.login)
	if err != nil {
		return err
	}
	hash := ""
	if !opts.clear {
		pw, err := readNewPassword(in, a.stderr, u.Login)
		if err != nil {
			return err
		}
		if hash, err = panel.HashPassword(pw); err != nil {
			return &store.FieldError{Field: "password", Problem: strings.TrimPrefix(err.Error(), "password ")}
		}
	}
	tokens, err := s.ListAPITokens(ctx, u.ID)
	if err != nil {
		return err
	}
	// A new password revokes the user's API tokens (store.UpdateUser).
	if _, err := s.UpdateUser(ctx, u.Login, store.UserChanges{PasswordHash: &hash}); err != nil {
		return err
	}
	n, err := s.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return err
	}
	what := "set the password of"
	if opts.clear {
		what = "removed the password of"
	}
	a.printf("%s %s; signed out of %s; revoked %s", what, u.Login, plural(int(n), "session"), plural(len(tokens), "API token"))
	return nil
}

// readNewPassword asks for a password twice at a terminal, with echo off;
// from anything else it reads one line.
func readNewPassword(in io.Reader, prompt io.Writer, login string) (string, error) {
	f, isFile := in.(*os.File)
	if !isFile || !isTerminal(f) {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", &store.FieldError{Field: "password", Problem: "none on standard input: give it as the first line"}
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	restore := echoOff(f)
	defer restore()
	r := bufio.NewReader(f)
	ask := func(label string) (string, error) {
		fmt.Fprintf(prompt, "%s", label)
		line, err := r.ReadString('\n')
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	pw, err := ask("New password for " + login + ": ")
	if err != nil {
		return "", err
	}
	again, err := ask("The same again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", &store.FieldError{Field: "password", Problem: "the two do not match; nothing changed"}
	}
	return pw, nil
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// echoOff stops the terminal f from echoing what is typed, with stty (on
// every Unix), and returns what turns it back on. Without stty the
// password echoes; it is still never on a command line.
func echoOff(f *os.File) func() {
	stty := func(arg string) error {
		cmd := exec.Command("stty", arg)
		cmd.Stdin = f
		return cmd.Run()
	}
	if err := stty("-echo"); err != nil {
		return func() {}
	}
	return func() { stty("echo") }
}
