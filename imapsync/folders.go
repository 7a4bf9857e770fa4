package imapsync

import (
	"context"
	"fmt"
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
// server has LIST-STATUS, its status in the same round trip.
func listFolders(c *imapclient.Client, status *imap.StatusOptions) ([]*Folder, error) {
	caps := c.Caps()
	var opts *imap.ListOptions
	if caps.Has(imap.CapListExtended) || caps.Has(imap.CapIMAP4rev2) {
		opts = &imap.ListOptions{ReturnSpecialUse: caps.Has(imap.CapSpecialUse)}
		if caps.Has(imap.CapListStatus) || caps.Has(imap.CapIMAP4rev2) {
			opts.ReturnStatus = status
		}
	}
	list, err := c.List("", "*", opts).Collect()
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	out := make([]*Folder, 0, len(list))
	for _, l := range list {
		out = append(out, &Folder{Name: l.Mailbox, Attrs: l.Attrs, Status: l.Status})
	}
	return out, nil
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
