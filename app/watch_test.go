package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
)

// watchEnv is an App over two accounts, a and b, on in-process servers.
type watchEnv struct {
	a, b *memimap.Server
	app  *App
	logs *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newWatchEnv(t *testing.T, a, b memimap.Options) *watchEnv {
	t.Helper()
	e := &watchEnv{logs: &lockedBuffer{}}
	var yaml strings.Builder
	yaml.WriteString("me: {name: Jane Doe, addresses: [jane@example.com]}\naccounts:\n")
	for i, o := range []memimap.Options{a, b} {
		o.User, o.Password = "jane", "imap-pw"
		srv, err := memimap.Start(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		host, port, _ := strings.Cut(srv.Addr, ":")
		name := string(rune('a' + i))
		fmt.Fprintf(&yaml, "  - name: %s\n    imap: {host: %s, port: %s, security: none, username: jane, password: imap-pw}\n", name, host, port)
		if i == 0 {
			e.a = srv
		} else {
			e.b = srv
		}
	}
	yaml.WriteString("store: {path: /nonexistent/r.db}\nsync: {idle: true}\n")
	cfg, err := config.Parse([]byte(yaml.String()))
	if err != nil {
		t.Fatal(err)
	}
	e.app, err = New(cfg, Options{Logger: slog.New(slog.NewJSONHandler(e.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !e.app.DaemonConfig().Watch {
		t.Error("DaemonConfig().Watch is false with sync.idle: true")
	}
	return e
}

// watch runs Jobs.Watch; changes receives a value per changed call.
func (e *watchEnv) watch(t *testing.T) (changes chan struct{}, cancel context.CancelFunc, done chan error) {
	changes, done = make(chan struct{}, 100), make(chan error, 1)
	finished := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		done <- e.app.Jobs().Watch(ctx, func() { changes <- struct{}{} })
		close(finished)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Error("Watch did not return after the test")
		}
	})
	return changes, cancel, done
}

func within[T any](t *testing.T, c chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(d):
		t.Fatalf("no %s within %v", what, d)
		var zero T
		return zero
	}
}

func message(id string) []byte {
	return []byte("From: bob@example.com\r\nTo: jane@example.com\r\nSubject: hi\r\nMessage-ID: <" + id + ">\r\n\r\nhi\r\n")
}

// An account without IDLE is left to the interval syncs, said once; the
// other is watched.
func TestWatchSkipsAccountWithoutIdle(t *testing.T) {
	e := newWatchEnv(t, memimap.Options{}, memimap.Options{NoIdle: true})
	changes, cancel, done := e.watch(t)
	within(t, changes, 10*time.Second, "call as a's watch starts")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(e.logs.String(), `"account":"b"`) {
		if time.Now().After(deadline) {
			t.Fatalf("b's missing IDLE not logged; logs:\n%s", e.logs)
		}
		time.Sleep(10 * time.Millisecond) // polling the log
	}
	if l := e.logs.String(); !strings.Contains(l, `"level":"WARN"`) || !strings.Contains(l, "IMAP IDLE") || strings.Count(l, "\n") != 1 {
		t.Errorf("logs:\n%s", l)
	}
	if _, err := e.a.Append("INBOX", message("new@x"), nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	within(t, changes, 10*time.Second, "call for new mail in a")
	cancel()
	if err := within(t, done, 5*time.Second, "return after cancel"); !errors.Is(err, context.Canceled) {
		t.Errorf("Watch = %v, want context.Canceled", err)
	}
}

// No account with IDLE: Watch says so, for each.
func TestWatchNoAccountHasIdle(t *testing.T) {
	e := newWatchEnv(t, memimap.Options{NoIdle: true}, memimap.Options{NoIdle: true})
	_, _, done := e.watch(t)
	err := within(t, done, 10*time.Second, "return from Watch")
	if !errors.Is(err, imapsync.ErrNoIdle) || !strings.Contains(err.Error(), "account a") || !strings.Contains(err.Error(), "account b") {
		t.Errorf("Watch = %v, want ErrNoIdle for a and b", err)
	}
}

// One account's connection dropped ends the watch of both, with its error.
func TestWatchAccountDropped(t *testing.T) {
	e := newWatchEnv(t, memimap.Options{}, memimap.Options{})
	changes, _, done := e.watch(t)
	within(t, changes, 10*time.Second, "first watch start")
	within(t, changes, 10*time.Second, "second watch start")
	if n := e.b.DropConnections(); n != 1 {
		t.Fatalf("dropped %d connections of b, want 1", n)
	}
	err := within(t, done, 5*time.Second, "return from Watch")
	if err == nil || errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "account b") {
		t.Errorf("Watch = %v, want b's error", err)
	}
	if n := e.a.Connections(); n != 1 {
		t.Errorf("a had %d connections, want 1", n)
	}
}
