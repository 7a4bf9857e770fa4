package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/relationship"
)

// overrideCommand makes a command that changes one contact's override.
// WHO is an address, or a name or part of one.
func overrideCommand(name, args, summary, help string, minArgs int,
	apply func(ctx context.Context, e *env, a *app.App, who string, args []string) (string, error)) *command {
	synopsis := args
	return &command{
		name: name, args: args, summary: summary, help: help,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) < minArgs {
					return usagef("want %s", synopsis)
				}
				if strings.TrimSpace(args[0]) == "" {
					return usagef("name a contact by address or name")
				}
				a, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer a.Close()
				msg, err := apply(ctx, e, a, args[0], args[1:])
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, msg)
				return nil
			}
		},
	}
}

func label(c *relationship.Contact) string {
	if c.Name == "" {
		return c.Email
	}
	return fmt.Sprintf("%s <%s>", c.Name, c.Email)
}

func overrideCommands() []*command {
	return []*command{
		overrideCommand("snooze", "WHO UNTIL", "keep someone out of digests until a date (2026-12-01) or for a while (30d, 6w)", "", 2,
			func(ctx context.Context, e *env, a *app.App, who string, args []string) (string, error) {
				until, err := parseUntil(args[0], e.now())
				if err != nil {
					return "", err
				}
				c, err := a.Snooze(ctx, who, until)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("Snoozed %s until %s.", label(c), until.Local().Format("2006-01-02")), nil
			}),
		overrideCommand("unsnooze", "WHO", "end a snooze", "", 1,
			func(ctx context.Context, e *env, a *app.App, who string, _ []string) (string, error) {
				c, err := a.Snooze(ctx, who, time.Time{})
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("%s is no longer snoozed.", label(c)), nil
			}),
		ignoreCommand(true),
		ignoreCommand(false),
		overrideCommand("pin", "WHO", "always keep someone eligible for the digest, whatever their rhythm", "", 1,
			func(ctx context.Context, e *env, a *app.App, who string, _ []string) (string, error) {
				c, err := a.Pin(ctx, who, true)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("Pinned %s.", label(c)), nil
			}),
		overrideCommand("unpin", "WHO", "undo pin", "", 1,
			func(ctx context.Context, e *env, a *app.App, who string, _ []string) (string, error) {
				c, err := a.Pin(ctx, who, false)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("Unpinned %s.", label(c)), nil
			}),
		cadenceCommand(),
		overrideCommand("tag", "WHO TAG...", "label someone (a tag can carry a cadence, and choose the digest's draft)", "", 2,
			func(ctx context.Context, e *env, a *app.App, who string, tags []string) (string, error) {
				for _, t := range tags {
					if err := app.CheckTag(t); err != nil {
						return "", usagef("%v", err)
					}
				}
				c, err := a.Tag(ctx, who, tags)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("Tagged %s: %s.", label(c), strings.ToLower(strings.Join(tags, ", "))), nil
			}),
		overrideCommand("untag", "WHO TAG...", "remove tags", "", 2,
			func(ctx context.Context, e *env, a *app.App, who string, tags []string) (string, error) {
				c, err := a.Untag(ctx, who, tags)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("Removed %s from %s.", strings.ToLower(strings.Join(tags, ", ")), label(c)), nil
			}),
		mergeCommand(),
		splitCommand(),
	}
}

func ignoreCommand(ignore bool) *command {
	name, summary := "ignore", "never treat someone (or an address or domain glob: \"*@linkedin.com\") as a contact"
	if !ignore {
		name, summary = "unignore", "undo ignore"
	}
	return &command{
		name: name, args: "WHO|PATTERN", summary: summary,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("want one contact, address or pattern")
				}
				a, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer a.Close()
				who := args[0]
				res, err := a.Ignore(ctx, who, ignore)
				if err != nil {
					return err
				}
				switch {
				case res.Pattern != "" && !res.Changed && ignore:
					fmt.Fprintf(e.stdout, "%s was already ignored.\n", who)
				case res.Pattern != "" && !res.Changed:
					fmt.Fprintf(e.stdout, "%s was not ignored from the command line (check the config's ignore list).\n", who)
				case res.Pattern != "" && ignore:
					fmt.Fprintf(e.stdout, "Ignoring %s.\n", who)
				case res.Pattern != "":
					fmt.Fprintf(e.stdout, "No longer ignoring %s.\n", who)
				case res.Address != "":
					fmt.Fprintf(e.stdout, "Ignoring %s.\n", res.Address)
				case ignore:
					fmt.Fprintf(e.stdout, "Ignoring %s.\n", label(res.Contact))
				default:
					fmt.Fprintf(e.stdout, "No longer ignoring %s.\n", label(res.Contact))
				}
				return nil
			}
		},
	}
}

func cadenceCommand() *command {
	return &command{
		name: "cadence", args: "WHO DAYS|off  or  cadence --tag TAG DAYS|off",
		summary: "set how often you want to be in touch with someone (or everyone with a tag)",
		help: `
DAYS is a number of days (30) or a duration (30d, 6w); "off" returns to the
rhythm learnt from your mail. With --tag, the cadence applies to everyone
with that tag unless they have their own.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			tag := fs.String("tag", "", "set the cadence of a `TAG` instead of one contact")
			return func(ctx context.Context, e *env, args []string) error {
				want := 2
				if *tag != "" {
					want = 1
				}
				if len(args) != want {
					return usagef("want %d arguments", want)
				}
				value := args[len(args)-1]
				var days float64
				if value != "off" {
					var err error
					if days, err = parseCadence(value); err != nil {
						return err
					}
				}
				a, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer a.Close()
				if *tag != "" {
					if err := a.SetTagCadence(ctx, *tag, days); err != nil {
						return err
					}
					if days == 0 {
						fmt.Fprintf(e.stdout, "Tag %s has no cadence of its own now.\n", *tag)
					} else {
						fmt.Fprintf(e.stdout, "Everyone tagged %s: every %g days.\n", *tag, days)
					}
					return nil
				}
				c, err := a.SetCadence(ctx, args[0], days)
				if err != nil {
					return err
				}
				if days == 0 {
					fmt.Fprintf(e.stdout, "%s: back to the rhythm learnt from your mail.\n", label(c))
				} else {
					fmt.Fprintf(e.stdout, "%s: every %g days.\n", label(c), days)
				}
				return nil
			}
		},
	}
}

func mergeCommand() *command {
	return &command{
		name: "merge", args: "ADDRESS ADDRESS...", summary: "declare several addresses to be one person",
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) < 2 {
					return usagef("want at least two addresses")
				}
				for _, a := range args {
					if !strings.Contains(a, "@") {
						return usagef("%q is not an address", a)
					}
				}
				a, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer a.Close()
				if err := a.Merge(ctx, args); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s are one person now.\n", strings.ToLower(strings.Join(args, ", ")))
				return nil
			}
		},
	}
}

func splitCommand() *command {
	return &command{
		name: "split", args: "ADDRESS ADDRESS", summary: "declare two addresses to be different people",
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 2 || !strings.Contains(args[0], "@") || !strings.Contains(args[1], "@") {
					return usagef("want two addresses")
				}
				a, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer a.Close()
				if err := a.Split(ctx, args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s and %s are different people now.\n", strings.ToLower(args[0]), strings.ToLower(args[1]))
				return nil
			}
		},
	}
}
