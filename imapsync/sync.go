// Package imapsync copies the headers of an account's mail from an IMAP
// server into the store, incrementally: after the first sync, a folder with
// nothing new costs one STATUS (one LIST-STATUS for the whole account where
// the server has it) and no FETCH.
//
// It never fetches a body. It streams: messages are parsed and written in
// batches while the server is still sending, so memory stays bounded
// whatever the size of a folder, and a sync cut short resumes after the
// last batch written.
package imapsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle"
)

// Store is what a sync needs of the store; *store.DB implements it.
// PutMessages must not keep msgs once it returns: the sync fills the
// same slice again with the next batch.
type Store interface {
	Folder(ctx context.Context, account, folder string) (rekindle.FolderState, error)
	Folders(ctx context.Context, account string) ([]rekindle.FolderState, error)
	ResetFolder(ctx context.Context, account, folder string, uidValidity uint32) error
	PutMessages(ctx context.Context, account, folder string, msgs []rekindle.Message, lastUID uint32) error
	StoredUIDs(ctx context.Context, account, folder string) ([]uint32, error)
	DeleteUIDs(ctx context.Context, account, folder string, uids []uint32) error
	FinishFolder(ctx context.Context, st rekindle.FolderState) error
	FoldersChecked(ctx context.Context, account string, folders []string) error
	DropFolder(ctx context.Context, account, folder string) error
	// ServerCaps returns the capabilities the server at addr announced
	// once the account was logged in there, when the last sync saved
	// them (SetServerCaps); nil otherwise.
	ServerCaps(ctx context.Context, account, addr string) ([]string, error)
	SetServerCaps(ctx context.Context, account, addr string, caps []string) error
}

// Options tune a sync. The zero value is ready to use.
type Options struct {
	// BatchSize is how many messages are written per transaction; 1000 by
	// default.
	BatchSize int
	// SplitAt is the size of a fetch from which a folder is read over two
	// connections at once; 4000 by default, negative to never split.
	SplitAt int
	// Progress, if set, is called as a folder's messages are fetched.
	Progress func(Progress)
	// Logger receives debug lines; nil discards them.
	Logger *slog.Logger
	// Client options for go-imap (a debug writer, for instance).
	Client *imapclient.Options
}

// Progress reports how far the fetch of one folder has come.
type Progress struct {
	Account, Folder string
	// Done of Total new messages are stored.
	Done, Total int
}

// FolderResult is what one folder's sync did.
type FolderResult struct {
	Folder string
	// Sent marks the account's Sent folder.
	Sent bool
	// Unchanged is true when the folder's status showed nothing new and
	// nothing was fetched.
	Unchanged bool
	// Reset is true when the UIDVALIDITY changed and the folder was synced
	// afresh.
	Reset bool
	// Added and Removed count messages fetched and expunged.
	Added, Removed int
	// Messages is how many of the folder's messages are stored afterwards.
	Messages int
	// Duration is the time the folder took, from the end of the folder
	// before (folders overlap: see Sync): the durations of a sync's
	// folders add up to its time.
	Duration time.Duration
	// Err is why the folder failed; the other folders go on.
	Err error
}

// Result is what a sync of one account did.
type Result struct {
	Account string
	Folders []FolderResult
	// Skipped are the folders not synced, with why.
	Skipped []Folder
	// Dropped are stored folders that no longer exist on the server, or are
	// no longer chosen, and were removed from the store.
	Dropped []string
	// SentFolder is the folder taken as Sent; empty when none was found.
	SentFolder string
	// Compressed is true when the sync's connection was compressed
	// (Account.Compress; a sync that finds nothing to fetch does not
	// compress).
	Compressed bool
}

// Err joins the errors of the folders that failed.
func (r *Result) Err() error {
	var errs []error
	for _, f := range r.Folders {
		if f.Err != nil {
			errs = append(errs, f.Err)
		}
	}
	return errors.Join(errs...)
}

// Sync brings the store up to date with one account. A failure to connect
// or list folders fails the whole sync; a failure in one folder is recorded
// in its FolderResult and the others go on. Folders are synced in order,
// overlapping where they can: the next folder's fetch is under way while
// the last batches of the one before are written.
func Sync(ctx context.Context, a *Account, st Store, opts Options) (*Result, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.SplitAt == 0 {
		opts.SplitAt = 4000
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &syncer{a: a, st: st, opts: opts, log: log.With("account", a.Name), spare: make(chan []rekindle.Message, 4)}
	known, err := st.ServerCaps(ctx, a.Name, a.Addr)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", a.Name, err)
	}
	s.list = &aheadList{known: known}
	c, err := connect(ctx, a, opts.Client, true, s.list.send)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	s.c = c
	res, err := s.run(ctx)
	if res != nil {
		res.Compressed = c.Compressed
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("account %s: sync stopped: %w", a.Name, ctx.Err())
	}
	s.closeSecond()
	if err == nil {
		// A polite LOGOUT; the result does not depend on it, so the
		// sync does not wait a round trip for the answer.
		c.Logout()
	}
	return res, err
}

type syncer struct {
	c    *Client
	a    *Account
	st   Store
	opts Options
	log  *slog.Logger

	condstore bool
	// list is the LIST sent behind the LOGIN, if it was.
	list *aheadList
	// second is the connection for the other half of split fetches,
	// opened (in the background) once the sync knows a folder will need
	// it, and reused by the rest; nil until then, and after it failed in
	// use. A second login the server refused stays here, with its error,
	// so that it is tried once. secondMu guards it: a fetch's goroutines
	// drop it when they fail.
	secondMu sync.Mutex
	second   *secondConn
	// halt is set when the sync stops at a folder: the next folder,
	// started meanwhile, writes nothing.
	halt atomic.Bool
	// spare holds batches the store is done with, emptied, for the
	// fetch to fill again: a first sync would otherwise allocate a
	// batch of BatchSize messages (half a megabyte) per write.
	spare chan []rekindle.Message
}

