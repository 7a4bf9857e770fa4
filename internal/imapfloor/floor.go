// Package imapfloor is the floor that rekindle's sync is measured
// against: a minimal IMAP client over crypto/tls and bufio that logs in,
// fetches the same items from the same folders, and throws the answers
// away without parsing them. No client can get the same data faster, so
// the gap between it and the real sync is what parsing and storing cost.
package imapfloor

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/rekindle/rekindle/internal/mutf7"
)

// Config says what to fetch from where.
type Config struct {
	// Addr is host:port of an implicit-TLS (imaps) listener.
	Addr string
	// CAFile is a PEM file of CAs to trust instead of the system's; empty
	// means the system's. TLS, if set, is used as is instead.
	CAFile string
	TLS    *tls.Config
	// User and Password log in with LOGIN.
	User, Password string
	// Folders are EXAMINEd in turn, and their messages fetched.
	Folders []string
	// Items are the FETCH items, e.g. "UID FLAGS ENVELOPE"; they are put
	// in parentheses unless they already are.
	Items string
	// List, when set, is a command sent right behind the LOGIN, without
	// waiting for its answer, before any folder: the LIST with RETURN
	// (STATUS ...) that a sync finding nothing new sends, for the floor
	// of such a sync.
	List string
	// NoLogoutWait sends LOGOUT without waiting for its answer, as
	// rekindle's sync does.
	NoLogoutWait bool
}

// Result is what a fetch read.
type Result struct {
	// FetchBytes counts the bytes of the responses to the UID FETCH
	// commands, tagged completions included: the data itself.
	FetchBytes int64
	// TotalBytes counts every byte read from the server.
	TotalBytes int64
	// Messages counts the FETCH responses.
	Messages int
}

// RawFetchAll logs in to addr over TLS, verifying the server against the
// CAs in caFile, then EXAMINEs each folder and runs
// "UID FETCH 1:* (items)", reading and discarding the answers. It returns
// the bytes of the FETCH responses.
func RawFetchAll(addr, caFile, user, pass string, folders []string, items string) (bytes int64, err error) {
	r, err := Fetch(context.Background(), Config{Addr: addr, CAFile: caFile, User: user, Password: pass, Folders: folders, Items: items})
	return r.FetchBytes, err
}

// Fetch is RawFetchAll with a context and a count of what was read.
// Cancelling the context closes the connection.
func Fetch(ctx context.Context, c Config) (Result, error) {
	var res Result
	conf := c.TLS
	if conf == nil {
		host, _, err := net.SplitHostPort(c.Addr)
		if err != nil {
			return res, fmt.Errorf("address %q: %w", c.Addr, err)
		}
		conf = &tls.Config{ServerName: host}
		if c.CAFile != "" {
			pem, err := os.ReadFile(c.CAFile)
			if err != nil {
				return res, fmt.Errorf("read CA file: %w", err)
			}
			conf.RootCAs = x509.NewCertPool()
			if !conf.RootCAs.AppendCertsFromPEM(pem) {
				return res, fmt.Errorf("CA file %s: no certificates", c.CAFile)
			}
		}
	}
	d := tls.Dialer{Config: conf}
	nc, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return res, fmt.Errorf("dial %s: %w", c.Addr, err)
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()

	s := &session{conn: nc, r: bufio.NewReaderSize(nc, 64<<10), w: bufio.NewWriter(nc)}
	err = s.run(c, &res)
	res.TotalBytes = s.n
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return res, err
}

// session is one connection's reading and writing state.
type session struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	n    int64 // bytes read
	tags int
	head []byte
}

func (s *session) run(c Config, res *Result) error {
	head, err := s.response()
	if err != nil {
		return fmt.Errorf("read greeting: %w", err)
	}
	if !bytes.HasPrefix(head, []byte("* OK")) {
		return fmt.Errorf("greeting: %q", head)
	}
	login, err := s.send("LOGIN ", astring(c.User), " ", astring(c.Password))
	if err != nil {
		return fmt.Errorf("log in as %s: %w", c.User, err)
	}
	// The LIST goes right behind the LOGIN, as rekindle's sync sends it.
	var list string
	if c.List != "" {
		if list, err = s.send(c.List); err != nil {
			return fmt.Errorf("%s: %w", c.List, err)
		}
	}
	if _, err := s.await(login, nil); err != nil {
		return fmt.Errorf("log in as %s: %w", c.User, err)
	}
	if c.List != "" {
		if _, err := s.await(list, nil); err != nil {
			return fmt.Errorf("%s: %w", c.List, err)
		}
	}
	items := strings.TrimSpace(c.Items)
	if !strings.HasPrefix(items, "(") {
		items = "(" + items + ")"
	}
	for _, f := range c.Folders {
		if _, err := s.command(nil, "EXAMINE ", astring(mutf7.Encode(f))); err != nil {
			return fmt.Errorf("examine %s: %w", f, err)
		}
		before := s.n
		n, err := s.command(func(head []byte) bool {
			return bytes.HasPrefix(head, []byte("* ")) && bytes.Contains(head[:min(len(head), 24)], []byte(" FETCH "))
		}, "UID FETCH 1:* ", items)
		res.FetchBytes += s.n - before
		res.Messages += n
		if err != nil {
			return fmt.Errorf("fetch %s: %w", f, err)
		}
	}
	if c.NoLogoutWait {
		_, err := s.send("LOGOUT")
		return err
	}
	if _, err := s.command(nil, "LOGOUT"); err != nil {
		return fmt.Errorf("log out: %w", err)
	}
	return nil
}

