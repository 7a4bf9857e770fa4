package app

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync"
)

// tlsConfig is the TLS configuration for a server at host: the system's
// roots plus caFile's CAs, verifying serverName (default: host). key
// names the config key in errors.
//
// Without caFile, Go verifies against the system's roots. With it, the
// certificate is verified here, against caFile's CAs first and the
// system's only if they do not vouch for it: the server of a private CA
// (the usual reason for ca_file) is then trusted without loading the
// system's roots, which costs 15-30 ms of CPU each time rekindle starts,
// most of a sync that finds nothing new. The verification is Go's own
// (x509.Certificate.Verify, for the server's name, with the intermediates
// the server sent), the errors are those Go would give, and
// VerifyConnection runs on every handshake, resumed ones included.
func tlsConfig(caFile, serverName, host, key string) (*tls.Config, error) {
	c := &tls.Config{ServerName: serverName}
	if caFile == "" {
		return c, nil
	}
	data, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	// As CertPool.AppendCertsFromPEM reads it, keeping the certificates
	// for the pool with the system's roots.
	var cas []*x509.Certificate
	for len(data) > 0 {
		var block *pem.Block
		if block, data = pem.Decode(data); block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
			cas = append(cas, cert)
		}
	}
	if len(cas) == 0 {
		return nil, fmt.Errorf("%s: %s holds no PEM certificate", key, caFile)
	}
	name := serverName
	if name == "" {
		name = host
	}
	c.InsecureSkipVerify = true // verified by VerifyConnection, below
	c.VerifyConnection = func(cs tls.ConnectionState) error { return verifyServer(cs.PeerCertificates, name, cas) }
	return c, nil
}

// verifyServer verifies a server's certificate chain for name against
// the CAs cas, and then against the system's roots with cas added.
func verifyServer(certs []*x509.Certificate, name string, cas []*x509.Certificate) error {
	if len(certs) == 0 {
		return errors.New("tls: the server sent no certificate")
	}
	opts := x509.VerifyOptions{DNSName: name, Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool()}
	for _, ca := range cas {
		opts.Roots.AddCert(ca)
	}
	for _, cert := range certs[1:] {
		opts.Intermediates.AddCert(cert)
	}
	_, err := certs[0].Verify(opts)
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		if roots, rerr := systemRoots(); rerr == nil {
			opts.Roots = roots.Clone()
			for _, ca := range cas {
				opts.Roots.AddCert(ca)
			}
			_, err = certs[0].Verify(opts)
		}
	}
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: certs, Err: err}
	}
	return nil
}

// systemRoots are the system's roots, loaded the first time they are
// needed.
var systemRoots = sync.OnceValues(x509.SystemCertPool)
