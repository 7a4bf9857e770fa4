package imapsync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// Security is how the connection to the server is protected.
type Security string

// The three ways to connect.
const (
	// TLS is implicit TLS from the first byte (port 993).
	TLS Security = "tls"
	// StartTLS upgrades a plain connection with STARTTLS (port 143).
	StartTLS Security = "starttls"
	// None sends everything in clear; for loopback and tests.
	None Security = "none"
)

// Mechanism is how rekindle logs in.
type Mechanism string

// The supported login mechanisms.
const (
	// Password logs in with LOGIN (or AUTHENTICATE PLAIN when LOGIN is
	// disabled).
	Password Mechanism = "plain"
	// XOAuth2 is Google's and Microsoft's SASL XOAUTH2 with an access token.
	XOAuth2 Mechanism = "xoauth2"
	// OAuthBearer is RFC 7628 OAUTHBEARER with an access token.
	OAuthBearer Mechanism = "oauthbearer"
)

// Account is what a sync needs to know about one IMAP account. cmd/rekindle
// builds it from the configuration.
type Account struct {
	// Name identifies the account in the store and in messages.
	Name string
	// Addr is host:port.
	Addr     string
	Security Security
	// TLS is the TLS configuration (server name, extra CAs); nil means
	// the system roots and the host of Addr.
	TLS       *tls.Config
	Username  string
	Mechanism Mechanism
	// Secret returns the password or access token. It is called once per
	// connection, so a token command can hand out a fresh token.
	Secret func(ctx context.Context) (string, error)
	// Include and Exclude are folder names or globs ('*' matches any run
	// of characters, delimiters included; '?' one character). A non-empty
	// Include syncs only the folders it matches (plus the Sent folder);
	// Exclude wins over everything.
	Include, Exclude []string
	// DialTimeout bounds connecting: the TCP connection, the TLS
	// handshake (STARTTLS included) and the server's greeting; default
	// 30s.
	DialTimeout time.Duration
	// CommandTimeout is how long the server may stay silent while
	// rekindle waits for its answer to a command (LOGIN, SELECT, FETCH,
	// and every command after login); default DefaultCommandTimeout.
	// Only silence counts: a FETCH that keeps sending is never cut, however
	// long it takes. A server silent that long is given up on: the
	// connection is closed and the command fails with a *StallError.
	CommandTimeout time.Duration
	// Compress says when to ask the server to compress the connection
	// (IMAP COMPRESS, RFC 4978); "" is CompressAuto. Not with StartTLS,
	// where go-imap owns the TLS layer that compression must sit above.
	Compress Compression
}

// Defaults for the zero values of Account's timeouts.
const (
	DefaultDialTimeout    = 30 * time.Second
	DefaultCommandTimeout = 60 * time.Second
)

func (a *Account) host() string {
	h, _, err := net.SplitHostPort(a.Addr)
	if err != nil {
		return a.Addr
	}
	return h
}

func (a *Account) commandTimeout() time.Duration {
	if a.CommandTimeout > 0 {
		return a.CommandTimeout
	}
	return DefaultCommandTimeout
}

// Client is a logged-in connection to an account's server.
type Client struct {
	*imapclient.Client
	// Compressed is true when the server compresses the connection.
	Compressed bool
	stop       func() bool
	watch      *watchConn
	limit      time.Duration
	// deflate is the connection's compression layer while compressing is
	// left for later (connect's lazy); nil otherwise.
	deflate *deflateConn
}

// compressNow compresses a connection whose compression connect left for
// later, if the server offers it; it does nothing otherwise, or a second
// time. Nothing may be in flight.
func (c *Client) compressNow() error {
	dc := c.deflate
	if dc == nil {
		return nil
	}
	c.deflate = nil
	return c.Do("COMPRESS DEFLATE", func() (err error) {
		c.Compressed, err = compress(c.Client, dc)
		return err
	})
}

// shut closes the connection at once, so that every read and write on
// it fails, without waiting for go-imap's reader to end as Close does:
// that reader may be handing a message over to a fetch lane that waits
// for the store's turn, which may wait for the caller. Close, later,
// waits for the reader, once the lanes have drained their commands.
func (c *Client) shut() { c.watch.Close() }

// Close closes the connection.
func (c *Client) Close() error {
	c.stop()
	return c.Client.Close()
}

// Do runs f, which sends one command and waits for its answer, while a
// watchdog gives up on the connection if the server stays silent for
// longer than the account's CommandTimeout; op names the command in the
// *StallError returned then ("SELECT INBOX"). Until the first Do, every
// wait for the server is watched, unnamed; from the first Do on, only the
// waits within Do are: a caller that does work of its own between
// commands (writing to the store) runs every command through Do.
func (c *Client) Do(op string, f func() error) error {
	return c.await(op)(f)
}

// await starts waiting for op's answer now, for a command already sent
// whose answer is read later, maybe on another goroutine: the function
// it returns is Do's, for that wait. With commands of several Do in
// flight, a stall names the oldest wait.
func (c *Client) await(op string) func(f func() error) error {
	c.watch.watchAll("", 0)
	done := c.watch.arm(op, c.limit)
	return func(f func() error) error {
		err := f()
		done()
		if err != nil {
			if st := c.watch.stall(); st != nil {
				return st
			}
		}
		return err
	}
}

