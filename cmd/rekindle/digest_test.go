package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/internal/memsmtp"
	"github.com/rekindle/rekindle/internal/synthimap"
	"github.com/rekindle/rekindle/synth"
)

// digestEnv is a generated mailbox in an in-process IMAP server, an
// in-process SMTP server, and a config pointing at both, synced.
type digestEnv struct {
	imap *memimap.Server
	smtp *memsmtp.Server
	cfg  string
	dir  string
}

func newDigestEnv(t *testing.T) *digestEnv {
	t.Helper()
	return newDigestEnvWith(t, memimap.Options{})
}

// newDigestEnvWith is newDigestEnv with an IMAP server started with opts
// (whose user and password it sets).
func newDigestEnvWith(t *testing.T, opts memimap.Options) *digestEnv {
	t.Helper()
	opts.User, opts.Password = "jane", "imap-pw"
	srv, err := memimap.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	mb := synth.Generate(synth.Options{Seed: 1, Now: time.Now(), Messages: 1500})
	if err := synthimap.Load(srv, mb); err != nil {
		t.Fatal(err)
	}
	ms, err := memsmtp.Start(memsmtp.Options{User: "jane", Password: "smtp-pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	dir := t.TempDir()
	ihost, iport, _ := strings.Cut(srv.Addr, ":")
	shost, sport, _ := strings.Cut(ms.Addr, ":")
	cfg := fmt.Sprintf(`me: {name: Jane Doe, addresses: [%s]}
accounts:
  - name: home
    imap: {host: %s, port: %s, security: none, username: jane, password: imap-pw}
    drafts: true
store: {path: %s}
smtp: {host: %s, port: %s, security: none, username: jane, password: smtp-pw}
digest: {to: jane@example.com}
`, strings.Join(mb.Addresses, ", "), ihost, iport, filepath.Join(dir, "r.db"), shost, sport)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "--config", path, "sync"); code != 0 {
		t.Fatalf("sync: %d\n%s%s", code, out, errOut)
	}
	return &digestEnv{imap: srv, smtp: ms, cfg: path, dir: dir}
}

func TestDigestPreview(t *testing.T) {
	e := newDigestEnv(t)
	html, eml := filepath.Join(e.dir, "d.html"), filepath.Join(e.dir, "d.eml")
	code, out, errOut := run(t, "--config", e.cfg, "digest", "--html", html, "--eml", eml)
	if code != 0 {
		t.Fatalf("digest: %d\n%s%s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "Subject: ") || !strings.Contains(out, "Why:") {
		t.Errorf("preview:\n%s", out)
	}
	if b, err := os.ReadFile(html); err != nil || !bytes.Contains(b, []byte("mailto:")) {
		t.Errorf("--html: %v, %d bytes", err, len(b))
	}
	b, err := os.ReadFile(eml)
	if err != nil {
		t.Fatal(err)
	}
	checkDigestMessage(t, b)
	if len(e.smtp.Messages()) != 0 {
		t.Error("a preview sent mail")
	}

	code, out, _ = run(t, "--config", e.cfg, "digest", "--json")
	var d struct {
		Date   time.Time
		People []struct {
			Email, Status string
			Reasons       []string
			Draft         struct {
				Subject, Body string
				MailtoURL     string `json:"mailto_url"`
			} `json:"draft"`
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || len(d.People) == 0 {
		t.Fatalf("digest --json (exit %d):\n%s", code, out)
	}
	for _, p := range d.People {
		if p.Email == "" || len(p.Reasons) == 0 || p.Draft.Subject == "" || !strings.HasPrefix(p.Draft.MailtoURL, "mailto:") {
			t.Errorf("person %+v lacks something", p)
		}
	}
	if strings.Contains(out, `\u0026`) {
		t.Error("--json escapes & in mailto links")
	}
	// A preview records nothing: sending still works afterwards.
	if code, out, errOut := run(t, "--config", e.cfg, "digest", "--send", "--no-sync"); code != 0 {
		t.Fatalf("send after preview: %d\n%s%s", code, out, errOut)
	}
}

// checkDigestMessage parses a digest as a mail client would.
func checkDigestMessage(t *testing.T, raw []byte) {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("digest does not parse: %v", err)
	}
	h := r.Header
	if h.Get("X-Rekindle-Digest") == "" || h.Get("Auto-Submitted") != "auto-generated" || h.Get("Message-Id") == "" || h.Get("Date") == "" {
		t.Errorf("digest headers: %v", h)
	}
	if to, _ := h.AddressList("To"); len(to) != 1 || to[0].Address != "jane@example.com" {
		t.Errorf("digest To: %v", to)
	}
	if mt, _, _ := h.ContentType(); mt != "multipart/alternative" {
		t.Errorf("digest Content-Type %q, want multipart/alternative", mt)
	}
	var types []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := p.Header.(*mail.InlineHeader).ContentType()
		types = append(types, ct)
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts %v, want text/plain then text/html", types)
	}
}

func TestDigestSendOncePerDay(t *testing.T) {
	e := newDigestEnv(t)
	code, out, errOut := run(t, "--config", e.cfg, "digest", "--send")
	if code != 0 {
		t.Fatalf("send: %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "Sent the digest") || !strings.Contains(out, "drafts saved to home/Drafts") {
		t.Errorf("send output: %s", out)
	}
	msgs := e.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(msgs))
	}
	checkDigestMessage(t, msgs[0].Data)

	code, _, errOut = run(t, "--config", e.cfg, "digest", "--send", "--no-sync")
	if code != 1 || !strings.Contains(errOut, "already sent") || !strings.Contains(errOut, "--force") {
		t.Errorf("second send (exit %d): %s", code, errOut)
	}
	if code, _, errOut := run(t, "--config", e.cfg, "digest", "--send", "--no-sync", "--force"); code != 0 {
		t.Errorf("forced send: %d %s", code, errOut)
	}
	if n := len(e.smtp.Messages()); n != 2 {
		t.Errorf("%d messages after --force, want 2", n)
	}
}

func TestTemplatesCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tpl")
	code, out, errOut := run(t, "templates", "init", dir)
	if code != 0 || !strings.Contains(out, "Wrote") {
		t.Fatalf("templates init: %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := run(t, "templates", "check", dir); code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("templates check of the defaults: %d\n%s", code, out)
	}
	os.WriteFile(filepath.Join(dir, "checkin.txt"), []byte("Hi {{.Person.Nickname}},\n"), 0o600)
	code, out, _ = run(t, "templates", "check", dir)
	if code != 1 || !strings.Contains(out, "checkin.txt:1") {
		t.Errorf("templates check of a broken template: %d\n%s", code, out)
	}
}
