package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// ntfyServer is an in-process ntfy: it checks each publish as ntfy's
// documented API takes it (POST to the topic's URL, the message as the
// body, Title, Click and Tags as headers) and answers with the statuses
// it is told to, in order, then 200 with the message's JSON as ntfy does.
type ntfyServer struct {
	t        *testing.T
	mu       sync.Mutex
	statuses []int
	got      []*http.Request
	bodies   []string
}

func (s *ntfyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	s.got = append(s.got, r)
	s.bodies = append(s.bodies, string(b))
	if len(s.statuses) > 0 {
		code := s.statuses[0]
		s.statuses = s.statuses[1:]
		http.Error(w, `{"code":`+http.StatusText(code)+`}`, code)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"id":"x","event":"message","topic":"jane","message":"ok"}`)
}

func start(t *testing.T, statuses ...int) (*ntfyServer, string) {
	s := &ntfyServer{t: t, statuses: statuses}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

var fast = Options{Retry: Retry{Attempts: 3, Backoff: time.Millisecond}, Timeout: 5 * time.Second}

func TestNtfy(t *testing.T) {
	s, base := start(t)
	target := Target{
		Ntfy: base + "/jane-rekindle-7f3a", Click: "mailto:jane@example.com",
		Headers: func(context.Context) (http.Header, error) {
			return http.Header{"Authorization": {"Bearer tk_secret"}}, nil
		},
	}
	push := Push{Title: "rekindle", Text: "3 people to reconnect with today: Zoë, Sarah, Lukas", Tags: []string{"handshake"}}
	if err := Send(context.Background(), target, push, fast); err != nil {
		t.Fatal(err)
	}
	if len(s.got) != 1 {
		t.Fatalf("%d requests", len(s.got))
	}
	r := s.got[0]
	for name, want := range map[string]string{
		"method": http.MethodPost, "path": "/jane-rekindle-7f3a", "body": push.Text,
		"Title": "rekindle", "Click": "mailto:jane@example.com", "Tags": "handshake", "Authorization": "Bearer tk_secret",
	} {
		got := r.Header.Get(name)
		switch name {
		case "method":
			got = r.Method
		case "path":
			got = r.URL.Path
		case "body":
			got = s.bodies[0]
		}
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestWebhook(t *testing.T) {
	s, base := start(t)
	body := []byte(`{"date":"2026-12-01T07:00:00Z","people":[]}`)
	if err := Send(context.Background(), Target{Webhook: base + "/hook"}, Push{JSON: body}, fast); err != nil {
		t.Fatal(err)
	}
	if r := s.got[0]; r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || s.bodies[0] != string(body) {
		t.Errorf("webhook got %s %s %q", r.Method, r.Header.Get("Content-Type"), s.bodies[0])
	}
}

func TestRetries(t *testing.T) {
	// A 503 and a 429 are retried; the third attempt goes through.
	s, base := start(t, 503, 429)
	if err := Send(context.Background(), Target{Ntfy: base + "/t"}, Push{Text: "x"}, fast); err != nil {
		t.Fatalf("after a 503 and a 429: %v", err)
	}
	if len(s.got) != 3 {
		t.Errorf("%d attempts, want 3", len(s.got))
	}
	// A 403 is not: one attempt, an error that names the status, not the
	// topic.
	s, base = start(t, 403)
	err := Send(context.Background(), Target{Ntfy: base + "/secret-topic"}, Push{Text: "x"}, fast)
	var ne *Error
	if !errors.As(err, &ne) || ne.Temporary || ne.Status != 403 || len(s.got) != 1 {
		t.Fatalf("a 403: %v (%d attempts)", err, len(s.got))
	}
	if strings.Contains(err.Error(), "secret-topic") {
		t.Errorf("the error shows the topic: %v", err)
	}
	// Three 500s: three attempts, then the error.
	s, base = start(t, 500, 500, 500, 500)
	if err := Send(context.Background(), Target{Ntfy: base + "/t"}, Push{Text: "x"}, fast); err == nil || len(s.got) != 3 {
		t.Errorf("three 500s: %v after %d attempts", err, len(s.got))
	}
	// Nobody listening: temporary, retried, then reported.
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL
	srv.Close()
	err = Send(context.Background(), Target{Ntfy: dead + "/t"}, Push{Text: "x"}, fast)
	if !errors.As(err, &ne) || !ne.Temporary {
		t.Errorf("a closed port: %v", err)
	}
}

func TestStall(t *testing.T) {
	// A server that never answers is given up on after the timeout.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	start := time.Now()
	o := fast
	o.Timeout, o.Retry.Attempts = 200*time.Millisecond, 1
	if err := Send(context.Background(), Target{Ntfy: srv.URL + "/t"}, Push{Text: "x"}, o); err == nil {
		t.Fatal("a stalled server: no error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v with a 200 ms timeout", d)
	}
}