// Stalled returns the *StallError that closed the connection; nil while
// the server answers.
func (c *Client) Stalled() *StallError { return c.watch.stall() }

// StallError is a server that stopped answering: it stayed silent for
// After while rekindle waited for its answer to Op. The connection was
// closed.
type StallError struct {
	Account string
	Addr    string // host:port
	// Op is what was being waited for: "SELECT INBOX", "the greeting".
	Op    string
	After time.Duration
}

func (e *StallError) Error() string {
	return fmt.Sprintf("account %s (%s): no answer to %s for %s: the server or the network stopped responding, "+
		"so the connection was given up (if this keeps happening, check the server's status)", e.Account, e.Addr, e.Op, seconds(e.After))
}

// Timeout reports true: a StallError is a timeout (net.Error's convention).
func (e *StallError) Timeout() bool { return true }

// seconds writes a duration of whole seconds as "60s", others as Go does.
func seconds(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// Connect dials the account's server and logs in. The connection is closed
// when ctx is cancelled, which aborts any command in flight. Connecting is
// bounded by the account's DialTimeout, logging in by its CommandTimeout;
// a server that stops answering on the way is a *StallError naming the
// step, and an error after ctx ended names the step and wraps ctx's error.
func Connect(ctx context.Context, a *Account, opts *imapclient.Options) (*Client, error) {
	return connect(ctx, a, opts, false, nil)
}

// connect is Connect; with lazy, a connection the account's Compress
// would compress is left uncompressed until Client.compressNow: a sync
// that finds nothing new spares the round trip. behind, if not nil, is
// called right after a LOGIN is sent, to send commands behind it
// without waiting a round trip for its answer; it is not called when the
// login is an AUTHENTICATE, or fails before the LOGIN is sent.
func connect(ctx context.Context, a *Account, opts *imapclient.Options, lazy bool, behind func(*imapclient.Client)) (*Client, error) {
	timeout := a.DialTimeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	limit := a.commandTimeout()
	if opts == nil {
		opts = &imapclient.Options{}
	}
	o := *opts
	o.WordDecoder = wordDecoder
	if a.TLS != nil {
		o.TLSConfig = a.TLS.Clone()
	} else {
		o.TLSConfig = &tls.Config{}
	}
	if o.TLSConfig.ServerName == "" {
		o.TLSConfig.ServerName = a.host()
	}
	switch a.Security {
	case TLS, "", StartTLS, None:
	default:
		return nil, fmt.Errorf("account %s: unknown security %q (want tls, starttls or none)", a.Name, a.Security)
	}
	interrupted := func(step string) error {
		return fmt.Errorf("account %s (%s): interrupted while %s: %w", a.Name, a.Addr, step, ctx.Err())
	}

	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(dctx, "tcp", a.Addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, interrupted("connecting")
		}
		return nil, explainDial(a, err)
	}
	w := newWatchConn(raw, a.Name, a.Addr)
	var conn net.Conn = w
	if a.Security == TLS || a.Security == "" {
		tc := tls.Client(w, tlsWithALPN(o.TLSConfig))
		if err := tc.HandshakeContext(dctx); err != nil {
			w.Close()
			switch {
			case ctx.Err() != nil:
				return nil, interrupted("connecting")
			case dctx.Err() != nil:
				return nil, &StallError{Account: a.Name, Addr: a.Addr, Op: "the TLS handshake", After: timeout}
			}
			return nil, explainDial(a, err)
		}
		conn = tc
	}
	var dc *deflateConn
	if a.Security != StartTLS && wantCompress(a.Compress, raw.RemoteAddr()) {
		dc = newDeflateConn(conn)
		conn = dc
	}

	// step waits for the server with a watchdog on the connection.
	step := func(op string, d time.Duration, f func() error) error {
		done := w.arm(op, d)
		err := f()
		done()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return interrupted("waiting for " + op)
		case w.stall() != nil:
			return w.stall()
		}
		return err
	}
	var c *imapclient.Client
	if a.Security == StartTLS {
		err := step("STARTTLS", timeout, func() (err error) {
			c, err = imapclient.NewStartTLS(conn, &o)
			return err
		})
		if err != nil {
			w.Close()
			var st *StallError
			if errors.As(err, &st) || ctx.Err() != nil {
				return nil, err
			}
			return nil, explainDial(a, err)
		}
	} else {
		c = imapclient.New(conn, &o)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	fail := func(err error) (*Client, error) {
		stop()
		c.Close()
		return nil, err
	}
	if err := step("the greeting", timeout, c.WaitGreeting); err != nil {
		var st *StallError
		if errors.As(err, &st) || ctx.Err() != nil {
			return fail(err)
		}
		return fail(explainDial(a, err))
	}
	secret, err := a.Secret(ctx)
	if err != nil {
		if !strings.Contains(err.Error(), fmt.Sprintf("account %q", a.Name)) {
			// The configuration's secret sources name the account.
			err = fmt.Errorf("account %s: %w", a.Name, err)
		}
		return fail(err)
	}
	if err := step(loginOp(a), limit, func() error { return login(c, a, secret, behind) }); err != nil {
		return fail(err)
	}
	compressed := false
	if dc != nil && !lazy {
		err := step("COMPRESS DEFLATE", limit, func() (err error) {
			compressed, err = compress(c, dc)
			return err
		})
		if err != nil {
			return fail(err)
		}
	}
	// Until the caller names its commands (Client.Do), any wait for the
	// server longer than limit is a stall.
	w.watchAll("a command", limit)
	cl := &Client{Client: c, Compressed: compressed, stop: stop, watch: w, limit: limit}
	if lazy {
		cl.deflate = dc
	}
	return cl, nil
}

