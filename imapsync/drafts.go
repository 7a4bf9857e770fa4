package imapsync

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// draftsNames are the usual names of the Drafts folder on servers
// without SPECIAL-USE, in order of preference.
var draftsNames = []string{"Drafts", "[Gmail]/Drafts", "Draft", "INBOX.Drafts", "INBOX/Drafts"}

// ErrNoDraftsFolder is the error AppendDrafts and FindDrafts wrap when an
// account has no Drafts folder.
var ErrNoDraftsFolder = errors.New("no Drafts folder")

// DraftOptions say how drafts are appended.
type DraftOptions struct {
	// Unseen leaves drafts without the \Seen flag. By default they get
	// \Draft and \Seen, as mail clients save their own drafts: the
	// digest announces them, and an unread count on the Drafts folder
	// would only nag.
	Unseen bool
	// Time is the drafts' internal date; zero lets the server use the
	// time of the APPEND.
	Time time.Time
	// Client are options for the IMAP client, such as a DebugWriter; nil
	// for none.
	Client *imapclient.Options
}

// AppendError is AppendDrafts failing partway: the first Appended drafts
// are in Folder; the next one may be too, if the connection failed after
// the server stored it but before it answered; the rest are not.
// Running AppendDrafts again with the same drafts completes the job
// without duplicates, as it skips drafts whose Message-ID is there.
type AppendError struct {
	Account, Folder string
	// Appended is how many drafts were appended before the failure;
	// Total is how many there were.
	Appended, Total int
	Err             error
}

func (e *AppendError) Error() string {
	return fmt.Sprintf("account %s: append draft %d of %d to %s: %v (%d appended before it)",
		e.Account, e.Appended+1, e.Total, e.Folder, e.Err, e.Appended)
}

func (e *AppendError) Unwrap() error { return e.Err }

// AppendDrafts appends raw RFC 5322 messages to the account's Drafts
// folder, flagged \Draft, and returns the folder's name. The Drafts
// folder is the one the server marks \Drafts (RFC 6154), else the first
// that exists of Drafts, [Gmail]/Drafts, Draft, INBOX.Drafts and
// INBOX/Drafts; when there is none, the error wraps ErrNoDraftsFolder and
// says how to fix it. Bare LF line endings are turned into CRLF, as IMAP
// requires. A draft whose Message-ID is already in the folder is skipped,
// so that running AppendDrafts again after a failure or a crash adds no
// duplicates. A failure once the folder is found is an *AppendError
// saying how many drafts went in.
//
// The drafts are stored, never sent: the user reviews and sends them from
// their mail client. With no drafts AppendDrafts does nothing and returns
// "".
func AppendDrafts(ctx context.Context, a *Account, drafts [][]byte, opts DraftOptions) (folder string, err error) {
	if len(drafts) == 0 {
		return "", nil
	}
	for i, d := range drafts {
		if len(bytes.TrimSpace(d)) == 0 {
			return "", fmt.Errorf("account %s: draft %d of %d is empty", a.Name, i+1, len(drafts))
		}
	}
	c, err := Connect(ctx, a, opts.Client)
	if err != nil {
		return "", err
	}
	defer c.Close()
	folder, err = findDrafts(c.Client, a)
	if err != nil {
		return "", accountErr(ctx, a, err)
	}
	flags := []imap.Flag{imap.FlagDraft, imap.FlagSeen}
	if opts.Unseen {
		flags = flags[:1]
	}
	failed := func(i int, err error) error {
		return &AppendError{Account: a.Name, Folder: folder, Appended: i, Total: len(drafts), Err: ctxErr(ctx, err)}
	}
	examined := false
	for i, d := range drafts {
		if id := draftID(d); id != "" {
			if !examined {
				if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
					return folder, failed(i, fmt.Errorf("examine: %w", err))
				}
				examined = true
			}
			found, err := hasMessageID(c.Client, id)
			if err != nil {
				return folder, failed(i, err)
			}
			if found {
				continue
			}
		}
		if err := appendOne(c.Client, folder, crlf(d), &imap.AppendOptions{Flags: flags, Time: opts.Time}); err != nil {
			return folder, failed(i, err)
		}
	}
	// Everything is stored; a failing LOGOUT changes nothing.
	_ = c.Logout().Wait()
	return folder, nil
}

// FindDrafts connects and returns the name of the account's Drafts
// folder, as AppendDrafts would choose it; for `rekindle check`.
func FindDrafts(ctx context.Context, a *Account, opts *imapclient.Options) (string, error) {
	c, err := Connect(ctx, a, opts)
	if err != nil {
		return "", err
	}
	defer c.Close()
	folder, err := findDrafts(c.Client, a)
	if err != nil {
		return "", accountErr(ctx, a, err)
	}
	_ = c.Logout().Wait()
	return folder, nil
}

// findDrafts lists the folders and picks the Drafts folder.
func findDrafts(c *imapclient.Client, a *Account) (string, error) {
	folders, err := listFolders(c, nil)
	if err != nil {
		return "", fmt.Errorf("account %s: find the Drafts folder: %w", a.Name, err)
	}
	if f := chooseDrafts(folders); f != nil {
		return f.Name, nil
	}
	return "", fmt.Errorf("account %s: %w: the server marks no folder \\Drafts and has none named %s "+
		"(create a folder named Drafts, or set drafts: false for the account)",
		a.Name, ErrNoDraftsFolder, strings.Join(draftsNames, ", "))
}

// chooseDrafts picks the selectable folder marked \Drafts, else the first
// of draftsNames that exists (in any case); nil if none.
func chooseDrafts(folders []*Folder) *Folder {
	return findFolder(folders, imap.MailboxAttrDrafts, draftsNames)
}

// draftID returns the Message-ID of a raw draft, without angle brackets;
// "" when it has none or its header does not parse.
func draftID(raw []byte) string {
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return ""
	}
	id := strings.TrimSpace(h.Get("Message-Id"))
	if i, j := strings.IndexByte(id, '<'), strings.LastIndexByte(id, '>'); i >= 0 && j > i {
		id = id[i+1 : j]
	}
	if strings.ContainsAny(id, " \t\r\n<>") {
		return ""
	}
	return id
}

// hasMessageID reports whether the selected folder holds a message with
// the given Message-ID.
func hasMessageID(c *imapclient.Client, id string) (bool, error) {
	criteria := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + id + ">"}}}
	data, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return false, fmt.Errorf("search for Message-ID <%s>: %w", id, err)
	}
	return len(data.AllUIDs()) > 0, nil
}

// appendOne runs one APPEND and waits for the server's answer.
func appendOne(c *imapclient.Client, folder string, raw []byte, opts *imap.AppendOptions) error {
	cmd := c.Append(folder, int64(len(raw)), opts)
	_, werr := cmd.Write(raw)
	cerr := cmd.Close()
	_, err := cmd.Wait()
	// The server's answer says most; a failed write or close usually
	// shows up there as the connection's error too.
	for _, e := range []error{err, werr, cerr} {
		if e != nil {
			return e
		}
	}
	return nil
}

// accountErr is err, or "account NAME: " and ctx's error once ctx ended.
func accountErr(ctx context.Context, a *Account, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("account %s: %w", a.Name, ctx.Err())
	}
	return err
}

// ctxErr prefers ctx's error to the closed connection's once ctx ended.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// crlf returns b with every bare LF turned into CRLF; b itself when it
// has none.
func crlf(b []byte) []byte {
	bare := false
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			bare = true
			break
		}
	}
	if !bare {
		return b
	}
	out := make([]byte, 0, len(b)+bytes.Count(b, []byte("\n")))
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
