// Command pushfake runs the test push service of pkg/channel/webpush/pushtest
// in its own process, for the invoke throughput benchmark: invoke and bare
// webpush-go sends push to it over loopback HTTPS, as to a real push service.
//
// Usage:
//
//	pushfake [-addr 127.0.0.1:8443] [-n 10000] [-subs subs.jsonl] [-cert cert.pem]
//	         [-vapid-public-key KEY] [-skip-verify]
//
// It listens on -addr (its TLS certificate is valid for 127.0.0.1 and ::1),
// creates -n subscriptions and writes them to -subs as JSON lines
// ({"id", "endpoint", "p256dh", "auth"}: what a browser would send; load them
// into push_subscriptions), writes its certificate to -cert, prints "ready
// <URL>" on standard output, and serves until SIGINT or SIGTERM, when it
// prints its counts as JSON.
//
// Clients must trust the certificate: run invoke with SSL_CERT_FILE=cert.pem
// (Go reads it on Linux in place of the system roots).
//
// With -vapid-public-key, a push signed with another key is refused (403) as
// a real push service refuses it. Every push's VAPID JWT is verified and its
// body decrypted unless -skip-verify, which makes the service cheaper so that
// the benchmark measures the sender.
//
// While it runs:
//
//	curl --cacert cert.pem -X POST 'https://127.0.0.1:8443/subscriptions?n=100'  # 100 more, JSON lines
//	curl --cacert cert.pem https://127.0.0.1:8443/stats                          # counts so far
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush/pushtest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pushfake:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pushfake", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8443", "address to listen on")
	n := fs.Int("n", 0, "subscriptions to create at start")
	subsPath := fs.String("subs", "subs.jsonl", "file to write the subscriptions to, one JSON object per line (- for standard output)")
	certPath := fs.String("cert", "", "file to write the TLS certificate to (PEM), for SSL_CERT_FILE")
	vapidKey := fs.String("vapid-public-key", "", "the application server key pushes must be signed with (base64url); empty: any")
	skipVerify := fs.Bool("skip-verify", false, "accept pushes without checking the JWT or decrypting them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := pushtest.Start(*addr, pushtest.Options{VAPIDPublicKey: *vapidKey, SkipVerify: *skipVerify})
	if err != nil {
		return err
	}
	defer srv.Close()
	if *certPath != "" {
		if err := os.WriteFile(*certPath, srv.CertificatePEM(), 0o644); err != nil {
			return err
		}
	}
	if *n > 0 {
		if err := writeSubscriptions(srv, *n, *subsPath, stdout); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, "ready", srv.URL)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return json.NewEncoder(stdout).Encode(srv.Stats())
}

func writeSubscriptions(srv *pushtest.Server, n int, path string, stdout io.Writer) (err error) {
	w := stdout
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for range n {
		if err := enc.Encode(srv.NewSubscription()); err != nil {
			return err
		}
	}
	return bw.Flush()
}
