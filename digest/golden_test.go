package digest_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/digest/internal/fixture"
	"github.com/rekindle/rekindle/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// defaults loads the default templates.
func defaults(t testing.TB) *templates.Set {
	t.Helper()
	set, err := templates.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// render builds and renders the fixture's digest.
func render(t testing.TB, set *templates.Set, o fixture.Options) (*digest.Digest, digest.Rendered) {
	t.Helper()
	d, err := fixture.Digest(set, o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Render(set)
	if err != nil {
		t.Fatal(err)
	}
	return d, r
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./digest/ -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./digest/ -run Golden -update and review the diff.\ngot:\n%s", p, got)
	}
}

// TestGolden renders the digest of the synthetic mailbox (seed 1, 3000
// messages, as of synth.DefaultNow) and compares the subject and text,
// the HTML and the JSON with testdata/*.golden: plain, job hunting, on a
// morning with nobody due, with every display name stripped, and without
// actions. All but the last offer the one-tap actions (fixture.Linker)
// and say what earlier taps did.
func TestGolden(t *testing.T) {
	set := defaults(t)
	for _, tt := range []struct {
		name string
		o    fixture.Options
	}{
		{"digest", fixture.Options{}},
		{"jobsearch", fixture.Options{JobSearch: true}},
		{"empty", fixture.Options{Empty: true}},
		// A company mailbox: no display names, only first.last addresses;
		// and at most two follow-ups of each kind.
		{"company", fixture.Options{Company: true, MaxFollowups: 2}},
		// Built without actions: no links but the drafts', nothing applied.
		{"noactions", fixture.Options{NoActions: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, r := render(t, set, tt.o)
			golden(t, tt.name+".txt.golden", []byte("Subject: "+r.Subject+"\n\n"+r.Text))
			golden(t, tt.name+".html.golden", []byte(r.HTML))
			if tt.name == "digest" {
				var js bytes.Buffer
				enc := json.NewEncoder(&js)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(d); err != nil {
					t.Fatal(err)
				}
				golden(t, tt.name+".json.golden", js.Bytes())
			}
		})
	}
}

var fixtureJobSearch = fixture.Options{JobSearch: true}
