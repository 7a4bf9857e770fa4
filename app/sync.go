package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/store"
)

// SyncOptions narrow and watch a sync.
type SyncOptions struct {
	// Account, when set, syncs only the account of that name.
	Account string
	// Progress, when set, hears how a large folder's first sync goes.
	Progress func(imapsync.Progress)
	// AccountDone, when set, is called as each account finishes, with
	// its result (never nil) and its error, before the next starts.
	AccountDone func(*imapsync.Result, error)
}

// SyncReport is what a sync of every account did.
type SyncReport struct {
	// Accounts has one result per account synced, in order (never nil).
	Accounts []*imapsync.Result
	// Actions are the digest actions the sync found and looked at:
	// applied, or ignored and why.
	Actions []store.ActionRecord
	// AddressBook is what the read of the CardDAV address book found;
	// nil without one, when it failed, or when the sync was of one
	// account.
	AddressBook *CardDAVRead
}

// Summary sums the sync up in one line for the service status: "3
// folders changed, +120 -4 messages".
func (r SyncReport) Summary() string {
	var changed, added, removed int
	for _, res := range r.Accounts {
		for _, f := range res.Folders {
			if !f.Unchanged {
				changed++
			}
			added += f.Added
			removed += f.Removed
		}
	}
	s := fmt.Sprintf("%s changed, +%d -%d messages", Plural(changed, "folder", "folders"), added, removed)
	applied := 0
	for _, a := range r.Actions {
		if a.Applied {
			applied++
		}
	}
	if applied > 0 {
		s += ", " + Plural(applied, "action", "actions") + " applied"
	}
	if r.AddressBook != nil {
		s += ", " + Plural(r.AddressBook.Cards, "card", "cards") + " in the address book"
	}
	return s
}

// ErrNoAccount is returned (wrapped) when SyncOptions.Account names no
// configured account.
var ErrNoAccount = errors.New("no such account")

// Sync reads every account's new mail headers into the store, one
// account after the other, then, unless o.Account narrows the sync, the
// CardDAV address book (ReadCardDAV), applies the digest actions among
// them (ApplyActions), refreshes the contacts snapshot when that changed
// it (RefreshContacts), and returns what each did. The error joins
// every account's and folder's failures. A full disk stops the sync: every
// other account would fail the same way after downloading. An
// interruption returns ctx's error at once.
func (a *App) Sync(ctx context.Context, o SyncOptions) (SyncReport, error) {
	accounts, err := a.Accounts()
	if err != nil {
		return SyncReport{}, err
	}
	if o.Account != "" {
		var only []Account
		for _, acct := range accounts {
			if acct.Name == o.Account {
				only = append(only, acct)
			}
		}
		if len(only) == 0 {
			return SyncReport{}, fmt.Errorf("%w named %q in the configuration", ErrNoAccount, o.Account)
		}
		accounts = only
	}
	var (
		report SyncReport
		errs   []error
	)
	for _, acct := range accounts {
		res, err := imapsync.Sync(ctx, acct.Account, a.db, imapsync.Options{
			BatchSize: a.cfg.Sync.BatchSize,
			Progress:  o.Progress,
			Logger:    a.log,
		})
		if res == nil {
			res = &imapsync.Result{Account: acct.Name}
		}
		if err != nil && ctx.Err() != nil {
			return report, ctx.Err()
		}
		report.Accounts = append(report.Accounts, res)
		if o.AccountDone != nil {
			o.AccountDone(res, err)
		}
		if err != nil {
			errs = append(errs, err)
		}
		if ferr := res.Err(); ferr != nil {
			errs = append(errs, ferr)
		}
		if errors.Is(err, store.ErrDiskFull) || errors.Is(res.Err(), store.ErrDiskFull) {
			break
		}
	}
	// The CardDAV address book, when every account is synced. A server
	// that fails leaves the cards of the last read for the model.
	if o.Account == "" {
		ab, err := a.ReadCardDAV(ctx)
		if err != nil && ctx.Err() != nil {
			return report, ctx.Err()
		}
		report.AddressBook = ab
		if err != nil {
			errs = append(errs, err)
		}
	}
	// The secret that signs the digest's actions, made on the first sync
	// so that a preview (which only reads the store) can offer them.
	if _, err := a.db.ActionSecret(ctx); err != nil && ctx.Err() == nil {
		errs = append(errs, fmt.Errorf("digest actions: %w", err))
	}
	// The digest actions among what was stored (and any a failed sync
	// left queued).
	acts, err := a.ApplyActions(ctx)
	report.Actions = acts
	if err != nil {
		errs = append(errs, fmt.Errorf("digest actions: %w", err))
	}
	// The contacts snapshot, if what was stored or applied changed it
	// (and unless the disk is full: the refresh would fail the same way).
	err = errors.Join(errs...)
	if ctx.Err() == nil && !errors.Is(err, store.ErrDiskFull) {
		a.refreshContacts(ctx)
	}
	return report, err
}

// Plural writes a count with the right noun: "1 folder", "3 folders".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
