package e2e

// The drafts suite: imapsync.AppendDrafts against a private Dovecot,
// whose Drafts folder carries the \Drafts special use, with drafts built
// by mailer.Message as rekindle builds them. Helpers are prefixed "dr".

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/mail"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/mailer"
)

// drStart starts a Dovecot for one test and returns it with an account
// that reaches it over verified TLS, implicit or by STARTTLS.
func drStart(t *testing.T, security imapsync.Security) (*dovecot.Server, *imapsync.Account) {
	t.Helper()
	srv := dovecot.Start(t, dovecot.Options{})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dovecot log (%s), last lines:\n%s", srv.LogFile, srv.LogTail(40))
		}
	})
	addr := srv.Addr
	if security == imapsync.StartTLS {
		addr = srv.StartTLSAddr
	}
	password := srv.Password
	return srv, &imapsync.Account{
		Name: "e2e", Addr: addr, Security: security, TLS: srv.TLSConfig(),
		Username: srv.User, Mechanism: imapsync.Password,
		Secret:      func(context.Context) (string, error) { return password, nil },
		DialTimeout: 10 * time.Second,
	}
}

// drDraft builds a draft to a contact, threaded into an earlier
// conversation, as the digest job does.
func drDraft(t *testing.T, name, email string) []byte {
	t.Helper()
	m := &mailer.Message{
		From:       rekindle.Address{Name: "Jane Doe", Email: "jane@example.com"},
		To:         rekindle.Address{Name: name, Email: email},
		Subject:    "Re: Kaffee in München?",
		Text:       "Hi " + name + ",\n\nit has been a while — coffee next week?\n\nJane\n",
		Date:       time.Date(2026, 11, 21, 7, 0, 0, 0, time.UTC),
		MessageID:  "rekindle-draft-" + strings.ToLower(name) + "@example.com",
		InReplyTo:  "thread-2@example.net",
		References: []string{"thread-1@example.com", "thread-2@example.net"},
	}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// drStored is one message of a folder on the server.
type drStored struct {
	flags []imap.Flag
	raw   []byte
}

// drFolder reads every message of a folder back from the server.
func drFolder(t *testing.T, srv *dovecot.Server, folder string) []drStored {
	t.Helper()
	c, err := srv.Login(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("examine %s: %v", folder, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	var set imap.SeqSet
	set.AddRange(1, sel.NumMessages)
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(set, &imap.FetchOptions{Flags: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatalf("fetch %s: %v", folder, err)
	}
	out := make([]drStored, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, drStored{flags: m.Flags, raw: m.FindBodySection(section)})
	}
	c.Logout().Wait()
	return out
}

func TestDraftsAppend(t *testing.T) {
	for _, security := range []imapsync.Security{imapsync.TLS, imapsync.StartTLS} {
		t.Run(string(security), func(t *testing.T) {
			srv, acct := drStart(t, security)
			drafts := [][]byte{drDraft(t, "Bob", "bob@example.net"), drDraft(t, "Ann", "ann@example.org")}

			if folder, err := imapsync.FindDrafts(t.Context(), acct, nil); err != nil || folder != "Drafts" {
				t.Fatalf("FindDrafts = %q, %v; want Drafts", folder, err)
			}
			folder, err := imapsync.AppendDrafts(t.Context(), acct, drafts, imapsync.DraftOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if folder != "Drafts" {
				t.Errorf("folder %q, want Drafts", folder)
			}
			got := drFolder(t, srv, "Drafts")
			if len(got) != 2 {
				t.Fatalf("Drafts holds %d messages, want 2", len(got))
			}
			for i, want := range []struct{ name, email string }{{"Bob", "bob@example.net"}, {"Ann", "ann@example.org"}} {
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
				if to, _ := r.Header.AddressList("To"); len(to) != 1 || to[0].Name != want.name || to[0].Address != want.email {
					t.Errorf("draft %d To %v", i+1, to)
				}
				if s, _ := r.Header.Subject(); s != "Re: Kaffee in München?" {
					t.Errorf("draft %d Subject %q", i+1, s)
				}
				if refs, _ := r.Header.MsgIDList("References"); strings.Join(refs, " ") != "thread-1@example.com thread-2@example.net" {
					t.Errorf("draft %d References %v", i+1, refs)
				}
				if irt, _ := r.Header.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "thread-2@example.net" {
					t.Errorf("draft %d In-Reply-To %v", i+1, irt)
				}
			}

			// Dovecot searches by Message-ID, so a rerun (after a
			// failure, or a crash) adds nothing twice, and a new draft
			// still goes in.
			more := append(drafts, drDraft(t, "Cem", "cem@example.com"))
			if _, err := imapsync.AppendDrafts(t.Context(), acct, more, imapsync.DraftOptions{}); err != nil {
				t.Fatal(err)
			}
			if got := drFolder(t, srv, "Drafts"); len(got) != 3 {
				t.Errorf("after a rerun with one new draft Drafts holds %d messages, want 3", len(got))
			}
			// Nothing went anywhere else.
			for _, f := range []string{"INBOX", "Sent"} {
				if n := len(drFolder(t, srv, f)); n != 0 {
					t.Errorf("%s holds %d messages, want 0", f, n)
				}
			}
		})
	}
}

func TestDraftsWrongPassword(t *testing.T) {
	_, acct := drStart(t, imapsync.TLS)
	acct.Secret = func(context.Context) (string, error) { return "not-the-password", nil }
	_, err := imapsync.AppendDrafts(t.Context(), acct, [][]byte{drDraft(t, "Bob", "bob@example.net")}, imapsync.DraftOptions{})
	if err == nil || !strings.Contains(err.Error(), "account e2e") {
		t.Fatalf("err = %v, want a login error naming the account", err)
	}
	if strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("error shows the password: %v", err)
	}
	var ae *imapsync.AppendError
	if errors.As(err, &ae) || errors.Is(err, imapsync.ErrNoDraftsFolder) {
		t.Errorf("a login failure reads as %T", err)
	}
}
