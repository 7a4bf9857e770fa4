package config

import (
	"os"
	"reflect"
	"regexp"
	"sort"
	"testing"
)

// exampleFile is the commented example at the repository's root.
const exampleFile = "../config.example.yaml"

// TestExampleLoads keeps config.example.yaml loadable.
func TestExampleLoads(t *testing.T) {
	cfg, err := testLoader().Load(exampleFile)
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	if cfg.SMTP == nil || len(cfg.Accounts) == 0 {
		t.Fatal("the example lost its smtp section or its account")
	}
}

// TestExampleShowsDefaults checks that the values the example gives for
// the sections with defaults are the defaults, as its comments say.
func TestExampleShowsDefaults(t *testing.T) {
	cfg, err := testLoader().Load(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	def := testLoader().Default()
	def.Digest.To = cfg.Me.Addresses[0]
	for _, c := range []struct {
		key       string
		got, want any
	}{
		{"store", cfg.Store, def.Store},
		{"sync", cfg.Sync, def.Sync},
		{"digest", cfg.Digest, def.Digest},
		{"templates", cfg.Templates, def.Templates},
		{"log", cfg.Log, def.Log},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("the example's %s is %+v, the default is %+v", c.key, c.got, c.want)
		}
	}
	a := cfg.Accounts[0].IMAP
	if a.Port != 993 || a.Security != SecurityTLS || a.Auth != AuthPlain || a.AllowPlaintextAuth {
		t.Errorf("the example's imap shows %d %s %s %v, not the defaults", a.Port, a.Security, a.Auth, a.AllowPlaintextAuth)
	}
	s := cfg.SMTP
	if s.Port != 465 || s.Security != SecurityTLS || s.Auth != AuthPlain || s.AllowPlaintextAuth {
		t.Errorf("the example's smtp shows %d %s %s %v, not the defaults", s.Port, s.Security, s.Auth, s.AllowPlaintextAuth)
	}
}

// TestExampleMentionsEveryKey fails when a key is added to Config but not
// documented in the example (set or in a comment).
func TestExampleMentionsEveryKey(t *testing.T) {
	b, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, key := range allKeys(reflect.TypeFor[Config]()) {
		if !regexp.MustCompile(`(?m)^[\s#-]*` + regexp.QuoteMeta(key) + `:`).Match(b) {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		t.Errorf("config.example.yaml does not mention %v", missing)
	}
}

// allKeys returns every YAML key name reachable from t.
func allKeys(t reflect.Type) []string {
	seen := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for _, k := range yamlKeys(t) {
			seen[k] = true
			if f, ok := yamlField(t, k); ok {
				walk(f.Type)
			}
		}
	}
	walk(t)
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
