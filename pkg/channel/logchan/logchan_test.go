package logchan_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/logchan"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

var (
	start = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) // 09:00 in Tokyo
	now   = start.Add(-10 * time.Minute)
)

var _ dispatch.Channel = (*logchan.Channel)(nil)

func templates(t *testing.T) *message.Templates {
	t.Helper()
	tmpl, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func sample() message.Message {
	return message.Message{
		DeliveryID: 42, Kind: message.KindReminder, Channel: "push",
		To:    message.Recipient{Login: "alice", Name: "Alice Liddell", TimeZone: "Asia/Tokyo"},
		Title: "Detector review", Note: "Room 4-S-030", StartAt: start,
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *message.Message)
		want   string
	}{
		{"reminder", func(*message.Message) {},
			`2026-11-30T23:50:00Z delivery=42 channel=push kind=reminder user=alice title="Detector review in 10 minutes" body="Tue 1 Dec 2026 09:00 JST\nRoom 4-S-030"` + "\n"},
		{"cancelled, no channel", func(m *message.Message) { m.Kind, m.Channel, m.Note = message.KindCancelled, "", "" },
			`2026-11-30T23:50:00Z delivery=42 kind=cancelled user=alice title="Cancelled: Detector review" body="Planned for Tue 1 Dec 2026 09:00 JST"` + "\n"},
		{"odd login and title stay on one line", func(m *message.Message) { m.To.Login, m.Title, m.Note = "a b", "x\ny", "" },
			`2026-11-30T23:50:00Z delivery=42 channel=push kind=reminder user="a b" title="x\ny in 10 minutes" body="Tue 1 Dec 2026 09:00 JST"` + "\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		ch := logchan.New(&buf, templates(t), func() time.Time { return now })
		m := sample()
		tt.change(&m)
		rcpt, err := ch.Send(context.Background(), m)
		if err != nil || rcpt.Target != "log" {
			t.Errorf("%s: got %+v, %v; want target log, no error", tt.name, rcpt, err)
		}
		if got := buf.String(); got != tt.want {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteFailure(t *testing.T) {
	ch := logchan.New(failingWriter{}, templates(t), nil)
	_, err := ch.Send(context.Background(), sample())
	if got, _ := message.Classify(err); err == nil || !strings.Contains(err.Error(), "disk full") || got != message.OutcomeRetry {
		t.Errorf("got %v (outcome %v); want the write error, to retry", err, got)
	}
}

func TestConcurrentLinesDoNotInterleave(t *testing.T) {
	var buf bytes.Buffer
	ch := logchan.New(&buf, templates(t), func() time.Time { return now })
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := ch.Send(context.Background(), sample()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 50 {
		t.Fatalf("got %d lines; want 50", len(lines))
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "2026-11-30T23:50:00Z delivery=42 ") || !strings.HasSuffix(line, `Room 4-S-030"`) {
			t.Errorf("got line %q; want one whole message", line)
		}
	}
}
