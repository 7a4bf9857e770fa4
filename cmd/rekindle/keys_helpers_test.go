package main

// The fixture of TestEveryConfigKeyHasAnEffect (keys_test.go): in-process
// IMAP and SMTP servers, a generated mailbox synced once into a store that
// each configuration gets a copy of, a base configuration kept as a YAML
// tree that a proof changes one key of, and a daemon run with fake jobs.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/goccy/go-yaml"

	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/daemon"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/internal/memdav"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/internal/synthimap"
	"github.com/rekindle/rekindle/mailer"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/synth"
)

// The logins the fixture's servers accept.
const (
	keyUser         = "jane"
	keyIMAPPassword = "imap-pw"
	keyIMAPToken    = "imap-token"
	keyAltPassword  = "alt-pw" // the alt IMAP server's password
	keySMTPPassword = "smtp-pw"
	keySMTPToken    = "smtp-token"
	keyDAVPassword  = "dav-pw"
	// keyDAVName is the name the CardDAV servers' card gives
	// keyFixture.cardAddr.
	keyDAVName = "Marguerite from CardDAV"
)

// keyFixture is what every proof works with. The servers are shared: the
// proofs run one after the other.
type keyFixture struct {
	// mb is the generated mailbox in big; now is its present, the moment
	// every model and digest is built as of.
	mb  *synth.Mailbox
	now time.Time
	// big serves mb; store is mb synced from it, closed: base gives each
	// configuration a copy of it.
	big   *memimap.Server
	store string
	// lite serves a few folders with a few messages, for proofs that sync;
	// other has the same login and a folder of its own (Elsewhere); alt
	// takes keyAltPassword; tlsIMAP serves TLS with a throwaway CA
	// (tlsIMAP.CAPEM).
	lite, other, alt, tlsIMAP *memimap.Server
	// smtp takes PLAIN, LOGIN, XOAUTH2 and OAUTHBEARER and records every
	// login; smtp2 is another such server; smtpTLS serves TLS.
	smtp, smtp2, smtpTLS *keySMTP
	// env is the environment the configuration is loaded in
	// (password_env).
	env map[string]string
	// dav is a CardDAV server over HTTP, davTLS one over HTTPS, each with
	// one card naming cardAddr, a contact's address, keyDAVName; they
	// take keyUser and keyDAVPassword.
	dav, davTLS *memdav.Server
	cardAddr    string
}

