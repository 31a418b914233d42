package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/doctor"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type doctorOptions struct {
	output      outputFormat
	timeout     time.Duration
	systemdDirs []string
	crontabs    []string
}

func newDoctorCmd(a *app) *cobra.Command {
	var opts doctorOptions
	jobs := doctor.SystemJobs(false)
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the configuration, database, clocks, credentials, calendars and cron/systemd",
		Long: `Check this installation the way you would by hand, one line per check:
ok, warn or fail, and for warn and fail what to do.

  config       the config file loads; one holding secrets is not readable by every user
  database     the database answers and its schema is current (else: pfsnotify db migrate)
  clock        the database's clock and this host's agree (warn from 2s, fail from 30s)
  public_url   an absolute https URL, not a local address (calls need it)
  twilio       an authenticated read of the account (active, not a trial) and
               twilio.from_number is one of its numbers; nothing is called or sent
  vapid        webpush.public_key is the public key of webpush.private_key; a subject
  smtp         the server answers, TLS as smtp.tls says, the sign-in is accepted; no mail is sent
  calendar X   each calendar is read once, as calendar-sync would (Google sign-in,
               ICS fetch and parse); nothing is stored
  jobs         a systemd timer is enabled, or a crontab line runs invoke (and
               calendar-sync when there are calendars)

Channels that are not configured are "ok: not configured". Secrets are never
shown. Other users' crontabs are read only when doctor may (run it as root, or
pass --crontab with an exported one).

Exit status: 0 when nothing failed (warnings allowed), 1 when a check failed.`,
		Example: `  pfsnotify --config /etc/pfsnotify/config.yaml doctor
  pfsnotify doctor -o json | jq '.[] | select(.status != "ok")'
  crontab -u pfsnotify -l > /tmp/cron && pfsnotify doctor --crontab /tmp/cron`,
		Args: noArgs,
		// doctor loads the configuration itself: a broken one is its first finding.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDoctor(cmd.Context(), a, opts)
		},
	}
	flags := cmd.Flags()
	addOutputFlag(cmd, &opts.output)
	flags.DurationVar(&opts.timeout, "timeout", 15*time.Second, "how long each check may take")
	flags.StringSliceVar(&opts.systemdDirs, "systemd-dir", jobs.SystemdDirs, "where systemd units are installed")
	flags.StringSliceVar(&opts.crontabs, "crontab", jobs.CronFiles, "crontab files (globs) to look for pfsnotify's jobs in")
	return cmd
}

// doctorFailed makes the exit status 1 once the results are printed.
type doctorFailed struct{ n int }

func (e doctorFailed) Error() string { return fmt.Sprintf("doctor: %s failed", plural(e.n, "check")) }

func runDoctor(ctx context.Context, a *app, opts doctorOptions) error {
	if opts.timeout <= 0 {
		return usagef("--timeout %v must be positive", opts.timeout)
	}
	loadErr := a.load()
	checks := []doctor.Check{doctor.ConfigCheck(a.doctorConfigFile(loadErr))}
	if loadErr == nil {
		more, closeStore := a.doctorChecks(ctx, opts)
		defer closeStore()
		checks = append(checks, more...)
	}
	results := doctor.Run(ctx, checks, opts.timeout)
	if err := printDoctor(a, opts.output, results); err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if r.Status == doctor.Fail {
			failed++
		}
	}
	if failed > 0 {
		return doctorFailed{failed}
	}
	return nil
}

// doctorConfigFile says what loading the configuration found.
func (a *app) doctorConfigFile(loadErr error) doctor.ConfigFile {
	cf := doctor.ConfigFile{Path: a.configFile, Err: loadErr}
	if cf.Path == "" {
		cf.Searched = configSearchPath(envMap(a.environ))
		return cf
	}
	if data, _, err := readConfigFile(cf.Path); err == nil {
		if values, _, err := parseConfigFile(cf.Path, data, config.Default().Values()); err == nil {
			cf.Secrets = fileSecrets(values)
		}
	}
	return cf
}

// doctorChecks builds every check after the config one, over the
// configured database (closed by the returned function).
func (a *app) doctorChecks(ctx context.Context, opts doctorOptions) ([]doctor.Check, func()) {
	cfg := a.cfg
	openCtx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	var s *store.Store
	var openErr error
	if path, missing := missingSQLite(cfg.Database); missing {
		openErr = fmt.Errorf("the SQLite file %s does not exist (doctor does not make it): run pfsnotify db migrate, or check database.dsn", path)
	} else if s, openErr = a.openStore(openCtx); openErr != nil {
		openErr = fmt.Errorf("%s: %w", cfg.Database.Driver, openErr)
	}
	closeStore := func() {}
	var db doctor.Database
	var cals doctor.Calendars
	hasCalendars := false
	if openErr == nil {
		closeStore = func() { s.Close() }
		db = s
		if s.CheckSchema(openCtx) == nil {
			cals = s
			list, err := s.ListCalendars(openCtx)
			hasCalendars = err == nil && len(list) > 0
		}
	}

	var twilio doctor.TwilioAccount
	var twilioErr error
	if cfg.Twilio.AccountSID != "" || cfg.Twilio.AuthToken != "" || cfg.Twilio.FromNumber != "" {
		acct, err := doctor.NewTwilioAPI(twilioapi.Config{AccountSID: cfg.Twilio.AccountSID, AuthToken: cfg.Twilio.AuthToken,
			APIURL: cfg.Twilio.APIURL, HTTPClient: &http.Client{Timeout: cfg.Invoke.HTTPTimeout}})
		twilio, twilioErr = acct, err
		if err != nil {
			twilio = nil
		}
	}
	var needURL []string
	if cfg.Twilio.AccountSID != "" && !cfg.Twilio.InlineTwiML {
		needURL = append(needURL, "calls (serve-twiml's address)")
	}
	jobs := doctor.Jobs{SystemdDirs: opts.systemdDirs, CronFiles: opts.crontabs, WantsCalendarSync: hasCalendars}
	return []doctor.Check{
		doctor.DatabaseCheck(db, openErr),
		doctor.ClockCheck(db, openErr, time.Now),
		doctor.PublicURLCheck(cfg.PublicURL, needURL),
		doctor.TwilioCheck(cfg.Twilio, twilio, twilioErr),
		doctor.VAPIDCheck(cfg.WebPush),
		doctor.SMTPCheck(cfg.SMTP, nil),
		doctor.CalendarsCheck(cals, doctor.SyncProbe(calendarSources(a), time.Now)),
		doctor.JobsCheck(jobs),
	}, closeStore
}

func printDoctor(a *app, output outputFormat, results []doctor.Result) error {
	if output == "json" {
		return printJSON(a.stdout, results)
	}
	width := 0
	for _, r := range results {
		width = max(width, len(r.Check))
	}
	for _, r := range results {
		line := fmt.Sprintf("%-4s  %-*s  %s", r.Status, width, r.Check, r.Detail)
		if r.Fix != "" {
			line += " → " + r.Fix
		}
		a.printf("%s", strings.TrimRight(line, " "))
	}
	return nil
}
