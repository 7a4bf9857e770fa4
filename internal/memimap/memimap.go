// Package memimap is a small in-process IMAP server on loopback, built on
// go-imap's imapserver and imapmemserver. Tests use it to talk real IMAP to
// rekindle's sync, and `rekindle demo` fills it from the synthetic mailbox
// generator. It adds what imapmemserver lacks: special-use attributes, TLS
// with a throwaway CA, connections cut after a number of bytes, to test
// a sync that is interrupted mid-FETCH, servers that stall (stop
// answering without closing) or send slowly, to test the client's
// watchdog, open connections dropped or stalled at once, and a server
// without IDLE.
package memimap

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// Options configure a Server.
type Options struct {
	User, Password string
	// TLS serves implicit TLS with a certificate for 127.0.0.1 and
	// localhost signed by a throwaway CA (see Server.CAPEM).
	TLS bool
	// IMAP4rev1Only hides IMAP4rev2, and with it LIST-STATUS and ESEARCH,
	// so a client takes its fallback paths (one STATUS per folder).
	IMAP4rev1Only bool
	// Log receives the server's error lines; nil discards them.
	Log io.Writer
	// Token, if set, is the OAuth2 access token that AUTHENTICATE XOAUTH2
	// and OAUTHBEARER accept for User.
	Token string
	// NoIdle makes the server look like one without IMAP IDLE (RFC 2177):
	// it speaks IMAP4rev1 only (IMAP4rev2 includes IDLE), and IDLE is left
	// out of the capabilities it sends, in CAPABILITY responses and
	// [CAPABILITY] codes. Only the advertisement is hidden: a client that
	// sends IDLE all the same is still served.
	NoIdle bool
	// NoLoginCaps leaves the [CAPABILITY] code out of LOGIN's OK, as some
	// servers do: a client learns the capabilities after login only by
	// asking (CAPABILITY).
	NoLoginCaps bool
}

// Server is a running in-process IMAP server.
type Server struct {
	// Addr is the host:port it listens on.
	Addr string
	// CAPEM is the PEM certificate of the CA that signed the server's
	// certificate, when Options.TLS is set.
	CAPEM []byte

	user    *imapmemserver.User
	srv     *imapserver.Server
	ln      net.Listener
	mu      sync.Mutex
	special map[string][]imap.MailboxAttr
	names   []string
	cut     atomic.Int64 // bytes the next connection may write before it is cut; 0: never
	stallAt atomic.Int64 // bytes the next connection may write before it stalls; 0: never
	// stallLogin makes connections accepted while set stall once logged in.
	stallLogin atomic.Bool
	// throttle is how connections accepted while set send: chunk bytes,
	// then a pause.
	throttleChunk atomic.Int64
	throttlePause atomic.Int64
	conns         atomic.Int64
	noIdle        bool
	noLoginCaps   bool
	cmdMu         sync.Mutex
	cmds          map[string]int
	// open are the connections not closed yet.
	openMu sync.Mutex
	open   map[*conn]struct{}
	// afterSelect, under mu, has a hook run once after the next SELECT
	// or EXAMINE of its folder (AfterNextSelect).
	afterSelect map[string]func()
}

