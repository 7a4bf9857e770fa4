package app

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"unicode"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
)

// The contacts snapshot: the contacts as the application last worked
// them out, saved in the store so that Query, which mail clients run on
// every keystroke, answers without building the model.
//
// What it holds: every contact, one-way correspondents included and the
// ignored left out, with their name, addresses and strength, in Query's
// order. None of it depends on the moment (strength is not worn down by
// silence), so the snapshot stays right until something it is worked out
// from changes:
//
//   - what the store holds: the store marks the snapshot out of date
//     itself whenever a message is stored, replaced or deleted, or
//     someone's ignore, an ignore pattern, a merge or a split changes
//     (migration 0009);
//   - the configuration's part of the model's options (me.addresses,
//     ignore) and the rekindle that built it: contactsBasis, saved with
//     the rows and compared by every reader.
//
// When it is refreshed: at the end of every Sync (the daemon's too) and
// after the overrides that change who is a contact (Ignore, Merge,
// Split), each time only when it is out of date. A refresh that raced a
// change is not saved. Query serves the snapshot when it is current and
// builds the model otherwise, with the same rows and order either way.

// snapshotFormat names what the snapshot's rows are and how they are
// worked out (contactRows, the model's rules among it); change it when
// they change, so that a build that carries no version (a "go build" with
// -buildvcs=false) does not serve an older build's rows. 2: same-named
// addresses are one person without a common thread.
const snapshotFormat = "contacts 2"

// contactsBasis fingerprints what the snapshot depends on besides the
// store: its format, the rekindle that builds it (a.build: a new build
// may work contacts out differently) and the configuration's options.
func (a *App) contactsBasis() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%q\n%#v\n", snapshotFormat, a.build, a.configOptions())
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// buildID identifies the running rekindle when Options.Build does not:
// its module version and, for a build from a checkout, the commit and
// whether it was modified.
func buildID() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	id := bi.Main.Path + " " + bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision", "vcs.time", "vcs.modified":
			id += " " + s.Value
		}
	}
	return id
}

// contactRows works the snapshot's rows out: the model as of now with
// every contact (one-way ones too, the ignored left out), in Query's
// order. The moment is a day ahead (rekindle.MaxDateAhead), so that
// every message the store holds counts, even one dated a little after it
// arrived.
func (a *App) contactRows(ctx context.Context) ([]store.ContactRow, error) {
	asOf := a.now().Add(rekindle.MaxDateAhead)
	opts, err := a.relationshipOptions(ctx, asOf, true)
	if err != nil {
		return nil, err
	}
	m, err := a.modelWith(ctx, opts, asOf)
	if err != nil {
		return nil, err
	}
	return snapshotRows(m.Contacts), nil
}

