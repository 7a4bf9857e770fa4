package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/rekindle/rekindle/app"
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
	cfg, err := e.loadConfig()
	if err != nil {
		fmt.Fprintf(e.stdout, "FAIL  %v\n", err)
		return fmt.Errorf("the configuration does not load; nothing else was checked")
	}
	fmt.Fprintf(e.stdout, "ok    configuration %s\n", e.configPath)
	a, err := app.New(cfg, e.options())
	if err != nil {
		return err
	}
	prefix := map[app.CheckStatus]string{app.CheckOK: "ok    ", app.CheckFail: "FAIL  ", app.CheckNote: "note  ", app.CheckDetail: "        "}
	problems, err := a.Check(ctx, func(l app.CheckLine) { fmt.Fprintf(e.stdout, "%s%s\n", prefix[l.Status], l.Text) })
	if err != nil {
		return err
	}
	if problems > 0 {
		return errors.New(app.Plural(problems, "problem", "problems") + " found")
	}
	fmt.Fprintln(e.stdout, "All good.")
	return nil
}
