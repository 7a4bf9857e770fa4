package dovecot

import (
	"crypto/tls"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle/synth"
)

// sample returns a few hundred mails of a small synthetic mailbox, from
// every folder, with every kind of hostile mail, by folder in arrival
// order.
func sample(t *testing.T) ([]synth.Mail, map[string][]synth.Mail) {
	t.Helper()
	mb := synth.Generate(synth.Options{Seed: 1, Hostile: true})
	var mails []synth.Mail
	byFolder := map[string][]synth.Mail{}
	for i, m := range mb.Mails {
		if i%6 == 0 || m.Hostile != "" || m.Folder == synth.FolderDrafts {
			mails = append(mails, m)
			byFolder[m.Folder] = append(byFolder[m.Folder], m)
		}
	}
	return mails, byFolder
}

func TestServer(t *testing.T) {
	srv := Start(t, Options{})
	mails, byFolder := sample(t)
	if err := srv.LoadMaildir("", mails); err != nil {
		t.Fatal(err)
	}
	c, err := srv.Login(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if caps := c.Caps(); !caps.Has(imap.CapCondStore) || !caps.Has(imap.CapSpecialUse) {
		t.Errorf("capabilities lack CONDSTORE or SPECIAL-USE: %v", caps)
	}

	list, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	attrs := map[string][]imap.MailboxAttr{}
	for _, l := range list {
		attrs[l.Mailbox] = l.Attrs
	}
	for name, use := range map[string]imap.MailboxAttr{
		"Sent": imap.MailboxAttrSent, "Drafts": imap.MailboxAttrDrafts, "Junk": imap.MailboxAttrJunk,
		"Trash": imap.MailboxAttrTrash, "Archive": imap.MailboxAttrArchive,
	} {
		if !slices.Contains(attrs[name], use) {
			t.Errorf("LIST: %s has %v, want %s", name, attrs[name], use)
		}
	}
	for folder := range byFolder {
		if _, ok := attrs[folder]; !ok {
			t.Errorf("LIST lacks %s (has %v)", folder, attrs)
		}
	}

	for folder, want := range byFolder {
		sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true, CondStore: true}).Wait()
		if err != nil {
			t.Fatalf("select %s: %v", folder, err)
		}
		if int(sel.NumMessages) != len(want) || sel.HighestModSeq == 0 {
			t.Errorf("%s: %d messages, HIGHESTMODSEQ %d; want %d messages and a modseq", folder, sel.NumMessages, sel.HighestModSeq, len(want))
		}
		n := min(len(want), 5)
		uids := imap.UIDSet{imap.UIDRange{Start: 1, Stop: imap.UID(n)}}
		got, err := c.Fetch(uids, &imap.FetchOptions{UID: true, Envelope: true, Flags: true, InternalDate: true, RFC822Size: true}).Collect()
		if err != nil {
			t.Fatalf("fetch %s: %v", folder, err)
		}
		if len(got) != n {
			t.Fatalf("%s: fetched %d of %d", folder, len(got), n)
		}
		for i, m := range got {
			w := want[m.UID-1]
			if m.Envelope.MessageID != w.Header.MessageID || m.Envelope.Subject != w.Header.Subject && w.Hostile == "" {
				t.Errorf("%s UID %d: envelope %q %q, want %q %q", folder, m.UID, m.Envelope.MessageID, m.Envelope.Subject, w.Header.MessageID, w.Header.Subject)
			}
			if !m.InternalDate.Equal(w.InternalDate) || m.RFC822Size != int64(len(w.Raw)) {
				t.Errorf("%s UID %d: internal date %v size %d, want %v %d", folder, m.UID, m.InternalDate, m.RFC822Size, w.InternalDate, len(w.Raw))
			}
			for _, f := range w.Flags {
				if !slices.Contains(m.Flags, imap.Flag(f)) {
					t.Errorf("%s message %d: flags %v lack %s", folder, i, m.Flags, f)
				}
			}
		}
	}

	// Every hostile mail can be fetched whole.
	for _, folder := range []string{"INBOX", "Junk"} {
		if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}
		if _, err := c.Fetch(all, &imap.FetchOptions{UID: true, Envelope: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect(); err != nil {
			t.Errorf("fetch all of %s: %v\n%s", folder, err, srv.LogTail(10))
		}
	}
	if err := c.Logout().Wait(); err != nil {
		t.Error(err)
	}
}

