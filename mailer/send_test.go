package mailer_test

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rekindle/rekindle/mailer"
)

// noSleep is a Retry.Sleep that records the waits and does not wait.
type noSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (n *noSleep) sleep(ctx context.Context, d time.Duration) error {
	n.mu.Lock()
	n.waits = append(n.waits, d)
	n.mu.Unlock()
	return ctx.Err()
}

// checkDelivered checks that exactly one copy of m arrived, intact.
func checkDelivered(t *testing.T, ts *testServer, m *mailer.Message) {
	t.Helper()
	got := ts.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	r := got[0]
	if r.From != m.From.Email || r.To != m.To.Email {
		t.Errorf("envelope %s -> %s, want %s -> %s", r.From, r.To, m.From.Email, m.To.Email)
	}
	p := parse(t, r.Data)
	if ct, _, _ := p.header.ContentType(); ct != "multipart/alternative" {
		t.Errorf("Content-Type %q", ct)
	}
	if strings.Join(p.types, ",") != "text/plain,text/html" {
		t.Errorf("parts %v", p.types)
	}
	if s, _ := p.header.Subject(); s != m.Subject {
		t.Errorf("Subject %q, want %q", s, m.Subject)
	}
	if d, _ := p.header.Date(); !d.Equal(m.Date) {
		t.Errorf("Date %v, want %v", d, m.Date)
	}
	if id, _ := p.header.MessageID(); id == "" || id != m.MessageID {
		t.Errorf("Message-ID %q, Message.MessageID %q", id, m.MessageID)
	}
	if from := p.address(t, "From"); from.Address != m.From.Email || from.Name != m.From.Name {
		t.Errorf("From %v", from)
	}
	if to := p.address(t, "To"); to.Address != m.To.Email || to.Name != m.To.Name {
		t.Errorf("To %v", to)
	}
	if v := p.fields.Get("X-Rekindle-Digest"); v != "2026-11-21" {
		t.Errorf("X-Rekindle-Digest %q", v)
	}
}

func TestSendSTARTTLS(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "starttls"})
	m := digestMessage()
	if err := mailer.Send(t.Context(), ts.config(mailer.SecurityStartTLS), m); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, ts, m)
	if !ts.received()[0].TLS {
		t.Error("message was not sent over TLS")
	}
}

