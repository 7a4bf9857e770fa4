package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"
)

func actionsCommand() *command {
	return &command{
		name:    "actions",
		args:    "[--json] [--all] [--rotate-secret]",
		summary: "list what the digest's one-tap actions did: applied, or ignored and why",
		help: `
Each digest offers actions beside each person (snooze 30 days, snooze 3
months, not someone to suggest, less often, more often), "no reply needed"
beside each follow-up, and "pause digests for a week" at the bottom. A tap
opens a message to yourself whose subject carries the command and a token;
once you send it, the next sync applies it. Only the subject is read.

A command is applied once, and only when its token was signed by this
store's secret in the last 30 days and the message is from and to one of
your addresses; anything else is ignored and listed here with the reason.
--rotate-secret makes a new secret: every link in earlier digests stops
working.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print the actions as JSON (format in the README)")
			all := fs.Bool("all", false, "list every action, not only the last 50")
			rotate := fs.Bool("rotate-secret", false, "make a new secret for the action links; earlier links stop working")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *rotate {
					a, err := e.open(ctx)
					if err != nil {
						return err
					}
					defer a.Close()
					if err := a.RotateActionSecret(ctx); err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, "New secret made: the action links of earlier digests no longer work; the next digest's do.")
					return nil
				}
				a, err := e.openReadOnly(ctx)
				if err != nil {
					return err
				}
				defer a.Close()
				limit := 50
				if *all {
					limit = 0
				}
				recs, err := a.Actions(ctx, limit)
				if err != nil {
					return err
				}
				if *asJSON {
					out := make([]actionJSON, 0, len(recs))
					for _, r := range recs {
						out = append(out, actionJSON{Seen: r.SeenAt, Sent: r.SentAt, MessageID: r.MessageID, Kind: r.Kind,
							Target: r.Target, About: r.Label, Day: r.Day, Applied: r.Applied, Note: r.Note})
					}
					return writeJSON(e.stdout, out)
				}
				if len(recs) == 0 {
					fmt.Fprintln(e.stdout, "No actions yet: tap one in a digest, send the message it opens, and the next sync applies it.")
					return nil
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "SENT\tACTION\tOUTCOME")
				for _, r := range recs {
					outcome := "applied: " + r.Note
					if !r.Applied {
						outcome = "ignored: " + r.Note
					}
					kind := r.Kind
					if kind == "" {
						kind = "-"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", r.SentAt.Local().Format("2006-01-02 15:04"), kind, outcome)
				}
				return tw.Flush()
			}
		},
	}
}

// actionJSON is the stable JSON form of one action (see README).
type actionJSON struct {
	Seen      time.Time `json:"seen"`
	Sent      time.Time `json:"sent"`
	MessageID string    `json:"message_id"`
	Kind      string    `json:"kind"`
	Target    string    `json:"target"`
	About     string    `json:"about"`
	Day       string    `json:"day"`
	Applied   bool      `json:"applied"`
	Note      string    `json:"note"`
}
