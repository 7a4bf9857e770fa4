package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/relationship"
)

// contactJSON is the stable JSON form of one contact (see README).
type contactJSON struct {
	Key          string     `json:"key"`
	Email        string     `json:"email"`
	Addresses    []string   `json:"addresses"`
	Name         string     `json:"name"`
	Status       string     `json:"status"`
	Score        float64    `json:"score"`
	Peak         float64    `json:"peak"`
	Strength     float64    `json:"strength"`
	StrengthRank int        `json:"strength_rank"`
	PersonalDays int        `json:"personal_days"`
	TwoWay       bool       `json:"two_way"`
	Sent         int        `json:"sent"`
	Received     int        `json:"received"`
	ExchangeDays int        `json:"exchange_days"`
	Threads      int        `json:"threads"`
	FirstContact time.Time  `json:"first_contact"`
	LastContact  time.Time  `json:"last_contact"`
	DaysSilent   int        `json:"days_silent"`
	CadenceDays  float64    `json:"cadence_days"`
	Cadence      string     `json:"cadence_source"`
	LastSubject  string     `json:"last_subject"`
	LastFromMe   bool       `json:"last_from_me"`
	Tags         []string   `json:"tags"`
	Pinned       bool       `json:"pinned"`
	SnoozeUntil  *time.Time `json:"snooze_until"`
}

func toContactJSON(c *relationship.Contact) contactJSON {
	j := contactJSON{
		Key: c.Key, Email: c.Email, Addresses: c.Addresses, Name: c.Name, Status: string(c.Status),
		Score: c.Score, Peak: c.Peak, Strength: c.Strength, StrengthRank: c.StrengthRank, PersonalDays: c.PersonalDays, TwoWay: c.TwoWay, Sent: c.Sent, Received: c.Received,
		ExchangeDays: c.ExchangeDays, Threads: c.Threads, FirstContact: c.FirstContact, LastContact: c.LastContact,
		DaysSilent: c.DaysSilent, CadenceDays: c.CadenceDays, Cadence: c.CadenceSource,
		LastSubject: c.LastSubject, LastFromMe: c.LastFromMe, Tags: c.Tags, Pinned: c.Pinned,
	}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if j.Addresses == nil {
		j.Addresses = []string{}
	}
	if c.Snoozed {
		t := c.SnoozeUntil
		j.SnoozeUntil = &t
	}
	return j
}

func contactsCommand() *command {
	return &command{
		name:    "contacts",
		args:    "[--as-of DATE] [--all] [--format table|json|vcard|csv]",
		summary: "list your relationships, strongest first, with status and rhythm; export them as vCard or CSV",
		help: `
A contact is a person you wrote to and who wrote to you (newsletters,
mailing lists, robots and your own addresses never are). Strength (0-100)
is how strong the tie is over its whole history: days of personal
exchange both ways, threads, how long it has lasted and how fast you
answer each other; silence does not wear it down. Warmth (0-100) is the
same history with recent exchanges weighing more. Status compares the
silence with the contact's own rhythm: warm, cooling (past about 2x the
usual gap), cold (past 4x), dormant (silent over a year and past 2x).

--format vcard writes an address book to import (vCard 4.0, one card per
contact: name, every address with the main one preferred, tags as
categories, and rekindle's view in X-REKINDLE-STRENGTH, -STATUS,
-LAST-EXCHANGE and -CADENCE-DAYS); --format csv a spreadsheet with a
header row; --format json (or --json) the JSON documented in the README.

  rekindle contacts --format vcard > contacts.vcf`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asOf := fs.String("as-of", "", "evaluate as of `DATE` (YYYY-MM-DD, end of that day) or an RFC 3339 time; later mail is ignored")
			all := fs.Bool("all", false, "also list one-way correspondents (mail in one direction only)")
			format := fs.String("format", "table", "print as `FORMAT`: table, json, vcard or csv")
			asJSON := fs.Bool("json", false, "print a JSON array (format documented in the README); the same as --format json")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				f := *format
				switch {
				case *asJSON && f != "table" && f != "json":
					return usagef("--json and --format %s: choose one", f)
				case *asJSON:
					f = "json"
				}
				switch f {
				case "table", "json", "vcard", "csv":
				default:
					return usagef("--format %q: want table, json, vcard or csv", f)
				}
				return runContacts(ctx, e, *asOf, *all, f)
			}
		},
	}
}

