// Package memsmtp is a small in-process SMTP server on loopback, built on
// github.com/emersion/go-smtp. It keeps what it receives in memory. Tests
// send real mail to it, and "rekindle demo" delivers its digest to it. It
// can refuse the next deliveries with a temporary (451) or permanent (550)
// error, to test retries, and stall (stop answering, without closing) at a
// given command, to test the client's timeouts.
package memsmtp

import (
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a Server.
type Options struct {
	// User and Password are the one login accepted with AUTH PLAIN; empty
	// means any client may send without logging in.
	User, Password string
}

// Message is one delivered message.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is a running in-process SMTP server.
type Server struct {
	// Addr is 127.0.0.1:PORT.
	Addr string

	srv  *smtp.Server
	opts Options

	mu       sync.Mutex
	msgs     []Message
	refuse   []int // SMTP codes for the next deliveries
	attempts int
	stallAt  atomic.Value // string: the command new connections stall at
}

// Start starts a server on 127.0.0.1. It allows authentication without
// TLS: it is for loopback only.
func Start(opts Options) (*Server, error) {
	s := &Server{opts: opts}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(&stallListener{Listener: ln, s: s})
	return s, nil
}

// StallAt makes the connections accepted from now on stop answering once
// the client sends verb ("EHLO", "AUTH", "MAIL", "RCPT", "DATA", or "."
// for the end of a message), as a hung server would: it reads on, and
// what it writes goes nowhere; the connection stays open. At "." the
// message is delivered, and only the reply is lost. StallAt("") ends that
// for the connections that follow.
func (s *Server) StallAt(verb string) { s.stallAt.Store(strings.ToUpper(verb)) }

type stallListener struct {
	net.Listener
	s *Server
}

func (l *stallListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	verb, _ := l.s.stallAt.Load().(string)
	if verb == "" {
		return c, nil
	}
	return &stallConn{Conn: c, verb: verb}, nil
}

// stallConn stops answering once the client sent a line starting with
// verb.
type stallConn struct {
	net.Conn
	verb    string
	line    []byte
	stalled atomic.Bool
}

func (c *stallConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for _, b := range p[:n] {
		if b != '\n' {
			if len(c.line) < 64 {
				c.line = append(c.line, b)
			}
			continue
		}
		l := strings.ToUpper(strings.TrimRight(string(c.line), "\r"))
		if l == c.verb || strings.HasPrefix(l, c.verb+" ") {
			c.stalled.Store(true)
		}
		c.line = c.line[:0]
	}
	return n, err
}

func (c *stallConn) Write(p []byte) (int, error) {
	if c.stalled.Load() {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Messages returns what was delivered so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Attempts counts DATA commands, delivered or refused.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// Refuse makes the next deliveries fail at DATA with these SMTP codes, one
// per attempt (451 is temporary, 550 permanent).
func (s *Server) Refuse(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = append(s.refuse, codes...)
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.opts.User || pass != ss.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.User != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if len(s.refuse) > 0 {
		code := s.refuse[0]
		s.refuse = s.refuse[1:]
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "refused by memsmtp"}
	}
	s.msgs = append(s.msgs, Message{From: ss.from, To: ss.to, Data: b.Bytes()})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }
