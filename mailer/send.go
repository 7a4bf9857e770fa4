// Package mailer builds rekindle's messages and sends them over SMTP.
//
// Message renders RFC 5322 with go-mail. Send speaks SMTP one step at a
// time (connect, EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO, DATA) with
// go-mail's SMTP client, so that every failure names the step it happened
// in and says whether trying again later could help: an *Error, read back
// with errors.As or IsTemporary. SendWithRetry retries the temporary
// ones. Nothing here logs; the errors carry what a log line needs.
//
// Drafts are never sent: they go to the user's IMAP Drafts folder (see
// imapsync.AppendDrafts), and only the digest goes through Send.
package mailer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail/smtp"
)

// Config is how to reach and log in to the SMTP server. cmd/rekindle
// builds it from the smtp section of the configuration.
type Config struct {
	// Host is the server's name. Required.
	Host string
	// Port defaults to 465 for tls, 587 for starttls and 25 for none.
	Port int
	// Security is tls (the default), starttls or none.
	Security Security
	// Username is the login name; unused with auth none.
	Username string
	// Auth is plain (the default), login, xoauth2, oauthbearer or none.
	Auth Auth
	// Secret returns the password (plain, login) or the access token
	// (xoauth2, oauthbearer). It is called once per connection, so a
	// token command can hand out a fresh token; unused with auth none.
	Secret func(ctx context.Context) (string, error)
	// AllowPlaintextAuth permits sending a password or token without TLS
	// to a host that is not loopback; the configuration has already
	// refused that unless smtp.allow_plaintext_auth is set.
	AllowPlaintextAuth bool
	// TLS carries extra CAs (RootCAs) and the name to verify
	// (ServerName, default Host). Nil means the system roots. The
	// certificate is always verified.
	TLS *tls.Config
	// Timeout bounds each step: connecting, and each command with its
	// reply (DATA: the message and the verdict on it; a digest is small).
	// A server that keeps rekindle waiting longer fails the step with an
	// error naming the server, the step and the timeout, which counts as
	// temporary. Default 1 minute.
	Timeout time.Duration
}

// Security is how the connection to the server is protected: the value of
// Config.Security. The zero value means SecurityTLS.
type Security string

// The three ways to connect.
const (
	// SecurityTLS is TLS from the first byte (port 465).
	SecurityTLS Security = "tls"
	// SecurityStartTLS upgrades a plain connection with STARTTLS (port
	// 587).
	SecurityStartTLS Security = "starttls"
	// SecurityNone sends everything in clear; for a local relay.
	SecurityNone Security = "none"
)

// Auth is how rekindle logs in to the server: the value of Config.Auth.
// The zero value means AuthPlain.
type Auth string

// The login mechanisms.
const (
	// AuthPlain is AUTH PLAIN with a username and password.
	AuthPlain Auth = "plain"
	// AuthLogin is AUTH LOGIN with a username and password.
	AuthLogin Auth = "login"
	// AuthXOAuth2 is Google's and Microsoft's SASL XOAUTH2 with an access
	// token.
	AuthXOAuth2 Auth = "xoauth2"
	// AuthOAuthBearer is RFC 7628 OAUTHBEARER with an access token.
	AuthOAuthBearer Auth = "oauthbearer"
	// AuthNone does not log in (a relay that needs no login).
	AuthNone Auth = "none"
)

const defaultTimeout = time.Minute

// Error is a failed step of an SMTP session.
type Error struct {
	// Step is what was being done, such as "connect to smtp.example.com:465"
	// or "send RCPT TO bob@example.com".
	Step string
	// Temporary is true when trying again later may succeed: a 4xx reply,
	// or the network failing. 5xx replies, authentication failures, TLS
	// certificates that do not verify and bad configuration are permanent.
	Temporary bool
	// Code is the server's reply code, 0 when the step failed without one.
	Code int
	// Err is the underlying error; the server's reply for a refusal.
	Err error
}

func (e *Error) Error() string { return e.Step + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err comes from a failed SMTP step that is
// worth trying again later.
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary
}

// Send sends msg to msg.To in one SMTP session, with msg.From as the
// envelope sender. An error is an *Error (possibly wrapped); see
// IsTemporary. Send makes one attempt; SendWithRetry makes several.
func Send(ctx context.Context, cfg Config, msg *Message) error {
	raw, err := msg.Bytes()
	if err != nil {
		return &Error{Step: "build the message", Err: err}
	}
	return sendRaw(ctx, cfg, msg.From.Email, msg.To.Email, raw)
}

// Check connects to the server and logs in, as Send would, then quits
// without sending anything. It is what `rekindle check` runs.
func Check(ctx context.Context, cfg Config) error {
	s, err := dial(ctx, cfg)
	if err != nil {
		return err
	}
	s.quit()
	return nil
}

// sendRaw sends a rendered message in one session.
func sendRaw(ctx context.Context, cfg Config, from, to string, raw []byte) error {
	s, err := dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.step("send MAIL FROM", func() error { return s.c.Mail(angle(from)) }); err != nil {
		return err
	}
	if err := s.step("send RCPT TO "+to, func() error { return s.c.Rcpt(angle(to)) }); err != nil {
		return err
	}
	if err := s.step("send DATA", func() error {
		w, err := s.c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write(raw); err != nil {
			return err
		}
		// Close ends the data with "." and reads the server's verdict.
		return w.Close()
	}); err != nil {
		return err
	}
	// The server has taken the message; a failing QUIT changes nothing.
	s.quit()
	return nil
}

// angle returns an address as an SMTP path, <local@domain>.
func angle(addr string) string { return (&mail.Address{Address: addr}).String() }

// session is a connected, logged-in SMTP client.
type session struct {
	ctx     context.Context
	c       *smtp.Client
	conn    net.Conn
	addr    string // host:port, for errors
	timeout time.Duration
	stop    func() bool
	// security is the connection's protection, for hints in errors.
	security Security
	// secret is scrubbed from error texts, should a server echo it.
	secret string
}

// dial connects, greets, starts TLS and logs in, as cfg says.
func dial(ctx context.Context, cfg Config) (*session, error) {
	security := cfg.Security
	if security == "" {
		security = SecurityTLS
	}
	auth := cfg.Auth
	if auth == "" {
		auth = AuthPlain
	}
	port := cfg.Port
	if port == 0 {
		port = map[Security]int{SecurityTLS: 465, SecurityStartTLS: 587, SecurityNone: 25}[security]
	}
	if err := checkConfig(cfg, security, auth); err != nil {
		return nil, &Error{Step: "check the smtp settings", Err: err}
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(port))
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLS != nil {
		tlsCfg = cfg.TLS.Clone()
	}
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = cfg.Host
	}

	where := "connect to " + addr
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		conn net.Conn
		err  error
	)
	nd := &net.Dialer{}
	if security == SecurityTLS {
		conn, err = (&tls.Dialer{NetDialer: nd, Config: tlsCfg}).DialContext(dctx, "tcp", addr)
	} else {
		conn, err = nd.DialContext(dctx, "tcp", addr)
	}
	if err != nil {
		return nil, classify(ctx, where, security, "", err)
	}
	s := &session{ctx: ctx, conn: conn, addr: addr, timeout: timeout, security: security}
	// Cancelling ctx closes the connection, which aborts a command
	// waiting for its reply.
	s.stop = context.AfterFunc(ctx, func() { conn.Close() })
	fail := func(err error) (*session, error) {
		s.close()
		return nil, err
	}

	if err := s.step(where, func() error {
		// NewClient reads the greeting; the host is what PLAIN and LOGIN
		// check the server's name against.
		s.c, err = smtp.NewClient(conn, cfg.Host)
		return err
	}); err != nil {
		return fail(err)
	}
	if err := s.step("send EHLO", func() error { return s.c.Hello(heloName()) }); err != nil {
		return fail(err)
	}
	if security == SecurityStartTLS {
		if ok, _ := s.c.Extension("STARTTLS"); !ok {
			return fail(&Error{Step: "start TLS with " + addr,
				Err: errors.New("the server does not offer STARTTLS (for port 465 use security: tls)")})
		}
		if err := s.step("start TLS with "+addr, func() error { return s.c.StartTLS(tlsCfg) }); err != nil {
			return fail(err)
		}
	}
	if auth != AuthNone {
		if err := s.login(cfg, auth, security); err != nil {
			return fail(err)
		}
	}
	return s, nil
}

