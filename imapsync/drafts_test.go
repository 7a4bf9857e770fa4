package imapsync_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/mailer"
)

// Helpers here are prefixed "dr" so that they cannot clash with the
// other test files of the package.

// drServer starts an in-process IMAP server with INBOX, Sent and the
// given folders (name to special use, "" for none), and returns it with
// an account on it.
func drServer(t *testing.T, folders map[string]imap.MailboxAttr) (*memimap.Server, *imapsync.Account) {
	t.Helper()
	srv, err := memimap.Start(memimap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.Create("Sent", imap.MailboxAttrSent); err != nil {
		t.Fatal(err)
	}
	for name, attr := range folders {
		var err error
		if attr == "" {
			err = srv.Create(name)
		} else {
			err = srv.Create(name, attr)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return srv, &imapsync.Account{
		Name: "work", Addr: srv.Addr, Security: imapsync.None, Username: "jane",
		Secret:      func(context.Context) (string, error) { return "secret", nil },
		DialTimeout: 5 * time.Second,
	}
}

// drDraft builds a draft to a contact, threaded into an earlier
// conversation, as the caller of AppendDrafts does.
func drDraft(t *testing.T, to, name string) []byte {
	t.Helper()
	m := &mailer.Message{
		From:       rekindle.Address{Name: "Jane Doe", Email: "jane@example.com"},
		To:         rekindle.Address{Name: name, Email: to},
		Subject:    "Re: Lunch in Zürich?",
		Text:       "Hi " + name + ",\n\nit has been a while. Coffee next week?\n\nJane\n",
		Date:       time.Date(2026, 11, 21, 7, 0, 0, 0, time.UTC),
		MessageID:  "draft-" + name + "@example.com",
		InReplyTo:  "thread-2@example.net",
		References: []string{"thread-1@example.com", "thread-2@example.net"},
	}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// drFetched is a message read back from a folder.
type drFetched struct {
	flags []imap.Flag
	date  time.Time
	raw   []byte
}

// drFetch reads every message in folder back over IMAP.
func drFetch(t *testing.T, srv *memimap.Server, folder string) []drFetched {
	t.Helper()
	c, err := imapclient.DialInsecure(srv.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("jane", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(folder, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	var set imap.SeqSet
	set.AddRange(1, sel.NumMessages)
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(set, &imap.FetchOptions{Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out []drFetched
	for _, m := range msgs {
		out = append(out, drFetched{flags: m.Flags, date: m.InternalDate, raw: m.FindBodySection(section)})
	}
	return out
}

func TestAppendDraftsSpecialUse(t *testing.T) {
	// The folder marked \Drafts wins over one merely named Drafts.
	srv, acct := drServer(t, map[string]imap.MailboxAttr{"Entwürfe": imap.MailboxAttrDrafts, "Drafts": ""})
	drafts := [][]byte{drDraft(t, "bob@example.net", "Bob"), drDraft(t, "ann@example.org", "Ann")}
	folder, err := imapsync.AppendDrafts(t.Context(), acct, drafts, imapsync.DraftOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if folder != "Entwürfe" {
		t.Errorf("folder %q, want Entwürfe", folder)
	}
	got := drFetch(t, srv, "Entwürfe")
	if len(got) != 2 {
		t.Fatalf("%d messages in Entwürfe, want 2", len(got))
	}
	if n := len(drFetch(t, srv, "Drafts")); n != 0 {
		t.Errorf("%d messages in Drafts, want 0", n)
	}
	for i, want := range []struct{ to, name string }{{"bob@example.net", "Bob"}, {"ann@example.org", "Ann"}} {
		m := got[i]
		if !slices.Contains(m.flags, imap.FlagDraft) || !slices.Contains(m.flags, imap.FlagSeen) {
			t.Errorf("draft %d flags %v, want \\Draft and \\Seen", i+1, m.flags)
		}
		if !bytes.Equal(m.raw, drafts[i]) {
			t.Errorf("draft %d stored differently:\n%s", i+1, m.raw)
		}
		r, err := mail.CreateReader(bytes.NewReader(m.raw))
		if err != nil {
			t.Fatal(err)
		}
		h := r.Header
		to, _ := h.AddressList("To")
		if len(to) != 1 || to[0].Address != want.to || to[0].Name != want.name {
			t.Errorf("draft %d To %v, want %s <%s>", i+1, to, want.name, want.to)
		}
		if s, _ := h.Subject(); s != "Re: Lunch in Zürich?" {
			t.Errorf("draft %d Subject %q", i+1, s)
		}
		if irt, _ := h.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "thread-2@example.net" {
			t.Errorf("draft %d In-Reply-To %v", i+1, irt)
		}
		if refs, _ := h.MsgIDList("References"); strings.Join(refs, " ") != "thread-1@example.com thread-2@example.net" {
			t.Errorf("draft %d References %v", i+1, refs)
		}
		if id, _ := h.MessageID(); id != "draft-"+want.name+"@example.com" {
			t.Errorf("draft %d Message-ID %q", i+1, id)
		}
	}
}

func TestAppendDraftsFallbackNames(t *testing.T) {
	for _, name := range []string{"Drafts", "[Gmail]/Drafts", "Draft", "INBOX.Drafts", "INBOX/Drafts", "drafts"} {
		t.Run(name, func(t *testing.T) {
			srv, acct := drServer(t, map[string]imap.MailboxAttr{name: "", "Archive": ""})
			folder, err := imapsync.AppendDrafts(t.Context(), acct, [][]byte{drDraft(t, "bob@example.net", "Bob")}, imapsync.DraftOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if folder != name {
				t.Errorf("folder %q, want %q", folder, name)
			}
			if n := len(drFetch(t, srv, name)); n != 1 {
				t.Errorf("%d messages in %s, want 1", n, name)
			}
		})
	}
}

func TestAppendDraftsNoFolder(t *testing.T) {
	srv, acct := drServer(t, map[string]imap.MailboxAttr{"Archive": "", "Lists/Drafts-of-papers": ""})
	srv.Commands()
	folder, err := imapsync.AppendDrafts(t.Context(), acct, [][]byte{drDraft(t, "bob@example.net", "Bob")}, imapsync.DraftOptions{})
	if !errors.Is(err, imapsync.ErrNoDraftsFolder) {
		t.Fatalf("err = %v, want ErrNoDraftsFolder", err)
	}
	if folder != "" {
		t.Errorf("folder %q", folder)
	}
	for _, want := range []string{"account work", `\Drafts`, "create a folder named Drafts", "drafts: false"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := srv.Commands()["APPEND"]; n != 0 {
		t.Errorf("%d APPEND commands", n)
	}
	if _, err := imapsync.FindDrafts(t.Context(), acct, nil); !errors.Is(err, imapsync.ErrNoDraftsFolder) {
		t.Errorf("FindDrafts: %v, want ErrNoDraftsFolder", err)
	}
}

func TestAppendDraftsOptions(t *testing.T) {
	srv, acct := drServer(t, map[string]imap.MailboxAttr{"Drafts": imap.MailboxAttrDrafts})
	when := time.Date(2026, 11, 21, 6, 30, 0, 0, time.UTC)
	// A draft with bare LF line endings is stored with CRLF.
	lf := []byte("From: jane@example.com\nTo: bob@example.net\nSubject: hi\n\nHello Bob.\n")
	_, err := imapsync.AppendDrafts(t.Context(), acct, [][]byte{lf}, imapsync.DraftOptions{Unseen: true, Time: when})
	if err != nil {
		t.Fatal(err)
	}
	got := drFetch(t, srv, "Drafts")
	if len(got) != 1 {
		t.Fatalf("%d drafts", len(got))
	}
	if !slices.Equal(got[0].flags, []imap.Flag{imap.FlagDraft}) {
		t.Errorf("flags %v, want only \\Draft", got[0].flags)
	}
	if !got[0].date.Equal(when) {
		t.Errorf("internal date %v, want %v", got[0].date, when)
	}
	if want := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n")); !bytes.Equal(got[0].raw, want) {
		t.Errorf("stored %q, want %q", got[0].raw, want)
	}
	if folder, err := imapsync.FindDrafts(t.Context(), acct, nil); err != nil || folder != "Drafts" {
		t.Errorf("FindDrafts = %q, %v", folder, err)
	}
}

func TestAppendDraftsNothingToDo(t *testing.T) {
	srv, acct := drServer(t, nil)
	folder, err := imapsync.AppendDrafts(t.Context(), acct, nil, imapsync.DraftOptions{})
	if err != nil || folder != "" {
		t.Errorf("AppendDrafts(nil) = %q, %v", folder, err)
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections for no drafts", n)
	}
	if _, err := imapsync.AppendDrafts(t.Context(), acct, [][]byte{[]byte("\r\n")}, imapsync.DraftOptions{}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty draft: %v", err)
	}
}

func TestAppendDraftsCancelled(t *testing.T) {
	_, acct := drServer(t, map[string]imap.MailboxAttr{"Drafts": imap.MailboxAttrDrafts})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := imapsync.AppendDrafts(ctx, acct, [][]byte{drDraft(t, "bob@example.net", "Bob")}, imapsync.DraftOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestAppendDraftsPartial checks that a connection lost between drafts
// says how many went in, and that running again completes the job
// without duplicates.
func TestAppendDraftsPartial(t *testing.T) {
	srv, acct := drServer(t, map[string]imap.MailboxAttr{"Drafts": imap.MailboxAttrDrafts})
	drafts := [][]byte{drDraft(t, "bob@example.net", "Bob"), drDraft(t, "ann@example.org", "Ann")}

	// The connection drops as the client sends the second APPEND.
	cut := *acct
	cut.Addr = drCutProxy(t, srv.Addr, " APPEND ", 2)
	_, err := imapsync.AppendDrafts(t.Context(), &cut, drafts, imapsync.DraftOptions{})
	var ae *imapsync.AppendError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an *AppendError", err)
	}
	if ae.Appended != 1 || ae.Total != 2 || ae.Folder != "Drafts" || ae.Account != "work" {
		t.Errorf("AppendError %+v, want 1 of 2 appended to Drafts", ae)
	}
	if !strings.Contains(err.Error(), "account work: append draft 2 of 2 to Drafts") {
		t.Errorf("error %q", err)
	}
	if n := len(drFetch(t, srv, "Drafts")); n != 1 {
		t.Errorf("%d drafts stored, want 1", n)
	}

	if _, err := imapsync.AppendDrafts(t.Context(), acct, drafts, imapsync.DraftOptions{}); err != nil {
		t.Fatal(err)
	}
	got := drFetch(t, srv, "Drafts")
	if len(got) != 2 || !bytes.Equal(got[0].raw, drafts[0]) || !bytes.Equal(got[1].raw, drafts[1]) {
		t.Errorf("after a rerun the folder holds %d drafts, want the 2 once each", len(got))
	}
}

// drCutProxy forwards one connection at a time to target and drops it,
// both ways, when the client is about to send the nth occurrence of
// marker; it returns the proxy's address.
func drCutProxy(t *testing.T, target, marker string, nth int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			go func() {
				io.Copy(client, server)
				client.Close()
			}()
			go func() {
				defer server.Close()
				defer client.Close()
				var seen []byte
				buf := make([]byte, 4096)
				for {
					n, err := client.Read(buf)
					if n > 0 {
						sent := len(seen)
						seen = append(seen, buf[:n]...)
						if i := drNthIndex(seen, marker, nth); i >= 0 {
							if i > sent {
								server.Write(seen[sent:i])
							}
							return
						}
						if _, err := server.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// drNthIndex returns where the nth occurrence of marker starts in b, or -1.
func drNthIndex(b []byte, marker string, nth int) int {
	off := 0
	for k := 1; ; k++ {
		i := bytes.Index(b[off:], []byte(marker))
		if i < 0 {
			return -1
		}
		if k == nth {
			return off + i
		}
		off += i + len(marker)
	}
}
