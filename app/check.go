package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/addressbook"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/mailer"
	"github.com/rekindle/rekindle/store"
)

// CheckStatus is what one line of a check says.
type CheckStatus int

// The lines of a check.
const (
	CheckOK     CheckStatus = iota // a step that worked
	CheckFail                      // a problem
	CheckNote                      // worth knowing, not a problem
	CheckDetail                    // more about the line before
)

// CheckLine is one line of a check's report.
type CheckLine struct {
	Status CheckStatus
	Text   string
}

// Check logs in to every IMAP account and lists the folders it will read
// (and which it skips, and why), finds the Drafts folder of the accounts
// with drafts: true, logs in to SMTP without sending, reads the address
// book (its files, and the CardDAV server, keeping nothing), loads the
// templates, opens the store, and works out the next digest time. It
// reports each as a line to report and returns how many problems it
// found; an interruption returns ctx's error.
func (a *App) Check(ctx context.Context, report func(CheckLine)) (problems int, err error) {
	ok := func(format string, args ...any) { report(CheckLine{CheckOK, fmt.Sprintf(format, args...)}) }
	detail := func(format string, args ...any) { report(CheckLine{CheckDetail, fmt.Sprintf(format, args...)}) }
	bad := func(err error) {
		report(CheckLine{CheckFail, err.Error()})
		problems++
	}

	accounts, err := a.Accounts()
	if err != nil {
		bad(err)
	}
	// Each step is bounded by its own timeouts (the secret command's, the
	// servers'), which name what stalled; limit is a backstop above them.
	limit := a.cfg.Timeouts.SecretCommand.Std() + 5*time.Minute
	for _, acct := range accounts {
		if ctx.Err() != nil {
			return problems, ctx.Err()
		}
		var survey *imapsync.Survey
		err := checkStep(ctx, limit, "account "+acct.Name, "logging in to "+acct.Addr+" and listing the folders", func(ctx context.Context) (err error) {
			survey, err = imapsync.Plan(ctx, acct.Account, nil)
			return err
		})
		if err != nil {
			bad(err)
			continue
		}
		var read, skipped []string
		sent := ""
		for _, f := range survey.Folders {
			if f.Skip != "" {
				skipped = append(skipped, fmt.Sprintf("%s (%s)", f.Name, f.Skip))
				continue
			}
			read = append(read, f.Name)
			if f.Sent {
				sent = f.Name
			}
		}
		ok("account %s: logged in to %s as %s", acct.Name, acct.Addr, acct.Username)
		if survey.Compressed {
			detail("the connection is compressed (COMPRESS=DEFLATE)")
		}
		detail("reads %d folders: %s", len(read), strings.Join(read, ", "))
		if len(skipped) > 0 {
			detail("skips: %s", strings.Join(skipped, ", "))
		}
		if sent == "" {
			bad(fmt.Errorf("account %s: no Sent folder among the folders read (no \\Sent special use, none of the usual names): add its name to folders.include", acct.Name))
		} else {
			detail("sent mail: %s", sent)
		}
		if acct.Drafts {
			var folder string
			err := checkStep(ctx, limit, "account "+acct.Name, "finding the Drafts folder", func(ctx context.Context) (err error) {
				folder, err = imapsync.FindDrafts(ctx, acct.Account, nil)
				return err
			})
			if err != nil {
				bad(err)
			} else {
				ok("account %s: drafts go to %s", acct.Name, folder)
			}
		}
	}

	if ctx.Err() != nil {
		return problems, ctx.Err()
	}
	if a.cfg.SMTP == nil {
		report(CheckLine{CheckNote, "no smtp section: digests can be previewed (rekindle digest) but not sent"})
	} else if sc, err := a.SMTP(); err != nil {
		bad(err)
	} else {
		err := checkStep(ctx, limit, "smtp", fmt.Sprintf("logging in to %s:%d", sc.Host, sc.Port), func(ctx context.Context) error {
			return mailer.Check(ctx, sc)
		})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "smtp") {
				err = fmt.Errorf("smtp: %w", err)
			}
			bad(err)
		} else {
			ok("smtp: logged in to %s:%d (nothing sent)", sc.Host, sc.Port)
		}
	}

	if ctx.Err() != nil {
		return problems, ctx.Err()
	}
	for i, p := range a.cfg.AddressBook.Files {
		cards, ps, err := addressbook.ReadPath(p)
		if err != nil {
			bad(fmt.Errorf("address_book.files[%d]: %w", i, err))
			continue
		}
		ok("address book %s: %s", p, Plural(len(cards), "card", "cards"))
		checkProblems(ps, detail)
	}
	if a.carddav != nil || a.carddavErr != nil {
		var (
			cards []rekindle.Card
			ps    []addressbook.Problem
		)
		err := a.carddavErr
		if err == nil {
			err = checkStep(ctx, limit, "address_book.carddav", "reading "+a.carddav.URL, func(ctx context.Context) (err error) {
				cards, ps, err = a.carddav.Read(ctx)
				return err
			})
			if err != nil && !strings.HasPrefix(err.Error(), "address_book") {
				err = fmt.Errorf("address_book.carddav: %w", err)
			}
		}
		if err != nil {
			bad(err)
		} else {
			ok("address book %s: logged in as %s, %s (nothing kept: rekindle sync keeps them)", a.carddav.URL, a.carddav.Username, Plural(len(cards), "card", "cards"))
			checkProblems(ps, detail)
		}
	}

	if _, err := a.Templates(); err != nil {
		bad(err)
	} else if a.cfg.Templates.Dir != "" {
		ok("templates in %s parse and render", a.cfg.Templates.Dir)
	} else {
		ok("templates: the built-in defaults")
	}

	if db, err := store.Open(ctx, a.cfg.Store.Path); err != nil {
		bad(err)
	} else {
		tot, err := db.Totals(ctx)
		db.Close()
		if err != nil {
			bad(err)
		} else {
			ok("store %s: %d messages", a.cfg.Store.Path, tot.Messages)
		}
	}

	next := a.cfg.Digest.Next(a.now())
	ok("next digest %s (schedule %q in %s)", next.Format("Mon 2006-01-02 15:04 MST"), a.cfg.Digest.Schedule, a.Zone())
	return problems, nil
}

// checkProblems reports an address book's problems, the first few of
// them in full.
func checkProblems(ps []addressbook.Problem, detail func(string, ...any)) {
	const most = 5
	for i, p := range ps {
		if i == most {
			detail("and %d more problems like these", len(ps)-most)
			break
		}
		detail("%s", p)
	}
}

// checkStep runs one step of the check under a backstop deadline. The
// step's own bounds end it first, with an error naming what stalled; if
// the backstop does, the error names who and what did not finish. An
// interruption (Ctrl-C) is returned as it is.
func checkStep(ctx context.Context, limit time.Duration, who, what string, f func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	err := f(cctx)
	if err != nil && ctx.Err() == nil && cctx.Err() != nil {
		return fmt.Errorf("%s: %s did not finish within %s: %w", who, what, limit, err)
	}
	return err
}
