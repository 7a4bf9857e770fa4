package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// serve starts a TLS server on loopback with a certificate from ca for
// 127.0.0.1 and localhost, which completes handshakes and closes.
func (ca *testCA) serve(t *testing.T) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func (ca *testCA) file(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, ca.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The certificate of a server under ca_file's CA is verified without the
// system's roots; one the CA does not vouch for is verified against the
// system's roots (with the CA); a wrong name or an unknown authority
// fails as Go's own verification does.
func TestTLSConfigCAFile(t *testing.T) {
	private, public := newTestCA(t, "private CA"), newTestCA(t, "public CA")
	privateAddr, publicAddr := private.serve(t), public.serve(t)

	loaded := 0
	old := systemRoots
	t.Cleanup(func() { systemRoots = old })
	systemRoots = func() (*x509.CertPool, error) {
		loaded++
		pool := x509.NewCertPool()
		pool.AddCert(public.cert) // "the system's roots"
		return pool, nil
	}
	dial := func(addr, serverName, host string) error {
		t.Helper()
		c, err := tlsConfig(private.file(t), serverName, host, "accounts[0].imap.ca_file")
		if err != nil {
			t.Fatal(err)
		}
		if c.ServerName == "" {
			c.ServerName = host // as imapsync, mailer and addressbook do
		}
		conn, err := tls.Dial("tcp", addr, c)
		if err == nil {
			conn.Close()
		}
		return err
	}

	for _, host := range []string{"127.0.0.1", "localhost"} {
		if err := dial(privateAddr, "", host); err != nil {
			t.Errorf("the private CA's server as %s: %v", host, err)
		}
	}
	if loaded != 0 {
		t.Errorf("the system's roots were loaded %d times for servers under ca_file's CA", loaded)
	}
	if err := dial(publicAddr, "", "127.0.0.1"); err != nil {
		t.Errorf("a server under the system's roots: %v", err)
	}
	if loaded != 1 {
		t.Errorf("the system's roots were loaded %d times for a server outside ca_file's CA, want 1", loaded)
	}

	err := dial(privateAddr, "imap.example.com", "127.0.0.1")
	var hostErr x509.HostnameError
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &hostErr) || !errors.As(err, &verr) || !strings.Contains(err.Error(), "imap.example.com") {
		t.Errorf("tls_server_name imap.example.com: err = %v, want a certificate verification error for that name", err)
	}
	other := newTestCA(t, "another CA").serve(t)
	var unknown x509.UnknownAuthorityError
	if err := dial(other, "", "127.0.0.1"); !errors.As(err, &unknown) || !errors.As(err, &verr) {
		t.Errorf("a server under no trusted CA: err = %v, want an unknown authority", err)
	}
}

func TestTLSConfigCAFileErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(path, []byte("not a certificate\n"), 0o600)
	if _, err := tlsConfig(path, "", "h", "smtp.ca_file"); err == nil || !strings.Contains(err.Error(), "smtp.ca_file: "+path+" holds no PEM certificate") {
		t.Errorf("err = %v", err)
	}
	if _, err := tlsConfig(path+".missing", "", "h", "smtp.ca_file"); err == nil || !strings.Contains(err.Error(), "smtp.ca_file: ") {
		t.Errorf("err = %v", err)
	}
	if c, err := tlsConfig("", "name", "h", "k"); err != nil || c.InsecureSkipVerify || c.VerifyConnection != nil || c.ServerName != "name" {
		t.Errorf("without ca_file: %+v, %v; want Go's own verification", c, err)
	}
}