func TestStartTLSAndVerification(t *testing.T) {
	srv := Start(t, Options{User: "max", Password: "other secret"})
	c, err := imapclient.DialStartTLS(srv.StartTLSAddr, &imapclient.Options{TLSConfig: srv.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("max", "other secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	// Without the CA the certificate must not verify.
	if c2, err := imapclient.DialTLS(srv.Addr, &imapclient.Options{TLSConfig: &tls.Config{ServerName: "127.0.0.1"}}); err == nil {
		err = c2.WaitGreeting()
		c2.Close()
		if err == nil {
			t.Error("a client without the CA verified the server")
		}
	}
	// Nor does a wrong password log in.
	c3, err := srv.Login(nil)
	if err != nil {
		t.Fatal(err)
	}
	c3.Close()
	srv.Password = "wrong"
	if c4, err := srv.Login(nil); err == nil {
		c4.Close()
		t.Error("a wrong password logged in")
	}
}

func TestParallelServers(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	for i := range 2 {
		t.Run(string(rune('a'+i)), func(t *testing.T) {
			t.Parallel()
			srv := Start(t, Options{})
			mu.Lock()
			for _, k := range []string{srv.Addr, srv.StartTLSAddr, srv.Dir} {
				if seen[k] {
					t.Errorf("two servers share %s", k)
				}
				seen[k] = true
			}
			mu.Unlock()
			c, err := srv.Login(nil)
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
		})
	}
}

// TestLoadSynthOrder loads a whole small mailbox while it is generated and
// checks that UIDs follow arrival order, keywords work and Append does.
func TestLoadSynthOrder(t *testing.T) {
	srv := Start(t, Options{})
	opts := synth.Options{Seed: 2}
	n, err := srv.LoadSynth(opts)
	if err != nil {
		t.Fatal(err)
	}
	mb := synth.Generate(opts)
	if n != len(mb.Mails) {
		t.Fatalf("loaded %d of %d", n, len(mb.Mails))
	}
	extra := mb.Mails[0]
	extra.Flags = []string{`\Seen`, "$Forwarded"}
	if err := srv.LoadMaildir("Keywords", []synth.Mail{extra}); err != nil {
		t.Fatal(err)
	}
	c, err := srv.Login(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Dovecot numbers the loaded file when it first looks at the folder;
	// a message appended before that would be numbered first.
	if _, err := c.Status("Keywords", &imap.StatusOptions{NumMessages: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	extra.Header.MessageID = "appended@example.com"
	extra.Raw = []byte(strings.Replace(string(extra.Raw), "Message-ID: <"+mb.Mails[0].Header.MessageID+">", "Message-ID: <appended@example.com>", 1))
	if err := srv.Append("Keywords", extra); err != nil {
		t.Fatal(err)
	}
	for _, folder := range []string{"INBOX", "Sent"} {
		if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		got, err := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		want := mb.InFolder(folder)
		if len(got) != len(want) {
			t.Fatalf("%s: %d messages, want %d", folder, len(got), len(want))
		}
		for i, m := range got {
			if m.UID != imap.UID(i+1) || m.Envelope.MessageID != want[i].Header.MessageID {
				t.Fatalf("%s: UID %d holds %s, want UID %d with %s", folder, m.UID, m.Envelope.MessageID, i+1, want[i].Header.MessageID)
			}
		}
	}
	if _, err := c.Select("Keywords", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !slices.Contains(got[0].Flags, "$Forwarded") || got[1].Envelope.MessageID != "appended@example.com" || !slices.Contains(got[1].Flags, "$Forwarded") {
		for _, m := range got {
			t.Logf("UID %d flags %v id %s", m.UID, m.Flags, m.Envelope.MessageID)
		}
		t.Error("Keywords folder: wrong messages or flags")
	}
}

// TestStartWithoutDovecot runs this test binary again with Dovecot
// "missing": Start must skip, and must fail when CI=true.
func TestStartWithoutDovecot(t *testing.T) {
	if os.Getenv("REKINDLE_TEST_NO_DOVECOT") != "" {
		Start(t, Options{})
		t.Fatal("Start returned without dovecot")
	}
	for _, c := range []struct {
		ci   string
		want string
	}{{"", "--- SKIP"}, {"true", "--- FAIL"}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStartWithoutDovecot$", "-test.v")
		cmd.Env = append(os.Environ(), "REKINDLE_TEST_NO_DOVECOT=1", "REKINDLE_DOVECOT_BIN=/nonexistent/dovecot", "CI="+c.ci)
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), c.want) || !strings.Contains(string(out), "dovecot") {
			t.Errorf("CI=%q without dovecot: want %s, got:\n%s", c.ci, c.want, out)
		}
	}
}

// BenchmarkLoadMaildir loads 50,000 synthetic mails into a fresh server
// and then times Dovecot's first look at the biggest folder.
func BenchmarkLoadMaildir(b *testing.B) {
	mb := synth.Generate(synth.Options{Seed: 1, Messages: 50000})
	var bytes int64
	for _, m := range mb.Mails {
		bytes += int64(len(m.Raw))
	}
	b.SetBytes(bytes)
	b.ResetTimer()
	var selectTime time.Duration
	for range b.N {
		b.StopTimer()
		srv := Start(b, Options{})
		b.StartTimer()
		if err := srv.LoadMaildir("", mb.Mails); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		c, err := srv.Login(nil)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			b.Fatal(err)
		}
		selectTime = time.Since(start)
		c.Close()
		srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(mb.Mails)), "mails")
	b.ReportMetric(float64(selectTime.Milliseconds()), "first-select-INBOX-ms")
}