func TestSendImplicitTLS(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "tls"})
	for _, auth := range []mailer.Auth{mailer.AuthPlain, mailer.AuthLogin} {
		t.Run(string(auth), func(t *testing.T) {
			cfg := ts.config(mailer.SecurityTLS)
			cfg.Auth = auth
			if err := mailer.Check(t.Context(), cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	m := digestMessage()
	if err := mailer.Send(t.Context(), ts.config(mailer.SecurityTLS), m); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, ts, m)
	if !ts.received()[0].TLS {
		t.Error("message was not sent over TLS")
	}
}

func TestSendTokens(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "starttls"})
	for _, auth := range []mailer.Auth{mailer.AuthXOAuth2, mailer.AuthOAuthBearer} {
		t.Run(string(auth), func(t *testing.T) {
			cfg := ts.config(mailer.SecurityStartTLS)
			cfg.Auth = auth
			cfg.Secret = func(context.Context) (string, error) { return testToken, nil }
			if err := mailer.Check(t.Context(), cfg); err != nil {
				t.Fatal(err)
			}
			cfg.Secret = func(context.Context) (string, error) { return "expired-token-123", nil }
			err := mailer.Check(t.Context(), cfg)
			if err == nil || mailer.IsTemporary(err) || !strings.Contains(err.Error(), "authenticate as jane") {
				t.Fatalf("bad token: %v, want a permanent authentication error", err)
			}
			if strings.Contains(err.Error(), "expired-token-123") {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestSendUntrustedCertificate(t *testing.T) {
	for _, security := range []mailer.Security{mailer.SecurityTLS, mailer.SecurityStartTLS} {
		t.Run(string(security), func(t *testing.T) {
			ts := startServer(t, serverOptions{TLS: string(security)})
			cfg := ts.config(security)
			cfg.TLS = nil // system roots, which do not hold the test CA
			err := mailer.Send(t.Context(), cfg, digestMessage())
			if err == nil || mailer.IsTemporary(err) {
				t.Fatalf("err = %v, want a permanent error", err)
			}
			if !strings.Contains(err.Error(), "ca_file") {
				t.Errorf("error %q does not say to set ca_file", err)
			}
			if mails, auths := ts.counts(); mails+auths != 0 {
				t.Errorf("client went on after a bad certificate: %d MAIL, %d AUTH", mails, auths)
			}
		})
	}
}

func TestSendWrongServerName(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "tls"})
	cfg := ts.config(mailer.SecurityTLS)
	cfg.TLS = &tls.Config{RootCAs: ts.Pool, ServerName: "smtp.example.com"}
	err := mailer.Check(t.Context(), cfg)
	if err == nil || mailer.IsTemporary(err) || !strings.Contains(err.Error(), "tls_server_name") {
		t.Fatalf("err = %v, want a permanent error naming tls_server_name", err)
	}
}

func TestSendNoAuthPlaintext(t *testing.T) {
	ts := startServer(t, serverOptions{})
	cfg := ts.config(mailer.SecurityNone)
	// A loopback server without TLS may take a password.
	m := digestMessage()
	if err := mailer.Send(t.Context(), cfg, m); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, ts, m)
	if ts.received()[0].TLS {
		t.Error("security none used TLS")
	}
}

func TestSendAuthFailure(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "starttls"})
	cfg := ts.config(mailer.SecurityStartTLS)
	cfg.Secret = func(context.Context) (string, error) { return "hunter2-wrong", nil }
	sleeper := &noSleep{}
	err := mailer.SendWithRetry(t.Context(), cfg, digestMessage(), mailer.Retry{Sleep: sleeper.sleep})
	if err == nil {
		t.Fatal("sent with a wrong password")
	}
	if mailer.IsTemporary(err) {
		t.Errorf("authentication failure is temporary: %v", err)
	}
	var re *mailer.RetryError
	if !errors.As(err, &re) || re.Attempts != 1 {
		t.Errorf("err = %#v, want a *RetryError after 1 attempt", err)
	}
	var e *mailer.Error
	if !errors.As(err, &e) || e.Step != "authenticate as jane" || e.Code != 535 {
		t.Errorf("err = %v, want step %q with code 535", err, "authenticate as jane")
	}
	msg := err.Error()
	for _, want := range []string{"authenticate as jane", "535", "Authentication failed", "smtp.username"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("error shows the password: %q", msg)
	}
	if _, auths := ts.counts(); auths != 1 {
		t.Errorf("%d AUTH attempts, want 1", auths)
	}
	if len(sleeper.waits) != 0 {
		t.Errorf("slept %v before giving up on a permanent error", sleeper.waits)
	}
}

func TestSendMechanismNotOffered(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "starttls", Mechs: []string{"PLAIN"}})
	cfg := ts.config(mailer.SecurityStartTLS)
	cfg.Auth = mailer.AuthXOAuth2
	called := false
	cfg.Secret = func(context.Context) (string, error) { called = true; return testToken, nil }
	err := mailer.Check(t.Context(), cfg)
	if err == nil || mailer.IsTemporary(err) || !strings.Contains(err.Error(), "does not offer AUTH XOAUTH2 (it offers PLAIN)") {
		t.Fatalf("err = %v", err)
	}
	if called {
		t.Error("the token source ran although the server cannot take a token")
	}
}

