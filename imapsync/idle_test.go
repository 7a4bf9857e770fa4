package imapsync_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
)

// watching is a Watch running on its own goroutine.
type watching struct {
	changed  chan struct{}
	watching chan struct{}
	cancel   context.CancelFunc
	done     chan error
}

// watch starts imapsync.Watch on e's account; the test's cleanup stops it.
func watch(t *testing.T, e *env, o imapsync.WatchOptions) *watching {
	t.Helper()
	w := &watching{changed: make(chan struct{}, 100), watching: make(chan struct{}, 1), done: make(chan error, 1)}
	o.Changed = func() { w.changed <- struct{}{} }
	o.Watching = func() { w.watching <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go func() { w.done <- imapsync.Watch(ctx, e.acct, o) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-w.done:
		case <-time.After(patience):
			t.Errorf("Watch did not return within %v of the end of the test", patience)
		}
	})
	return w
}

// await waits for a value on c, failing the test after d.
func await[T any](t *testing.T, c <-chan T, d time.Duration, what string) T {
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

// returned waits for Watch to return, at most d.
func (w *watching) returned(t *testing.T, d time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	err := await(t, w.done, d, "return from Watch")
	took := time.Since(start)
	w.done <- err // for the cleanup
	return took, err
}

// New mail in INBOX, and mail removed from it, are reported within
// seconds; cancelling returns ctx's error at once.
func TestWatchReportsChanges(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	uid := e.add(t, "INBOX", plain("bob@example.com", "jane@example.com", "before", "before@x"))
	w := watch(t, e, imapsync.WatchOptions{})
	await(t, w.watching, patience, "Watching call")

	start := time.Now()
	e.add(t, "INBOX", plain("bob@example.com", "jane@example.com", "new", "new@x"))
	await(t, w.changed, 3*time.Second, "Changed call after new mail")
	t.Logf("new mail to Changed: %v", time.Since(start).Round(time.Microsecond))

	if err := e.srv.Expunge("INBOX", uid); err != nil {
		t.Fatal(err)
	}
	await(t, w.changed, 3*time.Second, "Changed call after an expunge")

	w.cancel()
	took, err := w.returned(t, 2*time.Second)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Watch after cancel = %v, want context.Canceled", err)
	}
	t.Logf("cancel to return: %v", took.Round(time.Microsecond))
}

// IDLE is ended and issued again every Refresh, and changes are still
// reported after the refreshes.
func TestWatchRefreshes(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	e.acct.CommandTimeout = stallLimit
	e.srv.Commands() // reset the counts
	w := watch(t, e, imapsync.WatchOptions{Refresh: 50 * time.Millisecond})
	await(t, w.watching, patience, "Watching call")
	deadline := time.Now().Add(patience)
	idles := 0
	for idles < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("%d IDLE commands after %v, want 4 (one per refresh)", idles, patience)
		}
		time.Sleep(10 * time.Millisecond) // polling the server's count
		idles += e.srv.Commands()["IDLE"]
	}
	e.add(t, "INBOX", plain("bob@example.com", "jane@example.com", "new", "new@x"))
	await(t, w.changed, 3*time.Second, "Changed call after the refreshes")
	select {
	case err := <-w.done:
		t.Fatalf("Watch returned while refreshing: %v", err)
	default:
	}
}

// A server without IDLE: Watch says so with an error matching ErrNoIdle
// that names the account, and never calls Watching.
func TestWatchNoIdle(t *testing.T) {
	e := newEnv(t, memimap.Options{NoIdle: true})
	w := watch(t, e, imapsync.WatchOptions{})
	_, err := w.returned(t, patience)
	if !errors.Is(err, imapsync.ErrNoIdle) {
		t.Fatalf("Watch against a server without IDLE = %v, want ErrNoIdle", err)
	}
	if !strings.Contains(err.Error(), "account work") || !strings.Contains(err.Error(), e.srv.Addr) {
		t.Errorf("error %q does not name the account and the server", err)
	}
	select {
	case <-w.watching:
		t.Error("Watching called without IDLE")
	default:
	}
	// The same server still syncs.
	e.add(t, "INBOX", plain("bob@example.com", "jane@example.com", "hi", "a@x"))
	if f := folderResult(t, e.sync(t, imapsync.Options{}), "INBOX"); f.Messages != 1 {
		t.Errorf("INBOX after a sync = %+v", f)
	}
}

// A connection the server drops while idling ends Watch at once, with an
// error that says so.
func TestWatchConnectionDropped(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	w := watch(t, e, imapsync.WatchOptions{})
	await(t, w.watching, patience, "Watching call")
	if n := e.srv.DropConnections(); n != 1 {
		t.Fatalf("dropped %d connections, want Watch's one", n)
	}
	took, err := w.returned(t, 2*time.Second)
	if err == nil || errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "account work") {
		t.Fatalf("Watch after the server dropped the connection = %v", err)
	}
	t.Logf("dropped connection to error: %v: %v", took.Round(time.Microsecond), err)
}

// A server that stops answering while rekindle idles is found out at the
// next refresh: the DONE gets no answer within the command timeout.
func TestWatchServerStalls(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	e.acct.CommandTimeout = stallLimit
	const refresh = 200 * time.Millisecond
	w := watch(t, e, imapsync.WatchOptions{Refresh: refresh})
	await(t, w.watching, patience, "Watching call")
	e.srv.StallConnections()
	took, err := w.returned(t, patience)
	var st *imapsync.StallError
	if !errors.As(err, &st) || st.Op != "DONE" {
		t.Fatalf("Watch against a stalled server = %v, want a *StallError on DONE", err)
	}
	if took > refresh+stallLimit+5*time.Second {
		t.Errorf("a stalled server found out after %v, want about refresh %v + command timeout %v", took, refresh, stallLimit)
	}
	t.Logf("stall to error: %v: %v", took.Round(time.Millisecond), err)
}

// Cancelling returns at once whatever Watch waits for: here a server that
// answers the login and nothing after it, with a command timeout far
// longer than the test.
func TestWatchCancelWhileServerStalls(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	e.acct.CommandTimeout = time.Hour
	e.srv.StallAfterLogin(true)
	w := watch(t, e, imapsync.WatchOptions{})
	// Wait until the connection is logged in and stalled; the server
	// counts the commands it read.
	deadline := time.Now().Add(patience)
	for {
		if c := e.srv.Commands(); c["CAPABILITY"]+c["EXAMINE"] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Watch sent nothing after logging in")
		}
		time.Sleep(10 * time.Millisecond) // polling the server's count
	}
	w.cancel()
	took, err := w.returned(t, 2*time.Second)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Watch = %v, want context.Canceled", err)
	}
	t.Logf("cancel to return: %v", took.Round(time.Microsecond))
}
