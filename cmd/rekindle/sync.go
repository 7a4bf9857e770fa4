package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/imapsync"
)

func syncCommand() *command {
	return &command{
		name:    "sync",
		args:    "[--account NAME] [--json]",
		summary: "fetch new mail headers from every account into the store, once",
		help: `
Each account's folders are compared with what the store holds; only new
messages are fetched (headers only, never bodies), expunged ones are removed,
and an unchanged folder costs one status query. A sync that is interrupted
resumes where it stopped. One line per folder is printed when done; on a
terminal, a progress line shows the first sync of a large folder. Where a
server across the internet offers it, the connection is compressed (the
account's imap.compress; the summary line says "(compressed)"). Without
--account, the CardDAV address book (address_book.carddav) is read too and
its cards kept for the model; when it cannot be, the last read's stay.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			account := fs.String("account", "", "sync only this account")
			asJSON := fs.Bool("json", false, "print the result as JSON")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return runSync(ctx, e, *account, *asJSON)
			}
		},
	}
}

// syncJSON is the stable JSON form of a sync's result (see README).
type syncJSON struct {
	Account    string           `json:"account"`
	SentFolder string           `json:"sent_folder"`
	Compressed bool             `json:"compressed"`
	Folders    []syncFolderJSON `json:"folders"`
	Skipped    []skippedJSON    `json:"skipped"`
	Dropped    []string         `json:"dropped"`
	Error      string           `json:"error,omitempty"`
}

type syncFolderJSON struct {
	Name      string  `json:"name"`
	Added     int     `json:"added"`
	Removed   int     `json:"removed"`
	Messages  int     `json:"messages"`
	Unchanged bool    `json:"unchanged"`
	Reset     bool    `json:"reset"`
	Seconds   float64 `json:"seconds"`
	Error     string  `json:"error,omitempty"`
}

type skippedJSON struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

func runSync(ctx context.Context, e *env, only string, asJSON bool) error {
	a, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	var (
		out []syncJSON
		p   = newProgress(e.stderr, isTerminal(e.stderr) && !asJSON)
	)
	report, err := a.Sync(ctx, app.SyncOptions{
		Account:  only,
		Progress: p.update,
		AccountDone: func(res *imapsync.Result, err error) {
			p.done()
			if asJSON {
				out = append(out, toSyncJSON(res, err))
			} else {
				printSync(e.stdout, res, err)
			}
		},
	})
	if errors.Is(err, app.ErrNoAccount) {
		return usagef("no account named %q in %s", only, e.configPath)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if asJSON {
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
		return err
	}
	if ab := report.AddressBook; ab != nil {
		fmt.Fprintf(e.stdout, "address book %s: %s in %s\n", ab.URL, app.Plural(ab.Cards, "card", "cards"), ab.Took.Round(time.Millisecond))
	}
	for _, r := range report.Actions {
		if r.Applied {
			fmt.Fprintf(e.stdout, "digest action applied: %s\n", r.Note)
		} else {
			fmt.Fprintf(e.stdout, "digest action ignored: %s (see rekindle actions)\n", r.Note)
		}
	}
	return err
}

func toSyncJSON(res *imapsync.Result, err error) syncJSON {
	j := syncJSON{Account: res.Account, SentFolder: res.SentFolder, Compressed: res.Compressed, Dropped: res.Dropped,
		Folders: []syncFolderJSON{}, Skipped: []skippedJSON{}}
	if j.Dropped == nil {
		j.Dropped = []string{}
	}
	if err != nil {
		j.Error = err.Error()
	}
	for _, f := range res.Folders {
		fj := syncFolderJSON{Name: f.Folder, Added: f.Added, Removed: f.Removed, Messages: f.Messages,
			Unchanged: f.Unchanged, Reset: f.Reset, Seconds: f.Duration.Seconds()}
		if f.Err != nil {
			fj.Error = f.Err.Error()
		}
		j.Folders = append(j.Folders, fj)
	}
	for _, s := range res.Skipped {
		j.Skipped = append(j.Skipped, skippedJSON{Name: s.Name, Reason: s.Skip})
	}
	return j
}

// printSync writes one line per folder and a summary line.
func printSync(w io.Writer, res *imapsync.Result, err error) {
	width := 6
	for _, f := range res.Folders {
		width = max(width, len(f.Folder))
	}
	var added, removed, stored int
	for _, f := range res.Folders {
		added += f.Added
		removed += f.Removed
		stored += f.Messages
		var what string
		switch {
		case f.Err != nil:
			what = "FAILED: " + f.Err.Error()
		case f.Unchanged:
			what = "unchanged"
		default:
			what = fmt.Sprintf("+%d -%d", f.Added, f.Removed)
			if f.Reset {
				what += " (UIDVALIDITY changed: synced afresh)"
			}
		}
		sent := ""
		if f.Sent {
			sent = " (sent)"
		}
		fmt.Fprintf(w, "%s  %-*s  %8d stored  %-10s %s%s\n", res.Account, width, f.Folder, f.Messages,
			f.Duration.Round(time.Millisecond), what, sent)
	}
	for _, d := range res.Dropped {
		fmt.Fprintf(w, "%s  %-*s  removed from the store: gone from the server or no longer chosen\n", res.Account, width, d)
	}
	if len(res.Skipped) > 0 {
		var names []string
		for _, s := range res.Skipped {
			names = append(names, fmt.Sprintf("%s (%s)", s.Name, s.Skip))
		}
		fmt.Fprintf(w, "%s  skipped: %s\n", res.Account, strings.Join(names, ", "))
	}
	if res.SentFolder == "" && err == nil {
		fmt.Fprintf(w, "%s  warning: no Sent folder found (no \\Sent special-use folder and none of the usual names); "+
			"rekindle needs the mail you sent: add your Sent folder's name to folders.include\n", res.Account)
	}
	if err != nil {
		fmt.Fprintf(w, "%s  FAILED: %v\n", res.Account, err)
		return
	}
	compressed := ""
	if res.Compressed {
		compressed = " (compressed)"
	}
	fmt.Fprintf(w, "%s  %d folders, +%d -%d messages, %d stored%s\n", res.Account, len(res.Folders), added, removed, stored, compressed)
}

// progress draws one self-overwriting line on a terminal while a large
// folder is fetched; elsewhere it stays silent.
type progress struct {
	w       io.Writer
	enabled bool
	mu      sync.Mutex
	last    time.Time
	drawn   bool
}

func newProgress(w io.Writer, enabled bool) *progress { return &progress{w: w, enabled: enabled} }

// minProgress is the size below which a folder is too small to be worth a
// progress line.
const minProgress = 2000

func (p *progress) update(ev imapsync.Progress) {
	if !p.enabled || ev.Total < minProgress {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || ev.Done == ev.Total {
		p.last = now
		fmt.Fprintf(p.w, "\r\033[K%s/%s: %d of %d messages (%d%%)", ev.Account, ev.Folder, ev.Done, ev.Total, 100*ev.Done/max(ev.Total, 1))
		p.drawn = true
	}
}

// done clears the line, if one was drawn.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