// Start starts a server on 127.0.0.1 with one user and an INBOX.
func Start(opts Options) (*Server, error) {
	if opts.User == "" {
		opts.User, opts.Password = "jane", "secret"
	}
	s := &Server{user: imapmemserver.NewUser(opts.User, opts.Password), special: map[string][]imap.MailboxAttr{},
		noIdle: opts.NoIdle, noLoginCaps: opts.NoLoginCaps, open: map[*conn]struct{}{}}
	if err := s.Create("INBOX"); err != nil {
		return nil, err
	}
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if opts.IMAP4rev1Only || opts.NoIdle {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}}
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			nc, _ := c.NetConn().(*conn)
			return &session{UserSession: imapmemserver.NewUserSession(s.user), s: s, conn: nc,
				user: opts.User, pass: opts.Password, token: opts.Token}, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       log.New(logw, "memimap: ", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if opts.TLS {
		cert, ca, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.CAPEM = ca
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	}
	s.ln = &cutListener{Listener: ln, s: s}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(s.ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Commands returns how many commands of each kind clients sent so far,
// by upper-case name ("SELECT", "UID FETCH", ...), and resets the count.
func (s *Server) Commands() map[string]int {
	s.cmdMu.Lock()
	defer s.cmdMu.Unlock()
	out := s.cmds
	s.cmds = map[string]int{}
	return out
}

func (s *Server) countLine(line []byte) {
	f := strings.Fields(string(line))
	if len(f) < 2 {
		return
	}
	name := strings.ToUpper(f[1])
	if name == "UID" && len(f) > 2 {
		name += " " + strings.ToUpper(f[2])
	}
	s.cmdMu.Lock()
	defer s.cmdMu.Unlock()
	if s.cmds == nil {
		s.cmds = map[string]int{}
	}
	s.cmds[name]++
}

// Connections counts the connections accepted so far.
func (s *Server) Connections() int { return int(s.conns.Load()) }

// CutNextAfter makes the next connection close after it has written n
// bytes, as a network failure would.
func (s *Server) CutNextAfter(n int64) { s.cut.Store(n) }

// StallNextAfter makes the next connection stop answering after it has
// written n bytes, as a hung server would: it goes on reading commands,
// and what it writes goes nowhere; the connection stays open.
func (s *Server) StallNextAfter(n int64) { s.stallAt.Store(n) }

// StallAfterLogin makes the connections accepted from now on stall, as
// StallNextAfter does, once they have logged in: LOGIN (or AUTHENTICATE)
// is answered, and nothing after it. StallAfterLogin(false) ends that for
// the connections that follow.
func (s *Server) StallAfterLogin(on bool) { s.stallLogin.Store(on) }

// DropConnections closes every open connection at once, as a server
// restart or a broken network would, and returns how many it closed. The
// server goes on accepting new connections.
func (s *Server) DropConnections() int {
	s.openMu.Lock()
	open := make([]*conn, 0, len(s.open))
	for c := range s.open {
		open = append(open, c)
	}
	s.openMu.Unlock()
	for _, c := range open {
		c.Conn.Close()
	}
	return len(open)
}

// StallConnections makes every open connection stop answering now, as
// StallNextAfter does, and returns how many it stalled: a hung server, or
// a network that silently lost the connections. New connections are
// served as usual.
func (s *Server) StallConnections() int {
	s.openMu.Lock()
	defer s.openMu.Unlock()
	for c := range s.open {
		c.stalled.Store(true)
	}
	return len(s.open)
}

// Throttle makes the connections accepted from now on send at most chunk
// bytes at a time, with a pause after each: a slow server that keeps
// sending. Throttle(0, 0) ends that for the connections that follow.
func (s *Server) Throttle(chunk int, pause time.Duration) {
	s.throttleChunk.Store(int64(chunk))
	s.throttlePause.Store(int64(pause))
}

// Create creates a folder with optional special-use attributes.
func (s *Server) Create(name string, special ...imap.MailboxAttr) error {
	if err := s.user.Create(name, nil); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.special[name] = special
	s.names = append(s.names, name)
	return nil
}

// Delete deletes a folder. Creating it again gives it a new UIDVALIDITY.
func (s *Server) Delete(name string) error {
	if err := s.user.Delete(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.special, name)
	s.names = slices.DeleteFunc(s.names, func(n string) bool { return n == name })
	return nil
}

// Append adds a raw RFC 5322 message to a folder and returns its UID.
func (s *Server) Append(folder string, raw []byte, flags []imap.Flag, date time.Time) (imap.UID, error) {
	data, err := s.user.Append(folder, literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Flags: flags, Time: date})
	if err != nil {
		return 0, fmt.Errorf("append to %s: %w", folder, err)
	}
	return data.UID, nil
}

// AfterNextSelect has f run once, right after the server has answered
// the next SELECT or EXAMINE of folder and before it reads the client's
// next command: a change f makes (an Append) falls between the SELECT
// and that command, however fast the client sends it, and the client
// learns of it as it would of any mail arriving then.
func (s *Server) AfterNextSelect(folder string, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.afterSelect == nil {
		s.afterSelect = map[string]func(){}
	}
	s.afterSelect[folder] = f
}

// Select selects a folder, and has the connection run the hook
// AfterNextSelect set for it once the answer is written.
func (ss *session) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	data, err := ss.UserSession.Select(mailbox, options)
	ss.s.mu.Lock()
	f := ss.s.afterSelect[mailbox]
	if f != nil && err == nil && ss.conn != nil {
		delete(ss.s.afterSelect, mailbox)
		ss.conn.mu.Lock()
		ss.conn.afterSelected = f
		ss.conn.mu.Unlock()
	}
	ss.s.mu.Unlock()
	return data, err
}

