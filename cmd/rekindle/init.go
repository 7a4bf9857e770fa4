package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/templates"
)

func initCommand() *command {
	return &command{
		name:    "init",
		args:    "[--name NAME --email ADDR --imap-host HOST ...] [--path FILE]",
		summary: "write a commented starter configuration and the templates",
		help: `
Asks a few questions on a terminal (or takes them from flags), then writes
a commented configuration (default ~/.config/rekindle/config.yaml) and the
default templates beside it, for editing. No password is written into the
file: rekindle gets it from a command (--password-command "pass show mail")
or a file (--password-file, the default: ~/.config/rekindle/ACCOUNT.password,
which you create with mode 0600). For Gmail, Microsoft 365 and Fastmail the
servers are filled in from your address.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var o initOptions
			fs.StringVar(&o.path, "path", "", "write the configuration to `FILE`")
			fs.StringVar(&o.name, "name", "", "your name")
			fs.StringVar(&o.emails, "email", "", "your addresses, comma-separated (the first is where digests go)")
			fs.StringVar(&o.account, "account", "", "a short name for the account (default: from the address's domain)")
			fs.StringVar(&o.imapHost, "imap-host", "", "IMAP server (default: guessed from the address)")
			fs.IntVar(&o.imapPort, "imap-port", 0, "IMAP port (default 993)")
			fs.StringVar(&o.imapUser, "imap-user", "", "IMAP username (default: the first address)")
			fs.StringVar(&o.passwordCommand, "password-command", "", "a command that prints the password (e.g. \"pass show mail\")")
			fs.StringVar(&o.passwordFile, "password-file", "", "a file holding the password")
			fs.StringVar(&o.smtpHost, "smtp-host", "", "SMTP server for the digest (default: guessed from the address)")
			fs.BoolVar(&o.force, "force", false, "overwrite an existing configuration")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return runInit(e, o)
			}
		},
	}
}

type initOptions struct {
	path, name, emails, account                       string
	imapHost, imapUser, passwordCommand, passwordFile string
	smtpHost                                          string
	imapPort                                          int
	force                                             bool
}

// provider is what is known of a mail provider's servers.
type provider struct{ imap, smtp, smtpSecurity, note string }

var providers = map[string]provider{
	"gmail.com":      {"imap.gmail.com", "smtp.gmail.com", "tls", "Gmail: use an app password (Google Account > Security > App passwords), or auth: xoauth2 with a token_command."},
	"googlemail.com": {"imap.gmail.com", "smtp.gmail.com", "tls", "Gmail: use an app password, or auth: xoauth2 with a token_command."},
	"outlook.com":    {"outlook.office365.com", "smtp.office365.com", "starttls", "Microsoft 365 / Outlook: use auth: xoauth2 with a token_command that prints an access token."},
	"hotmail.com":    {"outlook.office365.com", "smtp.office365.com", "starttls", "Outlook: use auth: xoauth2 with a token_command."},
	"fastmail.com":   {"imap.fastmail.com", "smtp.fastmail.com", "tls", "Fastmail: use an app password (Settings > Privacy & Security)."},
}

func runInit(e *env, o initOptions) error {
	path := o.path
	if path == "" {
		var err error
		if path, err = config.DefaultPath(e.getenv); err != nil {
			return err
		}
	}
	if _, err := os.Stat(path); err == nil && !o.force {
		return fmt.Errorf("%s exists; edit it, or use --force to replace it", path)
	}
	interactive := isTerminal(e.stdout) && isReaderTerminal(e.stdin)
	in := bufio.NewReader(e.stdin)
	ask := func(dst *string, question, def string) error {
		if *dst != "" {
			return nil
		}
		if !interactive {
			if def != "" {
				*dst = def
				return nil
			}
			return usagef("%s: give it with a flag (see rekindle help init), or run init on a terminal", question)
		}
		if def != "" {
			fmt.Fprintf(e.stdout, "%s [%s]: ", question, def)
		} else {
			fmt.Fprintf(e.stdout, "%s: ", question)
		}
		line, err := in.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if *dst = strings.TrimSpace(line); *dst == "" {
			*dst = def
		}
		if *dst == "" {
			return usagef("%s is needed", question)
		}
		return nil
	}

	if err := ask(&o.name, "Your name", ""); err != nil {
		return err
	}
	if err := ask(&o.emails, "Your email addresses, comma-separated (digests go to the first)", ""); err != nil {
		return err
	}
	var emails []string
	for _, a := range strings.Split(o.emails, ",") {
		addr, err := mail.ParseAddress(strings.TrimSpace(a))
		if err != nil {
			return usagef("email %q: %v", a, err)
		}
		emails = append(emails, strings.ToLower(addr.Address))
	}
	domain := emails[0][strings.LastIndex(emails[0], "@")+1:]
	prov, known := providers[domain]
	if !known {
		prov = provider{imap: "imap." + domain, smtp: "smtp." + domain, smtpSecurity: "tls"}
	}
	if o.account == "" {
		o.account = strings.Split(domain, ".")[0]
	}
	if err := ask(&o.imapHost, "IMAP server", prov.imap); err != nil {
		return err
	}
	if err := ask(&o.imapUser, "IMAP username", emails[0]); err != nil {
		return err
	}
	if o.passwordCommand == "" && o.passwordFile == "" && interactive {
		fmt.Fprint(e.stdout, "A command that prints your password (e.g. pass show mail), or Enter to keep it in a file: ")
		line, _ := in.ReadString('\n')
		o.passwordCommand = strings.TrimSpace(line)
	}
	secret := fmt.Sprintf("password_command: %q", o.passwordCommand)
	pwNote := ""
	if o.passwordCommand == "" {
		if o.passwordFile == "" {
			o.passwordFile = filepath.Join(filepath.Dir(path), o.account+".password")
		}
		secret = fmt.Sprintf("password_file: %s", o.passwordFile)
		pwNote = fmt.Sprintf("Put your password in %s (one line), readable only by you: chmod 600 %s", o.passwordFile, o.passwordFile)
	}
	if err := ask(&o.smtpHost, "SMTP server for the digest", prov.smtp); err != nil {
		return err
	}
	port := ""
	if o.imapPort != 0 {
		port = ", port: " + strconv.Itoa(o.imapPort)
	}
	tplDir := filepath.Join(filepath.Dir(path), "templates")

	cfg := fmt.Sprintf(`# rekindle configuration, written by "rekindle init". config.example.yaml in
# the rekindle repository shows every key with its default; "rekindle check"
# tests this file, the logins and the templates.

me:
  name: %q
  # Every address of yours, aliases included. Digests go to the first.
  addresses: [%s]
  # For a job search, uncomment: the referral draft uses these, and people at
  # target companies rank higher in the digest.
  # pitch: "I build reliable data platforms and lead small teams."
  # looking_for: "a staff engineer role"
  # target_companies: [acme.com, Globex]

accounts:
  - name: %s
    imap: {host: %s%s, username: %q, %s}
    # Save each drafted message in this account's Drafts folder too.
    drafts: false

# Where the digest is sent from. The same password source as IMAP; change it
# if your provider uses another.
smtp:
  host: %s
  security: %s
  username: %q
  %s

digest:
  # Every morning at 7 (cron syntax), in your time zone.
  schedule: "0 7 * * *"
  timezone: Local

# The templates of the digest and the drafts, for editing.
templates:
  dir: %s
`, o.name, strings.Join(emails, ", "), o.account, o.imapHost, port, o.imapUser, secret,
		o.smtpHost, prov.smtpSecurity, o.imapUser, secret, tplDir)

	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return err
	}
	if _, err := templates.Init(tplDir, o.force); err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	if _, err := (config.Loader{Getenv: e.getenv}).Load(path); err != nil {
		return fmt.Errorf("wrote %s, but it does not load: %w", path, err)
	}
	fmt.Fprintf(e.stdout, "Wrote %s and the templates in %s.\n", path, tplDir)
	if pwNote != "" {
		fmt.Fprintln(e.stdout, pwNote)
	}
	if prov.note != "" {
		fmt.Fprintln(e.stdout, prov.note)
	}
	fmt.Fprintf(e.stdout, "Next: rekindle check, then rekindle sync, then rekindle digest.\n")
	return nil
}

// isReaderTerminal tells whether r is an interactive terminal.
func isReaderTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isTerminal(f)
}
