package main

import (
	"context"
	"errors"
	"fmt"

	webpushgo "github.com/SherClockHolmes/webpush-go"
	"github.com/spf13/cobra"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

func newVapidCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vapid",
		Short: "Make the key pair of browser push notifications (VAPID)",
	}
	cmd.AddCommand(newVapidGenerateCmd(a))
	return cmd
}

type vapidGenerateOptions struct {
	output  string // yaml or json
	subject string
}

func newVapidGenerateCmd(a *app) *cobra.Command {
	var opts vapidGenerateOptions
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate a VAPID key pair for Web Push",
		Long: `Generate a new VAPID key pair (P-256) and print it as the lines of the
"webpush:" section of the config file. The panel gives the public key to
browsers when they subscribe; invoke signs every push with the private key.

The private key is a secret: anyone who has it can send notifications to
everyone subscribed. Keep it in a config file only pfsnotify can read
(chmod 600) or in PFSNOTIFY_WEBPUSH_PRIVATE_KEY, never in version control.
Generate a pair once: with a new pair, every browser must subscribe again.`,
		Example: `  pfsnotify vapid generate --subject mailto:admin@example.org
  pfsnotify vapid generate -o json | jq -r .public_key`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVapidGenerate(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.output, "output", "o", "yaml", "yaml (lines for the config file) or json")
	cmd.Flags().StringVar(&opts.subject, "subject", "", `contact for push services, e.g. "mailto:admin@example.org" (default: webpush.subject)`)
	return cmd
}

type vapidJSON struct {
	PublicKey  string `json:"public_key"`
	PrivateKey string `json:"private_key"`
	Subject    string `json:"subject,omitempty"`
}

const vapidYAMLHeader = `# Web Push (VAPID) key pair, made by "pfsnotify vapid generate".
# Put these lines in the config file (or set PFSNOTIFY_WEBPUSH_PUBLIC_KEY
# and PFSNOTIFY_WEBPUSH_PRIVATE_KEY). The panel gives public_key to browsers.
# private_key is a SECRET: whoever has it can push to every subscriber.
# Keep the file chmod 600 and out of version control.`

func runVapidGenerate(_ context.Context, a *app, opts vapidGenerateOptions) error {
	if opts.output != "yaml" && opts.output != "json" {
		return usagef("--output %q: use yaml or json", opts.output)
	}
	subject := opts.subject
	if subject == "" {
		subject = a.cfg.WebPush.Subject
	} else {
		c := config.Default()
		c.WebPush.Subject = subject
		var ve *config.ValidationError
		if err := c.Validate(); errors.As(err, &ve) {
			return usagef("--subject: %v", ve.Problems[0].Problem)
		}
	}
	private, public, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		return fmt.Errorf("generate vapid keys: %w", err)
	}
	if a.cfg.WebPush.PublicKey != "" {
		a.warnf("the configuration already has a VAPID key pair; with a new one, every browser must subscribe again")
	}
	if opts.output == "json" {
		return printJSON(a.stdout, vapidJSON{PublicKey: public, PrivateKey: private, Subject: subject})
	}
	a.printf("%s", vapidYAMLHeader)
	a.printf("webpush:")
	a.printf("  public_key: %q", public)
	a.printf("  private_key: %q", private)
	if subject != "" {
		a.printf("  subject: %q", subject)
	} else {
		a.printf(`  # subject: "mailto:admin@example.org"  # required to send: how push services reach you`)
	}
	return nil
}