// Expunge removes messages from a folder by UID.
func (s *Server) Expunge(folder string, uids ...imap.UID) error {
	sess := imapmemserver.NewUserSession(s.user)
	defer sess.Close()
	if _, err := sess.Select(folder, nil); err != nil {
		return err
	}
	set := imap.UIDSetNum(uids...)
	if err := sess.Store(nil, set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}, Silent: true}, nil); err != nil {
		return err
	}
	return sess.Expunge(nil, &set)
}

// session adds special-use attributes to LIST, which imapmemserver cannot
// set, and keeps the folder registry in step with CREATE and DELETE.
type session struct {
	*imapmemserver.UserSession
	s                 *Server
	conn              *conn // nil when the listener's conn is not one
	user, pass, token string
}

// loggedIn tells the connection its client logged in.
func (ss *session) loggedIn() {
	if ss.conn != nil {
		ss.conn.loggedIn.Store(true)
	}
}

func (ss *session) AuthenticateMechanisms() []string {
	mechs := []string{sasl.Plain}
	if ss.token != "" {
		mechs = append(mechs, "XOAUTH2", sasl.OAuthBearer)
	}
	return mechs
}

func (ss *session) Authenticate(mech string) (sasl.Server, error) {
	switch {
	case mech == sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			return ss.Login(username, password)
		}), nil
	case mech == "XOAUTH2" && ss.token != "":
		return &xoauth2Server{check: ss.checkToken}, nil
	case mech == sasl.OAuthBearer && ss.token != "":
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if ss.checkToken(o.Username, o.Token) != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token"}
			}
			return nil
		}), nil
	}
	return nil, imapserver.ErrAuthFailed
}

func (ss *session) checkToken(user, token string) error {
	if user != ss.user || token != ss.token {
		return imapserver.ErrAuthFailed
	}
	ss.loggedIn()
	return nil
}

// xoauth2Server is the server side of SASL XOAUTH2 (go-sasl has none):
// "user=NAME^Aauth=Bearer TOKEN^A^A" in one initial response.
type xoauth2Server struct {
	check func(user, token string) error
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if resp == nil {
		return []byte{}, false, nil
	}
	var user, token string
	for _, kv := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(kv, "user="); ok {
			user = v
		} else if v, ok := strings.CutPrefix(kv, "auth=Bearer "); ok {
			token = v
		}
	}
	if err := x.check(user, token); err != nil {
		return nil, true, err
	}
	return nil, true, nil
}

func (ss *session) Login(username, password string) error {
	if username != ss.user || password != ss.pass {
		return imapserver.ErrAuthFailed
	}
	ss.loggedIn()
	return nil
}

func (ss *session) Create(name string, options *imap.CreateOptions) error {
	var special []imap.MailboxAttr
	if options != nil {
		special = options.SpecialUse
	}
	return ss.s.Create(name, special...)
}

func (ss *session) Delete(name string) error { return ss.s.Delete(name) }

