package main

import (
	"context"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

type serveTwiMLOptions struct {
	listen string
	// ready, when set, is told the address listened on (tests).
	ready func(net.Addr)
	// shutdown bounds how long requests under way may take once stopped;
	// 0: httpserver's default.
	shutdown time.Duration
}

func newServeTwiMLCmd(a *app) *cobra.Command {
	var opts serveTwiMLOptions
	cmd := &cobra.Command{
		Use:   "serve-twiml",
		Short: "Answer Twilio's webhooks for reminder calls (behind nginx)",
		Long: `Answer Twilio's webhooks for the calls and text messages that invoke sends:
what a call says (the reminder, in the person's language and twilio.voice,
twice, then "press 1 to confirm"), the key the person pressed (1
acknowledges the reminder), and the status callbacks of calls and messages
(answered, busy, no answer: a call nobody answered is tried again after
twiml.retry_delay, at most twiml.max_call_retries times, never once the
event has started).

Texts sent back to twilio.from_number (set the number's "A message comes
in" webhook to {public_url}{twiml.prefix}sms/incoming, HTTP POST): 1, OK,
はい and the like confirm the latest text sent to that number, as pressing 1
does; STOP (STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT) is recorded and the
number is texted no more (the next channel of each registration is used);
START, UNSTOP or YES opts it back in.

Every request must carry Twilio's X-Twilio-Signature over public_url and the
path it asked for, made with twilio.auth_token (or twiml.previous_auth_token
during a rotation); anything else is refused with 403. Without an auth token
or public_url, serve-twiml refuses to start.

It listens on twiml.listen (127.0.0.1:8081) behind nginx, which passes
twiml.prefix (/twiml/) to it unchanged. /healthz and /metrics answer on the
same address, for local checks and Prometheus; do not proxy them.
SIGTERM or SIGINT lets the requests under way finish.

When the database cannot be reached or does not answer within 4 seconds, a
person on a call hears a short apology (Twilio would turn an error status
into "an application error has occurred"), while status callbacks and
/healthz get 503 with "Retry-After: 5"; once the database answers again, so
does serve-twiml, without a restart.`,
		Example: `  pfsnotify --config /etc/pfsnotify/config.yaml serve-twiml
  pfsnotify serve-twiml --listen 127.0.0.1:9081
  curl -s http://127.0.0.1:8081/healthz`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServeTwiML(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVar(&opts.listen, "listen", "", "address to listen on, host:port (default twiml.listen, 127.0.0.1:8081)")
	return cmd
}

func runServeTwiML(ctx context.Context, a *app, opts serveTwiMLOptions) error {
	listen := opts.listen
	if listen == "" {
		listen = a.cfg.TwiML.Listen
	}
	if _, _, err := net.SplitHostPort(listen); err != nil {
		return usagef("--listen %q is not host:port (e.g. 127.0.0.1:8081)", listen)
	}
	templates, err := message.NewTemplates(a.cfg.Templates)
	if err != nil {
		return usageError{err}
	}
	if templates, err = a.localized(templates); err != nil {
		return err
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	calls, err := s.PrepareCallLookup(ctx)
	if err != nil {
		return err
	}
	defer calls.Close()
	srv, err := twiml.New(twiml.OptionsFrom(a.cfg, calls, templates, a.log))
	if err != nil {
		return usageError{err} // a configuration that cannot be served: fail closed
	}
	a.log.Info("serve-twiml", "public", srv.Routes().URL("", ""), "retry_delay", a.cfg.TwiML.RetryDelay,
		"max_call_retries", a.cfg.TwiML.MaxCallRetries, "previous_token", a.cfg.TwiML.PreviousAuthToken != "")
	return httpserver.Run(ctx, httpserver.Options{
		Addr: listen, Handler: srv.Handler(), Log: a.log, Ready: opts.ready, ShutdownTimeout: opts.shutdown,
	})
}
