package tcpproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echo is a server that sends back every line it reads.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func dial(t *testing.T, p *Proxy) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// roundTrip writes a line and reads it back within wait.
func roundTrip(c net.Conn, r *bufio.Reader, line string, wait time.Duration) (string, error) {
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	c.SetReadDeadline(time.Now().Add(wait))
	defer c.SetReadDeadline(time.Time{})
	got, err := r.ReadString('\n')
	return got, err
}

func TestPauseResumeCutDown(t *testing.T) {
	p := Start(t, echo(t))
	c, r := dial(t, p)
	if got, err := roundTrip(c, r, "one", 5*time.Second); err != nil || got != "one\n" {
		t.Fatalf("forwarding: got %q, %v; want \"one\\n\"", got, err)
	}

	p.Pause()
	// Nothing comes back while paused; the short deadline only bounds how
	// long the test looks for an answer that must not come.
	if got, err := roundTrip(c, r, "two", 200*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("paused: got %q, %v; want a read timeout", got, err)
	}
	p.Resume()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := r.ReadString('\n'); err != nil || got != "two\n" {
		t.Fatalf("resumed: got %q, %v; want the held \"two\\n\"", got, err)
	}

	p.Cut()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("cut: the connection still reads; want it closed")
	}
	c2, r2 := dial(t, p)
	if got, err := roundTrip(c2, r2, "three", 5*time.Second); err != nil || got != "three\n" {
		t.Fatalf("after a cut, a new connection: got %q, %v; want \"three\\n\"", got, err)
	}

	p.Down()
	c3, r3 := dial(t, p)
	if _, err := roundTrip(c3, r3, "four", 5*time.Second); err == nil {
		t.Fatal("down: a new connection was forwarded; want it closed")
	}
	p.Up()
	c4, r4 := dial(t, p)
	if got, err := roundTrip(c4, r4, "five", 5*time.Second); err != nil || got != "five\n" {
		t.Fatalf("up again: got %q, %v; want \"five\\n\"", got, err)
	}
}
