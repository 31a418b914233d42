// Command pfsnotify reminds the members of a scientific collaboration of
// their meetings by browser push, phone call, SMS and email.
//
// Exit status: 0 success, 1 failure (including something named on the
// command line that does not exist), 2 usage error (a bad flag, argument or
// value).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // zones on machines without zoneinfo files

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Environ()))
}

// run executes one command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer, environ []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(newApp(stdout, stderr, environ))
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "pfsnotify:", err)
	if isUsageError(err) {
		return 2
	}
	return 1
}

// usageError is a command line that cannot be carried out as written.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// notFoundError is a login, id or name on the command line, as an argument
// or a flag's value, that names nothing: exit status 1, like every "not
// found" (the command line was well formed; the data is not there).
type notFoundError struct{ msg string }

func (e notFoundError) Error() string        { return e.msg }
func (e notFoundError) Is(target error) bool { return target == store.ErrNotFound }

func notFoundf(format string, args ...any) error {
	return notFoundError{fmt.Sprintf(format, args...)}
}

// isUsageError reports whether err calls for exit status 2: a bad flag or
// argument, or a value the store rejected as invalid input. Something that
// does not exist is never one (see notFoundError).
func isUsageError(err error) bool {
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	var ue usageError
	return errors.As(err, &ue) || store.IsInvalid(err)
}