func TestSendRetriesTemporary(t *testing.T) {
	tests := []struct {
		name string
		fail func(ts *testServer)
		step string
	}{
		{"451 at RCPT", func(ts *testServer) { ts.failRcptTimes(2) }, "send RCPT TO jane@example.org"},
		{"451 at DATA", func(ts *testServer) { ts.failDataTimes(2) }, "send DATA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, serverOptions{TLS: "starttls"})
			cfg := ts.config(mailer.SecurityStartTLS)

			// One attempt alone fails, temporarily, naming the step.
			tt.fail(ts)
			err := mailer.Send(t.Context(), cfg, digestMessage())
			var e *mailer.Error
			if !errors.As(err, &e) || !e.Temporary || e.Code != 451 || e.Step != tt.step {
				t.Fatalf("Send: %#v, want a temporary 451 at %q", err, tt.step)
			}

			tt.fail(ts)
			sleeper := &noSleep{}
			m := digestMessage()
			err = mailer.SendWithRetry(t.Context(), cfg, m, mailer.Retry{Attempts: 4, Backoff: time.Second, Sleep: sleeper.sleep})
			if err != nil {
				t.Fatalf("SendWithRetry: %v", err)
			}
			checkDelivered(t, ts, m)
			if mails, _ := ts.counts(); mails != 4 { // 1 by Send, 3 by SendWithRetry
				t.Errorf("%d MAIL commands, want 4", mails)
			}
			if len(sleeper.waits) != 2 {
				t.Fatalf("waits %v, want 2", sleeper.waits)
			}
			for i, d := range sleeper.waits {
				base := time.Second << i
				if d < base*3/4 || d >= base*5/4 {
					t.Errorf("wait %d is %v, want %v ±25%%", i+1, d, base)
				}
			}
		})
	}
}

func TestSendRetryGivesUp(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "starttls"})
	ts.failDataTimes(100)
	sleeper := &noSleep{}
	err := mailer.SendWithRetry(t.Context(), ts.config(mailer.SecurityStartTLS), digestMessage(),
		mailer.Retry{Attempts: 3, Backoff: time.Millisecond, Sleep: sleeper.sleep})
	var re *mailer.RetryError
	if !errors.As(err, &re) || re.Attempts != 3 || re.Stopped != nil {
		t.Fatalf("err = %#v, want a *RetryError after 3 attempts", err)
	}
	if !mailer.IsTemporary(err) {
		t.Errorf("IsTemporary(%v) = false; the failure is still worth a later try", err)
	}
	if !strings.Contains(err.Error(), "3 times") || !strings.Contains(err.Error(), "send DATA") {
		t.Errorf("error %q", err)
	}
	if len(ts.received()) != 0 || len(sleeper.waits) != 2 {
		t.Errorf("received %d, waits %v", len(ts.received()), sleeper.waits)
	}
}

func TestSendPermanentNotRetried(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "starttls"})
	ts.rejectRcpt()
	sleeper := &noSleep{}
	err := mailer.SendWithRetry(t.Context(), ts.config(mailer.SecurityStartTLS), digestMessage(), mailer.Retry{Sleep: sleeper.sleep})
	if err == nil {
		t.Fatal("no error for a 550")
	}
	if mailer.IsTemporary(err) {
		t.Errorf("550 is temporary: %v", err)
	}
	var e *mailer.Error
	if !errors.As(err, &e) || e.Step != "send RCPT TO jane@example.org" || e.Code != 550 {
		t.Errorf("err = %v, want a 550 at RCPT TO", err)
	}
	if !strings.Contains(err.Error(), "No such user here") {
		t.Errorf("error %q lacks the server's text", err)
	}
	if mails, _ := ts.counts(); mails != 1 {
		t.Errorf("%d attempts, want exactly 1", mails)
	}
	if len(sleeper.waits) != 0 {
		t.Errorf("slept %v", sleeper.waits)
	}
}

func TestSendNetworkErrorTemporary(t *testing.T) {
	cfg := mailer.Config{Host: "127.0.0.1", Port: closedPort(t), Security: mailer.SecurityNone, Auth: mailer.AuthNone, Timeout: time.Second}
	err := mailer.Send(t.Context(), cfg, digestMessage())
	var e *mailer.Error
	if !errors.As(err, &e) || !e.Temporary || !strings.HasPrefix(e.Step, "connect to 127.0.0.1:") {
		t.Fatalf("err = %#v, want a temporary error connecting", err)
	}
}