// snapshotRows turns contacts into the snapshot's rows, in Query's order:
// two-way contacts first, strongest first; then one-way correspondents,
// the people the user wrote to (who never answered yet) before those who
// only wrote to the user, each most recent first; ties go to the most
// recent exchange, then the key. The order depends on nothing that
// changes with the moment.
func snapshotRows(cs []relationship.Contact) []store.ContactRow {
	order := make([]*relationship.Contact, len(cs))
	for i := range cs {
		order[i] = &cs[i]
	}
	slices.SortFunc(order, func(x, y *relationship.Contact) int {
		if x.TwoWay != y.TwoWay {
			if x.TwoWay {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(y.Strength, x.Strength); c != 0 {
			return c
		}
		if xs, ys := x.Sent > 0, y.Sent > 0; xs != ys {
			if xs {
				return -1
			}
			return 1
		}
		if c := y.LastContact.Compare(x.LastContact); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
	rows := make([]store.ContactRow, len(order))
	for i, c := range order {
		rows[i] = store.ContactRow{
			Key: c.Key, Name: OneLine(c.Name), Email: c.Email, Addresses: c.Addresses,
			TwoWay: c.TwoWay, Strength: c.Strength,
		}
	}
	return rows
}

// RefreshContacts brings the contacts snapshot up to date when it is
// not, and reports whether it saved one: it does not when the snapshot
// was current, nor when something changed while it worked (the next
// refresh will see to it).
func (a *App) RefreshContacts(ctx context.Context) (bool, error) {
	basis := a.contactsBasis()
	fresh, err := a.db.ContactsFresh(ctx, basis)
	if err != nil {
		return false, err
	}
	// The address book names and joins people too. Reading it on every
	// query would cost a query more than it may take, so the snapshot
	// follows it here, at each sync: it is rebuilt when the cards differ
	// from those it was built with.
	cards, err := a.Cards(ctx)
	if err != nil {
		return false, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%#v", cards)
	book := h.Sum(nil)
	was, err := a.db.Setting(ctx, settingSnapshotCards)
	if err != nil {
		return false, err
	}
	if fresh && bytes.Equal(was, book) {
		return false, nil
	}
	gen, err := a.db.BeginContacts(ctx)
	if err != nil {
		return false, err
	}
	rows, err := a.contactRows(ctx)
	if err != nil {
		return false, err
	}
	saved, err := a.db.SaveContacts(ctx, gen, basis, rows)
	if err != nil || !saved {
		return saved, err
	}
	return true, a.db.SetSetting(ctx, settingSnapshotCards, book)
}

// settingSnapshotCards names the fingerprint of the address book the
// contacts snapshot was built with.
const settingSnapshotCards = "contacts_snapshot_cards"

// refreshContacts is RefreshContacts where it is no use case's main
// work: a failure is logged, not returned. Query stays right without the
// snapshot, only slower.
func (a *App) refreshContacts(ctx context.Context) {
	saved, err := a.RefreshContacts(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.Warn("contacts snapshot not refreshed: rekindle query works the contacts out each time until a sync refreshes it",
			slog.Any("err", err))
	case saved:
		a.log.Debug("contacts snapshot refreshed")
	}
}

// QueryMatch is one address Query offers.
type QueryMatch struct {
	// Email is the contact's main address or, with Other, another of
	// their addresses that itself matched.
	Email string
	Other bool
	// Name is the contact's name on one line (OneLine); it may be empty.
	Name     string
	TwoWay   bool
	Strength float64
}

// QueryResult is what Query found.
type QueryResult struct {
	Matches []QueryMatch
	// More says that more matched than the limit let through.
	More bool
	// Cached says the answer came from the contacts snapshot; false when
	// it was out of date and the model was built.
	Cached bool
}

// Query finds the addresses to offer for what the user typed, for a mail
// client's address completion: the contacts whose name or one of whose
// addresses contains q, ignoring case (q is taken on one line, OneLine;
// an empty q matches everyone), two-way contacts first, strongest first,
// then one-way correspondents (people the user wrote to who never
// answered yet, then people who wrote and got no answer), most recent
// first. Ignored people are never offered. Each contact gives its main
// address, then any other address of theirs that contains q; at most
// limit addresses in all.
//
// It reads the contacts snapshot when that is current, and works the
// contacts out from the store otherwise, with the same answer.
func (a *App) Query(ctx context.Context, q string, limit int) (QueryResult, error) {
	q = strings.ToLower(OneLine(q))
	if limit <= 0 {
		return QueryResult{}, nil
	}
	// Each contact gives at least one address: limit+1 contacts are
	// enough to know whether more matched.
	rows, fresh, err := a.db.SearchContacts(ctx, a.contactsBasis(), q, limit+1)
	if err != nil {
		return QueryResult{}, err
	}
	res := QueryResult{Cached: fresh}
	if !fresh {
		all, err := a.contactRows(ctx)
		if err != nil {
			return QueryResult{}, err
		}
		rows = nil
		for _, r := range all {
			if matches(r, q) {
				if rows = append(rows, r); len(rows) > limit {
					break
				}
			}
		}
	}
	for _, r := range rows {
		m := QueryMatch{Email: r.Email, Name: r.Name, TwoWay: r.TwoWay, Strength: r.Strength}
		if !res.add(m, limit) {
			break
		}
		for _, addr := range r.Addresses {
			if addr != r.Email && strings.Contains(strings.ToLower(addr), q) {
				m.Email, m.Other = addr, true
				if !res.add(m, limit) {
					break
				}
			}
		}
	}
	return res, nil
}

// add appends m unless res holds limit matches already, which it then
// marks as having more.
func (res *QueryResult) add(m QueryMatch, limit int) bool {
	if len(res.Matches) >= limit {
		res.More = true
		return false
	}
	res.Matches = append(res.Matches, m)
	return true
}

// matches is what store.SearchContacts does in the snapshot: whether r's
// name or one of its addresses contains q (lower case) in lower case.
func matches(r store.ContactRow, q string) bool {
	if strings.Contains(strings.ToLower(r.Name), q) {
		return true
	}
	for _, addr := range r.Addresses {
		if strings.Contains(strings.ToLower(addr), q) {
			return true
		}
	}
	return false
}

// OneLine puts text from a mail header on one line for output: every
// control character (tabs, line breaks, escapes), line and paragraph
// separator and run of white space becomes one space, and the ends are
// trimmed. A display name can hold any of these (an encoded word decodes
// to anything); none belongs in a name.
func OneLine(s string) string {
	clean := true
	for _, r := range s {
		if r != ' ' && (unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			clean = false
			break
		}
	}
	if clean && !strings.Contains(s, "  ") && strings.TrimSpace(s) == s {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}), " ")
}
