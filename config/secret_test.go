package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// loadSecrets loads testdata/secrets.yaml, which uses every secret
// source, in an environment that provides the env and credential ones.
func loadSecrets(t *testing.T) *Config {
	t.Helper()
	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "credential.password"), []byte("hunter2-credential\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fakeEnv(map[string]string{
		"HOME":                  "/home/jane",
		"WORK_PASSWORD":         "hunter2-env",
		"CREDENTIALS_DIRECTORY": creds,
	})
	cfg, err := Loader{Getenv: env}.Load("testdata/secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSecretsResolve checks that every source yields its secret, so that
// TestSecretsNeverPrint is known to look for the right values.
func TestSecretsResolve(t *testing.T) {
	cfg := loadSecrets(t)
	ctx := context.Background()
	want := map[string]string{
		"inline":     "hunter2-inline",
		"file":       "hunter2-file",
		"command":    "hunter2-command",
		"env":        "hunter2-env",
		"credential": "hunter2-credential",
		"token":      "hunter2-token",
	}
	for _, a := range cfg.Accounts {
		got, err := a.IMAP.Resolve(ctx, a.Name)
		if err != nil {
			t.Errorf("account %s: Resolve: %v", a.Name, err)
			continue
		}
		if got != want[a.Name] {
			t.Errorf("account %s: Resolve = %q, want %q", a.Name, got, want[a.Name])
		}
	}
	if got, err := cfg.SMTP.Resolve(ctx); err != nil || got != "hunter2-smtp" {
		t.Errorf("smtp: Resolve = %q, %v; want hunter2-smtp", got, err)
	}
}

// TestSecretsNeverPrint proves that no way of printing, encoding or
// logging the configuration shows a secret, whatever its source.
func TestSecretsNeverPrint(t *testing.T) {
	cfg := loadSecrets(t)
	// Resolve everything first: a resolved secret must not linger in the
	// configuration either.
	for _, a := range cfg.Accounts {
		if _, err := a.IMAP.Resolve(context.Background(), a.Name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cfg.SMTP.Resolve(context.Background()); err != nil {
		t.Fatal(err)
	}

	var outputs []string
	add := func(what string, s string) { outputs = append(outputs, what+": "+s) }
	add("fmt config", fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg))
	add("fmt *config", fmt.Sprintf("%v %+v %#v", *cfg, *cfg, *cfg))
	add("fmt smtp", fmt.Sprintf("%v %+v %#v %s %q %x", cfg.SMTP, *cfg.SMTP, *cfg.SMTP, cfg.SMTP.Password, cfg.SMTP.Password, cfg.SMTP.Password))
	for _, a := range cfg.Accounts {
		add("fmt account", fmt.Sprintf("%v %+v %#v %v %+v %#v", a, a, a, a.IMAP, a.IMAP.SecretSource, a.IMAP.Password))
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	add("json", string(js))
	ys, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	add("yaml", string(ys))
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "config", cfg, "password", cfg.SMTP.Password, "smtp", cfg.SMTP)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", cfg, "password", cfg.SMTP.Password, "smtp", cfg.SMTP)
	add("slog", logs.String())

	for _, out := range outputs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("a secret is printed in\n%s", out)
		}
	}
	// And the inline ones say what they are (JSON escapes < and >).
	for _, out := range []string{fmt.Sprint(cfg.SMTP.Password), string(js), string(ys), logs.String()} {
		if !strings.Contains(out, "<secret>") && !strings.Contains(out, `\u003csecret\u003e`) {
			t.Errorf("no <secret> in %s", out)
		}
	}
}

func TestSecretMethods(t *testing.T) {
	s := Secret("hunter2")
	js, _ := s.MarshalJSON()
	txt, _ := s.MarshalText()
	y, _ := s.MarshalYAML()
	for what, got := range map[string]string{
		"String":      s.String(),
		"GoString":    s.GoString(),
		"MarshalJSON": string(js),
		"MarshalText": string(txt),
		"MarshalYAML": fmt.Sprint(y),
		"LogValue":    s.LogValue().String(),
		"%v":          fmt.Sprintf("%v", s),
		"%#v":         fmt.Sprintf("%#v", s),
	} {
		if !strings.Contains(got, "<secret>") || strings.Contains(got, "hunter2") {
			t.Errorf("%s = %s, want <secret>", what, got)
		}
	}
}

