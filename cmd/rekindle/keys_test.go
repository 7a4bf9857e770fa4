package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/relationship"
)

// exampleConfig is the commented example at the repository's root.
const exampleConfig = "../../config.example.yaml"

// TestEveryConfigKeyHasAnEffect: every key the loader accepts (found by
// reflection over config.Config) has a proof in keyProofs, which sets it
// and observes a difference in what rekindle does; and every key
// config.example.yaml shows, set or in a comment, is one the loader
// accepts. A new key without a proof fails here.
//
// A proof compares a configuration without the key (the base, see
// keyFixture.base, or a variant of it a proof says it starts from) with
// the same configuration with the key set, and fails unless the
// observation differs as the key says it should.
func TestEveryConfigKeyHasAnEffect(t *testing.T) {
	keys := configKeys(t, reflect.TypeFor[config.Config]())
	known := map[string]bool{}
	for _, k := range keys {
		known[k] = true
	}

	// The example shows no key the loader does not take.
	for _, k := range exampleKeys(t, exampleConfig, known) {
		t.Errorf("config.example.yaml shows the key %s, which config.Config does not have", k)
	}

	// Every key has a proof, and every proof a key.
	for _, k := range keys {
		if keyProofs[k] == nil {
			t.Errorf("config key %s has no proof of its effect: add one to keyProofs in keys_test.go", k)
		}
	}
	for k := range keyProofs {
		if !known[k] {
			t.Errorf("keyProofs proves %s, which is not a config key (renamed or removed?)", k)
		}
	}
	t.Logf("%d config keys", len(keys))
	if t.Failed() {
		return
	}

	f := newKeyFixture(t)
	for _, k := range keys {
		t.Run(k, func(t *testing.T) { keyProofs[k](t, f) })
	}
}

// configKeys returns every key path the loader accepts, in the order of
// the struct fields: "me.name", "accounts[].imap.host" (a list of
// mappings), "digest.drafts_by_status" (a map: one key). Inline structs
// (config.SecretSource) give their keys to their parent; fields tagged
// "-" are not keys.
func configKeys(t *testing.T, typ reflect.Type) []string {
	t.Helper()
	var keys []string
	var walk func(typ reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for i := range typ.NumField() {
			field := typ.Field(i)
			if !field.IsExported() {
				continue
			}
			tag, ok := field.Tag.Lookup("yaml")
			if !ok {
				t.Fatalf("%s.%s has no yaml tag: say what its key is", typ, field.Name)
			}
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			ft := field.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if slices.Contains(strings.Split(opts, ","), "inline") {
				walk(ft, prefix)
				continue
			}
			key := prefix + name
			switch {
			case ft.Kind() == reflect.Struct:
				walk(ft, key+".")
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				walk(ft.Elem(), key+"[].")
			default:
				keys = append(keys, key)
			}
		}
	}
	walk(typ, "")
	return keys
}

// exampleKeys returns the keys the example file at path shows that are
// not among known. Keys set in the file are read with a YAML parser, as
// full paths. Commented-out keys ("# token_command: ..." or
// "#   - name: Initech") are read from the lines: such a key must be a
// key of the section the comment is in (the nearest key line above it
// that is less indented than the '#'), at any depth.
func exampleKeys(t *testing.T, path string, known map[string]bool) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var unknown []string

	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	set := 0
	walkSections(doc, "", known, &unknown, &set)

	// The commented-out keys, by section.
	keyLine := regexp.MustCompile(`^(\s*)(- )?([a-z_]+):(\s|$)`)
	commented := regexp.MustCompile(`^(\s*)#\s*(?:- )?([a-z_]+):(\s|$)`)
	type section struct {
		col  int
		path string
		list bool // its items are list items ("- name: work")
	}
	var stack []*section
	shown := 0
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\n")
		if m := keyLine.FindStringSubmatch(line); m != nil {
			col := len(m[1])
			if m[2] != "" {
				col += 2
			}
			for len(stack) > 0 && stack[len(stack)-1].col >= col {
				stack = stack[:len(stack)-1]
			}
			p := ""
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				if m[2] != "" {
					parent.list = true
				}
				p = parent.path + "."
				if parent.list {
					p = parent.path + "[]."
				}
			}
			stack = append(stack, &section{col: col, path: p + m[3]})
			continue
		}
		m := commented.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		shown++
		hash, name := len(m[1]), m[2]
		parent := ""
		for i := len(stack) - 1; i >= 0; i-- {
			if stack[i].col < hash {
				parent = stack[i].path
				break
			}
		}
		found := false
		for k := range known {
			under := parent == "" || strings.HasPrefix(k, parent+".") || strings.HasPrefix(k, parent+"[].")
			if under && (k == name || strings.HasSuffix(k, "."+name)) {
				found = true
				break
			}
		}
		if !found {
			where := parent
			if where == "" {
				where = "the top level"
			}
			unknown = append(unknown, fmt.Sprintf("%s (commented out, under %s)", name, where))
		}
	}
	if set < 40 || shown < 5 {
		t.Errorf("read %d keys set and %d commented out in %s: the scan is broken", set, shown, path)
	}
	return unknown
}

// walkSections counts the keys of the mappings in v (under prefix) in
// set, and adds the paths of those not in known to unknown. It descends
// into sections and lists of mappings, not into a key the loader takes
// whole.
func walkSections(v any, prefix string, known map[string]bool, unknown *[]string, set *int) {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			*set++
			switch {
			case known[key]:
				// A key: its value is the loader's to read (a map such as
				// digest.drafts_by_status holds statuses, not keys).
			case isSection(key, known):
				walkSections(sub, key, known, unknown, set)
			default:
				*unknown = append(*unknown, key)
			}
		}
	case []any:
		for _, item := range v {
			walkSections(item, prefix+"[]", known, unknown, set)
		}
	}
}

// isSection reports whether some known key is under key.
func isSection(key string, known map[string]bool) bool {
	for k := range known {
		if strings.HasPrefix(k, key+".") || strings.HasPrefix(k, key+"[].") {
			return true
		}
	}
	return false
}

