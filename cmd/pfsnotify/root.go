package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/pfsnotify/pfsnotify/pkg/buildinfo"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// app is what every command shares: the output streams, the environment,
// and the configuration loaded before the command runs.
type app struct {
	stdout, stderr io.Writer
	environ        []string
	v              *viper.Viper
	configPath     string

	cfg        config.Config
	configFile string // the file the configuration came from; "" for none
	log        *slog.Logger
	loaded     bool
}

func newApp(stdout, stderr io.Writer, environ []string) *app {
	return &app{stdout: stdout, stderr: stderr, environ: environ, v: viper.New()}
}

const rootLong = `pfsnotify reminds the members of a collaboration of their meetings by browser
push notification, phone call (Twilio), SMS and email.

It runs as a few jobs over one database (SQLite by default, MySQL/MariaDB in
production):
  serve-panel     the web control panel where members register
  serve-twiml     answers Twilio's webhooks for reminder calls
  invoke          sends the reminders that are due (cron, every minute)
  calendar-sync   turns calendar events into registrations (cron)
and admin commands: db, user, registration, rule, calendar, doctor, version, man.

Configuration comes from a YAML file (--config; else ./pfsnotify.yaml,
$XDG_CONFIG_HOME/pfsnotify/config.yaml, /etc/pfsnotify/config.yaml), from
PFSNOTIFY_<SECTION>_<KEY> environment variables, and from flags, in the order
flag > environment > file > default. With none at all, pfsnotify uses SQLite
at ./pfsnotify.db. See examples/pfsnotify.yaml for every key.`

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "pfsnotify",
		Short:         "Remind a collaboration's members of their meetings",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints buildinfo's line, before any configuration is read.
		Version: buildinfo.Read().Version,
		Example: `  pfsnotify db migrate
  pfsnotify user add alice --name "Alice Liddell" --email alice@example.org --phone "+41 22 767 61 11" --tz Europe/Zurich
  pfsnotify registration add --user alice --at "tomorrow 09:00" --tz Europe/Zurich --title "Detector review" --channel push,call --lead 10m,2m
  pfsnotify doctor`,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if isCompletionCmd(cmd) {
				return nil // completion reads the configuration itself, and nothing on error
			}
			return a.load()
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetVersionTemplate(buildinfo.Read().String() + "\n")
	flags := root.PersistentFlags()
	flags.StringVar(&a.configPath, "config", "", "config file (default: the first of ./pfsnotify.yaml, $XDG_CONFIG_HOME/pfsnotify/config.yaml, /etc/pfsnotify/config.yaml)")
	flags.String("db-driver", "", `database driver, "sqlite" or "mysql" (database.driver)`)
	flags.String("db-dsn", "", `SQLite file path or MySQL DSN such as "user:pass@tcp(db:3306)/pfsnotify" (database.dsn)`)
	flags.String("log-level", "", "debug, info, warn or error (log.level)")
	flags.String("log-format", "", "text or json (log.format)")
	for flag, key := range map[string]string{"db-driver": "database.driver", "db-dsn": "database.dsn", "log-level": "log.level", "log-format": "log.format"} {
		if err := a.v.BindPFlag(key, flags.Lookup(flag)); err != nil {
			panic(err) // a programming error: the flag is defined just above
		}
	}
	root.AddCommand(
		newDBCmd(a),
		newUserCmd(a),
		newRegistrationCmd(a),
		newRuleCmd(a),
		newGroupCmd(a),
		newSendCmd(a),
		newTokenCmd(a),
		newCalendarCmd(a),
		newCalendarSyncCmd(a),
		newDemoCmd(a),
		newVapidCmd(a),
		newInvokeCmd(a),
		newServeTwiMLCmd(a),
		newServePanelCmd(a),
		newVersionCmd(a),
		newDoctorCmd(a),
		newManCmd(a),
	)
	registerCompletions(a, root)
	return root
}

// load reads the configuration once and sets up logging.
func (a *app) load() error {
	if a.loaded {
		return nil
	}
	cfg, file, warnings, err := loadConfig(a.v, a.configPath, a.environ)
	a.configFile = file
	if err != nil {
		return usageError{err}
	}
	a.cfg, a.log, a.loaded = cfg, newLogger(a.stderr, cfg.Log), true
	for _, w := range warnings {
		a.log.Warn(w)
	}
	return nil
}

// openStore opens the configured database, for commands that may run on any
// schema version (db migrate, db status).
func (a *app) openStore(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, a.cfg.Database)
}

// openCurrentStore opens the database and refuses a schema that is behind
// (or ahead of) this binary.
func (a *app) openCurrentStore(ctx context.Context) (*store.Store, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	checkCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.CheckSchema(checkCtx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	return s, nil
}

// printf writes one line of a command's result to standard output.
func (a *app) printf(format string, args ...any) {
	fmt.Fprintf(a.stdout, format+"\n", args...)
}

// warnf tells the person at the terminal about something done differently
// from what they asked, on standard error.
func (a *app) warnf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "pfsnotify: warning: "+format+"\n", args...)
}

// plural writes "1 reminder", "2 reminders".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// isCompletionCmd reports cobra's completion commands: "completion bash"
// and the shells' hidden __complete requests.
func isCompletionCmd(cmd *cobra.Command) bool {
	switch cmd.Name() {
	case cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return true
	}
	return cmd.HasParent() && cmd.Parent().Name() == "completion"
}
