package config

import (
	htmltemplate "html/template"
	"math"
	"net/url"
	"reflect"
	"text/template"
	"time"
)

func (p *problems) webhook(w Webhook) {
	if w.URL != "" && !isHTTPURL(w.URL) {
		p.add("webhook.url", "is not an http(s) URL (the value is not shown: it holds a credential)")
	}
}

func (p *problems) invoke(i Invoke) {
	positive := func(key string, n int, hint string) {
		if n < 1 {
			p.add(key, "%d is too small (%s)", n, hint)
		}
	}
	positive("invoke.concurrency", i.Concurrency, "use 1 or more; 8 is the default")
	positive("invoke.batch_size", i.BatchSize, "use 1 or more; 100 is the default")
	positive("invoke.max_attempts", i.MaxAttempts, "use 1 or more; 5 is the default")
	if i.BatchSize > MaxBatchSize {
		p.add("invoke.batch_size", "%d is too large (at most %d: a claim names every delivery of its batch in one statement)", i.BatchSize, MaxBatchSize)
	}
	atLeast := func(key string, d, min time.Duration) {
		if d < min {
			p.add(key, "%s is too short (use %s or more)", d, min)
		}
	}
	atLeast("invoke.lease", i.Lease, 10*time.Second)
	atLeast("invoke.backoff_base", i.BackoffBase, time.Second)
	atLeast("invoke.backoff_max", i.BackoffMax, i.BackoffBase)
	atLeast("invoke.interval", i.Interval, time.Second)
	atLeast("invoke.http_timeout", i.HTTPTimeout, time.Second)
	atLeast("invoke.call_lookahead", i.CallLookahead, time.Minute)
	atLeast("invoke.db_timeout", i.DBTimeout, time.Second)
	if i.DBTimeout >= i.Lease {
		p.add("invoke.db_timeout", "%s must be shorter than invoke.lease (%s)", i.DBTimeout, i.Lease)
	}
	if i.Lease <= i.HTTPTimeout {
		p.add("invoke.lease", "%s must be longer than invoke.http_timeout (%s), or a slow send loses its claim", i.Lease, i.HTTPTimeout)
	}
	for key, rate := range map[string]float64{"invoke.push_per_host_rps": i.PushPerHostRPS, "invoke.sms_per_second": i.SMSPerSecond} {
		if !(rate > 0) || math.IsInf(rate, 1) {
			p.add(key, "%g is not a positive number", rate)
		}
	}
}

// templates checks that each template given parses; what it may refer to is
// checked when pfsnotify renders it with sample data at start.
func (p *problems) templates(t Templates) {
	v := reflect.ValueOf(t)
	for i := range v.NumField() {
		text := v.Field(i).String()
		if text == "" {
			continue
		}
		key := "templates." + v.Type().Field(i).Tag.Get("mapstructure")
		var err error
		if key == "templates.email_html" {
			_, err = htmltemplate.New(key).Parse(text)
		} else {
			_, err = template.New(key).Parse(text)
		}
		if err != nil {
			p.add(key, "does not parse: %v", err)
		}
	}
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