// newBatch is an empty batch with room for BatchSize messages: a spare
// one when there is one.
func (s *syncer) newBatch() []rekindle.Message {
	select {
	case b := <-s.spare:
		return b
	default:
		return make([]rekindle.Message, 0, s.opts.BatchSize)
	}
}

// doneWith hands a batch the store has written (or dropped) back to
// newBatch, emptied so that it holds on to no message.
func (s *syncer) doneWith(b []rekindle.Message) {
	if cap(b) != s.opts.BatchSize {
		return
	}
	clear(b)
	select {
	case s.spare <- b[:0]:
	default:
	}
}

// secondConn is the second connection, being opened or open.
type secondConn struct {
	ready chan struct{} // closed once c or err is set
	c     *Client
	err   error
}

func (s *syncer) run(ctx context.Context) (*Result, error) {
	caps := s.c.Caps()
	s.condstore = caps.Has(imap.CapCondStore)
	statusOpts := syncStatus(caps)
	var folders []*Folder
	err := s.c.Do("LIST", func() (err error) {
		folders, err = s.list.list(s.c.Client, listOptions(caps, statusOpts))
		return err
	})
	if err != nil {
		var st *StallError
		if errors.As(err, &st) {
			return nil, resumeNote(st)
		}
		return nil, fmt.Errorf("account %s: %w", s.a.Name, err)
	}
	if now := s.list.keep(caps); !slices.Equal(now, s.list.known) {
		// Not fatal: the next sync would send its LIST ahead for the
		// wrong capabilities, and then once more.
		if err := s.st.SetServerCaps(ctx, s.a.Name, s.a.Addr, now); err != nil {
			s.log.Warn("server capabilities not saved", "err", err)
		}
	}
	chooseFolders(folders, s.a.Include, s.a.Exclude)

	res := &Result{Account: s.a.Name}
	chosen := map[string]bool{}
	for _, f := range folders {
		if f.Sent {
			res.SentFolder = f.Name
		}
		if f.Skip != "" {
			res.Skipped = append(res.Skipped, *f)
			continue
		}
		chosen[f.Name] = true
	}

	// Forget folders that are gone from the server or no longer chosen:
	// their mail may have been deleted for good, and a relationship must
	// not rest on mail the user deleted.
	stored, err := s.st.Folders(ctx, s.a.Name)
	if err != nil {
		return nil, err
	}
	for _, sf := range stored {
		if !chosen[sf.Folder] {
			if err := s.st.DropFolder(ctx, s.a.Name, sf.Folder); err != nil {
				return nil, err
			}
			res.Dropped = append(res.Dropped, sf.Folder)
		}
	}

	states := map[string]rekindle.FolderState{}
	for _, st := range stored {
		states[st.Folder] = st
	}
	// Work ahead (or no LIST-STATUS to tell): compress the connection
	// now. A sync that finds nothing new does without the round trip.
	for _, f := range folders {
		if st, ok := states[f.Name]; f.Skip == "" && (!ok || f.Status == nil || !unchanged(st, f.Status)) {
			if err := s.c.compressNow(); err != nil {
				var st *StallError
				if errors.As(err, &st) {
					return nil, resumeNote(st)
				}
				return nil, fmt.Errorf("account %s: %w", s.a.Name, err)
			}
			break
		}
	}
	// A large fetch ahead: log in a second time now, while the first
	// folders sync, rather than when that fetch starts.
	for _, f := range folders {
		if st, ok := states[f.Name]; f.Skip == "" && s.splits(&st, f.Status) && (!ok || !unchanged(st, f.Status)) {
			s.openSecond(ctx)
			break
		}
	}

	// The folders are synced one after the other, but overlapping: once
	// a folder's fetch has sent its commands, the next folder's SELECT and
	// UID FETCH go out behind them, so that the server goes from one
	// folder to the next without waiting a round trip; and while a
	// folder's last batches are written, the next folder's fetch is read
	// and parsed. Folders are finished (finish) in turn on a goroutine of
	// their own, so that the next SELECT need not wait for the folder
	// before the last to be written: after a folder split over two
	// connections, whose second half may end late, a small folder would
	// leave the link idle for a round trip.
	fin := s.startFinisher(ctx, res)
	defer fin.stop()
	var prev *folderRun // fetched; handed to fin once the next one starts
	for _, f := range folders {
		if f.Skip != "" {
			continue
		}
		var prevDone <-chan struct{}
		if prev != nil {
			// The commands of two folders must not interleave on a
			// connection: the server would answer a FETCH in the wrong
			// folder.
			<-prev.fetch.sent
			prevDone = prev.done
		}
		if err := fin.failed(); err != nil {
			if prev != nil {
				s.abort(prev)
			}
			fin.wait()
			return res, err
		}
		st, ok := states[f.Name]
		if !ok {
			st = rekindle.FolderState{Account: s.a.Name, Folder: f.Name} // not stored yet
		}
		run := s.startFolder(ctx, f, statusOpts, st, prevDone)
		if prev != nil {
			fin.add(prev)
			prev = nil
		}
		if run.pipelined() {
			prev = run
			continue
		}
		// Its finish needs the folder selected, and comes after those of
		// the folders before.
		if err := fin.wait(); err != nil {
			s.abort(run)
			return res, err
		}
		if err := fin.finishHere(run); err != nil {
			return res, err
		}
	}
	if prev != nil {
		fin.add(prev)
	}
	if err := fin.wait(); err != nil {
		return res, err
	}
	// The folders found unchanged were synced too: their last complete
	// sync is now, in one write for all of them.
	var checked []string
	for _, fr := range res.Folders {
		if fr.Unchanged && fr.Err == nil {
			checked = append(checked, fr.Folder)
		}
	}
	if len(checked) > 0 {
		if err := s.st.FoldersChecked(ctx, s.a.Name, checked); err != nil {
			return res, fmt.Errorf("account %s: %w", s.a.Name, err)
		}
	}
	return res, nil
}