// arg is one piece of a command: plain text, or a string that must go as
// a literal.
type arg = any

type literal string

// astring is an IMAP astring: quoted when it can be, a literal otherwise.
func astring(s string) arg {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return literal(s)
		}
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// command sends a tagged command and reads responses up to its completion,
// counting the untagged responses for which count reports true. A status
// other than OK is an error.
func (s *session) command(count func(head []byte) bool, args ...arg) (int, error) {
	tag, err := s.send(args...)
	if err != nil {
		return 0, err
	}
	return s.await(tag, count)
}

// await reads responses up to the completion of the command sent under
// tag, counting the untagged responses for which count reports true. A
// status other than OK is an error.
func (s *session) await(tag string, count func(head []byte) bool) (int, error) {
	n := 0
	prefix := []byte(tag + " ")
	for {
		head, err := s.response()
		if err != nil {
			return n, err
		}
		if bytes.HasPrefix(head, prefix) {
			status := bytes.TrimRight(head[len(prefix):], "\r\n")
			if bytes.HasPrefix(status, []byte("OK")) {
				return n, nil
			}
			return n, fmt.Errorf("server: %s", status)
		}
		if count != nil && count(head) {
			n++
		}
	}
}

// send writes a command under the next tag, which it returns, and reads
// nothing of its answer; only a synchronizing literal waits, for the
// server's go-ahead.
func (s *session) send(args ...arg) (string, error) {
	s.tags++
	tag := "f" + strconv.Itoa(s.tags)
	s.w.WriteString(tag)
	s.w.WriteByte(' ')
	for _, a := range args {
		switch a := a.(type) {
		case string:
			s.w.WriteString(a)
		case literal:
			// A synchronizing literal: wait for the server's go-ahead.
			fmt.Fprintf(s.w, "{%d}\r\n", len(a))
			if err := s.w.Flush(); err != nil {
				return tag, err
			}
			head, err := s.response()
			if err != nil {
				return tag, err
			}
			if !bytes.HasPrefix(head, []byte("+")) {
				return tag, fmt.Errorf("literal refused: %q", head)
			}
			s.w.WriteString(string(a))
		}
	}
	s.w.WriteString("\r\n")
	return tag, s.w.Flush()
}

// headLen is how much of a response's first line is kept to look at.
const headLen = 256

// response reads one response, literals included, and returns the start
// of its first line. A line that ends in "{N}" announces N bytes of
// literal data, which may hold anything, a line that looks like a tagged
// completion included; those bytes are skipped by count, never scanned,
// and the response goes on after them.
func (s *session) response() ([]byte, error) {
	s.head = s.head[:0]
	first := true
	var tail []byte
	for {
		tail = tail[:0]
		for {
			chunk, err := s.r.ReadSlice('\n')
			s.n += int64(len(chunk))
			if first && len(s.head) < headLen {
				s.head = append(s.head, chunk[:min(len(chunk), headLen-len(s.head))]...)
			}
			tail = append(tail, chunk[max(0, len(chunk)-32):]...)
			if len(tail) > 32 {
				tail = tail[len(tail)-32:]
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return s.head, err
			}
			break
		}
		first = false
		size, ok := literalSize(tail)
		if !ok {
			return s.head, nil
		}
		n, err := s.r.Discard(int(size))
		s.n += int64(n)
		if err != nil {
			return s.head, fmt.Errorf("read literal of %d bytes: %w", size, err)
		}
	}
}

// literalSize reads "{N}" (or "{N+}", or "~{N}") at the end of a line.
func literalSize(line []byte) (int64, bool) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if !bytes.HasSuffix(line, []byte("}")) {
		return 0, false
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	digits := bytes.TrimSuffix(line[open+1:len(line)-1], []byte("+"))
	n, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	if n > 1<<31 {
		return 0, false
	}
	return n, true
}
