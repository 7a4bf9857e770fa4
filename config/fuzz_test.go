package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzLoad feeds the loader arbitrary files. It must never panic (the
// fuzzer runs with the panic backstop off, so a panic anywhere, the YAML
// library included, is a finding), every error must be one *Error on one
// line naming the file, and a file that loads must be a valid
// configuration. Seeds: every fixture in testdata, config.example.yaml
// and the tag cases of issue 10; testdata/fuzz/FuzzLoad holds what the
// fuzzer found.
//
//	go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 30s ./config
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	files = append(files, filepath.Join("..", "config.example.yaml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"me:\n  addresses: !tag\n" + account,
		"me: {addresses: [a@b.c]}\nignore: !tag\n" + account,
		"me:\n  target_companies: !tag\n  addresses: [a@b.c]\n" + account,
		"me: {addresses: !!seq [a@b.c], name: &n !!str 1, pitch: *n}\n" + account,
		"me: {addresses: [a@b.c]}\naccounts:\n  - name: w\n    imap: {host: h, username: u, password: !x}\n",
		"<<: {me: {addresses: [a@b.c]}}\n" + account,
	} {
		f.Add([]byte(s))
	}
	recoverPanics = false
	f.Cleanup(func() { recoverPanics = true })
	l := Loader{Getenv: fakeEnv(map[string]string{"HOME": "/home/jane", "PW": "x"})}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a finding too: a file that takes seconds to load would
		// stall the daemon's reload. Report it, so the fuzzer keeps it.
		type result struct {
			cfg *Config
			err error
		}
		done := make(chan result, 1)
		go func() {
			cfg, err := l.parse(data, "config.yaml", "/etc/rekindle")
			done <- result{cfg, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("loading %d bytes took over 5s: %q", len(data), data)
		}
		cfg, err := r.cfg, r.err
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is a %T, not an *Error", err, err)
			}
			if ce.File != "config.yaml" {
				t.Errorf("error %q names file %q", err, ce.File)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || !utf8.ValidString(msg) {
				t.Errorf("error is not one line of text: %q", msg)
			}
			return
		}
		if len(cfg.Me.Addresses) == 0 || len(cfg.Accounts) == 0 {
			t.Fatalf("loaded without an address or an account: %+v", cfg)
		}
		for _, a := range cfg.Accounts {
			if a.Name == "" || a.IMAP.Host == "" || a.IMAP.Port < 1 || a.IMAP.Port > 65535 {
				t.Fatalf("loaded an invalid account: %+v", a)
			}
		}
	})
}