func newKeyFixture(t *testing.T) *keyFixture {
	t.Helper()
	mb := synth.Generate(synth.Options{Seed: 1, Messages: 300})
	f := &keyFixture{mb: mb, now: mb.Now, env: map[string]string{}}
	f.big = keyIMAP(t, memimap.Options{User: keyUser, Password: keyIMAPPassword})
	if err := synthimap.Load(f.big, mb); err != nil {
		t.Fatal(err)
	}
	f.lite = keyIMAP(t, memimap.Options{User: keyUser, Password: keyIMAPPassword, Token: keyIMAPToken})
	keyFill(t, f.lite, map[string]int{"INBOX": 120, "Sent": 2, "Archive": 2, "Lists/go": 2, "Junk": 1})
	f.other = keyIMAP(t, memimap.Options{User: keyUser, Password: keyIMAPPassword})
	keyFill(t, f.other, map[string]int{"INBOX": 1, "Elsewhere": 1})
	f.alt = keyIMAP(t, memimap.Options{User: keyUser, Password: keyAltPassword})
	keyFill(t, f.alt, map[string]int{"INBOX": 1})
	f.tlsIMAP = keyIMAP(t, memimap.Options{User: keyUser, Password: keyIMAPPassword, TLS: true})
	keyFill(t, f.tlsIMAP, map[string]int{"INBOX": 1})
	f.smtp = startKeySMTP(t, false)
	f.smtp2 = startKeySMTP(t, false)
	f.smtpTLS = startKeySMTP(t, true)
	mentor, _ := mb.Persona(synth.KeyMentor)
	f.cardAddr = mentor.Addresses[0]
	for _, tls := range []bool{false, true} {
		srv := memdav.Start(memdav.Options{User: keyUser, Password: keyDAVPassword, TLS: tls})
		t.Cleanup(srv.Close)
		srv.Put("card.vcf", keyCard(keyDAVName, f.cardAddr))
		if tls {
			f.davTLS = srv
		} else {
			f.dav = srv
		}
	}

	// Sync the generated mailbox once, into a store every proof copies.
	f.store = filepath.Join(t.TempDir(), "synced.db")
	a := f.open(t, f.tree(t, f.store))
	if _, err := a.Sync(context.Background(), app.SyncOptions{}); err != nil {
		t.Fatalf("sync of the generated mailbox: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

func keyIMAP(t *testing.T, o memimap.Options) *memimap.Server {
	t.Helper()
	srv, err := memimap.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// keyFill creates the folders (Sent with \Sent, Junk with \Junk) and puts
// n messages from a different sender each in each.
func keyFill(t *testing.T, srv *memimap.Server, folders map[string]int) {
	t.Helper()
	names := make([]string, 0, len(folders))
	for name := range folders {
		names = append(names, name)
	}
	sort.Strings(names)
	date := time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC)
	for _, name := range names {
		if name != "INBOX" {
			var use []imap.MailboxAttr
			switch name {
			case "Sent":
				use = append(use, imap.MailboxAttrSent)
			case "Junk":
				use = append(use, imap.MailboxAttrJunk)
			}
			if err := srv.Create(name, use...); err != nil {
				t.Fatal(err)
			}
		}
		for i := range folders[name] {
			from, to := fmt.Sprintf("Person %d <p%d@example.net>", i, i), "jane@example.com"
			if name == "Sent" {
				from, to = "Jane Doe <jane@example.com>", fmt.Sprintf("p%d@example.net", i)
			}
			raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s %d\r\nMessage-ID: <%s-%d@keys.test>\r\nDate: %s\r\n\r\nhi\r\n",
				from, to, name, i, strings.ReplaceAll(name, "/", "-"), i, date.Format(time.RFC1123Z))
			if _, err := srv.Append(name, []byte(raw), nil, date); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// keyTree is a configuration as YAML would hold it: maps, lists and
// scalars.
type keyTree map[string]any

// base is the base configuration: the generated mailbox's user, the big
// IMAP server, the recording SMTP server, and a copy of the synced store.
// Everything else takes its default.
func (f *keyFixture) base(t *testing.T) keyTree {
	t.Helper()
	return f.tree(t, keyCopyStore(t, f.store))
}

// tree is base with the store at storePath.
func (f *keyFixture) tree(t *testing.T, storePath string) keyTree {
	t.Helper()
	addrs := make([]any, len(f.mb.Addresses))
	for i, a := range f.mb.Addresses {
		addrs[i] = a
	}
	ihost, iport := keyHostPort(t, f.big.Addr)
	shost, sport := keyHostPort(t, f.smtp.Addr)
	return keyTree{
		"me": map[string]any{"name": "Jane Doe", "addresses": addrs},
		"accounts": []any{map[string]any{
			"name": "home",
			"imap": map[string]any{"host": ihost, "port": iport, "security": "none", "username": keyUser, "password": keyIMAPPassword},
		}},
		"store": map[string]any{"path": storePath},
		"smtp":  map[string]any{"host": shost, "port": sport, "security": "none", "username": keyUser, "password": keySMTPPassword},
	}
}

// liteBase is base with the account on the lite server and an empty
// store, for proofs that sync.
func (f *keyFixture) liteBase(t *testing.T) keyTree {
	t.Helper()
	tr := f.base(t)
	f.pointIMAP(t, tr, f.lite)
	tr.set(t, "store.path", filepath.Join(t.TempDir(), "lite.db"))
	return tr
}

// pointIMAP points the account of tr at srv.
func (f *keyFixture) pointIMAP(t *testing.T, tr keyTree, srv *memimap.Server) {
	t.Helper()
	host, port := keyHostPort(t, srv.Addr)
	tr.set(t, "accounts[0].imap.host", host)
	tr.set(t, "accounts[0].imap.port", port)
}

// pointSMTP points the smtp section of tr at srv.
func (f *keyFixture) pointSMTP(t *testing.T, tr keyTree, srv *keySMTP) {
	t.Helper()
	host, port := keyHostPort(t, srv.Addr)
	tr.set(t, "smtp.host", host)
	tr.set(t, "smtp.port", port)
}

func keyHostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// keyCopyStore copies a closed store (with its -wal and -shm files, if
// any) to a new file and returns its path.
func keyCopyStore(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "rekindle.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(src + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// keyPathElem is one step of a key path: a map key, or a list index.
var keyPathElem = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?$`)

// walk returns the map holding the last element of path (creating maps on
// the way) and that element's name and index (-1: none).
func (tr keyTree) walk(t *testing.T, path string) (map[string]any, string, int) {
	t.Helper()
	parts := strings.Split(path, ".")
	m := map[string]any(tr)
	for i, p := range parts {
		sm := keyPathElem.FindStringSubmatch(p)
		if sm == nil {
			t.Fatalf("bad key path %q", path)
		}
		name, index := sm[1], -1
		if sm[2] != "" {
			index, _ = strconv.Atoi(sm[2])
		}
		if i == len(parts)-1 {
			return m, name, index
		}
		var next any = m[name]
		if index >= 0 {
			list, _ := next.([]any)
			if index >= len(list) {
				t.Fatalf("key path %q: no item %d", path, index)
			}
			next = list[index]
		} else if next == nil {
			next = map[string]any{}
			m[name] = next
		}
		nm, ok := next.(map[string]any)
		if !ok {
			t.Fatalf("key path %q: %s is not a mapping", path, p)
		}
		m = nm
	}
	panic("unreachable")
}

// set sets the key at path ("accounts[0].imap.port") to v.
func (tr keyTree) set(t *testing.T, path string, v any) {
	t.Helper()
	m, name, index := tr.walk(t, path)
	if index < 0 {
		m[name] = v
		return
	}
	list, _ := m[name].([]any)
	if index >= len(list) {
		t.Fatalf("key path %q: no item %d", path, index)
	}
	list[index] = v
}

// del removes the key at path.
func (tr keyTree) del(t *testing.T, path string) {
	t.Helper()
	m, name, index := tr.walk(t, path)
	if index >= 0 {
		t.Fatalf("del %q: cannot delete a list item", path)
	}
	if _, ok := m[name]; !ok {
		t.Fatalf("del %q: no such key", path)
	}
	delete(m, name)
}

// get returns the value at path.
func (tr keyTree) get(t *testing.T, path string) any {
	t.Helper()
	m, name, index := tr.walk(t, path)
	if index < 0 {
		return m[name]
	}
	return m[name].([]any)[index]
}

// write writes tr as a configuration file and returns its path.
func (tr keyTree) write(t *testing.T) string {
	t.Helper()
	b, err := yaml.Marshal(map[string]any(tr))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// load writes tr to a file and loads it as rekindle does, in f's
// environment.
func (f *keyFixture) load(t *testing.T, tr keyTree) (*config.Config, error) {
	t.Helper()
	return config.Loader{Getenv: func(k string) string { return f.env[k] }}.Load(tr.write(t))
}

// mustLoad is load, failing the test on an error.
func (f *keyFixture) mustLoad(t *testing.T, tr keyTree) *config.Config {
	t.Helper()
	cfg, err := f.load(t, tr)
	if err != nil {
		b, _ := yaml.Marshal(map[string]any(tr))
		t.Fatalf("the configuration does not load: %v\n%s", err, b)
	}
	return cfg
}

// options are the App's options: the clock reads f.now.
func (f *keyFixture) options() app.Options {
	return app.Options{Now: func() time.Time { return f.now }}
}

// open loads tr and opens the App over it and its store.
func (f *keyFixture) open(t *testing.T, tr keyTree) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), f.mustLoad(t, tr), f.options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// newApp loads tr and returns the App over it without a store.
func (f *keyFixture) newApp(t *testing.T, tr keyTree) *app.App {
	t.Helper()
	a, err := app.New(f.mustLoad(t, tr), f.options())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// file writes content to a new file and returns its path.
func keyFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// keySync opens tr, syncs it, and returns the folders the store then holds
// ("account/folder", sorted) and the sync's error.
func (f *keyFixture) keySync(t *testing.T, tr keyTree) ([]string, error) {
	t.Helper()
	a := f.open(t, tr)
	_, err := a.Sync(context.Background(), app.SyncOptions{})
	return keyFolders(t, a), err
}

// keyFolders returns the folders a's store holds, as "account/folder".
func keyFolders(t *testing.T, a *app.App) []string {
	t.Helper()
	st, err := app.Status(context.Background(), a.Config())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, fs := range st.Folders {
		out = append(out, fs.Account+"/"+fs.Folder)
	}
	sort.Strings(out)
	return out
}

// keySMTP is an SMTP server on 127.0.0.1 that offers PLAIN, LOGIN,
// XOAUTH2 and OAUTHBEARER, records every login attempt with the secret
// it carried (test secrets only), accepts keyUser with keySMTPPassword or
// keySMTPToken, and keeps what it is sent.
type keySMTP struct {
	Addr string
	// CAPEM is the PEM certificate of the CA that signed the certificate
	// of a TLS server (for 127.0.0.1 and localhost).
	CAPEM []byte

	mu     sync.Mutex
	logins []keyLogin
	mail   []keyMail
}

// keyLogin is one AUTH attempt.
type keyLogin struct {
	Mech, User, Secret string
}

// keyMail is one delivered message.
type keyMail struct {
	From string
	To   []string
	Data []byte
}

func startKeySMTP(t *testing.T, useTLS bool) *keySMTP {
	t.Helper()
	ks := &keySMTP{}
	s := smtp.NewServer(ks)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ErrorLog = log.New(io.Discard, "", 0) // clients hang up on a bad certificate on purpose
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if useTLS {
		var cert tls.Certificate
		cert, ks.CAPEM = keyCert(t)
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	}
	ks.Addr = ln.Addr().String()
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return ks
}

// Logins returns the login attempts so far.
func (ks *keySMTP) Logins() []keyLogin {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return append([]keyLogin(nil), ks.logins...)
}

// Mail returns the messages delivered so far.
func (ks *keySMTP) Mail() []keyMail {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return append([]keyMail(nil), ks.mail...)
}

// NewSession implements smtp.Backend.
func (ks *keySMTP) NewSession(*smtp.Conn) (smtp.Session, error) { return &keySMTPSession{ks: ks}, nil }

type keySMTPSession struct {
	ks     *keySMTP
	authed bool
	from   string
	to     []string
}

func (s *keySMTPSession) AuthMechanisms() []string {
	return []string{sasl.Plain, sasl.Login, "XOAUTH2", sasl.OAuthBearer}
}

// check records a login and says whether it is accepted.
func (s *keySMTPSession) check(mech, user, secret string) error {
	s.ks.mu.Lock()
	s.ks.logins = append(s.ks.logins, keyLogin{Mech: mech, User: user, Secret: secret})
	s.ks.mu.Unlock()
	want := keySMTPPassword
	if mech == "XOAUTH2" || mech == sasl.OAuthBearer {
		want = keySMTPToken
	}
	if user != keyUser || secret != want {
		return smtp.ErrAuthFailed
	}
	s.authed = true
	return nil
}

func (s *keySMTPSession) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return s.check(mech, user, pass) }), nil
	case sasl.Login:
		return &keyLoginServer{check: func(user, pass string) error { return s.check(mech, user, pass) }}, nil
	case "XOAUTH2":
		return &keyXOAuth2Server{check: func(user, token string) error { return s.check(mech, user, token) }}, nil
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if s.check(mech, o.Username, o.Token) != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token"}
			}
			return nil
		}), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *keySMTPSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *keySMTPSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *keySMTPSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ks.mu.Lock()
	defer s.ks.mu.Unlock()
	s.ks.mail = append(s.ks.mail, keyMail{From: s.from, To: s.to, Data: b})
	return nil
}

func (s *keySMTPSession) Reset()        { s.from, s.to = "", nil }
func (s *keySMTPSession) Logout() error { return nil }

// keyLoginServer is the server side of SASL LOGIN, which go-sasl lacks.
type keyLoginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *keyLoginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(resp) > 0 { // an initial response holds the user name
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.step++
		l.user = string(resp)
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(resp))
}

// keyXOAuth2Server is the server side of SASL XOAUTH2.
type keyXOAuth2Server struct {
	check func(user, token string) error
}

func (x *keyXOAuth2Server) Next(resp []byte) ([]byte, bool, error) {
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

// keyCert makes a throwaway CA and a certificate for 127.0.0.1 and
// localhost signed by it; it returns the certificate and the CA's PEM.
func keyCert(t *testing.T) (tls.Certificate, []byte) {
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
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "keys test CA"},
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
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// keyDaemon runs the real daemon (package daemon) over dc with fake jobs
// that record what they are asked to do, on a clock that moves only when
// told to, until the test ends.
type keyDaemon struct {
	clk *keyClock

	mu       sync.Mutex
	syncs    []time.Time // the clock's time at each sync
	digests  []daemon.DigestRequest
	inflight int
}

// keyClock is a daemon.ManualClock that counts the times the daemon looks
// at it (each turn of its loop makes a timer).
type keyClock struct {
	*daemon.ManualClock
	looks atomic.Int64
}

func (c *keyClock) NewTimer(at time.Time) daemon.Timer {
	c.looks.Add(1)
	return c.ManualClock.NewTimer(at)
}

func startKeyDaemon(t *testing.T, dc daemon.Config, start time.Time) *keyDaemon {
	t.Helper()
	d := &keyDaemon{clk: &keyClock{ManualClock: daemon.NewManualClock(start)}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	load := func(context.Context) (daemon.Config, daemon.Jobs, error) { return dc, d, nil }
	go func() { done <- daemon.Run(ctx, load, nil, daemon.Options{Clock: d.clk}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("daemon: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("the daemon did not stop")
		}
	})
	keyWait(t, "the daemon to start", func() bool { return d.clk.looks.Load() > 0 })
	d.settle(t)
	return d
}

// set moves the clock to now and waits for the daemon to act on it.
func (d *keyDaemon) set(t *testing.T, now time.Time) {
	t.Helper()
	n := d.clk.looks.Load()
	d.clk.Set(now)
	keyWait(t, "the daemon to look at the clock", func() bool { return d.clk.looks.Load() > n })
	d.settle(t)
}

// settle waits until no job runs and the daemon has not turned its loop
// for a while: it waits on its timer.
func (d *keyDaemon) settle(t *testing.T) {
	t.Helper()
	const quiet = 200 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n := d.clk.looks.Load()
		time.Sleep(quiet)
		d.mu.Lock()
		idle := d.inflight == 0
		d.mu.Unlock()
		if idle && d.clk.looks.Load() == n {
			return
		}
	}
	t.Fatal("the daemon did not settle within 10s")
}

func (d *keyDaemon) record(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f()
}

// Sync implements daemon.Jobs.
func (d *keyDaemon) Sync(context.Context) (string, error) {
	d.record(func() { d.inflight++; d.syncs = append(d.syncs, d.clk.Now()) })
	defer d.record(func() { d.inflight-- })
	return "", nil
}

// Digest implements daemon.Jobs.
func (d *keyDaemon) Digest(_ context.Context, r daemon.DigestRequest) (daemon.DigestResult, error) {
	d.record(func() { d.inflight++; d.digests = append(d.digests, r) })
	defer d.record(func() { d.inflight-- })
	return daemon.DigestResult{Sent: true, To: "jane@example.com"}, nil
}

// DigestSent implements daemon.Jobs: no digest was ever sent.
func (d *keyDaemon) DigestSent(context.Context, string) (bool, error) { return false, nil }

// Healthy implements daemon.Jobs.
func (d *keyDaemon) Healthy(context.Context) error { return nil }

func (d *keyDaemon) counts() (syncs, digests int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.syncs), len(d.digests)
}

// keyWait waits up to 10s for cond.
func keyWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// keyCard is a vCard naming an address.
func keyCard(name, addr string) string {
	return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + addr + "\r\nFN:" + name + "\r\nEMAIL;TYPE=INTERNET:" + addr + "\r\nEND:VCARD\r\n"
}

// keyNameOf is the name of the contact of m holding addr.
func keyNameOf(t *testing.T, m *app.Model, addr string) string {
	t.Helper()
	for _, c := range m.Contacts {
		if slices.Contains(c.Addresses, addr) {
			return c.Name
		}
	}
	t.Fatalf("%s is not a contact", addr)
	return ""
}

// davBase is base with the address book on srv, logging in with the
// right password.
func (f *keyFixture) davBase(t *testing.T, srv *memdav.Server) keyTree {
	t.Helper()
	tr := f.base(t)
	tr.set(t, "address_book", map[string]any{"carddav": map[string]any{"url": srv.URL, "username": keyUser, "password": keyDAVPassword}})
	return tr
}

// davSync opens tr, syncs it (the accounts, then the address book) and
// returns the App, and the address book's error. The accounts' sync must
// work.
func (f *keyFixture) davSync(t *testing.T, tr keyTree) (*app.App, error) {
	t.Helper()
	a := f.open(t, tr)
	r, err := a.Sync(context.Background(), app.SyncOptions{})
	for _, res := range r.Accounts {
		if res.Err() != nil {
			t.Fatalf("the accounts' sync failed: %v", err)
		}
	}
	return a, err
}

// cards is how many cards the model of a has from the address book.
func (f *keyFixture) cards(t *testing.T, a *app.App) int {
	t.Helper()
	cards, err := a.Cards(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(cards)
}

// davLogin checks that the secret source mod sets logs in to the CardDAV
// server, where the base's wrong password is refused.
func (f *keyFixture) davLogin(t *testing.T, mod func(keyTree)) {
	t.Helper()
	before, after := f.davBase(t, f.dav), f.davBase(t, f.dav)
	before.set(t, "address_book.carddav.password", "wrong")
	mod(after)
	_, berr := f.davSync(t, before)
	a, aerr := f.davSync(t, after)
	if berr == nil || !strings.Contains(berr.Error(), "refused the login") || aerr != nil || f.cards(t, a) != 1 {
		t.Errorf("%s: reading the address book with the password from the key gave %v (before, with a wrong password: %v); want only it to log in",
			keyName(t), aerr, berr)
	}
}

// keyName is the key the running proof is about: its subtest's name.
func keyName(t *testing.T) string {
	_, name, _ := strings.Cut(t.Name(), "/")
	return name
}

// tlsBase is liteBase with the account on the TLS server, security tls.
func (f *keyFixture) tlsBase(t *testing.T) keyTree {
	t.Helper()
	tr := f.liteBase(t)
	f.pointIMAP(t, tr, f.tlsIMAP)
	tr.set(t, "accounts[0].imap.security", "tls")
	return tr
}

// smtpTLSBase is base with the smtp section on the TLS server, security
// tls.
func (f *keyFixture) smtpTLSBase(t *testing.T) keyTree {
	t.Helper()
	tr := f.base(t)
	f.pointSMTP(t, tr, f.smtpTLS)
	tr.set(t, "smtp.security", "tls")
	return tr
}

// logBase is base with a template in templates.dir, which the CLI logs
// at info when it reads it.
func (f *keyFixture) logBase(t *testing.T) keyTree {
	t.Helper()
	tr := f.base(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "digest.subject"), []byte("Your digest"), 0o600); err != nil {
		t.Fatal(err)
	}
	tr.set(t, "templates.dir", dir)
	return tr
}

// cliLog runs "rekindle digest" (a preview) in-process with tr and
// returns what it logged.
func (f *keyFixture) cliLog(t *testing.T, tr keyTree) string {
	t.Helper()
	code, out, errOut := run(t, "--config", tr.write(t), "digest", "--as-of", f.now.Format(time.RFC3339))
	if code != 0 {
		t.Fatalf("rekindle digest: exit %d\n%s%s", code, out, errOut)
	}
	return errOut
}

// altLogin checks that the secret source mod sets logs in to the alt
// server, which the base password does not.
func (f *keyFixture) altLogin(t *testing.T, mod func(keyTree)) {
	t.Helper()
	before, after := f.liteBase(t), f.liteBase(t)
	f.pointIMAP(t, before, f.alt)
	f.pointIMAP(t, after, f.alt)
	mod(after)
	_, berr := f.keySync(t, before)
	a, aerr := f.keySync(t, after)
	if berr == nil || aerr != nil || !slices.Contains(a, "home/INBOX") {
		t.Errorf("%s: the sync with the password from the key gave %v (before, with the base password: %v); want only it to log in",
			keyName(t), aerr, berr)
	}
}

// account is the first account as the App hands it to imapsync.
func (f *keyFixture) account(t *testing.T, tr keyTree) app.Account {
	t.Helper()
	accts, err := f.newApp(t, tr).Accounts()
	if err != nil || len(accts) == 0 {
		t.Fatalf("accounts: %v", err)
	}
	return accts[0]
}

// smtpCheck logs in to the smtp section's server as rekindle check does,
// without sending.
func (f *keyFixture) smtpCheck(t *testing.T, tr keyTree) error {
	t.Helper()
	sc, err := f.newApp(t, tr).SMTP()
	if err != nil {
		t.Fatal(err)
	}
	sc.Timeout = 5 * time.Second
	return mailer.Check(t.Context(), sc)
}

// smtpLogin is smtpCheck, with the login srv recorded meanwhile (zero if
// none).
func (f *keyFixture) smtpLogin(t *testing.T, tr keyTree, srv *keySMTP) (keyLogin, error) {
	t.Helper()
	n := len(srv.Logins())
	err := f.smtpCheck(t, tr)
	if logins := srv.Logins(); len(logins) > n {
		return logins[len(logins)-1], err
	}
	return keyLogin{}, err
}

// smtpSecret checks that with mod's secret source, the SMTP server
// receives want instead of the base password.
func (f *keyFixture) smtpSecret(t *testing.T, want string, mod func(keyTree)) {
	t.Helper()
	before, after := f.base(t), f.base(t)
	mod(after)
	b, _ := f.smtpLogin(t, before, f.smtp)
	a, _ := f.smtpLogin(t, after, f.smtp)
	if b.Secret != keySMTPPassword || a.Secret != want {
		t.Errorf("%s: the server received the password %q (before: %q), want %q", keyName(t), a.Secret, b.Secret, want)
	}
}

// compose composes the digest of tr as of f.now.
func (f *keyFixture) compose(t *testing.T, tr keyTree) *app.Composed {
	t.Helper()
	c, err := f.open(t, tr).Compose(t.Context(), f.now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// model is a's model as of f.now.
func (f *keyFixture) model(t *testing.T, a *app.App) *app.Model {
	t.Helper()
	m, err := a.Model(t.Context(), f.now, false)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// suggest is who a's digest would suggest as of f.now.
func (f *keyFixture) suggest(t *testing.T, a *app.App) []relationship.Suggestion {
	t.Helper()
	s := a.Suggestions(f.model(t, a))
	if len(s) == 0 {
		t.Fatal("nobody suggested")
	}
	return s
}

// send sends a's digest as of f.now, once.
func (f *keyFixture) send(t *testing.T, a *app.App) app.Sent {
	t.Helper()
	sent, err := a.SendDigest(t.Context(), f.now, app.SendOptions{Retry: mailer.Retry{Attempts: 1}})
	if err != nil {
		t.Fatalf("send the digest: %v", err)
	}
	return sent
}

// delivered sends tr's digest and returns what the SMTP server got.
func (f *keyFixture) delivered(t *testing.T, tr keyTree) keyMail {
	t.Helper()
	n := len(f.smtp.Mail())
	f.send(t, f.open(t, tr))
	got := f.smtp.Mail()
	if len(got) != n+1 {
		t.Fatalf("%d messages delivered, want 1", len(got)-n)
	}
	return got[n]
}

// keyHeader is a header of a delivered message.
func keyHeader(t *testing.T, m keyMail, name string) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	return msg.Header.Get(name)
}

type digestPerson = digest.Person

// draftsOf are everyone in c's digest: the people and the follow-ups.
func draftsOf(c *app.Composed) []digestPerson {
	return slices.Concat(c.Digest.People, c.Digest.AwaitingReply, c.Digest.OwesReply)
}

// signedBy counts the drafts of c whose last line is name.
func signedBy(c *app.Composed, name string) int {
	n := 0
	for _, p := range draftsOf(c) {
		if strings.HasSuffix(strings.TrimSpace(p.Draft.Body), "\n"+name) {
			n++
		}
	}
	return n
}

// kindCount counts the drafts of a kind in c, and those of them saying
// text.
func kindCount(c *app.Composed, kind, text string) (n struct{ kind, with int }) {
	for _, p := range draftsOf(c) {
		if p.DraftKind == kind {
			n.kind++
			if strings.Contains(p.Draft.Body, text) {
				n.with++
			}
		}
	}
	return n
}

// personIn is the person of key in c's digest.
func personIn(t *testing.T, c *app.Composed, key string) digestPerson {
	t.Helper()
	for _, p := range draftsOf(c) {
		if p.Key == key {
			return p
		}
	}
	t.Fatalf("%s is not in the digest", key)
	return digestPerson{}
}

// targetOf is the target company of the suggestion of email.
func targetOf(t *testing.T, s []relationship.Suggestion, email string) string {
	t.Helper()
	for _, x := range s {
		if x.Email == email {
			return x.Target
		}
	}
	t.Fatalf("%s is not suggested", email)
	return ""
}

// allPrefixed reports whether every string in list starts with prefix.
func allPrefixed(list []string, prefix string) bool {
	for _, s := range list {
		if !strings.HasPrefix(s, prefix) {
			return false
		}
	}
	return true
}

// keyHTTPServer records the requests an in-process HTTP server gets, by
// path: an ntfy or a webhook for the notify keys.
type keyHTTPServer struct {
	url    string
	mu     sync.Mutex
	reqs   map[string][]*http.Request
	bodies map[string][]string
}

func keyHTTP(t *testing.T) *keyHTTPServer {
	t.Helper()
	h := &keyHTTPServer{reqs: map[string][]*http.Request{}, bodies: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.reqs[r.URL.Path] = append(h.reqs[r.URL.Path], r)
		h.bodies[r.URL.Path] = append(h.bodies[r.URL.Path], string(b))
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

// count is how many requests path got.
func (h *keyHTTPServer) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reqs[path])
}

// last is path's last request and its body; nil when none.
func (h *keyHTTPServer) last(path string) (*http.Request, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	rs := h.reqs[path]
	if len(rs) == 0 {
		return nil, ""
	}
	return rs[len(rs)-1], h.bodies[path][len(rs)-1]
}