// tlsWithALPN returns c asking for the "imap" protocol, as go-imap's
// DialTLS does.
func tlsWithALPN(c *tls.Config) *tls.Config {
	c = c.Clone()
	if c.NextProtos == nil {
		c.NextProtos = []string{"imap"}
	}
	return c
}

// loginOp names the login command for errors.
func loginOp(a *Account) string {
	switch a.Mechanism {
	case XOAuth2:
		return "AUTHENTICATE XOAUTH2"
	case OAuthBearer:
		return "AUTHENTICATE OAUTHBEARER"
	}
	return "LOGIN"
}

func withDeadline(d time.Duration, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("no answer within %s", d)
	}
}

// login logs in with the account's mechanism; behind is connect's.
func login(c *imapclient.Client, a *Account, secret string, behind func(*imapclient.Client)) error {
	var err error
	switch a.Mechanism {
	case Password, "":
		if c.Caps().Has(imap.CapLoginDisabled) {
			err = c.Authenticate(sasl.NewPlainClient("", a.Username, secret))
		} else {
			cmd := c.Login(a.Username, secret)
			if behind != nil {
				behind(c)
			}
			err = cmd.Wait()
		}
	case XOAuth2:
		err = c.Authenticate(&xoauth2Client{username: a.Username, token: secret})
	case OAuthBearer:
		host, port := a.host(), 0
		if _, p, e := net.SplitHostPort(a.Addr); e == nil {
			fmt.Sscan(p, &port)
		}
		err = c.Authenticate(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: a.Username, Token: secret, Host: host, Port: port}))
	default:
		return fmt.Errorf("account %s: unknown auth mechanism %q (want plain, xoauth2 or oauthbearer)", a.Name, a.Mechanism)
	}
	if err != nil {
		// The server's text is safe to show; the secret never is part of it.
		return fmt.Errorf("account %s: log in to %s as %q failed: %v (check the username and the password or token source in the account's imap settings)",
			a.Name, a.Addr, a.Username, err)
	}
	return nil
}

// explainDial turns a connection error into one that says what to do.
func explainDial(a *Account, err error) error {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostnameErr      x509.HostnameError
		certInvalid      x509.CertificateInvalidError
		verifyErr        *tls.CertificateVerificationError
		recordErr        tls.RecordHeaderError
		dnsErr           *net.DNSError
		opErr            *net.OpError
	)
	where := fmt.Sprintf("account %s: connect to %s", a.Name, a.Addr)
	switch {
	case errors.As(err, &hostnameErr):
		// The name checked is tls_server_name when it is set, else the
		// host dialled.
		hint := "set tls_server_name to a name the certificate holds, or fix host"
		if a.TLS != nil && a.TLS.ServerName != "" {
			hint = "tls_server_name is not a name the certificate holds: set it to one that is"
		}
		return fmt.Errorf("%s: the server's TLS certificate is not valid for %q: %v (%s)", where, hostnameErr.Host, err, hint)
	case errors.As(err, &unknownAuthority), errors.As(err, &certInvalid), errors.As(err, &verifyErr):
		return fmt.Errorf("%s: the server's TLS certificate did not verify: %v (if the server uses a private CA, set ca_file to that CA's certificate)", where, err)
	case errors.As(err, &recordErr):
		return fmt.Errorf("%s: the server did not speak TLS (security is %q; for port 143 use security: starttls)", where, a.Security)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("%s: cannot resolve host %q: %v (check host)", where, a.host(), err)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Errorf("%s: %v (check host and port, and that the server is reachable)", where, err)
	case strings.Contains(err.Error(), "STARTTLS"):
		return fmt.Errorf("%s: %v (the server may not offer STARTTLS: try security: tls on port 993)", where, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// xoauth2Client is the client side of SASL XOAUTH2, the OAuth2 mechanism
// Gmail and Microsoft 365 use; go-sasl has only OAUTHBEARER.
type xoauth2Client struct{ username, token string }

func (x *xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.username + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

// Next answers the server's error challenge (a JSON status) with an empty
// response, as the protocol asks, so the server ends with a tagged NO.
func (x *xoauth2Client) Next([]byte) ([]byte, error) { return []byte{}, nil }