// imapWith returns an IMAP section using src, reading env for variables.
func imapWith(src SecretSource, env map[string]string) IMAP {
	src.getenv = fakeEnv(env)
	return IMAP{Host: "imap.example.com", Username: "jane", Auth: AuthPlain, SecretSource: src}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	twoNewlines := write("two-newlines", "pw\n\n")
	crlf := write("crlf", "pw\r\n")
	empty := write("empty", "\n")
	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "work.password"), []byte("from-credential\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		imap    IMAP
		want    string
		wantErr string
	}{
		{"inline", imapWith(SecretSource{Password: "pw"}, nil), "pw", ""},
		{"file trims one newline", imapWith(SecretSource{PasswordFile: twoNewlines}, nil), "pw\n", ""},
		{"file trims CRLF", imapWith(SecretSource{PasswordFile: crlf}, nil), "pw", ""},
		{"empty file", imapWith(SecretSource{PasswordFile: empty}, nil), "", `account "work": password_file: ` + empty + " is empty"},
		{"missing file", imapWith(SecretSource{PasswordFile: filepath.Join(dir, "nope")}, nil), "", `account "work": password_file: open ` + filepath.Join(dir, "nope")},
		{"command trims one newline", imapWith(SecretSource{PasswordCommand: `printf 'pw\n\n'`}, nil), "pw\n", ""},
		{"command without newline", imapWith(SecretSource{PasswordCommand: `printf pw`}, nil), "pw", ""},
		{"command prints nothing", imapWith(SecretSource{PasswordCommand: `true`}, nil), "", `account "work": password_command printed nothing`},
		{"env", imapWith(SecretSource{PasswordEnv: "PW"}, map[string]string{"PW": "pw"}), "pw", ""},
		{"env unset", imapWith(SecretSource{PasswordEnv: "PW"}, nil), "", `account "work": password_env: $PW is not set or empty`},
		{"credential", imapWith(SecretSource{}, map[string]string{"CREDENTIALS_DIRECTORY": creds}), "from-credential", ""},
		{"credential directory without the file", imapWith(SecretSource{}, map[string]string{"CREDENTIALS_DIRECTORY": dir}), "", `account "work": no password`},
		{"no source", imapWith(SecretSource{}, nil), "", `account "work": no password`},
		{"source wins over credential", imapWith(SecretSource{Password: "pw"}, map[string]string{"CREDENTIALS_DIRECTORY": creds}), "pw", ""},
		{"token", IMAP{Auth: AuthXOAuth2, TokenCommand: "echo tok"}, "tok", ""},
		{"token command required", IMAP{Auth: AuthOAuthBearer}, "", `account "work": token_command is required with auth: oauthbearer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.imap.Resolve(context.Background(), "work")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestCommandFailure checks that a failing command is reported with the
// account, the exit status and the first line of its standard error, and
// never with its standard output.
func TestCommandFailure(t *testing.T) {
	imap := IMAP{SecretSource: SecretSource{
		PasswordCommand: `echo hunter2-stdout; printf '\ngpg: decryption failed: No secret key\nmore detail\n' >&2; exit 3`,
	}}
	_, err := imap.Resolve(context.Background(), "work")
	if err == nil {
		t.Fatal("Resolve succeeded")
	}
	want := `account "work": password_command failed: exit status 3: gpg: decryption failed: No secret key`
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the command's output: %v", err)
	}

	smtp := SMTP{Auth: AuthXOAuth2, TokenCommand: "echo hunter2-token; exit 1"}
	_, err = smtp.Resolve(context.Background())
	if err == nil || err.Error() != "smtp: token_command failed: exit status 1" {
		t.Errorf("error = %v, want smtp: token_command failed: exit status 1", err)
	}
}

func TestCommandCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	imap := IMAP{SecretSource: SecretSource{PasswordCommand: "sleep 30"}}
	start := time.Now()
	_, err := imap.Resolve(ctx, "work")
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("error = %v, want the context's", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Resolve took %v after the context ended", d)
	}
}

func TestSMTPResolveAuthNone(t *testing.T) {
	got, err := (&SMTP{Auth: AuthNone}).Resolve(context.Background())
	if got != "" || err != nil {
		t.Errorf("Resolve = %q, %v; want nothing for auth none", got, err)
	}
}

func TestSMTPCredential(t *testing.T) {
	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "smtp.password"), []byte("smtp-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fakeEnv(map[string]string{"HOME": "/home/jane", "CREDENTIALS_DIRECTORY": creds})
	// Without the credential, the file is refused: no password for smtp.
	if _, err := (Loader{Getenv: fakeEnv(map[string]string{"HOME": "/home/jane"})}).Load("testdata/smtp-password-missing.yaml"); err == nil {
		t.Fatal("Load succeeded without a password or credential")
	}
	cfg, err := Loader{Getenv: env}.Load("testdata/smtp-password-missing.yaml")
	if err != nil {
		t.Fatalf("Load with $CREDENTIALS_DIRECTORY/smtp.password: %v", err)
	}
	if got, err := cfg.SMTP.Resolve(context.Background()); err != nil || got != "smtp-pw" {
		t.Errorf("Resolve = %q, %v; want smtp-pw", got, err)
	}
}

// TestYAMLErrorsHidePasswords checks that a password the YAML parser
// chokes on is not quoted back in the error.
func TestYAMLErrorsHidePasswords(t *testing.T) {
	const pre = "me: {addresses: [jane@example.com]}\naccounts:\n  - name: work\n    imap:\n      host: h\n      username: u\n"
	for _, line := range []string{
		"password: *hunter2",
		"password: 'hunter2",
		"password: hunter2: x",
		"password: [hunter2",
		"password: @hunter2",
		`password: "\qhunter2"`,
	} {
		_, err := testLoader().Parse([]byte(pre + "      " + line + "\n"))
		if err == nil {
			t.Errorf("%s: Parse succeeded", line)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error shows the password: %v", line, err)
		}
		if !strings.Contains(err.Error(), "line 7: ") || !strings.Contains(err.Error(), "password") {
			t.Errorf("%s: error %v does not point at the password's line", line, err)
		}
	}
}

// TestCommandTimeout: a password_command that never finishes is stopped
// after timeouts.secret_command, and the error names the key, the
// timeout and what to do.
func TestCommandTimeout(t *testing.T) {
	cfg, err := testLoader().Parse([]byte(`
me: {addresses: [jane@example.com]}
accounts:
  - name: work
    imap: {host: imap.example.com, username: jane, password: pw}
  - name: home
    imap: {host: imap.example.org, username: jane, password_command: "sleep 1000"}
smtp: {host: smtp.example.com, username: jane, auth: xoauth2, token_command: "sleep 1000"}
timeouts: {secret_command: 1s}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key     string
		resolve func(context.Context) (string, error)
	}{
		{"accounts[1].imap.password_command", func(ctx context.Context) (string, error) { return cfg.Accounts[1].IMAP.Resolve(ctx, "home") }},
		{"smtp.token_command", cfg.SMTP.Resolve},
	} {
		start := time.Now()
		_, err := c.resolve(context.Background())
		took := time.Since(start)
		if err == nil {
			t.Fatalf("%s: Resolve succeeded", c.key)
		}
		for _, want := range []string{c.key, "within 1s", "timeouts.secret_command", "run it in a terminal"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", c.key, err, want)
			}
		}
		var te *SecretTimeoutError
		if !errors.As(err, &te) || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: error %v is not a *SecretTimeoutError, or passes for the caller's deadline", c.key, err)
		}
		if took > 10*time.Second {
			t.Errorf("%s: Resolve took %v with a 1s timeout", c.key, took)
		}
		t.Logf("%s: failed after %v: %v", c.key, took.Round(time.Millisecond), err)
	}
}

func TestTimeoutsRange(t *testing.T) {
	for _, v := range []string{"0s", "500ms", "2h"} {
		_, err := testLoader().Parse([]byte("me: {addresses: [jane@example.com]}\naccounts: [{name: w, imap: {host: h, username: u, password: p}}]\ntimeouts: {secret_command: " + v + "}\n"))
		if err == nil || !strings.Contains(err.Error(), "timeouts.secret_command") || !strings.Contains(err.Error(), "1s..1h") {
			t.Errorf("secret_command %s: %v, want an out-of-range error naming the key", v, err)
		}
	}
	if d := Default().Timeouts.SecretCommand.Std(); d != 30*time.Second {
		t.Errorf("default secret_command = %v, want 30s", d)
	}
}
