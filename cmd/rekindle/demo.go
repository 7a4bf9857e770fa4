package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/synth"
)

func demoCommand() *command {
	return &command{
		name:    "demo",
		args:    "[--messages N] [--dir DIR]",
		summary: "see what rekindle does, with a synthetic mailbox and no account or network",
		help: `
Starts an IMAP server inside this process, fills it with a generated
mailbox (Jane Doe's three years of mail: colleagues, a mentor, friends,
newsletters, a mailing list, robots), then runs the real sync, relationship
model and digest choice against it and prints what the morning digest
would say. Nothing leaves the machine. The store and a config pointing at
it stay in DIR (a new temporary directory by default), so you can try the
other commands on the demo data afterwards.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			n := fs.Int("messages", 3000, "size of the generated mailbox")
			dir := fs.String("dir", "", "keep the demo's store and config in `DIR`")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return runDemo(ctx, e, *n, *dir)
			}
		},
	}
}

func runDemo(ctx context.Context, e *env, messages int, dir string) error {
	start := time.Now()
	now := e.now()
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: "demo"})
	if err != nil {
		return fmt.Errorf("start the demo IMAP server: %w", err)
	}
	defer srv.Close()
	mb := synth.Generate(synth.Options{Seed: 1, Now: now, Messages: messages})
	if err := loadMailbox(srv, mb); err != nil {
		return err
	}

	if dir == "" {
		if dir, err = os.MkdirTemp("", "rekindle-demo-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	host, port, _ := strings.Cut(srv.Addr, ":")
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`# The demo's configuration: an in-process IMAP server that is gone now.
me:
  name: %s
  addresses: [%s]
accounts:
  - name: demo
    imap: {host: %s, port: %s, security: none, username: jane, password: demo}
store: {path: %s}
`, mb.Me.Name, strings.Join(mb.Addresses, ", "), host, port, filepath.Join(dir, "rekindle.db"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	e.configPath = cfgPath

	fmt.Fprintf(e.stdout, "rekindle demo: %d generated messages of %s <%s> in an IMAP server inside this process.\n\n",
		len(mb.Mails), mb.Me.Name, mb.Me.Email)
	var syncOut bytes.Buffer
	se := *e
	se.stdout = &syncOut
	if err := runSync(ctx, &se, "", false); err != nil {
		return fmt.Errorf("demo sync: %w\n%s", err, syncOut.String())
	}
	lines := strings.Split(strings.TrimSpace(syncOut.String()), "\n")
	fmt.Fprintf(e.stdout, "Sync (headers only):\n  %s\n\n", lines[len(lines)-1])

	config, db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := buildModel(ctx, config, db, now, false)
	if err != nil {
		return err
	}
	counts := map[relationship.Status]int{}
	for _, c := range m.contacts {
		counts[c.Status]++
	}
	fmt.Fprintf(e.stdout, "Relationships: %d two-way (%d warm, %d cooling, %d cold, %d dormant); newsletters, lists, robots and your own addresses left out.\n\n",
		len(m.contacts), counts[relationship.StatusWarm], counts[relationship.StatusCooling], counts[relationship.StatusCold], counts[relationship.StatusDormant])

	fmt.Fprintln(e.stdout, "Worth reconnecting with today:")
	picks := relationship.Pick(m.contacts, now, pickOptions(config, m.history))
	if len(picks) == 0 {
		fmt.Fprintln(e.stdout, "  nobody: every relationship is within its rhythm")
	}
	for i := range picks {
		p := &picks[i]
		fmt.Fprintf(e.stdout, "  %d. %s <%s>, %s\n", i+1, orDash(p.Name), p.Email, p.Status)
		for _, r := range p.Reasons {
			fmt.Fprintf(e.stdout, "       %s\n", r)
		}
	}
	f := m.builder.Followups(now, days(float64(config.Digest.FollowupAfterDays)))
	fmt.Fprintln(e.stdout, "\nFollow-ups:")
	for _, x := range f.AwaitingReply {
		fmt.Fprintf(e.stdout, "  awaiting %s's reply to %q (%d days)\n", nameOrEmail(x.Name, x.Email), x.Subject, x.DaysWaiting)
	}
	for _, x := range f.OwesReply {
		fmt.Fprintf(e.stdout, "  you owe %s a reply to %q (%d days)\n", nameOrEmail(x.Name, x.Email), x.Subject, x.DaysWaiting)
	}
	if len(f.AwaitingReply)+len(f.OwesReply) == 0 {
		fmt.Fprintln(e.stdout, "  none")
	}
	fmt.Fprintf(e.stdout, "\nDone in %s. The demo's store stays in %s; try\n  rekindle --config %s contacts\n",
		time.Since(start).Round(10*time.Millisecond), dir, cfgPath)
	return nil
}

// loadMailbox creates a generated mailbox's folders, with their special
// use, in an in-process server and appends its mail.
func loadMailbox(srv *memimap.Server, mb *synth.Mailbox) error {
	for _, f := range mb.Folders {
		if f.Name == "INBOX" {
			continue
		}
		var use []imap.MailboxAttr
		if f.SpecialUse != "" {
			use = append(use, imap.MailboxAttr(f.SpecialUse))
		}
		if err := srv.Create(f.Name, use...); err != nil {
			return fmt.Errorf("folder %s: %w", f.Name, err)
		}
	}
	for _, m := range mb.Mails {
		flags := make([]imap.Flag, len(m.Flags))
		for i, f := range m.Flags {
			flags[i] = imap.Flag(f)
		}
		if _, err := srv.Append(m.Folder, m.Raw, flags, m.InternalDate); err != nil {
			return err
		}
	}
	return nil
}