// errConnection marks errors after which the connection is unusable, so the
// remaining folders are not tried on it.
var errConnection = errors.New("connection lost")

// Is makes a stalled server a lost connection for the sync: the watchdog
// closed it.
func (e *StallError) Is(target error) bool { return target == errConnection }

// resumeNote adds to a stall what the next sync does about it.
func resumeNote(st *StallError) error {
	return fmt.Errorf("%w; the next sync resumes where this one stopped", st)
}

// connErr classifies an error from an IMAP command. A NO or BAD reply
// (*imap.Error) is the server refusing one command, and the other folders
// go on; anything else means the connection itself failed. A server that
// stopped answering is its *StallError, which names the command.
func (s *syncer) connErr(err error) error {
	var (
		imapErr *imap.Error
		st      *StallError
	)
	if errors.As(err, &st) {
		return st
	}
	if errors.As(err, &imapErr) {
		return err
	}
	return fmt.Errorf("%w: %v (the next sync resumes where this one stopped)", errConnection, err)
}

// folderRun is one folder's sync, from startFolder to finish.
type folderRun struct {
	f     *Folder
	start time.Time
	fr    FolderResult
	err   error // the folder failed before its fetch, or its fetch could not start
	state rekindle.FolderState
	sel   *imap.SelectData
	// reset is set when the folder is new or renumbered: the store
	// forgets what it held of it, before the fetch's first write.
	reset bool
	// fetch is the folder's fetch, when it has one; its lanes and its
	// writer may still be going.
	fetch *fetching
	// done is closed once finish is over: the next folder's writer waits
	// for it before its first write.
	done chan struct{}
}

// pipelined tells whether the run's finish may wait while the next
// folder is synced: its fetch is under way and nothing it does later
// needs the folder selected. A folder with messages stored before may
// have lost some on the server, which finish looks for (UID SEARCH) in
// the selected folder; one that started empty has none to lose.
func (r *folderRun) pipelined() bool {
	return r.err == nil && r.fetch != nil && r.state.Messages == 0
}

// renumbered compares the folder's UIDVALIDITY, as selected (run.sel),
// with the one stored. For a new folder, or one the server renumbered
// (UIDs stored under the old UIDVALIDITY name other messages now), it
// starts the run's state afresh and returns the store's reset of the
// folder, which must come before any of its new messages are stored (the
// fetch's writer runs it, or finish); otherwise nil.
func (r *folderRun) renumbered(ctx context.Context, s *syncer) func() error {
	uidValidity := r.sel.UIDValidity
	if r.state.UIDValidity == uidValidity {
		return nil
	}
	if r.state.UIDValidity != 0 {
		r.fr.Reset = true
		s.log.Info("UIDVALIDITY changed, syncing folder afresh", "folder", r.f.Name, "old", r.state.UIDValidity, "new", uidValidity)
	}
	r.reset = true
	r.state = rekindle.FolderState{Account: s.a.Name, Folder: r.f.Name, UIDValidity: uidValidity}
	return func() error { return s.st.ResetFolder(ctx, s.a.Name, r.f.Name, uidValidity) }
}

