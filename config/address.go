package config

import (
	"path"
	"sort"
	"strings"
)

// IsMe reports whether email is one of me.addresses, ignoring case and a
// "+tag" in the local part: jane+news@example.com is jane@example.com.
func (c *Config) IsMe(email string) bool {
	e := baseAddress(email)
	if e == "" {
		return false
	}
	for _, a := range c.Me.Addresses {
		if baseAddress(a) == e {
			return true
		}
	}
	return false
}

// baseAddress lower-cases an address and drops a "+tag" from its local
// part.
func baseAddress(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local, domain := email[:at], email[at+1:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	return local + "@" + domain
}

// Ignored reports whether email matches an entry of the ignore list,
// ignoring case. An entry with an '@' is matched against the whole
// address ("bob@x.org" exactly, "*@linkedin.com" any address at that
// domain); an entry without one is matched against the domain and each of
// its parent domains, so "example.com" also ignores mail.example.com and
// "*.example.net" ignores the subdomains of example.net. Entries are globs
// in path.Match syntax.
func (c *Config) Ignored(email string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return false
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	for _, p := range c.Ignore {
		p = strings.ToLower(p)
		if strings.Contains(p, "@") {
			if ok, _ := path.Match(p, email); ok {
				return true
			}
			continue
		}
		for d := domain; d != ""; {
			if ok, _ := path.Match(p, d); ok {
				return true
			}
			i := strings.IndexByte(d, '.')
			if i < 0 {
				break
			}
			d = d[i+1:]
		}
	}
	return false
}

// sortedKeys returns m's keys in order, so that validation reports the
// same error every time.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
