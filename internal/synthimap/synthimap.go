// Package synthimap loads generated mailboxes (package synth) into the
// in-process IMAP server (package memimap), for the demo and the tests.
package synthimap

import (
	"fmt"

	"github.com/emersion/go-imap/v2"

	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/synth"
)

// Load creates a generated mailbox's folders, with their special use, in
// s and appends its mail.
func Load(s *memimap.Server, mb *synth.Mailbox) error {
	for _, f := range mb.Folders {
		if f.Name == "INBOX" {
			continue
		}
		var use []imap.MailboxAttr
		if f.SpecialUse != "" {
			use = append(use, imap.MailboxAttr(f.SpecialUse))
		}
		if err := s.Create(f.Name, use...); err != nil {
			return fmt.Errorf("folder %s: %w", f.Name, err)
		}
	}
	for _, m := range mb.Mails {
		flags := make([]imap.Flag, len(m.Flags))
		for i, f := range m.Flags {
			flags[i] = imap.Flag(f)
		}
		if _, err := s.Append(m.Folder, m.Raw, flags, m.InternalDate); err != nil {
			return err
		}
	}
	return nil
}
