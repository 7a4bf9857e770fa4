package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// base is a valid configuration without an address book.
const base = `me: {addresses: [jane@example.com]}
accounts:
  - name: work
    imap: {host: imap.example.com, username: jane, password: pw}
`

func TestAddressBook(t *testing.T) {
	cfg, err := testLoader().Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.AddressBook.Files) != 0 || cfg.AddressBook.CardDAV != nil {
		t.Errorf("the default address book is %+v, want none", cfg.AddressBook)
	}

	cfg, err = testLoader().Parse([]byte(base + `address_book:
  files: [~/.contacts/, contacts.vcf]
  carddav:
    url: https://dav.example.com/addressbooks/jane/contacts/
    username: " jane "
    password_command: "pass show dav"
`))
	if err != nil {
		t.Fatal(err)
	}
	ab := cfg.AddressBook
	if strings.Join(ab.Files, "|") != "/home/jane/.contacts|contacts.vcf" {
		t.Errorf("files %q", ab.Files)
	}
	d := ab.CardDAV
	if d == nil || d.URL != "https://dav.example.com/addressbooks/jane/contacts/" || d.Username != "jane" ||
		d.PasswordCommand != "pass show dav" || d.Timeout.Std() != DefaultCardDAVTimeout || d.AllowPlaintextAuth {
		t.Errorf("carddav %+v", d)
	}
}

func TestAddressBookErrors(t *testing.T) {
	carddav := func(lines ...string) string {
		return base + "address_book:\n  carddav:\n    " + strings.Join(lines, "\n    ") + "\n"
	}
	url := "url: https://dav.example.com/jane/contacts/"
	user := "username: jane"
	pw := "password: pw"
	for _, tt := range []struct {
		yaml, want string
	}{
		{base + "address_book:\n  files: [~/a.vcf, \"\"]\n", `line 6: address_book.files[1]: empty; write a vCard file, or a directory of them`},
		{base + "address_book:\n  files: [\"~bob/a.vcf\"]\n", `address_book.files[0]: cannot expand "~bob/a.vcf"`},
		{base + "address_book:\n  files: ~/.contacts\n", `address_book.files: expected a list, got a string`},
		{carddav(user, pw), "line 6: address_book.carddav.url: required: the address book's URL"},
		{carddav("url: dav.example.com/jane/", user, pw), `address_book.carddav.url: "dav.example.com/jane/": write an https:// URL`},
		{carddav("url: webcal://dav.example.com/", user, pw), `address_book.carddav.url: "webcal://dav.example.com/": write an https:// URL`},
		{carddav("url: https:///jane/", user, pw), `address_book.carddav.url: "https:///jane/" has no host`},
		{carddav("url: https://jane:hunter2@dav.example.com/", user, pw), `line 7: address_book.carddav.url: "https://jane:xxxxx@dav.example.com/" has a login in it`},
		{carddav(url, pw), "address_book.carddav.username: required"},
		{carddav(url, user), "address_book.carddav.password: no password: set one of password, password_file, password_command or password_env (under systemd, LoadCredential=carddav.password works too)"},
		{carddav(url, user, pw, "password_env: DAV"), "address_book.carddav.password_env: password is set too; keep only one"},
		{carddav(url, user, "password_env: $DAV"), `address_book.carddav.password_env: "$DAV" is not an environment variable name`},
		{carddav("url: http://dav.example.com/jane/", user, pw), "address_book.carddav.url: http:// would send your password in clear to dav.example.com; use https://, or set address_book.carddav.allow_plaintext_auth: true"},
		{carddav(url, user, pw, "timeout: 0s"), "address_book.carddav.timeout: 0s is out of range 1s..10m"},
		{carddav(url, user, pw, "timeout: 1h"), "address_book.carddav.timeout: 1h is out of range 1s..10m"},
		{carddav(url, user, pw, "tiemout: 1m"), `address_book.carddav.tiemout: unknown key; did you mean "timeout"?`},
		{base + "address_book:\n  vcf: [a.vcf]\n", "address_book.vcf: unknown key"},
	} {
		_, err := testLoader().Parse([]byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s\ngave %v\nwant %q", tt.yaml, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the password: %v", err)
		}
	}

	// Valid: http to loopback, or allowed; a systemd credential.
	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "carddav.password"), []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, yaml := range []string{
		carddav("url: http://127.0.0.1:5232/jane/contacts/", user, pw),
		carddav("url: http://localhost:5232/jane/contacts/", user, pw),
		carddav("url: http://dav.example.com/jane/contacts/", user, pw, "allow_plaintext_auth: true"),
		carddav(url, user, pw, "timeout: 10m", "ca_file: ca.pem", "tls_server_name: dav.example.net"),
	} {
		if _, err := testLoader().Parse([]byte(yaml)); err != nil {
			t.Errorf("%s\ngave %v", yaml, err)
		}
	}
	l := Loader{Getenv: fakeEnv(map[string]string{"HOME": "/home/jane", "CREDENTIALS_DIRECTORY": creds})}
	cfg, err := l.Parse([]byte(carddav(url, user)))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := cfg.AddressBook.CardDAV.Resolve(t.Context()); got != "pw" || err != nil {
		t.Errorf("Resolve from the credential: %q, %v", got, err)
	}
}

// The address book's paths are relative to the configuration file.
func TestAddressBookPaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	err := os.WriteFile(path, []byte(base+`address_book:
  files: [contacts/, ~/b.vcf, /abs/c.vcf]
  carddav: {url: "https://dav.example.com/c/", username: jane, password_file: dav.password, ca_file: ~/ca.pem}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := testLoader().Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ab := cfg.AddressBook
	for _, c := range []struct{ got, want string }{
		{ab.Files[0], filepath.Join(dir, "contacts")},
		{ab.Files[1], "/home/jane/b.vcf"},
		{ab.Files[2], "/abs/c.vcf"},
		{ab.CardDAV.PasswordFile, filepath.Join(dir, "dav.password")},
		{ab.CardDAV.CAFile, "/home/jane/ca.pem"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

// A password_command is bounded by timeouts.secret_command, and its
// error names address_book.carddav's key.
func TestAddressBookSecretCommand(t *testing.T) {
	cfg, err := testLoader().Parse([]byte(base + `address_book:
  carddav: {url: "https://dav.example.com/c/", username: jane, password_command: "sleep 1000"}
timeouts: {secret_command: 1s}
`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = cfg.AddressBook.CardDAV.Resolve(context.Background())
	var te *SecretTimeoutError
	if !errors.As(err, &te) || te.Key != "address_book.carddav.password_command" || time.Since(start) > 10*time.Second {
		t.Errorf("Resolve gave %v after %v", err, time.Since(start))
	}
	// Secrets never print.
	cfg, err = testLoader().Parse([]byte(base + `address_book:
  carddav: {url: "https://dav.example.com/c/", username: jane, password: hunter2}
`))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.AddressBook.CardDAV
	if s := fmt.Sprintf("%v %+v %#v %v %s", cfg, d, *d, d.SecretSource, js); strings.Contains(s, "hunter2") || !strings.Contains(s, "<secret>") {
		t.Errorf("the password prints: %s", s)
	}
}
