package addressbook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/carddav"

	"github.com/rekindle/rekindle"
)

// CardDAV is an address book on a CardDAV server (RFC 6352): Nextcloud,
// Radicale, Baïkal, Fastmail, iCloud, mailbox.org and the like.
type CardDAV struct {
	// URL is the address book's own URL, the collection holding the
	// cards (https://dav.example.com/addressbooks/jane/contacts/), http
	// or https.
	URL string
	// Username and Password log in with HTTP Basic authentication.
	// Password is called once per Read.
	Username string
	Password func(context.Context) (string, error)
	// TLS is the TLS configuration for https (nil: the system's roots,
	// verifying the URL's host). Its ServerName, when set, is the name
	// verified in the server's certificate.
	TLS *tls.Config
	// Timeout bounds a whole Read, from connecting to the last card (and
	// each request in it); zero means DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout is how long a Read may take when CardDAV.Timeout is
// zero: enough for thousands of cards over a slow link.
const DefaultTimeout = time.Minute

// MaxResponse is the largest answer read from the server: a few
// thousand cards with photos fit many times over; a server sending more
// is broken or hostile.
const MaxResponse = 256 << 20

// Read fetches every card of the address book with one addressbook-query
// REPORT. Should a card in it be one go-vcard cannot decode (which fails
// the whole REPORT), the cards are listed and fetched one by one instead,
// and the bad one skipped with a Problem naming its URL. Group cards give
// their name to their members, as for files. The error is for the
// address book as a whole: the password not found, the server not
// reached, the login refused, the URL not an address book (the error
// then lists the address books found there), or Timeout passed.
func (c *CardDAV) Read(ctx context.Context) ([]rekindle.Card, []Problem, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, nil, fmt.Errorf("%q is not an http or https URL", c.URL)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	password := ""
	if c.Password != nil {
		if password, err = c.Password(ctx); err != nil {
			return nil, nil, err
		}
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSClientConfig:       c.TLS.Clone(),
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ForceAttemptHTTP2:     true,
	}
	defer tr.CloseIdleConnections()
	hc := webdav.HTTPClientWithBasicAuth(&http.Client{Transport: limitedTransport{tr}, Timeout: timeout}, c.Username, password)
	cl, err := carddav.NewClient(hc, u.String())
	if err != nil {
		return nil, nil, err
	}

	entries, problems, err := c.query(ctx, cl, u)
	if err != nil && isDecodeError(err) && ctx.Err() == nil {
		entries, problems, err = c.each(ctx, cl, u)
	}
	if err != nil {
		return nil, nil, c.explain(ctx, err, timeout)
	}
	if len(entries) == 0 {
		// An empty answer from a collection that is no address book
		// (the user's home, the server's root) must not read as an
		// empty address book.
		if err := c.isAddressBook(ctx, cl, u); err != nil {
			return nil, nil, c.explain(ctx, err, timeout)
		}
	}
	return resolve(entries), problems, nil
}

// wantedData asks for the properties rekindle reads (servers may send
// the whole card anyway).
var wantedData = carddav.AddressDataRequest{Props: cardProps}

// query reads every card with one addressbook-query REPORT.
func (c *CardDAV) query(ctx context.Context, cl *carddav.Client, u *url.URL) ([]entry, []Problem, error) {
	objs, err := cl.QueryAddressBook(ctx, u.Path, &carddav.AddressBookQuery{DataRequest: wantedData})
	if err != nil {
		return nil, nil, err
	}
	var (
		entries  []entry
		problems []Problem
	)
	for _, o := range objs {
		e, msgs := fromVCard(o.Card)
		for _, m := range msgs {
			problems = append(problems, Problem{Source: c.cardURL(u, o.Path), Msg: describe(e) + m})
		}
		entries = append(entries, e)
	}
	return entries, problems, nil
}

// each lists the address book and reads its cards one by one, as files
// (of at most MaxFileSize bytes each): a card that cannot be decoded is
// skipped with a Problem.
func (c *CardDAV) each(ctx context.Context, cl *carddav.Client, u *url.URL) ([]entry, []Problem, error) {
	infos, err := cl.ReadDir(ctx, u.Path, false)
	if err != nil {
		return nil, nil, err
	}
	var (
		entries  []entry
		problems []Problem
	)
	for _, fi := range infos {
		if fi.IsDir || strings.TrimSuffix(fi.Path, "/") == strings.TrimSuffix(u.Path, "/") {
			continue
		}
		src := c.cardURL(u, fi.Path)
		r, err := cl.Open(ctx, fi.Path)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, err
			}
			problems = append(problems, Problem{Source: src, Msg: fmt.Sprintf("skipped: %v", err)})
			continue
		}
		data, err := io.ReadAll(io.LimitReader(r, MaxFileSize))
		r.Close()
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, err
			}
			problems = append(problems, Problem{Source: src, Msg: fmt.Sprintf("skipped: %v", err)})
			continue
		}
		es, ps := decode(data, src)
		entries = append(entries, es...)
		problems = append(problems, ps...)
	}
	return entries, problems, nil
}

// isAddressBook returns nil when u is an address book, else an error
// listing the address books found at u.
func (c *CardDAV) isAddressBook(ctx context.Context, cl *carddav.Client, u *url.URL) error {
	books, err := cl.FindAddressBooks(ctx, u.Path)
	if err != nil {
		return err
	}
	var found []string
	for _, b := range books {
		if strings.TrimSuffix(b.Path, "/") == strings.TrimSuffix(u.Path, "/") {
			return nil
		}
		s := c.cardURL(u, b.Path)
		if b.Name != "" {
			s += " (" + b.Name + ")"
		}
		found = append(found, s)
	}
	if len(found) == 0 {
		return fmt.Errorf("%s is not an address book: give the URL of the address book itself, the collection holding the cards", c.URL)
	}
	return fmt.Errorf("%s is not an address book; the address books there are %s", c.URL, strings.Join(found, ", "))
}

// cardURL is the full URL of a path on the server.
func (c *CardDAV) cardURL(u *url.URL, path string) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}
	return v.String()
}

// explain words a failed read: a timeout says how long it waited, a
// refused login says who logged in, everything says where.
func (c *CardDAV) explain(ctx context.Context, err error, timeout time.Duration) error {
	switch {
	case ctx.Err() == context.DeadlineExceeded || isTimeout(err):
		return fmt.Errorf("%s did not answer within %s (the timeout): %w", c.URL, timeout, err)
	case strings.HasPrefix(err.Error(), "401 "):
		return fmt.Errorf("%s refused the login as %q: %w", c.URL, c.Username, err)
	case strings.Contains(err.Error(), c.URL):
		return err
	}
	return fmt.Errorf("%s: %w", c.URL, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isDecodeError reports whether err is go-vcard's, failing to decode a
// card of a REPORT's answer.
func isDecodeError(err error) bool { return strings.HasPrefix(err.Error(), "vcard: ") }

// limitedTransport fails a response whose body is larger than
// MaxResponse.
type limitedTransport struct{ http.RoundTripper }

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.RoundTripper.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: MaxResponse}
	return resp, nil
}

type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("the server's answer is larger than %d MiB", MaxResponse>>20)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
