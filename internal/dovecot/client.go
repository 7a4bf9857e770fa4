package dovecot

import (
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle/synth"
)

// Login connects to the implicit-TLS listener, verifying the server
// against CAFile, and logs in. opts may be nil; its TLSConfig is replaced.
func (s *Server) Login(opts *imapclient.Options) (*imapclient.Client, error) {
	o := imapclient.Options{}
	if opts != nil {
		o = *opts
	}
	o.TLSConfig = s.TLSConfig()
	c, err := imapclient.DialTLS(s.Addr, &o)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", s.Addr, err)
	}
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("log in as %s: %w", s.User, err)
	}
	return c, nil
}

// Append adds mails to a folder over IMAP, as a client would; folder ""
// means each mail's own Folder. It is the slow, realistic path next to
// LoadMaildir, for tests of mail arriving during a session. A folder that
// does not exist is created.
func (s *Server) Append(folder string, mails ...synth.Mail) error {
	c, err := s.Login(nil)
	if err != nil {
		return err
	}
	defer c.Close()
	created := map[string]bool{}
	for _, m := range mails {
		f := folder
		if f == "" {
			f = m.Folder
		}
		if !created[f] {
			// An existing folder answers NO [ALREADYEXISTS]; that is fine.
			_ = c.Create(f, nil).Wait()
			created[f] = true
		}
		flags := make([]imap.Flag, 0, len(m.Flags))
		for _, fl := range m.Flags {
			if fl != `\Recent` {
				flags = append(flags, imap.Flag(fl))
			}
		}
		cmd := c.Append(f, int64(len(m.Raw)), &imap.AppendOptions{Flags: flags, Time: m.InternalDate})
		if _, err := cmd.Write(m.Raw); err != nil {
			return fmt.Errorf("append to %s: %w", f, err)
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("append to %s: %w", f, err)
		}
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("append to %s: %w", f, err)
		}
	}
	return c.Logout().Wait()
}
