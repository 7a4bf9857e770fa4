package config

import (
	"strings"
	"testing"
)

// Only literal loopback addresses and "localhost" itself are loopback for
// security: none with a password. A name under .localhost is resolved
// like any other (through /etc/hosts or DNS) and may lead anywhere.
func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "localhost.": true,
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "[::1]": true,
		"mail.localhost": false, "imap.localhost.": false, "x.LOCALHOST": false,
		"localhost.example.com": false, "mylocalhost": false,
		"10.0.0.1": false, "::ffff:10.0.0.1": false, "example.com": false, "": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestPlaintextToLocalhostSubdomain(t *testing.T) {
	const base = `me:
  name: Jane Doe
  addresses: [jane@example.com]
accounts:
  - name: local
    imap:
      host: HOST
      security: none
      username: jane
      password: pw
`
	for host, ok := range map[string]bool{"mail.localhost": false, "localhost": true, "127.0.0.1": true, "::1": true} {
		_, err := testLoader().Parse([]byte(strings.Replace(base, "HOST", `"`+host+`"`, 1)))
		if ok && err != nil {
			t.Errorf("host %s: %v", host, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "allow_plaintext_auth")) {
			t.Errorf("host %s: err = %v, want a refusal naming allow_plaintext_auth", host, err)
		}
	}
}
