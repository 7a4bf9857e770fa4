package mailer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/rekindle/rekindle/mailer"
)

// The account the test server accepts.
const (
	testUser     = "jane"
	testPassword = "correct-horse-battery"
	testToken    = "ya29.token-for-jane"
)

// received is one message the test server accepted.
type received struct {
	From, To string
	Data     []byte
	TLS      bool
}

// testServer is a go-smtp server on 127.0.0.1:0 that records what it
// receives and can be told to fail.
type testServer struct {
	Host string
	Port int
	// Pool trusts the throwaway CA that signed the server's certificate.
	Pool *x509.CertPool

	srv *smtp.Server

	mu        sync.Mutex
	msgs      []received
	mails     int // MAIL FROM commands seen
	auths     int // AUTH attempts
	failRcpt  int // answer 451 to this many more RCPT commands
	failData  int // answer 451 to this many more DATA commands
	rejectAll bool
	mechs     []string
}

type serverOptions struct {
	// TLS is "" (plain, AUTH allowed without TLS), "starttls" or "tls".
	TLS string
	// Mechs are the AUTH mechanisms offered; default PLAIN, LOGIN,
	// XOAUTH2, OAUTHBEARER.
	Mechs []string
}

func startServer(t *testing.T, opts serverOptions) *testServer {
	t.Helper()
	ts := &testServer{Host: "127.0.0.1", mechs: opts.Mechs}
	if ts.mechs == nil {
		ts.mechs = []string{sasl.Plain, sasl.Login, "XOAUTH2", sasl.OAuthBearer}
	}
	s := smtp.NewServer(ts)
	s.Domain = "mx.test"
	// Clients hang up in the middle on purpose (a bad certificate);
	// the server's complaints about that are noise.
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch opts.TLS {
	case "":
		s.AllowInsecureAuth = true
	case "starttls", "tls":
		cert, pool := testCert(t)
		ts.Pool = pool
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
		if opts.TLS == "tls" {
			ln = tls.NewListener(ln, cfg)
		} else {
			s.TLSConfig = cfg
		}
	}
	ts.Port = ln.Addr().(*net.TCPAddr).Port
	ts.srv = s
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return ts
}

// config returns a mailer configuration for the server, logging in as
// the test user with password auth.
func (ts *testServer) config(security mailer.Security) mailer.Config {
	cfg := mailer.Config{
		Host: ts.Host, Port: ts.Port, Security: security,
		Username: testUser, Auth: mailer.AuthPlain,
		Secret:  func(context.Context) (string, error) { return testPassword, nil },
		Timeout: 5 * time.Second,
	}
	if ts.Pool != nil {
		cfg.TLS = &tls.Config{RootCAs: ts.Pool}
	}
	return cfg
}

func (ts *testServer) failRcptTimes(n int) { ts.mu.Lock(); ts.failRcpt = n; ts.mu.Unlock() }
func (ts *testServer) failDataTimes(n int) { ts.mu.Lock(); ts.failData = n; ts.mu.Unlock() }
func (ts *testServer) rejectRcpt()         { ts.mu.Lock(); ts.rejectAll = true; ts.mu.Unlock() }

func (ts *testServer) received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

// counts returns the MAIL FROM commands and AUTH attempts seen.
func (ts *testServer) counts() (mails, auths int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.mails, ts.auths
}

func (ts *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &testSession{ts: ts, conn: c}, nil
}

type testSession struct {
	ts     *testServer
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (s *testSession) AuthMechanisms() []string { return s.ts.mechs }

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	s.ts.mu.Lock()
	s.ts.auths++
	s.ts.mu.Unlock()
	ok := func(user, secret string, want string) error {
		if user != testUser || secret != want {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return ok(user, pass, testPassword) }), nil
	case sasl.Login:
		return &loginServer{check: func(user, pass string) error { return ok(user, pass, testPassword) }}, nil
	case "XOAUTH2":
		return &xoauth2Server{check: func(user, token string) error { return ok(user, token, testToken) }}, nil
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if ok(o.Username, o.Token, testToken) != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token"}
			}
			return nil
		}), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.ts.mu.Lock()
	s.ts.mails++
	s.ts.mu.Unlock()
	s.from = from
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if s.ts.rejectAll {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	if s.ts.failRcpt > 0 {
		s.ts.failRcpt--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if s.ts.failData > 0 {
		s.ts.failData--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Queue full, try again later"}
	}
	for _, to := range s.to {
		s.ts.msgs = append(s.ts.msgs, received{From: s.from, To: to, Data: data, TLS: s.isTLS()})
	}
	return nil
}

func (s *testSession) isTLS() bool {
	_, ok := s.conn.TLSConnectionState()
	return ok
}

func (s *testSession) Reset()        { s.from, s.to = "", nil }
func (s *testSession) Logout() error { return nil }

// loginServer is the server side of SASL LOGIN, which go-sasl lacks.
type loginServer struct {
	check      func(user, pass string) error
	step       int
	user, pass string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(resp) > 0 { // initial response holds the user name
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.step++
		l.user = string(resp)
		return []byte("Password:"), false, nil
	default:
		l.pass = string(resp)
		return nil, true, l.check(l.user, l.pass)
	}
}

// xoauth2Server is the server side of SASL XOAUTH2.
type xoauth2Server struct {
	check func(user, token string) error
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	var user, token string
	for _, kv := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(kv, "user="); ok {
			user = v
		} else if v, ok := strings.CutPrefix(kv, "auth=Bearer "); ok {
			token = v
		}
	}
	return nil, true, x.check(user, token)
}

// testCert makes a throwaway CA and a certificate for 127.0.0.1 and
// localhost signed by it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailer test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(err)
	ca, err := x509.ParseCertificate(caDER)
	must(err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	must(err)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// silentServer accepts connections and never greets, to test that a
// hung server cannot hold Send past its context.
func silentServer(t *testing.T) (host string, port int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	h, p, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(p)
	return h, n
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
