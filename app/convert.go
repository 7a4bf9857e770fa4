package app

import (
	"fmt"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/mailer"
)

// The configuration owns the user's words for security and login
// (config.Security, config.Auth); imapsync and mailer each have their own.
// These functions convert between them explicitly: each switch names every
// value the configuration accepts, and any other value is an error rather
// than a cast that compiles and then means nothing to the adapter.

// imapSecurity is an IMAP account's security for imapsync.
func imapSecurity(s config.Security) (imapsync.Security, error) {
	switch s {
	case config.SecurityTLS:
		return imapsync.TLS, nil
	case config.SecurityStartTLS:
		return imapsync.StartTLS, nil
	case config.SecurityNone:
		return imapsync.None, nil
	}
	return "", fmt.Errorf("unknown security %q", s)
}

// imapCompression is an IMAP account's compress for imapsync.
func imapCompression(c config.Compression) (imapsync.Compression, error) {
	switch c {
	case config.CompressAuto:
		return imapsync.CompressAuto, nil
	case config.CompressAlways:
		return imapsync.CompressAlways, nil
	case config.CompressNever:
		return imapsync.CompressNever, nil
	}
	return "", fmt.Errorf("unknown compress %q", c)
}

// imapMechanism is an IMAP account's auth for imapsync.
func imapMechanism(a config.Auth) (imapsync.Mechanism, error) {
	switch a {
	case config.AuthPlain:
		return imapsync.Password, nil
	case config.AuthLogin:
		// Not among config.IMAPAuths, but unambiguous: LOGIN is what
		// password auth sends first anyway.
		return imapsync.Password, nil
	case config.AuthXOAuth2:
		return imapsync.XOAuth2, nil
	case config.AuthOAuthBearer:
		return imapsync.OAuthBearer, nil
	}
	return "", fmt.Errorf("auth %q is not an IMAP login mechanism", a)
}

// smtpSecurity is the smtp section's security for mailer.
func smtpSecurity(s config.Security) (mailer.Security, error) {
	switch s {
	case config.SecurityTLS:
		return mailer.SecurityTLS, nil
	case config.SecurityStartTLS:
		return mailer.SecurityStartTLS, nil
	case config.SecurityNone:
		return mailer.SecurityNone, nil
	}
	return "", fmt.Errorf("unknown security %q", s)
}

// smtpAuth is the smtp section's auth for mailer.
func smtpAuth(a config.Auth) (mailer.Auth, error) {
	switch a {
	case config.AuthPlain:
		return mailer.AuthPlain, nil
	case config.AuthLogin:
		return mailer.AuthLogin, nil
	case config.AuthXOAuth2:
		return mailer.AuthXOAuth2, nil
	case config.AuthOAuthBearer:
		return mailer.AuthOAuthBearer, nil
	case config.AuthNone:
		return mailer.AuthNone, nil
	}
	return "", fmt.Errorf("auth %q is not an SMTP login mechanism", a)
}
