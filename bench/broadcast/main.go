// Command broadcast-bench sends one message to a group of 300 members with
// the real binary, as an admin would ("pfsnotify send --group ops"), and
// delivers it with two invoke processes started together, against a push
// service that decrypts every push and Twilio's fake, on MariaDB. It prints
// a Markdown table for bench/README.md: who was listed as unreachable, how
// long planning and queueing took, how long delivery took, what each
// service received and how many times, and the call rate at Twilio.
//
// The group: 120 members with a subscribed browser (preferring push), 100
// with a phone preferring texts, 40 with a phone preferring calls, 40 who
// cannot be reached (preferring push, no browser, no phone, no email).
//
// Usage (from the repository root, MariaDB on 127.0.0.1:3306):
//
//	go build -o /tmp/pfsnotify ./cmd/pfsnotify && go run ./bench/broadcast -pfsnotify /tmp/pfsnotify
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/broadcast"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush/pushtest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

type bench struct {
	binary, mysqlDSN, dir string
	env                   []string
	db                    config.Database
}

func main() {
	var b bench
	flag.StringVar(&b.binary, "pfsnotify", "/tmp/pfsnotify", "the pfsnotify binary")
	flag.StringVar(&b.mysqlDSN, "mysql", "root@tcp(127.0.0.1:3306)/", "MySQL server where the user may create databases")
	flag.Parse()
	if err := b.main(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "broadcast-bench:", err)
		os.Exit(1)
	}
}

func (b *bench) main(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "broadcast-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b.dir = dir
	private, public, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		return err
	}
	push, err := pushtest.Start("127.0.0.1:0", pushtest.Options{VAPIDPublicKey: public})
	if err != nil {
		return err
	}
	defer push.Close()
	twilio := twiliotest.Start(twiliotest.Config{})
	defer twilio.Close()
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(cert, push.CertificatePEM(), 0o600); err != nil {
		return err
	}
	db, remove, err := benchdb.Fresh(ctx, "mysql", b.mysqlDSN, "broadcast")
	if err != nil {
		return err
	}
	defer remove()
	b.db = db
	b.env = []string{"SSL_CERT_FILE=" + cert, "XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg"),
		"PFSNOTIFY_DATABASE_DRIVER=" + db.Driver, "PFSNOTIFY_DATABASE_DSN=" + db.DSN, "PFSNOTIFY_INVOKE_STATE_DIR=" + dir,
		"PFSNOTIFY_WEBPUSH_PUBLIC_KEY=" + public, "PFSNOTIFY_WEBPUSH_PRIVATE_KEY=" + private, "PFSNOTIFY_WEBPUSH_SUBJECT=ops@example.org",
		"PFSNOTIFY_PUBLIC_URL=https://notify.example.org",
		"PFSNOTIFY_TWILIO_ACCOUNT_SID=" + twiliotest.AccountSID, "PFSNOTIFY_TWILIO_AUTH_TOKEN=" + twiliotest.AuthToken,
		"PFSNOTIFY_TWILIO_FROM_NUMBER=" + twiliotest.FromNumber, "PFSNOTIFY_TWILIO_API_URL=" + twilio.URL,
		"PFSNOTIFY_TWILIO_CALLS_PER_SECOND=1", "PFSNOTIFY_INVOKE_SMS_PER_SECOND=10"}
	if err := seed(ctx, db, push); err != nil {
		return fmt.Errorf("seed: %w", err)
	}

	started := time.Now()
	out, err := b.run("send", "--group", "ops", "--title", "Run cancelled",
		"--message", "Tonight's run is cancelled: high winds.", "-o", "json")
	if err != nil {
		return err
	}
	sendTime := time.Since(started)
	var res broadcast.Result
	if err := json.Unmarshal(out, &res); err != nil {
		return fmt.Errorf("send -o json: %w", err)
	}

	started = time.Now()
	var runs []*exec.Cmd
	for range 2 {
		cmd := b.cmd("invoke", "-q")
		if err := cmd.Start(); err != nil {
			return err
		}
		runs = append(runs, cmd)
	}
	for _, cmd := range runs {
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("invoke: %w", err)
		}
	}
	deliverTime := time.Since(started)

	perPush := map[string]int{}
	for _, p := range push.Pushes() {
		perPush[p.Subscription]++
	}
	perText := map[string]int{}
	for _, m := range twilio.Messages() {
		perText[m.To]++
	}
	var created []time.Time
	perCall := map[string]int{}
	for _, c := range twilio.Calls() {
		perCall[c.To]++
		created = append(created, c.Created)
	}
	slices.SortFunc(created, time.Time.Compare)
	minGap := time.Duration(0)
	for i := 1; i < len(created); i++ {
		if gap := created[i].Sub(created[i-1]); minGap == 0 || gap < minGap {
			minGap = gap
		}
	}
	fmt.Printf("| measurement | figure |\n|---|---|\n")
	fmt.Printf("| group | 300 members: 120 push, 100 SMS, 40 call, 40 unreachable |\n")
	fmt.Printf("| `send --group ops` (process: resolve, plan, queue) | %.2f s; %d reachable, %d listed as unreachable |\n",
		sendTime.Seconds(), res.Reachable, res.Unreachable)
	fmt.Printf("| 2 × `invoke -q` started together, to the last delivery | %.1f s |\n", deliverTime.Seconds())
	fmt.Printf("| pushes received (decrypted, VAPID checked) | %d to %d browsers, most to one: %d |\n", sum(perPush), len(perPush), most(perPush))
	fmt.Printf("| texts at Twilio | %d to %d numbers, most to one: %d |\n", sum(perText), len(perText), most(perText))
	fmt.Printf("| calls at Twilio | %d to %d numbers, most to one: %d; smallest gap %s (1 call/s) |\n", sum(perCall), len(perCall),
		most(perCall), minGap.Round(time.Millisecond))
	return nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func most(m map[string]int) int {
	n := 0
	for _, v := range m {
		n = max(n, v)
	}
	return n
}