func (ss *session) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	ss.s.mu.Lock()
	names := slices.Clone(ss.s.names)
	special := map[string][]imap.MailboxAttr{}
	for k, v := range ss.s.special {
		special[k] = v
	}
	ss.s.mu.Unlock()
	slices.Sort(names)
	for _, name := range names {
		if !matchList(patterns, name) {
			continue
		}
		if options.SelectSpecialUse && len(special[name]) == 0 {
			continue
		}
		data := &imap.ListData{Mailbox: name, Delim: '/', Attrs: special[name]}
		if options.ReturnStatus != nil {
			st, err := ss.UserSession.Status(name, options.ReturnStatus)
			if err != nil {
				return err
			}
			data.Status = st
		}
		if err := w.WriteList(data); err != nil {
			return err
		}
	}
	return nil
}

// matchList matches LIST patterns: '*' anything, '%' anything but '/'.
func matchList(patterns []string, name string) bool {
	for _, p := range patterns {
		if p == "" {
			continue
		}
		if p == "*" {
			return true
		}
		g := []byte(p)
		for i := range g {
			if g[i] == '%' {
				g[i] = '*'
			}
		}
		if ok, _ := path.Match(string(g), name); ok {
			return true
		}
	}
	return false
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

type cutListener struct {
	net.Listener
	s *Server
}

func (l *cutListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.conns.Add(1)
	nc := &conn{
		Conn: c, s: l.s,
		cutAt: l.s.cut.Swap(0), stallAt: l.s.stallAt.Swap(0), stallLogin: l.s.stallLogin.Load(),
		chunk: int(l.s.throttleChunk.Load()), pause: time.Duration(l.s.throttlePause.Load()),
	}
	l.s.openMu.Lock()
	l.s.open[nc] = struct{}{}
	l.s.openMu.Unlock()
	return nc, nil
}

// conn is a server connection. It counts the commands a client sends,
// line by line (literals, an APPEND's message, are counted as lines too;
// tests count FETCH and SELECT, which no literal line starts with after a
// tag), and breaks as the Server was told when it was accepted.
type conn struct {
	net.Conn
	s    *Server
	line []byte

	// cutAt and stallAt are the bytes it writes before it is cut or
	// stalls; 0: never. stallLogin stalls it at the first command after
	// login. chunk and pause throttle it.
	cutAt, stallAt int64
	stallLogin     bool
	chunk          int
	pause          time.Duration

	// afterSelected runs once the connection has written a SELECT's
	// tagged OK (AfterNextSelect).
	afterSelected func()

	loggedIn atomic.Bool // set by the session
	// loginRead is set once a LOGIN or AUTHENTICATE line is read, and
	// behind once a line is read after it before the login is answered:
	// a command pipelined behind the login, which stallLogin leaves
	// unanswered too (once the login's answer is written).
	loginRead bool
	behind    atomic.Bool
	stalled   atomic.Bool
	cut       atomic.Bool // cutNow closes the connection
	mu        sync.Mutex
	written   int64
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			c.s.countLine(c.line)
			switch {
			case c.stallLogin && c.loggedIn.Load():
				// A command after login: it is never answered.
				c.stalled.Store(true)
			case c.loginRead:
				c.behind.Store(true)
			case isLogin(c.line):
				c.loginRead = true
			}
			c.line = c.line[:0]
		} else if len(c.line) < 256 {
			c.line = append(c.line, b)
		}
	}
	return n, err
}

// isLogin tells whether a command line is a LOGIN or an AUTHENTICATE.
func isLogin(line []byte) bool {
	f := strings.Fields(string(line))
	return len(f) > 1 && (strings.EqualFold(f[1], "LOGIN") || strings.EqualFold(f[1], "AUTHENTICATE"))
}

// Close closes the connection and forgets it.
func (c *conn) Close() error {
	c.s.openMu.Lock()
	delete(c.s.open, c)
	c.s.openMu.Unlock()
	if c.cut.Load() {
		return nil // cutNow closes it
	}
	return c.Conn.Close()
}