// startFolder begins to sync one folder; state is what the store holds
// of it (read with the others, before the first folder). It returns once
// the folder is selected (or found empty, with nothing stored, which
// needs no SELECT) and its fetch, if any, is under way: reading
// over its connections, and writing to the store once prevDone (the
// previous folder's finish) is closed. It does not use the store itself:
// the previous folder's writes may be going on, and the store's work of
// one sync is done one thing after the other, on one connection to the
// database (two would each fill a page cache of their own). Whatever
// happens, finish ends the run.
func (s *syncer) startFolder(ctx context.Context, f *Folder, statusOpts *imap.StatusOptions, state rekindle.FolderState,
	prevDone <-chan struct{}) *folderRun {
	run := &folderRun{f: f, start: time.Now(), done: make(chan struct{})}
	fr := &run.fr
	fr.Folder, fr.Sent = f.Name, f.Sent
	fail := func(err error) *folderRun {
		run.err = err
		return run
	}
	fr.Messages = state.Messages
	run.state = state

	status := f.Status
	if status == nil {
		err := s.c.Do("STATUS "+f.Name, func() (err error) {
			status, err = s.c.Status(f.Name, statusOpts).Wait()
			return err
		})
		if err != nil {
			return fail(s.connErr(fmt.Errorf("status: %w", err)))
		}
	}
	if unchanged(state, status) {
		fr.Unchanged = true
		return run
	}
	if n := status.NumMessages; n != nil && *n == 0 && state.Messages == 0 && status.UIDValidity != 0 && status.UIDNext != 0 {
		// Empty, with nothing stored (a new Archive, say): the status
		// says all that its SELECT would, and the SELECT would cost a
		// round trip before the next folder's. The run goes through as a
		// fetch of nothing, so that its writes keep their turn.
		run.sel = &imap.SelectData{UIDValidity: status.UIDValidity, UIDNext: status.UIDNext, HighestModSeq: status.HighestModSeq}
		setup := run.renumbered(ctx, s)
		run.fetch = s.writeFetch(ctx, f.Name, run.state.LastUID, 0, nil, prevDone, setup)
		run.fetch.allSent()
		return run
	}

	// When the status promises new mail, the UID FETCH goes out right
	// behind the SELECT (pipelined: the server sends the mail without
	// waiting a round trip for the command); a fetch to split over two
	// connections has the folder selected, and its second range fetched,
	// on the second at the same time.
	plan := s.plan(&state, status)
	var second *secondSelect
	if plan != nil && len(plan.ranges) == 2 || plan == nil && s.splits(&state, status) {
		var r *fetchRange
		if plan != nil {
			r = &plan.ranges[1]
		}
		second = s.selectSecond(ctx, f.Name, r)
		defer second.wait()
	}
	// The folder stays selected until the next SELECT (which closes it)
	// or the LOGOUT: an UNSELECT would cost a round trip.
	var sel *imap.SelectData
	err := s.c.Do("SELECT "+f.Name, func() (err error) {
		cmd := s.c.Select(f.Name, &imap.SelectOptions{ReadOnly: true, CondStore: s.condstore})
		if plan != nil {
			plan.ranges[0].cmd = plan.ranges[0].issue(s.c)
		}
		sel, err = cmd.Wait()
		return err
	})
	if err != nil {
		plan.drop(second)
		return fail(s.connErr(fmt.Errorf("select: %w", err)))
	}
	run.sel = sel
	if plan != nil && sel.UIDValidity != status.UIDValidity {
		// Renumbered between STATUS and SELECT: the pipelined fetch asked
		// for the wrong UIDs. Fetch again once the folder is reset.
		plan.drop(second)
		plan = nil
	}
	setup := run.renumbered(ctx, s)
	state = run.state

	// New mail first: one streamed UID FETCH of everything above LastUID
	// (already sent when pipelined).
	if plan != nil || sel.NumMessages > 0 && uint32(sel.UIDNext) > state.LastUID+1 || sel.UIDNext == 0 {
		expect := int(sel.NumMessages) - state.Messages
		if state.LastUID == 0 {
			// A folder the store asks to fetch again from its start
			// (store migration 0005) keeps its stored messages, and
			// every one of them comes again: the locations are written
			// in place and the message count does not move.
			expect = int(sel.NumMessages)
		}
		run.fetch = s.startFetch(ctx, f.Name, state.LastUID, uint32(sel.UIDNext), sel.UIDValidity, expect, second, plan, prevDone, setup)
	} else {
		plan.drop(second)
	}
	return run
}

// finish ends a run: it waits for its fetch and its writes, looks for
// messages expunged on the server, records the folder's new state, and
// adds the folder's result to res. It returns an error that stops the
// sync (the connection is lost, the disk is full, ctx ended); a folder's
// other errors are its result's Err, and the sync goes on.
func (s *syncer) finish(ctx context.Context, run *folderRun, res *Result) error {
	defer close(run.done)
	err := run.err
	if err == nil {
		err = s.finishFolder(ctx, run)
	}
	fr := &run.fr
	fr.Duration = time.Since(run.start)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, errConnection) || storeFull(err) {
			s.halt.Store(true)
			res.Folders = append(res.Folders, *fr)
			var st *StallError
			if errors.As(err, &st) {
				// It names the account, the server and the folder.
				return resumeNote(st)
			}
			return fmt.Errorf("account %s, folder %s: %w", s.a.Name, run.f.Name, err)
		}
		fr.Err = fmt.Errorf("account %s, folder %s: %w", s.a.Name, run.f.Name, err)
		s.log.Warn("folder sync failed", "folder", run.f.Name, "err", err)
	}
	res.Folders = append(res.Folders, *fr)
	return nil
}

// finishFolder is finish's work on the store, for a run that selected
// its folder (run.sel; for an empty folder, what its status said).
func (s *syncer) finishFolder(ctx context.Context, run *folderRun) error {
	fr, state, sel := &run.fr, run.state, run.sel
	if sel == nil {
		return nil // unchanged
	}
	if run.fetch == nil && run.reset {
		if err := s.st.ResetFolder(ctx, s.a.Name, run.f.Name, sel.UIDValidity); err != nil {
			return err
		}
	}
	if run.fetch != nil {
		last, err := run.fetch.wait()
		// Count what is stored now rather than add up what was fetched: a
		// resumed split fetch reads again some messages it had stored.
		now, cerr := s.st.Folder(ctx, s.a.Name, run.f.Name)
		if cerr == nil {
			fr.Added = now.Messages - state.Messages
			state.Messages = now.Messages
		}
		if err != nil {
			return err
		}
		if cerr != nil {
			return cerr
		}
		state.LastUID = max(state.LastUID, last)
	}

	// Then expunges: the server holds fewer messages than we have stored,
	// so find which UIDs are gone.
	recheck := false
	if state.Messages > int(sel.NumMessages) || (state.Messages > 0 && sel.NumMessages == 0) {
		if run.pipelined() {
			// More stored than the folder held when selected: mail came
			// in between the SELECT and the FETCH, or went. The folder
			// started empty and the next folder may be selected by now,
			// so the UID SEARCH is left to the next sync, which a
			// mod-sequence of 0 and a count that matches nothing makes
			// select the folder again.
			recheck = true
		} else {
			removed, err := s.removeExpunged(ctx, run.f.Name)
			if err != nil {
				return err
			}
			fr.Removed = removed
			state.Messages -= removed
		}
	}

	state.UIDNext = uint32(sel.UIDNext)
	state.HighestModSeq = sel.HighestModSeq
	if recheck {
		state.HighestModSeq = 0
	}
	if err := s.st.FinishFolder(ctx, state); err != nil {
		return err
	}
	fr.Messages = state.Messages
	return nil
}