func runContacts(ctx context.Context, e *env, asOfFlag string, all bool, format string) error {
	a, m, err := e.modelAsOf(ctx, asOfFlag, all)
	if err != nil {
		return err
	}
	defer a.Close()
	asOf := m.Now
	switch format {
	case "json":
		out := make([]contactJSON, 0, len(m.Contacts))
		for i := range m.Contacts {
			out = append(out, toContactJSON(&m.Contacts[i]))
		}
		return writeJSON(e.stdout, out)
	case "vcard":
		return writeVCards(e.stdout, m.Contacts)
	case "csv":
		return writeCSV(e.stdout, m.Contacts)
	}
	if len(m.Contacts) == 0 {
		fmt.Fprintln(e.stdout, `No two-way relationships found yet. Run "rekindle sync" first; "rekindle status" shows what the store holds.`)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tEMAIL\tSTATUS\tSTRENGTH\tWARMTH\tEVERY\tSENT/RECV\tSINCE\tLAST")
	for i := range m.Contacts {
		c := &m.Contacts[i]
		status := string(c.Status)
		if !c.TwoWay {
			status = "one-way"
		}
		if c.Snoozed {
			status += " (snoozed)"
		}
		if c.Pinned {
			status += " (pinned)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f\t%s\t%d/%d\t%s\t%s\n", capEnd(orDash(c.Name), maxNameCol), capEmail(c.Email, maxEmailCol), status, c.Strength, c.Score,
			cadence(c.CadenceDays), c.Sent, c.Received, c.FirstContact.Local().Format("2006-01"), digest.Ago(c.DaysSilent))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "\n%d contacts as of %s\n", len(m.Contacts), asOf.Local().Format("2006-01-02 15:04"))
	return nil
}

// The contacts table's widest name and address, in runes: one long name
// must not pad every line of the table. --json has them whole.
const (
	maxNameCol  = 30
	maxEmailCol = 40
)

// capEnd cuts s to at most n runes, ending a cut with an ellipsis.
func capEnd(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// capEmail cuts an address to at most n runes by taking runes out of its
// middle, where an ellipsis marks the cut: it keeps its start and its
// whole domain when that leaves room for ten runes of the local part,
// else as much of its end as of its start.
func capEmail(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	tail := n / 2
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		if d := utf8.RuneCountInString(s[at:]); d <= n-11 {
			tail = d
		}
	}
	return string(r[:n-1-tail]) + "…" + string(r[len(r)-tail:])
}

func followupsCommand() *command {
	return &command{
		name:    "followups",
		args:    "[--as-of DATE] [--json]",
		summary: "list conversations waiting on a reply: theirs, or yours",
		help: `
Awaiting reply: you wrote to a contact and have had no answer for a while.
Owes reply: a contact wrote to you directly and you have not answered.
Forwards and FYIs, mail among many people, list and machine mail neither
await nor owe a reply. Both clear as soon as the conversation moves on,
and lapse after 30 days. The wait is digest.followup_after_days (default
5). Strongest ties first; the digest shows the first 3 of each.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asOf := fs.String("as-of", "", "evaluate as of `DATE` (YYYY-MM-DD, end of that day) or an RFC 3339 time")
			asJSON := fs.Bool("json", false, `print {"awaiting_reply": [...], "owes_reply": [...]}`)
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return runFollowups(ctx, e, *asOf, *asJSON)
			}
		},
	}
}

// followupJSON is the stable JSON form of one follow-up.
type followupJSON struct {
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Subject    string    `json:"subject"`
	Date       time.Time `json:"date"`
	DaysWaited int       `json:"days_waiting"`
	MessageID  string    `json:"message_id"`
}

func runFollowups(ctx context.Context, e *env, asOfFlag string, asJSON bool) error {
	a, m, err := e.modelAsOf(ctx, asOfFlag, false)
	if err != nil {
		return err
	}
	defer a.Close()
	// The digest's order: the strongest ties first. The digest shows the
	// first few of each list; this lists them all.
	f := a.Followups(m)
	conv := func(in []relationship.Followup) []followupJSON {
		out := make([]followupJSON, 0, len(in))
		for _, x := range in {
			out = append(out, followupJSON{Email: x.Email, Name: x.Name, Subject: x.Subject,
				Date: x.Date, DaysWaited: x.DaysWaiting, MessageID: x.MessageID})
		}
		return out
	}
	awaiting, owes := conv(f.AwaitingReply), conv(f.OwesReply)
	if asJSON {
		return writeJSON(e.stdout, map[string][]followupJSON{"awaiting_reply": awaiting, "owes_reply": owes})
	}
	section := func(title, empty string, items []followupJSON) {
		fmt.Fprintf(e.stdout, "%s\n", title)
		if len(items) == 0 {
			fmt.Fprintf(e.stdout, "  %s\n\n", empty)
			return
		}
		for _, x := range items {
			fmt.Fprintf(e.stdout, "  %-28s %-40q %d days\n", nameOrEmail(x.Name, x.Email), x.Subject, x.DaysWaited)
		}
		fmt.Fprintln(e.stdout)
	}
	section("Awaiting their reply:", "nothing: everyone you wrote to has answered", awaiting)
	section("You owe a reply:", "nothing: you are all caught up", owes)
	return nil
}

func suggestCommand() *command {
	return &command{
		name:    "suggest",
		args:    "[--as-of DATE] [--json]",
		summary: "show who the digest would suggest reconnecting with, and why",
		help: `
The same choice the morning digest makes: at most digest.max_contacts people
whose silence is past their usual rhythm, warmest and most overdue first,
nobody you exchanged mail with in the last digest.quiet_days days, nobody
suggested within digest.cooldown unless pinned, and at most one dormant but
formerly strong tie a week. This only shows the choice; it records nothing.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asOf := fs.String("as-of", "", "evaluate as of `DATE` (YYYY-MM-DD, end of that day) or an RFC 3339 time")
			asJSON := fs.Bool("json", false, "print a JSON array of suggestions")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return runSuggest(ctx, e, *asOf, *asJSON)
			}
		},
	}
}

