package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/internal/memsmtp"
	"github.com/rekindle/rekindle/internal/synthimap"
	"github.com/rekindle/rekindle/synth"
)

func demoCommand() *command {
	return &command{
		name:    "demo",
		args:    "[--messages N] [--dir DIR] [--no-job-search]",
		summary: "see what rekindle does, with a synthetic mailbox and no account or network",
		help: `
Starts an IMAP server inside this process, fills it with a generated
mailbox (Jane Doe's three years of mail: colleagues, a mentor, friends,
newsletters, a mailing list, robots), then runs the real sync, relationship
model and digest choice against it and prints what the morning digest
would say. Nothing leaves the machine. The store and a config pointing at
it stay in DIR (a new temporary directory by default), so you can try the
other commands on the demo data afterwards.

Jane is looking for a staff engineer position, with two target companies
where people she knows work: her digest asks her strongest ties to be a
referral and checks in with the rest. --no-job-search shows the digest of
someone who is not looking.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			n := fs.Int("messages", 3000, "size of the generated mailbox")
			dir := fs.String("dir", "", "keep the demo's store and config in `DIR`")
			noJob := fs.Bool("no-job-search", false, "Jane is not job hunting: the plain digest, without referral requests")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return runDemo(ctx, e, *n, *dir, !*noJob)
			}
		},
	}
}

// demoJobSearch is Jane's job search in the demo's config: a role, a
// pitch, and two target companies where people in the synthetic mailbox
// work (Marcus Chen at acme-corp.com, her strongest tie; Elena Petrova
// was at globex.com).
const demoJobSearch = `  looking_for: a staff engineer position on a platform or payments team
  pitch: I build payment systems that stay up, and I like helping teams do the same.
  target_companies:
    - {name: Acme Corp, domains: [acme-corp.com]}
    - {name: Globex, domains: [globex.com]}
`

func runDemo(ctx context.Context, e *env, messages int, dir string, jobSearch bool) error {
	start := time.Now()
	now := e.now()
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: "demo"})
	if err != nil {
		return fmt.Errorf("start the demo IMAP server: %w", err)
	}
	defer srv.Close()
	ms, err := memsmtp.Start(memsmtp.Options{User: "jane", Password: "demo"})
	if err != nil {
		return fmt.Errorf("start the demo SMTP server: %w", err)
	}
	defer ms.Close()
	mb := synth.Generate(synth.Options{Seed: 1, Now: now, Messages: messages})
	if err := synthimap.Load(srv, mb); err != nil {
		return err
	}

	if dir == "" {
		if dir, err = os.MkdirTemp("", "rekindle-demo-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ihost, iport, _ := strings.Cut(srv.Addr, ":")
	shost, sport, _ := strings.Cut(ms.Addr, ":")
	cfgPath := filepath.Join(dir, "config.yaml")
	job := ""
	if jobSearch {
		job = demoJobSearch
	}
	cfg := fmt.Sprintf(`# The demo's configuration. Its IMAP and SMTP servers lived inside the
# "rekindle demo" process and are gone; the store stays, for the commands
# that read it (contacts, followups, suggest, digest without --send).
me:
  name: %s
  addresses: [%s]
%saccounts:
  - name: demo
    imap: {host: %s, port: %s, security: none, username: jane, password: demo}
    drafts: true
store: {path: %s}
smtp: {host: %s, port: %s, security: none, username: jane, password: demo}
`, mb.Me.Name, strings.Join(mb.Addresses, ", "), job, ihost, iport, filepath.Join(dir, "rekindle.db"), shost, sport)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	e.configPath = cfgPath

	fmt.Fprintf(e.stdout, "rekindle demo: %d generated messages of %s <%s>, in an IMAP server inside this process.\n",
		len(mb.Mails), mb.Me.Name, mb.Me.Email)
	if jobSearch {
		fmt.Fprintf(e.stdout, "%s is job hunting (me.looking_for, and me.target_companies Acme Corp and Globex): her strongest ties get referral requests. --no-job-search shows the plain digest.\n",
			firstWord(mb.Me.Name))
	}
	var syncOut bytes.Buffer
	se := *e
	se.stdout = &syncOut
	if err := runSync(ctx, &se, "", false); err != nil {
		return fmt.Errorf("demo sync: %w\n%s", err, syncOut.String())
	}
	lines := strings.Split(strings.TrimSpace(syncOut.String()), "\n")
	fmt.Fprintf(e.stdout, "Synced (headers only): %s\n", strings.TrimPrefix(lines[len(lines)-1], "demo  "))

	// The real digest, sent through the real mailer to an SMTP server
	// inside this process, drafts appended to the IMAP server's Drafts.
	htmlFile := filepath.Join(dir, "digest.html")
	a, err := e.open(ctx)
	if err != nil {
		return fmt.Errorf("demo digest: %w", err)
	}
	defer a.Close()
	res, err := a.SendDigest(ctx, now, app.SendOptions{
		Composed: func(c *app.Composed) error { return writeParts(c, htmlFile, "") },
	})
	if err != nil {
		return fmt.Errorf("demo digest: %w", err)
	}
	fmt.Fprintf(e.stdout, "%s\n", res)
	msgs := ms.Messages()
	if len(msgs) == 0 {
		return fmt.Errorf("demo digest: nothing arrived at the SMTP server")
	}
	text, err := plainPart(msgs[len(msgs)-1].Data)
	if err != nil {
		return fmt.Errorf("demo digest: %w", err)
	}
	fmt.Fprintf(e.stdout, "\nThe digest that arrived:\n%s\n\n", strings.Repeat("-", 72))
	fmt.Fprint(e.stdout, text)
	fmt.Fprintf(e.stdout, "%s\n\nThe HTML digest is in %s (open it in a browser).\n", strings.Repeat("-", 72), htmlFile)
	fmt.Fprintf(e.stdout, "Done in %s. The store stays in %s; try\n  rekindle --config %s contacts\n",
		time.Since(start).Round(10*time.Millisecond), dir, cfgPath)
	return nil
}

// firstWord is the first word of s.
func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}

// plainPart returns the text/plain part of a message, decoded.
func plainPart(raw []byte) (string, error) {
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	subject, _ := r.Header.Subject()
	for {
		p, err := r.NextPart()
		if err != nil {
			return "", fmt.Errorf("no text part: %w", err)
		}
		if h, ok := p.Header.(*gomail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				b, err := io.ReadAll(p.Body)
				return "Subject: " + subject + "\n\n" + string(b), err
			}
		}
	}
}
