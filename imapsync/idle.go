package imapsync

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// ErrNoIdle is matched (errors.Is) by the error Watch returns when the
// server does not offer IMAP IDLE: new mail is then found by the next
// sync only.
var ErrNoIdle = errors.New("the server does not offer IMAP IDLE (RFC 2177)")

// Bounds on WatchOptions.Refresh.
const (
	// DefaultIdleRefresh is how long one IDLE lasts before Watch ends it
	// and issues another.
	DefaultIdleRefresh = 25 * time.Minute
	// MaxIdleRefresh is the longest Refresh: RFC 2177 lets a server drop a
	// client idle for 29 minutes, and go-imap re-issues an IDLE by itself
	// at 28, without the bound Watch puts on the server's answer.
	MaxIdleRefresh = 27 * time.Minute
)

// WatchOptions tune Watch.
type WatchOptions struct {
	// Changed is called when the server reports a change to INBOX: new
	// mail (EXISTS) or messages removed (EXPUNGE). It is called on Watch's
	// goroutine, one call at a time, and should return quickly: the
	// server's next report waits for it. A burst of reports may make one
	// call or several.
	Changed func()
	// Watching, if set, is called once, when the server first accepted
	// IDLE: from then on no change to INBOX goes unreported, while what
	// arrived before is not reported at all.
	Watching func()
	// Refresh is how long one IDLE lasts before Watch ends it (DONE) and
	// issues another, so that the server does not drop a connection it
	// thinks inactive. 0 means DefaultIdleRefresh; longer than
	// MaxIdleRefresh means MaxIdleRefresh.
	Refresh time.Duration
	// Client options for go-imap (a debug writer, for instance); their
	// UnilateralDataHandler is replaced.
	Client *imapclient.Options
}

// Watch logs in to the account, opens INBOX read-only (EXAMINE) and waits
// there in IMAP IDLE, calling o.Changed whenever the server reports new
// or removed mail, until ctx is cancelled or the connection fails. It
// re-issues IDLE every o.Refresh.
//
// It returns ctx.Err() once ctx is cancelled, promptly: the connection is
// closed, which ends any wait. Otherwise it returns why it stopped: an
// error matching ErrNoIdle when the server lacks IDLE (checked after
// login, before INBOX is opened), a *StallError when the server stayed
// silent for the account's CommandTimeout while rekindle waited for its
// answer (to EXAMINE, to IDLE, or to the DONE that ends each IDLE), or
// the error that broke the connection, such as the server closing it.
//
// Only the waits for an answer are bounded: between them the server owes
// nothing, and a connection lost without a word is found by TCP
// keep-alives (Go's defaults give up on a silent peer within about three
// minutes) or, at the latest, at the next refresh, when the DONE gets no
// answer within CommandTimeout.
func Watch(ctx context.Context, a *Account, o WatchOptions) error {
	refresh := o.Refresh
	if refresh <= 0 {
		refresh = DefaultIdleRefresh
	}
	refresh = min(refresh, MaxIdleRefresh)

	// The handler runs on go-imap's reading goroutine, which must not
	// block: it only leaves a mark for the loop below.
	kick := make(chan struct{}, 1)
	mark := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	var copts imapclient.Options
	if o.Client != nil {
		copts = *o.Client
	}
	copts.UnilateralDataHandler = &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				mark()
			}
		},
		Expunge: func(uint32) { mark() },
	}

	c, err := Connect(ctx, a, &copts)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	defer c.Close()
	w := &watcher{c: c, a: a}
	err = w.run(ctx, kick, refresh, o)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

type watcher struct {
	c *Client
	a *Account
}

// fail names the account and the server in an error that does not, as a
// *StallError does.
func (w *watcher) fail(what string, err error) error {
	var st *StallError
	if errors.As(err, &st) {
		return st
	}
	return fmt.Errorf("account %s (%s): %s: %w", w.a.Name, w.a.Addr, what, err)
}

func (w *watcher) run(ctx context.Context, kick <-chan struct{}, refresh time.Duration, o WatchOptions) error {
	c := w.c
	var caps imap.CapSet
	err := c.Do("CAPABILITY", func() error {
		if caps = c.Caps(); caps == nil {
			return errors.New("no answer to CAPABILITY")
		}
		return nil
	})
	if err != nil {
		return w.fail("read the capabilities", err)
	}
	if !caps.Has(imap.CapIdle) {
		// A polite LOGOUT; the result does not depend on it.
		_ = withDeadline(5*time.Second, c.Logout().Wait)
		return fmt.Errorf("account %s (%s): %w", w.a.Name, w.a.Addr, ErrNoIdle)
	}
	err = c.Do("EXAMINE INBOX", func() error {
		_, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	})
	if err != nil {
		return w.fail("open INBOX", err)
	}

	first := true
	for {
		var idle *imapclient.IdleCommand
		err := c.Do("IDLE", func() (err error) {
			idle, err = c.Idle()
			return err
		})
		if err != nil {
			return w.fail("start IDLE", err)
		}
		if first {
			first = false
			if o.Watching != nil {
				o.Watching()
			}
		}
		if err := w.idle(ctx, kick, refresh, o.Changed); err != nil {
			// The connection is closed or being closed; ending the IDLE
			// would only wait.
			return err
		}
		// Refresh: end this IDLE; the server must answer the DONE.
		err = c.Do("DONE", func() error {
			if err := idle.Close(); err != nil {
				return err
			}
			return idle.Wait()
		})
		if err != nil {
			return w.fail("end IDLE", err)
		}
	}
}

// idle waits while the IDLE runs, calling changed for each mark, until
// it is time to refresh (nil), ctx is cancelled or the connection closes.
func (w *watcher) idle(ctx context.Context, kick <-chan struct{}, refresh time.Duration, changed func()) error {
	timer := time.NewTimer(refresh)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.c.Closed():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if st := w.c.Stalled(); st != nil {
				return st
			}
			why := errors.New("the server closed the connection")
			if err := w.c.Client.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				why = fmt.Errorf("the connection broke: %w", err)
			}
			return w.fail("idling in INBOX", why)
		case <-kick:
			if changed != nil {
				changed()
			}
		case <-timer.C:
			return nil
		}
	}
}