func (b *bench) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(b.binary, args...)
	cmd.Dir, cmd.Env, cmd.Stderr = b.dir, b.env, os.Stderr
	return cmd
}

func (b *bench) run(args ...string) ([]byte, error) {
	var out bytes.Buffer
	cmd := b.cmd(args...)
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pfsnotify %v: %w", args, err)
	}
	return out.Bytes(), nil
}

// seed makes the group ops: 120 members with a browser, 100 with a phone
// preferring texts, 40 preferring calls, 40 who cannot be reached.
func seed(ctx context.Context, db config.Database, push *pushtest.Server) error {
	s, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.CreateGroup(ctx, store.Group{Name: "ops"}); err != nil {
		return err
	}
	kinds := []struct {
		n       int
		channel schedule.Channel
		phone   bool
		browser bool
	}{{120, schedule.ChannelPush, false, true}, {100, schedule.ChannelSMS, true, false},
		{40, schedule.ChannelCall, true, false}, {40, schedule.ChannelPush, false, false}}
	var logins []string
	i := 0
	for _, k := range kinds {
		for range k.n {
			i++
			u := store.User{Login: fmt.Sprintf("m%03d", i), TimeZone: "America/Santiago", Language: "es-CL"}
			if k.phone {
				u.Phone = fmt.Sprintf("+56221%06d", i)
			}
			u, err := s.CreateUser(ctx, u)
			if err != nil {
				return err
			}
			if _, err := s.SetPreferences(ctx, u.ID, store.Preferences{Channels: []schedule.Channel{k.channel},
				Leads: []time.Duration{10 * time.Minute}}); err != nil {
				return err
			}
			if k.browser {
				sub := push.NewSubscription()
				if _, err := s.SavePushSubscription(ctx, store.PushSubscription{UserID: u.ID, Endpoint: sub.Endpoint,
					P256dh: sub.P256dh, Auth: sub.Auth, UserAgent: "bench"}); err != nil {
					return err
				}
			}
			logins = append(logins, u.Login)
		}
	}
	_, err = s.AddGroupMembers(ctx, "ops", logins)
	return err
}
