package mailer_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/internal/memsmtp"
	"github.com/rekindle/rekindle/mailer"
)

// An SMTP server that stops answering at any step fails the send in
// bounded time, with an error naming the step, the server and the
// timeout, counted as temporary.
func TestSendServerStalls(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, tc := range []struct{ verb, step string }{
		{"EHLO", "send EHLO"},
		{"AUTH", "authenticate as jane"},
		{"MAIL", "send MAIL FROM"},
		{"RCPT", "send RCPT TO"},
		{"DATA", "send DATA"},
		{".", "send DATA"},
	} {
		t.Run(tc.verb, func(t *testing.T) {
			ms, err := memsmtp.Start(memsmtp.Options{User: "jane", Password: "pw"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ms.Close() })
			ms.StallAt(tc.verb)
			host, p, _ := net.SplitHostPort(ms.Addr)
			port, _ := strconv.Atoi(p)
			cfg := mailer.Config{Host: host, Port: port, Security: mailer.SecurityNone, Username: "jane",
				Secret: func(context.Context) (string, error) { return "pw", nil }, Timeout: timeout}
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- mailer.Send(t.Context(), cfg, digestMessage()) }()
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				t.Fatal("Send did not return within 15s of a stalled server")
			}
			var me *mailer.Error
			if !errors.As(err, &me) || !me.Temporary {
				t.Fatalf("err = %v, want a temporary *mailer.Error", err)
			}
			for _, want := range []string{tc.step, ms.Addr, "did not answer for 300ms"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			t.Logf("%v after %v", err, time.Since(start).Round(time.Millisecond))
		})
	}
}
