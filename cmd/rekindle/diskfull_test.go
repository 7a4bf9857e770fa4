package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/internal/tmpfs"
)

// TestFullDisk runs rekindle with its store on a small tmpfs that fills up
// (issue 10). The sync stops at the first full-disk error, saying "disk
// full" with the store's path and what to do, instead of downloading
// every other folder; status, contacts, followups and replay still answer
// on the full disk (they open the store read-only; every open used to
// write, and failed with "disk I/O error"); once there is room, the next
// sync resumes and stores everything once.
func TestFullDisk(t *testing.T) {
	dir := tmpfs.Mount(t, 8<<20)
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	folders := []string{"INBOX", "Archive", "Lists", "Sent"}
	for _, f := range folders[1:] {
		if f == "Sent" {
			srv.Create(f, imap.MailboxAttrSent)
		} else {
			srv.Create(f)
		}
	}
	n := 0
	add := func(folder string, count int) {
		for range count {
			n++
			raw := fmt.Sprintf("From: Bob <bob%d@example.com>\r\nTo: jane@example.com\r\nSubject: %s\r\nMessage-ID: <m%d@x>\r\n"+
				"Date: Tue, 3 Mar 2026 10:00:00 +0100\r\n\r\nhi\r\n", n%50, strings.Repeat(fmt.Sprintf("note %d ", n), 150), n)
			if folder == "Sent" {
				raw = strings.Replace(raw, fmt.Sprintf("From: Bob <bob%d@example.com>\r\nTo: jane@example.com", n%50),
					fmt.Sprintf("From: jane@example.com\r\nTo: Bob <bob%d@example.com>", n%50), 1)
			}
			if _, err := srv.Append(folder, []byte(raw), nil, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	host, port, _ := strings.Cut(srv.Addr, ":")
	storePath := filepath.Join(dir, "state", "rekindle.db")
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	err = os.WriteFile(cfg, []byte(fmt.Sprintf(`me: {name: Jane Doe, addresses: [jane@example.com]}
accounts:
  - name: work
    imap: {host: %s, port: %s, security: none, username: jane, password: %q}
  - name: home
    imap: {host: %s, port: %s, security: none, username: jane, password: %q}
store: {path: %s}
sync: {batch_size: 50}
`, host, port, testPassword, host, port, testPassword, storePath)), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	status := func() statusJSON {
		t.Helper()
		code, out, errOut := run(t, "--config", cfg, "status", "--json")
		var st statusJSON
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
			t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
		}
		return st
	}

	for _, f := range folders {
		add(f, 5)
	}
	if code, out, errOut := run(t, "--config", cfg, "sync"); code != 0 {
		t.Fatalf("first sync: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range folders {
		add(f, 300) // about 1.3 MB of headers per folder
	}
	filler := tmpfs.Fill(t, dir, 256<<10)

	code, out, errOut := run(t, "--config", cfg, "sync")
	if code == 0 {
		t.Fatalf("sync on a full disk: exit 0\n%s", out)
	}
	for _, want := range []string{"disk full", storePath, "free some space", "resumes where it stopped"} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("sync on a full disk does not say %q:\n%s%s", want, out, errOut)
		}
	}
	if strings.Contains(out+errOut, "disk I/O error") {
		t.Errorf("sync on a full disk says disk I/O error:\n%s%s", out, errOut)
	}
	tried := 0
	for _, f := range folders {
		if strings.Contains(out, fmt.Sprintf("work  %-7s", f)) {
			tried++
		}
	}
	if tried == len(folders) {
		t.Errorf("the sync went through every folder on a full disk:\n%s", out)
	}
	if strings.Contains(out, "home  ") {
		t.Errorf("the sync went on to the next account on a full disk:\n%s", out)
	}
	t.Logf("sync on a full disk (%d of %d folders tried):\n%s%s", tried, len(folders), out, errOut)

	// The disk is full: reading still works.
	tmpfs.Fill(t, dir, 0)
	st := status()
	if st.Messages < 4*5 || st.Messages >= 4*305 {
		t.Errorf("status on a full disk: %d messages; want the first sync's and part of the second's", st.Messages)
	}
	for _, args := range [][]string{{"contacts", "--json"}, {"followups", "--json"}, {"suggest", "--json"},
		{"replay", "--from", "2026-03-01", "--to", "2026-03-08", "--json"}} {
		if code, out, errOut := run(t, append([]string{"--config", cfg}, args...)...); code != 0 {
			t.Errorf("%s on a full disk: exit %d\n%s%s", args[0], code, out, errOut)
		}
	}

	// With room, the next sync resumes and stores every message once.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "--config", cfg, "sync"); code != 0 {
		t.Fatalf("sync with room again: exit %d\n%s%s", code, out, errOut)
	}
	if st := status(); st.Messages != n {
		t.Errorf("after the resumed sync: %d messages, want %d", st.Messages, n)
	}

	// The disk fills while nothing runs (the store was closed cleanly,
	// without its -wal and -shm): reading works, and the next sync with
	// mail to store says the disk is full.
	add("INBOX", 5)
	filler = tmpfs.Fill(t, dir, 0)
	if st := status(); st.Messages != n-5 {
		t.Errorf("status on a full disk: %d messages, want %d", st.Messages, n-5)
	}
	if code, out, errOut := run(t, "--config", cfg, "contacts"); code != 0 || !strings.Contains(out, "bob") {
		t.Errorf("contacts on a full disk: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "--config", cfg, "sync")
	if code == 0 || !strings.Contains(out+errOut, "disk full") || !strings.Contains(out+errOut, storePath) ||
		strings.Contains(out+errOut, "disk I/O error") {
		t.Errorf("sync on a full disk: exit %d\n%s%s", code, out, errOut)
	}
	os.Remove(filler)
}
