package dovecot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rekindle/rekindle/internal/mutf7"
	"github.com/rekindle/rekindle/synth"
)

// folder is one Maildir folder of the account.
type folder struct {
	dir string
	// keywords are the folder's non-system flags in dovecot-keywords
	// order; their letters are 'a'+index.
	keywords []string
}

// maildirFlags maps IMAP system flags to Maildir info letters.
var maildirFlags = map[string]byte{
	`\Draft`: 'D', `\Flagged`: 'F', `\Answered`: 'R', `\Seen`: 'S', `\Deleted`: 'T',
}

// LoadMaildir writes mails straight into the account's Maildir, the way a
// delivery agent would, which is far faster than APPEND: each mail becomes
// one file in the folder's cur/ with its flags in the name and its
// InternalDate as the file's mtime (Dovecot's INTERNALDATE for Maildir).
// Folders are created as needed. Mails go to folder, or, when folder is
// empty, to each mail's own Folder.
//
// UIDs follow the order of the calls and of mails within a call: Dovecot
// numbers new files by the sequence number in their names when it next
// looks at the folder (a message APPENDed before that is numbered first).
// Recent flags
// (\Recent) are Dovecot's own and are ignored; other flags without a
// backslash become keywords. Loading may happen while clients are
// connected; they see the new mail at their next NOOP or SELECT.
func (s *Server) LoadMaildir(folder string, mails []synth.Mail) error {
	l := s.newLoader()
	for i := range mails {
		f := folder
		if f == "" {
			f = mails[i].Folder
		}
		if err := l.add(f, &mails[i]); err != nil {
			l.wait()
			return err
		}
	}
	return l.wait()
}

// LoadSynth generates a synthetic mailbox with synth.Stream and loads it
// into the Maildir as it is generated, in bounded memory, with writes
// overlapping generation. It returns how many mails were loaded.
func (s *Server) LoadSynth(opts synth.Options) (int, error) {
	l := s.newLoader()
	n := 0
	err := synth.Stream(opts, func(m synth.Mail) error {
		n++
		return l.add(m.Folder, &m)
	})
	if werr := l.wait(); err == nil {
		err = werr
	}
	return n, err
}

// loaderWorkers is how many files are written at once. File creation
// dominates and waits on the file system more than on the CPU, so a few
// writers overlap well even on two cores.
const loaderWorkers = 6

// loader writes mails with a few goroutines; the order of add calls, not
// of the writes, decides the UIDs.
type loader struct {
	s    *Server
	work chan loadItem
	wg   sync.WaitGroup
	mu   sync.Mutex
	err  error
}

type loadItem struct {
	f   *folder
	seq uint64
	m   *synth.Mail
}

func (s *Server) newLoader() *loader {
	l := &loader{s: s, work: make(chan loadItem, 4*loaderWorkers)}
	for range loaderWorkers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for it := range l.work {
				if err := s.write(it.f, it.seq, it.m); err != nil {
					l.mu.Lock()
					if l.err == nil {
						l.err = err
					}
					l.mu.Unlock()
				}
			}
		}()
	}
	return l
}

// add queues one mail; it returns the first error of any write so far.
func (l *loader) add(folder string, m *synth.Mail) error {
	l.mu.Lock()
	err := l.err
	l.mu.Unlock()
	if err != nil {
		return err
	}
	f, seq, err := l.s.reserve(folder, m.Flags)
	if err != nil {
		return err
	}
	l.work <- loadItem{f, seq, m}
	return nil
}

// wait waits for the queued writes and returns the first error.
func (l *loader) wait() error {
	close(l.work)
	l.wg.Wait()
	return l.err
}

// reserve returns the folder, creating it, and the mail's sequence number,
// which orders its UID. Sequence numbers are handed out under the lock so
// that concurrent writers keep the order of the calls.
func (s *Server) reserve(name string, flags []string) (*folder, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, 0, errors.New("dovecot: server closed")
	}
	f, err := s.folder(name)
	if err != nil {
		return nil, 0, err
	}
	for _, fl := range flags {
		if fl == "" || fl[0] == '\\' || slices.Contains(f.keywords, fl) {
			continue
		}
		if len(f.keywords) == 26 {
			return nil, 0, fmt.Errorf("folder %s: more than 26 keywords", name)
		}
		f.keywords = append(f.keywords, fl)
		if err := s.writeKeywords(f); err != nil {
			return nil, 0, err
		}
	}
	s.seq++
	return f, s.seq, nil
}

// folder returns a folder's Maildir, creating it; s.mu is held.
func (s *Server) folder(name string) (*folder, error) {
	if strings.EqualFold(name, "INBOX") {
		name = "INBOX"
	}
	if f, ok := s.folders[name]; ok {
		return f, nil
	}
	parts := strings.Split(name, "/")
	for _, p := range parts {
		switch p {
		case "", ".", "..", "cur", "new", "tmp":
			return nil, fmt.Errorf("folder name %q: bad component %q", name, p)
		}
	}
	dir := s.Maildir
	for _, p := range parts {
		dir = filepath.Join(dir, mutf7.Encode(p))
		if err := s.mkdir(dir); err != nil {
			return nil, err
		}
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := s.mkdir(filepath.Join(dir, sub)); err != nil {
			return nil, err
		}
	}
	f := &folder{dir: dir}
	s.folders[name] = f
	return f, nil
}

func (s *Server) mkdir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		return fmt.Errorf("create folder: %w", err)
	}
	return s.chown(dir)
}

// writeKeywords writes a folder's dovecot-keywords file; s.mu is held.
func (s *Server) writeKeywords(f *folder) error {
	var b strings.Builder
	for i, k := range f.keywords {
		fmt.Fprintf(&b, "%d %s\n", i, k)
	}
	path := filepath.Join(f.dir, "dovecot-keywords")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write keywords: %w", err)
	}
	return s.chown(path)
}

// write writes one mail file into a folder's cur/.
func (s *Server) write(f *folder, seq uint64, m *synth.Mail) error {
	// The name is "<secs>.M<n>P<pid>.<host>,S=<size>,W=<vsize>:2,<flags>".
	// Dovecot numbers new files in the order of <secs> then <n>; S= and
	// W= (the size with CRLF line ends) save it a stat and a read, and
	// must be exact.
	vsize := len(m.Raw) + bytes.Count(m.Raw, []byte("\n")) - bytes.Count(m.Raw, []byte("\r\n"))
	var info []byte
	for _, fl := range m.Flags {
		if c, ok := maildirFlags[fl]; ok {
			info = append(info, c)
		} else if i := slices.Index(f.keywords, fl); i >= 0 {
			info = append(info, byte('a'+i))
		}
	}
	slices.Sort(info)
	info = slices.Compact(info)
	name := strconv.FormatInt(s.epoch, 10) + ".M" + strconv.FormatUint(seq, 10) + "P" + strconv.Itoa(os.Getpid()) +
		".rekindle,S=" + strconv.Itoa(len(m.Raw)) + ",W=" + strconv.Itoa(vsize) + ":2," + string(info)
	path := filepath.Join(f.dir, "cur", name)
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	_, err = file.Write(m.Raw)
	if err == nil && s.owner.chown {
		err = file.Chown(s.owner.uid, s.owner.gid)
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err == nil && !m.InternalDate.IsZero() {
		err = os.Chtimes(path, m.InternalDate, m.InternalDate)
	}
	if err != nil {
		return fmt.Errorf("write mail %s: %w", path, err)
	}
	return nil
}
