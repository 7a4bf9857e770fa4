package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// account is the rest of a valid configuration, for the tag cases.
const account = `accounts:
  - name: work
    imap: {host: imap.example.com, username: jane, password: pw}
`

// TestTags: a YAML tag anywhere in the file is resolved or refused with
// an error naming the file, the line and the key; it never reaches the
// YAML decoder, which dereferenced nil on `addresses: !tag` (issue 10).
func TestTags(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantErr    string // "file:line: key: ..." with FILE for the file; "" for a valid file
		check      func(*testing.T, *Config)
	}{
		// The crash: a tag on a list key, with keys after it.
		{"me.addresses", "me:\n  name: Jane\n  addresses: !tag\n  pitch: hello\n" + account,
			"FILE:3: me.addresses: !tag is a YAML tag, which the configuration does not take", nil},
		{"me.addresses before accounts", "me:\n  addresses: !tag\n" + account,
			"FILE:2: me.addresses: !tag is a YAML tag", nil},
		{"ignore", "me: {addresses: [jane@example.com]}\nignore: !tag\n" + account,
			"FILE:2: ignore: !tag is a YAML tag", nil},
		{"me.target_companies", "me:\n  addresses: [jane@example.com]\n  target_companies: !tag\n" + account,
			"FILE:3: me.target_companies: !tag is a YAML tag", nil},
		{"folders", "me: {addresses: [jane@example.com]}\naccounts:\n  - name: work\n    imap: {host: h.example.com, username: j, password: pw}\n    folders:\n      include: !x\n",
			"FILE:6: accounts[0].folders.include: !x is a YAML tag", nil},
		{"an item", "me:\n  addresses:\n    - jane@example.com\n    - !tag\n" + account,
			"FILE:4: me.addresses[1]: !tag is a YAML tag", nil},
		{"an item with a value", "me:\n  addresses: [jane@example.com, !tag x@example.com]\n" + account,
			"FILE:2: me.addresses[1]: !tag is a YAML tag", nil},
		{"a section", "me: !me\n  addresses: [jane@example.com]\n" + account,
			"FILE:1: me: !me is a YAML tag", nil},
		{"a scalar", "me: {addresses: [jane@example.com], name: !name Jane}\n" + account,
			"FILE:1: me.name: !name is a YAML tag", nil},
		{"a verbatim tag", "me: {addresses: [jane@example.com], name: !<tag:example.com,2026:x> Jane}\n" + account,
			"FILE:1: invalid YAML", nil},
		{"a key", "me: {addresses: [jane@example.com]}\n!!str log: {level: info}\n" + account,
			"FILE:2: ", nil},
		{"a ? key", "? !tag me\n: {addresses: [jane@example.com]}\n" + account,
			"FILE:1: ", nil},
		{"!!binary", "me: {addresses: [jane@example.com], name: !!binary SmFuZQ==}\n" + account,
			"FILE:1: me.name: !!binary is a YAML tag", nil},
		{"!!timestamp", "me: {addresses: [jane@example.com]}\nsync: {interval: !!timestamp 2026-01-01}\n" + account,
			"FILE:2: sync.interval: !!timestamp is a YAML tag", nil},
		{"!!set", "me: {addresses: [jane@example.com]}\nignore: !!set {a.com: null}\n" + account,
			"FILE:2: ignore: !!set is a YAML tag", nil},

		// A password starting with ! is a tag to YAML; the message does
		// not repeat it.
		{"password", "me: {addresses: [jane@example.com]}\naccounts:\n  - name: work\n    imap:\n      host: h.example.com\n      username: j\n      password: !s3cret\n      port: 993\n",
			"FILE:7: accounts[0].imap.password: a value starting with ! reads as a YAML tag; put the password in single quotes", nil},

		// Core tags that restate their value's kind are taken.
		{"!!str on a number", "me: {addresses: [jane@example.com]}\naccounts:\n  - name: work\n    imap: {host: h.example.com, username: j, password: !!str 0123}\n", "",
			func(t *testing.T, c *Config) {
				if got := string(c.Accounts[0].IMAP.Password); got != "0123" {
					t.Errorf("password = %q, want 0123", got)
				}
			}},
		{"!!str on a string", "me: {addresses: [jane@example.com], name: !!str Jane}\n" + account, "",
			func(t *testing.T, c *Config) {
				if c.Me.Name != "Jane" {
					t.Errorf("name = %q", c.Me.Name)
				}
			}},
		{"!!str on a boolean", "me: {addresses: [jane@example.com], name: !!str true}\n" + account, "",
			func(t *testing.T, c *Config) {
				if c.Me.Name != "true" {
					t.Errorf("name = %q", c.Me.Name)
				}
			}},
		{"!!seq, !!int, !!bool, !!map", "me: {addresses: !!seq [jane@example.com]}\nsync: !!map {batch_size: !!int 500}\ndigest: {send_when_empty: !!bool true}\n" + account, "",
			func(t *testing.T, c *Config) {
				if c.Sync.BatchSize != 500 || !c.Digest.SendWhenEmpty || len(c.Me.Addresses) != 1 {
					t.Errorf("sync = %+v, addresses %v", c.Sync, c.Me.Addresses)
				}
			}},
		{"!!null keeps the default", "me: {addresses: [jane@example.com]}\nsync:\n  batch_size: !!null ~\n  interval: 20m\n" + account, "",
			func(t *testing.T, c *Config) {
				if c.Sync.BatchSize != 1000 {
					t.Errorf("batch_size = %d, want the default", c.Sync.BatchSize)
				}
			}},
		{"a tag under an anchor", "me: {addresses: [jane@example.com], name: &n !!str 42, pitch: *n}\n" + account, "",
			func(t *testing.T, c *Config) {
				if c.Me.Name != "42" || c.Me.Pitch != "42" {
					t.Errorf("name %q, pitch %q", c.Me.Name, c.Me.Pitch)
				}
			}},

		// A core tag on the wrong kind of value: the parser catches most.
		{"!!int on a word", "me: {addresses: [jane@example.com]}\nsync: {batch_size: !!int many}\n" + account,
			"FILE:2: sync.batch_size: the YAML tag !!int wants a whole number, got a string", nil},
		{"!!seq on a string", "me:\n  addresses: !!seq jane@example.com\n" + account,
			"FILE:2: invalid YAML", nil},
		{"!!str swallowing the next key", "me:\n  addresses: [jane@example.com]\n  name: !!str\n  pitch: hello\n" + account,
			"FILE:4: invalid YAML", nil},
		{"!!str on an alias", "me: {addresses: [jane@example.com], name: &n Jane, pitch: !!str *n}\n" + account,
			"FILE:1: me.pitch: the YAML tag !!str wants a string, got an alias", nil},
		{"!!str on a list", "me:\n  addresses: !!str\n    - jane@example.com\n" + account,
			"FILE:3: invalid YAML", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(file, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := testLoader().Load(file)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				tt.check(t, cfg)
				return
			}
			want := strings.ReplaceAll(tt.wantErr, "FILE", file)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error\n  %v\nwant it to start with\n  %s", err, want)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.File != file || ce.Line == 0 || ce.crash != nil {
				t.Fatalf("error %#v: want an *Error with the file and a line, not a crash", err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// TestLibraryPanic: should the YAML library panic on some other input, a
// load says so with the file and the line instead of crashing (a daemon
// reloading the file keeps running); the tag handling above is the fix,
// this is the backstop.
func TestLibraryPanic(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	src := "me:\n  addresses: [jane@example.com]\n  pitch: BOOM\n" + account
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	realParse, realDecode := parseBytes, nodeToValue
	t.Cleanup(func() { parseBytes, nodeToValue = realParse, realDecode })

	check := func(t *testing.T, wantLine int, wantPanic string) {
		t.Helper()
		_, err := testLoader().Load(file)
		var ce *Error
		if !errors.As(err, &ce) || ce.crash == nil {
			t.Fatalf("Load = %v, want an *Error for the panic", err)
		}
		t.Log(err)
		if ce.File != file || ce.Line != wantLine || !strings.Contains(ce.Msg, "panic: "+wantPanic) || !strings.Contains(ce.Msg, "please report it") {
			t.Errorf("error %q (line %d), want line %d, the panic and a request to report it", err, ce.Line, wantLine)
		}
	}
	t.Run("decoder", func(t *testing.T) {
		nodeToValue = func(n ast.Node, v any, opts ...yaml.DecodeOption) error {
			if strings.Contains(n.String(), "BOOM") {
				var p *Config
				_ = p.Me // the nil dereference goccy/go-yaml made
			}
			return realDecode(n, v, opts...)
		}
		check(t, 3, "runtime error: invalid memory address or nil pointer dereference in github.com/rekindle/rekindle/config.TestLibraryPanic")
	})
	t.Run("parser", func(t *testing.T) {
		nodeToValue = realDecode
		parseBytes = func(b []byte, mode parser.Mode, opts ...parser.Option) (*ast.File, error) {
			if strings.Contains(string(b), "BOOM") {
				panic("boom " + string(b))
			}
			return realParse(b, mode, opts...)
		}
		// A panic value that is not a runtime error is not shown: it
		// might quote the file.
		check(t, 3, "a string in github.com/rekindle/rekindle/config.TestLibraryPanic")
	})
	t.Run("off for fuzzing", func(t *testing.T) {
		recoverPanics = false
		defer func() { recoverPanics = true }()
		if !panics(func() { testLoader().Load(file) }) {
			t.Error("with recoverPanics false, the panic was recovered")
		}
	})
}
