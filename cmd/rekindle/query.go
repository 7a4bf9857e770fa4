package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net/mail"
	"strings"

	"github.com/rekindle/rekindle/app"
)

func queryCommand() *command {
	return &command{
		name:    "query",
		args:    "[--limit N] [STRING...]",
		summary: "complete addresses for a mail client (mutt, neomutt, aerc), strongest ties first",
		help: `
Prints the addresses of the people whose name or address contains STRING
(in any case; the words of STRING are joined with spaces, and no STRING
lists everyone), in the form mutt's query_command reads: a first line
saying what was found, then one address per line, with a tab between the
address, the name and a note (the tie's strength, or one-way):

  rekindle: 2 matches for "ann"
  ann@example.org	Ann Smith	strength 71
  ann.smith@old.example	Ann Smith	strength 71, other address

People you exchanged mail with come first, strongest first, then people
you only wrote to (or who only wrote to you), most recent first; nobody
you ignore. A contact's other addresses follow their main one when they
match too. With no match it prints only the first line, and exits with
status 1, as mutt's manual asks of a query command. aerc reads the same
lines and skips the first.

It answers from a snapshot of your contacts that each sync (and ignore,
merge and split) brings up to date, within a few tens of milliseconds;
when the snapshot is out of date it works the contacts out from the store
instead, which takes longer. The README has the lines to put in muttrc,
neomuttrc and aerc.conf, such as

  set query_command = "rekindle query -- %s"

(the -- keeps something typed with a leading dash from reading as a flag).`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			limit := fs.Int("limit", 30, "offer at most `N` addresses")
			return func(ctx context.Context, e *env, args []string) error {
				if *limit < 1 {
					return usagef("--limit %d: want at least 1", *limit)
				}
				return runQuery(ctx, e, strings.Join(args, " "), *limit)
			}
		},
	}
}

// runQuery prints the query's answer. A failure is also the first line of
// standard output, which is where mutt looks for the message.
func runQuery(ctx context.Context, e *env, q string, limit int) error {
	q = app.OneLine(q)
	res, err := query(ctx, e, q, limit)
	if err != nil {
		fmt.Fprintln(e.stdout, app.OneLine("rekindle: "+err.Error()))
		return err
	}
	w := bufio.NewWriter(e.stdout)
	lines := queryLines(res.Matches)
	fmt.Fprintln(w, queryStatus(q, len(lines), res.More))
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(lines) == 0 {
		return exitStatus(1)
	}
	return nil
}

func query(ctx context.Context, e *env, q string, limit int) (app.QueryResult, error) {
	a, err := e.openReadOnly(ctx)
	if err != nil {
		return app.QueryResult{}, err
	}
	defer a.Close()
	res, err := a.Query(ctx, q, limit)
	if err == nil && !res.Cached {
		e.log.Debug("contacts snapshot out of date: worked the contacts out from the store")
	}
	return res, err
}

// queryStatus is the first line of the answer, which mutt shows as a
// message and aerc skips: it never reads as an address (it has a colon
// and no @ outside quotes).
func queryStatus(q string, n int, more bool) string {
	what := `for "` + q + `"`
	if q == "" {
		what = "among everyone, strongest ties first"
	}
	switch {
	case n == 0:
		return "rekindle: no matches " + what
	case more:
		return fmt.Sprintf("rekindle: the first %d matches %s", n, what)
	case n == 1:
		return "rekindle: 1 match " + what
	}
	return fmt.Sprintf("rekindle: %d matches %s", n, what)
}

// queryLines are the answer's lines: address, tab, name, tab, note. A
// match without a name is the address alone: mutt splits a line at runs
// of tabs (strtok), so an empty name would make the note the name. An
// address that no line can carry (addressOK) is left out. Names are on
// one line already (app.OneLine), so they hold no tab.
func queryLines(ms []app.QueryMatch) []string {
	var out []string
	for _, m := range ms {
		addr, ok := addrSpec(m.Email)
		if !ok {
			continue
		}
		if m.Name == "" {
			out = append(out, addr)
			continue
		}
		note := "one-way"
		if m.TwoWay {
			note = fmt.Sprintf("strength %.0f", m.Strength)
		}
		if m.Other {
			note += ", other address"
		}
		out = append(out, addr+"\t"+m.Name+"\t"+note)
	}
	return out
}

// addrSpec writes an address as a mail client parses it: as it is, or
// with its local part quoted when it needs to be ("john doe"@example.com).
// ok is false for an address that cannot go on a line (addressOK) or
// that does not parse back to itself.
func addrSpec(email string) (string, bool) {
	if !addressOK(email) {
		return "", false
	}
	s := (&mail.Address{Address: email}).String() // <addr-spec>
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	back, err := mail.ParseAddress(s)
	if err != nil || !strings.EqualFold(back.Address, email) {
		return "", false
	}
	return s, true
}

// exitStatus ends a command with an exit status and nothing more on
// standard error: the command said what it had to.
type exitStatus int

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }
