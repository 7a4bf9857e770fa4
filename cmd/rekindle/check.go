package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/mailer"
)

func checkCommand() *command {
	return &command{
		name:    "check",
		args:    "",
		summary: "check the configuration, the accounts, SMTP and the templates, sending nothing",
		help: `
Validates the configuration, logs in to every IMAP account and lists the
folders it will read (and which it skips, and why), finds the Drafts folder
of accounts with drafts: true, logs in to SMTP without sending, parses the
templates, opens the store, and prints the next digest time. Each problem
is one line; the exit status is 1 if there is any.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return runCheck(ctx, e)
			}
		},
	}
}

func runCheck(ctx context.Context, e *env) error {
	var problems []string
	ok := func(format string, args ...any) { fmt.Fprintf(e.stdout, "ok    "+format+"\n", args...) }
	bad := func(err error) {
		fmt.Fprintf(e.stdout, "FAIL  %v\n", err)
		problems = append(problems, err.Error())
	}
	cfg, err := e.loadConfig()
	if err != nil {
		fmt.Fprintf(e.stdout, "FAIL  %v\n", err)
		return fmt.Errorf("the configuration does not load; nothing else was checked")
	}
	ok("configuration %s", e.configPath)

	accounts, err := imapAccounts(cfg)
	if err != nil {
		bad(err)
	}
	// Each step is bounded by its own timeouts (the secret command's, the
	// servers'), which name what stalled; limit is a backstop above them.
	limit := cfg.Timeouts.SecretCommand.Std() + 5*time.Minute
	for i, a := range accounts {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var folders []imapsync.Folder
		err := checkStep(ctx, limit, "account "+a.Name, "logging in to "+a.Addr+" and listing the folders", func(ctx context.Context) (err error) {
			folders, err = imapsync.Plan(ctx, a, nil)
			return err
		})
		if err != nil {
			bad(err)
			continue
		}
		var read, skipped []string
		sent := ""
		for _, f := range folders {
			if f.Skip != "" {
				skipped = append(skipped, fmt.Sprintf("%s (%s)", f.Name, f.Skip))
				continue
			}
			read = append(read, f.Name)
			if f.Sent {
				sent = f.Name
			}
		}
		ok("account %s: logged in to %s as %s", a.Name, a.Addr, a.Username)
		fmt.Fprintf(e.stdout, "        reads %d folders: %s\n", len(read), strings.Join(read, ", "))
		if len(skipped) > 0 {
			fmt.Fprintf(e.stdout, "        skips: %s\n", strings.Join(skipped, ", "))
		}
		if sent == "" {
			bad(fmt.Errorf("account %s: no Sent folder among the folders read (no \\Sent special use, none of the usual names): add its name to folders.include", a.Name))
		} else {
			fmt.Fprintf(e.stdout, "        sent mail: %s\n", sent)
		}
		if cfg.Accounts[i].Drafts {
			var folder string
			err := checkStep(ctx, limit, "account "+a.Name, "finding the Drafts folder", func(ctx context.Context) (err error) {
				folder, err = imapsync.FindDrafts(ctx, a, nil)
				return err
			})
			if err != nil {
				bad(err)
			} else {
				ok("account %s: drafts go to %s", a.Name, folder)
			}
		}
	}

	if ctx.Err() != nil {
		return ctx.Err()
	}
	if cfg.SMTP == nil {
		fmt.Fprintln(e.stdout, "note  no smtp section: digests can be previewed (rekindle digest) but not sent")
	} else if sc, err := smtpConfig(cfg); err != nil {
		bad(err)
	} else {
		err := checkStep(ctx, limit, "smtp", fmt.Sprintf("logging in to %s:%d", sc.Host, cfg.SMTP.Port), func(ctx context.Context) error {
			return mailer.Check(ctx, sc)
		})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "smtp") {
				err = fmt.Errorf("smtp: %w", err)
			}
			bad(err)
		} else {
			ok("smtp: logged in to %s:%d (nothing sent)", sc.Host, cfg.SMTP.Port)
		}
	}

	if _, err := loadTemplates(cfg, e.log); err != nil {
		bad(err)
	} else if cfg.Templates.Dir != "" {
		ok("templates in %s parse and render", cfg.Templates.Dir)
	} else {
		ok("templates: the built-in defaults")
	}

	if db, err := openStore(ctx, cfg); err != nil {
		bad(err)
	} else {
		tot, err := db.Totals(ctx)
		db.Close()
		if err != nil {
			bad(err)
		} else {
			ok("store %s: %d messages", cfg.Store.Path, tot.Messages)
		}
	}

	next := cfg.Digest.Next(e.now())
	ok("next digest %s (schedule %q in %s)", next.Format("Mon 2006-01-02 15:04 MST"), cfg.Digest.Schedule, cfg.Digest.Location())

	if len(problems) > 0 {
		return errors.New(plural(len(problems), "problem", "problems") + " found")
	}
	fmt.Fprintln(e.stdout, "All good.")
	return nil
}

// checkStep runs one step of the check under a backstop deadline. The
// step's own bounds end it first, with an error naming what stalled; if
// the backstop does, the error names who and what did not finish. An
// interruption (Ctrl-C) is returned as it is.
func checkStep(ctx context.Context, limit time.Duration, who, what string, f func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	err := f(cctx)
	if err != nil && ctx.Err() == nil && cctx.Err() != nil {
		return fmt.Errorf("%s: %s did not finish within %s: %w", who, what, limit, err)
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
