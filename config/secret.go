package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// redacted is what a Secret prints as, whatever the format.
const redacted = "<secret>"

// Secret is a password written inline in the configuration. Every way of
// printing or encoding it (fmt's verbs, JSON, YAML, text, slog) gives
// "<secret>"; only string(s) gives the value, and only Resolve does that.
type Secret string

// String returns "<secret>".
func (Secret) String() string { return redacted }

// GoString returns "<secret>", so %#v hides the value too.
func (Secret) GoString() string { return redacted }

// MarshalText returns "<secret>".
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON returns the JSON string "<secret>".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalYAML returns "<secret>".
func (Secret) MarshalYAML() (any, error) { return redacted, nil }

// LogValue returns "<secret>", for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// UnmarshalYAML reads a scalar as written, so that an unquoted password
// such as 0123 or 1e3 keeps its digits instead of being read as a number.
func (s *Secret) UnmarshalYAML(n ast.Node) error {
	switch v := n.(type) {
	case *ast.StringNode:
		*s = Secret(v.Value)
	case *ast.LiteralNode:
		*s = Secret(strings.TrimSuffix(v.Value.Value, "\n"))
	case *ast.NullNode:
		*s = ""
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		*s = Secret(n.GetToken().Value)
	default:
		return &nodeError{node: n, msg: "expected a string; put the password in quotes"}
	}
	return nil
}

// SecretSource says where a password comes from. At most one of its
// fields is set; with none set, a password is read from the systemd
// credential <name>.password in $CREDENTIALS_DIRECTORY (LoadCredential=).
type SecretSource struct {
	// Password is the password itself.
	Password Secret `yaml:"password,omitempty" json:"password,omitempty"`
	// PasswordFile is a file holding the password; one trailing newline
	// is dropped.
	PasswordFile string `yaml:"password_file,omitempty" json:"password_file,omitempty"`
	// PasswordCommand is run with /bin/sh -c; its standard output, less
	// one trailing newline, is the password.
	PasswordCommand string `yaml:"password_command,omitempty" json:"password_command,omitempty"`
	// PasswordEnv names an environment variable holding the password.
	PasswordEnv string `yaml:"password_env,omitempty" json:"password_env,omitempty"`

	// getenv reads the environment (PasswordEnv, CREDENTIALS_DIRECTORY);
	// nil means os.Getenv. A Loader with its own Getenv sets it.
	getenv func(string) string
	// key is where the source sits in the configuration
	// ("accounts[0].imap", "smtp"), for errors; timeout bounds a password
	// or token command (timeouts.secret_command). Loading sets both; zero
	// values mean no key path and DefaultSecretCommandTimeout.
	key     string
	timeout time.Duration
}

// DefaultSecretCommandTimeout is how long a password_command or
// token_command may run when timeouts.secret_command is not set.
const DefaultSecretCommandTimeout = 30 * time.Second

// command returns a secretCommand for the command at key
// (password_command, token_command) of this source's section.
func (s *SecretSource) command(who, key, command string) secretCommand {
	if s.key != "" {
		key = s.key + "." + key
	}
	return secretCommand{who: who, key: key, command: command, timeout: s.timeout}
}

// setKeys returns the keys of s that are set, in the order they are
// documented.
func (s *SecretSource) setKeys() []string {
	var keys []string
	if s.Password != "" {
		keys = append(keys, "password")
	}
	if s.PasswordFile != "" {
		keys = append(keys, "password_file")
	}
	if s.PasswordCommand != "" {
		keys = append(keys, "password_command")
	}
	if s.PasswordEnv != "" {
		keys = append(keys, "password_env")
	}
	return keys
}

func (s *SecretSource) env(key string) string {
	if s.getenv != nil {
		return s.getenv(key)
	}
	return os.Getenv(key)
}

// credentialPath returns $CREDENTIALS_DIRECTORY/name, or "" when the
// variable is not set.
func (s *SecretSource) credentialPath(name string) string {
	dir := s.env("CREDENTIALS_DIRECTORY")
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, name)
}

// resolve returns the password from the configured source, or from the
// systemd credential named credential when no source is configured. who
// names the owner in errors ("account \"work\"", "smtp").
func (s *SecretSource) resolve(ctx context.Context, who, credential string) (string, error) {
	switch {
	case s.Password != "":
		return string(s.Password), nil
	case s.PasswordFile != "":
		return readSecretFile(who, "password_file", s.PasswordFile)
	case s.PasswordCommand != "":
		return s.command(who, "password_command", s.PasswordCommand).run(ctx)
	case s.PasswordEnv != "":
		v := s.env(s.PasswordEnv)
		if v == "" {
			return "", fmt.Errorf("%s: password_env: $%s is not set or empty", who, s.PasswordEnv)
		}
		return v, nil
	}
	if p := s.credentialPath(credential); p != "" {
		if _, err := os.Stat(p); err == nil {
			return readSecretFile(who, "credential", p)
		}
	}
	return "", fmt.Errorf("%s: no password: set one of password, password_file, password_command or password_env", who)
}

// readSecretFile reads a secret from a file, less one trailing newline.
func readSecretFile(who, key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		// An *os.PathError names the file and the reason, never content.
		return "", fmt.Errorf("%s: %s: %w", who, key, err)
	}
	v := trimNewline(string(b))
	if v == "" {
		return "", fmt.Errorf("%s: %s: %s is empty", who, key, path)
	}
	return v, nil
}

// maxCommandOutput bounds what a secret command may print.
const maxCommandOutput = 1 << 20

