package app

import (
	"context"
	"errors"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/store"
)

// StoreStatus is what the store holds.
type StoreStatus struct {
	// Path is the store's file; Created is false when no sync has made it
	// yet (everything else is then zero).
	Path    string
	Created bool
	// SchemaVersion is the store's schema version.
	SchemaVersion int
	// Messages counts distinct messages: one in several folders counts
	// once.
	Messages int
	// Accounts are the configured accounts' names, in order, followed by
	// any other account the store holds folders of.
	Accounts []string
	// Folders are the folders the store holds, by account and name.
	Folders []rekindle.FolderState
}

// Status reads what cfg's store holds, without writing to it: it works
// on a full disk, and says what a sync would find without migrating the
// store itself. A store not created yet is no error.
func Status(ctx context.Context, cfg *config.Config) (StoreStatus, error) {
	st := StoreStatus{Path: cfg.Store.Path}
	seen := map[string]bool{}
	for _, a := range cfg.Accounts {
		st.Accounts = append(st.Accounts, a.Name)
		seen[a.Name] = true
	}
	db, err := store.OpenReadOnly(ctx, cfg.Store.Path)
	switch {
	case errors.Is(err, store.ErrNoStore):
		return st, nil
	case err != nil:
		return st, err
	}
	defer db.Close()
	st.Created = true
	if st.Folders, err = db.Folders(ctx, ""); err != nil {
		return st, err
	}
	tot, err := db.Totals(ctx)
	if err != nil {
		return st, err
	}
	st.Messages = tot.Messages
	if st.SchemaVersion, err = db.SchemaVersion(ctx); err != nil {
		return st, err
	}
	for _, f := range st.Folders {
		if !seen[f.Account] {
			seen[f.Account] = true
			st.Accounts = append(st.Accounts, f.Account)
		}
	}
	return st, nil
}
