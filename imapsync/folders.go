package imapsync

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Folder is one mailbox on the server and the decision about it.
type Folder struct {
	Name string
	// Attrs are the LIST attributes, special-use ones included.
	Attrs []imap.MailboxAttr
	// Sent is true for the folder chosen as the account's Sent folder.
	Sent bool
	// Skip is why the folder is not synced; empty when it is.
	Skip string
	// Status is the folder's STATUS as LIST-STATUS returned it, or nil.
	Status *imap.StatusData
}

// sentNames are the usual names of the Sent folder on servers without
// SPECIAL-USE, in order of preference.
var sentNames = []string{"Sent", "Sent Items", "Sent Messages", "[Gmail]/Sent Mail", "INBOX.Sent", "INBOX/Sent", "Sent Mail"}

// skippedUse are the special uses whose folders hold no conversation.
var skippedUse = map[imap.MailboxAttr]string{
	imap.MailboxAttrJunk:   `junk (\Junk)`,
	imap.MailboxAttrTrash:  `trash (\Trash)`,
	imap.MailboxAttrDrafts: `drafts (\Drafts)`,
}

// listFolders lists every folder with its special use and, where the
// server has LIST-STATUS, its status (status) in the same round trip.
func listFolders(c *imapclient.Client, status *imap.StatusOptions) ([]*Folder, error) {
	return collectFolders(c.List("", "*", listOptions(c.Caps(), status)))
}

// listOptions are the options of the LIST that lists every folder on a
// server with caps: its special use and, with status, its status.
func listOptions(caps imap.CapSet, status *imap.StatusOptions) *imap.ListOptions {
	var opts *imap.ListOptions
	if caps.Has(imap.CapListExtended) || caps.Has(imap.CapIMAP4rev2) {
		opts = &imap.ListOptions{ReturnSpecialUse: caps.Has(imap.CapSpecialUse)}
		if caps.Has(imap.CapListStatus) || caps.Has(imap.CapIMAP4rev2) {
			opts.ReturnStatus = status
		}
	}
	return opts
}

// collectFolders reads the answer to a LIST of every folder.
func collectFolders(cmd *imapclient.ListCommand) ([]*Folder, error) {
	list, err := cmd.Collect()
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	out := make([]*Folder, 0, len(list))
	for _, l := range list {
		out = append(out, &Folder{Name: l.Mailbox, Attrs: l.Attrs, Status: l.Status})
	}
	return out, nil
}

// syncStatus is what a sync asks of each folder's STATUS, of a server
// with caps.
func syncStatus(caps imap.CapSet) *imap.StatusOptions {
	return &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, HighestModSeq: caps.Has(imap.CapCondStore)}
}

// aheadList is the LIST of every folder that a sync sends right behind
// its LOGIN, sparing the round trip that waiting for the LOGIN's answer
// would cost. The LIST a sync sends depends on the capabilities the
// server announces once logged in (listOptions, syncStatus), which come
// with the LOGIN's answer: the one sent ahead is planned for those the
// server announced after the last sync's login (the store keeps them),
// or, on a first sync, for those of most servers (commonCaps). It is
// used only if it is the LIST the capabilities announced now call for;
// otherwise it is read to its end, whatever the server made of it, and
// the right one sent. A server that refuses the LIST sent ahead gets it
// again once logged in, and at later syncs only then (listNotAhead).
type aheadList struct {
	known []string // the capabilities the store keeps; nil: none
	// refused is set when the server refused the LIST sent ahead (NO,
	// BAD) although it was the one to send.
	refused bool
	opts    *imap.ListOptions
	// done is closed once the answer is read (folders, err): from the
	// moment it is sent, so that nothing waits for a command behind it
	// (a CAPABILITY, if the LOGIN's answer had none) while it is unread.
	// nil until sent.
	done    chan struct{}
	folders []*Folder
	err     error
}

// commonCaps are the capabilities that a sync expects of a server it has
// not logged in to before: those that Dovecot, Gmail, Fastmail and Cyrus
// announce once logged in, among those that the LIST depends on.
var commonCaps = []string{string(imap.CapIMAP4rev1), string(imap.CapListExtended), string(imap.CapListStatus),
	string(imap.CapSpecialUse), string(imap.CapCondStore)}

// listNotAhead, among the capabilities the store keeps, marks a server
// that refused the LIST sent ahead: no capability has this name (an
// atom, but not one of an extension).
const listNotAhead = "-LIST-NOT-AHEAD"

// send sends the LIST, behind a LOGIN (connect's behind), unless the
// server refused that before.
func (l *aheadList) send(c *imapclient.Client) {
	if slices.Contains(l.known, listNotAhead) {
		return
	}
	names := l.known
	if names == nil {
		names = commonCaps
	}
	caps := imap.CapSet{}
	for _, n := range names {
		caps[imap.Cap(n)] = struct{}{}
	}
	l.opts = listOptions(caps, syncStatus(caps))
	cmd := c.List("", "*", l.opts)
	l.done = make(chan struct{})
	go func() {
		defer close(l.done)
		l.folders, l.err = collectFolders(cmd)
	}()
}

