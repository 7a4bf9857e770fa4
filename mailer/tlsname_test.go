package mailer_test

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/rekindle/rekindle/mailer"
)

// The test server's certificate holds localhost and 127.0.0.1. An error
// about a name it lacks names the name that was checked: the
// tls_server_name when one is set, not the host dialled.
func TestWrongServerNameNamesIt(t *testing.T) {
	for _, security := range []mailer.Security{mailer.SecurityTLS, mailer.SecurityStartTLS} {
		t.Run(string(security), func(t *testing.T) {
			ts := startServer(t, serverOptions{TLS: string(security)})
			cfg := ts.config(security)
			cfg.TLS = &tls.Config{RootCAs: ts.Pool, ServerName: "smtp.example.com"}
			err := mailer.Check(t.Context(), cfg)
			if err == nil || mailer.IsTemporary(err) {
				t.Fatalf("err = %v, want a permanent error", err)
			}
			if msg := err.Error(); !strings.Contains(msg, `not valid for "smtp.example.com"`) || !strings.Contains(msg, "tls_server_name") {
				t.Errorf("err = %v; want it to say the certificate is not valid for \"smtp.example.com\", and name tls_server_name", err)
			}
			if mails, auths := ts.counts(); mails+auths != 0 {
				t.Errorf("client went on after a bad certificate: %d MAIL, %d AUTH", mails, auths)
			}
		})
	}
}
