package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rekindle/rekindle/daemon"
)

// notifySocket listens on a unixgram socket as systemd does and collects
// the datagrams.
type notifySocket struct {
	path string
	mu   sync.Mutex
	got  []string
}

// daemonEnv is the env of a daemon under test: config cfg, sd_notify to
// ns, output and text logs to logs, reloads on reload (nil: none).
func daemonEnv(cfg string, ns *notifySocket, logs *syncBuf, reload <-chan struct{}) *env {
	e := &env{stdin: strings.NewReader(""), stdout: logs, stderr: logs, configPath: cfg, now: time.Now, reload: reload,
		getenv: func(k string) string {
			if k == "NOTIFY_SOCKET" {
				return ns.path
			}
			return os.Getenv(k)
		}}
	e.log, _ = newLogger(logs, "text", false, false)
	return e
}

func listenNotify(t *testing.T) *notifySocket {
	t.Helper()
	ns := &notifySocket{path: filepath.Join(t.TempDir(), "notify.sock")}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: ns.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			ns.mu.Lock()
			ns.got = append(ns.got, string(buf[:n]))
			ns.mu.Unlock()
		}
	}()
	return ns
}

func (ns *notifySocket) all() string {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return strings.Join(ns.got, "\n")
}

// syncBuf is a bytes.Buffer safe for the daemon's logger and the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The daemon end to end: in-process IMAP and SMTP, a schedule firing every
// second of a manual clock; it syncs, sends one digest for the day,
// reloads (and keeps running on a bad config), talks to systemd's notify
// socket, and stops within its bound.
func TestRunDaemon(t *testing.T) {
	de := newDigestEnv(t)
	orig, _ := os.ReadFile(de.cfg)
	good := strings.Replace(string(orig), "digest: {to: jane@example.com}",
		`digest: {to: jane@example.com, schedule: "* * * * * *", timezone: UTC}`+"\nsync: {interval: 1m}", 1)
	if err := os.WriteFile(de.cfg, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	ns := listenNotify(t)
	logs := &syncBuf{}
	reload := make(chan struct{}, 1)
	e := daemonEnv(de.cfg, ns, logs, reload)
	t0 := time.Now().UTC().Truncate(time.Second)
	clk := daemon.NewManualClock(t0)
	e.clock = clk

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runDaemon(ctx, e) }()

	waitFor(t, "READY=1", 10*time.Second, func() bool { return strings.Contains(ns.all(), "READY=1") })
	clk.Set(t0.Add(time.Second))
	waitFor(t, "the digest", 30*time.Second, func() bool { return len(de.smtp.Messages()) == 1 })
	checkDigestMessage(t, de.smtp.Messages()[0].Data)
	// The log says what went where.
	waitFor(t, "the digest's log line", 10*time.Second, func() bool {
		return strings.Contains(logs.String(), `msg="digest sent"`)
	})
	if l := lineWith(logs.String(), `msg="digest sent"`); !strings.Contains(l, "to=jane@example.com") || !strings.Contains(l, "people=") {
		t.Errorf("digest log line: %s", l)
	}
	if !strings.Contains(ns.all(), "STATUS=") {
		t.Errorf("no STATUS= sent: %q", ns.all())
	}
	// The schedule keeps firing every second: the day's digest is not sent again.
	const again = "already handled by this process"
	for i := 2; i <= 3; i++ {
		before := strings.Count(logs.String(), again)
		clk.Set(t0.Add(time.Duration(i) * time.Second))
		waitFor(t, "the digest due again", 10*time.Second, func() bool { return strings.Count(logs.String(), again) > before })
	}
	if n := len(de.smtp.Messages()); n != 1 {
		t.Errorf("%d digests in one day, want 1", n)
	}

	// A reload with a broken config keeps the old one running.
	os.WriteFile(de.cfg, []byte(good+"\nbogus_key: 1\n"), 0o600)
	reload <- struct{}{}
	waitFor(t, "the failed reload to be logged", 10*time.Second, func() bool { return strings.Contains(logs.String(), "bogus_key") })
	// The datagram was sent before the log line, but the socket's reader
	// may not have taken it yet.
	waitFor(t, "RELOADING=1", 10*time.Second, func() bool { return strings.Contains(ns.all(), "RELOADING=1") })
	select {
	case err := <-done:
		t.Fatalf("the daemon stopped after a bad reload: %v", err)
	default:
	}
	// A good reload is taken.
	os.WriteFile(de.cfg, []byte(good), 0o600)
	before := strings.Count(ns.all(), "READY=1")
	reload <- struct{}{}
	waitFor(t, "READY=1 after the reload", 10*time.Second, func() bool { return strings.Count(ns.all(), "READY=1") > before })

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the daemon did not stop within 15 s")
	}
	t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
	waitFor(t, "STOPPING=1", 10*time.Second, func() bool { return strings.Contains(ns.all(), "STOPPING=1") })
	if strings.Contains(logs.String(), "imap-pw") || strings.Contains(logs.String(), "smtp-pw") {
		t.Error("a password appears in the daemon's logs")
	}
}

// lineWith returns the first line of s holding sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
