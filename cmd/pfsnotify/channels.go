package main

import (
	"net/http"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/email"
	"github.com/pfsnotify/pfsnotify/pkg/channel/logchan"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliocall"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliosms"
	"github.com/pfsnotify/pfsnotify/pkg/channel/webhook"
	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// channels builds the channels the configuration sets up. A channel left
// unconfigured is absent: its deliveries fall back to the registration's
// next channel, with the reason in the delivery log. The channels speak
// templates, given in the deployment's languages (see localized).
func (a *app) channels(s *store.Store, templates *message.Templates) (map[schedule.Channel]dispatch.Channel, error) {
	cfg := a.cfg
	httpClient := &http.Client{Timeout: cfg.Invoke.HTTPTimeout}
	channels := map[schedule.Channel]dispatch.Channel{
		schedule.ChannelLog: logchan.New(a.stdout, templates, time.Now),
	}
	if cfg.SetsUp(schedule.ChannelPush) {
		ch, err := webpush.New(webpush.Options{Subscriptions: s, PublicKey: cfg.WebPush.PublicKey,
			PrivateKey: cfg.WebPush.PrivateKey, Subject: cfg.WebPush.Subject,
			HTTPClient: webpush.NewHTTPClient(cfg.Invoke.HTTPTimeout, cfg.Invoke.Concurrency),
			Templates:  templates, PerHostRPS: cfg.Invoke.PushPerHostRPS, Log: a.log})
		if err != nil {
			return nil, err
		}
		channels[schedule.ChannelPush] = ch
	}
	if cfg.SetsUp(schedule.ChannelEmail) {
		ch, err := email.New(email.Options{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From, TLS: cfg.SMTP.TLS, Timeout: cfg.Invoke.HTTPTimeout,
			Templates: templates})
		if err != nil {
			return nil, err
		}
		channels[schedule.ChannelEmail] = ch
	}
	if cfg.SetsUp(schedule.ChannelCall) { // and sms: one Twilio account
		call, err := twiliocall.New(twiliocall.OptionsFrom(cfg, httpClient, templates))
		if err != nil {
			return nil, err
		}
		smsOpts := twiliosms.OptionsFrom(cfg, httpClient, templates)
		smsOpts.OptOuts = s // numbers that answered STOP are not texted
		sms, err := twiliosms.New(smsOpts)
		if err != nil {
			return nil, err
		}
		channels[schedule.ChannelCall], channels[schedule.ChannelSMS] = call, sms
	}
	if cfg.SetsUp(schedule.ChannelWebhook) {
		ch, err := webhook.New(webhook.Options{URL: cfg.Webhook.URL, HTTPClient: httpClient, Templates: templates})
		if err != nil {
			return nil, err
		}
		channels[schedule.ChannelWebhook] = ch
	}
	return channels, nil
}

// localized gives templates the deployment's languages: the shipped
// catalogues with the override files of languages.dir, defaults.language
// as the fallback, and the voices of twilio.voices and twilio.voice. A
// broken override file is a configuration error here, at start.
func (a *app) localized(t *message.Templates) (*message.Templates, error) {
	cat, err := locale.LoadConfig(a.cfg)
	if err != nil {
		return nil, usageError{err}
	}
	if files := cat.Overrides(); len(files) > 0 {
		a.log.Debug("message catalogue overrides", "files", files)
	}
	t, err = t.Localized(cat)
	if err != nil {
		return nil, usageError{err}
	}
	return t, nil
}
