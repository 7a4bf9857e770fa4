package synth

import (
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle/internal/memimap"
)

// TestMemIMAPAccepts appends every kind of mail, hostile ones included, to
// go-imap's in-memory server and reads their envelopes back.
func TestMemIMAPAccepts(t *testing.T) {
	mb := Generate(Options{Seed: 4, Hostile: true})
	var mails []Mail
	for i, m := range mb.Mails {
		if m.Hostile != "" || i%10 == 0 {
			mails = append(mails, m)
		}
	}
	srv, err := memimap.Start(memimap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	created := map[string]bool{"INBOX": true}
	for _, m := range mails {
		if !created[m.Folder] {
			if err := srv.Create(m.Folder); err != nil {
				t.Fatal(err)
			}
			created[m.Folder] = true
		}
		flags := make([]imap.Flag, len(m.Flags))
		for i, f := range m.Flags {
			flags[i] = imap.Flag(f)
		}
		if _, err := srv.Append(m.Folder, m.Raw, flags, m.InternalDate); err != nil {
			t.Fatalf("append %s mail: %v", m.Hostile, err)
		}
	}
	c, err := imapclient.DialInsecure(srv.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("jane", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for folder := range created {
		if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Envelope: true, InternalDate: true}).Collect()
		if err != nil {
			t.Fatalf("fetch %s: %v", folder, err)
		}
		for _, m := range msgs {
			got[m.Envelope.MessageID]++
		}
	}
	for _, m := range mails {
		if m.Header.MessageID != "" && got[m.Header.MessageID] == 0 {
			t.Errorf("%s mail %s not read back", m.Hostile, m.Header.MessageID)
		}
	}
}
