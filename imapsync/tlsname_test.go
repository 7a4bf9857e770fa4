package imapsync_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
)

// The server's certificate holds 127.0.0.1 and localhost. An error about
// a name the certificate lacks names the name that was checked: the
// tls_server_name when one is set (not the host dialled), else the host.
func TestTLSNameMismatchNamesTheNameChecked(t *testing.T) {
	srv, err := memimap.Start(memimap.Options{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.CAPEM)
	_, port, _ := net.SplitHostPort(srv.Addr)
	connect := func(addr, serverName string) error {
		a := &imapsync.Account{
			Name: "work", Addr: addr, Security: imapsync.TLS, Username: "jane",
			TLS:    &tls.Config{RootCAs: pool, ServerName: serverName},
			Secret: func(context.Context) (string, error) { return "secret", nil },
		}
		c, err := imapsync.Connect(t.Context(), a, nil)
		if err == nil {
			c.Close()
		}
		return err
	}

	// tls_server_name set to a name the certificate lacks.
	err = connect(srv.Addr, "imap.example.com")
	if err == nil {
		t.Fatal("connected with a certificate for another name")
	}
	msg := err.Error()
	if !strings.Contains(msg, `not valid for "imap.example.com"`) || !strings.Contains(msg, "tls_server_name") {
		t.Errorf("err = %v; want it to say the certificate is not valid for \"imap.example.com\", the tls_server_name", err)
	}
	if strings.Contains(msg, `not valid for "127.0.0.1"`) {
		t.Errorf("err = %v; names the host, which was not checked", err)
	}

	// A name the certificate holds connects.
	if err := connect(net.JoinHostPort("127.0.0.1", port), "localhost"); err != nil {
		t.Errorf("a name the certificate holds: %v", err)
	}
}