// finisher finishes the runs handed to it (add) in turn, on a goroutine
// of its own. Once a finish fails in a way that stops the sync, it closes
// the connections, so that the runs under way end at once, and aborts
// the runs handed to it after.
type finisher struct {
	s   *syncer
	ctx context.Context
	res *Result
	q   chan *folderRun
	wg  sync.WaitGroup // runs handed over and not finished or aborted

	mu  sync.Mutex
	err error
	// end is when the last finish ended: a folder's Duration is the time
	// it adds, from the end of the folder before, with which it
	// overlapped.
	end time.Time
}

func (s *syncer) startFinisher(ctx context.Context, res *Result) *finisher {
	f := &finisher{s: s, ctx: ctx, res: res, q: make(chan *folderRun, 4)}
	go func() {
		for run := range f.q {
			if f.failed() != nil {
				f.s.abort(run)
			} else if err := f.finishHere(run); err != nil {
				f.s.closeConns()
				f.mu.Lock()
				f.err = err
				f.mu.Unlock()
			}
			f.wg.Done()
		}
	}()
	return f
}

// add hands run over to be finished after the runs handed before.
func (f *finisher) add(run *folderRun) {
	f.wg.Add(1)
	f.q <- run
}

// wait waits until every run handed over is finished or aborted, and
// returns the error that stopped the sync, if one did. Until the next
// add, the caller may finish runs itself (finishHere).
func (f *finisher) wait() error {
	f.wg.Wait()
	return f.failed()
}

// stop ends the finisher's goroutine, once nothing more is handed over.
func (f *finisher) stop() { close(f.q) }

// finishHere finishes run on the caller's goroutine: the finisher's, or
// wait's caller until the next add.
func (f *finisher) finishHere(run *folderRun) error {
	f.mu.Lock()
	if run.start.Before(f.end) {
		run.start = f.end
	}
	f.mu.Unlock()
	err := f.s.finish(f.ctx, run, f.res)
	f.mu.Lock()
	f.end = time.Now()
	f.mu.Unlock()
	return err
}

// failed returns the error that stopped the sync, once a finish returned
// one.
func (f *finisher) failed() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// closeConns shuts the sync's connections, so that every fetch under way
// ends at once. It does not wait for go-imap's readers (see shut): the
// finisher calls it, and a reader may be waiting for a lane that waits
// for the finisher. Sync closes the first connection for good at its end;
// dropSecond closes the second in the background.
func (s *syncer) closeConns() {
	s.c.shut()
	s.dropSecond()
}

// abort stops a run started when the sync had to stop: its connections
// are closed, so its fetch ends at once, and nothing of it is written.
func (s *syncer) abort(run *folderRun) {
	s.closeConns()
	if run.fetch != nil {
		run.fetch.wait()
	}
	close(run.done)
}

// unchanged tells from a folder's STATUS that nothing was added or removed
// since the last complete sync. Where the server has CONDSTORE an equal
// HIGHESTMODSEQ proves it; otherwise (and when only flags moved the
// mod-sequence) an equal UIDNEXT shows nothing was added and an equal
// MESSAGES count that nothing was expunged.
func unchanged(st rekindle.FolderState, status *imap.StatusData) bool {
	if st.LastSync.IsZero() || st.UIDValidity != status.UIDValidity {
		return false
	}
	if status.HighestModSeq != 0 && status.HighestModSeq == st.HighestModSeq {
		return true
	}
	return st.UIDNext == uint32(status.UIDNext) && status.NumMessages != nil && int(*status.NumMessages) == st.Messages
}

// batch is a run of fetched messages on its way to the store.
type batch struct {
	msgs []rekindle.Message
	// part is the UID range the batch came from (0 or 1); prog is the
	// highest UID up to which that range has been read in full, so far.
	part int
	prog uint32
	// done marks the last batch of its range.
	done bool
}

// fetching is a folder's fetch under way (startFetch): its lanes read
// the server's answers and parse them, its writer writes them to the
// store in batches.
type fetching struct {
	s     *syncer
	split bool // over two connections, if the second can
	lanes int
	errs  chan error // each lane's end
	// written receives the writer's end: its error, and the resume
	// point reached.
	written chan writeEnd
	batches chan batch

	// sent is closed once the fetch has sent all its commands, on both
	// connections, or will send no more.
	sent     chan struct{}
	sentOnce sync.Once
}

type writeEnd struct {
	last uint32
	err  error
}

