package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/internal/realmail"
)

// realSetup is one real mailbox loaded into Dovecot and synced by the
// rekindle binary into a store of its own.
type realSetup struct {
	mb     *realmail.Mailbox
	srv    *dovecot.Server
	bin    string
	dir    string
	config string
}

// loadReal opens the named shared mailbox, loads it into a new Dovecot
// server and writes a config for it; sync is left to the caller. extra is
// appended to the config (YAML at the top level). Without the shared
// mailboxes it skips, or fails when CI=true.
func loadReal(t testing.TB, name, extra string) *realSetup {
	t.Helper()
	path, err := realmail.Path(name)
	if err != nil {
		// Like Dovecot: CI must never skip the real-mail suite silently.
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %v: the real-mail suite must run in CI (shared/mailboxes beside the checkout)", err)
		}
		t.Skipf("skipping the real-mail test: %v", err)
	}
	mb, err := realmail.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// Compress: the server offers COMPRESS=DEFLATE, as servers across the
	// internet commonly do (rekindle compresses only where it is not on
	// loopback, or when told to: BenchmarkSyncRealMail's slow link).
	opts := dovecot.Options{Compress: true}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() && os.Getenv("REKINDLE_DOVECOT_TMPDIR") == "" {
		opts.TempDir = "/dev/shm"
	}
	srv := dovecot.Start(t, opts)
	if err := srv.LoadMaildir("", mb.Mails); err != nil {
		t.Fatal(err)
	}
	s := &realSetup{mb: mb, srv: srv, bin: buildRekindle(t), dir: t.TempDir()}
	s.config = s.writeConfig(t, extra)
	return s
}

func (s *realSetup) writeConfig(t testing.TB, extra string) string {
	t.Helper()
	return s.writeConfigAs(t, "config.yaml", "rekindle.db", "", extra)
}

// writeConfigAs writes the config file name in the setup's directory for
// the store db there; folders, if not empty, is the account's folders
// setting in YAML flow style ("{include: [INBOX]}").
func (s *realSetup) writeConfigAs(t testing.TB, name, db, folders, extra string) string {
	t.Helper()
	host, port, _ := strings.Cut(s.srv.Addr, ":")
	pw := filepath.Join(s.dir, "password")
	if err := os.WriteFile(pw, []byte(s.srv.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if folders != "" {
		folders = "\n    folders: " + folders
	}
	cfg := fmt.Sprintf(`me: {name: %s, addresses: [%s]}
accounts:
  - name: real
    imap: {host: %s, port: %s, security: tls, username: %s, password_file: %s, ca_file: %s}%s
store: {path: %s}
%s`, strings.ToUpper(s.mb.Name[:1])+s.mb.Name[1:], strings.Join(s.mb.Manifest.Addresses, ", "),
		host, port, s.srv.User, pw, s.srv.CAFile, folders, filepath.Join(s.dir, db), extra)
	path := filepath.Join(s.dir, name)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs the rekindle binary with the setup's config and returns its
// standard output; a failure fails the test.
func (s *realSetup) run(t testing.TB, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(s.bin, append([]string{"--config", s.config}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rekindle %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

// TestRealMailKeepStore syncs a real mailbox and copies the store and a
// config for it to REKINDLE_REALMAIL_KEEP (a directory), for looking at
// what rekindle says about it by hand. REKINDLE_REALMAIL_NAME picks the
// mailbox (default wolfgang). Skipped unless asked for.
func TestRealMailKeepStore(t *testing.T) {
	keep := os.Getenv("REKINDLE_REALMAIL_KEEP")
	if keep == "" {
		t.Skip("set REKINDLE_REALMAIL_KEEP=DIR to keep a synced real mailbox's store")
	}
	name := os.Getenv("REKINDLE_REALMAIL_NAME")
	if name == "" {
		name = "wolfgang"
	}
	s := loadReal(t, name, "")
	s.run(t, "sync")
	if err := os.MkdirAll(keep, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(filepath.Join(s.dir, "rekindle.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(keep, name+".db"), db, 0o600); err != nil {
		t.Fatal(err)
	}
	// The account is a placeholder (the test's Dovecot is gone): the
	// config must name one, and the commands that read the store never
	// connect.
	cfg := fmt.Sprintf("me: {name: %s, addresses: [%s]}\naccounts:\n  - name: real\n    imap: {host: localhost, port: 1, security: none, username: x, password: x}\nstore: {path: %s}\n",
		name, strings.Join(s.mb.Manifest.Addresses, ", "), filepath.Join(keep, name+".db"))
	if err := os.WriteFile(filepath.Join(keep, name+".yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}