func TestSendCancelStopsRetries(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "starttls"})
	ts.failRcptTimes(100)
	ctx, cancel := context.WithCancel(t.Context())
	attempts := 0
	sleep := func(ctx context.Context, d time.Duration) error {
		attempts++
		if attempts == 2 {
			cancel()
		}
		<-time.After(time.Millisecond)
		return ctx.Err()
	}
	err := mailer.SendWithRetry(ctx, ts.config(mailer.SecurityStartTLS), digestMessage(), mailer.Retry{Attempts: 10, Sleep: sleep})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var re *mailer.RetryError
	if !errors.As(err, &re) || re.Attempts != 2 {
		t.Fatalf("err = %#v, want a *RetryError after 2 attempts", err)
	}
	if mails, _ := ts.counts(); mails != 2 {
		t.Errorf("%d attempts after cancel, want 2", mails)
	}
}

// TestSendCancelHungServer checks that cancelling ctx ends a session
// waiting on a server that never answers, well before the timeout.
func TestSendCancelHungServer(t *testing.T) {
	host, port := silentServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	cfg := mailer.Config{Host: host, Port: port, Security: mailer.SecurityNone, Auth: mailer.AuthNone, Timeout: time.Minute}
	err := mailer.SendWithRetry(ctx, cfg, digestMessage(), mailer.Retry{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("took %v to stop", el)
	}
}

func TestSendTimeout(t *testing.T) {
	host, port := silentServer(t)
	cfg := mailer.Config{Host: host, Port: port, Security: mailer.SecurityNone, Auth: mailer.AuthNone, Timeout: 200 * time.Millisecond}
	err := mailer.Send(t.Context(), cfg, digestMessage())
	if !mailer.IsTemporary(err) || !strings.Contains(err.Error(), "connect to") {
		t.Fatalf("err = %v, want a temporary timeout connecting", err)
	}
}

func TestSendBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  mailer.Config
		want string
	}{
		{"no host", mailer.Config{Auth: mailer.AuthNone}, "host is empty"},
		{"bad security", mailer.Config{Host: "x", Security: "ssl", Auth: mailer.AuthNone}, `unknown security "ssl"`},
		{"bad auth", mailer.Config{Host: "x", Auth: "cram-md5"}, `unknown auth "cram-md5"`},
		{"no username", mailer.Config{Host: "x", Secret: func(context.Context) (string, error) { return "", nil }}, "username is empty"},
		{"no secret", mailer.Config{Host: "x", Username: "jane"}, "no secret source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mailer.Check(t.Context(), tt.cfg)
			if err == nil || mailer.IsTemporary(err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a permanent error containing %q", err, tt.want)
			}
		})
	}
}

func TestSendSecretError(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "tls"})
	cfg := ts.config(mailer.SecurityTLS)
	cfg.Secret = func(context.Context) (string, error) {
		return "", errors.New(`smtp: password_file "/run/pw": no such file`)
	}
	err := mailer.Check(t.Context(), cfg)
	if err == nil || mailer.IsTemporary(err) || !strings.Contains(err.Error(), "password_file") {
		t.Fatalf("err = %v", err)
	}
	if _, auths := ts.counts(); auths != 0 {
		t.Errorf("%d AUTH attempts without a secret", auths)
	}
}

func TestCheckSendsNothing(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "starttls"})
	if err := mailer.Check(t.Context(), ts.config(mailer.SecurityStartTLS)); err != nil {
		t.Fatal(err)
	}
	if mails, auths := ts.counts(); mails != 0 || auths != 1 {
		t.Errorf("Check: %d MAIL, %d AUTH; want 0 and 1", mails, auths)
	}
}

func TestSendStartTLSNotOffered(t *testing.T) {
	ts := startServer(t, serverOptions{}) // no TLS at all
	err := mailer.Check(t.Context(), ts.config(mailer.SecurityStartTLS))
	if err == nil || mailer.IsTemporary(err) || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Fatalf("err = %v", err)
	}
	if _, auths := ts.counts(); auths != 0 {
		t.Errorf("authenticated in clear after STARTTLS was missing")
	}
}

func TestSendTLSToPlainServer(t *testing.T) {
	ts := startServer(t, serverOptions{TLS: "starttls"})
	err := mailer.Check(t.Context(), ts.config(mailer.SecurityTLS))
	if err == nil || mailer.IsTemporary(err) || !strings.Contains(err.Error(), "did not speak TLS") {
		t.Fatalf("err = %v", err)
	}
}