// startFetch starts streaming every message with a UID above after into
// the store in batches, writing while the server is still sending; the
// writes wait for prevDone to be closed (nil: no wait), begin with setup
// (when not nil), and none happens if the sync halted meanwhile. A large
// fetch (at least Options.SplitAt messages, and a server that allows a
// second login) is split into two UID ranges read over two connections
// at once: go-imap
// decodes one connection's responses on a single goroutine, which on a
// first sync is slower than the server, so two connections use two
// cores.
func (s *syncer) startFetch(ctx context.Context, folder string, after, uidNext uint32, uidValidity uint32, expect int,
	pending *secondSelect, plan *fetchPlan, prevDone <-chan struct{}, setup func() error) *fetching {
	// The ranges: [after+1, mid] and [mid+1, *]; a single one when small.
	// A pipelined fetch has them already, and its commands sent.
	ranges := []fetchRange{{lo: after + 1}}
	if plan != nil {
		ranges = plan.ranges
	}
	split := len(ranges) == 2 || plan == nil && s.opts.SplitAt > 0 && expect >= s.opts.SplitAt && uidNext > after+2
	if split && len(ranges) == 1 {
		mid := after + (uidNext-after)/2
		ranges = []fetchRange{{lo: after + 1, hi: mid}, {lo: mid + 1}}
	}
	if split && pending == nil {
		pending = s.selectSecond(ctx, folder, nil)
	}

	f := s.writeFetch(ctx, folder, after, expect, ranges, prevDone, setup)
	f.split = split

	// Each connection reads its range: the first starts at once, the
	// second once it has the folder selected; without a second (it
	// could not log in, or select the folder), the first reads both,
	// one after the other.
	// Each range's answer is awaited from when its command is sent (so
	// that a stall names it, not the next folder's SELECT sent behind
	// it).
	op := "UID FETCH in " + folder
	fetch := func(do func(func() error) error, c *Client, i int) error {
		r := ranges[i]
		return do(func() error { return s.fetchRange(c, i, r, f.batches) })
	}
	f.lanes = 1
	if split {
		f.lanes = 2
	}
	f.errs = make(chan error, f.lanes)
	taken := make(chan bool, 1) // whether the second connection reads range 1
	if split {
		go func() {
			// The second connection's commands for this folder are sent
			// once its SELECT is answered, or will never be.
			c2, err := pending.use(uidValidity)
			if err != nil {
				s.log.Debug("fetching over one connection", "folder", folder, "reason", err)
				var imapErr *imap.Error
				if c2 != nil && pending.err != nil && !errors.As(err, &imapErr) {
					s.dropSecond() // not a refusal: the connection itself failed
				} else if pending.fetch != nil {
					pending.fetch.Close() // a pipelined fetch of the wrong UIDs
				}
				taken <- false
				f.errs <- nil
				return
			}
			if ranges[1].cmd = pending.fetch; ranges[1].cmd == nil {
				ranges[1].cmd = ranges[1].issue(c2)
			}
			do := c2.await(op)
			taken <- true
			f.allSent()
			f.errs <- fetch(do, c2, 1)
		}()
	}
	if ranges[0].cmd == nil {
		ranges[0].cmd = ranges[0].issue(s.c)
	}
	do := s.c.await(op)
	go func() {
		defer f.allSent()
		err := fetch(do, s.c, 0)
		if split {
			// Whether the second connection reads the second range, or
			// this one does, even after a failure: until then, the
			// second may still be sending this folder's commands.
			took := <-taken
			if err == nil && !took {
				ranges[1].cmd = ranges[1].issue(s.c)
				do := s.c.await(op)
				f.allSent()
				err = fetch(do, s.c, 1)
			}
		}
		f.errs <- err
	}()
	if !split {
		f.allSent()
	}
	return f
}

// writeFetch returns a fetch of ranges (none: a folder with nothing to
// fetch) whose writer is under way: it waits for prevDone to be closed
// (nil: no wait), runs setup (when not nil), and writes the batches the
// fetch's lanes send until wait closes them; nothing is written if the
// sync halted meanwhile. The caller starts the lanes.
func (s *syncer) writeFetch(ctx context.Context, folder string, after uint32, expect int, ranges []fetchRange,
	prevDone <-chan struct{}, setup func() error) *fetching {
	// While the previous folder's writes go on, this folder's lanes read
	// and parse only as far as one batch each: the batches of two
	// folders in memory at once would raise the sync's peak.
	queue := len(ranges)
	if prevDone != nil {
		queue = 0
	}
	f := &fetching{s: s, batches: make(chan batch, queue), written: make(chan writeEnd, 1),
		sent: make(chan struct{})}
	go func() {
		// The resume point only ever covers a contiguous run of UIDs from
		// after: the first range's progress, and once that range is done,
		// the second's. Batches of the second range written earlier are
		// simply fetched again if the sync is cut (the store skips copies).
		var (
			err     error
			prog    [2]uint32
			done0   bool
			single  = len(ranges) <= 1
			stored  int
			lastUID = after
		)
		if prevDone != nil {
			<-prevDone
		}
		if s.halt.Load() {
			err = errHalted
		} else if setup != nil {
			err = setup()
		}
		for b := range f.batches {
			if err != nil {
				s.doneWith(b.msgs)
				continue // drain
			}
			prog[b.part] = max(prog[b.part], b.prog)
			if b.part == 0 && b.done {
				done0 = true
			}
			resume := max(after, prog[0])
			if !single && done0 {
				resume = max(resume, ranges[1].lo-1, prog[1])
			}
			if err = s.st.PutMessages(ctx, s.a.Name, folder, b.msgs, resume); err == nil {
				stored += len(b.msgs)
				lastUID = resume
				if p := s.opts.Progress; p != nil {
					p(Progress{Account: s.a.Name, Folder: folder, Done: stored, Total: max(expect, stored)})
				}
			}
			s.doneWith(b.msgs)
		}
		f.written <- writeEnd{last: lastUID, err: err}
	}()
	return f
}

// errHalted is a write not done because the sync stopped at an earlier
// folder.
var errHalted = errors.New("not written: the sync stopped")

// allSent marks the fetch's commands all sent; it may be called again.
func (f *fetching) allSent() { f.sentOnce.Do(func() { close(f.sent) }) }

// wait waits for the fetch to end, its writes included, and returns the
// resume point reached and the fetch's error. A run's finish or its
// abort calls it, once.
func (f *fetching) wait() (uint32, error) {
	var fetchErr error
	for range f.lanes {
		if err := <-f.errs; err != nil && fetchErr == nil {
			fetchErr = err
			// Stop the other range: its connection is closed, its command
			// fails, its goroutine returns.
			if f.split {
				f.s.dropSecond()
			}
		}
	}
	close(f.batches)
	w := <-f.written
	if fetchErr != nil {
		return w.last, f.s.connErr(fmt.Errorf("fetch: %w", fetchErr))
	}
	return w.last, w.err
}

