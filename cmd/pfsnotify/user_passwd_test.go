package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// runIn runs pfsnotify with stdin as its standard input, as run does.
func (c *cli) runIn(ctx context.Context, stdin string, args ...string) (string, string, int) {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	root := newRootCmd(newApp(&stdout, &stderr, c.env))
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case isUsageError(err):
		return stdout.String(), stderr.String() + err.Error(), 2
	}
	return stdout.String(), stderr.String() + err.Error(), 1
}

// openCLIStore opens the CLI's database, for checks.
func openCLIStore(t *testing.T, db config.Database) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestUserPasswd(t *testing.T) {
	db := storetest.SQLiteConfig(t)
	c := newCLI(t, db)
	ctx := context.Background()
	c.ok("db", "migrate")
	c.ok("user", "add", "alice")
	s := openCLIStore(t, db)
	alice, _ := s.UserByLogin(ctx, "alice")
	if _, _, err := s.CreateSession(ctx, alice.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, stdin string
		args        []string
		wantCode    int
		wantOut     string // in stdout, or in stderr for a failure
		wantHashOf  string // the password the stored hash must match; "-" for none stored
	}{
		{"from stdin", "correct horse battery\n", []string{"user", "passwd", "alice"}, 0, "set the password of alice; signed out of 1 session", "correct horse battery"},
		{"no newline, spaces kept", " spaced out password ", []string{"user", "passwd", "alice"}, 0, "signed out of 0 sessions", " spaced out password "},
		{"too short", "short\n", []string{"user", "passwd", "alice"}, 2, "password: is 5 characters long; use at least 10", " spaced out password "},
		{"too long", strings.Repeat("x", 73) + "\n", []string{"user", "passwd", "alice"}, 2, "at most 72", " spaced out password "},
		{"nothing on stdin", "", []string{"user", "passwd", "alice"}, 2, "password: none on standard input", " spaced out password "},
		{"unknown user", "correct horse battery\n", []string{"user", "passwd", "zed"}, 1, `user: no user "zed"`, " spaced out password "},
		{"never a flag", "", []string{"user", "passwd", "alice", "--password", "x"}, 2, "unknown flag: --password", " spaced out password "},
		{"clear", "", []string{"user", "passwd", "alice", "--clear"}, 0, "removed the password of alice", "-"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := c.runIn(ctx, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d; want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			if got := map[bool]string{true: out, false: errOut}[code == 0]; !strings.Contains(got, tt.wantOut) {
				t.Errorf("got %q; want %q in it", got, tt.wantOut)
			}
			u, err := s.UserByLogin(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantHashOf == "-" && u.PasswordHash != "":
				t.Errorf("a password is still stored")
			case tt.wantHashOf != "-" && bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(tt.wantHashOf)) != nil:
				t.Errorf("the stored hash is not of %q", tt.wantHashOf)
			}
		})
	}
}

// user passwd revokes the user's API tokens, and says so.
func TestUserPasswdRevokesAPITokens(t *testing.T) {
	db := storetest.SQLiteConfig(t)
	c := newCLI(t, db)
	ctx := context.Background()
	c.ok("db", "migrate")
	c.ok("user", "add", "alice")
	c.ok("user", "add", "bob")
	s := openCLIStore(t, db)
	alice, _ := s.UserByLogin(ctx, "alice")
	bob, _ := s.UserByLogin(ctx, "bob")
	var tokens []string
	for _, id := range []int64{alice.ID, alice.ID, bob.ID} {
		v, _, err := s.CreateAPIToken(ctx, id, "script")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, v)
	}
	out, errOut, code := c.runIn(ctx, "correct horse battery\n", "user", "passwd", "alice")
	if code != 0 || !strings.Contains(out, "revoked 2 API tokens") {
		t.Fatalf("user passwd: exit %d, %q %q; want the 2 tokens revoked", code, out, errOut)
	}
	for i, v := range tokens {
		_, _, err := s.UserByAPIToken(ctx, v)
		if revoked := err != nil; revoked != (i < 2) {
			t.Errorf("token %d after alice's new password: err %v; want revoked %v", i, err, i < 2)
		}
	}
}