// keyProofs has, for each config key, a proof that setting it changes
// what rekindle does. Proofs observe real behaviour wherever it is cheap:
// a sync against an in-process IMAP server, a login to or a delivery by
// an in-process SMTP server, the digest composed or sent, the model's
// suggestions, the daemon's schedule, the CLI's log. A few observe what
// the App hands an adapter instead; their comments say so.
var keyProofs = map[string]func(*testing.T, *keyFixture){
	// The first name greets the user in the digest and signs every draft;
	// the full name is the digest's sender (smtp.from's default).
	"me.name": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "me.name", "Marguerite Okonkwo")
		b, a := f.compose(t, before), f.compose(t, after)
		if strings.Contains(b.Rendered.Text, "Marguerite") || !strings.Contains(a.Rendered.Text, "Marguerite") {
			t.Errorf("me.name: the digest does not greet the name set; it starts\nbefore: %.80q\nafter:  %.80q", b.Rendered.Text, a.Rendered.Text)
		}
		if n, m := signedBy(b, "Marguerite"), signedBy(a, "Marguerite"); n != 0 || m == 0 || m != len(draftsOf(a)) {
			t.Errorf("me.name: %d of %d drafts signed with the name set (before: %d), want all", m, len(draftsOf(a)), n)
		}
		if a.Message.From.Name != "Marguerite Okonkwo" || b.Message.From.Name == a.Message.From.Name {
			t.Errorf("me.name: the digest is from %q, before %q; want the name set", a.Message.From.Name, b.Message.From.Name)
		}
	},
	// An address of the user's is not a contact: adding a contact's
	// address to me.addresses makes their mail the user's own.
	"me.addresses": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		b := f.open(t, before)
		who := f.model(t, b).Contacts[0].Email
		after.set(t, "me.addresses", append(after.get(t, "me.addresses").([]any), who))
		a := f.open(t, after)
		if _, err := b.Find(t.Context(), who); err != nil {
			t.Fatalf("%s is not a contact in the base configuration: %v", who, err)
		}
		if c, err := a.Find(t.Context(), who); err == nil {
			t.Errorf("me.addresses: with %s among the user's addresses, they are still a contact: %s <%s>", who, c.Name, c.Email)
		}
	},
	// The pitch is told to the people asked for a referral (starting from
	// the base with looking_for set, so that some are).
	"me.pitch": func(t *testing.T, f *keyFixture) {
		const pitch = "I restore vintage synthesizers for museums."
		before := f.base(t)
		before.set(t, "me.looking_for", "a staff engineer role") // so that there are referral drafts
		after := f.base(t)
		after.set(t, "me.looking_for", "a staff engineer role")
		after.set(t, "me.pitch", pitch)
		b, a := kindCount(f.compose(t, before), "referral", pitch), kindCount(f.compose(t, after), "referral", pitch)
		if b.kind == 0 || b.with != 0 || a.with != a.kind || a.kind == 0 {
			t.Errorf("me.pitch: %d of %d referral drafts tell the pitch set (before: %d of %d), want all of them (and some)", a.with, a.kind, b.with, b.kind)
		}
	},
	// While looking_for is set, strong ties are asked for a referral, and
	// told what the user looks for.
	"me.looking_for": func(t *testing.T, f *keyFixture) {
		const role = "a staff engineer role"
		before, after := f.base(t), f.base(t)
		after.set(t, "me.looking_for", role)
		b, a := kindCount(f.compose(t, before), "referral", role), kindCount(f.compose(t, after), "referral", role)
		if b.kind != 0 || a.kind == 0 || a.with != a.kind {
			t.Errorf("me.looking_for: %d referral drafts, %d of them saying the role (before: %d), want some, all saying it", a.kind, a.with, b.kind)
		}
	},
	// A target company's name matches a contact's tag (or company): the
	// suggestion names it.
	"me.target_companies[].name": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "me.target_companies", []any{map[string]any{"name": "Initech"}})
		b, a := f.open(t, before), f.open(t, after)
		who := f.suggest(t, b)[0].Email
		for _, x := range []*app.App{b, a} {
			if _, err := x.Tag(t.Context(), who, []string{"initech"}); err != nil {
				t.Fatal(err)
			}
		}
		bt, at := targetOf(t, f.suggest(t, b), who), targetOf(t, f.suggest(t, a), who)
		if bt != "" || at != "Initech" {
			t.Errorf("me.target_companies[].name: %s, tagged initech, is at target %q (before: %q), want Initech", who, at, bt)
		}
	},
	// A target company's domain matches the contacts writing from it.
	"me.target_companies[].domains": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		b := f.open(t, before)
		who := f.suggest(t, b)[0].Email
		_, domain, _ := strings.Cut(who, "@")
		after.set(t, "me.target_companies", []any{map[string]any{"domains": []any{domain}}})
		bt, at := targetOf(t, f.suggest(t, b), who), targetOf(t, f.suggest(t, f.open(t, after)), who)
		if bt != "" || at == "" {
			t.Errorf("me.target_companies[].domains: %s is at target %q (before: %q), want the company of %s", who, at, bt, domain)
		}
	},

	// The account's name is what the store files its folders under.
	"accounts[].name": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		after.set(t, "accounts[0].name", "office")
		b, berr := f.keySync(t, before)
		a, aerr := f.keySync(t, after)
		if berr != nil || aerr != nil {
			t.Fatalf("sync: %v / %v", berr, aerr)
		}
		if !allPrefixed(b, "home/") || !allPrefixed(a, "office/") || len(a) == 0 {
			t.Errorf("accounts[].name: the store holds %v (before: %v), want the folders under office/", a, b)
		}
	},
	// The host is where the sync connects.
	"accounts[].imap.host": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		after.set(t, "accounts[0].imap.host", "127.0.0.2") // loopback, but nothing listens there
		_, berr := f.keySync(t, before)
		_, aerr := f.keySync(t, after)
		if berr != nil || aerr == nil || !strings.Contains(aerr.Error(), "127.0.0.2") {
			t.Errorf("accounts[].imap.host: the sync with host 127.0.0.2 gave %v (before: %v), want a failure to reach it", aerr, berr)
		}
	},
	// The port chooses the server: another one has other folders.
	"accounts[].imap.port": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		_, port := keyHostPort(t, f.other.Addr)
		after.set(t, "accounts[0].imap.port", port)
		b, berr := f.keySync(t, before)
		a, aerr := f.keySync(t, after)
		if berr != nil || aerr != nil {
			t.Fatalf("sync: %v / %v", berr, aerr)
		}
		if slices.Contains(b, "home/Elsewhere") || !slices.Contains(a, "home/Elsewhere") {
			t.Errorf("accounts[].imap.port: synced %v (before: %v), want the other server's folder Elsewhere", a, b)
		}
	},
	// security: tls speaks TLS, which the plain server does not.
	"accounts[].imap.security": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		after.set(t, "accounts[0].imap.security", "tls")
		_, berr := f.keySync(t, before)
		_, aerr := f.keySync(t, after)
		if berr != nil || aerr == nil || !strings.Contains(strings.ToLower(aerr.Error()), "tls") {
			t.Errorf("accounts[].imap.security: the sync with tls to a plain server gave %v (before: %v), want a TLS failure", aerr, berr)
		}
	},
	// The username is who logs in.
	"accounts[].imap.username": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		after.set(t, "accounts[0].imap.username", "bob")
		_, berr := f.keySync(t, before)
		_, aerr := f.keySync(t, after)
		if berr != nil || aerr == nil || !strings.Contains(aerr.Error(), `as "bob"`) {
			t.Errorf("accounts[].imap.username: the sync as bob gave %v (before: %v), want a refused login", aerr, berr)
		}
	},
	// The secret sources, starting from the base on the alt server, which
	// takes only keyAltPassword: the base password fails to log in there,
	// the source set (in its place: they are exclusive) logs in.
	"accounts[].imap.password": func(t *testing.T, f *keyFixture) {
		f.altLogin(t, func(tr keyTree) { tr.set(t, "accounts[0].imap.password", keyAltPassword) })
	},
	"accounts[].imap.password_file": func(t *testing.T, f *keyFixture) {
		file := keyFile(t, "work.password", keyAltPassword+"\n")
		f.altLogin(t, func(tr keyTree) {
			tr.del(t, "accounts[0].imap.password")
			tr.set(t, "accounts[0].imap.password_file", file)
		})
	},
	"accounts[].imap.password_command": func(t *testing.T, f *keyFixture) {
		f.altLogin(t, func(tr keyTree) {
			tr.del(t, "accounts[0].imap.password")
			tr.set(t, "accounts[0].imap.password_command", "printf '%s\\n' "+keyAltPassword)
		})
	},
	"accounts[].imap.password_env": func(t *testing.T, f *keyFixture) {
		f.env["KEYS_IMAP_PASSWORD"] = keyAltPassword
		t.Cleanup(func() { delete(f.env, "KEYS_IMAP_PASSWORD") })
		f.altLogin(t, func(tr keyTree) {
			tr.del(t, "accounts[0].imap.password")
			tr.set(t, "accounts[0].imap.password_env", "KEYS_IMAP_PASSWORD")
		})
	},
	// auth: oauthbearer logs in with AUTHENTICATE and the token, not with
	// LOGIN and the password.
	"accounts[].imap.auth": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		after.set(t, "accounts[0].imap.auth", "oauthbearer")
		after.del(t, "accounts[0].imap.password")
		after.set(t, "accounts[0].imap.token_command", "printf "+keyIMAPToken) // required with oauthbearer
		logins := func(tr keyTree) map[string]int {
			f.lite.Commands()
			if _, err := f.keySync(t, tr); err != nil {
				t.Fatalf("sync: %v", err)
			}
			c := f.lite.Commands()
			return map[string]int{"LOGIN": c["LOGIN"], "AUTHENTICATE": c["AUTHENTICATE"]}
		}
		b, a := logins(before), logins(after)
		if b["LOGIN"] == 0 || b["AUTHENTICATE"] != 0 || a["LOGIN"] != 0 || a["AUTHENTICATE"] == 0 {
			t.Errorf("accounts[].imap.auth: oauthbearer logged in with %v (before: %v), want AUTHENTICATE instead of LOGIN", a, b)
		}
		// Which SASL mechanism: the value the App hands imapsync.
		if m := f.account(t, after).Mechanism; m != imapsync.OAuthBearer || m == f.account(t, before).Mechanism {
			t.Errorf("accounts[].imap.auth: the account logs in with mechanism %v, want OAUTHBEARER", m)
		}
	},
	// The token a token_command prints is what logs in: with auth
	// xoauth2 (which requires a token_command), a command printing the
	// server's token logs in, one printing another does not.
	"accounts[].imap.token_command": func(t *testing.T, f *keyFixture) {
		token := func(command string) keyTree {
			tr := f.liteBase(t)
			tr.set(t, "accounts[0].imap.auth", "xoauth2")
			tr.del(t, "accounts[0].imap.password")
			tr.set(t, "accounts[0].imap.token_command", command)
			return tr
		}
		_, berr := f.keySync(t, token("printf not-the-token"))
		_, aerr := f.keySync(t, token("printf "+keyIMAPToken))
		if berr == nil || aerr != nil {
			t.Errorf("accounts[].imap.token_command: with the right token the sync gave %v, with a wrong one %v; want only the right one to log in", aerr, berr)
		}
	},
	// ca_file makes the server's certificate, from a private CA, trusted
	// (starting from the base on the TLS server, with security: tls).
	"accounts[].imap.ca_file": func(t *testing.T, f *keyFixture) {
		before, after := f.tlsBase(t), f.tlsBase(t)
		after.set(t, "accounts[0].imap.ca_file", keyFile(t, "ca.pem", string(f.tlsIMAP.CAPEM)))
		_, berr := f.keySync(t, before)
		_, aerr := f.keySync(t, after)
		if berr == nil || aerr != nil {
			t.Errorf("accounts[].imap.ca_file: the sync over TLS gave %v with the CA (before: %v), want it to trust the server only with it", aerr, berr)
		}
	},
	// tls_server_name is the name checked in the server's certificate
	// (starting from the base on the TLS server, with its CA).
	"accounts[].imap.tls_server_name": func(t *testing.T, f *keyFixture) {
		before, after := f.tlsBase(t), f.tlsBase(t)
		ca := keyFile(t, "ca.pem", string(f.tlsIMAP.CAPEM))
		before.set(t, "accounts[0].imap.ca_file", ca)
		after.set(t, "accounts[0].imap.ca_file", ca)
		after.set(t, "accounts[0].imap.tls_server_name", "imap.example.com")
		_, berr := f.keySync(t, before)
		_, aerr := f.keySync(t, after)
		if berr != nil || aerr == nil || !strings.Contains(aerr.Error(), "imap.example.com") {
			t.Errorf("accounts[].imap.tls_server_name: the sync gave %v (before: %v), want the certificate refused for imap.example.com", aerr, berr)
		}
	},
	// compress: always has a server that offers COMPRESS=DEFLATE (a
	// Dovecot with imap_zlib) compress the connection, which check
	// reports; the default, auto, does not compress a server on loopback.
	"accounts[].imap.compress": func(t *testing.T, f *keyFixture) {
		srv := dovecot.Start(t, dovecot.Options{Compress: true})
		host, port := keyHostPort(t, srv.Addr)
		before, after := f.liteBase(t), f.liteBase(t)
		for _, tr := range []keyTree{before, after} {
			tr.set(t, "accounts[0].imap.host", host)
			tr.set(t, "accounts[0].imap.port", port)
			tr.set(t, "accounts[0].imap.security", "tls")
			tr.set(t, "accounts[0].imap.username", srv.User)
			tr.set(t, "accounts[0].imap.password", srv.Password)
			tr.set(t, "accounts[0].imap.ca_file", srv.CAFile)
		}
		after.set(t, "accounts[0].imap.compress", "always")
		check := func(tr keyTree) string {
			var out strings.Builder
			f.open(t, tr).Check(t.Context(), func(l app.CheckLine) { out.WriteString(l.Text + "\n") })
			return out.String()
		}
		b, a := check(before), check(after)
		const says = "the connection is compressed"
		if !strings.Contains(a, "account home: logged in") || !strings.Contains(a, says) || strings.Contains(b, says) {
			t.Errorf("accounts[].imap.compress: check with always said:\n%s\nwith auto:\n%s\nwant %q only with always", a, b, says)
		}
	},
	// Its effect is at load: a password in clear to a host that is not
	// loopback is refused unless it is set.
	"accounts[].imap.allow_plaintext_auth": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		before.set(t, "accounts[0].imap.host", "imap.example.com")
		after.set(t, "accounts[0].imap.host", "imap.example.com")
		after.set(t, "accounts[0].imap.allow_plaintext_auth", true)
		_, berr := f.load(t, before)
		_, aerr := f.load(t, after)
		if berr == nil || !strings.Contains(berr.Error(), "allow_plaintext_auth") || aerr != nil {
			t.Errorf("accounts[].imap.allow_plaintext_auth: security none to imap.example.com loads with %v (before: %v), want it refused only without the key", aerr, berr)
		}
	},
	// include narrows the folders synced (Sent stays in).
	"accounts[].folders.include": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		after.set(t, "accounts[0].folders.include", []any{"Archive"})
		b, berr := f.keySync(t, before)
		a, aerr := f.keySync(t, after)
		if berr != nil || aerr != nil {
			t.Fatalf("sync: %v / %v", berr, aerr)
		}
		if !slices.Equal(a, []string{"home/Archive", "home/Sent"}) || len(b) <= len(a) {
			t.Errorf("accounts[].folders.include: [Archive] synced %v (before: %v), want Archive and Sent only", a, b)
		}
	},
	// exclude drops folders from the sync.
	"accounts[].folders.exclude": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		after.set(t, "accounts[0].folders.exclude", []any{"Lists/*"})
		b, berr := f.keySync(t, before)
		a, aerr := f.keySync(t, after)
		if berr != nil || aerr != nil {
			t.Fatalf("sync: %v / %v", berr, aerr)
		}
		if !slices.Contains(b, "home/Lists/go") || slices.Contains(a, "home/Lists/go") || len(a) != len(b)-1 {
			t.Errorf("accounts[].folders.exclude: [Lists/*] synced %v (before: %v), want all but Lists/go", a, b)
		}
	},
	// drafts: true appends the drafts to the account's Drafts folder when
	// the digest is sent.
	"accounts[].drafts": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "accounts[0].drafts", true)
		appends := func(tr keyTree) (int, app.Sent) {
			f.big.Commands()
			sent := f.send(t, f.open(t, tr))
			return f.big.Commands()["APPEND"], sent
		}
		b, bs := appends(before)
		a, as := appends(after)
		if b != 0 || a == 0 || !strings.Contains(as.Note, "drafts saved") {
			t.Errorf("accounts[].drafts: sending the digest appended %d drafts, saying %q (before: %d, %q), want some", a, as.Note, b, bs.Note)
		}
	},

	// store.path is the store used: another path is another (new, empty)
	// store.
	"store.path": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		path := filepath.Join(t.TempDir(), "elsewhere", "other.db")
		after.set(t, "store.path", path)
		b, a := len(f.model(t, f.open(t, before)).Contacts), len(f.model(t, f.open(t, after)).Contacts)
		if _, err := os.Stat(path); err != nil || b == 0 || a != 0 {
			t.Errorf("store.path: %d contacts from the store at the path set (%v), %d before; want a new store there", a, err, b)
		}
	},

	// The daemon syncs every interval: the second sync comes after 15m by
	// default, after the interval set.
	"sync.interval": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "sync.interval", "1h")
		second := func(tr keyTree) time.Duration {
			tr.del(t, "smtp") // no digest: the daemon only syncs
			start := f.now
			d := startKeyDaemon(t, f.newApp(t, tr).DaemonConfig(), start)
			for at := 15 * time.Minute; at <= 2*time.Hour; at += 15 * time.Minute {
				d.set(t, start.Add(at))
				if n, _ := d.counts(); n >= 2 {
					return at
				}
			}
			return -1
		}
		b, a := second(before), second(after)
		if b != 15*time.Minute || a != time.Hour {
			t.Errorf("sync.interval: the daemon synced again after %v with 1h (before: %v), want 1h (15m)", a, b)
		}
	},
	// batch_size is how many fetched messages are written to the store at
	// a time (the FETCH itself streams the whole folder in one command,
	// whatever the size): a sync reports its progress, and can resume
	// after a cut, batch by batch.
	"sync.batch_size": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		after.set(t, "sync.batch_size", 50)
		batches := func(tr keyTree) []int {
			var done []int
			progress := func(p imapsync.Progress) {
				if p.Folder == "INBOX" {
					done = append(done, p.Done)
				}
			}
			if _, err := f.open(t, tr).Sync(t.Context(), app.SyncOptions{Progress: progress}); err != nil {
				t.Fatalf("sync: %v", err)
			}
			return done
		}
		b, a := batches(before), batches(after)
		// INBOX holds 120 messages: one batch of them, or three of at most 50.
		if !slices.Equal(b, []int{120}) || !slices.Equal(a, []int{50, 100, 120}) {
			t.Errorf("sync.batch_size: 50 stored INBOX's 120 messages in batches ending at %v (before: %v), want 50, 100, 120 (120)", a, b)
		}
	},
	// Its effect is a refusal at load: IDLE is not supported yet.
	// sync.idle turns the daemon's IMAP IDLE watch on: the value the app
	// hands the daemon. What the watch does end to end (new INBOX mail in
	// the store within seconds, though the interval is an hour) is
	// TestRunDaemonIdle's, and e2e TestDaemonIdle's against Dovecot.
	"sync.idle": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "sync.idle", true)
		b, a := f.open(t, before).DaemonConfig().Watch, f.open(t, after).DaemonConfig().Watch
		if b || !a {
			t.Errorf("sync.idle: true gives the daemon Watch %v (before: %v), want true (false)", a, b)
		}
	},

	// The SMTP keys: each is observed at the recording SMTP server, by
	// logging in as rekindle check does (mailer.Check), or on the
	// digest it delivers.
	"smtp.host": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "smtp.host", "127.0.0.2")
		_, berr := f.smtpLogin(t, before, f.smtp)
		_, aerr := f.smtpLogin(t, after, f.smtp)
		if berr != nil || aerr == nil || !strings.Contains(aerr.Error(), "127.0.0.2") {
			t.Errorf("smtp.host: logging in at 127.0.0.2 gave %v (before: %v), want a failure to reach it", aerr, berr)
		}
	},
	"smtp.port": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		_, port := keyHostPort(t, f.smtp2.Addr)
		after.set(t, "smtp.port", port)
		at := func(tr keyTree) (one, two int) {
			n1, n2 := len(f.smtp.Logins()), len(f.smtp2.Logins())
			if err := f.smtpCheck(t, tr); err != nil {
				t.Fatalf("smtp login: %v", err)
			}
			return len(f.smtp.Logins()) - n1, len(f.smtp2.Logins()) - n2
		}
		b1, b2 := at(before)
		a1, a2 := at(after)
		if b1 != 1 || b2 != 0 || a1 != 0 || a2 != 1 {
			t.Errorf("smtp.port: logins at the first and second server: %d, %d (before: %d, %d); want the second server's port to reach it", a1, a2, b1, b2)
		}
	},
	"smtp.security": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "smtp.security", "tls")
		_, berr := f.smtpLogin(t, before, f.smtp)
		_, aerr := f.smtpLogin(t, after, f.smtp)
		if berr != nil || aerr == nil || !strings.Contains(strings.ToLower(aerr.Error()), "tls") {
			t.Errorf("smtp.security: tls to a plain server gave %v (before: %v), want a TLS failure", aerr, berr)
		}
	},
	"smtp.username": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "smtp.username", "bob")
		b, _ := f.smtpLogin(t, before, f.smtp)
		a, _ := f.smtpLogin(t, after, f.smtp)
		if b.User != keyUser || a.User != "bob" {
			t.Errorf("smtp.username: logged in as %q (before: %q), want bob", a.User, b.User)
		}
	},
	// The secret sources: the server receives the secret each yields.
	"smtp.password": func(t *testing.T, f *keyFixture) {
		f.smtpSecret(t, "another-password", func(tr keyTree) { tr.set(t, "smtp.password", "another-password") })
	},
	"smtp.password_file": func(t *testing.T, f *keyFixture) {
		file := keyFile(t, "smtp.password", "from-a-file\n")
		f.smtpSecret(t, "from-a-file", func(tr keyTree) {
			tr.del(t, "smtp.password")
			tr.set(t, "smtp.password_file", file)
		})
	},
	"smtp.password_command": func(t *testing.T, f *keyFixture) {
		f.smtpSecret(t, "from-a-command", func(tr keyTree) {
			tr.del(t, "smtp.password")
			tr.set(t, "smtp.password_command", "echo from-a-command")
		})
	},
	"smtp.password_env": func(t *testing.T, f *keyFixture) {
		f.env["KEYS_SMTP_PASSWORD"] = "from-the-environment"
		t.Cleanup(func() { delete(f.env, "KEYS_SMTP_PASSWORD") })
		f.smtpSecret(t, "from-the-environment", func(tr keyTree) {
			tr.del(t, "smtp.password")
			tr.set(t, "smtp.password_env", "KEYS_SMTP_PASSWORD")
		})
	},
	"smtp.auth": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "smtp.auth", "login")
		b, berr := f.smtpLogin(t, before, f.smtp)
		a, aerr := f.smtpLogin(t, after, f.smtp)
		if berr != nil || aerr != nil || b.Mech != "PLAIN" || a.Mech != "LOGIN" {
			t.Errorf("smtp.auth: login logged in with %s (%v), before with %s (%v); want LOGIN", a.Mech, aerr, b.Mech, berr)
		}
	},
	// The token a token_command prints is what the server receives (with
	// auth: xoauth2, which requires a token_command).
	"smtp.token_command": func(t *testing.T, f *keyFixture) {
		token := func(command string) keyTree {
			tr := f.base(t)
			tr.set(t, "smtp.auth", "xoauth2")
			tr.del(t, "smtp.password")
			tr.set(t, "smtp.token_command", command)
			return tr
		}
		b, berr := f.smtpLogin(t, token("printf not-the-token"), f.smtp)
		a, aerr := f.smtpLogin(t, token("printf "+keySMTPToken), f.smtp)
		if b.Mech != "XOAUTH2" || b.Secret != "not-the-token" || berr == nil || a.Secret != keySMTPToken || aerr != nil {
			t.Errorf("smtp.token_command: the server got %+v (%v), and %+v (%v) from a command printing another token; want each command's token",
				a, aerr, b, berr)
		}
	},
	// As for the account's, on the TLS SMTP server with security: tls.
	"smtp.ca_file": func(t *testing.T, f *keyFixture) {
		before, after := f.smtpTLSBase(t), f.smtpTLSBase(t)
		after.set(t, "smtp.ca_file", keyFile(t, "ca.pem", string(f.smtpTLS.CAPEM)))
		_, berr := f.smtpLogin(t, before, f.smtpTLS)
		_, aerr := f.smtpLogin(t, after, f.smtpTLS)
		if berr == nil || aerr != nil {
			t.Errorf("smtp.ca_file: logging in over TLS gave %v with the CA (before: %v), want it to trust the server only with it", aerr, berr)
		}
	},
	"smtp.tls_server_name": func(t *testing.T, f *keyFixture) {
		before, after := f.smtpTLSBase(t), f.smtpTLSBase(t)
		ca := keyFile(t, "ca.pem", string(f.smtpTLS.CAPEM))
		before.set(t, "smtp.ca_file", ca)
		after.set(t, "smtp.ca_file", ca)
		after.set(t, "smtp.tls_server_name", "smtp.example.com")
		_, berr := f.smtpLogin(t, before, f.smtpTLS)
		_, aerr := f.smtpLogin(t, after, f.smtpTLS)
		if berr != nil || aerr == nil || !strings.Contains(aerr.Error(), "smtp.example.com") {
			t.Errorf("smtp.tls_server_name: logging in gave %v (before: %v), want the certificate refused for smtp.example.com", aerr, berr)
		}
	},
	// Refused at load without it; with it the mailer is allowed to send
	// the password in clear (the value the App hands the mailer: no
	// non-loopback server is at hand to send to).
	"smtp.allow_plaintext_auth": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		before.set(t, "smtp.host", "smtp.example.com")
		after.set(t, "smtp.host", "smtp.example.com")
		after.set(t, "smtp.allow_plaintext_auth", true)
		_, berr := f.load(t, before)
		_, aerr := f.load(t, after)
		if berr == nil || !strings.Contains(berr.Error(), "smtp.allow_plaintext_auth") || aerr != nil {
			t.Fatalf("smtp.allow_plaintext_auth: security none to smtp.example.com loads with %v (before: %v), want it refused only without the key", aerr, berr)
		}
		if sc, err := f.newApp(t, after).SMTP(); err != nil || !sc.AllowPlaintextAuth {
			t.Errorf("smtp.allow_plaintext_auth: the mailer is not allowed to log in in clear (%v)", err)
		}
	},
	"smtp.from": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "smtp.from", "Digest Bot <digest-bot@example.net>")
		b, a := f.delivered(t, before), f.delivered(t, after)
		if b.From == a.From || a.From != "digest-bot@example.net" || !strings.Contains(keyHeader(t, a, "From"), "Digest Bot") {
			t.Errorf("smtp.from: the digest came from %s (%q), before from %s; want digest-bot@example.net", a.From, keyHeader(t, a, "From"), b.From)
		}
	},

	// notify[].ntfy: after the digest, the topic gets the push.
	"notify[].ntfy": func(t *testing.T, f *keyFixture) {
		h := keyHTTP(t)
		before, after := f.base(t), f.base(t)
		after.set(t, "notify", []any{map[string]any{"ntfy": h.url + "/jane-topic"}})
		f.send(t, f.open(t, before))
		if n := h.count("/jane-topic"); n != 0 {
			t.Fatalf("notify[].ntfy: %d pushes without the key", n)
		}
		f.send(t, f.open(t, after))
		r, body := h.last("/jane-topic")
		if r == nil || !strings.Contains(body, "to reconnect with today") || r.Header.Get("Title") != "rekindle" {
			t.Errorf("notify[].ntfy: the topic got %v %q, want a push", r, body)
		}
	},
	// notify[].webhook: after the digest, the hook gets its JSON.
	"notify[].webhook": func(t *testing.T, f *keyFixture) {
		h := keyHTTP(t)
		before, after := f.base(t), f.base(t)
		after.set(t, "notify", []any{map[string]any{"webhook": h.url + "/hook"}})
		f.send(t, f.open(t, before))
		f.send(t, f.open(t, after))
		r, body := h.last("/hook")
		if h.count("/hook") != 1 || r.Header.Get("Content-Type") != "application/json" || !strings.Contains(body, `"people"`) {
			t.Errorf("notify[].webhook: %d calls, last %q", h.count("/hook"), body)
		}
	},
	// notify[].headers go with each request, from any secret source.
	"notify[].headers": func(t *testing.T, f *keyFixture) {
		h := keyHTTP(t)
		before, after := f.base(t), f.base(t)
		before.set(t, "notify", []any{map[string]any{"ntfy": h.url + "/a"}})
		after.set(t, "notify", []any{map[string]any{"ntfy": h.url + "/b",
			"headers": map[string]any{"Authorization": map[string]any{"password_command": "echo Bearer tk_7"}}}})
		f.send(t, f.open(t, before))
		f.send(t, f.open(t, after))
		ra, _ := h.last("/a")
		rb, _ := h.last("/b")
		if ra == nil || rb == nil || ra.Header.Get("Authorization") != "" || rb.Header.Get("Authorization") != "Bearer tk_7" {
			t.Errorf("notify[].headers: Authorization %q, before %q", rb.Header.Get("Authorization"), ra.Header.Get("Authorization"))
		}
	},
	// notify[].click is what tapping the push opens.
	"notify[].click": func(t *testing.T, f *keyFixture) {
		h := keyHTTP(t)
		before, after := f.base(t), f.base(t)
		before.set(t, "notify", []any{map[string]any{"ntfy": h.url + "/a"}})
		after.set(t, "notify", []any{map[string]any{"ntfy": h.url + "/b", "click": "https://mail.example.com/"}})
		f.send(t, f.open(t, before))
		f.send(t, f.open(t, after))
		ra, _ := h.last("/a")
		rb, _ := h.last("/b")
		if ra == nil || rb == nil || !strings.HasPrefix(ra.Header.Get("Click"), "mailto:") || rb.Header.Get("Click") != "https://mail.example.com/" {
			t.Errorf("notify[].click: Click %q, before %q", rb.Header.Get("Click"), ra.Header.Get("Click"))
		}
	},

	// digest.to is where the digest goes.
	"digest.to": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "digest.to", "elsewhere@example.net")
		b, a := f.delivered(t, before), f.delivered(t, after)
		if slices.Equal(b.To, a.To) || !slices.Equal(a.To, []string{"elsewhere@example.net"}) || !strings.Contains(keyHeader(t, a, "To"), "elsewhere@example.net") {
			t.Errorf("digest.to: the digest went to %v (before: %v), want elsewhere@example.net", a.To, b.To)
		}
	},
	"digest.max_contacts": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "digest.max_contacts", 1)
		b, a := len(f.suggest(t, f.open(t, before))), len(f.suggest(t, f.open(t, after)))
		if b < 2 || a != 1 {
			t.Errorf("digest.max_contacts: 1 gave %d suggestions (before: %d), want 1 (and more before)", a, b)
		}
	},
	// The schedule gives the digest's mornings (rekindle replay's, and
	// the daemon's schedule).
	"digest.schedule": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "digest.schedule", "30 9 * * 1-5")
		week := func(tr keyTree) ([]time.Time, *time.Location) {
			a := f.newApp(t, tr)
			return a.Mornings(f.now, f.now.AddDate(0, 0, 7)), a.Zone()
		}
		b, _ := week(before)
		a, zone := week(after)
		ok := len(a) == 5 && len(b) == 7
		for _, m := range a {
			l := m.In(zone)
			ok = ok && l.Hour() == 9 && l.Minute() == 30 && l.Weekday() != time.Saturday && l.Weekday() != time.Sunday
		}
		if !ok {
			t.Errorf("digest.schedule: weekdays at 09:30 gave the mornings %v (before: %v)", a, b)
		}
	},
	// The time zone the schedule is read in.
	"digest.timezone": func(t *testing.T, f *keyFixture) {
		zone := "Asia/Kathmandu" // +05:45: no other zone is that far off
		if _, off := f.now.In(time.Local).Zone(); off == 5*3600+45*60 {
			zone = "Pacific/Kiritimati"
		}
		before, after := f.base(t), f.base(t)
		after.set(t, "digest.timezone", zone)
		first := func(tr keyTree) time.Time { return f.newApp(t, tr).Mornings(f.now, f.now.AddDate(0, 0, 2))[0] }
		b, a := first(before), first(after)
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		if b.Equal(a) || a.In(loc).Hour() != b.In(time.Local).Hour() {
			t.Errorf("digest.timezone: the first morning is %v in %s (before: %v local), want the same hour there", a, zone, b)
		}
	},
	// At start, the daemon sends a digest missed by less than grace.
	"digest.grace": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "digest.grace", "30m")
		missed := func(tr keyTree) int {
			a := f.newApp(t, tr)
			start := a.Mornings(f.now, f.now.AddDate(0, 0, 2))[0].Add(time.Hour) // an hour after a digest time
			d := startKeyDaemon(t, a.DaemonConfig(), start)
			_, n := d.counts()
			return n
		}
		b, a := missed(before), missed(after)
		if b != 1 || a != 0 {
			t.Errorf("digest.grace: the daemon started an hour late sent %d digests with grace 30m (before: %d), want none (one)", a, b)
		}
	},
	// Whoever the digest suggested is not suggested again within the
	// cool-down.
	"digest.cooldown": func(t *testing.T, f *keyFixture) {
		sent := f.base(t)
		s := f.open(t, sent)
		picked := f.suggest(t, s)
		f.send(t, s)
		s.Close()
		tomorrow := func(tr keyTree) int {
			tr.set(t, "store.path", keyCopyStore(t, sent.get(t, "store.path").(string)))
			a := f.open(t, tr)
			m, err := a.Model(t.Context(), f.now.Add(24*time.Hour), false)
			if err != nil {
				t.Fatal(err)
			}
			again := 0
			for _, x := range a.Suggestions(m) {
				for _, p := range picked {
					if x.Key == p.Key {
						again++
					}
				}
			}
			return again
		}
		before, after, none := f.base(t), f.base(t), f.base(t)
		after.set(t, "digest.cooldown", "1h")
		none.set(t, "digest.cooldown", "0s") // 0 is none, not the default
		b, a, z := tomorrow(before), tomorrow(after), tomorrow(none)
		if b != 0 || a == 0 || z != a {
			t.Errorf("digest.cooldown: the day after a digest, %d of its %d people are suggested again with a cool-down of 1h, %d with 0 (before: %d), want some, as many (none)", a, len(picked), z, b)
		}
	},
	// Nobody in touch within quiet_days is suggested.
	"digest.quiet_days": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		b := f.suggest(t, f.open(t, before))
		recent := b[0]
		for _, x := range b {
			if x.LastContact.After(recent.LastContact) {
				recent = x
			}
		}
		days := int(f.now.Sub(recent.LastContact).Hours()/24) + 1
		after.set(t, "digest.quiet_days", days)
		a := f.suggest(t, f.open(t, after))
		if !slices.ContainsFunc(b, func(x relationship.Suggestion) bool { return x.Key == recent.Key }) ||
			slices.ContainsFunc(a, func(x relationship.Suggestion) bool { return x.Key == recent.Key }) {
			t.Errorf("digest.quiet_days: %d still suggests %s, last in touch %s", days, recent.Email, recent.LastContact)
		}
	},
	// With nobody due, a digest is sent only with send_when_empty.
	"digest.send_when_empty": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		empty := func(tr keyTree) keyTree {
			tr.set(t, "store.path", filepath.Join(t.TempDir(), "empty.db")) // no mail: nobody due
			return tr
		}
		after.set(t, "digest.send_when_empty", true)
		deliveries := func(tr keyTree) (int, app.Sent) {
			n := len(f.smtp.Mail())
			sent := f.send(t, f.open(t, empty(tr)))
			return len(f.smtp.Mail()) - n, sent
		}
		b, bs := deliveries(before)
		a, as := deliveries(after)
		if b != 0 || bs.Sent || a != 1 || !as.Sent {
			t.Errorf("digest.send_when_empty: an empty digest was delivered %d times (%s), before %d times (%s); want once, with the key only", a, as, b, bs)
		}
	},
	// The draft kind for a status.
	"digest.drafts_by_status": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		b := f.compose(t, before)
		i := slices.IndexFunc(b.Digest.People, func(p digestPerson) bool { return strings.HasPrefix(p.DraftRule, "status ") })
		if i < 0 {
			t.Fatal("no draft chosen by status in the base digest")
		}
		p := b.Digest.People[i]
		kind := "reconnect"
		if p.DraftKind == kind {
			kind = "checkin"
		}
		after.set(t, "digest.drafts_by_status", map[string]any{p.Status: kind})
		a := personIn(t, f.compose(t, after), p.Key)
		if a.DraftKind != kind || p.DraftKind == kind {
			t.Errorf("digest.drafts_by_status: %s (%s) has a %s draft with {%s: %s} (before: %s)", p.Email, p.Status, a.DraftKind, p.Status, kind, p.DraftKind)
		}
	},
	// The draft kind for a tag.
	"digest.drafts_by_tag": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "digest.drafts_by_tag", map[string]any{"climbing": "referral"})
		var who string
		kinds := make([]string, 2)
		for i, tr := range []keyTree{before, after} {
			a := f.open(t, tr)
			c, err := a.Compose(t.Context(), f.now)
			if err != nil {
				t.Fatal(err)
			}
			if who == "" {
				j := slices.IndexFunc(c.Digest.People, func(p digestPerson) bool { return p.Followup == "" && p.DraftKind != "referral" })
				if j < 0 {
					t.Fatal("nobody in the base digest to tag")
				}
				who = c.Digest.People[j].Key
			}
			if _, err := a.Tag(t.Context(), who, []string{"climbing"}); err != nil {
				t.Fatal(err)
			}
			c, err = a.Compose(t.Context(), f.now)
			if err != nil {
				t.Fatal(err)
			}
			kinds[i] = personIn(t, c, who).DraftKind
		}
		if kinds[0] == "referral" || kinds[1] != "referral" {
			t.Errorf("digest.drafts_by_tag: %s, tagged climbing, has a %s draft with {climbing: referral} (before: %s)", who, kinds[1], kinds[0])
		}
	},
	// A thread unanswered this long is a follow-up.
	"digest.followup_after_days": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		count := func(a *app.App) (n, newest int) {
			fu := a.Followups(f.model(t, a))
			newest = 1 << 30
			for _, x := range slices.Concat(fu.AwaitingReply, fu.OwesReply) {
				n++
				newest = min(newest, x.DaysWaiting)
			}
			return n, newest
		}
		b, newest := count(f.open(t, before))
		if b == 0 {
			t.Fatal("no follow-up in the base model")
		}
		after.set(t, "digest.followup_after_days", newest+1)
		if a, _ := count(f.open(t, after)); a >= b {
			t.Errorf("digest.followup_after_days: %d gave %d follow-ups (before: %d), want fewer", newest+1, a, b)
		}
	},

	// An ignored address is never a contact.
	"ignore": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		b := f.open(t, before)
		who := f.suggest(t, b)[0].Email
		after.set(t, "ignore", []any{who})
		a := f.open(t, after)
		if slices.ContainsFunc(f.model(t, a).Contacts, func(c relationship.Contact) bool { return c.Email == who }) ||
			!slices.ContainsFunc(f.model(t, b).Contacts, func(c relationship.Contact) bool { return c.Email == who }) {
			t.Errorf("ignore: %s is a contact with ignore: [%s]", who, who)
		}
	},
	// A card in a vCard file names the person of its address.
	"address_book.files": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.base(t)
		after.set(t, "address_book.files", []any{keyFile(t, "contacts.vcf", keyCard("Marguerite Card", f.cardAddr))})
		b, a := keyNameOf(t, f.model(t, f.open(t, before)), f.cardAddr), keyNameOf(t, f.model(t, f.open(t, after)), f.cardAddr)
		if b == "Marguerite Card" || a != "Marguerite Card" {
			t.Errorf("address_book.files: %s is named %q with the card (before: %q), want the card's name", f.cardAddr, a, b)
		}
	},
	// The CardDAV address book at url is read at the sync: its card
	// names the person of its address.
	"address_book.carddav.url": func(t *testing.T, f *keyFixture) {
		before, after := f.base(t), f.davBase(t, f.dav)
		b, berr := f.davSync(t, before)
		a, aerr := f.davSync(t, after)
		bn, an := keyNameOf(t, f.model(t, b), f.cardAddr), keyNameOf(t, f.model(t, a), f.cardAddr)
		if berr != nil || aerr != nil || bn == keyDAVName || an != keyDAVName {
			t.Errorf("address_book.carddav.url: %s is named %q after a sync with the address book (%v), before %q (%v); want the card's name", f.cardAddr, an, aerr, bn, berr)
		}
	},
	// The username is who logs in.
	"address_book.carddav.username": func(t *testing.T, f *keyFixture) {
		before, after := f.davBase(t, f.dav), f.davBase(t, f.dav)
		after.set(t, "address_book.carddav.username", "bob")
		_, berr := f.davSync(t, before)
		_, aerr := f.davSync(t, after)
		if berr != nil || aerr == nil || !strings.Contains(aerr.Error(), `refused the login as "bob"`) {
			t.Errorf("address_book.carddav.username: reading as bob gave %v (before: %v), want a refused login", aerr, berr)
		}
	},
	// The secret sources: the base's wrong password is refused, the
	// source set (in its place) logs in.
	"address_book.carddav.password": func(t *testing.T, f *keyFixture) {
		f.davLogin(t, func(tr keyTree) { tr.set(t, "address_book.carddav.password", keyDAVPassword) })
	},
	"address_book.carddav.password_file": func(t *testing.T, f *keyFixture) {
		file := keyFile(t, "dav.password", keyDAVPassword+"\n")
		f.davLogin(t, func(tr keyTree) {
			tr.del(t, "address_book.carddav.password")
			tr.set(t, "address_book.carddav.password_file", file)
		})
	},
	"address_book.carddav.password_command": func(t *testing.T, f *keyFixture) {
		f.davLogin(t, func(tr keyTree) {
			tr.del(t, "address_book.carddav.password")
			tr.set(t, "address_book.carddav.password_command", "printf '%s\\n' "+keyDAVPassword)
		})
	},
	"address_book.carddav.password_env": func(t *testing.T, f *keyFixture) {
		f.env["KEYS_DAV_PASSWORD"] = keyDAVPassword
		t.Cleanup(func() { delete(f.env, "KEYS_DAV_PASSWORD") })
		f.davLogin(t, func(tr keyTree) {
			tr.del(t, "address_book.carddav.password")
			tr.set(t, "address_book.carddav.password_env", "KEYS_DAV_PASSWORD")
		})
	},
	// ca_file makes the certificate of the HTTPS server trusted.
	"address_book.carddav.ca_file": func(t *testing.T, f *keyFixture) {
		before, after := f.davBase(t, f.davTLS), f.davBase(t, f.davTLS)
		after.set(t, "address_book.carddav.ca_file", keyFile(t, "ca.pem", string(f.davTLS.CAPEM)))
		_, berr := f.davSync(t, before)
		r, aerr := f.davSync(t, after)
		if berr == nil || aerr != nil || f.cards(t, r) != 1 {
			t.Errorf("address_book.carddav.ca_file: reading over TLS gave %v with the CA (before: %v), want it to trust the server only with it", aerr, berr)
		}
	},
	// tls_server_name is the name checked in the certificate.
	"address_book.carddav.tls_server_name": func(t *testing.T, f *keyFixture) {
		before, after := f.davBase(t, f.davTLS), f.davBase(t, f.davTLS)
		ca := keyFile(t, "ca.pem", string(f.davTLS.CAPEM))
		before.set(t, "address_book.carddav.ca_file", ca)
		after.set(t, "address_book.carddav.ca_file", ca)
		after.set(t, "address_book.carddav.tls_server_name", "dav.example.net")
		_, berr := f.davSync(t, before)
		_, aerr := f.davSync(t, after)
		if berr != nil || aerr == nil || !strings.Contains(aerr.Error(), "dav.example.net") {
			t.Errorf("address_book.carddav.tls_server_name: reading gave %v (before: %v), want the certificate refused for dav.example.net", aerr, berr)
		}
	},
	// Its effect is at load: an http URL to a host that is not loopback
	// is refused unless it is set.
	"address_book.carddav.allow_plaintext_auth": func(t *testing.T, f *keyFixture) {
		before, after := f.davBase(t, f.dav), f.davBase(t, f.dav)
		before.set(t, "address_book.carddav.url", "http://dav.example.com/jane/contacts/")
		after.set(t, "address_book.carddav.url", "http://dav.example.com/jane/contacts/")
		after.set(t, "address_book.carddav.allow_plaintext_auth", true)
		_, berr := f.load(t, before)
		_, aerr := f.load(t, after)
		if berr == nil || !strings.Contains(berr.Error(), "address_book.carddav.allow_plaintext_auth") || aerr != nil {
			t.Errorf("address_book.carddav.allow_plaintext_auth: http to dav.example.com loads with %v (before: %v), want it refused only without the key", aerr, berr)
		}
	},
	// A server slower than the timeout is given up on, and the sync says
	// so; the default waits for it (both with a server taking 1.5s).
	"address_book.carddav.timeout": func(t *testing.T, f *keyFixture) {
		f.dav.SetDelay(1500 * time.Millisecond)
		t.Cleanup(func() { f.dav.SetDelay(0) })
		before, after := f.davBase(t, f.dav), f.davBase(t, f.dav)
		after.set(t, "address_book.carddav.timeout", "1s")
		_, berr := f.davSync(t, before)
		start := time.Now()
		_, aerr := f.davSync(t, after)
		took := time.Since(start)
		if berr != nil || aerr == nil || !strings.Contains(aerr.Error(), "did not answer within 1s") || took > 10*time.Second {
			t.Errorf("address_book.carddav.timeout: 1s with a server taking 1.5s gave %v after %v (before: %v), want a timeout after 1s", aerr, took, berr)
		}
	},

	// A template in templates.dir replaces the built-in one.
	"templates.dir": func(t *testing.T, f *keyFixture) {
		const marker = "from templates.dir"
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "digest.subject"), []byte(marker+": {{len .People}} people"), 0o600); err != nil {
			t.Fatal(err)
		}
		before, after := f.base(t), f.base(t)
		after.set(t, "templates.dir", dir)
		b, a := f.compose(t, before), f.compose(t, after)
		if strings.Contains(b.Message.Subject, marker) || a.Message.Subject != fmt.Sprintf("%s: %d people", marker, len(a.Digest.People)) {
			t.Errorf("templates.dir: the digest's subject is %q (before: %q), want the one from the directory", a.Message.Subject, b.Message.Subject)
		}
	},
	// log.format and log.level are the CLI's: its log on stderr, here the
	// info line about a template read from templates.dir (set in both).
	"log.format": func(t *testing.T, f *keyFixture) {
		before, after := f.logBase(t), f.logBase(t)
		after.set(t, "log.format", "json")
		b, a := f.cliLog(t, before), f.cliLog(t, after)
		if !strings.Contains(b, `msg="template from templates.dir"`) || !strings.Contains(a, `"msg":"template from templates.dir"`) {
			t.Errorf("log.format: json logged\n%s\nbefore:\n%s\nwant JSON lines", a, b)
		}
	},
	"log.level": func(t *testing.T, f *keyFixture) {
		before, after := f.logBase(t), f.logBase(t)
		after.set(t, "log.level", "warn")
		b, a := f.cliLog(t, before), f.cliLog(t, after)
		if !strings.Contains(b, "template from templates.dir") || strings.Contains(a, "template from templates.dir") {
			t.Errorf("log.level: warn logged\n%s\nbefore:\n%s\nwant no info lines", a, b)
		}
	},
	// A password_command slower than timeouts.secret_command is stopped,
	// and the sync fails saying so; the default waits for it (both with
	// a password_command taking 1.5s).
	"timeouts.secret_command": func(t *testing.T, f *keyFixture) {
		before, after := f.liteBase(t), f.liteBase(t)
		for _, tr := range []keyTree{before, after} {
			tr.del(t, "accounts[0].imap.password")
			tr.set(t, "accounts[0].imap.password_command", "sleep 1.5; printf "+keyIMAPPassword)
		}
		after.set(t, "timeouts.secret_command", "1s")
		_, berr := f.keySync(t, before)
		start := time.Now()
		_, aerr := f.keySync(t, after)
		took := time.Since(start)
		var te *config.SecretTimeoutError
		if berr != nil || !errors.As(aerr, &te) || te.After != time.Second || !strings.Contains(aerr.Error(), "timeouts.secret_command") || took > 10*time.Second {
			t.Errorf("timeouts.secret_command: 1s with a command taking 1.5s gave %v after %v (before: %v), want a timeout after 1s", aerr, took, berr)
		}
	},
}