// suggestionJSON is the stable JSON form of one suggestion.
type suggestionJSON struct {
	contactJSON
	Overdue  float64  `json:"overdue"`
	Priority float64  `json:"priority"`
	Target   string   `json:"target,omitempty"`
	Reasons  []string `json:"reasons"`
}

func runSuggest(ctx context.Context, e *env, asOfFlag string, asJSON bool) error {
	a, m, err := e.modelAsOf(ctx, asOfFlag, false)
	if err != nil {
		return err
	}
	defer a.Close()
	picks := a.Suggestions(m)
	if asJSON {
		out := make([]suggestionJSON, 0, len(picks))
		for i := range picks {
			p := &picks[i]
			out = append(out, suggestionJSON{contactJSON: toContactJSON(&p.Contact), Overdue: p.Overdue,
				Priority: p.Priority, Target: p.Target, Reasons: p.Reasons})
		}
		return writeJSON(e.stdout, out)
	}
	if len(picks) == 0 {
		fmt.Fprintln(e.stdout, "Nobody is due: every relationship is within its rhythm (or was suggested recently).")
		return nil
	}
	for i := range picks {
		p := &picks[i]
		fmt.Fprintf(e.stdout, "%d. %s <%s>  %s, warmth %.0f", i+1, orDash(p.Name), p.Email, p.Status, p.Score)
		if p.Target != "" {
			fmt.Fprintf(e.stdout, "  [target: %s]", p.Target)
		}
		fmt.Fprintln(e.stdout)
		for _, r := range p.Reasons {
			fmt.Fprintf(e.stdout, "   - %s\n", r)
		}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func nameOrEmail(name, email string) string {
	if name != "" {
		return name
	}
	return email
}

func cadence(d float64) string {
	switch {
	case d <= 0:
		return "-"
	case d < 13:
		return fmt.Sprintf("%.0fd", d)
	case d < 60:
		return fmt.Sprintf("%.0fw", d/7)
	case d < 700:
		return fmt.Sprintf("%.0fmo", d/30.4)
	}
	return fmt.Sprintf("%.0fy", d/365)
}

// modelAsOf parses --as-of, loads the configuration and builds the model
// from the store as of that moment. The caller closes the App.
func (e *env) modelAsOf(ctx context.Context, asOfFlag string, all bool) (*app.App, *app.Model, error) {
	asOf, err := parseAsOf(asOfFlag, e.now())
	if err != nil {
		return nil, nil, err
	}
	a, err := e.openReadOnly(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := a.Model(ctx, asOf, all)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, m, nil
}