// fetchRange is a range of UIDs to fetch, lo <= UID <= hi (hi 0: no
// upper bound), and its UID FETCH when it is sent already.
type fetchRange struct {
	lo, hi uint32
	cmd    *imapclient.FetchCommand
}

// issue sends the range's UID FETCH over c.
func (r *fetchRange) issue(c *Client) *imapclient.FetchCommand {
	var set imap.UIDSet
	set.AddRange(imap.UID(r.lo), imap.UID(r.hi)) // hi 0 is "*"
	return c.Fetch(set, fetchOptions)
}

// fetchPlan is the fetch a folder's status promises: its ranges, whose
// commands go out behind the SELECTs.
type fetchPlan struct {
	ranges []fetchRange
}

// plan returns the fetch a folder's status promises for a folder stored
// as st (see startFetch for the ranges), or nil when it promises none or
// too little is known to send it before the SELECT.
func (s *syncer) plan(st *rekindle.FolderState, status *imap.StatusData) *fetchPlan {
	if status.UIDValidity == 0 || status.UIDNext == 0 || status.NumMessages != nil && *status.NumMessages == 0 {
		return nil
	}
	after := st.LastUID
	if st.UIDValidity != status.UIDValidity {
		after = 0 // the folder is new, or renumbered: it starts again
	}
	uidNext := uint32(status.UIDNext)
	if uidNext <= after+1 {
		return nil
	}
	p := &fetchPlan{ranges: []fetchRange{{lo: after + 1}}}
	if s.splits(st, status) && uidNext > after+2 {
		mid := after + (uidNext-after)/2
		p.ranges = []fetchRange{{lo: after + 1, hi: mid}, {lo: mid + 1}}
	}
	return p
}

// drop reads and throws away what the plan's sent commands fetch, the
// second connection's included once its SELECT is over. A nil plan does
// nothing.
func (p *fetchPlan) drop(second *secondSelect) {
	if p == nil {
		return
	}
	if p.ranges[0].cmd != nil {
		p.ranges[0].cmd.Close()
	}
	if second != nil {
		second.wait()
		if second.fetch != nil {
			second.fetch.Close()
		}
	}
}

// fetchRange reads the messages of r over c (with r's command when it is
// sent already) and sends them in batches tagged with part.
func (s *syncer) fetchRange(c *Client, part int, r fetchRange, out chan<- batch) error {
	lo, hi := r.lo, r.hi
	cmd := r.cmd
	if cmd == nil {
		cmd = r.issue(c)
	}
	var (
		cur      = s.newBatch()
		maxUID   = lo - 1
		ordered  = true
		fetchErr error
		scratch  []byte // the header literal being read, reused
	)
	flush := func(final bool) {
		if len(cur) == 0 && !final {
			return
		}
		// The range's progress may only pass UIDs whose predecessors are
		// all read; servers send FETCH responses in UID order, but if one
		// does not, hold the progress back until the end.
		prog := lo - 1
		if ordered || final {
			prog = maxUID
		}
		if final && hi != 0 {
			prog = hi // the whole range is read, whatever UIDs it held
		}
		out <- batch{msgs: cur, part: part, prog: prog, done: final}
		if !final {
			cur = s.newBatch()
		}
	}
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		// go-imap hands a message over before its response is read to
		// the end, and a response cut short reads as a complete one with
		// items missing. Once the next message has begun, the previous
		// ones are whole: batches are sent from here (and after the
		// command ends well), never with the message being read.
		if len(cur) >= s.opts.BatchSize {
			flush(false)
		}
		f, err := collect(msg, &scratch)
		if err != nil {
			// The connection failed in the middle of a header literal.
			// Close it before anything else reads: go-imap's reader goes
			// on decoding once a literal read fails, and a second read of
			// the literal (draining the command does one) would race it.
			c.Close()
			fetchErr = err
			break
		}
		uid := f.uid
		if uid < lo || hi != 0 && uid > hi {
			// "n:*" includes the highest UID even when it is below n.
			continue
		}
		if uid < maxUID {
			ordered = false
		}
		maxUID = max(maxUID, uid)
		cur = append(cur, parseMessage(uid, f.internalDate, f.header))
	}
	if err := cmd.Close(); fetchErr == nil {
		fetchErr = err
	}
	if fetchErr != nil {
		return fetchErr
	}
	flush(true)
	return nil
}

// fetchedMessage is what a sync fetches of one message.
type fetchedMessage struct {
	uid          uint32
	internalDate time.Time
	header       []byte // the header section, in the caller's scratch; empty when there is none
}

// maxLiteral bounds the buffer a header literal is read into at once; a
// larger one (a hostile server's) grows as it arrives.
const maxLiteral = 1 << 20

// collect reads one message's FETCH items, as FetchMessageData.Collect
// does, but returns at once if a literal fails to read, and takes a
// literal shorter than announced for the failure it is. The literal is
// read into *scratch, reused from one message to the next: the header is
// valid until the next call.
func collect(msg *imapclient.FetchMessageData, scratch *[]byte) (fetchedMessage, error) {
	var f fetchedMessage
	for {
		switch item := msg.Next().(type) {
		case nil:
			return f, nil
		case imapclient.FetchItemDataUID:
			f.uid = uint32(item.UID)
		case imapclient.FetchItemDataInternalDate:
			f.internalDate = item.Time
		case imapclient.FetchItemDataBodySection:
			if item.Literal == nil || len(f.header) > 0 {
				continue
			}
			size := item.Literal.Size()
			var (
				b   []byte
				err error
			)
			if size <= maxLiteral {
				if int64(cap(*scratch)) < size {
					*scratch = make([]byte, size)
				}
				var n int
				n, err = io.ReadFull(item.Literal, (*scratch)[:size])
				b = (*scratch)[:n]
			} else {
				b, err = io.ReadAll(item.Literal)
			}
			if (err == nil || err == io.EOF || err == io.ErrUnexpectedEOF) && int64(len(b)) != size {
				// A connection closed in the middle of the literal
				// reads as its end: a cut, not a short header.
				err = fmt.Errorf("header literal cut after %d of %d bytes: %w", len(b), size, io.ErrUnexpectedEOF)
			}
			if err != nil {
				return f, err
			}
			f.header = b
		}
	}
}

