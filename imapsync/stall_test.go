package imapsync_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/store"
)

// stallLimit is the command timeout of these tests: short, so that they
// run fast; patience bounds how long anything may take.
const (
	stallLimit = 300 * time.Millisecond
	patience   = 15 * time.Second
)

// syncWithin runs a sync and fails the test if it outlasts patience.
func syncWithin(t *testing.T, e *env, opts imapsync.Options) (*imapsync.Result, time.Duration, error) {
	t.Helper()
	type out struct {
		res *imapsync.Result
		err error
	}
	done := make(chan out, 1)
	start := time.Now()
	go func() {
		res, err := imapsync.Sync(context.Background(), e.acct, e.db, opts)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, time.Since(start), o.err
	case <-time.After(patience):
		t.Fatalf("the sync did not return within %v", patience)
		return nil, 0, nil
	}
}

// A server that answers LOGIN and then nothing: the sync fails in bounded
// time, with an error naming the account, the server and the command
// that got no answer; over TLS too.
func TestSyncServerStallsAfterLogin(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			e := newEnv(t, memimap.Options{TLS: useTLS})
			if useTLS {
				pool := x509.NewCertPool()
				pool.AppendCertsFromPEM(e.srv.CAPEM)
				e.acct.TLS = &tls.Config{RootCAs: pool}
			}
			e.add(t, "INBOX", plain("bob@example.com", "jane@example.com", "hi", "a@x"))
			e.acct.CommandTimeout = stallLimit
			e.srv.StallAfterLogin(true)

			_, took, err := syncWithin(t, e, imapsync.Options{})
			var st *imapsync.StallError
			if !errors.As(err, &st) {
				t.Fatalf("err = %v, want a *StallError", err)
			}
			for _, want := range []string{"account work", e.srv.Addr, "no answer to ", "for 300ms", "next sync resumes"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			t.Logf("stalled server to error: %v (command timeout %v): %v", took.Round(time.Millisecond), stallLimit, err)

			// Once the server answers again, so does the sync.
			e.srv.StallAfterLogin(false)
			res := e.sync(t, imapsync.Options{})
			if f := folderResult(t, res, "INBOX"); f.Messages != 1 {
				t.Errorf("INBOX after the stall = %+v", f)
			}
		})
	}
}

// A server that stops in the middle of a FETCH: the error names the
// FETCH and its folder, and the next sync completes with no gap.
func TestSyncServerStallsInFetch(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	const n = 300
	for i := range n {
		e.add(t, "Archive", plain("bob@example.com", "jane@example.com", fmt.Sprintf("m %d", i), fmt.Sprintf("f%d@x", i)))
	}
	e.acct.CommandTimeout = stallLimit
	e.acct.Include = []string{"Archive"}
	e.srv.StallNextAfter(30_000)
	opts := imapsync.Options{BatchSize: 50, SplitAt: -1}
	_, took, err := syncWithin(t, e, opts)
	if err == nil || !strings.Contains(err.Error(), "no answer to UID FETCH in Archive for 300ms") || !strings.Contains(err.Error(), "account work") {
		t.Fatalf("err = %v, want no answer to UID FETCH in Archive", err)
	}
	t.Logf("stall in FETCH to error: %v", took.Round(time.Millisecond))
	res := e.sync(t, opts)
	if f := folderResult(t, res, "Archive"); f.Messages != n {
		t.Errorf("Archive after the stall = %+v, want %d messages", f, n)
	}
}

// A slow server that keeps sending is not cut, however long the FETCH
// takes: only silence counts.
func TestSyncSlowServerIsNotCut(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	const n = 50
	for i := range n {
		e.add(t, "Archive", plain("bob@example.com", "jane@example.com", fmt.Sprintf("m %d", i), fmt.Sprintf("s%d@x", i)))
	}
	e.acct.CommandTimeout = stallLimit
	e.acct.Include = []string{"Archive"}
	// A KB every 20ms: the FETCH (about a KB a message) takes about a
	// second, several times the command timeout.
	e.srv.Throttle(1024, 20*time.Millisecond)
	res, took, err := syncWithin(t, e, imapsync.Options{SplitAt: -1})
	if err != nil {
		t.Fatalf("a slow but steady server was cut: %v", err)
	}
	if f := folderResult(t, res, "Archive"); f.Messages != n {
		t.Errorf("Archive = %+v, want %d messages", f, n)
	}
	if took < 2*stallLimit {
		t.Fatalf("the throttled sync took %v, not beyond the %v command timeout: the test proves nothing", took, stallLimit)
	}
	t.Logf("throttled sync: %v with a %v command timeout", took.Round(time.Millisecond), stallLimit)
}

