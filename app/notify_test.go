package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rekindle/rekindle/notify"
)

// TestPushes: after the digest goes out, the ntfy topic gets the short
// push (who, in first names; a tap opens the mail) and the webhook the
// digest's JSON; a push that fails is a note, never a lost digest.
func TestPushes(t *testing.T) {
	var (
		mu    sync.Mutex
		got   = map[string]*http.Request{}
		body  = map[string]string{}
		calls = map[string]int{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		got[r.URL.Path], body[r.URL.Path] = r, string(b)
		calls[r.URL.Path]++
		if r.URL.Path == "/broken" {
			http.Error(w, "no such hook", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	e := newTestEnv(t, "digest: {to: jane@example.com}\n"+
		"timeouts: {secret_command: 5s}\n"+
		"notify:\n"+
		"  - ntfy: "+srv.URL+"/jane-rekindle\n"+
		"    headers: {Authorization: {password_command: \"echo Bearer tk_1\"}}\n"+
		"  - webhook: "+srv.URL+"/hook\n"+
		"  - webhook: "+srv.URL+"/broken\n")
	a := e.synced(t, Options{})
	res, err := a.SendDigest(context.Background(), time.Now(), SendOptions{NotifyRetry: notify.Retry{Attempts: 2, Backoff: time.Millisecond}})
	if err != nil || !res.Sent {
		t.Fatalf("the digest: %+v, %v", res, err)
	}
	if n := len(e.smtp.Messages()); n != 1 {
		t.Errorf("%d digests delivered", n)
	}
	mu.Lock()
	defer mu.Unlock()
	push := got["/jane-rekindle"]
	if push == nil {
		t.Fatal("no push reached the ntfy topic")
	}
	if text := body["/jane-rekindle"]; !strings.Contains(text, "to reconnect with today: ") || push.Header.Get("Title") != "rekindle" ||
		push.Header.Get("Click") != "mailto:jane@example.com" || push.Header.Get("Authorization") != "Bearer tk_1" {
		t.Errorf("the push: %q, headers %v", text, push.Header)
	}
	var d struct {
		People []struct{ Email string } `json:"people"`
	}
	if err := json.Unmarshal([]byte(body["/hook"]), &d); err != nil || len(d.People) != res.People {
		t.Errorf("the webhook's JSON: %v, %d people (the digest has %d)", err, len(d.People), res.People)
	}
	if calls["/broken"] != 1 || !strings.Contains(res.Note, "not sent") || !strings.Contains(res.Note, "404") {
		t.Errorf("a 404 from a webhook: %d calls, note %q", calls["/broken"], res.Note)
	}
	if strings.Contains(res.Note, "jane-rekindle") || strings.Contains(res.Note, "tk_1") {
		t.Errorf("the note shows the topic or the token: %q", res.Note)
	}
}
