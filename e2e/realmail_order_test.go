package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestRealMailFolderOrder: a reply to the user reaches a list regular twice
// with one Message-ID (INBOX, and the list's copy), and so does the user's
// own post (Sent, and the list's echo). Whichever folder syncs first, the
// store keeps the most personal copy, so the same real mailbox synced in
// two folder orders gives byte-identical contacts, and plenty of them.
func TestRealMailFolderOrder(t *testing.T) {
	s := loadReal(t, "wolfgang", "")
	const asOf = "2026-03-02"
	contacts := func(first string) []byte {
		t.Helper()
		db := "order-" + strings.Trim(first, "[]*/ ,") + ".db"
		for _, folders := range []string{"{include: " + first + "}", ""} {
			cfg := s.writeConfigAs(t, "order.yaml", db, folders, "")
			s.runWith(t, cfg, "sync")
		}
		return s.runWith(t, s.writeConfigAs(t, "order.yaml", db, "", ""), "contacts", "--json", "--as-of", asOf)
	}
	listsFirst := contacts("[Lists/*]") // with Sent, which is always read
	inboxFirst := contacts("[INBOX]")
	if !bytes.Equal(listsFirst, inboxFirst) {
		t.Errorf("contacts differ with the folder order:\nlists first:\n%.1500s\nINBOX first:\n%.1500s", listsFirst, inboxFirst)
	}
	var cs []struct {
		TwoWay bool `json:"two_way"`
	}
	if err := json.Unmarshal(listsFirst, &cs); err != nil {
		t.Fatal(err)
	}
	if len(cs) < 100 {
		t.Errorf("%d contacts as of %s; a list regular with about 1,000 direct replies has well over 100", len(cs), asOf)
	}
}

// runWith runs the binary with another config of the setup.
func (s *realSetup) runWith(t testing.TB, cfg string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(s.bin, append([]string{"--config", cfg}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rekindle %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}
