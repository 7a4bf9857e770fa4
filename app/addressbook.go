package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/addressbook"
)

// The user's address book (address_book): when it is read, and where it
// goes.
//
// The files are read at every model build: a card edited shows in the
// next "rekindle contacts", and reading is cheap (BenchmarkImport2000: a
// 2,000-card export in tens of milliseconds). The CardDAV address book is
// read at every sync of all the accounts (ReadCardDAV) and its cards kept
// in the store, which the model reads: a digest needs no server, and a
// server that is down leaves the cards of the last read in place.

// Cards is the address book as the model takes it: the cards of
// address_book.files, read now, then those of address_book.carddav as
// the last sync kept them. A file or directory that cannot be read is an
// error naming its key; a card that cannot be read is skipped and
// logged.
func (a *App) Cards(ctx context.Context) ([]rekindle.Card, error) {
	var out []rekindle.Card
	for i, p := range a.cfg.AddressBook.Files {
		cards, problems, err := addressbook.ReadPath(p)
		if err != nil {
			return nil, fmt.Errorf("address_book.files[%d]: %w", i, err)
		}
		a.logProblems(problems)
		out = append(out, cards...)
	}
	if a.carddav != nil && a.db != nil {
		cards, _, err := a.db.Cards(ctx, a.carddav.URL)
		if err != nil {
			return nil, err
		}
		out = append(out, cards...)
	}
	return out, nil
}

// logProblems logs what the address book holds that could not be read.
func (a *App) logProblems(problems []addressbook.Problem) {
	for _, p := range problems {
		attrs := []any{slog.String("source", p.Source)}
		if p.Line > 0 {
			attrs = append(attrs, slog.Int("line", p.Line))
		}
		a.log.Warn("address book: "+p.Msg, attrs...)
	}
}

// CardDAVRead is what one read of the CardDAV address book found.
type CardDAVRead struct {
	// URL is the address book's.
	URL string
	// Cards is how many cards with an address it holds; Problems how
	// many cards or values could not be read (each is logged).
	Cards, Problems int
	// Took is how long the read took.
	Took time.Duration
}

// ReadCardDAV reads the CardDAV address book (address_book.carddav) and
// keeps its cards in the store for the model, in place of those of the
// last read. Nil without one (and the cards a former configuration's
// left are forgotten). When the read fails, the cards of the last read
// stay, and the error says so.
func (a *App) ReadCardDAV(ctx context.Context) (*CardDAVRead, error) {
	if a.carddavErr != nil {
		return nil, a.carddavErr
	}
	if a.carddav == nil {
		return nil, a.db.ForgetCards(ctx)
	}
	start := time.Now()
	cards, problems, err := a.carddav.Read(ctx)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, ctx.Err()
		}
		kept, at, kerr := a.db.Cards(ctx, a.carddav.URL)
		switch {
		case kerr != nil:
		case at.IsZero():
			err = fmt.Errorf("%w (no read has worked yet: the model has no card from it)", err)
		default:
			err = fmt.Errorf("%w (the model keeps the %s of the read at %s)", err,
				Plural(len(kept), "card", "cards"), at.In(a.Zone()).Format("2006-01-02 15:04"))
		}
		return nil, fmt.Errorf("address_book.carddav: %w", err)
	}
	a.logProblems(problems)
	if err := a.db.SaveCards(ctx, a.carddav.URL, cards); err != nil {
		return nil, err
	}
	r := &CardDAVRead{URL: a.carddav.URL, Cards: len(cards), Problems: len(problems), Took: time.Since(start)}
	a.log.Info("address book read", slog.String("url", r.URL), slog.Int("cards", r.Cards),
		slog.Int("problems", r.Problems), slog.Duration("took", r.Took.Round(time.Millisecond)))
	return r, nil
}
