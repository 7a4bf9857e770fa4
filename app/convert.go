package app

import (
	"fmt"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/mailer"
)

// The configuration owns the user's words for security and login
// (config.Security, config.Auth); imapsync and mailer own theirs. These
// convert one to the other with a switch over every value, so a value
// added on one side and not the other is an error, never a silent
// mismatch; convert_test.go runs every value of config's lists through
// them.

// imapSecurity is s as imapsync takes it.
func imapSecurity(s config.Security) (imapsync.Security, error) {
	switch s {
	case config.SecurityTLS:
		return imapsync.TLS, nil
	case config.SecurityStartTLS:
		return imapsync.StartTLS, nil
	case config.SecurityNone:
		return imapsync.None, nil
	}
	return "", fmt.Errorf("%q is not a security rekindle knows for IMAP", s)
}

// imapMechanism is a as imapsync takes it. LOGIN is what password login
// sends first anyway.
func imapMechanism(a config.Auth) (imapsync.Mechanism, error) {
	switch a {
	case config.AuthPlain, config.AuthLogin:
		return imapsync.Password, nil
	case config.AuthXOAuth2:
		return imapsync.XOAuth2, nil
	case config.AuthOAuthBearer:
		return imapsync.OAuthBearer, nil
	}
	return "", fmt.Errorf("%q is not a login mechanism rekindle knows for IMAP", a)
}

// smtpSecurity is s as the mailer takes it.
func smtpSecurity(s config.Security) (string, error) {
	switch s {
	case config.SecurityTLS:
		return mailer.SecurityTLS, nil
	case config.SecurityStartTLS:
		return mailer.SecurityStartTLS, nil
	case config.SecurityNone:
		return mailer.SecurityNone, nil
	}
	return "", fmt.Errorf("%q is not a security rekindle knows for SMTP", s)
}

// smtpAuth is a as the mailer takes it.
func smtpAuth(a config.Auth) (string, error) {
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
	return "", fmt.Errorf("%q is not a login mechanism rekindle knows for SMTP", a)
}
