package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/rekindle/rekindle/app"
)

func digestCommand() *command {
	return &command{
		name:    "digest",
		args:    "[--as-of DATE] [--html FILE] [--eml FILE] [--json] [--send [--force]]",
		summary: "preview the morning digest, or send it",
		help: `
Without --send this is a preview: it prints the plain-text digest and
changes nothing (no sync, nothing recorded). --html and --eml also write the
HTML part and the whole message to files; --json prints the digest's
content instead of the text.

With --send it syncs every account, then builds today's digest and mails it
to digest.to over SMTP, appends each drafted message to the Drafts folder of
the accounts that have drafts: true (never sending a draft to anyone), and
records the day: a second --send the same day says so and sends nothing,
unless --force.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asOf := fs.String("as-of", "", "preview as of `DATE` (YYYY-MM-DD, end of that day) or an RFC 3339 time")
			htmlFile := fs.String("html", "", "write the HTML part to `FILE`")
			emlFile := fs.String("eml", "", "write the whole message (RFC 5322) to `FILE`")
			asJSON := fs.Bool("json", false, "print the digest's content as JSON")
			send := fs.Bool("send", false, "sync, then send today's digest and record it")
			force := fs.Bool("force", false, "with --send: send even if today's digest was sent")
			noSync := fs.Bool("no-sync", false, "with --send: do not sync first")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *send && *asOf != "" {
					return usagef("--send sends today's digest; --as-of is for previews")
				}
				if *force && !*send {
					return usagef("--force goes with --send")
				}
				if *send {
					a, err := e.open(ctx)
					if err != nil {
						return err
					}
					defer a.Close()
					res, err := a.SendDigest(ctx, e.now(), app.SendOptions{
						Force: *force, Sync: !*noSync,
						Composed: func(c *app.Composed) error { return writeParts(c, *htmlFile, *emlFile) },
					})
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, res)
					return nil
				}
				return previewDigest(ctx, e, *asOf, *htmlFile, *emlFile, *asJSON)
			}
		},
	}
}

func previewDigest(ctx context.Context, e *env, asOfFlag, htmlFile, emlFile string, asJSON bool) error {
	asOf, err := parseAsOf(asOfFlag, e.now())
	if err != nil {
		return err
	}
	a, err := e.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	c, err := a.Compose(ctx, asOf)
	if err != nil {
		return err
	}
	if err := writeParts(c, htmlFile, emlFile); err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // mailto: links keep their '&'
		return enc.Encode(c.Digest)
	}
	fmt.Fprintf(e.stdout, "Subject: %s\n\n%s", c.Rendered.Subject, c.Rendered.Text)
	return nil
}

func writeParts(c *app.Composed, htmlFile, emlFile string) error {
	if htmlFile != "" {
		if err := os.WriteFile(htmlFile, []byte(c.Rendered.HTML), 0o600); err != nil {
			return fmt.Errorf("--html: %w", err)
		}
	}
	if emlFile != "" {
		b, err := c.Message.Bytes()
		if err != nil {
			return fmt.Errorf("build the digest message: %w", err)
		}
		if err := os.WriteFile(emlFile, b, 0o600); err != nil {
			return fmt.Errorf("--eml: %w", err)
		}
	}
	return nil
}
