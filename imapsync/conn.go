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
	// DialTimeout bounds connecting and logging in; default 30s.
	DialTimeout time.Duration
}

func (a *Account) host() string {
	h, _, err := net.SplitHostPort(a.Addr)
	if err != nil {
		return a.Addr
	}
	return h
}

// Client is a logged-in connection to an account's server.
type Client struct {
	*imapclient.Client
	stop func() bool
}

// Close closes the connection.
func (c *Client) Close() error {
	c.stop()
	return c.Client.Close()
}

// Connect dials the account's server and logs in. The connection is closed
// when ctx is cancelled, which aborts any command in flight.
func Connect(ctx context.Context, a *Account, opts *imapclient.Options) (*Client, error) {
	timeout := a.DialTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if opts == nil {
		opts = &imapclient.Options{}
	}
	o := *opts
	o.WordDecoder = wordDecoder
	o.Dialer = &net.Dialer{Timeout: timeout}
	if a.TLS != nil {
		o.TLSConfig = a.TLS.Clone()
	} else {
		o.TLSConfig = &tls.Config{}
	}
	if o.TLSConfig.ServerName == "" {
		o.TLSConfig.ServerName = a.host()
	}

	var (
		c   *imapclient.Client
		err error
	)
	switch a.Security {
	case TLS, "":
		c, err = imapclient.DialTLS(a.Addr, &o)
	case StartTLS:
		c, err = imapclient.DialStartTLS(a.Addr, &o)
	case None:
		c, err = imapclient.DialInsecure(a.Addr, &o)
	default:
		return nil, fmt.Errorf("account %s: unknown security %q (want tls, starttls or none)", a.Name, a.Security)
	}
	if err != nil {
		return nil, explainDial(a, err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	fail := func(err error) (*Client, error) {
		stop()
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if err := withDeadline(timeout, c.WaitGreeting); err != nil {
		return fail(explainDial(a, err))
	}
	secret, err := a.Secret(ctx)
	if err != nil {
		return fail(fmt.Errorf("account %s: %w", a.Name, err))
	}
	if err := login(c, a, secret); err != nil {
		return fail(err)
	}
	return &Client{Client: c, stop: stop}, nil
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

func login(c *imapclient.Client, a *Account, secret string) error {
	var err error
	switch a.Mechanism {
	case Password, "":
		if c.Caps().Has(imap.CapLoginDisabled) {
			err = c.Authenticate(sasl.NewPlainClient("", a.Username, secret))
		} else {
			err = c.Login(a.Username, secret).Wait()
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