// splits reports whether a folder's status promises a fetch large
// enough to split over two connections (see startFetch), for a folder
// stored as st. A status without MESSAGES promises nothing.
func (s *syncer) splits(st *rekindle.FolderState, status *imap.StatusData) bool {
	if s.opts.SplitAt <= 0 || status == nil || status.NumMessages == nil {
		return false
	}
	expect := int(*status.NumMessages) - st.Messages
	if st.LastUID == 0 || st.UIDValidity != status.UIDValidity {
		expect = int(*status.NumMessages)
	}
	return expect >= s.opts.SplitAt
}

// openSecond starts logging in a second time, in the background, unless
// the second connection is open, being opened, or was refused.
func (s *syncer) openSecond(ctx context.Context) *secondConn {
	s.secondMu.Lock()
	defer s.secondMu.Unlock()
	if s.second == nil {
		sc := &secondConn{ready: make(chan struct{})}
		s.second = sc
		go func() {
			defer close(sc.ready)
			if sc.c, sc.err = Connect(ctx, s.a, s.opts.Client); sc.err != nil {
				sc.err = fmt.Errorf("second connection: %w", sc.err)
			}
		}()
	}
	return s.second
}

// secondSelect is a SELECT on the second connection, under way, and the
// UID FETCH sent behind it, if any.
type secondSelect struct {
	done  chan struct{}
	c     *Client
	sel   *imap.SelectData
	fetch *imapclient.FetchCommand
	err   error
}

// selectSecond selects folder on the second connection, in the
// background, opening the connection first if need be; with a range, it
// sends that range's UID FETCH right behind the SELECT.
func (s *syncer) selectSecond(ctx context.Context, folder string, pipelined *fetchRange) *secondSelect {
	sc := s.openSecond(ctx)
	r := &secondSelect{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		<-sc.ready
		if r.c, r.err = sc.c, sc.err; r.err != nil {
			return
		}
		r.err = r.c.Do("SELECT "+folder+" (second connection)", func() (err error) {
			cmd := r.c.Select(folder, &imap.SelectOptions{ReadOnly: true})
			if pipelined != nil {
				r.fetch = pipelined.issue(r.c)
			}
			r.sel, err = cmd.Wait()
			return err
		})
		if r.err != nil {
			r.err = fmt.Errorf("second connection: select %s: %w", folder, r.err)
		}
	}()
	return r
}

// wait waits for the SELECT to end.
func (r *secondSelect) wait() { <-r.done }

// use waits for the SELECT and returns the connection, when the folder
// is selected there with uidValidity. With an error, the connection is
// returned when there is one.
func (r *secondSelect) use(uidValidity uint32) (*Client, error) {
	r.wait()
	switch {
	case r.err != nil:
		return r.c, r.err
	case r.sel.UIDValidity != uidValidity:
		return r.c, fmt.Errorf("second connection: UIDVALIDITY %d, not %d", r.sel.UIDValidity, uidValidity)
	}
	return r.c, nil
}

// dropSecond closes the second connection; the next split fetch opens a
// new one.
func (s *syncer) dropSecond() {
	s.secondMu.Lock()
	defer s.secondMu.Unlock()
	if s.second != nil {
		<-s.second.ready
		if c := s.second.c; c != nil {
			// Shut now, closed once its reader has handed over what it
			// holds (see Client.shut): a lane of the next folder may be
			// waiting for this caller.
			c.shut()
			go c.Close()
		}
		s.second = nil
	}
}

// closeSecond logs the second connection out, if it is open, and closes
// it.
func (s *syncer) closeSecond() {
	s.secondMu.Lock()
	defer s.secondMu.Unlock()
	if s.second == nil {
		return
	}
	<-s.second.ready
	if c := s.second.c; c != nil {
		c.Logout() // polite; no need to wait for the answer
		c.Close()
	}
	s.second = nil
}

// removeExpunged deletes from the store the messages no longer in the
// selected folder.
func (s *syncer) removeExpunged(ctx context.Context, folder string) (int, error) {
	opts := &imap.SearchOptions{}
	if s.c.Caps().Has(imap.CapESearch) || s.c.Caps().Has(imap.CapIMAP4rev2) {
		opts.ReturnAll = true
	}
	var data *imap.SearchData
	err := s.c.Do("UID SEARCH in "+folder, func() (err error) {
		data, err = s.c.UIDSearch(&imap.SearchCriteria{}, opts).Wait()
		return err
	})
	if err != nil {
		return 0, s.connErr(fmt.Errorf("search: %w", err))
	}
	present := data.AllUIDs()
	slices.Sort(present)
	stored, err := s.st.StoredUIDs(ctx, s.a.Name, folder)
	if err != nil {
		return 0, err
	}
	var gone []uint32
	for _, uid := range stored {
		if _, found := slices.BinarySearch(present, imap.UID(uid)); !found {
			gone = append(gone, uid)
		}
	}
	if err := s.st.DeleteUIDs(ctx, s.a.Name, folder, gone); err != nil {
		return 0, err
	}
	return len(gone), nil
}
