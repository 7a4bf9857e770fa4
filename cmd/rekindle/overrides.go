package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
)

// overrideCommand makes a command that changes one contact's override.
// WHO is an address, or a name or part of one.
func overrideCommand(name, args, summary, help string, minArgs int,
	apply func(ctx context.Context, e *env, db *store.DB, c *relationship.Contact, args []string) (string, error)) *command {
	synopsis := args
	return &command{
		name: name, args: args, summary: summary, help: help,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) < minArgs {
					return usagef("want %s", synopsis)
				}
				cfg, db, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer db.Close()
				c, err := resolve(ctx, cfg, db, e.now(), args[0])
				if err != nil {
					return err
				}
				msg, err := apply(ctx, e, db, c, args[1:])
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, msg)
				return nil
			}
		},
	}
}

// resolve finds the contact the user named, among everyone: one-way
// correspondents, and people the user ignored (so they can be un-ignored:
// the model drops ignored people, so the overrides' ignores are lifted
// for the lookup).
func resolve(ctx context.Context, cfg *config.Config, db *store.DB, now time.Time, who string) (*relationship.Contact, error) {
	opts, err := relationshipOptions(ctx, cfg, db, now, true)
	if err != nil {
		return nil, err
	}
	for k, o := range opts.Overrides {
		o.Ignore = false
		opts.Overrides[k] = o
	}
	m, err := buildModelWith(ctx, db, opts, now)
	if err != nil {
		return nil, err
	}
	return findContact(m.contacts, who)
}

func label(c *relationship.Contact) string {
	if c.Name == "" {
		return c.Email
	}
	return fmt.Sprintf("%s <%s>", c.Name, c.Email)
}

// parseUntil reads a date (YYYY-MM-DD) or a duration from now (30d, 2w).
func parseUntil(s string, now time.Time) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if strings.HasSuffix(s, "w") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "w")); err == nil && n > 0 {
			return now.AddDate(0, 0, 7*n), nil
		}
	}
	if d, err := config.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), nil
	}
	return time.Time{}, usagef("%q: want a date (2026-12-01) or a time from now (30d, 6w)", s)
}

// parseCadence reads a cadence: days as a number, or a duration (30d, 6w).
func parseCadence(s string) (float64, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 0 {
		return n, nil
	}
	if strings.HasSuffix(s, "w") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "w")); err == nil && n > 0 {
			return float64(7 * n), nil
		}
	}
	if d, err := config.ParseDuration(s); err == nil && d >= 24*time.Hour {
		return d.Hours() / 24, nil
	}
	return 0, usagef("cadence %q: want days (30), or a duration of at least a day (30d, 6w), or \"off\"", s)
}

