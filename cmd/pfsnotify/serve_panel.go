package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/panel"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func newServePanelCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve-panel [--listen 127.0.0.1:8080]",
		Short: "Serve the members' web control panel (behind nginx)",
		Long: `Serve the web control panel where members sign in, register for events,
make rules, subscribe their browsers to notifications and read their inbox;
admins see everyone. It also serves the JSON API under /api/v1/, the
acknowledge links of notifications (/ack/...), /healthz and /metrics.

Run it behind nginx (TLS), which should not expose /metrics. Sign-in is by
password ("pfsnotify user passwd LOGIN") and/or by a header a trusted proxy
sets (panel.proxy_user_header, panel.trusted_proxies). SIGTERM or SIGINT
finishes the requests under way and stops.

When the database cannot be reached or does not answer within 4 seconds,
pages, the API and /healthz answer 503 with "Retry-After: 5" (and the log
says why) instead of hanging; once it answers again, so does the panel,
without a restart.`,
		Example: `  pfsnotify serve-panel
  pfsnotify serve-panel --listen 127.0.0.1:8081
  # the first admin, from the shell:
  pfsnotify user add root --role admin && pfsnotify user passwd root`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServePanel(cmd.Context(), a)
		},
	}
	cmd.Flags().String("listen", "", "address to listen on, host:port (panel.listen; default 127.0.0.1:8080)")
	if err := a.v.BindPFlag("panel.listen", cmd.Flags().Lookup("listen")); err != nil {
		panic(err) // a programming error: the flag is defined just above
	}
	return cmd
}

func runServePanel(ctx context.Context, a *app) error {
	// The panel speaks the catalogues too: a broken languages.dir file is a
	// configuration error before anything else.
	if _, err := locale.LoadConfig(a.cfg); err != nil {
		return usageError{err}
	}
	s, err := a.openCurrentStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	p, err := panel.New(ctx, panel.Options{
		Store: s, Config: a.cfg, Log: a.log, Registry: registry,
		ApplyRule: func(ctx context.Context, r store.Rule) error {
			_, err := calsync.ApplyRule(ctx, s, r, calsync.OptionsFromConfig(a.cfg.Calsync), time.Now())
			return err
		},
		ApplyGroupRules: func(ctx context.Context, f store.MemberRuleFilter) error {
			_, err := calsync.ApplyGroupRules(ctx, s, f, calsync.OptionsFromConfig(a.cfg.Calsync), time.Now())
			return err
		},
	})
	if err != nil {
		return err
	}
	defer p.Close()
	go p.Maintain(ctx, time.Hour)
	return httpserver.Run(ctx, httpserver.Options{Addr: a.cfg.Panel.Listen, Handler: p, Log: a.log, OnShutdown: p.CloseStreams})
}