// checkConfig rejects settings Send cannot work with.
func checkConfig(cfg Config, security Security, auth Auth) error {
	switch {
	case cfg.Host == "":
		return errors.New("host is empty")
	case security != SecurityTLS && security != SecurityStartTLS && security != SecurityNone:
		return fmt.Errorf("unknown security %q (want tls, starttls or none)", security)
	case auth != AuthPlain && auth != AuthLogin && auth != AuthXOAuth2 && auth != AuthOAuthBearer && auth != AuthNone:
		return fmt.Errorf("unknown auth %q (want plain, login, xoauth2, oauthbearer or none)", auth)
	case auth != AuthNone && cfg.Username == "":
		return fmt.Errorf("username is empty (required with auth %s)", auth)
	case auth != AuthNone && cfg.Secret == nil:
		return fmt.Errorf("no secret source (required with auth %s)", auth)
	case cfg.Port < 0 || cfg.Port > 65535:
		return fmt.Errorf("port %d out of range", cfg.Port)
	}
	return nil
}

// login authenticates with the configured mechanism.
func (s *session) login(cfg Config, auth Auth, security Security) error {
	where := fmt.Sprintf("authenticate as %s", cfg.Username)
	_, isTLS := s.c.TLSConnectionState()
	if !isTLS && !cfg.AllowPlaintextAuth && !isLoopback(cfg.Host) {
		return &Error{Step: where, Err: fmt.Errorf(
			"refusing to send a password or token in clear to %s (security is %s; use tls or starttls)", cfg.Host, security)}
	}
	if ok, mechs := s.c.Extension("AUTH"); !ok {
		return &Error{Step: where, Err: errors.New("the server does not offer AUTH (for a relay that needs no login, set auth: none)")}
	} else if want := mechName(auth); !hasWord(mechs, want) {
		return &Error{Step: where, Err: fmt.Errorf("the server does not offer AUTH %s (it offers %s)", want, mechs)}
	}
	secret, err := cfg.Secret(s.ctx)
	if err != nil {
		// The secret source names itself in its errors (a file, a command).
		return &Error{Step: "get the smtp secret", Temporary: s.ctx.Err() == nil && isNetwork(err), Err: err}
	}
	s.secret = secret
	var a smtp.Auth
	switch auth {
	case AuthPlain:
		// The TLS check above is rekindle's; go-mail's own check would
		// refuse loopback names it does not know, such as ::1.
		a = smtp.PlainAuth("", cfg.Username, secret, cfg.Host, true)
	case AuthLogin:
		a = smtp.LoginAuth(cfg.Username, secret, cfg.Host, true)
	case AuthXOAuth2:
		a = smtp.XOAuth2Auth(cfg.Username, secret)
	case AuthOAuthBearer:
		a = &saslAuth{c: sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: cfg.Username, Token: secret})}
	}
	err = s.step(where, func() error { return s.c.Auth(a) })
	if err == nil {
		return nil
	}
	e := err.(*Error)
	// A refused login is permanent whatever the reply code says (go-smtp
	// servers answer 454 to a wrong password): trying it again only
	// risks locking the account. Only a connection lost midway is worth
	// another attempt.
	if s.ctx.Err() == nil && (e.Code != 0 || !e.Temporary) {
		e.Temporary = false
		e.Err = fmt.Errorf("%w (check smtp.username and the password or token source)", e.Err)
	}
	return e
}

// mechName is the SASL name of an auth setting.
func mechName(auth Auth) string {
	if auth == AuthOAuthBearer {
		return sasl.OAuthBearer
	}
	return strings.ToUpper(string(auth))
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if strings.EqualFold(w, word) {
			return true
		}
	}
	return false
}