func overrideCommands() []*command {
	return []*command{
		overrideCommand("snooze", "WHO UNTIL", "keep someone out of digests until a date (2026-12-01) or for a while (30d, 6w)", "", 2,
			func(ctx context.Context, e *env, db *store.DB, c *relationship.Contact, args []string) (string, error) {
				until, err := parseUntil(args[0], e.now())
				if err != nil {
					return "", err
				}
				err = db.UpdateOverride(ctx, c.Key, func(o *store.Override) { o.SnoozeUntil = until })
				return fmt.Sprintf("Snoozed %s until %s.", label(c), until.Local().Format("2006-01-02")), err
			}),
		overrideCommand("unsnooze", "WHO", "end a snooze", "", 1,
			func(ctx context.Context, e *env, db *store.DB, c *relationship.Contact, _ []string) (string, error) {
				err := db.UpdateOverride(ctx, c.Key, func(o *store.Override) { o.SnoozeUntil = time.Time{} })
				return fmt.Sprintf("%s is no longer snoozed.", label(c)), err
			}),
		ignoreCommand(true),
		ignoreCommand(false),
		overrideCommand("pin", "WHO", "always keep someone eligible for the digest, whatever their rhythm", "", 1,
			func(ctx context.Context, e *env, db *store.DB, c *relationship.Contact, _ []string) (string, error) {
				err := db.UpdateOverride(ctx, c.Key, func(o *store.Override) { o.Pinned = true })
				return fmt.Sprintf("Pinned %s.", label(c)), err
			}),
		overrideCommand("unpin", "WHO", "undo pin", "", 1,
			func(ctx context.Context, e *env, db *store.DB, c *relationship.Contact, _ []string) (string, error) {
				err := db.UpdateOverride(ctx, c.Key, func(o *store.Override) { o.Pinned = false })
				return fmt.Sprintf("Unpinned %s.", label(c)), err
			}),
		cadenceCommand(),
		overrideCommand("tag", "WHO TAG...", "label someone (a tag can carry a cadence, and choose the digest's draft)", "", 2,
			func(ctx context.Context, e *env, db *store.DB, c *relationship.Contact, tags []string) (string, error) {
				for _, t := range tags {
					if strings.ContainsAny(t, " \t,") {
						return "", usagef("tag %q: a tag is one word", t)
					}
				}
				err := db.UpdateOverride(ctx, c.Key, func(o *store.Override) { o.Tags = append(o.Tags, lower(tags)...) })
				return fmt.Sprintf("Tagged %s: %s.", label(c), strings.Join(lower(tags), ", ")), err
			}),
		overrideCommand("untag", "WHO TAG...", "remove tags", "", 2,
			func(ctx context.Context, e *env, db *store.DB, c *relationship.Contact, tags []string) (string, error) {
				err := db.UpdateOverride(ctx, c.Key, func(o *store.Override) {
					o.Tags = slices.DeleteFunc(o.Tags, func(t string) bool { return slices.Contains(lower(tags), t) })
				})
				return fmt.Sprintf("Removed %s from %s.", strings.Join(lower(tags), ", "), label(c)), err
			}),
		mergeCommand(),
		splitCommand(),
	}
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// isPattern tells an address or domain glob ("*@linkedin.com",
// "example.net") from a name or a plain address.
func isPattern(s string) bool {
	return strings.ContainsAny(s, "*?") || !strings.Contains(s, "@") && !strings.Contains(s, " ") && strings.Contains(s, ".")
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
				cfg, db, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer db.Close()
				who := args[0]
				if isPattern(who) {
					changed, err := db.SetIgnorePattern(ctx, who, ignore)
					if err != nil {
						return err
					}
					switch {
					case !changed && ignore:
						fmt.Fprintf(e.stdout, "%s was already ignored.\n", who)
					case !changed:
						fmt.Fprintf(e.stdout, "%s was not ignored from the command line (check the config's ignore list).\n", who)
					case ignore:
						fmt.Fprintf(e.stdout, "Ignoring %s.\n", who)
					default:
						fmt.Fprintf(e.stdout, "No longer ignoring %s.\n", who)
					}
					return nil
				}
				c, err := resolve(ctx, cfg, db, e.now(), who)
				if err != nil && strings.Contains(who, "@") && ignore {
					// Someone not (yet) a contact can be ignored by address.
					if err := db.UpdateOverride(ctx, who, func(o *store.Override) { o.Ignored = true }); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Ignoring %s.\n", strings.ToLower(who))
					return nil
				} else if err != nil {
					return err
				}
				for _, key := range append([]string{c.Key}, c.Addresses...) {
					if err := db.UpdateOverride(ctx, key, func(o *store.Override) { o.Ignored = ignore }); err != nil {
						return err
					}
					if ignore {
						break // the key covers every address
					}
				}
				if ignore {
					fmt.Fprintf(e.stdout, "Ignoring %s.\n", label(c))
				} else {
					fmt.Fprintf(e.stdout, "No longer ignoring %s.\n", label(c))
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
				cfg, db, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer db.Close()
				if *tag != "" {
					if err := db.SetTagCadence(ctx, strings.ToLower(*tag), days); err != nil {
						return err
					}
					if days == 0 {
						fmt.Fprintf(e.stdout, "Tag %s has no cadence of its own now.\n", *tag)
					} else {
						fmt.Fprintf(e.stdout, "Everyone tagged %s: every %g days.\n", *tag, days)
					}
					return nil
				}
				c, err := resolve(ctx, cfg, db, e.now(), args[0])
				if err != nil {
					return err
				}
				if err := db.UpdateOverride(ctx, c.Key, func(o *store.Override) { o.CadenceDays = days }); err != nil {
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
				_, db, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer db.Close()
				if err := db.Merge(ctx, lower(args)); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s are one person now.\n", strings.Join(lower(args), ", "))
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
				_, db, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer db.Close()
				if err := db.Split(ctx, args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s and %s are different people now.\n", strings.ToLower(args[0]), strings.ToLower(args[1]))
				return nil
			}
		},
	}
}