// cutNow ends the connection as a server that stops after what it wrote:
// the client reads all of it, then the end. A plain Close with commands
// pipelined by the client still unread would reset the connection, and
// the client's kernel would drop what it had not read yet, so that the
// cut would fall at a point of the kernel's choosing. It drains the
// client's commands until the client closes its end (for at most 10 s),
// then closes.
func (c *conn) cutNow() {
	if c.cut.Swap(true) {
		return
	}
	tcp, ok := c.Conn.(*net.TCPConn)
	if !ok {
		c.Conn.Close()
		return
	}
	tcp.CloseWrite()
	go func() {
		tcp.SetReadDeadline(time.Now().Add(10 * time.Second))
		io.Copy(io.Discard, tcp)
		tcp.Close()
	}()
}

// capLine matches a line that lists the capabilities: an untagged
// CAPABILITY response, or a status response with a [CAPABILITY] code
// (the greeting, LOGIN's OK). idleCap is IDLE in such a list.
var (
	capLine = regexp.MustCompile(`(?m)^(?:\* |[^ \r\n]+ OK \[)CAPABILITY [^\r\n]*`)
	idleCap = regexp.MustCompile(` IDLE\b`)
)

// hideIdle removes IDLE from the capability lists in p. A capability
// line is written whole in one Write (the server flushes each response),
// and no message of the tests holds one, so literals keep their length.
func hideIdle(p []byte) []byte {
	if !bytes.Contains(p, []byte("CAPABILITY ")) {
		return p
	}
	return capLine.ReplaceAllFunc(p, func(l []byte) []byte { return idleCap.ReplaceAll(l, nil) })
}

// loginCaps matches LOGIN's OK with its [CAPABILITY] code, which
// hideLoginCaps leaves out.
var loginCaps = regexp.MustCompile(`(?m)^([^ \r\n]+ OK )\[CAPABILITY [^\]\r\n]*\] (Logged in)`)

// hideLoginCaps removes the [CAPABILITY] code from LOGIN's OK in p (one
// response, written whole).
func hideLoginCaps(p []byte) []byte {
	if !bytes.Contains(p, []byte("Logged in")) {
		return p
	}
	return loginCaps.ReplaceAll(p, []byte("${1}${2}"))
}

// Write sends p, unless the connection is stalled (then p goes nowhere)
// or cut (then it is closed).
func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := len(p)
	if c.s.noIdle {
		p = hideIdle(p)
	}
	if c.s.noLoginCaps {
		p = hideLoginCaps(p)
	}
	if c.stalled.Load() {
		return total, nil
	}
	if c.stallAt > 0 && c.written+int64(len(p)) > c.stallAt {
		p = p[:c.stallAt-c.written]
		c.stalled.Store(true)
	}
	if c.cutAt > 0 && c.written+int64(len(p)) > c.cutAt {
		n, _ := c.send(p[:c.cutAt-c.written])
		c.written += int64(n)
		c.cutNow()
		return n, errors.New("memimap: connection cut")
	}
	n, err := c.send(p)
	c.written += int64(n)
	if err != nil {
		return n, err
	}
	if c.stallLogin && c.behind.Load() && c.loggedIn.Load() {
		// The login's answer is out: the commands sent behind it are
		// never answered.
		c.stalled.Store(true)
	}
	if f := c.afterSelected; f != nil && bytes.Contains(p, []byte(" OK [READ-")) {
		c.afterSelected = nil
		f()
	}
	return total, nil
}

// send writes p, in throttled chunks when the connection is throttled.
func (c *conn) send(p []byte) (int, error) {
	if c.chunk <= 0 {
		return c.Conn.Write(p)
	}
	var n int
	for len(p) > 0 {
		k := min(c.chunk, len(p))
		m, err := c.Conn.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
		time.Sleep(c.pause)
	}
	return n, nil
}

// selfSigned makes a CA and a server certificate for 127.0.0.1 and
// localhost signed by it; it returns the server certificate and the CA PEM.
func selfSigned() (tls.Certificate, []byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "memimap test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caPEM, nil
}
