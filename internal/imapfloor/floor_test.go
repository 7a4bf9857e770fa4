package imapfloor

import (
	"bufio"
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
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/synth"
)

const headerItems = "UID FLAGS INTERNALDATE ENVELOPE BODY.PEEK[HEADER.FIELDS (DATE FROM TO CC REPLY-TO SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES LIST-ID LIST-UNSUBSCRIBE PRECEDENCE AUTO-SUBMITTED X-REKINDLE-DIGEST)]"

// fakeServer serves one scripted IMAP session over TLS: fetch returns the
// untagged FETCH responses for a given tag.
func fakeServer(t *testing.T, fetch func(tag string) string) (addr, caFile string, sent chan int64) {
	addr, caFile, sent, _ = fakeServerLog(t, fetch, false)
	return addr, caFile, sent
}

// fakeServerLog is fakeServer that also sends every command line it reads
// to got, and leaves LOGOUT unanswered when silentLogout is set.
func fakeServerLog(t *testing.T, fetch func(tag string) string, silentLogout bool) (addr, caFile string, sent chan int64, got chan string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	sent = make(chan int64, 1)
	got = make(chan string, 16)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		fmt.Fprint(c, "* OK [CAPABILITY IMAP4rev1] fake ready\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			tag, cmd, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			select {
			case got <- cmd:
			default:
			}
			switch {
			case strings.HasPrefix(cmd, "LOGIN"):
				if strings.HasSuffix(cmd, "}") {
					// A literal password: go ahead, then read it and the
					// rest of the line.
					fmt.Fprint(c, "+ go ahead\r\n")
					rest, _ := r.ReadString('\n')
					cmd += rest
				}
				fmt.Fprintf(c, "%s OK logged in\r\n", tag)
			case strings.HasPrefix(cmd, "EXAMINE"):
				fmt.Fprintf(c, "* 3 EXISTS\r\n%s OK [READ-ONLY] done\r\n", tag)
			case strings.HasPrefix(cmd, "UID FETCH"):
				resp := fetch(tag) + tag + " OK fetch done\r\n"
				fmt.Fprint(c, resp)
				sent <- int64(len(resp))
			case strings.HasPrefix(cmd, "LIST"):
				fmt.Fprintf(c, "* LIST () \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 1)\r\n%s OK listed\r\n", tag)
			case strings.HasPrefix(cmd, "LOGOUT"):
				if silentLogout {
					io.Copy(io.Discard, r) // until the client hangs up
					close(got)
					return
				}
				fmt.Fprintf(c, "* BYE bye\r\n%s OK done\r\n", tag)
				return
			default:
				fmt.Fprintf(c, "%s BAD what\r\n", tag)
			}
		}
	}()
	return ln.Addr().String(), caFile, sent, got
}

// TestLiterals checks that literal data is skipped by count: a literal
// holding a line that looks like the tagged completion, a literal bigger
// than the read buffer, and a line longer than the buffer that ends in a
// literal.
func TestLiterals(t *testing.T) {
	big := strings.Repeat("x", 200<<10)
	longLine := strings.Repeat("y", 100<<10)
	addr, ca, sent := fakeServer(t, func(tag string) string {
		trap := "Subject: hi\r\n" + tag + " OK fetch done\r\n"
		return fmt.Sprintf("* 1 FETCH (UID 1 BODY[HEADER] {%d}\r\n%s)\r\n", len(trap), trap) +
			fmt.Sprintf("* 2 FETCH (UID 2 BODY[TEXT] {%d}\r\n%s BODY[HEADER] {3}\r\n}\r\n)\r\n", len(big), big) +
			fmt.Sprintf("* 3 FETCH (UID 3 ENVELOPE (\"%s\") BODY[HEADER] {%d}\r\n%s)\r\n", longLine, len(trap), trap)
	})
	res, err := Fetch(context.Background(), Config{Addr: addr, CAFile: ca, User: "jane", Password: "pässword", Folders: []string{"INBOX"}, Items: "UID BODY.PEEK[HEADER]"})
	if err != nil {
		t.Fatal(err)
	}
	if want := <-sent; res.FetchBytes != want || res.Messages != 3 {
		t.Errorf("read %d bytes in %d messages, server sent %d in 3", res.FetchBytes, res.Messages, want)
	}
}

// TestNoChangeFloor checks the floor of a sync that finds nothing new:
// LOGIN, the LIST asked for, and a LOGOUT whose answer it does not wait
// for (this server never gives one).
func TestNoChangeFloor(t *testing.T) {
	addr, ca, _, got := fakeServerLog(t, func(string) string { return "" }, true)
	const list = `LIST "" "*" RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY))`
	done := make(chan error, 1)
	go func() {
		_, err := Fetch(context.Background(), Config{Addr: addr, CAFile: ca, User: "jane", Password: "x", List: list, NoLogoutWait: true})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the floor waited for LOGOUT's answer")
	}
	var cmds []string
	for c := range got {
		cmds = append(cmds, c)
	}
	want := []string{`LOGIN "jane" "x"`, list, "LOGOUT"}
	if strings.Join(cmds, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands %q, want %q", cmds, want)
	}
}

func TestMissingCA(t *testing.T) {
	addr, _, _ := fakeServer(t, func(string) string { return "" })
	if _, err := RawFetchAll(addr, filepath.Join(t.TempDir(), "none.pem"), "jane", "x", nil, "UID"); err == nil {
		t.Error("a missing CA file went unnoticed")
	}
}

// TestDovecot runs the floor against a real Dovecot and checks it reads
// every message, and that the header fields are a fraction of the header.
func TestDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.Options{})
	mb := synth.Generate(synth.Options{Seed: 3, Hostile: true})
	var mails []synth.Mail
	counts := map[string]int{}
	for i, m := range mb.Mails {
		if i%4 == 0 || m.Hostile != "" {
			mails = append(mails, m)
			counts[m.Folder]++
		}
	}
	if err := srv.LoadMaildir("", mails); err != nil {
		t.Fatal(err)
	}
	var folders []string
	for f := range counts {
		folders = append(folders, f)
	}
	folders = append(folders, "Trash")
	res, err := Fetch(context.Background(), Config{Addr: srv.Addr, CAFile: srv.CAFile, User: srv.User, Password: srv.Password, Folders: folders, Items: headerItems})
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.LogTail(10))
	}
	if res.Messages != len(mails) {
		t.Errorf("fetched %d messages, loaded %d", res.Messages, len(mails))
	}
	whole, err := RawFetchAll(srv.Addr, srv.CAFile, srv.User, srv.Password, folders, "UID BODY.PEEK[HEADER]")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d messages: %d bytes with the header fields and ENVELOPE, %d with the whole header", res.Messages, res.FetchBytes, whole)
	if res.FetchBytes*10 > whole*8 {
		t.Errorf("selected fields and ENVELOPE (%d bytes) are not well under the whole header (%d)", res.FetchBytes, whole)
	}

	// A wrong password and a missing folder are errors.
	if _, err := RawFetchAll(srv.Addr, srv.CAFile, srv.User, "wrong", folders, "UID"); err == nil {
		t.Error("a wrong password was accepted")
	}
	if _, err := RawFetchAll(srv.Addr, srv.CAFile, srv.User, srv.Password, []string{"No such folder"}, "UID"); err == nil {
		t.Error("a missing folder was not an error")
	}
	// A cancelled context stops the fetch.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fetch(ctx, Config{Addr: srv.Addr, CAFile: srv.CAFile, User: srv.User, Password: srv.Password, Folders: folders, Items: "UID"}); err == nil {
		t.Error("a cancelled fetch succeeded")
	}
}