// list returns every folder, as the LIST with opts answers: the one sent
// ahead when it had those options, else a new one, sent once the one
// ahead is answered (their untagged answers would mix).
func (l *aheadList) list(c *imapclient.Client, opts *imap.ListOptions) ([]*Folder, error) {
	if l.done != nil {
		<-l.done
		var refused *imap.Error
		switch {
		case !reflect.DeepEqual(l.opts, opts):
		case errors.As(l.err, &refused):
			l.refused = true
		default:
			return l.folders, l.err
		}
	}
	return collectFolders(c.List("", "*", opts))
}

// keep is what the store should keep of a server that announced caps
// once logged in: their names and, if it refused the LIST sent ahead
// now or before, listNotAhead.
func (l *aheadList) keep(caps imap.CapSet) []string {
	names := capNames(caps)
	if l.refused || slices.Contains(l.known, listNotAhead) {
		names = append(names, listNotAhead)
	}
	return names
}

// capNames are the names of caps, sorted.
func capNames(caps imap.CapSet) []string {
	names := make([]string, 0, len(caps))
	for c := range caps {
		names = append(names, string(c))
	}
	slices.Sort(names)
	return names
}

// chooseFolders decides which folders to sync: by default every selectable
// folder but junk, trash and drafts; Include narrows that (the Sent folder
// always stays in), Exclude removes, and wins over everything.
func chooseFolders(folders []*Folder, include, exclude []string) {
	sent, drafts := findSent(folders), findDraftsByName(folders)
	for _, f := range folders {
		f.Sent = f == sent
		switch {
		case slices.Contains(f.Attrs, imap.MailboxAttrNoSelect) || slices.Contains(f.Attrs, imap.MailboxAttrNonExistent):
			f.Skip = "not selectable"
		case matchAny(exclude, f.Name):
			f.Skip = "excluded by folders.exclude"
		case len(include) > 0:
			if !f.Sent && !matchAny(include, f.Name) {
				f.Skip = "not in folders.include"
			}
		default:
			for _, a := range f.Attrs {
				if why, ok := skippedUse[a]; ok {
					f.Skip = why
				}
			}
			if f == drafts && f.Skip == "" {
				f.Skip = "drafts (by name)"
			}
		}
	}
}

// findDraftsByName finds the drafts folder of a server without special-use
// attributes, by its usual names; nil when a folder has \Drafts, which
// skippedUse covers. Syncing it would count rekindle's own drafts (from
// the user, to a contact) as mail the user sent.
func findDraftsByName(folders []*Folder) *Folder {
	f := findFolder(folders, imap.MailboxAttrDrafts, draftsNames)
	if f == nil || slices.Contains(f.Attrs, imap.MailboxAttrDrafts) {
		return nil
	}
	return f
}

// findSent finds the Sent folder: by special use, else by the usual names.
func findSent(folders []*Folder) *Folder {
	return findFolder(folders, imap.MailboxAttrSent, sentNames)
}

// findFolder returns the selectable folder marked with the special use,
// else the first of names that exists (in any case); nil if none.
func findFolder(folders []*Folder, use imap.MailboxAttr, names []string) *Folder {
	selectable := func(f *Folder) bool {
		return !slices.Contains(f.Attrs, imap.MailboxAttrNoSelect) && !slices.Contains(f.Attrs, imap.MailboxAttrNonExistent)
	}
	for _, f := range folders {
		if slices.Contains(f.Attrs, use) && selectable(f) {
			return f
		}
	}
	for _, name := range names {
		for _, f := range folders {
			if strings.EqualFold(f.Name, name) && selectable(f) {
				return f
			}
		}
	}
	return nil
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if matchGlob(g, name) || strings.EqualFold(g, "INBOX") && strings.EqualFold(name, "INBOX") {
			return true
		}
	}
	return false
}

// matchGlob matches name against a glob in which '*' matches any run of
// characters (delimiters included: "Lists/*" matches "Lists/go/nuts") and
// '?' matches one character.
func matchGlob(glob, name string) bool {
	for len(glob) > 0 {
		switch glob[0] {
		case '*':
			glob = strings.TrimLeft(glob, "*")
			if glob == "" {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if matchGlob(glob, name[i:]) {
					return true
				}
			}
			return false
		case '?':
			if name == "" {
				return false
			}
			_, size := utf8.DecodeRuneInString(name)
			glob, name = glob[1:], name[size:]
		default:
			if name == "" || glob[0] != name[0] {
				return false
			}
			glob, name = glob[1:], name[1:]
		}
	}
	return name == ""
}

// Survey is what Plan finds on an account's server.
type Survey struct {
	// Folders are the account's folders with the decision about each
	// (Skip empty for the folders a sync reads, Sent marking the Sent
	// folder).
	Folders []Folder
	// Compressed is true when the server compressed the connection
	// (Account.Compress).
	Compressed bool
}

// Plan connects to an account and returns what a sync would read,
// without syncing anything: what "rekindle check" shows.
func Plan(ctx context.Context, a *Account, opts *imapclient.Options) (*Survey, error) {
	c, err := Connect(ctx, a, opts)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	folders, err := listFolders(c.Client, nil)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", a.Name, err)
	}
	chooseFolders(folders, a.Include, a.Exclude)
	out := make([]Folder, len(folders))
	for i, f := range folders {
		out[i] = *f
	}
	_ = withDeadline(5*time.Second, c.Logout().Wait)
	return &Survey{Folders: out, Compressed: c.Compressed}, nil
}