// secretCommand is a password_command or token_command to run.
type secretCommand struct {
	who     string // the owner, for errors: account "work", smtp
	key     string // the key, for errors: accounts[0].imap.password_command
	command string
	timeout time.Duration // 0: DefaultSecretCommandTimeout
}

// run runs the command with /bin/sh -c and returns its standard output
// less one trailing newline. The command runs in a process group of its
// own (given the terminal while it runs, when rekindle has it, so that a
// passphrase prompt works), and the whole group is killed when the
// timeout passes or ctx ends: a grandchild waiting on a pinentry or a
// locked keyring does not outlive it. A failure is reported with the
// exit status and the first line of standard error, never standard
// output, which may hold the secret.
func (c secretCommand) run(ctx context.Context) (string, error) {
	timeout := c.timeout
	if timeout <= 0 {
		timeout = DefaultSecretCommandTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, "/bin/sh", "-c", c.command)
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxCommandOutput, 64<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// The group is killed when the context ends; a process that left it
	// and kept the pipes open must not hold up the caller for long.
	cmd.WaitDelay = time.Second
	err := runInGroup(cmd)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return "", fmt.Errorf("%s: %s stopped: %w", c.who, c.key, ctx.Err())
		case cctx.Err() != nil:
			return "", &SecretTimeoutError{Who: c.who, Key: c.key, After: timeout}
		}
		status := err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			status = ee.ProcessState.String()
		}
		if line := firstLine(stderr.String()); line != "" {
			return "", fmt.Errorf("%s: %s failed: %s: %s", c.who, c.key, status, line)
		}
		return "", fmt.Errorf("%s: %s failed: %s", c.who, c.key, status)
	}
	if stdout.overflow {
		return "", fmt.Errorf("%s: %s printed more than %d bytes", c.who, c.key, maxCommandOutput)
	}
	v := trimNewline(stdout.String())
	if v == "" {
		return "", fmt.Errorf("%s: %s printed nothing", c.who, c.key)
	}
	return v, nil
}

// SecretTimeoutError is a password_command or token_command that did not
// finish in time and was killed, with every process it started.
type SecretTimeoutError struct {
	Who   string // account "work", smtp
	Key   string // accounts[0].imap.password_command
	After time.Duration
}

func (e *SecretTimeoutError) Error() string {
	return fmt.Sprintf("%s: %s did not finish within %s and was stopped, with every process it started: "+
		"run it in a terminal to see what it waits for (a passphrase prompt, a locked keyring, the network), "+
		"or raise timeouts.secret_command", e.Who, e.Key, e.After)
}

// Timeout reports true: the error is a timeout (net.Error's convention).
func (e *SecretTimeoutError) Timeout() bool { return true }

// limitedBuffer keeps the first max bytes written to it and drops the
// rest, so a runaway command cannot exhaust memory.
type limitedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

// Write keeps what fits and reports everything as written.
func (b *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max - b.Len(); len(p) > room {
		p = p[:max(room, 0)]
		b.overflow = true
	}
	b.Buffer.Write(p)
	return n, nil
}

// trimNewline drops one trailing "\n" or "\r\n".
func trimNewline(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}

// firstLine returns the first non-blank line of s, trimmed and cut to a
// readable length.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(line) > 200 {
			line = line[:200] + "..."
		}
		return line
	}
	return ""
}

// Resolve returns what logging in to the IMAP server needs: the access
// token printed by token_command for auth xoauth2 and oauthbearer, else
// the password from the account's secret source (or from the systemd
// credential <account>.password). account is the account's name, used in
// errors and for the credential's file name. A password or token command
// is bounded by timeouts.secret_command and by the context: either
// ending kills it and every process it started.
func (c *IMAP) Resolve(ctx context.Context, account string) (string, error) {
	who := fmt.Sprintf("account %q", account)
	if c.Auth.token() {
		if c.TokenCommand == "" {
			return "", fmt.Errorf("%s: token_command is required with auth: %s", who, c.Auth)
		}
		return c.command(who, "token_command", c.TokenCommand).run(ctx)
	}
	return c.SecretSource.resolve(ctx, who, account+".password")
}

// Resolve returns what logging in to the SMTP server needs: the access
// token printed by token_command for auth xoauth2 and oauthbearer, "" for
// auth none, else the password from the secret source (or from the
// systemd credential smtp.password). A password or token command is
// bounded as for IMAP.
func (c *SMTP) Resolve(ctx context.Context) (string, error) {
	const who = "smtp"
	switch {
	case c.Auth == AuthNone:
		return "", nil
	case c.Auth.token():
		if c.TokenCommand == "" {
			return "", fmt.Errorf("%s: token_command is required with auth: %s", who, c.Auth)
		}
		return c.command(who, "token_command", c.TokenCommand).run(ctx)
	}
	return c.SecretSource.resolve(ctx, who, "smtp.password")
}

// timeouts checks the timeouts section, and gives every secret source its
// place in the configuration and its command timeout.
func (c *checker) timeouts(cfg *Config) error {
	d := cfg.Timeouts.SecretCommand.Std()
	if d < time.Second || d > time.Hour {
		return c.errorf("timeouts.secret_command", "%s is out of range 1s..1h", cfg.Timeouts.SecretCommand)
	}
	for i := range cfg.Accounts {
		s := &cfg.Accounts[i].IMAP.SecretSource
		s.key, s.timeout = fmt.Sprintf("accounts[%d].imap", i), d
	}
	if cfg.SMTP != nil {
		cfg.SMTP.SecretSource.key, cfg.SMTP.SecretSource.timeout = "smtp", d
	}
	if cd := cfg.AddressBook.CardDAV; cd != nil {
		cd.SecretSource.key, cd.SecretSource.timeout = "address_book.carddav", d
	}
	return nil
}
