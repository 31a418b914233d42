package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush/pushtest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// mainVar, set in a child's environment, makes the test binary pfsnotify
// itself: the fault tests run `pfsnotify invoke` as a real process, which
// they can kill, without building another binary.
const mainVar = "PFSNOTIFY_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainVar) == "1" {
		os.Unsetenv(mainVar)
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Environ()))
	}
	os.Exit(m.Run())
}

// faultFixture is a database with due Web Push reminders, a push service
// that decrypts every push, and what a child invoke needs to reach them.
type faultFixture struct {
	t     *testing.T
	db    config.Database // what the children use (through a proxy, if any)
	admin config.Database // the test's own way in
	push  *pushtest.Server
	env   []string
	dir   string
}

func newFaultFixture(t *testing.T, admin, db config.Database) *faultFixture {
	t.Helper()
	storetest.Open(t, admin) // migrated
	private, public, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	push := pushtest.New(t, pushtest.Options{VAPIDPublicKey: public})
	dir := t.TempDir()
	cert := filepath.Join(dir, "push-cert.pem")
	if err := os.WriteFile(cert, push.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	return &faultFixture{t: t, db: db, admin: admin, push: push, dir: dir, env: []string{
		mainVar + "=1",
		"SSL_CERT_FILE=" + cert,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg"),
		"PFSNOTIFY_DATABASE_DRIVER=" + db.Driver,
		"PFSNOTIFY_DATABASE_DSN=" + db.DSN,
		"PFSNOTIFY_WEBPUSH_PUBLIC_KEY=" + public,
		"PFSNOTIFY_WEBPUSH_PRIVATE_KEY=" + private,
		"PFSNOTIFY_WEBPUSH_SUBJECT=ops@example.org",
		"PFSNOTIFY_INVOKE_STATE_DIR=" + state,
		"PFSNOTIFY_INVOKE_CONCURRENCY=8",
		"PFSNOTIFY_INVOKE_LEASE=10s",
		"PFSNOTIFY_INVOKE_HTTP_TIMEOUT=5s",
		"PFSNOTIFY_INVOKE_DB_TIMEOUT=5s",
	}}
}

// seedPushes registers users (one browser each) for an event in three
// hours with 10 push reminders each, n in all, and makes them all due.
func (f *faultFixture) seedPushes(n int) {
	f.t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, f.admin)
	if err != nil {
		f.t.Fatal(err)
	}
	defer s.Close()
	leads := make([]time.Duration, 10)
	for i := range leads {
		leads[i] = time.Duration(i+1) * time.Minute
	}
	start := time.Now().Add(3 * time.Hour)
	for i := range n / len(leads) {
		u, err := s.CreateUser(ctx, store.User{Login: fmt.Sprintf("member%04d", i), TimeZone: "Europe/Zurich", Language: "en"})
		if err != nil {
			f.t.Fatal(err)
		}
		sub := f.push.NewSubscription()
		if _, err := s.SavePushSubscription(ctx, store.PushSubscription{UserID: u.ID, Endpoint: sub.Endpoint,
			P256dh: sub.P256dh, Auth: sub.Auth, UserAgent: "test"}); err != nil {
			f.t.Fatal(err)
		}
		if _, _, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, Title: "Collaboration meeting",
			StartAt: start, TimeZone: "Europe/Zurich", Channels: []schedule.Channel{schedule.ChannelPush}, Leads: leads,
			CreatedBy: "test"}); err != nil {
			f.t.Fatal(err)
		}
	}
	if _, err := f.exec(`UPDATE deliveries SET next_attempt_at = ?`, time.Now().UTC().Add(-time.Minute).Truncate(time.Microsecond)); err != nil {
		f.t.Fatal(err)
	}
}

// exec runs a statement on the test's own connection.
func (f *faultFixture) exec(query string, args ...any) (sql.Result, error) {
	raw, err := sql.Open(f.admin.Driver, f.admin.DSN)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	return raw.ExecContext(context.Background(), query, args...)
}

// states counts deliveries per state.
func (f *faultFixture) states() map[string]int {
	f.t.Helper()
	raw, err := sql.Open(f.admin.Driver, f.admin.DSN)
	if err != nil {
		f.t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT state, COUNT(*) FROM deliveries GROUP BY state`)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			f.t.Fatal(err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// receptions counts the pushes the service accepted per delivery.
func (f *faultFixture) receptions() map[int64]int {
	f.t.Helper()
	out := map[int64]int{}
	for _, p := range f.push.Pushes() {
		var payload struct {
			DeliveryID int64 `json:"delivery_id"`
		}
		if err := json.Unmarshal(p.Payload, &payload); err != nil || payload.DeliveryID == 0 {
			f.t.Fatalf("a push without a delivery id: %q (%v)", p.Payload, err)
		}
		out[payload.DeliveryID]++
	}
	return out
}

// repeats is how many pushes arrived more than once, in all.
func repeats(received map[int64]int) int {
	n := 0
	for _, c := range received {
		n += c - 1
	}
	return n
}

// child is a pfsnotify process.
type child struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	started        time.Time
	ended          time.Time
}

// start runs pfsnotify with args in the background.
func (f *faultFixture) start(args ...string) *child {
	f.t.Helper()
	c := &child{cmd: exec.Command(os.Args[0], args...), done: make(chan struct{})}
	c.cmd.Dir = f.dir
	c.cmd.Env = f.env
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	c.started = time.Now()
	if err := c.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		c.ended = time.Now()
		close(c.done)
	}()
	f.t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// wait waits for the child to exit, at most limit, and returns its status.
func (c *child) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("pfsnotify %v did not exit within %s\nstderr: %s", c.cmd.Args[1:], limit, c.stderr.String())
		return -1
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.done
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond) // the poll's pace; cond decides
	}
}

// invokeUntilAllSent runs invoke --loop until every delivery is sent (the
// claims of killed runs are taken over once their lease, 10 s, has passed),
// then stops it as systemd would.
func (f *faultFixture) invokeUntilAllSent(n int) {
	f.t.Helper()
	c := f.start("invoke", "--loop", "--interval", "1s", "-q")
	waitFor(f.t, 90*time.Second, fmt.Sprintf("all %d deliveries sent", n), func() bool {
		return f.states()["sent"] == n
	})
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		f.t.Fatal(err)
	}
	if code := c.wait(f.t, time.Minute); code != 0 {
		f.t.Fatalf("invoke --loop after the faults: exit %d: %s", code, c.stderr.String())
	}
}

// journalsLeft lists the journals in the children's state directory.
func (f *faultFixture) journalsLeft() []string {
	f.t.Helper()
	paths, err := filepath.Glob(filepath.Join(f.dir, "state", "*.journal"))
	if err != nil {
		f.t.Fatal(err)
	}
	return paths
}