// step runs one protocol step under the per-step deadline and turns its
// failure into an *Error.
func (s *session) step(what string, f func() error) error {
	err := s.conn.SetDeadline(time.Now().Add(s.timeout))
	if err == nil {
		err = f()
	}
	if err != nil {
		if s.ctx.Err() == nil && isTimeout(err) {
			return &Error{Step: what, Temporary: true, Err: fmt.Errorf(
				"%s did not answer for %s: the server or the network stopped responding, so the connection was given up "+
					"(a later attempt may work; if this keeps happening, check the server)", s.addr, seconds(s.timeout))}
		}
		return classify(s.ctx, what, s.security, s.secret, err)
	}
	return nil
}

// isTimeout reports whether err is a deadline passing on the connection.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// seconds writes a duration of whole seconds as "60s", others as Go does.
func seconds(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// quit says goodbye and closes the connection; a failing QUIT is ignored.
func (s *session) quit() {
	if s.c != nil {
		_ = s.conn.SetDeadline(time.Now().Add(s.timeout))
		_ = s.c.Quit()
	}
	s.close()
}

func (s *session) close() {
	s.stop()
	s.conn.Close()
}

// classify turns a step's error into an *Error that says whether it is
// temporary. When ctx ended the session, the error is ctx's, not the
// closed connection's. A certificate that does not verify, a server that
// does not speak TLS and a host that does not exist are permanent and say
// what to fix; 4xx replies, refused connections, resets and timeouts are
// temporary; 5xx replies and anything else are permanent. secret, when
// set, is scrubbed from the text, should a server echo it.
func classify(ctx context.Context, where string, security Security, secret string, err error) *Error {
	if ctx.Err() != nil {
		return &Error{Step: where, Err: ctx.Err()}
	}
	var (
		hostnameErr x509.HostnameError
		authority   x509.UnknownAuthorityError
		invalid     x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
		dnsErr      *net.DNSError
		tp          *textproto.Error
	)
	if secret != "" && strings.Contains(err.Error(), secret) {
		err = errors.New(strings.ReplaceAll(err.Error(), secret, "<secret>"))
	}
	switch {
	case errors.As(err, &tp):
		return &Error{Step: where, Code: tp.Code, Temporary: tp.Code >= 400 && tp.Code < 500, Err: err}
	case errors.As(err, &hostnameErr):
		// hostnameErr.Host is the name checked: tls_server_name when it
		// is set, else the host dialled.
		return &Error{Step: where, Err: fmt.Errorf("the server's TLS certificate is not valid for %q: %w (set tls_server_name to a name the certificate holds, or fix host)", hostnameErr.Host, err)}
	case errors.As(err, &authority), errors.As(err, &invalid), errors.As(err, &verifyErr):
		return &Error{Step: where, Err: fmt.Errorf("the server's TLS certificate did not verify: %w (if the server uses a private CA, set ca_file to that CA's certificate)", err)}
	case errors.As(err, &recordErr):
		hint := "for port 587 use security: starttls"
		if security == SecurityStartTLS {
			hint = "check host and port"
		}
		return &Error{Step: where, Err: fmt.Errorf("the server did not speak TLS (%s): %w", hint, err)}
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return &Error{Step: where, Err: fmt.Errorf("%w (check host)", err)}
	}
	return &Error{Step: where, Temporary: isNetwork(err), Err: err}
}

// isNetwork reports whether err is the network failing (a timeout, a
// reset or refused connection, a connection closed early), which a later
// attempt may not meet.
func isNetwork(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// heloName is the name rekindle introduces itself with: the machine's
// host name when it looks like a domain name, else "localhost".
func heloName() string {
	h, err := os.Hostname()
	if err != nil || h == "" || len(h) > 253 {
		return "localhost"
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return "localhost"
		}
	}
	return h
}

// saslAuth adapts a go-sasl client (OAUTHBEARER, which go-mail lacks) to
// go-mail's smtp.Auth.
type saslAuth struct{ c sasl.Client }

func (a *saslAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return a.c.Start() }

func (a *saslAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	return a.c.Next(fromServer)
}
