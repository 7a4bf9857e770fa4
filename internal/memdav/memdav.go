// Package memdav is a small in-memory CardDAV server for tests: one user,
// one address book of cards kept as the bytes they were given (so a test
// can serve a card no real server would store), over HTTP or HTTPS on
// loopback. It answers what rekindle's CardDAV client asks: PROPFIND
// (Depth 0 and 1), the addressbook-query REPORT, and GET of a card. It is
// not a CardDAV implementation; internal/radicale runs a real one.
package memdav

import (
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	// User and Password are the one login accepted; "jane" and
	// "dav-secret" by default.
	User, Password string
	// TLS serves HTTPS with httptest's certificate (for 127.0.0.1, ::1,
	// example.com and *.example.com); CAPEM trusts it.
	TLS bool
}

// BookPath is the address book's path; its parent is the user's home.
const (
	HomePath = "/dav/jane/"
	BookPath = HomePath + "contacts/"
)

// Server is a running fake CardDAV server.
type Server struct {
	// URL is the address book's URL; HomeURL its parent's, which is no
	// address book.
	URL, HomeURL string
	// CAPEM is the PEM certificate a client must trust for TLS.
	CAPEM []byte

	srv            *httptest.Server
	user, password string

	mu       sync.Mutex
	cards    map[string][]byte // by file name in the book
	delay    time.Duration
	down     bool
	requests map[string]int // by method
}

// Start starts a server; Close stops it.
func Start(o Options) *Server {
	if o.User == "" {
		o.User = "jane"
	}
	if o.Password == "" {
		o.Password = "dav-secret"
	}
	s := &Server{user: o.User, password: o.Password, cards: map[string][]byte{}, requests: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(s)
	// Clients refusing the certificate, on purpose, are no news.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if o.TLS {
		s.srv.StartTLS()
		s.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	} else {
		s.srv.Start()
	}
	s.URL, s.HomeURL = s.srv.URL+BookPath, s.srv.URL+HomePath
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Certificate is the server's certificate (TLS only).
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// Put stores a card as a file of the address book, byte for byte.
func (s *Server) Put(name, card string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cards[name] = []byte(card)
}

// Delete removes a card.
func (s *Server) Delete(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cards, name)
}

// SetDelay makes every answer wait d first.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetDown makes every request fail with 503 Service Unavailable, as a
// server under maintenance.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Requests returns the requests answered so far, by method, and forgets
// them.
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.requests
	s.requests = map[string]int{}
	return r
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	delay, down := s.delay, s.down
	s.requests[r.Method]++
	s.mu.Unlock()
	if delay > 0 {
		// With the body read, the server notices the client hanging up
		// (and cancels the request's context).
		io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if down {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.password {
		w.Header().Set("WWW-Authenticate", `Basic realm="memdav"`)
		http.Error(w, "Access to the requested resource forbidden.", http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == "PROPFIND" && (r.URL.Path == BookPath || r.URL.Path == HomePath):
		s.propfind(w, r)
	case r.Method == "REPORT" && r.URL.Path == BookPath:
		s.report(w)
	case r.Method == "REPORT" && r.URL.Path == HomePath:
		s.multistatus(w, nil) // a collection without cards
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, BookPath):
		s.mu.Lock()
		card, ok := s.cards[strings.TrimPrefix(r.URL.Path, BookPath)]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/vcard; charset=utf-8")
		w.Write(card)
	default:
		http.Error(w, "not here", http.StatusNotFound)
	}
}

// response is one <response> of a multistatus, written as text.
type response struct {
	href, props string
}

func (s *Server) multistatus(w http.ResponseWriter, rs []response) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">`)
	for _, r := range rs {
		fmt.Fprintf(&b, `<d:response><d:href>%s</d:href><d:propstat><d:prop>%s</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`, r.href, r.props)
	}
	b.WriteString(`</d:multistatus>`)
	w.Write([]byte(b.String()))
}

func (s *Server) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.cards {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

const bookProps = `<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Contacts</d:displayname>`

func (s *Server) propfind(w http.ResponseWriter, r *http.Request) {
	depth := r.Header.Get("Depth")
	var rs []response
	if r.URL.Path == HomePath {
		rs = append(rs, response{HomePath, `<d:resourcetype><d:collection/></d:resourcetype>`})
		if depth == "1" {
			rs = append(rs, response{BookPath, bookProps})
		}
		s.multistatus(w, rs)
		return
	}
	rs = append(rs, response{BookPath, bookProps})
	if depth == "1" {
		for _, n := range s.names() {
			s.mu.Lock()
			size := len(s.cards[n])
			s.mu.Unlock()
			rs = append(rs, response{BookPath + n, fmt.Sprintf(`<d:resourcetype/><d:getcontenttype>text/vcard</d:getcontenttype><d:getcontentlength>%d</d:getcontentlength><d:getetag>"%s"</d:getetag>`, size, n)})
		}
	}
	s.multistatus(w, rs)
}

func (s *Server) report(w http.ResponseWriter) {
	var rs []response
	for _, n := range s.names() {
		s.mu.Lock()
		card := s.cards[n]
		s.mu.Unlock()
		var esc strings.Builder
		xml.EscapeText(&esc, card)
		rs = append(rs, response{BookPath + n, `<d:getetag>"` + n + `"</d:getetag><card:address-data>` + esc.String() + `</card:address-data>`})
	}
	s.multistatus(w, rs)
}
