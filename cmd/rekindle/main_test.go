package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/rekindle/rekindle/internal/memimap"
)

const testPassword = "s3cret-Passw0rd"

// run runs the CLI in-process and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// setup starts an in-process IMAP server with a little mail and writes a
// config pointing at it; it returns the config's path.
func setup(t *testing.T) (*memimap.Server, string) {
	t.Helper()
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Create("Sent", imap.MailboxAttrSent)
	srv.Create("Junk", imap.MailboxAttrJunk)
	for i := range 3 {
		raw := fmt.Sprintf("From: Bob <bob@example.com>\r\nTo: jane@example.com\r\nSubject: hi %d\r\nMessage-ID: <b%d@x>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n\r\nhi\r\n", i, i)
		if _, err := srv.Append("INBOX", []byte(raw), nil, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	host, port, _ := strings.Cut(srv.Addr, ":")
	cfg := fmt.Sprintf(`me:
  name: Jane Doe
  addresses: [jane@example.com]
accounts:
  - name: work
    imap: {host: %s, port: %s, security: none, username: jane, password: %q}
store: {path: %s}
`, host, port, testPassword, filepath.Join(dir, "state", "rekindle.db"))
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, path
}

func TestSyncAndStatus(t *testing.T) {
	_, cfg := setup(t)
	code, out, errOut := run(t, "--config", cfg, "-v", "sync")
	if code != 0 {
		t.Fatalf("sync exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"work  INBOX", "+3 -0", "(sent)", "skipped: Junk", "+3 -0 messages, 3 stored"} {
		if !strings.Contains(out, want) {
			t.Errorf("sync output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, testPassword) {
		t.Fatalf("the password appears in the output")
	}

	code, out, _ = run(t, "--config", cfg, "sync", "--json")
	if code != 0 {
		t.Fatalf("second sync exit %d: %s", code, out)
	}
	var res []syncJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("sync --json: %v\n%s", err, out)
	}
	if len(res) != 1 || len(res[0].Folders) != 2 || !res[0].Folders[0].Unchanged || res[0].SentFolder != "Sent" {
		t.Errorf("second sync = %+v, want two unchanged folders", res)
	}

	code, out, _ = run(t, "--config", cfg, "status", "--json")
	if code != 0 {
		t.Fatalf("status exit %d: %s", code, out)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if st.Messages != 3 || len(st.Accounts) != 1 || st.Accounts[0].Messages != 3 || st.SchemaVersion < 1 {
		t.Errorf("status = %+v", st)
	}
	for _, f := range st.Accounts[0].Folders {
		if f.LastSync == nil {
			t.Errorf("folder %s has no last_sync", f.Name)
		}
	}

	code, out, _ = run(t, "--config", cfg, "status")
	if code != 0 || !strings.Contains(out, "3 unique messages") || !strings.Contains(out, "INBOX") {
		t.Errorf("status text (exit %d):\n%s", code, out)
	}
}

func TestSyncWrongPassword(t *testing.T) {
	_, cfg := setup(t)
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.ReplaceAll(b, []byte(testPassword), []byte("wrong-one-123")), 0o600)
	code, out, errOut := run(t, "--config", cfg, "sync")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(out+errOut, "log in") || strings.Contains(out+errOut, "wrong-one-123") {
		t.Errorf("wrong password output:\n%s%s", out, errOut)
	}
}

func TestUsage(t *testing.T) {
	code, out, _ := run(t, "help")
	if code != 0 || !strings.Contains(out, "sync") || !strings.Contains(out, "status") {
		t.Errorf("help (exit %d):\n%s", code, out)
	}
	code, out, _ = run(t, "help", "sync")
	if code != 0 || !strings.Contains(out, "--json") || !strings.Contains(out, "--account") {
		t.Errorf("help sync (exit %d):\n%s", code, out)
	}
	code, _, errOut := run(t, "frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command (exit %d):\n%s", code, errOut)
	}
	code, _, errOut = run(t, "status", "--bogus")
	if code != 2 || !strings.Contains(errOut, "bogus") {
		t.Errorf("unknown flag (exit %d):\n%s", code, errOut)
	}
}

func TestMissingConfig(t *testing.T) {
	code, _, errOut := run(t, "--config", filepath.Join(t.TempDir(), "nope.yaml"), "sync")
	if code != 1 || !strings.Contains(errOut, "nope.yaml") {
		t.Errorf("missing config (exit %d):\n%s", code, errOut)
	}
}