// Connect gives up on a server that greets and then does not answer
// LOGIN, or does not even finish its greeting, naming what it waited for.
func TestConnectStalls(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	e.acct.CommandTimeout = stallLimit
	e.acct.DialTimeout = stallLimit
	// The greeting's length, to stall right after it.
	c, err := net.Dial("tcp", e.srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	greeting, err := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		after int64
		want  string
	}{
		{int64(len(greeting)), "no answer to LOGIN for 300ms"},
		{1, "no answer to the greeting for 300ms"},
	} {
		e.srv.StallNextAfter(tc.after)
		start := time.Now()
		_, err := imapsync.Connect(context.Background(), e.acct, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "account work") {
			t.Errorf("stalled after %d bytes: err = %v, want %q", tc.after, err, tc.want)
		}
		if d := time.Since(start); d > patience {
			t.Errorf("Connect took %v", d)
		}
	}
}

// Plan (for rekindle check) and AppendDrafts, which do not name their
// commands, are bounded all the same.
func TestUnnamedCommandsStall(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	e.acct.CommandTimeout = stallLimit
	e.srv.StallAfterLogin(true)
	for name, run := range map[string]func() error{
		"Plan": func() error { _, err := imapsync.Plan(context.Background(), e.acct, nil); return err },
		"AppendDrafts": func() error {
			_, err := imapsync.AppendDrafts(context.Background(), e.acct, [][]byte{[]byte("Subject: x\r\n\r\nhi\r\n")}, imapsync.DraftOptions{})
			return err
		},
	} {
		done := make(chan error, 1)
		go func() { done <- run() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "no answer to a command for 300ms") || !strings.Contains(err.Error(), "account work") {
				t.Errorf("%s: err = %v, want no answer to a command for 300ms", name, err)
			}
			t.Logf("%s: %v", name, err)
		case <-time.After(patience):
			t.Fatalf("%s did not return within %v", name, patience)
		}
	}
}

// The next folder's EXAMINE and UID FETCH go out while the current
// folder's FETCH is still answered, so that the server goes from one
// folder to the next without waiting a round trip: a server that stalls
// half-way through the first folder's FETCH has received both folders'
// commands. The stall is still the first FETCH's, and the next sync
// stores every message of both, once.
func TestSyncSendsNextFolderAhead(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	const n = 300
	for i := range n {
		e.add(t, "Archive", plain("bob@example.com", "jane@example.com", fmt.Sprintf("a %d", i), fmt.Sprintf("a%d@x", i)))
		e.add(t, "Lists/go-nuts", plain("list@example.org", "jane@example.com", fmt.Sprintf("l %d", i), fmt.Sprintf("l%d@x", i)))
	}
	e.acct.CommandTimeout = stallLimit
	e.acct.Include = []string{"Archive", "Lists/go-nuts"}
	e.acct.Exclude = []string{"Sent"}
	opts := imapsync.Options{BatchSize: 50, SplitAt: -1}
	before := e.srv.Commands()
	e.srv.StallNextAfter(30_000) // part-way through Archive's FETCH
	res, _, err := syncWithin(t, e, opts)
	if err == nil || !strings.Contains(err.Error(), "no answer to UID FETCH in Archive") {
		t.Fatalf("err = %v, want no answer to UID FETCH in Archive", err)
	}
	after := e.srv.Commands()
	if got := after["EXAMINE"] - before["EXAMINE"]; got != 2 {
		t.Errorf("the server received %d EXAMINE commands before it stalled in the first folder's FETCH; want 2 (the next folder's sent ahead)", got)
	}
	if got := after["UID FETCH"] - before["UID FETCH"]; got != 2 {
		t.Errorf("the server received %d UID FETCH commands before it stalled; want 2", got)
	}
	if len(res.Folders) != 1 || res.Folders[0].Folder != "Archive" {
		t.Errorf("folders of the stalled sync: %+v; want Archive alone", res.Folders)
	}

	res = e.sync(t, opts)
	for _, name := range []string{"Archive", "Lists/go-nuts"} {
		if f := folderResult(t, res, name); f.Messages != n {
			t.Errorf("%s after the stall = %+v, want %d messages", name, f, n)
		}
	}
	seen := map[string]int{}
	e.db.EachMessage(context.Background(), time.Time{}, func(s *store.Stored) error { seen[s.MessageID]++; return nil })
	if len(seen) != 2*n {
		t.Errorf("%d messages stored, want %d", len(seen), 2*n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("%s stored %d times", id, k)
		}
	}
}
