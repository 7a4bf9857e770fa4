package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rekindle/rekindle/internal/memimap"
)

// tls_server_name from the configuration reaches the TLS check, and the
// error of a certificate for another name names it, not the host.
func TestTLSServerNameMismatch(t *testing.T) {
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: testPassword, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(srv.Addr, ":")
	write := func(serverName string) string {
		cfg := fmt.Sprintf(`me:
  name: Jane Doe
  addresses: [jane@example.com]
accounts:
  - name: work
    imap: {host: %s, port: %s, security: tls, ca_file: %s, tls_server_name: %q, username: jane, password: %q}
store: {path: %s}
`, host, port, ca, serverName, testPassword, filepath.Join(dir, "rekindle.db"))
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	code, out, errOut := run(t, "--config", write("imap.example.com"), "sync")
	if code == 0 {
		t.Fatalf("sync succeeded with a certificate for another name:\n%s", out)
	}
	all := out + errOut
	if !strings.Contains(all, `not valid for "imap.example.com"`) || strings.Contains(all, `not valid for "`+host+`"`) {
		t.Errorf("sync's error does not name the tls_server_name checked:\n%s", all)
	}
	if code, out, errOut := run(t, "--config", write("localhost"), "sync"); code != 0 {
		t.Errorf("tls_server_name localhost, which the certificate holds: exit %d\n%s%s", code, out, errOut)
	}
}
