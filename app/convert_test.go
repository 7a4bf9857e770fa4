package app

import (
	"testing"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/mailer"
)

// testConversion checks convert over every value the configuration
// accepts (all): each converts without error to want's value, want names
// no value beyond all, and each of unknown is an error.
func testConversion[C ~string, A comparable](t *testing.T, all []C, convert func(C) (A, error), want map[C]A, unknown ...C) {
	t.Helper()
	seen := map[C]bool{}
	for _, c := range all {
		seen[c] = true
		w, ok := want[c]
		if !ok {
			t.Errorf("%q: accepted by the configuration but not in the test's table", c)
			continue
		}
		got, err := convert(c)
		if err != nil || got != w {
			t.Errorf("convert(%q) = %v, %v; want %v", c, got, err, w)
		}
	}
	for c := range want {
		if !seen[c] {
			t.Errorf("%q: in the test's table but not accepted by the configuration", c)
		}
	}
	for _, c := range unknown {
		if got, err := convert(c); err == nil {
			t.Errorf("convert(%q) = %v, want an error", c, got)
		}
	}
}

func TestIMAPSecurity(t *testing.T) {
	testConversion(t, config.Securities(), imapSecurity, map[config.Security]imapsync.Security{
		config.SecurityTLS:      imapsync.TLS,
		config.SecurityStartTLS: imapsync.StartTLS,
		config.SecurityNone:     imapsync.None,
	}, "", "ssl", "TLS")
}

func TestIMAPCompression(t *testing.T) {
	testConversion(t, config.Compressions(), imapCompression, map[config.Compression]imapsync.Compression{
		config.CompressAuto:   imapsync.CompressAuto,
		config.CompressAlways: imapsync.CompressAlways,
		config.CompressNever:  imapsync.CompressNever,
	}, "", "yes", "true", "AUTO")
}

func TestIMAPMechanism(t *testing.T) {
	testConversion(t, config.IMAPAuths(), imapMechanism, map[config.Auth]imapsync.Mechanism{
		config.AuthPlain:       imapsync.Password,
		config.AuthXOAuth2:     imapsync.XOAuth2,
		config.AuthOAuthBearer: imapsync.OAuthBearer,
	}, "", config.AuthNone, "cram-md5", "PLAIN")
	// login is no IMAP auth the configuration accepts, but it has always
	// meant password auth, which sends LOGIN first.
	if got, err := imapMechanism(config.AuthLogin); err != nil || got != imapsync.Password {
		t.Errorf("imapMechanism(login) = %v, %v; want %v", got, err, imapsync.Password)
	}
}

func TestSMTPSecurity(t *testing.T) {
	testConversion(t, config.Securities(), smtpSecurity, map[config.Security]mailer.Security{
		config.SecurityTLS:      mailer.SecurityTLS,
		config.SecurityStartTLS: mailer.SecurityStartTLS,
		config.SecurityNone:     mailer.SecurityNone,
	}, "", "ssl", "TLS")
}

func TestSMTPAuth(t *testing.T) {
	testConversion(t, config.SMTPAuths(), smtpAuth, map[config.Auth]mailer.Auth{
		config.AuthPlain:       mailer.AuthPlain,
		config.AuthLogin:       mailer.AuthLogin,
		config.AuthXOAuth2:     mailer.AuthXOAuth2,
		config.AuthOAuthBearer: mailer.AuthOAuthBearer,
		config.AuthNone:        mailer.AuthNone,
	}, "", "cram-md5", "PLAIN")
}
